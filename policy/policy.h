/* policy.h: the contract of the policy library (permits, authorization, ledger).
 *
 * One `policy_db` handle wraps one SQLite connection to the rmgate database.
 *
 * Threads: a handle may be used from any thread at the same time; every call
 * takes the handle's mutex for its whole duration (the slow PBKDF2 step of a
 * password check runs outside it). Calls therefore never interleave on one
 * connection. Several processes may share the file (WAL, busy timeout 5 s).
 *
 * Errors: functions return POLICY_OK (0) or a negative policy_status; a
 * one-line human message for the last failure on this thread is available
 * from policy_last_error(). Refusals that are *answers* (a denied
 * authorization) are not errors: they come back in the decision structure.
 *
 * Times are microseconds since the epoch, UTC (int64_t). Dates are shown and
 * entered in the zone configured on the handle (default Asia/Tokyo, UTC+9,
 * which has no daylight saving time).
 *
 * Ownership: strings passed in are copied; strings returned inside structures
 * are owned by the structure and freed by the matching *_free/ *_clear call.
 */
#ifndef RMGATE_POLICY_H
#define RMGATE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct policy_db policy_db;

typedef enum {
	POLICY_OK = 0,
	POLICY_ERR_INVALID = -1,  /* invalid input or a rule refused the request */
	POLICY_ERR_NOT_FOUND = -2,/* unknown id or name */
	POLICY_ERR_DB = -3,       /* SQLite failed (locked, read-only, corrupt) */
	POLICY_ERR_IO = -4,       /* file or directory could not be created */
	POLICY_ERR_STATE = -5,    /* the permit's state does not allow this step */
	POLICY_ERR_EXISTS = -6,   /* the name is already taken */
	POLICY_ERR_NOMEM = -7,
	POLICY_ERR_TAMPERED = -8, /* ledger verification found a bad row */
	POLICY_ERR_KEY = -9,      /* secret key file unsafe or malformed (secret.h) */
	POLICY_ERR_DECRYPT = -10, /* a stored secret did not decrypt: wrong key or edited row */
} policy_status;

/* Message of the last failure on the calling thread (never NULL). */
const char *policy_last_error(void);

/* Opens (creating and migrating if needed) the database at `path`. A new
 * file is made 0600; a missing parent directory is created 0700 (one level).
 * Returns NULL with policy_last_error() set on failure. */
policy_db *policy_open(const char *path);
/* Opens without creating or migrating (for read-only use; fails if the file
 * is missing or its schema is newer/older than this library). */
policy_db *policy_open_existing(const char *path);
/* Opens an existing database read-only (reports, verify, auditors' copies);
 * every write through it fails with POLICY_ERR_DB ("read-only"). */
policy_db *policy_open_readonly(const char *path);
void policy_close(policy_db *db);

/* How long a call waits for another process's write lock before failing
 * with POLICY_ERR_DB "locked" (default 5000 ms). */
void policy_set_busy_timeout(policy_db *db, int milliseconds);

/* Schema version this library writes (PRAGMA user_version). */
int policy_schema_version(void);

/* Display zone as minutes east of UTC (default 540 = Asia/Tokyo). The one source of
 * local time: dates entered (permit windows, report months), times in reports and
 * ledger details, and the SQL function local_time(us) that the CLI's listings use.
 * rmgate-policy --tz ZONE sets it; the gate keeps the default. */
void policy_set_zone_offset(policy_db *db, int minutes_east);
int policy_zone_offset(const policy_db *db);

/* Lock-out (account.h): an account is locked for a source address while it
 * has `failures` or more failed logons from that address within the last
 * `minutes` (defaults 5 and 15), and for every address while it has
 * policy_set_lockout_account() failures from all addresses together
 * (default 20) within the same window. */
void policy_set_lockout(policy_db *db, int failures, int minutes);
void policy_set_lockout_account(policy_db *db, int failures);

/* Refusals per source address and minute written as single ledger rows
 * before the rest are only counted (ledger.h, policy_ledger_refused;
 * default 10, at least 1). */
void policy_set_refusal_burst(policy_db *db, int per_minute);

/* PBKDF2 iteration count for new password hashes (default 200000; tests may
 * lower it). Existing hashes keep the count they were made with. */
void policy_set_pbkdf2_iterations(policy_db *db, int iterations);

/* Why a connection is refused (also the `reason` text in the ledger, see
 * policy_deny_name()). */
typedef enum {
	POLICY_DENY_NONE = 0,
	POLICY_DENY_UNKNOWN_ACCOUNT,
	POLICY_DENY_BAD_PASSWORD,
	POLICY_DENY_LOCKED_OUT,
	POLICY_DENY_NO_PERMIT,
	POLICY_DENY_OUTSIDE_WINDOW,
	POLICY_DENY_SUSPENDED,
	POLICY_DENY_REVOKED,
	POLICY_DENY_SOURCE_NOT_ALLOWED, /* outside the permit's sources, or (Table 1) its system's networks */
	POLICY_DENY_TOO_MANY_SESSIONS, /* decided by the gate, recorded here */
	POLICY_DENY_UNKNOWN_SYSTEM,
	POLICY_DENY_AMBIGUOUS_SYSTEM,
	POLICY_DENY_IDENTITY_MISMATCH, /* NLA: TSCredentials named another account than NTLM */
	POLICY_DENY_NOT_RECORDABLE,    /* the gate cannot record the session (disk space, file error) */
	POLICY_DENY_COUNT
} policy_deny_reason;

/* "unknown_account", "bad_password", ... (static storage). */
const char *policy_deny_name(policy_deny_reason r);
/* The inverse; false for an unknown name. */
bool policy_deny_parse(const char *name, policy_deny_reason *out);

/* Current time in µs since the epoch (CLOCK_REALTIME). */
int64_t policy_now_us(void);
/* "YYYY-MM-DD HH:MM:SS" of `us` in the handle's display zone (policy_set_zone_offset;
 * buf >= 20 bytes): the one way times are shown. */
void policy_format_local(policy_db *db, int64_t us, char *buf, size_t len);

#endif
