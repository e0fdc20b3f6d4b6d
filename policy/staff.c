/* staff.c: the console's staff accounts, their passwords and lock-out (see staff.h). */
#include "staff.h"
#include "ledger.h"
#include "ledger_internal.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#define MAX_PASSWORD 256

static const char *const role_names[] = { "applicant", "approver", "auditor", "admin" };

const char *policy_staff_role_name(policy_staff_role r)
{
	return (unsigned)r <= POLICY_ROLE_ADMIN ? role_names[r] : "unknown";
}

bool policy_staff_role_parse(const char *text, policy_staff_role *out)
{
	for (int i = 0; text && i <= POLICY_ROLE_ADMIN; i++)
		if (!strcmp(text, role_names[i])) {
			*out = (policy_staff_role)i;
			return true;
		}
	return false;
}

static int check_login(const char *login)
{
	if (!login || !*login || strlen(login) > 64)
		return pol_fail(POLICY_ERR_INVALID, "a staff login is 1-64 characters of letters, digits, '.', '_' or '-'");
	for (const char *p = login; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			return pol_fail(POLICY_ERR_INVALID,
					"a staff login is 1-64 characters of letters, digits, '.', '_' or '-'");
	return POLICY_OK;
}

static int check_new_password(const char *password)
{
	size_t n = password ? strlen(password) : 0;
	if (n < POLICY_STAFF_MIN_PASSWORD || n > MAX_PASSWORD)
		return pol_fail(POLICY_ERR_INVALID, "a staff password is %d-%d bytes", POLICY_STAFF_MIN_PASSWORD, MAX_PASSWORD);
	return POLICY_OK;
}

/* A new salt and hash of password (the slow part; runs unlocked). */
static int new_record(policy_db *db, const char *password, uint8_t salt[POL_SALT_LEN], uint8_t hash[POL_PW_HASH_LEN],
		      int *iterations)
{
	if (RAND_bytes(salt, POL_SALT_LEN) != 1)
		return pol_fail(POLICY_ERR_INVALID, "no random bytes for a salt");
	pol_lock(db);
	*iterations = db->pbkdf2_iter;
	pol_unlock(db);
	return pol_pbkdf2(password, salt, *iterations, hash) ? POLICY_OK : pol_fail(POLICY_ERR_INVALID, "PBKDF2 failed");
}

int policy_staff_add(policy_db *db, const char *login, const char *display_name, policy_staff_role role,
                     const char *section, const char *password, const char *actor, int64_t now_us)
{
	int status;
	if ((status = check_login(login)) || (status = check_new_password(password)))
		return status;
	if ((unsigned)role > POLICY_ROLE_ADMIN)
		return pol_fail(POLICY_ERR_INVALID, "unknown staff role");
	if (role == POLICY_ROLE_APPLICANT && (!section || !*section))
		return pol_fail(POLICY_ERR_INVALID, "an applicant acts for one section: give --section");
	if (role != POLICY_ROLE_APPLICANT && section && *section)
		return pol_fail(POLICY_ERR_INVALID, "only an applicant belongs to a section (%s sees every section)",
				role_names[role]);
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who adds the staff member must be named (--by)");
	uint8_t salt[POL_SALT_LEN], hash[POL_PW_HASH_LEN];
	int iterations = 0;
	if ((status = new_record(db, password, salt, hash, &iterations)))
		return status;
	int64_t section_id = 0;
	pol_lock(db);
	if (section && *section)
		status = pol_id_by_name(db, "sections", section, &section_id);
	if (!status)
		status = pol_begin(db);
	if (!status) {
		sqlite3_stmt *st = pol_prepare(db, "INSERT INTO staff(login, display_name, role, section_id, pw_salt, pw_iterations,"
						   " pw_hash, created_us) VALUES (?,?,?,?,?,?,?,?)");
		if (!st) {
			status = POLICY_ERR_DB;
		} else {
			pol_bind_text(st, 1, login);
			pol_bind_text(st, 2, display_name ? display_name : "");
			pol_bind_text(st, 3, role_names[role]);
			if (section_id)
				sqlite3_bind_int64(st, 4, section_id);
			sqlite3_bind_blob(st, 5, salt, POL_SALT_LEN, SQLITE_TRANSIENT);
			sqlite3_bind_int(st, 6, iterations);
			sqlite3_bind_blob(st, 7, hash, POL_PW_HASH_LEN, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 8, now_us);
			int rc = sqlite3_step(st);
			if (rc == SQLITE_CONSTRAINT)
				status = pol_fail(POLICY_ERR_EXISTS, "staff login '%s' already exists", login);
			else if (rc != SQLITE_DONE)
				status = pol_sql_fail(db, "adding a staff member");
			sqlite3_finalize(st);
		}
		char detail[400];
		snprintf(detail, sizeof detail, "staff %s role %s%s%s", login, role_names[role], section_id ? " section " : "",
			 section_id ? section : "");
		if (!status)
			status = pol_ledger_admin_event_locked(db, now_us, POLICY_EV_STAFF_ADDED, detail, 0, actor);
		if (status)
			pol_rollback(db);
		else
			status = pol_commit(db);
	}
	pol_unlock(db);
	OPENSSL_cleanse(hash, sizeof hash);
	return status;
}

typedef struct {
	int64_t id;
	char login[257];
	uint8_t salt[POL_SALT_LEN], hash[POL_PW_HASH_LEN];
	int iterations;
	bool disabled;
} staff_row;

/* The row of `login` (ASCII case ignored); NOT_FOUND if none. Lock held. */
static int load_row(policy_db *db, const char *login, staff_row *r)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT id, login, pw_salt, pw_iterations, pw_hash, disabled FROM staff WHERE login = ?");
	if (!st)
		return POLICY_ERR_DB;
	pol_bind_text(st, 1, login);
	int rc = sqlite3_step(st), status = POLICY_OK;
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 2) == POL_SALT_LEN && sqlite3_column_bytes(st, 4) == POL_PW_HASH_LEN) {
		r->id = sqlite3_column_int64(st, 0);
		snprintf(r->login, sizeof r->login, "%s", (const char *)sqlite3_column_text(st, 1));
		memcpy(r->salt, sqlite3_column_blob(st, 2), POL_SALT_LEN);
		r->iterations = sqlite3_column_int(st, 3);
		memcpy(r->hash, sqlite3_column_blob(st, 4), POL_PW_HASH_LEN);
		r->disabled = sqlite3_column_int(st, 5) != 0;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		status = pol_fail(POLICY_ERR_NOT_FOUND, "no staff login '%s'", login);
	} else {
		status = pol_sql_fail(db, "reading a staff member");
	}
	sqlite3_finalize(st);
	return status;
}

/* Failed console logons of `login` within the lock-out window. Lock held. */
static int recent_failures(policy_db *db, const char *login, int64_t now_us, int *count)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT COUNT(*) FROM events WHERE login = ? COLLATE NOCASE AND type = ?"
					   " AND at_us > ? AND at_us <= ?");
	if (!st)
		return POLICY_ERR_DB;
	pol_bind_text(st, 1, login);
	pol_bind_text(st, 2, POLICY_EV_STAFF_LOGON_FAILED);
	sqlite3_bind_int64(st, 3, now_us - (int64_t)db->lock_minutes * 60 * 1000000);
	sqlite3_bind_int64(st, 4, now_us);
	int rc = sqlite3_step(st);
	*count = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? POLICY_OK : pol_sql_fail(db, "counting failed console logons");
}

/* One ledger row for a console logon attempt; the lock row when this failure locks. Lock held. */
static int record_attempt(policy_db *db, const char *login, const char *source, int64_t now_us, const char *outcome,
			  bool failed)
{
	char detail[160];
	snprintf(detail, sizeof detail, "console logon from %.64s: %s", source, outcome);
	int status = pol_ledger_append_event_locked(db, 0, now_us,
						    failed ? POLICY_EV_STAFF_LOGON_FAILED : POLICY_EV_STAFF_LOGON, detail,
						    login, source, NULL, 0, NULL);
	int n = 0;
	if (!status && failed && !(status = recent_failures(db, login, now_us, &n)) && n == db->lock_failures) {
		snprintf(detail, sizeof detail, "%d failed console logons within %d minutes: locked", n, db->lock_minutes);
		status = pol_ledger_append_event_locked(db, 0, now_us, POLICY_EV_STAFF_LOCKED, detail, login, source, NULL,
							0, NULL);
	}
	return status;
}

int policy_staff_check_password(policy_db *db, const char *login, const char *password, const char *source,
                                int64_t now_us, bool *ok, policy_staff *who)
{
	staff_row r;
	const char *outcome = NULL;
	*ok = false;
	if (!source)
		source = "";
	if (!login || strlen(login) > 64)
		login = "";
	memset(&r, 0, sizeof r);
	pol_lock(db);
	int status = load_row(db, login, &r);
	if (status == POLICY_ERR_NOT_FOUND) {
		status = POLICY_OK;
		outcome = "unknown login";
		memcpy(r.salt, db->dummy_salt, POL_SALT_LEN);
		r.iterations = db->pbkdf2_iter;
	} else if (!status) {
		int failures = 0;
		if (r.disabled)
			outcome = "disabled";
		else if (!(status = recent_failures(db, r.login, now_us, &failures)) && failures >= db->lock_failures)
			outcome = "locked";
	}
	pol_unlock(db);
	if (status)
		goto out;

	/* Same work whatever the outcome so far: the time taken tells nothing. */
	uint8_t got[POL_PW_HASH_LEN];
	bool usable = password && strlen(password) <= MAX_PASSWORD;
	bool right = pol_pbkdf2(usable ? password : "", r.salt, r.iterations, got) &&
		     CRYPTO_memcmp(got, r.hash, POL_PW_HASH_LEN) == 0 && usable;
	OPENSSL_cleanse(got, sizeof got);
	if (!outcome && !right)
		outcome = "wrong password";

	pol_lock(db);
	status = record_attempt(db, r.login[0] ? r.login : login, source, now_us, outcome ? outcome : "ok", outcome != NULL);
	pol_unlock(db);
	if (!status && !outcome) {
		status = policy_staff_get(db, r.id, who);
		*ok = status == POLICY_OK;
	}
out:
	OPENSSL_cleanse(&r, sizeof r);
	return status;
}

int policy_staff_get(policy_db *db, int64_t id, policy_staff *out)
{
	memset(out, 0, sizeof *out);
	pol_lock(db);
	sqlite3_stmt *st = pol_prepare(db, "SELECT s.id, s.login, s.display_name, s.role, IFNULL(s.section_id, 0),"
					   " IFNULL(c.name, '') FROM staff s LEFT JOIN sections c ON c.id = s.section_id"
					   " WHERE s.id = ? AND s.disabled = 0");
	int status = st ? POLICY_OK : POLICY_ERR_DB;
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && policy_staff_role_parse((const char *)sqlite3_column_text(st, 3), &out->role)) {
			out->id = sqlite3_column_int64(st, 0);
			snprintf(out->login, sizeof out->login, "%s", (const char *)sqlite3_column_text(st, 1));
			snprintf(out->display_name, sizeof out->display_name, "%s", (const char *)sqlite3_column_text(st, 2));
			out->section_id = sqlite3_column_int64(st, 4);
			snprintf(out->section, sizeof out->section, "%s", (const char *)sqlite3_column_text(st, 5));
		} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
			status = pol_fail(POLICY_ERR_NOT_FOUND, "no enabled staff member %lld", (long long)id);
		} else {
			status = pol_sql_fail(db, "reading a staff member");
		}
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	return status;
}

int policy_staff_set_password(policy_db *db, const char *login, const char *old_password, const char *password,
                              const char *actor, int64_t now_us)
{
	int status = check_new_password(password);
	if (status)
		return status;
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who changes the password must be named (--by)");
	if (old_password) {
		bool ok = false;
		policy_staff who;
		if ((status = policy_staff_check_password(db, login, old_password, "console", now_us, &ok, &who)))
			return status;
		if (!ok)
			return pol_fail(POLICY_ERR_INVALID, "the current password is not right");
	}
	uint8_t salt[POL_SALT_LEN], hash[POL_PW_HASH_LEN];
	int iterations = 0;
	if ((status = new_record(db, password, salt, hash, &iterations)))
		return status;
	staff_row r;
	pol_lock(db);
	if (!(status = load_row(db, login, &r)) && !(status = pol_begin(db))) {
		sqlite3_stmt *st = pol_prepare(db, "UPDATE staff SET pw_salt = ?, pw_iterations = ?, pw_hash = ? WHERE id = ?");
		if (!st) {
			status = POLICY_ERR_DB;
		} else {
			sqlite3_bind_blob(st, 1, salt, POL_SALT_LEN, SQLITE_TRANSIENT);
			sqlite3_bind_int(st, 2, iterations);
			sqlite3_bind_blob(st, 3, hash, POL_PW_HASH_LEN, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 4, r.id);
			if (sqlite3_step(st) != SQLITE_DONE)
				status = pol_sql_fail(db, "changing a staff password");
			sqlite3_finalize(st);
		}
		char detail[300];
		snprintf(detail, sizeof detail, "staff %s: new password", r.login);
		if (!status)
			status = pol_ledger_admin_event_locked(db, now_us, POLICY_EV_STAFF_CHANGED, detail, 0, actor);
		if (status)
			pol_rollback(db);
		else
			status = pol_commit(db);
	}
	pol_unlock(db);
	OPENSSL_cleanse(hash, sizeof hash);
	OPENSSL_cleanse(&r, sizeof r);
	return status;
}

int policy_staff_set_disabled(policy_db *db, const char *login, bool disabled, const char *actor, int64_t now_us)
{
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who changes the staff member must be named (--by)");
	staff_row r;
	pol_lock(db);
	int status = load_row(db, login ? login : "", &r);
	if (!status && !(status = pol_begin(db))) {
		sqlite3_stmt *st = pol_prepare(db, "UPDATE staff SET disabled = ? WHERE id = ?");
		if (!st) {
			status = POLICY_ERR_DB;
		} else {
			sqlite3_bind_int(st, 1, disabled);
			sqlite3_bind_int64(st, 2, r.id);
			if (sqlite3_step(st) != SQLITE_DONE)
				status = pol_sql_fail(db, "changing a staff member");
			sqlite3_finalize(st);
		}
		char detail[300];
		snprintf(detail, sizeof detail, "staff %s: %s", r.login, disabled ? "disabled" : "enabled");
		if (!status)
			status = pol_ledger_admin_event_locked(db, now_us, POLICY_EV_STAFF_CHANGED, detail, 0, actor);
		if (status)
			pol_rollback(db);
		else
			status = pol_commit(db);
	}
	pol_unlock(db);
	OPENSSL_cleanse(&r, sizeof r);
	return status;
}

int policy_staff_record_action(policy_db *db, const char *login, const char *what, int64_t now_us)
{
	if (!login || !*login || !what || !*what)
		return pol_fail(POLICY_ERR_INVALID, "a staff action needs its actor and what was done");
	pol_lock(db);
	int status = pol_ledger_admin_event_locked(db, now_us, POLICY_EV_STAFF_ACTION, what, 0, login);
	pol_unlock(db);
	return status;
}
