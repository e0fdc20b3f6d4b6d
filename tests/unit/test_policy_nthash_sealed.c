/* NLA accounts' NT hashes, sealed with the secret key (account.h, secret.h):
 * they open only with that key and only for the account (id and login) they
 * were sealed for; `account passwd` seals a new one or drops it; the
 * migration from schema 3 drops the plain NT hashes (NLA then asks for the
 * password again) and marks stored target accounts for re-entry. */
#include "test_policy_common.h"
#include "secret.h"

#include <sqlite3.h>

#define PW1 "first-Pass-91"
#define PW2 "second-Pass-27"

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
	tdb_seed(f->t); /* acme1: TLS only */
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

static void raw_sql(fixture *f, const char *sql)
{
	tdb_raw_exec(f->t->path, sql);
}

static int count(fixture *f, const char *sql)
{
	return tdb_raw_count(f->t->path, sql);
}

static void expect_nt(fixture *f, const char *login, const char *password)
{
	uint8_t got[16], want[16];
	int rc = policy_account_nt_hash(f->t->db, f->key, login, got);
	if (rc)
		fail_msg("policy_account_nt_hash(%s): %d %s", login, rc, policy_last_error());
	policy_nt_hash(password, want);
	assert_memory_equal(got, want, 16);
}

static void expect_nt_fails(fixture *f, const char *login, int want)
{
	uint8_t got[16];
	int rc = policy_account_nt_hash(f->t->db, f->key, login, got);
	if (rc != want)
		fail_msg("policy_account_nt_hash(%s) gave %d, expected %d (%s)", login, rc, want,
			 rc ? policy_last_error() : "opened");
}

static void the_sealed_nt_hash_opens_only_for_its_account_and_key(void **state)
{
	fixture *f = *state;
	int64_t id2 = 0;
	assert_int_equal(policy_account_add_nla(f->t->db, f->key, "Acme", "acme2", PW2, &id2), POLICY_OK);
	assert_int_equal(policy_account_set_password(f->t->db, f->key, "ACME1", PW1), POLICY_OK);
	expect_nt(f, "acme1", PW1);
	expect_nt(f, "Acme2", PW2);
	assert_int_equal(policy_account_add_nla(f->t->db, NULL, "Acme", "acme3", PW2, NULL), POLICY_ERR_INVALID);

	/* the sealing itself: another account id, another login, another key */
	uint8_t nt[16], sealed[POLICY_NT_SEALED_LEN], back[16];
	policy_nt_hash(PW1, nt);
	assert_int_equal(policy_nt_hash_seal(f->key, 7, "acme7", nt, sealed), POLICY_OK);
	assert_int_equal(policy_nt_hash_open(f->key, 7, "acme7", sealed, back), POLICY_OK);
	assert_memory_equal(back, nt, 16);
	assert_int_equal(policy_nt_hash_open(f->key, 8, "acme7", sealed, back), POLICY_ERR_DECRYPT);
	assert_int_equal(policy_nt_hash_open(f->key, 7, "acme8", sealed, back), POLICY_ERR_DECRYPT);
	char other_path[200];
	snprintf(other_path, sizeof other_path, "%s/other.key", f->t->dir);
	policy_secret_key *other = NULL;
	assert_int_equal(policy_secret_key_create(other_path, NULL), POLICY_OK);
	assert_int_equal(policy_secret_key_load(other_path, &other), POLICY_OK);
	assert_int_equal(policy_nt_hash_open(other, 7, "acme7", sealed, back), POLICY_ERR_DECRYPT);
	uint8_t got[16];
	assert_int_equal(policy_account_nt_hash(f->t->db, other, "acme1", got), POLICY_ERR_DECRYPT);
	assert_non_null(strstr(policy_last_error(), "wrong key file"));
	policy_secret_key_free(other);
	assert_int_equal(policy_account_nt_hash(f->t->db, NULL, "acme1", got), POLICY_ERR_INVALID);

	/* someone with the database copies acme2's sealed hash onto acme1 */
	raw_sql(f, "UPDATE accounts SET nt_sealed = (SELECT nt_sealed FROM accounts WHERE login = 'acme2')"
		   " WHERE login = 'acme1'");
	expect_nt_fails(f, "acme1", POLICY_ERR_DECRYPT);
	assert_non_null(strstr(policy_last_error(), "account passwd"));
	/* or renames the account that owns one */
	raw_sql(f, "UPDATE accounts SET login = 'mallory' WHERE login = 'acme2'");
	expect_nt_fails(f, "mallory", POLICY_ERR_DECRYPT);
	/* or flips a byte */
	raw_sql(f, "UPDATE accounts SET login = 'acme2' WHERE login = 'mallory'");
	expect_nt(f, "acme2", PW2);
	/* (a byte that really changes: the first one is random and is 00 one time in 256) */
	raw_sql(f, "UPDATE accounts SET nt_sealed = CAST(CASE WHEN substr(nt_sealed, 1, 1) = x'00' THEN x'01' ELSE x'00' END"
		   " || substr(nt_sealed, 2) AS BLOB) WHERE login = 'acme2'");
	expect_nt_fails(f, "acme2", POLICY_ERR_DECRYPT);
	assert_non_null(strstr(policy_last_error(), "does not decrypt"));
	/* or stores something that is no sealed hash at all */
	raw_sql(f, "UPDATE accounts SET nt_sealed = 'plain' WHERE login = 'acme2'");
	expect_nt_fails(f, "acme2", POLICY_ERR_DECRYPT);
	assert_non_null(strstr(policy_last_error(), "malformed"));
	expect_nt_fails(f, "ghost", POLICY_ERR_NOT_FOUND);
}

static void passwd_without_nla_drops_the_nt_hash_and_with_nla_seals_a_new_one(void **state)
{
	fixture *f = *state;
	expect_nt_fails(f, "acme1", POLICY_ERR_STATE); /* added TLS only */
	assert_non_null(strstr(policy_last_error(), "account passwd acme1 --nla"));
	assert_int_equal(policy_account_set_password(f->t->db, f->key, "acme1", PW1), POLICY_OK);
	expect_nt(f, "acme1", PW1);
	policy_deny_reason r;
	int64_t now = jst_us(2025, 6, 2, 10, 0);
	assert_int_equal(policy_account_check_password(f->t->db, "acme1", PW1, "::1", now, &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_NONE);
	assert_int_equal(policy_account_check_password(f->t->db, "acme1", "correct horse", "::1", now, &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_BAD_PASSWORD);

	assert_int_equal(policy_account_set_password(f->t->db, NULL, "acme1", PW2), POLICY_OK);
	expect_nt_fails(f, "acme1", POLICY_ERR_STATE);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM accounts WHERE nt_sealed IS NULL AND nt_key_id IS NULL"), 1);
	assert_int_equal(policy_account_check_password(f->t->db, "acme1", PW2, "::1", now, &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_NONE);
	assert_int_equal(policy_account_set_password(f->t->db, NULL, "ghost", PW2), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_account_set_password(f->t->db, NULL, "acme1", ""), POLICY_ERR_INVALID);
}

static char out[4096], err[4096];

static int cli(fixture *f, const char *input, int argc, char **argv)
{
	char *full[16] = { "rmgate-policy", "-d", f->t->path };
	for (int i = 0; i < argc; i++)
		full[3 + i] = argv[i];
	return run_policy_cli(f->t->dir, argc + 3, full, input, out, sizeof out, err, sizeof err);
}

static void the_cli_sets_nla_passwords_with_the_key_file(void **state)
{
	fixture *f = *state;
	char *passwd[] = { "account", "passwd", "acme1", "--password-stdin", "--nla" };
	assert_int_equal(cli(f, PW1 "\n", 5, passwd), 0);
	assert_non_null(strstr(out, "NLA"));
	expect_nt(f, "acme1", PW1);
	char *list[] = { "account", "list", "--json" };
	assert_int_equal(cli(f, NULL, 3, list), 0);
	assert_non_null(strstr(out, "\"nla\": 1"));
	char *tls[] = { "account", "passwd", "acme1", "--password-stdin" };
	assert_int_equal(cli(f, PW2 "\n", 4, tls), 0);
	expect_nt_fails(f, "acme1", POLICY_ERR_STATE);

	/* --nla needs the key file: without one nothing is added */
	char missing[200];
	snprintf(missing, sizeof missing, "%s/none.key", f->t->dir);
	char *add[] = { "account", "add", "Acme", "acme2", "--password-stdin", "--nla", "--key", missing };
	assert_int_equal(cli(f, PW2 "\n", 8, add), 1);
	assert_non_null(strstr(err, "does not exist"));
	assert_int_equal(count(f, "SELECT COUNT(*) FROM accounts WHERE login = 'acme2'"), 0);
	char *key_alone[] = { "account", "add", "Acme", "acme2", "--password-stdin", "--key", f->key_path };
	assert_int_equal(cli(f, PW2 "\n", 7, key_alone), 2);
	add[7] = f->key_path;
	assert_int_equal(cli(f, PW2 "\n", 8, add), 0);
	expect_nt(f, "acme2", PW2);
}

/* Whether the accounts table has column `name`. */
static bool has_column(fixture *f, const char *name)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM pragma_table_info('accounts') WHERE name = '%s'", name);
	return count(f, sql) == 1;
}

/* Whether the bytes of the database file contain `nt`. */
static bool file_holds(const char *path, const uint8_t nt[16])
{
	FILE *file = fopen(path, "rb");
	assert_non_null(file);
	static uint8_t buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf, file);
	fclose(file);
	assert_true(n > 0 && n < sizeof buf);
	for (size_t i = 0; i + 16 <= n; i++)
		if (!memcmp(buf + i, nt, 16))
			return true;
	return false;
}

static void a_version_3_database_drops_plain_nt_hashes_and_asks_for_reentry(void **state)
{
	fixture *f = *state;
	assert_int_equal(policy_system_secret_set(f->t->db, f->key, "web", "Administrator", "", "target-pw", "山田", 1),
			 POLICY_OK);
	policy_close(f->t->db);
	f->t->db = NULL;
	/* as the previous release left it: the plain NT hash of acme1's password */
	tdb_back_to_v3(f->t->path);
	uint8_t nt[16];
	policy_nt_hash("correct horse", nt);
	char sql[160] = "UPDATE accounts SET nt_hash = x'";
	for (int i = 0; i < 16; i++)
		snprintf(sql + strlen(sql), 3, "%02x", nt[i]);
	strcat(sql, "' WHERE login = 'acme1'");
	raw_sql(f, sql);
	assert_true(has_column(f, "nt_hash"));
	assert_true(file_holds(f->t->path, nt)); /* the scan below can see it */

	f->t->db = policy_open(f->t->path);
	assert_non_null(f->t->db);
	policy_close(f->t->db); /* closed: every page is back in the file */
	f->t->db = policy_open_existing(f->t->path);
	assert_non_null(f->t->db);
	assert_false(has_column(f, "nt_hash"));
	/* no byte of the file is the old plain hash */
	assert_false(file_holds(f->t->path, nt));

	/* the TLS logon still works; NLA asks for the password again */
	policy_deny_reason r;
	assert_int_equal(policy_account_check_password(f->t->db, "acme1", "correct horse", "::1",
						       jst_us(2025, 6, 2, 10, 0), &r),
			 POLICY_OK);
	assert_int_equal(r, POLICY_DENY_NONE);
	expect_nt_fails(f, "acme1", POLICY_ERR_STATE);
	assert_non_null(strstr(policy_last_error(), "account passwd acme1 --nla"));
	assert_int_equal(policy_account_set_password(f->t->db, f->key, "acme1", "correct horse"), POLICY_OK);
	expect_nt(f, "acme1", "correct horse");

	/* the stored target account was sealed without host, port and pin: re-entry */
	policy_credentials c;
	assert_int_equal(policy_system_credentials(f->t->db, f->key, 3, &c), POLICY_ERR_DECRYPT);
	assert_non_null(strstr(policy_last_error(), "store it again"));
	char *list[] = { "system", "list" };
	assert_int_equal(cli(f, NULL, 2, list), 0);
	assert_non_null(strstr(out, "re-enter"));
	assert_int_equal(policy_system_secret_set(f->t->db, f->key, "web", "Administrator", "", "target-pw", "山田", 2),
			 POLICY_OK);
	assert_int_equal(policy_system_credentials(f->t->db, f->key, 3, &c), POLICY_OK);
	assert_string_equal(c.password, "target-pw");
	policy_credentials_clear(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_sealed_nt_hash_opens_only_for_its_account_and_key, setup, teardown),
		cmocka_unit_test_setup_teardown(passwd_without_nla_drops_the_nt_hash_and_with_nla_seals_a_new_one, setup,
						teardown),
		cmocka_unit_test_setup_teardown(the_cli_sets_nla_passwords_with_the_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(a_version_3_database_drops_plain_nt_hashes_and_asks_for_reentry, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
