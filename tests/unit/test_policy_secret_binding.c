/* Attack: a stored target password must only ever go to the target it was
 * stored for. Someone who can write the database (sqlite3) re-points the
 * system to their own host, port or certificate pin: the sealed password
 * must then not decrypt (it is bound to host, port and pin, secret.h).
 * Changing the pin through rmgate-policy clears the stored account in the
 * same transaction and says so in the ledger. */
#include "test_policy_common.h"
#include "cli.h"
#include "secret.h"

#include <sqlite3.h>

#define PASSWORD "Target-Password-5e1d"
#define PIN_A "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define PIN_B "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define PIN_B_HEX "2222222222222222222222222222222222222222222222222222222222222222"

typedef struct {
	tdb *t;
	char key_path[160];
	policy_secret_key *key;
	int64_t web;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->t = tdb_new();
	tdb_seed(f->t);
	f->key = tdb_secret_key(f->t, f->key_path, sizeof f->key_path);
	pol_lock(f->t->db);
	assert_int_equal(pol_id_by_name(f->t->db, "systems", "web", &f->web), POLICY_OK);
	pol_unlock(f->t->db);
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

static void store_web(fixture *f)
{
	assert_int_equal(policy_system_secret_set(f->t->db, f->key, "web", "Administrator", "CORP", PASSWORD, "山田",
						  jst_us(2025, 4, 1, 9, 0)),
			 POLICY_OK);
}

static void expect_credentials(fixture *f, int want)
{
	policy_credentials c;
	int rc = policy_system_credentials(f->t->db, f->key, f->web, &c);
	if (rc != want)
		fail_msg("policy_system_credentials gave %d, expected %d (%s)", rc, want,
			 rc ? policy_last_error() : "decrypted the password");
	if (want == POLICY_OK)
		assert_string_equal(c.password, PASSWORD);
	else
		assert_null(c.password);
	policy_credentials_clear(&c);
}

static void repointing_host_port_or_pin_with_sql_makes_the_stored_password_unusable(void **state)
{
	fixture *f = *state;
	/* web: 10.3.0.5:13389 with pin A */
	assert_int_equal(policy_system_set_cert_pin(f->t->db, "web", PIN_A, "山田", 1), POLICY_OK);
	static const struct {
		const char *attack, *undo;
	} edits[] = {
		{ "UPDATE systems SET host = '198.51.100.66' WHERE name = 'web'",
		  "UPDATE systems SET host = '10.3.0.5' WHERE name = 'web'" },
		{ "UPDATE systems SET port = 3389 WHERE name = 'web'",
		  "UPDATE systems SET port = 13389 WHERE name = 'web'" },
		{ "UPDATE systems SET cert_pin = '" PIN_B_HEX "' WHERE name = 'web'",
		  "UPDATE systems SET cert_pin = '1111111111111111111111111111111111111111111111111111111111111111'"
		  " WHERE name = 'web'" },
		{ "UPDATE systems SET cert_pin = NULL WHERE name = 'web'",
		  "UPDATE systems SET cert_pin = '1111111111111111111111111111111111111111111111111111111111111111'"
		  " WHERE name = 'web'" },
	};
	store_web(f);
	for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		expect_credentials(f, POLICY_OK);
		raw_sql(f, edits[i].attack);
		expect_credentials(f, POLICY_ERR_DECRYPT);
		assert_non_null(strstr(policy_last_error(), "store it again"));
		raw_sql(f, edits[i].undo); /* the binding, not damage: back where it was, it opens again */
	}
	expect_credentials(f, POLICY_OK);
}

static void changing_the_pin_with_the_cli_clears_the_stored_account_and_ledgers_it(void **state)
{
	fixture *f = *state;
	static char out[4096], err[4096];
	assert_int_equal(policy_system_set_cert_pin(f->t->db, "web", PIN_A, "山田", 1), POLICY_OK);
	store_web(f);
	char *argv[] = { "rmgate-policy", "-d", f->t->path, "system", "pin", "web", PIN_B, "--by", "佐藤", NULL };
	assert_int_equal(run_policy_cli(f->t->dir, 9, argv, NULL, out, sizeof out, err, sizeof err), CLI_OK);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM system_secrets"), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM events WHERE type = 'secret_cleared' AND actor = '佐藤'"
				  " AND system_id = 3 AND detail LIKE 'certificate pin changed%'"),
			 1);
	assert_non_null(strstr(err, "cleared"));
	expect_credentials(f, POLICY_ERR_NOT_FOUND);

	/* the same pin again is no change: a newly stored account stays */
	store_web(f);
	assert_int_equal(run_policy_cli(f->t->dir, 9, argv, NULL, out, sizeof out, err, sizeof err), CLI_OK);
	expect_credentials(f, POLICY_OK);
	/* clearing the pin is a change */
	char *none[] = { "rmgate-policy", "-d", f->t->path, "system", "pin", "web", "none", "--by", "佐藤", NULL };
	assert_int_equal(run_policy_cli(f->t->dir, 9, none, NULL, out, sizeof out, err, sizeof err), CLI_OK);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM system_secrets"), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM events WHERE type = 'secret_cleared'"), 2);
	policy_verify_result r;
	assert_int_equal(policy_ledger_verify(f->t->db, &r), POLICY_OK);
	assert_true(r.ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(repointing_host_port_or_pin_with_sql_makes_the_stored_password_unusable,
						setup, teardown),
		cmocka_unit_test_setup_teardown(changing_the_pin_with_the_cli_clears_the_stored_account_and_ledgers_it,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
