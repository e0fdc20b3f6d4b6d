/* ledger.h: the append-only, hash-chained record of sessions, events and
 * refused attempts, written by the gate and read by reports and `verify`.
 *
 * Chain: every row of the tables sessions, session_ends and events carries a
 * global sequence number `seq` (1, 2, 3, ... across the three tables), the
 * hash of the row before it (`prev_hash`, 32 zero bytes for seq 1) and its
 * own `hash` = SHA-256("rmgate-ledger-v1" || prev_hash || table name ||
 * canonical encoding of its columns). The table ledger_head keeps the last
 * seq and hash, so removing rows at the end is found too. Triggers refuse
 * UPDATE and DELETE on the ledger tables; policy_ledger_verify() finds rows
 * changed by anyone who removed them.
 *
 * Contract: as policy.h (any thread, serialized by the handle). Times are µs
 * UTC. Text arguments may be NULL where marked; they are copied.
 */
#ifndef RMGATE_POLICY_LEDGER_H
#define RMGATE_POLICY_LEDGER_H

#include "policy.h"

/* Event types the gate and the tools write (free text is allowed too; these
 * are the ones reports count). */
#define POLICY_EV_CHANNEL_OFFERED "channel_offered" /* detail: channel name */
#define POLICY_EV_CHANNEL_DENIED "channel_denied"   /* blocked redirection attempt */
#define POLICY_EV_IDLE_WARNING "idle_warning"
#define POLICY_EV_REFUSED "refused"                 /* refused attempt, no session */
#define POLICY_EV_REFUSED_SUMMARY "refused_summary" /* refusals not listed singly, see below */
#define POLICY_EV_ACCOUNT_LOCKED "account_locked"
#define POLICY_EV_ACCOUNT_UNLOCKED "account_unlocked" /* by actor: earlier failures no longer count */
#define POLICY_EV_NOTE "note"                       /* 作業内容, by an officer */
#define POLICY_EV_END_REQUESTED "end_requested"     /* staff ordered a live session ended */
#define POLICY_EV_SECRET_SET "secret_set"           /* target account stored (secret.h) */
#define POLICY_EV_SECRET_CLEARED "secret_cleared"   /* target account removed */
#define POLICY_EV_CERT_PIN_SET "cert_pin_set"         /* detail: "system NAME sha256:HEX" */
#define POLICY_EV_CERT_PIN_CLEARED "cert_pin_cleared" /* detail: "system NAME was sha256:HEX" */
#define POLICY_EV_SECRET_KEY_CREATED "secret_key_created" /* detail: key path and key id */
#define POLICY_EV_RETENTION_SET "retention_set"       /* detail: "recordings N days (was M)" */
#define POLICY_EV_SOURCES_SET "sources_set"           /* detail: "minimum prefix IPv4 /N IPv6 /M (was ...)" */
#define POLICY_EV_NETWORKS_SET "system_networks_set"  /* detail: "system NAME: CIDR... (was CIDR...)" */
#define POLICY_EV_LAB_SOURCES_SET "lab_sources_set"   /* detail: "system NAME: CIDR... (was CIDR...)" */
#define POLICY_EV_RECORDING_PRUNED "recording_pruned" /* detail: session, file, digest (retention.h) */
#define POLICY_EV_STAFF_ADDED "staff_added"           /* console staff (staff.h), by actor */
#define POLICY_EV_STAFF_CHANGED "staff_changed"       /* password, disable, enable, by actor */
#define POLICY_EV_STAFF_LOGON "staff_logon"           /* console logon; login, source */
#define POLICY_EV_STAFF_LOGON_FAILED "staff_logon_failed" /* detail says why; counts for lock-out */
#define POLICY_EV_STAFF_LOCKED "staff_locked"         /* the failure that locked the login */
#define POLICY_EV_STAFF_ACTION "staff_action"         /* a console action, by the staff member */
#define POLICY_EV_SETTING_SET "setting_set"           /* detail: "NAME: VALUE (was OLD)" (forms.h) */

typedef enum {
	POLICY_END_CLIENT_DISCONNECT,
	POLICY_END_TARGET_DISCONNECT,
	POLICY_END_IDLE_TIMEOUT,
	POLICY_END_MAX_DURATION,
	POLICY_END_WINDOW_END,
	POLICY_END_SUSPENDED,
	POLICY_END_REVOKED,
	POLICY_END_GATE_SHUTDOWN,
	POLICY_END_ABORTED, /* closed after a crash of the gate */
	POLICY_END_ERROR,
	POLICY_END_RECORDING_INCOMPLETE, /* the gate could not decode what the target sent */
	POLICY_END_RESOURCE_LIMIT, /* the session's worker went over its memory or CPU limit */
	POLICY_END_TERMINATED,     /* ended on an order of the city's staff (end_requested) */
	POLICY_END_COUNT
} policy_end_reason;

const char *policy_end_name(policy_end_reason r);

typedef struct {
	int64_t permit_id, account_id, vendor_id, system_id; /* from the decision */
	const char *login;          /* required */
	const char *source;         /* source address text, required */
	const char *client_name;    /* may be NULL */
	uint32_t client_build;
	const char *recording_id;   /* may be NULL */
	const char *recording_path; /* may be NULL */
} policy_session_start;

/* Appends a session start at `start_us`; returns its id in *session_id. */
int policy_ledger_session_start(policy_db *db, int64_t start_us, const policy_session_start *s,
                                int64_t *session_id);

typedef struct {
	int64_t end_us;
	policy_end_reason reason;
	uint64_t bytes, frames;
	int64_t idle_us;                  /* time without vendor input (gate's count) */
	const char *recording_path;       /* may be NULL */
	const char *recording_digest_hex; /* may be NULL */
} policy_session_end;

/* Appends the end of a session. POLICY_ERR_NOT_FOUND for an unknown id,
 * POLICY_ERR_STATE if the session already has an end. */
int policy_ledger_session_end(policy_db *db, int64_t session_id, const policy_session_end *e);

/* Appends an event; session_id 0 = not tied to a session. `detail` may be
 * NULL. An unknown session id is POLICY_ERR_NOT_FOUND; events that arrive
 * after the session's end are still kept. */
int policy_ledger_event(policy_db *db, int64_t session_id, int64_t at_us, const char *type,
                        const char *detail);

/* Appends a refused attempt (event "refused" with its reason). Any text may
 * be NULL; `requested_system` is kept as the system id when it names one.
 *
 * Floods are aggregated per source address: within one window (60 s from
 * the source's first refusal) the first 10 refusals of a source
 * (policy_set_refusal_burst) are written as rows; the others are only counted, and one "refused_summary" row
 * (source set, detail "N refused logon(s) from SOURCE not listed singly
 * (FROM to TO): reason=count ...", beginning with the count) is written when
 * the window has ended: at the next refusal of any source, at
 * policy_ledger_flush_refusals() (the gate calls it about twice a second)
 * or at policy_close(). A crash loses the counts of the open windows (at
 * most one window per source). The table of sources has 64 slots; when 63
 * are taken, every further address shares the last one, whose summary says
 * "from other addresses" (source NULL): at most 64 x 11 rows a minute
 * whatever the number of addresses. Which vendor, permits and sections a
 * refusal counts against is decided when it is read, from its login, named
 * system and time (POL_REFUSAL_PERMITS, ledger_internal.h). Wrong
 * passwords of existing accounts (bad_password) are never aggregated: the
 * lock-out counts them, and it bounds them (account.h). */
int policy_ledger_refused(policy_db *db, int64_t at_us, policy_deny_reason reason, const char *login,
                          const char *source, const char *requested_system, const char *detail);

/* Writes the summaries of refusal windows ended by now_us (every open one
 * when `all`). */
int policy_ledger_flush_refusals(policy_db *db, int64_t now_us, bool all);

/* Orders a live session ended (staff, from the command line or the console): an
 * "end_requested" event with the reason, by `actor`. The gate's monitor reads it at its next
 * permit poll (every 2 s) and ends the session as `terminated`. POLICY_ERR_STATE when the
 * session has already ended, POLICY_ERR_NOT_FOUND when there is no such session, and
 * POLICY_ERR_INVALID without an actor or a reason. */
int policy_ledger_request_end(policy_db *db, int64_t session_id, int64_t at_us, const char *actor,
                              const char *reason);

/* Whether an end of session_id was ordered (policy_ledger_request_end). */
int policy_session_end_requested(policy_db *db, int64_t session_id, bool *requested);

/* Appends a work note (作業内容) for a session (open or ended), by `actor`. */
int policy_ledger_note(policy_db *db, int64_t session_id, int64_t at_us, const char *actor,
                       const char *text);

typedef struct {
	int64_t session_id, start_us, permit_id;
	char *login, *recording_id, *recording_path; /* owned */
} policy_open_session;

/* Sessions that have a start and no end (crash recovery). */
int policy_sessions_open(policy_db *db, policy_open_session **list, size_t *count);
void policy_open_sessions_free(policy_open_session *list, size_t count);

typedef struct {
	bool ok;
	int64_t rows;       /* rows checked */
	int64_t head_seq;   /* seq of the last row checked (0: empty ledger) */
	char head_hex[65];  /* hash of the last row checked */
	char problem[320];  /* first problem found (ok == false) */
} policy_verify_result;

/* Recomputes the chain. Returns POLICY_OK (result filled, ok true or false)
 * or an error if the database cannot be read. */
int policy_ledger_verify(policy_db *db, policy_verify_result *out);

/* A head printed earlier (reports, `verify`) as "SEQ:HEX": the chain's hash
 * after row SEQ. The chain has no key, so someone who rewrites every row
 * and the head passes policy_ledger_verify; the hash at SEQ still differs
 * from a printed anchor unless the rows up to SEQ are unchanged. */
typedef struct {
	int64_t seq; /* >= 1 */
	uint8_t hash[32];
} policy_ledger_anchor;

/* Parses "SEQ:HEX" (SEQ a positive decimal, HEX 64 hex digits, either
 * case). POLICY_ERR_INVALID with a message on anything else. */
int policy_ledger_anchor_parse(const char *text, policy_ledger_anchor *out);

/* As policy_ledger_verify; with an anchor (may be NULL) it also fails when
 * the running hash at anchor->seq differs from anchor->hash or the ledger
 * ends before anchor->seq. */
int policy_ledger_verify_anchor(policy_db *db, const policy_ledger_anchor *anchor, policy_verify_result *out);

/* The rows appended since an earlier check that ended at `from` (its head_seq and head
 * hash): the row at from->seq must still hold that hash, and every later row must chain on
 * it up to the head (from->seq 0: from the start). Work in proportion to the new rows, for a console that re-checks every
 * minute; it cannot see an edit *before* from->seq that left the stored hashes alone (a row's
 * content changed, its hash column kept): only policy_ledger_verify, which recomputes every
 * row, finds that. out->rows counts the new rows; out->head_* is the head reached. */
int policy_ledger_verify_since(policy_db *db, const policy_ledger_anchor *from, policy_verify_result *out);

#endif
