/* gate_audit: what the monitor keeps of one admitted session: its recording file (created
 * here, written by the session's worker through the descriptor it is given), its ledger rows
 * (policy/ledger) and its time rules (gate_limits, plus the permit's suspension or revocation
 * polled from the database). The worker's half, which writes the screen into the file, is
 * gate_recorder.
 *
 * Contract
 * - gate_audit_start() is called once the policy allowed the session: it creates the
 *   recording file first (root's, 0600, never an existing file; a failure refuses the
 *   session: fail closed), then appends the ledger's session start. *recording_fd is the file
 *   open for writing, for the worker; the caller closes its copy once passed on. On failure
 *   nothing is left behind (the file is removed) and the error is in err.
 * - What the worker reports is untrusted and only ever about this session:
 *   gate_audit_event() writes receipt events as ledger rows, at most 32 device announcements
 *   and 1000 events per session (the rest are counted; gate_audit_end() writes one
 *   "device_announced" and one "events_suppressed" row with the counts);
 *   gate_audit_input() restarts the idle clock (a lying worker can only keep its own session
 *   from idling out, never stretch its window or maximum duration).
 * - gate_audit_tick() (about twice a second) returns the sentence why the session must end
 *   now (idle, maximum duration, window end, suspension, revocation, or an end decided by
 *   gate_audit_end_now()), or NULL; when an idle warning is due it also fills *note (once per
 *   idle stretch), which the caller passes to the worker for the recording; the ledger row is
 *   written here.
 * - The end: gate_audit_end() when the worker said the session ended (reason = its sentence),
 *   gate_audit_abort() when the worker died without saying so. Both read the recording back
 *   (rec_reader): the digest, size and end time in the ledger are what the file holds, not the
 *   worker's word; a recording without its end record makes a normal end `error`. An abort
 *   is `aborted`, unless the monitor had decided the end (tick, gate_audit_end_now()): then
 *   it keeps that reason. Exactly one of them, once; then gate_audit_free().
 *
 * Threads: one owner (the monitor's loop); no lock.
 */
#ifndef RMGATE_GATE_AUDIT_H
#define RMGATE_GATE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authz.h"
#include "gate_disk.h"
#include "gate_observer.h"
#include "ledger.h"
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
	int idle_warning_s;            /* warn this long before an idle end (0 = never) */
	int permit_poll_ms;            /* how often the permit is re-read (default 2000) */
	gate_disk_limits disk;         /* free space of recordings_dir below which sessions are refused */
} gate_audit_params;

/* What the worker writes into the recording's header (docs/recording-format.md). */
typedef struct {
	const char *recording_id;
	int64_t session_id;            /* the ledger's */
	int64_t permit_id, vendor_id, system_id, account_id;
	uint64_t start_ns;
} gate_audit_recording;

/* An event the monitor decided, for the recording (the idle warning). */
typedef struct {
	const char *name;
	char detail[160];
} gate_audit_note;

gate_audit *gate_audit_start(const gate_audit_params *p, int *recording_fd, char *err, size_t errlen);

gate_audit_recording gate_audit_recording_of(const gate_audit *a);
int64_t gate_audit_session_id(const gate_audit *a);
const char *gate_audit_recording_path(const gate_audit *a);

void gate_audit_event(gate_audit *a, gate_event_type type, const char *detail);
void gate_audit_input(gate_audit *a);
const char *gate_audit_tick(gate_audit *a, gate_audit_note *note);
/* The ERRINFO_* code that tells the client why the session the monitor ended is ending
 * (idle: IDLE_TIMEOUT; maximum duration or the permit window: LOGON_TIMEOUT; revocation,
 * suspension, an officer's order, resource limits, shutdown: RPC_INITIATED_DISCONNECT, "by
 * an administrative tool"), or 0 when the monitor has not ended it. */
uint32_t gate_audit_error_info(const gate_audit *a);

/* The monitor ends the session for its own reason (a worker over its resource limits): the
 * next tick returns message and the ledger's end reason is `reason`. The first end wins. */
void gate_audit_end_now(gate_audit *a, policy_end_reason reason, const char *message);

void gate_audit_end(gate_audit *a, const char *worker_reason, uint64_t frames);
void gate_audit_abort(gate_audit *a, const char *why);
void gate_audit_free(gate_audit *a);

/* Crash recovery at start: closes every ledger session that has no end (the gate died) as
 * `aborted`, with the end time and digest of the readable part of its recording.
 * Returns the number closed, or -1 on a database error. */
int gate_audit_recover(policy_db *db);

#endif
