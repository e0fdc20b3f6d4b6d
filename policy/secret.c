/* secret.c: the key file and the sealed target accounts of inject-mode
 * systems (see secret.h for the formats).
 * One file on purpose (~690 lines): it is the only place that sees the key
 * bytes, the AAD layout and the AES-GCM calls, so the whole secret boundary
 * (load, seal, open, wipe) can be reviewed in one read. */
#include "secret.h"
#include "ledger.h"
#include "ledger_internal.h"
#include "policy_internal.h"
#include "hex.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16
#define BLOCK_LEN (2 + POLICY_SECRET_MAX) /* length prefix + padded password */
#define HOST_MAX 1024 /* longest host name a secret is bound to */
#define BINDING 2 /* system_secrets.binding written here (secret.h) */

struct policy_secret_key {
	uint8_t key[KEY_LEN];
	char id[17];
};

/* ---- the key file ---- */

char *policy_secret_key_default_path(const char *db_path)
{
	char *copy = strdup(db_path ? db_path : ".");
	if (!copy)
		return NULL;
	const char *dir = dirname(copy);
	size_t len = strlen(dir) + 1 + sizeof POLICY_SECRET_KEY_FILE;
	char *path = malloc(len);
	if (path)
		snprintf(path, len, "%s/%s", dir, POLICY_SECRET_KEY_FILE);
	free(copy);
	return path;
}

static void key_id(const uint8_t key[KEY_LEN], char out[17])
{
	static const char label[] = "rmgate-secret-key-id-v1";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL) || !EVP_DigestUpdate(c, label, sizeof label - 1) ||
	    !EVP_DigestUpdate(c, key, KEY_LEN) || !EVP_DigestFinal_ex(c, md, &mdlen))
		memset(md, 0, sizeof md); /* only on allocation failure; the id is then all zero */
	EVP_MD_CTX_free(c);
	hex_encode(md, 8, out);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int policy_secret_key_create(const char *path, char key_id_out[17])
{
	if (!path || !*path)
		return pol_fail(POLICY_ERR_INVALID, "no key file path given");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return pol_fail(POLICY_ERR_EXISTS, "key file %s already exists; refusing to replace it (the stored secrets need it)",
				path);
	if (fd < 0)
		return pol_fail(POLICY_ERR_IO, "cannot create key file %s: %s", path, strerror(errno));
	uint8_t key[KEY_LEN];
	char text[2 * KEY_LEN + 2];
	int status = POLICY_OK;
	if (RAND_bytes(key, KEY_LEN) != 1) {
		status = pol_fail(POLICY_ERR_IO, "cannot draw random bytes for key file %s", path);
	} else {
		hex_encode(key, KEY_LEN, text);
		text[2 * KEY_LEN] = '\n';
		if (fchmod(fd, 0600) != 0 || write_all(fd, text, 2 * KEY_LEN + 1) != 0 || fsync(fd) != 0)
			status = pol_fail(POLICY_ERR_IO, "cannot write key file %s: %s", path, strerror(errno));
	}
	if (close(fd) != 0 && !status)
		status = pol_fail(POLICY_ERR_IO, "cannot write key file %s: %s", path, strerror(errno));
	if (status)
		unlink(path); /* never leave a half-written key behind */
	else if (key_id_out)
		key_id(key, key_id_out);
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(text, sizeof text);
	return status;
}

/* Reads at most len bytes of fd (the key file is tiny). */
static ssize_t read_small(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* 64 hex characters, then nothing or one line end ("\n" or "\r\n"). */
static bool parse_key_text(const char *text, size_t len, uint8_t key[KEY_LEN])
{
	size_t body = 2 * KEY_LEN;
	bool end_ok = len == body || (len == body + 1 && text[body] == '\n') ||
		      (len == body + 2 && text[body] == '\r' && text[body + 1] == '\n');
	return end_ok && hex_decode(text, body, key, KEY_LEN);
}

/* The checks on an open key file (fstat of the descriptor, so nothing can
 * be swapped in between): a regular file of ours that nobody else may touch.
 * The owner is checked before the mode: a file of another user could have
 * its mode changed back by that user at any time. */
static int check_key_file(int fd, const char *path)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return pol_fail(POLICY_ERR_IO, "cannot read key file %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return pol_fail(POLICY_ERR_KEY, "key file %s is not a regular file", path);
	if (st.st_uid != geteuid())
		return pol_fail(POLICY_ERR_KEY, "key file %s is owned by uid %u, not by this process (uid %u); refusing it"
				" (chown it to the user the gate runs as)", path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 077)
		return pol_fail(POLICY_ERR_KEY, "key file %s has mode %04o: group or others may use it; refusing it (chmod 600 %s)",
				path, (unsigned)(st.st_mode & 07777), path);
	return POLICY_OK;
}

int policy_secret_key_load(const char *path, policy_secret_key **out)
{
	*out = NULL;
	if (!path || !*path)
		return pol_fail(POLICY_ERR_INVALID, "no key file path given");
	/* O_NOFOLLOW: a symbolic link could point the gate at a file someone
	 * else controls; O_NONBLOCK: opening a FIFO must not hang (it is then
	 * refused as not a regular file). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return pol_fail(POLICY_ERR_IO, "key file %s does not exist; create it with 'rmgate-policy secret-key init'", path);
	if (fd < 0 && errno == ELOOP)
		return pol_fail(POLICY_ERR_KEY, "key file %s is a symbolic link; refusing it (give the path of the file itself)",
				path);
	if (fd < 0)
		return pol_fail(POLICY_ERR_IO, "cannot open key file %s: %s", path, strerror(errno));
	int status = check_key_file(fd, path);
	char text[2 * KEY_LEN + 3];
	ssize_t n = status ? 0 : read_small(fd, text, sizeof text);
	close(fd);
	policy_secret_key *k = NULL;
	if (!status && n < 0)
		status = pol_fail(POLICY_ERR_IO, "cannot read key file %s: %s", path, strerror(errno));
	if (!status && !(k = calloc(1, sizeof *k)))
		status = pol_fail(POLICY_ERR_NOMEM, "out of memory");
	if (!status && !parse_key_text(text, (size_t)n, k->key))
		status = pol_fail(POLICY_ERR_KEY, "key file %s is not 64 hexadecimal characters (a key made by 'secret-key init')",
				  path);
	OPENSSL_cleanse(text, sizeof text);
	if (status) {
		policy_secret_key_free(k);
		return status;
	}
	key_id(k->key, k->id);
	*out = k;
	return POLICY_OK;
}

void policy_secret_key_free(policy_secret_key *key)
{
	if (!key)
		return;
	OPENSSL_cleanse(key, sizeof *key);
	free(key);
}

const char *policy_secret_key_id(const policy_secret_key *key)
{
	return key ? key->id : "";
}

/* ---- sealing ---- */

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Associated data, built on the heap (a host name has no fixed bound). */
typedef struct {
	uint8_t *p;
	size_t n, cap;
	bool failed;
} aad_buf;

static void aad_put(aad_buf *b, const void *data, size_t len)
{
	if (b->failed)
		return;
	if (b->n + len > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		while (cap < b->n + len)
			cap *= 2;
		uint8_t *grown = malloc(cap);
		if (!grown) {
			b->failed = true;
			return;
		}
		if (b->n)
			memcpy(grown, b->p, b->n);
		free(b->p);
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
}

static void aad_put_be(aad_buf *b, uint64_t v, int bytes)
{
	uint8_t tmp[8];
	put_be(tmp, v, bytes);
	aad_put(b, tmp, (size_t)bytes);
}

/* A length-prefixed (4 bytes BE) string. */
static void aad_put_str(aad_buf *b, const char *s)
{
	size_t len = strlen(s);
	aad_put_be(b, len, 4);
	aad_put(b, s, len);
}

static void aad_free(aad_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* Where a system's secret may go (secret.h, "v2"): the target's host, port
 * and certificate pin ("" = none), read from the systems row. */
typedef struct {
	char host[HOST_MAX + 1];
	int port;
	char pin[65];
} secret_target;

/* The associated data: binds a sealed password to its system, account and
 * target (host, port, pin). Returns false when out of memory. */
static bool build_aad(aad_buf *b, int64_t system_id, const char *user, const char *domain, const secret_target *t)
{
	static const char label[] = "rmgate-secret-v2"; /* 16 bytes, without its NUL */
	memset(b, 0, sizeof *b);
	aad_put(b, label, sizeof label - 1);
	aad_put_be(b, (uint64_t)system_id, 8);
	aad_put_str(b, user);
	aad_put_str(b, domain);
	aad_put_str(b, t->host);
	aad_put_be(b, (uint64_t)t->port, 2);
	aad_put_str(b, t->pin);
	if (b->failed)
		aad_free(b);
	return b->p != NULL;
}

/* AES-256-GCM over `inlen` bytes; encrypt or decrypt (then `tag` is checked).
 * Returns true on success (and, decrypting, a valid tag). */
static bool gcm(bool encrypt, const policy_secret_key *key, const uint8_t nonce[NONCE_LEN], const uint8_t *aad,
		size_t aad_len, const uint8_t *in, int inlen, uint8_t *out, uint8_t tag[TAG_LEN])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0;
	bool ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
		  EVP_CipherInit_ex(c, NULL, NULL, key->key, nonce, encrypt) == 1 &&
		  EVP_CipherUpdate(c, NULL, &len, aad, (int)aad_len) == 1 &&
		  EVP_CipherUpdate(c, out, &len, in, inlen) == 1 && len == inlen &&
		  (encrypt || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1) &&
		  EVP_CipherFinal_ex(c, out + len, &fin) == 1 && fin == 0 &&
		  (!encrypt || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1);
	EVP_CIPHER_CTX_free(c); /* wipes the key schedule */
	if (!ok)
		OPENSSL_cleanse(out, (size_t)inlen);
	return ok;
}

static bool text_ok(const char *s, bool required)
{
	if (!s)
		return !required;
	size_t n = strnlen(s, POLICY_SECRET_MAX + 1);
	return n <= POLICY_SECRET_MAX && (n > 0 || !required);
}

static int check_secret_args(const policy_secret_key *key, const char *system, const char *user, const char *domain,
			     const char *password, const char *actor)
{
	if (!key)
		return pol_fail(POLICY_ERR_INVALID, "no secret key loaded");
	if (!system || !*system)
		return pol_fail(POLICY_ERR_INVALID, "no system named");
	if (!text_ok(user, true))
		return pol_fail(POLICY_ERR_INVALID, "the target user must be 1 to %d bytes", POLICY_SECRET_MAX);
	if (!text_ok(domain, false))
		return pol_fail(POLICY_ERR_INVALID, "the target domain must be at most %d bytes", POLICY_SECRET_MAX);
	if (!text_ok(password, true))
		return pol_fail(POLICY_ERR_INVALID, "the target password must be 1 to %d bytes", POLICY_SECRET_MAX);
	if (strpbrk(password, "\r\n"))
		return pol_fail(POLICY_ERR_INVALID, "the target password must not contain a line end");
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who stores the secret must be named (--by)");
	return POLICY_OK;
}

/* Writes the sealed row and its ledger event in one transaction (lock held). */
static int store_sealed(policy_db *db, const policy_secret_key *key, int64_t system_id, const char *user,
			const char *domain, const uint8_t nonce[NONCE_LEN], const uint8_t sealed[BLOCK_LEN],
			const uint8_t tag[TAG_LEN], const char *actor, int64_t now_us)
{
	if (pol_begin(db))
		return POLICY_ERR_DB;
	sqlite3_stmt *st = pol_prepare(db,
		"INSERT INTO system_secrets(system_id, user, domain, key_id, nonce, sealed, tag, updated_us, updated_by,"
		" binding) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(system_id) DO UPDATE SET user = excluded.user,"
		" domain = excluded.domain, key_id = excluded.key_id, nonce = excluded.nonce, sealed = excluded.sealed,"
		" tag = excluded.tag, updated_us = excluded.updated_us, updated_by = excluded.updated_by,"
		" binding = excluded.binding");
	int status = POLICY_ERR_DB;
	if (st) {
		sqlite3_bind_int64(st, 1, system_id);
		pol_bind_text(st, 2, user);
		pol_bind_text(st, 3, domain);
		pol_bind_text(st, 4, key->id);
		sqlite3_bind_blob(st, 5, nonce, NONCE_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 6, sealed, BLOCK_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 7, tag, TAG_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 8, now_us);
		pol_bind_text(st, 9, actor);
		sqlite3_bind_int(st, 10, BINDING);
		status = sqlite3_step(st) == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "storing the target account");
		sqlite3_finalize(st);
	}
	if (!status) {
		char detail[2 * POLICY_SECRET_MAX + 64];
		snprintf(detail, sizeof detail, "target account %s%s%s, key id %s", domain, *domain ? "\\" : "", user,
			 key->id);
		status = pol_ledger_admin_event_locked(db, now_us, POLICY_EV_SECRET_SET, detail, system_id, actor);
	}
	if (status) {
		pol_rollback(db);
		return status;
	}
	return pol_commit(db);
}

/* Reads where system_id points (host, port, pin) into *t; lock held. A host
 * too long to bind is refused rather than cut. */
static int read_target(policy_db *db, int64_t system_id, secret_target *t)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT name, host, port, COALESCE(cert_pin, '') FROM systems WHERE id = ?");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, system_id);
	int rc = sqlite3_step(st), status = POLICY_OK;
	if (rc == SQLITE_DONE)
		status = pol_fail(POLICY_ERR_NOT_FOUND, "no system with id %lld", (long long)system_id);
	else if (rc != SQLITE_ROW)
		status = pol_sql_fail(db, "reading the system's target");
	else if (sqlite3_column_bytes(st, 1) > HOST_MAX || sqlite3_column_bytes(st, 3) > 64)
		status = pol_fail(POLICY_ERR_INVALID, "system '%s' has a host longer than %d bytes or a malformed pin",
				  (const char *)sqlite3_column_text(st, 0), HOST_MAX);
	if (!status) {
		snprintf(t->host, sizeof t->host, "%s", (const char *)sqlite3_column_text(st, 1));
		t->port = sqlite3_column_int(st, 2);
		snprintf(t->pin, sizeof t->pin, "%s", (const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_finalize(st);
	return status;
}

int policy_system_secret_set(policy_db *db, const policy_secret_key *key, const char *system, const char *user,
			     const char *domain, const char *password, const char *actor, int64_t now_us)
{
	int status = check_secret_args(key, system, user, domain, password, actor);
	if (status)
		return status;
	if (!domain)
		domain = "";
	pol_lock(db);
	int64_t system_id = 0;
	secret_target target;
	status = pol_id_by_name(db, "systems", system, &system_id);
	if (!status)
		status = read_target(db, system_id, &target);
	uint8_t block[BLOCK_LEN] = { 0 }, sealed[BLOCK_LEN], nonce[NONCE_LEN], tag[TAG_LEN];
	if (!status) {
		size_t pl = strlen(password);
		put_be(block, pl, 2);
		memcpy(block + 2, password, pl);
		if (RAND_bytes(nonce, NONCE_LEN) != 1)
			status = pol_fail(POLICY_ERR_IO, "cannot draw a random nonce");
	}
	aad_buf aad = { 0 };
	if (!status && !build_aad(&aad, system_id, user, domain, &target))
		status = pol_fail(POLICY_ERR_NOMEM, "out of memory");
	if (!status && !gcm(true, key, nonce, aad.p, aad.n, block, BLOCK_LEN, sealed, tag))
		status = pol_fail(POLICY_ERR_IO, "AES-256-GCM sealing failed");
	aad_free(&aad);
	OPENSSL_cleanse(block, sizeof block);
	if (!status)
		status = store_sealed(db, key, system_id, user, domain, nonce, sealed, tag, actor, now_us);
	pol_unlock(db);
	return status;
}

int pol_secret_invalidate_locked(policy_db *db, int64_t system_id, const char *why, const char *actor,
				 int64_t now_us, bool *cleared)
{
	*cleared = false;
	sqlite3_stmt *st = pol_prepare(db, "DELETE FROM system_secrets WHERE system_id = ?");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, system_id);
	int status = sqlite3_step(st) == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "clearing the target account");
	sqlite3_finalize(st);
	if (status || sqlite3_changes(db->sql) == 0)
		return status;
	*cleared = true;
	return pol_ledger_admin_event_locked(db, now_us, POLICY_EV_SECRET_CLEARED, why, system_id, actor);
}

int policy_system_secret_clear(policy_db *db, const char *system, const char *actor, int64_t now_us)
{
	if (!system || !*system)
		return pol_fail(POLICY_ERR_INVALID, "no system named");
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who clears the secret must be named (--by)");
	pol_lock(db);
	int64_t system_id = 0;
	int status = pol_id_by_name(db, "systems", system, &system_id);
	if (!status)
		status = pol_begin(db);
	if (!status) {
		sqlite3_stmt *st = pol_prepare(db, "DELETE FROM system_secrets WHERE system_id = ?");
		status = POLICY_ERR_DB;
		if (st) {
			sqlite3_bind_int64(st, 1, system_id);
			status = sqlite3_step(st) == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "clearing the target account");
			sqlite3_finalize(st);
		}
		if (!status && sqlite3_changes(db->sql) == 0)
			status = pol_fail(POLICY_ERR_NOT_FOUND, "system '%s' has no stored target account", system);
		if (!status)
			status = pol_ledger_admin_event_locked(db, now_us, POLICY_EV_SECRET_CLEARED, "", system_id, actor);
		if (status)
			pol_rollback(db);
		else
			status = pol_commit(db);
	}
	pol_unlock(db);
	return status;
}

/* ---- NT hashes of NLA accounts ---- */

static bool nt_aad(aad_buf *b, int64_t account_id, const char *login)
{
	static const char label[] = "rmgate-nthash-v1"; /* 16 bytes, without its NUL */
	memset(b, 0, sizeof *b);
	aad_put(b, label, sizeof label - 1);
	aad_put_be(b, (uint64_t)account_id, 8);
	aad_put_str(b, login);
	if (b->failed)
		aad_free(b);
	return b->p != NULL;
}

int policy_nt_hash_seal(const policy_secret_key *key, int64_t account_id, const char *login, const uint8_t nt[16],
			uint8_t out[POLICY_NT_SEALED_LEN])
{
	if (!key)
		return pol_fail(POLICY_ERR_INVALID, "no secret key loaded: NLA accounts need the key file");
	if (!login)
		return pol_fail(POLICY_ERR_INVALID, "no login");
	aad_buf aad;
	if (RAND_bytes(out, NONCE_LEN) != 1)
		return pol_fail(POLICY_ERR_IO, "cannot draw a random nonce");
	if (!nt_aad(&aad, account_id, login))
		return pol_fail(POLICY_ERR_NOMEM, "out of memory");
	bool ok = gcm(true, key, out, aad.p, aad.n, nt, 16, out + NONCE_LEN, out + NONCE_LEN + 16);
	aad_free(&aad);
	if (!ok) {
		OPENSSL_cleanse(out, POLICY_NT_SEALED_LEN);
		return pol_fail(POLICY_ERR_IO, "AES-256-GCM sealing failed");
	}
	return POLICY_OK;
}

int policy_nt_hash_open(const policy_secret_key *key, int64_t account_id, const char *login,
			const uint8_t in[POLICY_NT_SEALED_LEN], uint8_t nt[16])
{
	if (!key)
		return pol_fail(POLICY_ERR_INVALID, "no secret key loaded: NLA needs the key file");
	aad_buf aad;
	if (!nt_aad(&aad, account_id, login ? login : ""))
		return pol_fail(POLICY_ERR_NOMEM, "out of memory");
	uint8_t tag[TAG_LEN];
	memcpy(tag, in + NONCE_LEN + 16, TAG_LEN);
	bool ok = gcm(false, key, in, aad.p, aad.n, in + NONCE_LEN, 16, nt, tag);
	aad_free(&aad);
	if (!ok)
		return pol_fail(POLICY_ERR_DECRYPT, "the NLA secret of account '%s' does not decrypt: its row was edited or"
				" copied from another account; set its password again with 'account passwd %s --nla'",
				login ? login : "", login ? login : "LOGIN");
	return POLICY_OK;
}

/* ---- reading for the gate ---- */

typedef struct {
	char name[128];
	char user[POLICY_SECRET_MAX + 1], domain[POLICY_SECRET_MAX + 1], key_id[17];
	uint8_t nonce[NONCE_LEN], sealed[BLOCK_LEN], tag[TAG_LEN];
	int binding;
} stored_secret;

static bool copy_blob(sqlite3_stmt *st, int col, uint8_t *out, int len)
{
	if (sqlite3_column_type(st, col) != SQLITE_BLOB || sqlite3_column_bytes(st, col) != len)
		return false;
	memcpy(out, sqlite3_column_blob(st, col), (size_t)len);
	return true;
}

static void copy_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	snprintf(out, len, "%s", t ? t : "");
}

/* Reads the stored row of system_id into *s (lock held). */
static int read_stored(policy_db *db, int64_t system_id, stored_secret *s)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT s.name, x.system_id, x.user, x.domain, x.key_id, x.nonce, x.sealed,"
					   " x.tag, x.binding FROM systems s"
					   " LEFT JOIN system_secrets x ON x.system_id = s.id WHERE s.id = ?");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, system_id);
	int rc = sqlite3_step(st), status = POLICY_OK;
	if (rc == SQLITE_DONE) {
		status = pol_fail(POLICY_ERR_NOT_FOUND, "no system with id %lld", (long long)system_id);
	} else if (rc != SQLITE_ROW) {
		status = pol_sql_fail(db, "reading the target account");
	} else {
		copy_text(st, 0, s->name, sizeof s->name);
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			status = pol_fail(POLICY_ERR_NOT_FOUND, "system '%s' has no stored target account; store one with"
					  " 'rmgate-policy system secret %s --user USER --password-stdin'", s->name, s->name);
		else if (sqlite3_column_bytes(st, 2) > POLICY_SECRET_MAX || sqlite3_column_bytes(st, 3) > POLICY_SECRET_MAX ||
			 !copy_blob(st, 5, s->nonce, NONCE_LEN) || !copy_blob(st, 6, s->sealed, BLOCK_LEN) ||
			 !copy_blob(st, 7, s->tag, TAG_LEN))
			status = pol_fail(POLICY_ERR_DECRYPT, "the stored target account of system '%s' is malformed"
					  " (edited outside rmgate?); store it again with 'system secret'", s->name);
		copy_text(st, 2, s->user, sizeof s->user);
		copy_text(st, 3, s->domain, sizeof s->domain);
		copy_text(st, 4, s->key_id, sizeof s->key_id);
		s->binding = sqlite3_column_int(st, 8);
	}
	sqlite3_finalize(st);
	return status;
}

/* Checks the opened block and copies the password out (heap). */
static int unpad(const uint8_t block[BLOCK_LEN], const char *system, char **password)
{
	size_t len = (size_t)block[0] << 8 | block[1];
	bool ok = len >= 1 && len <= POLICY_SECRET_MAX && !memchr(block + 2, 0, len);
	for (size_t i = 2 + len; ok && i < BLOCK_LEN; i++)
		ok = block[i] == 0;
	if (!ok)
		return pol_fail(POLICY_ERR_DECRYPT, "the target account of system '%s' decrypts to a malformed block", system);
	if (!(*password = malloc(len + 1)))
		return pol_fail(POLICY_ERR_NOMEM, "out of memory");
	memcpy(*password, block + 2, len);
	(*password)[len] = '\0';
	return POLICY_OK;
}

/* Opens the stored account of system_id for `given` (the caller's host, port
 * and pin), or for the systems row's when given is NULL. */
static int open_credentials(policy_db *db, const policy_secret_key *key, int64_t system_id,
			    const secret_target *given, policy_credentials *out)
{
	memset(out, 0, sizeof *out);
	if (!key)
		return pol_fail(POLICY_ERR_INVALID, "no secret key loaded: the gate needs the key file to inject credentials");
	stored_secret s;
	memset(&s, 0, sizeof s);
	secret_target target;
	pol_lock(db);
	int status = read_stored(db, system_id, &s);
	if (!status && given)
		target = *given;
	else if (!status)
		status = read_target(db, system_id, &target);
	pol_unlock(db);
	if (!status && s.binding != BINDING)
		status = pol_fail(POLICY_ERR_DECRYPT, "the target account of system '%s' was stored before secrets were bound"
				  " to the target's host, port and pin; store it again with 'system secret'", s.name);
	if (!status && strcmp(s.key_id, key->id))
		status = pol_fail(POLICY_ERR_DECRYPT, "the target account of system '%s' was sealed with key id %s, but the"
				  " key file loaded has id %s: wrong key file", s.name, s.key_id, key->id);
	uint8_t block[BLOCK_LEN];
	aad_buf aad = { 0 };
	if (!status && !build_aad(&aad, system_id, s.user, s.domain, &target))
		status = pol_fail(POLICY_ERR_NOMEM, "out of memory");
	if (!status && !gcm(false, key, s.nonce, aad.p, aad.n, s.sealed, BLOCK_LEN, block, s.tag))
		status = pol_fail(POLICY_ERR_DECRYPT, "the target account of system '%s' does not decrypt: its row was"
				  " edited or moved, or the system's host, port or certificate pin was changed outside"
				  " rmgate-policy (%s:%d); store it again with 'system secret'", s.name, target.host, target.port);
	aad_free(&aad);
	if (!status)
		status = unpad(block, s.name, &out->password);
	OPENSSL_cleanse(block, sizeof block);
	if (!status && (!(out->user = strdup(s.user)) || !(out->domain = strdup(s.domain))))
		status = pol_fail(POLICY_ERR_NOMEM, "out of memory");
	OPENSSL_cleanse(&s, sizeof s);
	if (status)
		policy_credentials_clear(out);
	return status;
}

int policy_system_credentials(policy_db *db, const policy_secret_key *key, int64_t system_id,
			      policy_credentials *out)
{
	return open_credentials(db, key, system_id, NULL, out);
}

int policy_system_credentials_for(policy_db *db, const policy_secret_key *key, int64_t system_id, const char *host,
				  int port, const char *cert_pin, policy_credentials *out)
{
	secret_target t;
	memset(out, 0, sizeof *out);
	if (!host || strlen(host) > HOST_MAX || (cert_pin && strlen(cert_pin) > 64) || port < 1 || port > 65535)
		return pol_fail(POLICY_ERR_INVALID, "no valid target host, port and pin given");
	snprintf(t.host, sizeof t.host, "%s", host);
	t.port = port;
	snprintf(t.pin, sizeof t.pin, "%s", cert_pin ? cert_pin : "");
	return open_credentials(db, key, system_id, &t, out);
}

static void wipe_free(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void policy_credentials_clear(policy_credentials *c)
{
	if (!c)
		return;
	wipe_free(c->user);
	wipe_free(c->domain);
	wipe_free(c->password);
	memset(c, 0, sizeof *c);
}
