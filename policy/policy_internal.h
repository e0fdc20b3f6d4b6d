/* policy_internal.h: what the policy module's own files share (not for the gate).
 *
 * The handle's mutex guards the SQLite connection and every field of the
 * handle; each public function takes it on entry (pol_lock) and releases it
 * before returning.
 */
#ifndef RMGATE_POLICY_INTERNAL_H
#define RMGATE_POLICY_INTERNAL_H

#include "policy.h"
#include "calendar.h"

#include <pthread.h>
#include <sqlite3.h>
#include <winpr/wlog.h>

#define POLICY_TAG "rmgate.policy"

/* Refused logons are aggregated per source address (refusals.c): the first
 * `refusal_burst` refusals of a source within one window are written as they
 * come; the rest are counted here and written as one "refused_summary" row
 * when the window ends (at the next refusal, at policy_ledger_flush_refusals,
 * or at policy_close). The table is fixed-size: when its first 63 slots are
 * taken, every other source shares the last one (POL_OTHER_SOURCES). */
#define POL_REFUSAL_SLOTS 64
#define POL_OTHER_SOURCES "other addresses"
#define POL_SOURCE_MAX 64 /* bytes kept of a source address (IPv6 text fits) */
typedef struct {
	bool used;
	char source[POL_SOURCE_MAX];
	int64_t window_start_us;
	int written;                          /* rows written singly in this window */
	uint64_t suppressed[POLICY_DENY_COUNT]; /* counted, not yet written */
	uint64_t suppressed_total;
	int64_t first_suppressed_us, last_suppressed_us;
} pol_refusal_slot;

/* Password checks in progress (account.c): they count as failures until they
 * end, so parallel attempts cannot run more guesses than the lock-out allows. */
#define POL_INFLIGHT_SLOTS 128
typedef struct {
	int n; /* 0 = free */
	char login[257];
	char source[POL_SOURCE_MAX];
} pol_inflight;

struct policy_db {
	pthread_mutex_t lock; /* guards everything below */
	sqlite3 *sql;
	int zone_min;        /* display zone, minutes east of UTC */
	int lock_failures;   /* lock-out threshold */
	int lock_minutes;    /* lock-out window */
	int pbkdf2_iter;     /* iterations for new password hashes */
	int lock_total;      /* failures from all sources that lock an account everywhere */
	int refusal_burst;   /* refusals per source and window written singly */
	int64_t refusal_window_us;
	pol_refusal_slot refusals[POL_REFUSAL_SLOTS];
	pol_inflight inflight[POL_INFLIGHT_SLOTS];
	uint8_t dummy_salt[16]; /* PBKDF2 salt for unknown logins (same cost as known) */
};

void pol_lock(policy_db *db);
void pol_unlock(policy_db *db);

/* Sets the thread's last error message (printf style); returns `status`. */
int pol_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the last error from SQLite's message, prefixed with `what`. */
int pol_sql_fail(policy_db *db, const char *what);

sqlite3_stmt *pol_prepare(policy_db *db, const char *sql);
int pol_exec(policy_db *db, const char *sql);
int pol_begin(policy_db *db);   /* BEGIN IMMEDIATE */
int pol_commit(policy_db *db);
void pol_rollback(policy_db *db);

/* Binds a text or NULL. */
void pol_bind_text(sqlite3_stmt *st, int idx, const char *text);

/* Looks an id up by unique name in `table` (sections, vendors, systems). */
int pol_id_by_name(policy_db *db, const char *table, const char *name, int64_t *id);

/* Date <-> time in the handle's display zone. */
int64_t pol_local_midnight_us(const policy_db *db, cal_date d);
cal_date pol_local_date(const policy_db *db, int64_t us);
/* "YYYY-MM-DD HH:MM:SS" in the display zone (buf >= 20 bytes). */
void pol_format_local(const policy_db *db, int64_t us, char *buf, size_t len);

/* Extra closed days from the database (caller frees days). */
int pol_load_closed_days(policy_db *db, cal_closed_days *out);

/* Whether `login` is locked out at now_us for `source` (lock held): failures
 * (and checks in progress) from that source reached lock_failures, or
 * failures from all sources reached lock_total. source NULL: only the
 * account-wide rule. */
int pol_account_locked_locked(policy_db *db, const char *login, const char *source, int64_t now_us,
                              bool *locked);

/* Writes the summaries of aggregated refusals whose window ended by now_us
 * (all of them when `all`). Lock held. */
int pol_ledger_flush_refusals_locked(policy_db *db, int64_t now_us, bool all);

/* Deletes the stored target account of system_id, if any (secret.c), and
 * then appends a secret_cleared event with detail `why` by `actor`; *cleared
 * tells whether there was one. Lock held, inside the caller's transaction. */
int pol_secret_invalidate_locked(policy_db *db, int64_t system_id, const char *why, const char *actor,
				 int64_t now_us, bool *cleared);

/* The minimum prefixes of Table 2 sources in force (sources.c); lock held. */
int pol_sources_get_locked(policy_db *db, int *min4, int *min6);

/* Duplicates or returns NULL for NULL. */
char *pol_strdup(const char *s);

/* The settings table (what the city decides; each change is also a ledger row, written by the
 * caller): the one reader and the one writer. pol_setting_get_locked copies the value of
 * `name` into buf, or `fallback` when it is unset or empty (*found says which; found may be
 * NULL). pol_setting_put_locked inserts or replaces it, naming the actor; it runs inside the
 * caller's transaction. Lock held for both. */
int pol_setting_get_locked(policy_db *db, const char *name, const char *fallback, char *buf, size_t len, bool *found);
int pol_setting_put_locked(policy_db *db, const char *name, const char *value, const char *actor, int64_t now_us);

/* Password records (account.c; staff.c uses the same): PBKDF2-HMAC-SHA256 of the
 * password with a 16-byte salt into 32 bytes. Pure; runs without the lock. */
#define POL_SALT_LEN 16
#define POL_PW_HASH_LEN 32
bool pol_pbkdf2(const char *password, const uint8_t *salt, int iterations, uint8_t out[POL_PW_HASH_LEN]);

#endif
