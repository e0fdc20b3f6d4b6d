/* Target credentials injected by the gate: the key file (0600, never
 * replaced), the sealed password (round trip, wrong key, rows edited or
 * moved with SQL, no plaintext in the database file), the ledger event, the
 * migration from schema 1, and the CLI (password from stdin, exit 1/2). */
#include "test_policy_common.h"
#include "cli.h"
#include "secret.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>

#define PASSWORD "Plaintext-Marker-7f3a9c!"

typedef struct {
	tdb *t;
	char key_path[160];
	policy_secret_key *key;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->t = tdb_new();
	tdb_seed(f->t);
	f->key = tdb_secret_key(f->t, f->key_path, sizeof f->key_path);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	policy_secret_key_free(f->key);
	tdb_free(f->t);
	free(f);
	return 0;
}

static int64_t system_id(fixture *f, const char *name)
{
	int64_t id = 0;
	pol_lock(f->t->db);
	assert_int_equal(pol_id_by_name(f->t->db, "systems", name, &id), POLICY_OK);
	pol_unlock(f->t->db);
	return id;
}

/* Runs SQL on the database with a separate connection (as the sqlite3 tool would). */
static void raw_sql(fixture *f, const char *sql)
{
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(f->t->path, &raw), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(raw, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		print_error("SQL failed: %s\n", msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(raw);
	assert_int_equal(rc, SQLITE_OK);
}

static void store_web(fixture *f, const char *password)
{
	assert_int_equal(policy_system_secret_set(f->t->db, f->key, "web", "Administrator", "CORP", password, "山田",
						  jst_us(2025, 4, 1, 9, 0)),
			 POLICY_OK);
}

static void the_stored_account_comes_back_decrypted(void **state)
{
	fixture *f = *state;
	store_web(f, PASSWORD);
	policy_credentials c;
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "web"), &c), POLICY_OK);
	assert_string_equal(c.user, "Administrator");
	assert_string_equal(c.domain, "CORP");
	assert_string_equal(c.password, PASSWORD);
	policy_credentials_clear(&c);
	assert_null(c.password);

	/* replaced in place; no domain; the longest and a non-ASCII password */
	char longest[POLICY_SECRET_MAX + 2];
	memset(longest, 'x', sizeof longest);
	longest[POLICY_SECRET_MAX] = '\0';
	assert_int_equal(policy_system_secret_set(f->t->db, f->key, "web", "保守用", NULL, longest, "山田", 1), POLICY_OK);
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "web"), &c), POLICY_OK);
	assert_string_equal(c.user, "保守用");
	assert_string_equal(c.domain, "");
	assert_string_equal(c.password, longest);
	policy_credentials_clear(&c);
	assert_int_equal(policy_system_secret_set(f->t->db, f->key, "web", "u", "", "パスワード", "山田", 1), POLICY_OK);
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "web"), &c), POLICY_OK);
	assert_string_equal(c.password, "パスワード");
	policy_credentials_clear(&c);

	longest[POLICY_SECRET_MAX] = 'x'; /* 257 bytes */
	longest[POLICY_SECRET_MAX + 1] = '\0';
	assert_int_equal(policy_system_secret_set(f->t->db, f->key, "web", "u", "", longest, "山田", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_system_secret_set(f->t->db, f->key, "web", "u", "", "", "山田", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_system_secret_set(f->t->db, f->key, "web", "", "", "pw", "山田", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_system_secret_set(f->t->db, f->key, "web", "u", "", "pw", "", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_system_secret_set(f->t->db, f->key, "nosuch", "u", "", "pw", "山田", 1), POLICY_ERR_NOT_FOUND);
	/* the refused writes changed nothing */
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "web"), &c), POLICY_OK);
	assert_string_equal(c.password, "パスワード");
	policy_credentials_clear(&c);
}

static void a_system_without_a_secret_or_unknown_is_not_found(void **state)
{
	fixture *f = *state;
	policy_credentials c;
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "juki"), &c), POLICY_ERR_NOT_FOUND);
	assert_non_null(strstr(policy_last_error(), "no stored target account"));
	assert_null(c.password);
	assert_int_equal(policy_system_credentials(f->t->db, f->key, 9999, &c), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_system_credentials(f->t->db, NULL, system_id(f, "juki"), &c), POLICY_ERR_INVALID);
	store_web(f, PASSWORD);
	assert_int_equal(policy_system_secret_clear(f->t->db, "web", "山田", 2), POLICY_OK);
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "web"), &c), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_system_secret_clear(f->t->db, "web", "山田", 3), POLICY_ERR_NOT_FOUND);
}

static void every_write_draws_a_new_nonce(void **state)
{
	fixture *f = *state;
	store_web(f, PASSWORD);
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(f->t->path, &raw), SQLITE_OK);
	uint8_t first[12], second[12];
	for (int round = 0; round < 2; round++) {
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(raw, "SELECT nonce FROM system_secrets", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_bytes(st, 0), 12);
		memcpy(round ? second : first, sqlite3_column_blob(st, 0), 12);
		sqlite3_finalize(st);
		if (!round)
			store_web(f, PASSWORD); /* same password again */
	}
	sqlite3_close(raw);
	assert_memory_not_equal(first, second, 12);
}

static void another_key_file_cannot_decrypt(void **state)
{
	fixture *f = *state;
	store_web(f, PASSWORD);
	char other_path[200];
	snprintf(other_path, sizeof other_path, "%s/other.key", f->t->dir);
	char other_id[17];
	policy_secret_key *other;
	assert_int_equal(policy_secret_key_create(other_path, other_id), POLICY_OK);
	assert_int_equal(policy_secret_key_load(other_path, &other), POLICY_OK);
	assert_string_equal(policy_secret_key_id(other), other_id);
	assert_string_not_equal(policy_secret_key_id(other), policy_secret_key_id(f->key));
	policy_credentials c;
	assert_int_equal(policy_system_credentials(f->t->db, other, system_id(f, "web"), &c), POLICY_ERR_DECRYPT);
	assert_non_null(strstr(policy_last_error(), "wrong key file"));
	assert_null(c.password);

	/* even with the key id column forged to match, GCM refuses */
	char sql[160];
	snprintf(sql, sizeof sql, "UPDATE system_secrets SET key_id = '%s'", other_id);
	raw_sql(f, sql);
	assert_int_equal(policy_system_credentials(f->t->db, other, system_id(f, "web"), &c), POLICY_ERR_DECRYPT);
	assert_non_null(strstr(policy_last_error(), "does not decrypt"));
	assert_null(c.password);
	policy_secret_key_free(other);
}

/* Each edit a person with the sqlite3 tool could make, one at a time. */
static void a_row_edited_with_sql_fails_to_decrypt(void **state)
{
	fixture *f = *state;
	static const char *const edits[] = {
		"UPDATE system_secrets SET user = 'root'",
		"UPDATE system_secrets SET domain = 'OTHER'",
		"UPDATE system_secrets SET sealed = zeroblob(258)",
		"UPDATE system_secrets SET tag = zeroblob(16)",
		"UPDATE system_secrets SET nonce = zeroblob(12)",
		"UPDATE system_secrets SET sealed = substr(sealed, 1, 100)", /* truncated */
		"UPDATE system_secrets SET nonce = 'text'",
	};
	for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		store_web(f, PASSWORD);
		raw_sql(f, edits[i]);
		policy_credentials c;
		assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "web"), &c), POLICY_ERR_DECRYPT);
		assert_null(c.password);
		assert_non_null(strstr(policy_last_error(), "'web'"));
	}
	/* and a good write afterwards works again */
	store_web(f, PASSWORD);
	policy_credentials c;
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "web"), &c), POLICY_OK);
	policy_credentials_clear(&c);
}

static void a_row_moved_to_another_system_fails_to_decrypt(void **state)
{
	fixture *f = *state;
	store_web(f, PASSWORD);
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE system_secrets SET system_id = %lld", (long long)system_id(f, "juki"));
	raw_sql(f, sql);
	policy_credentials c;
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "juki"), &c), POLICY_ERR_DECRYPT);
	assert_non_null(strstr(policy_last_error(), "'juki' does not decrypt"));
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "web"), &c), POLICY_ERR_NOT_FOUND);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void a_key_file_others_may_read_is_refused(void **state)
{
	fixture *f = *state;
	policy_secret_key *k = (policy_secret_key *)1;
	assert_int_equal(chmod(f->key_path, 0644), 0);
	assert_int_equal(policy_secret_key_load(f->key_path, &k), POLICY_ERR_KEY);
	assert_null(k);
	assert_non_null(strstr(policy_last_error(), "mode 0644"));
	assert_non_null(strstr(policy_last_error(), "chmod 600"));
	assert_int_equal(chmod(f->key_path, 0640), 0);
	assert_int_equal(policy_secret_key_load(f->key_path, &k), POLICY_ERR_KEY);
	assert_int_equal(chmod(f->key_path, 0602), 0);
	assert_int_equal(policy_secret_key_load(f->key_path, &k), POLICY_ERR_KEY);
	assert_int_equal(chmod(f->key_path, 0400), 0);
	assert_int_equal(policy_secret_key_load(f->key_path, &k), POLICY_OK);
	assert_string_equal(policy_secret_key_id(k), policy_secret_key_id(f->key));
	policy_secret_key_free(k);
}

static void a_key_file_owned_by_another_user_is_refused(void **state)
{
	fixture *f = *state;
	policy_secret_key *k = (policy_secret_key *)1;
	const char *path = f->key_path;
	uid_t other = 65534;
	if (geteuid() == 0) {
		assert_int_equal(chown(f->key_path, other, other), 0); /* private mode, someone else's file */
	} else {
		path = "/etc/passwd"; /* readable, owned by root: the owner is checked before the content */
		other = 0;
	}
	assert_int_equal(policy_secret_key_load(path, &k), POLICY_ERR_KEY);
	assert_null(k);
	char want[64];
	snprintf(want, sizeof want, "owned by uid %u", (unsigned)other);
	assert_non_null(strstr(policy_last_error(), want));
}

static void a_symbolic_link_to_a_key_file_is_refused(void **state)
{
	fixture *f = *state;
	policy_secret_key *k = (policy_secret_key *)1;
	char link[200];
	snprintf(link, sizeof link, "%s/link.key", f->t->dir);
	assert_int_equal(symlink(f->key_path, link), 0);
	assert_int_equal(policy_secret_key_load(link, &k), POLICY_ERR_KEY);
	assert_null(k);
	assert_non_null(strstr(policy_last_error(), "symbolic link"));
	assert_int_equal(policy_secret_key_load(f->key_path, &k), POLICY_OK); /* the file itself is fine */
	policy_secret_key_free(k);
}

static void a_fifo_as_key_file_is_refused_without_blocking(void **state)
{
	fixture *f = *state;
	policy_secret_key *k = (policy_secret_key *)1;
	char fifo[200];
	snprintf(fifo, sizeof fifo, "%s/fifo.key", f->t->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(policy_secret_key_load(fifo, &k), POLICY_ERR_KEY); /* a blocking open would hang here */
	assert_null(k);
	assert_non_null(strstr(policy_last_error(), "not a regular file"));
}

static void missing_or_malformed_key_files_are_clear_errors(void **state)
{
	fixture *f = *state;
	policy_secret_key *k;
	char path[200];
	snprintf(path, sizeof path, "%s/none.key", f->t->dir);
	assert_int_equal(policy_secret_key_load(path, &k), POLICY_ERR_IO);
	assert_non_null(strstr(policy_last_error(), "does not exist"));
	static const char *const bad[] = {
		"", "00112233", /* short */
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg\n", /* not hex */
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00\n", /* long */
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(path, bad[i], 0600);
		assert_int_equal(policy_secret_key_load(path, &k), POLICY_ERR_KEY);
		assert_non_null(strstr(policy_last_error(), "64 hexadecimal"));
	}
	write_file(path, "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\r\n", 0600);
	assert_int_equal(policy_secret_key_load(path, &k), POLICY_OK);
	policy_secret_key_free(k);
	assert_int_equal(policy_secret_key_load(f->t->dir, &k), POLICY_ERR_KEY); /* a directory */
}

static void slurp_file(const char *path, char **buf, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	*buf = NULL;
	*len = 0;
	if (!fp)
		return;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	*buf = malloc((size_t)n + 1);
	assert_non_null(*buf);
	*len = fread(*buf, 1, (size_t)n, fp);
	fclose(fp);
}

static bool file_contains(const char *path, const char *needle)
{
	char *buf;
	size_t len;
	slurp_file(path, &buf, &len);
	bool found = buf && memmem(buf, len, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

static void key_files_are_private_and_never_replaced(void **state)
{
	fixture *f = *state;
	struct stat st;
	assert_int_equal(stat(f->key_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 65);
	char *before, *after;
	size_t blen, alen;
	slurp_file(f->key_path, &before, &blen);
	assert_int_equal(policy_secret_key_create(f->key_path, NULL), POLICY_ERR_EXISTS);
	assert_non_null(strstr(policy_last_error(), "already exists"));
	slurp_file(f->key_path, &after, &alen);
	assert_int_equal(blen, alen);
	assert_memory_equal(before, after, blen);
	free(before);
	free(after);
	char *def = policy_secret_key_default_path("/var/lib/rmgate/rmgate.db");
	assert_string_equal(def, "/var/lib/rmgate/secret.key");
	free(def);
	def = policy_secret_key_default_path("rmgate.db");
	assert_string_equal(def, "./secret.key");
	free(def);
}

static void the_password_never_reaches_the_database_file_in_clear(void **state)
{
	fixture *f = *state;
	store_web(f, PASSWORD);
	char wal[200];
	snprintf(wal, sizeof wal, "%s-wal", f->t->path);
	/* while open (the row may still sit in the WAL) and after close */
	assert_false(file_contains(f->t->path, PASSWORD));
	assert_false(file_contains(wal, PASSWORD));
	policy_close(f->t->db);
	f->t->db = NULL;
	assert_false(file_contains(f->t->path, PASSWORD));
	assert_false(file_contains(wal, PASSWORD));
	/* the search itself works: the user name is stored in clear */
	assert_true(file_contains(f->t->path, "Administrator"));
	f->t->db = policy_open(f->t->path);
	assert_non_null(f->t->db);
}

static void writes_and_clears_are_ledger_events_without_the_password(void **state)
{
	fixture *f = *state;
	store_web(f, PASSWORD);
	assert_int_equal(policy_system_secret_clear(f->t->db, "web", "佐藤", jst_us(2025, 4, 2, 9, 0)), POLICY_OK);
	sqlite3 *raw;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(f->t->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT type, actor, system_id, at_us, detail FROM events ORDER BY seq",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), POLICY_EV_SECRET_SET);
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "山田");
	assert_int_equal(sqlite3_column_int64(st, 2), system_id(f, "web"));
	assert_int_equal(sqlite3_column_int64(st, 3), jst_us(2025, 4, 1, 9, 0));
	assert_non_null(strstr((const char *)sqlite3_column_text(st, 4), "CORP\\Administrator"));
	assert_null(strstr((const char *)sqlite3_column_text(st, 4), PASSWORD));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), POLICY_EV_SECRET_CLEARED);
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "佐藤");
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	policy_verify_result r;
	assert_int_equal(policy_ledger_verify(f->t->db, &r), POLICY_OK);
	assert_true(r.ok);
	assert_int_equal(r.rows, 2);
}

static void a_version_1_database_gains_the_secrets_table(void **state)
{
	fixture *f = *state;
	policy_close(f->t->db);
	f->t->db = NULL;
	/* back to version 1: without the tables and columns of later versions */
	tdb_back_to_v3(f->t->path);
	raw_sql(f, "DROP TABLE system_secrets; ALTER TABLE systems DROP COLUMN cert_pin; PRAGMA user_version = 1");
	assert_null(policy_open_existing(f->t->path)); /* needs init */
	f->t->db = policy_open(f->t->path);
	assert_non_null(f->t->db);
	assert_int_equal(policy_schema_version(), 6);
	store_web(f, PASSWORD);
	policy_credentials c;
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "web"), &c), POLICY_OK);
	policy_credentials_clear(&c);
}

/* The gate opens the password for the target of its admission decision: a
 * row re-pointed before the decision and put back before the password is
 * read still sends nothing to the other target. */
static void the_password_opens_only_for_the_decisions_target(void **state)
{
	fixture *f = *state;
	store_web(f, PASSWORD); /* web: 10.3.0.5:13389, no pin */
	int64_t web = system_id(f, "web");
	policy_credentials c;
	assert_int_equal(policy_system_credentials_for(f->t->db, f->key, web, "10.3.0.5", 13389, "", &c), POLICY_OK);
	assert_string_equal(c.password, PASSWORD);
	policy_credentials_clear(&c);
	assert_int_equal(policy_system_credentials_for(f->t->db, f->key, web, "198.51.100.66", 13389, "", &c),
			 POLICY_ERR_DECRYPT);
	assert_null(c.password);
	assert_int_equal(policy_system_credentials_for(f->t->db, f->key, web, "10.3.0.5", 3389, NULL, &c),
			 POLICY_ERR_DECRYPT);
	assert_int_equal(policy_system_credentials_for(f->t->db, f->key, web, "10.3.0.5", 13389,
						       "1111111111111111111111111111111111111111111111111111111111111111",
						       &c),
			 POLICY_ERR_DECRYPT);
	assert_int_equal(policy_system_credentials_for(f->t->db, f->key, web, NULL, 13389, "", &c), POLICY_ERR_INVALID);
	assert_int_equal(policy_system_credentials_for(f->t->db, f->key, web, "10.3.0.5", 0, "", &c), POLICY_ERR_INVALID);
	/* the row re-pointed meanwhile: the decision's (real) target still opens, the row's does not */
	raw_sql(f, "UPDATE systems SET host = '198.51.100.66' WHERE name = 'web'");
	assert_int_equal(policy_system_credentials_for(f->t->db, f->key, web, "10.3.0.5", 13389, "", &c), POLICY_OK);
	policy_credentials_clear(&c);
	assert_int_equal(policy_system_credentials(f->t->db, f->key, web, &c), POLICY_ERR_DECRYPT);
}

/* ---- the command line ---- */

static char out[8192], err[4096];

/* Runs rmgate-policy -d DB ARGS... with `input` on stdin; returns its exit code. */
static int cli(fixture *f, const char *input, ...)
{
	char *argv[32] = { "rmgate-policy", "-d", f->t->path };
	int argc = 3;
	va_list ap;
	va_start(ap, input);
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 31;)
		argv[argc++] = (char *)a;
	va_end(ap);
	return run_policy_cli(f->t->dir, argc, argv, input, out, sizeof out, err, sizeof err);
}

static void the_cli_reads_the_password_from_stdin_and_exits_1_or_2(void **state)
{
	fixture *f = *state;
	/* the fixture's key sits at the default path; a second init refuses */
	assert_int_equal(cli(f, NULL, "secret-key", "init", NULL), 1);
	assert_non_null(strstr(err, "already exists"));
	char other[200];
	snprintf(other, sizeof other, "%s/cli.key", f->t->dir);
	assert_int_equal(cli(f, NULL, "secret-key", "init", "--key", other, "--by", "山田", NULL), 0);
	assert_non_null(strstr(out, "created"));
	struct stat st;
	assert_int_equal(stat(other, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(cli(f, NULL, "secret-key", "id", NULL), 0);
	assert_int_equal(strlen(out), 17);
	assert_memory_equal(out, policy_secret_key_id(f->key), 16);

	assert_int_equal(cli(f, PASSWORD "\n", "system", "secret", "web", "--user", "adm", "--domain", "CORP",
			     "--password-stdin", "--by", "山田", NULL), 0);
	assert_null(strstr(out, PASSWORD));
	assert_null(strstr(err, PASSWORD));
	policy_credentials c;
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "web"), &c), POLICY_OK);
	assert_string_equal(c.password, PASSWORD);
	assert_string_equal(c.user, "adm");
	policy_credentials_clear(&c);
	assert_int_equal(cli(f, NULL, "system", "list", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"secret\": \"stored\""));

	/* usage errors: 2 */
	assert_int_equal(cli(f, "pw\n", "system", "secret", "web", "--password-stdin", NULL), 2);
	assert_int_equal(cli(f, "pw\n", "system", "secret", "web", "--user", "adm", NULL), 2);
	assert_int_equal(cli(f, "pw\n", "system", "secret", "--user", "adm", "--password-stdin", NULL), 2);
	assert_int_equal(cli(f, NULL, "system", "secret-clear", NULL), 2);
	assert_int_equal(cli(f, NULL, "secret-key", "rotate", NULL), 2);
	/* refused: 1, one line, nothing changed */
	assert_int_equal(cli(f, "", "system", "secret", "web", "--user", "x", "--password-stdin", NULL), 1);
	assert_non_null(strstr(err, "no password"));
	assert_int_equal(cli(f, "pw\n", "system", "secret", "nosuch", "--user", "x", "--password-stdin", NULL), 1);
	char long_pw[POLICY_SECRET_MAX + 40];
	memset(long_pw, 'p', sizeof long_pw - 2);
	strcpy(long_pw + sizeof long_pw - 2, "\n");
	assert_int_equal(cli(f, long_pw, "system", "secret", "web", "--user", "x", "--password-stdin", NULL), 1);
	assert_non_null(strstr(err, "longer than 256 bytes"));
	long_pw[POLICY_SECRET_MAX] = '\n'; /* exactly 256 bytes: fine */
	long_pw[POLICY_SECRET_MAX + 1] = '\0';
	assert_int_equal(cli(f, long_pw, "system", "secret", "web", "--user", "x", "--password-stdin", NULL), 0);
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "web"), &c), POLICY_OK);
	assert_int_equal(strlen(c.password), POLICY_SECRET_MAX);
	policy_credentials_clear(&c);
	assert_int_equal(cli(f, "pw\n", "system", "secret", "web", "--user", "x", "--password-stdin", "--key", other,
			     NULL), 0); /* another key file may replace the secret */
	assert_int_equal(policy_system_credentials(f->t->db, f->key, system_id(f, "web"), &c), POLICY_ERR_DECRYPT);
	assert_int_equal(chmod(f->key_path, 0644), 0);
	assert_int_equal(cli(f, "pw2\n", "system", "secret", "web", "--user", "y", "--password-stdin", NULL), 1);
	assert_non_null(strstr(err, "mode 0644"));
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1); /* one line */
	assert_int_equal(chmod(f->key_path, 0600), 0);
	/* a passthrough system: stored, with a note */
	assert_int_equal(cli(f, "pw\n", "system", "secret", "juki", "--user", "x", "--password-stdin", NULL), 0);
	assert_non_null(strstr(err, "inject mode"));

	assert_int_equal(cli(f, NULL, "system", "secret-clear", "web", "--by", "佐藤", NULL), 0);
	assert_int_equal(cli(f, NULL, "system", "secret-clear", "web", NULL), 1);
	assert_int_equal(cli(f, NULL, "verify", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_stored_account_comes_back_decrypted, setup, teardown),
		cmocka_unit_test_setup_teardown(a_system_without_a_secret_or_unknown_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(every_write_draws_a_new_nonce, setup, teardown),
		cmocka_unit_test_setup_teardown(another_key_file_cannot_decrypt, setup, teardown),
		cmocka_unit_test_setup_teardown(a_row_edited_with_sql_fails_to_decrypt, setup, teardown),
		cmocka_unit_test_setup_teardown(a_row_moved_to_another_system_fails_to_decrypt, setup, teardown),
		cmocka_unit_test_setup_teardown(a_key_file_others_may_read_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_key_file_owned_by_another_user_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_symbolic_link_to_a_key_file_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_fifo_as_key_file_is_refused_without_blocking, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_or_malformed_key_files_are_clear_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(key_files_are_private_and_never_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(the_password_never_reaches_the_database_file_in_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(writes_and_clears_are_ledger_events_without_the_password, setup, teardown),
		cmocka_unit_test_setup_teardown(a_version_1_database_gains_the_secrets_table, setup, teardown),
		cmocka_unit_test_setup_teardown(the_password_opens_only_for_the_decisions_target, setup, teardown),
		cmocka_unit_test_setup_teardown(the_cli_reads_the_password_from_stdin_and_exits_1_or_2, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
