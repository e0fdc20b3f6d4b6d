/* gate_audit: what the product keeps of one admitted session, behind the gate's observer
 * hooks: the recording (replay/rec_writer), the ledger rows (policy/ledger) and the time
 * rules (gate_limits, plus the permit's suspension or revocation polled from the database).
 *
 * Contract
 * - gate_audit_start() is called by the admission hook once the policy allowed the session:
 *   it opens the recording first (a failure refuses the session: fail closed), then appends
 *   the ledger's session start. On failure nothing is left behind but an unlinked, empty
 *   recording is never kept: the error is returned in err and the caller refuses.
 * - gate_audit_observer() returns the gate_observer the session holds; its release() frees
 *   the audit. on_close() ends the recording (end record, index, digest) and appends the
 *   ledger's session end with the reason, sizes and the recording's digest.
 * - on_event() records every receipt event; the ledger gets at most 32 device announcements
 *   and 1000 receipt events per session; the rest are counted and on_close() writes one
 *   "device_announced" row ("N more device(s) announced, not listed singly ...") and one
 *   "events_suppressed" row ("N more event(s) ... suppressed ...") before the session end.
 * - on_tick() (called by the session about once a second) returns the reason the session
 *   must end now, or NULL; it also writes the idle warning once per idle stretch.
 *
 * Threads: the observer callbacks come from the gate's threads as gate_observer.h says. The
 * recorder calls are thread-safe; the few fields the audit changes after start (time of the
 * last input, idle sum, the end reason decided by a tick) are guarded by `lock`. The ledger
 * handle serializes itself. Ledger writes from callbacks are rare (receipt events at the
 * start, one warning, the end): the per-frame and per-input paths never touch the database.
 */
#ifndef RMGATE_GATE_AUDIT_H
#define RMGATE_GATE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "authz.h"
#include "gate_disk.h"
#include "gate_observer.h"
#include "policy.h"

typedef struct gate_audit gate_audit;

typedef struct {
	policy_db *db;                 /* borrowed; outlives every session */
	const char *recordings_dir;    /* created 0700 if missing */
	const policy_decision *decision; /* the policy's allow (ids, rules) */
	const char *login;
	const char *source;            /* client address */
	const char *client_name;
	uint32_t client_build;
	uint32_t width, height, keyboard_layout;
	int idle_warning_s;            /* warn this long before an idle end (0 = never) */
	int permit_poll_ms;            /* how often the permit is re-read (default 2000) */
	gate_disk_limits disk;         /* free space of recordings_dir below which sessions are refused */
} gate_audit_params;

/* Starts the audit of one session (recording + ledger start). Returns NULL and a sentence
 * in err when the session must be refused: the recording cannot be opened, or the recordings
 * directory has less free space than p->disk.min_free_mb (gate_disk.h). */
gate_audit *gate_audit_start(const gate_audit_params *p, char *err, size_t errlen);

/* The observer for the session; ctx is the audit, release frees it. */
gate_observer gate_audit_observer(gate_audit *a);

/* The ledger id of the session and the recording's path (valid until release). */
int64_t gate_audit_session_id(const gate_audit *a);
const char *gate_audit_recording_path(const gate_audit *a);

/* Crash recovery: closes every ledger session that has no end (the gate died) as
 * `aborted`, with the end time and digest of the readable part of its recording.
 * Returns the number closed, or -1 on a database error. */
int gate_audit_recover(policy_db *db);

#endif
