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

struct policy_db {
	pthread_mutex_t lock; /* guards everything below */
	sqlite3 *sql;
	int zone_min;        /* display zone, minutes east of UTC */
	int lock_failures;   /* lock-out threshold */
	int lock_minutes;    /* lock-out window */
	int pbkdf2_iter;     /* iterations for new password hashes */
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

/* Whether `login` is locked out at now_us (lock held). */
int pol_account_locked_locked(policy_db *db, const char *login, int64_t now_us, bool *locked);

/* Deletes the stored target account of system_id, if any (secret.c), and
 * then appends a secret_cleared event with detail `why` by `actor`; *cleared
 * tells whether there was one. Lock held, inside the caller's transaction. */
int pol_secret_invalidate_locked(policy_db *db, int64_t system_id, const char *why, const char *actor,
				 int64_t now_us, bool *cleared);

/* Duplicates or returns NULL for NULL. */
char *pol_strdup(const char *s);

#endif
