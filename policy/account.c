/* account.c: vendor accounts, password hashes and lock-out (see account.h). */
#include "account.h"
#include "ledger.h"
#include "ledger_internal.h"
#include "md4.h"
#include "secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SALT_LEN POL_SALT_LEN
#define PW_HASH_LEN POL_PW_HASH_LEN
#define MAX_PASSWORD 256

/* The UTF-16LE form of a UTF-8 password (what the NT hash is computed over), by iconv.
 * Why iconv and not WinPR's ConvertToUnicode: Debian's WinPR 2 is built with ICU, which turns
 * invalid UTF-8 into U+FFFD without telling the caller, so two different byte strings would
 * get the same NT hash; glibc's iconv refuses invalid, overlong, surrogate and truncated
 * sequences (EILSEQ/EINVAL) and needs no new library. False when the password is not valid
 * UTF-8 or does not fit in cap bytes; *n is then 0. */
static bool password_utf16le(const char *password, uint8_t *out, size_t cap, size_t *n)
{
	*n = 0;
	iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
	if (cd == (iconv_t)-1)
		return false;
	char *in = (char *)password, *to = (char *)out;
	size_t in_left = strlen(password), out_left = cap;
	bool ok = iconv(cd, &in, &in_left, &to, &out_left) != (size_t)-1 && in_left == 0;
	iconv_close(cd);
	if (ok)
		*n = cap - out_left;
	return ok;
}

int policy_nt_hash(const char *password, uint8_t out[16])
{
	uint8_t buf[MAX_PASSWORD * 2]; /* one UTF-16 unit (2 bytes) at most per UTF-8 byte */
	size_t n = 0;
	int status = POLICY_OK;
	if (strlen(password) > MAX_PASSWORD) {
		memset(out, 0, 16);
		return pol_fail(POLICY_ERR_INVALID, "password must be 1-%d bytes", MAX_PASSWORD);
	}
	if (password_utf16le(password, buf, sizeof buf, &n))
		pol_md4(buf, n, out);
	else {
		memset(out, 0, 16);
		status = pol_fail(POLICY_ERR_INVALID, "password is not valid UTF-8");
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return status;
}

bool pol_pbkdf2(const char *password, const uint8_t *salt, int iterations, uint8_t out[PW_HASH_LEN])
{
	return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, SALT_LEN, iterations, EVP_sha256(),
				 PW_HASH_LEN, out) == 1;
}

static int check_login_password(const char *login, const char *password)
{
	if (!login || !*login || strlen(login) > 256 || strpbrk(login, "\\@ \t\r\n"))
		return pol_fail(POLICY_ERR_INVALID, "login must be 1-256 characters without spaces, '\\' or '@'");
	if (!password || !*password || strlen(password) > MAX_PASSWORD)
		return pol_fail(POLICY_ERR_INVALID, "password must be 1-%d bytes", MAX_PASSWORD);
	/* Refused here, before the slow hash, for TLS-only accounts too: a client's password
	 * reaches the gate as UTF-16, so a password that is not UTF-8 could never log on. */
	uint8_t utf16[MAX_PASSWORD * 2];
	size_t n = 0;
	bool valid = password_utf16le(password, utf16, sizeof utf16, &n);
	OPENSSL_cleanse(utf16, sizeof utf16);
	if (!valid)
		return pol_fail(POLICY_ERR_INVALID, "password is not valid UTF-8");
	return POLICY_OK;
}

/* A new PBKDF2 record of password for login, after checking both (the slow part; runs
 * unlocked). */
static int new_pw_hash(policy_db *db, const char *login, const char *password, uint8_t salt[SALT_LEN],
		       uint8_t hash[PW_HASH_LEN], int *iterations)
{
	int status = check_login_password(login, password);
	if (status)
		return status;
	if (RAND_bytes(salt, SALT_LEN) != 1)
		return pol_fail(POLICY_ERR_INVALID, "no random bytes for a salt");
	pol_lock(db);
	*iterations = db->pbkdf2_iter;
	pol_unlock(db);
	if (!pol_pbkdf2(password, salt, *iterations, hash))
		return pol_fail(POLICY_ERR_INVALID, "PBKDF2 failed");
	return POLICY_OK;
}

/* Stores the sealed NT hash of account id/login (NULL key: none); lock held. */
static int store_nt_locked(policy_db *db, const policy_secret_key *key, int64_t id, const char *login,
			   const char *password)
{
	uint8_t nt[16], sealed[POLICY_NT_SEALED_LEN];
	int status = POLICY_OK;
	if (key) {
		status = policy_nt_hash(password, nt);
		if (status == POLICY_OK)
			status = policy_nt_hash_seal(key, id, login, nt, sealed);
		OPENSSL_cleanse(nt, sizeof nt);
		if (status)
			return status;
	}
	sqlite3_stmt *st = pol_prepare(db, "UPDATE accounts SET nt_key_id = ?, nt_sealed = ? WHERE id = ?");
	if (!st)
		return POLICY_ERR_DB;
	pol_bind_text(st, 1, key ? policy_secret_key_id(key) : NULL);
	if (key)
		sqlite3_bind_blob(st, 2, sealed, POLICY_NT_SEALED_LEN, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, id);
	status = sqlite3_step(st) == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "storing the NLA secret");
	sqlite3_finalize(st);
	return status;
}

/* Inserts the account and, with a key, its sealed NT hash (bound to the new
 * id) in one transaction; lock held. */
static int insert_account_locked(policy_db *db, const policy_secret_key *nla_key, int64_t vendor_id, const char *login,
				 const char *password, const uint8_t salt[SALT_LEN], int iterations,
				 const uint8_t hash[PW_HASH_LEN], int64_t *id_out)
{
	if (pol_begin(db))
		return POLICY_ERR_DB;
	sqlite3_stmt *st = pol_prepare(db, "INSERT INTO accounts(vendor_id, login, pw_salt, pw_iterations, pw_hash,"
					   " created_us) VALUES (?,?,?,?,?,?)");
	int status = POLICY_ERR_DB;
	int64_t id = 0;
	if (st) {
		sqlite3_bind_int64(st, 1, vendor_id);
		pol_bind_text(st, 2, login);
		sqlite3_bind_blob(st, 3, salt, SALT_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 4, iterations);
		sqlite3_bind_blob(st, 5, hash, PW_HASH_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 6, policy_now_us());
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc == SQLITE_CONSTRAINT)
			status = pol_fail(POLICY_ERR_EXISTS, "an account with login '%s' already exists", login);
		else if (rc != SQLITE_DONE)
			status = pol_sql_fail(db, "adding an account");
		else
			status = POLICY_OK, id = sqlite3_last_insert_rowid(db->sql);
	}
	if (!status && nla_key)
		status = store_nt_locked(db, nla_key, id, login, password);
	if (status) {
		pol_rollback(db);
		return status;
	}
	status = pol_commit(db);
	if (!status && id_out)
		*id_out = id;
	return status;
}

static int add_account(policy_db *db, const policy_secret_key *nla_key, const char *vendor, const char *login,
		       const char *password, int64_t *id_out)
{
	uint8_t salt[SALT_LEN], hash[PW_HASH_LEN];
	int iterations = 0;
	int status = new_pw_hash(db, login, password, salt, hash, &iterations);
	if (status)
		return status;
	pol_lock(db);
	int64_t vendor_id = 0;
	status = pol_id_by_name(db, "vendors", vendor, &vendor_id);
	if (!status)
		status = insert_account_locked(db, nla_key, vendor_id, login, password, salt, iterations, hash, id_out);
	pol_unlock(db);
	OPENSSL_cleanse(hash, sizeof hash);
	return status;
}

int policy_account_add(policy_db *db, const char *vendor, const char *login, const char *password, int64_t *id_out)
{
	return add_account(db, NULL, vendor, login, password, id_out);
}

int policy_account_add_nla(policy_db *db, const policy_secret_key *key, const char *vendor, const char *login,
			   const char *password, int64_t *id_out)
{
	if (!key)
		return pol_fail(POLICY_ERR_INVALID, "an NLA account needs the secret key (its NT hash is stored sealed)");
	return add_account(db, key, vendor, login, password, id_out);
}

int policy_account_set_password(policy_db *db, const policy_secret_key *nla_key, const char *login,
				const char *password)
{
	uint8_t salt[SALT_LEN], hash[PW_HASH_LEN];
	int iterations = 0;
	int status = new_pw_hash(db, login, password, salt, hash, &iterations);
	if (status)
		return status;
	pol_lock(db);
	int64_t id = 0;
	char stored[257] = "";
	status = pol_begin(db);
	sqlite3_stmt *st = status ? NULL : pol_prepare(db, "SELECT id, login FROM accounts WHERE login = ?");
	if (!status && !st)
		status = POLICY_ERR_DB;
	if (st) {
		pol_bind_text(st, 1, login);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			id = sqlite3_column_int64(st, 0);
			snprintf(stored, sizeof stored, "%s", (const char *)sqlite3_column_text(st, 1));
		} else if (rc == SQLITE_DONE) {
			status = pol_fail(POLICY_ERR_NOT_FOUND, "no account '%s'", login);
		} else {
			status = pol_sql_fail(db, "looking up an account");
		}
		sqlite3_finalize(st);
	}
	if (!status) {
		st = pol_prepare(db, "UPDATE accounts SET pw_salt = ?, pw_iterations = ?, pw_hash = ? WHERE id = ?");
		status = POLICY_ERR_DB;
		if (st) {
			sqlite3_bind_blob(st, 1, salt, SALT_LEN, SQLITE_TRANSIENT);
			sqlite3_bind_int(st, 2, iterations);
			sqlite3_bind_blob(st, 3, hash, PW_HASH_LEN, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 4, id);
			status = sqlite3_step(st) == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "changing a password");
			sqlite3_finalize(st);
		}
	}
	if (!status)
		status = store_nt_locked(db, nla_key, id, stored, password);
	if (status)
		pol_rollback(db);
	else
		status = pol_commit(db);
	pol_unlock(db);
	OPENSSL_cleanse(hash, sizeof hash);
	if (!status)
		WLog_INFO(POLICY_TAG, "account %s: password set (%s)", stored, nla_key ? "TLS and NLA" : "TLS only");
	return status;
}

typedef struct {
	int64_t id;
	char login[257]; /* canonical spelling */
	uint8_t salt[SALT_LEN], hash[PW_HASH_LEN];
	int iterations;
} account_row;

/* Loads an enabled account; NOT_FOUND if none. Lock held. */
static int load_account(policy_db *db, const char *login, account_row *a)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT id, login, pw_salt, pw_iterations, pw_hash FROM accounts"
					   " WHERE login = ? AND disabled = 0");
	if (!st)
		return POLICY_ERR_DB;
	pol_bind_text(st, 1, login);
	int rc = sqlite3_step(st);
	int status = POLICY_OK;
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 2) == SALT_LEN && sqlite3_column_bytes(st, 4) == PW_HASH_LEN) {
		a->id = sqlite3_column_int64(st, 0);
		snprintf(a->login, sizeof a->login, "%s", (const char *)sqlite3_column_text(st, 1));
		memcpy(a->salt, sqlite3_column_blob(st, 2), SALT_LEN);
		a->iterations = sqlite3_column_int(st, 3);
		memcpy(a->hash, sqlite3_column_blob(st, 4), PW_HASH_LEN);
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		status = pol_fail(POLICY_ERR_NOT_FOUND, "no usable account '%s'", login ? login : "");
	} else {
		status = pol_sql_fail(db, "looking up an account");
	}
	sqlite3_finalize(st);
	return status;
}

/* Failures of `login` within the lock-out window, from `source` (NULL: from
 * every source). Lock held. */
static int recent_failures(policy_db *db, const char *login, const char *source, int64_t now_us, int *count)
{
	/* An unlock (policy_account_unlock) forgives the failures before it. */
	sqlite3_stmt *st = pol_prepare(db, "SELECT COUNT(*) FROM events WHERE login = ?1 COLLATE NOCASE AND type = 'refused'"
					   " AND reason = 'bad_password' AND at_us > ?2 AND at_us <= ?3"
					   " AND (?4 IS NULL OR source = ?4) AND at_us > IFNULL((SELECT MAX(u.at_us) FROM events u"
					   " WHERE u.login = ?1 COLLATE NOCASE AND u.type = '" POLICY_EV_ACCOUNT_UNLOCKED "'), 0)");
	if (!st)
		return POLICY_ERR_DB;
	pol_bind_text(st, 1, login);
	sqlite3_bind_int64(st, 2, now_us - (int64_t)db->lock_minutes * 60 * 1000000);
	sqlite3_bind_int64(st, 3, now_us);
	pol_bind_text(st, 4, source);
	int rc = sqlite3_step(st);
	*count = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? POLICY_OK : pol_sql_fail(db, "counting failed logons");
}

/* Password checks of `login` in progress, from `source` (NULL: from every source). Lock held. */
static int inflight_count(policy_db *db, const char *login, const char *source)
{
	int n = 0;
	for (int i = 0; i < POL_INFLIGHT_SLOTS; i++) {
		pol_inflight *f = &db->inflight[i];
		if (f->n && !strcasecmp(f->login, login) &&
		    (!source || !strncmp(f->source, source, sizeof f->source - 1)))
			n += f->n;
	}
	return n;
}

/* Takes a place among the checks in progress; NULL when the table is full. Lock held. */
static pol_inflight *inflight_enter(policy_db *db, const char *login, const char *source)
{
	pol_inflight *free_slot = NULL;
	for (int i = 0; i < POL_INFLIGHT_SLOTS; i++) {
		pol_inflight *f = &db->inflight[i];
		if (f->n && !strcmp(f->login, login) && !strncmp(f->source, source, sizeof f->source - 1)) {
			f->n++;
			return f;
		}
		if (!f->n && !free_slot)
			free_slot = f;
	}
	if (free_slot) {
		snprintf(free_slot->login, sizeof free_slot->login, "%s", login);
		snprintf(free_slot->source, sizeof free_slot->source, "%s", source);
		free_slot->n = 1;
	}
	return free_slot;
}

int pol_account_locked_locked(policy_db *db, const char *login, const char *source, int64_t now_us, bool *locked)
{
	int from_source = 0, all = 0;
	int status = recent_failures(db, login, NULL, now_us, &all);
	if (!status && source)
		status = recent_failures(db, login, source, now_us, &from_source);
	all += inflight_count(db, login, NULL);
	if (source)
		from_source += inflight_count(db, login, source);
	*locked = !status && (all >= db->lock_total || (source && from_source >= db->lock_failures));
	return status;
}

/* Records one failure and the lock-out it may cause. Lock held. */
static int record_failure(policy_db *db, const char *login, const char *source, int64_t now_us, bool *locked_now)
{
	int status = pol_ledger_refused_locked(db, now_us, POLICY_DENY_BAD_PASSWORD, login, source, 0, "wrong password");
	int from_source = 0, all = 0;
	if (!status)
		status = recent_failures(db, login, source, now_us, &from_source);
	if (!status)
		status = recent_failures(db, login, NULL, now_us, &all);
	char detail[160] = "";
	if (!status && all == db->lock_total)
		snprintf(detail, sizeof detail, "%d failed logons within %d minutes: locked for every address", all,
			 db->lock_minutes);
	else if (!status && from_source == db->lock_failures)
		snprintf(detail, sizeof detail, "%d failed logons from %.64s within %d minutes: locked for that address",
			 from_source, source, db->lock_minutes);
	if (detail[0])
		status = pol_ledger_event_locked(db, 0, now_us, POLICY_EV_ACCOUNT_LOCKED, detail, login);
	if (locked_now)
		*locked_now = !status && (all >= db->lock_total || from_source >= db->lock_failures);
	return status;
}

/* The same work for every logon, known or not, locked or not: one PBKDF2 run with the
 * account's salt and count, or with the handle's dummy salt and the current count. Nothing
 * in the time taken tells an unknown login from a known one. */
int policy_account_check_password(policy_db *db, const char *login, const char *password, const char *source,
                                  int64_t now_us, policy_deny_reason *deny)
{
	account_row a;
	bool locked = false;
	pol_inflight *slot = NULL;
	*deny = POLICY_DENY_NONE;
	if (!source)
		source = "";
	pol_lock(db);
	int status = load_account(db, login, &a);
	if (status == POLICY_ERR_NOT_FOUND) {
		status = POLICY_OK;
		*deny = POLICY_DENY_UNKNOWN_ACCOUNT;
		memset(&a, 0, sizeof a);
		memcpy(a.salt, db->dummy_salt, SALT_LEN);
		a.iterations = db->pbkdf2_iter;
	} else if (!status && !(status = pol_account_locked_locked(db, a.login, source, now_us, &locked))) {
		/* The check counts as a failure until it ends: parallel attempts cannot exceed the
		 * lock-out. A full table of checks in progress refuses as locked (fail closed). */
		if (locked || !(slot = inflight_enter(db, a.login, source)))
			*deny = POLICY_DENY_LOCKED_OUT;
	}
	pol_unlock(db);
	if (status)
		goto out;

	/* The slow hash runs unlocked so other threads are not held up. */
	uint8_t got[PW_HASH_LEN];
	bool usable = password && strlen(password) <= MAX_PASSWORD;
	bool ok = pol_pbkdf2(usable ? password : "", a.salt, a.iterations, got) &&
		  CRYPTO_memcmp(got, a.hash, PW_HASH_LEN) == 0 && usable;
	OPENSSL_cleanse(got, sizeof got);

	pol_lock(db);
	if (slot)
		slot->n--;
	if (*deny == POLICY_DENY_UNKNOWN_ACCOUNT)
		status = pol_ledger_refused_locked(db, now_us, *deny, login, source, 0, "unknown account");
	else if (*deny == POLICY_DENY_LOCKED_OUT)
		status = pol_ledger_refused_locked(db, now_us, *deny, a.login, source, 0,
						   locked ? "account locked" : "too many logons in progress");
	else if (!ok) {
		*deny = POLICY_DENY_BAD_PASSWORD;
		status = record_failure(db, a.login, source, now_us, NULL);
	}
	pol_unlock(db);
out:
	OPENSSL_cleanse(&a, sizeof a);
	return status;
}

/* The stored login of the account named `name` (ASCII case ignored) into out; NOT_FOUND if none.
 * Under db's lock. */
static int stored_login_locked(policy_db *db, const char *name, char *out, size_t outlen)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT login FROM accounts WHERE login = ?");
	if (!st)
		return POLICY_ERR_DB;
	pol_bind_text(st, 1, name);
	int rc = sqlite3_step(st), status;
	if (rc == SQLITE_ROW) {
		snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
		status = POLICY_OK;
	} else
		status = rc == SQLITE_DONE ? POLICY_ERR_NOT_FOUND : pol_sql_fail(db, "looking up an account");
	sqlite3_finalize(st);
	return status;
}

int policy_account_canonical_login(policy_db *db, const char *typed, char *out, size_t outlen)
{
	if (!typed)
		typed = "";
	snprintf(out, outlen, "%s", typed);
	pol_lock(db);
	int status = stored_login_locked(db, typed, out, outlen);
	const char *at = strrchr(typed, '@');
	if (status == POLICY_ERR_NOT_FOUND && at && at != typed) {
		char prefix[257];
		snprintf(prefix, sizeof prefix, "%.*s", (int)(at - typed), typed);
		status = stored_login_locked(db, prefix, out, outlen);
	}
	pol_unlock(db);
	if (status == POLICY_ERR_NOT_FOUND)
		snprintf(out, outlen, "%s", typed);
	return status;
}

int policy_account_nt_hash(policy_db *db, const policy_secret_key *key, const char *login, uint8_t nt_hash[16])
{
	int64_t id = 0;
	char stored[257] = "", key_id[17] = "";
	uint8_t sealed[POLICY_NT_SEALED_LEN];
	bool has_nt = false, malformed = false;
	pol_lock(db);
	int status = POLICY_ERR_DB;
	sqlite3_stmt *st = pol_prepare(db, "SELECT id, login, nt_key_id, nt_sealed FROM accounts"
					   " WHERE login = ? AND disabled = 0");
	if (st) {
		pol_bind_text(st, 1, login);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			id = sqlite3_column_int64(st, 0);
			snprintf(stored, sizeof stored, "%s", (const char *)sqlite3_column_text(st, 1));
			const char *k = (const char *)sqlite3_column_text(st, 2);
			snprintf(key_id, sizeof key_id, "%s", k ? k : "");
			has_nt = sqlite3_column_type(st, 3) != SQLITE_NULL;
			malformed = has_nt && (sqlite3_column_type(st, 3) != SQLITE_BLOB ||
					       sqlite3_column_bytes(st, 3) != POLICY_NT_SEALED_LEN);
			if (has_nt && !malformed)
				memcpy(sealed, sqlite3_column_blob(st, 3), POLICY_NT_SEALED_LEN);
			status = POLICY_OK;
		} else if (rc == SQLITE_DONE) {
			status = pol_fail(POLICY_ERR_NOT_FOUND, "no usable account '%s'", login ? login : "");
		} else {
			status = pol_sql_fail(db, "looking up an account");
		}
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	if (!status && !has_nt)
		status = pol_fail(POLICY_ERR_STATE, "account '%s' cannot log on with NLA: it has no sealed NT hash (TLS-only"
				  " account, or stored before schema 4); set its password with 'rmgate-policy account passwd"
				  " %s --nla --password-stdin'", stored, stored);
	if (!status && malformed)
		status = pol_fail(POLICY_ERR_DECRYPT, "the NLA secret of account '%s' is malformed (edited outside rmgate?);"
				  " set its password again with 'account passwd %s --nla'", stored, stored);
	if (!status && !key)
		status = pol_fail(POLICY_ERR_INVALID, "no secret key loaded: NLA needs the key file to open NT hashes");
	if (!status && strcmp(key_id, policy_secret_key_id(key)))
		status = pol_fail(POLICY_ERR_DECRYPT, "the NLA secret of account '%s' was sealed with key id %s, but the key"
				  " file loaded has id %s: wrong key file", stored, key_id, policy_secret_key_id(key));
	if (!status)
		status = policy_nt_hash_open(key, id, stored, sealed, nt_hash);
	OPENSSL_cleanse(sealed, sizeof sealed);
	return status;
}

int policy_account_logon_failed(policy_db *db, const char *login, const char *source, int64_t now_us, bool *locked_now)
{
	account_row a;
	pol_lock(db);
	int status = load_account(db, login, &a);
	if (status == POLICY_ERR_NOT_FOUND)
		status = pol_ledger_refused_locked(db, now_us, POLICY_DENY_UNKNOWN_ACCOUNT, login, source, 0, "unknown account");
	else if (!status)
		status = record_failure(db, a.login, source ? source : "", now_us, locked_now);
	pol_unlock(db);
	OPENSSL_cleanse(&a, sizeof a);
	return status;
}

int policy_account_is_locked(policy_db *db, const char *login, int64_t now_us, bool *locked)
{
	pol_lock(db);
	int status = pol_account_locked_locked(db, login, NULL, now_us, locked);
	pol_unlock(db);
	return status;
}

int policy_account_is_locked_from(policy_db *db, const char *login, const char *source, int64_t now_us,
                                  bool *locked)
{
	pol_lock(db);
	int status = pol_account_locked_locked(db, login, source ? source : "", now_us, locked);
	pol_unlock(db);
	return status;
}

int policy_account_set_disabled(policy_db *db, const char *login, bool disabled)
{
	pol_lock(db);
	int status = POLICY_ERR_DB;
	sqlite3_stmt *st = pol_prepare(db, "UPDATE accounts SET disabled = ? WHERE login = ?");
	if (st) {
		sqlite3_bind_int(st, 1, disabled);
		pol_bind_text(st, 2, login);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			status = pol_sql_fail(db, "changing an account");
		else if (sqlite3_changes(db->sql) == 0)
			status = pol_fail(POLICY_ERR_NOT_FOUND, "no account '%s'", login ? login : "");
		else
			status = POLICY_OK;
	}
	pol_unlock(db);
	if (!status)
		WLog_INFO(POLICY_TAG, "account %s %s", login, disabled ? "disabled" : "enabled");
	return status;
}

int policy_account_lock_state(policy_db *db, const char *login, int64_t now_us, bool *locked)
{
	*locked = false;
	pol_lock(db);
	int all = 0, worst = 0, status = recent_failures(db, login, NULL, now_us, &all);
	sqlite3_stmt *st = status ? NULL
				  : pol_prepare(db, "SELECT DISTINCT source FROM events WHERE login = ? COLLATE NOCASE"
						    " AND type = 'refused' AND reason = 'bad_password' AND at_us > ? AND at_us <= ?");
	if (!status && !st)
		status = POLICY_ERR_DB;
	if (st) {
		pol_bind_text(st, 1, login);
		sqlite3_bind_int64(st, 2, now_us - (int64_t)db->lock_minutes * 60 * 1000000);
		sqlite3_bind_int64(st, 3, now_us);
		int rc;
		while (!status && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			const unsigned char *src = sqlite3_column_text(st, 0);
			int from = 0;
			status = recent_failures(db, login, src ? (const char *)src : "", now_us, &from);
			if (from > worst)
				worst = from;
		}
		if (!status && rc != SQLITE_DONE)
			status = pol_sql_fail(db, "reading failed logons");
		sqlite3_finalize(st);
	}
	*locked = !status && (all >= db->lock_total || worst >= db->lock_failures);
	pol_unlock(db);
	return status;
}

int policy_account_unlock(policy_db *db, const char *login, const char *actor, int64_t now_us)
{
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who unlocks the account must be named");
	pol_lock(db);
	char stored[257];
	int status = stored_login_locked(db, login ? login : "", stored, sizeof stored);
	if (status == POLICY_ERR_NOT_FOUND)
		status = pol_fail(POLICY_ERR_NOT_FOUND, "no account '%s'", login ? login : "");
	if (!status) {
		char detail[400];
		snprintf(detail, sizeof detail, "account %s unlocked: earlier failed logons no longer count", stored);
		status = pol_ledger_append_event_locked(db, 0, now_us, POLICY_EV_ACCOUNT_UNLOCKED, detail, stored, NULL, NULL,
							0, actor);
	}
	pol_unlock(db);
	if (!status)
		WLog_INFO(POLICY_TAG, "account %s unlocked by %s", login, actor);
	return status;
}
