/* Attack: the permit database leaks (a backup, a copied file). The NT hash
 * (MD4 of the password) logs on over NLA by itself (pass-the-hash), so:
 * - a database of TLS-only accounts holds no NT hash at all, in any column
 *   of the accounts table or anywhere in the file, and a gate given only
 *   that database derives no NTLM hash for the account;
 * - a database of NLA accounts holds the NT hash only sealed: no column and
 *   no byte of the file is the NT hash, and a gate with the database but
 *   without the key file derives no NTLM hash; the real gate, with the key
 *   file, does (NLA still works).
 * Accounts are made with the rmgate-policy command, as an administrator would. */
#include "test_policy_common.h"
#include "gate_permits.h"

#include <sqlite3.h>
#include <winpr/ntlm.h>

#define PASSWORD "Vendor-Pass-0c9e"

static char out[4096], err[4096];

/* rmgate-policy -d DB ARGS... (NULL-terminated) with `input` on stdin; fails the test
 * unless it exits 0. */
static void cli_ok(tdb *t, const char *input, ...)
{
	char *argv[16] = { "rmgate-policy", "-d", t->path };
	int argc = 3;
	va_list ap;
	va_start(ap, input);
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 15;)
		argv[argc++] = (char *)a;
	va_end(ap);
	int rc = run_policy_cli(t->dir, argc, argv, input, out, sizeof out, err, sizeof err);
	if (rc != 0)
		fail_msg("rmgate-policy %s %s %s ... exited %d: %s", argv[3], argc > 4 ? argv[4] : "",
			 argc > 5 ? argv[5] : "", rc, err);
}

static int setup(void **state)
{
	tdb *t = calloc(1, sizeof *t);
	assert_non_null(t);
	strcpy(t->dir, "/tmp/rmgate-nthash-leak-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof t->path, "%s/db/rmgate.db", t->dir);
	cli_ok(t, NULL, "init", NULL);
	cli_ok(t, NULL, "vendor", "add", "Acme", NULL);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tdb_free(*state); /* t->db is NULL: only the command line touched the database */
	return 0;
}

static bool contains(const uint8_t *hay, size_t n, const uint8_t needle[16])
{
	for (size_t i = 0; n >= 16 && i <= n - 16; i++)
		if (!memcmp(hay + i, needle, 16))
			return true;
	return false;
}

/* Every column of every row of the accounts table, read with the sqlite3 library as
 * whoever holds the file would: none may contain the NT hash. */
static void no_column_holds(const char *path, const uint8_t nt[16])
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT * FROM accounts", -1, &st, NULL), SQLITE_OK);
	int rows = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		rows++;
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const uint8_t *v = sqlite3_column_blob(st, c);
			size_t n = (size_t)sqlite3_column_bytes(st, c);
			if (v && contains(v, n, nt))
				fail_msg("the leaked database holds the NT hash in accounts.%s",
					 sqlite3_column_name(st, c));
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(raw);
	assert_int_equal(rows, 1);
}

/* Nor any byte of the database file (and its WAL, if one is left). */
static void no_file_byte_holds(const char *path, const uint8_t nt[16])
{
	char name[160];
	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof name, "%s%s", path, i ? "-wal" : "");
		FILE *f = fopen(name, "rb");
		if (!f) {
			assert_int_equal(i, 1); /* the database itself must be there */
			continue;
		}
		fseek(f, 0, SEEK_END);
		long len = ftell(f);
		fseek(f, 0, SEEK_SET);
		uint8_t *buf = malloc((size_t)len + 1);
		assert_non_null(buf);
		assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		bool found = contains(buf, (size_t)len, nt);
		free(buf);
		if (found)
			fail_msg("the NT hash is in the bytes of %s", name);
	}
}

/* What the gate's NLA asks for: the NTLMv2 hash of acme1 (domain empty). */
static BOOL gate_ntlm_hash(const char *db_path, policy_secret_key *key, BYTE hash[16])
{
	static const WCHAR user[] = { 'a', 'c', 'm', 'e', '1' };
	policy_db *db = policy_open_existing(db_path);
	assert_non_null(db);
	gate_permits p = { .db = db, .secret_key = key };
	BOOL ok = gate_permits_ntlm_v2_hash(&p, user, sizeof user, NULL, 0, "192.0.2.1", hash);
	policy_close(db);
	return ok;
}

static void a_leaked_tls_database_holds_no_nt_hash(void **state)
{
	tdb *t = *state;
	cli_ok(t, PASSWORD "\n", "account", "add", "Acme", "acme1", "--password-stdin", NULL);
	uint8_t nt[16];
	policy_nt_hash(PASSWORD, nt);
	no_column_holds(t->path, nt);
	no_file_byte_holds(t->path, nt);
	BYTE hash[16];
	assert_false(gate_ntlm_hash(t->path, NULL, hash)); /* no NLA for a TLS-only account */
}

static void a_leaked_nla_databases_stored_nt_hash_alone_does_not_log_in(void **state)
{
	tdb *t = *state;
	cli_ok(t, NULL, "secret-key", "init", "--by", "root", NULL);
	cli_ok(t, PASSWORD "\n", "account", "add", "Acme", "acme1", "--password-stdin", "--nla", NULL);
	uint8_t nt[16];
	policy_nt_hash(PASSWORD, nt);
	no_column_holds(t->path, nt);
	no_file_byte_holds(t->path, nt);

	/* The thief's gate: the database, no key file. */
	BYTE hash[16], want[16];
	assert_false(gate_ntlm_hash(t->path, NULL, hash));

	/* The real gate, with the key file beside the database, still does NLA. */
	char key_path[200];
	snprintf(key_path, sizeof key_path, "%s/db/secret.key", t->dir);
	policy_secret_key *key = NULL;
	assert_int_equal(policy_secret_key_load(key_path, &key), POLICY_OK);
	static const WCHAR user[] = { 'a', 'c', 'm', 'e', '1' };
	assert_true(NTOWFv2FromHashW(nt, (LPWSTR)user, sizeof user, NULL, 0, want));
	assert_true(gate_ntlm_hash(t->path, key, hash));
	assert_memory_equal(hash, want, 16);
	policy_secret_key_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_leaked_tls_database_holds_no_nt_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(a_leaked_nla_databases_stored_nt_hash_alone_does_not_log_in, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
