/* Attacks on the logon path through the policy API:
 * - parallel wrong guesses on one account never check more passwords than the lock-out allows;
 * - an unknown login costs the same PBKDF2 as a known one (counted, not timed: this program
 *   puts its own PKCS5_PBKDF2_HMAC in front of libcrypto's and counts the calls);
 * - failures from one address do not lock the vendor out of its own address, but guesses
 *   spread over many addresses lock the account everywhere;
 * - a flood of refused logons from one address leaves a bounded number of ledger rows and a
 *   summary row that carries the count of the rest; decoys do not hide guesses from the
 *   lock-out. */
#include "test_policy_common.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <pthread.h>

/* ---- counting PBKDF2 runs ---- */

static int pbkdf2_calls;
static int pbkdf2_last_iterations;

int PKCS5_PBKDF2_HMAC(const char *pass, int passlen, const unsigned char *salt, int saltlen, int iter,
                      const EVP_MD *digest, int keylen, unsigned char *out)
{
	typedef int (*pbkdf2_fn)(const char *, int, const unsigned char *, int, int, const EVP_MD *, int,
	                         unsigned char *);
	static pbkdf2_fn real;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "PKCS5_PBKDF2_HMAC");
	if (!real)
		return 0;
	__atomic_add_fetch(&pbkdf2_calls, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&pbkdf2_last_iterations, iter, __ATOMIC_SEQ_CST);
	return real(pass, passlen, salt, saltlen, iter, digest, keylen, out);
}

static int64_t now_ok(void)
{
	return jst_us(2025, 9, 10, 12, 0);
}

static int setup(void **state)
{
	tdb *t = tdb_new();
	tdb_seed(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tdb_free(*state);
	return 0;
}

/* One number from the ledger file, read with sqlite3 itself. */
static long long sql_count(tdb *t, const char *sql)
{
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open_v2(t->path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return n;
}

static policy_deny_reason check(tdb *t, const char *login, const char *password, const char *source, int64_t at)
{
	policy_deny_reason r = POLICY_DENY_NONE;
	assert_int_equal(policy_account_check_password(t->db, login, password, source, at, &r), POLICY_OK);
	return r;
}

/* ---- row 10: parallel guesses ---- */

#define RACERS 16

typedef struct {
	tdb *t;
	pthread_barrier_t *go;
	policy_deny_reason deny;
	int status;
} racer;

static void *guess(void *arg)
{
	racer *r = arg;
	pthread_barrier_wait(r->go);
	r->status = policy_account_check_password(r->t->db, "slow1", "not-the-password", "198.51.100.7", now_ok(),
	                                          &r->deny);
	return NULL;
}

static void parallel_wrong_guesses_never_exceed_the_lockout(void **state)
{
	tdb *t = *state;
	/* A slow hash, so that every racer is inside its check before the first one ends. */
	policy_set_pbkdf2_iterations(t->db, 100000);
	assert_int_equal(policy_account_add(t->db, "Acme", "slow1", "s1ow-Passw0rd", NULL), POLICY_OK);
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, RACERS);
	racer r[RACERS];
	pthread_t th[RACERS];
	for (int i = 0; i < RACERS; i++) {
		r[i] = (racer){ .t = t, .go = &go };
		assert_int_equal(pthread_create(&th[i], NULL, guess, &r[i]), 0);
	}
	int checked = 0, locked = 0;
	for (int i = 0; i < RACERS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].status, POLICY_OK);
		checked += r[i].deny == POLICY_DENY_BAD_PASSWORD;
		locked += r[i].deny == POLICY_DENY_LOCKED_OUT;
	}
	pthread_barrier_destroy(&go);
	print_message("%d parallel guesses: %d checked, %d refused as locked\n", RACERS, checked, locked);
	assert_true(checked <= 5);
	assert_int_equal(checked + locked, RACERS);
	assert_int_equal(sql_count(t, "SELECT COUNT(*) FROM events WHERE reason = 'bad_password'"), checked);
}

/* ---- row 10: unknown logins cost the same ---- */

static void an_unknown_login_runs_the_same_pbkdf2_as_a_known_one(void **state)
{
	tdb *t = *state;
	policy_set_pbkdf2_iterations(t->db, 4321);
	assert_int_equal(policy_account_add(t->db, "Acme", "known1", "kn0wn-Passw0rd", NULL), POLICY_OK);

	int before = pbkdf2_calls;
	assert_int_equal(check(t, "known1", "wrong", "198.51.100.8", now_ok()), POLICY_DENY_BAD_PASSWORD);
	assert_int_equal(pbkdf2_calls - before, 1);
	assert_int_equal(pbkdf2_last_iterations, 4321);

	before = pbkdf2_calls;
	pbkdf2_last_iterations = 0;
	assert_int_equal(check(t, "nobody-here", "wrong", "198.51.100.8", now_ok() + 1), POLICY_DENY_UNKNOWN_ACCOUNT);
	assert_int_equal(pbkdf2_calls - before, 1);
	assert_int_equal(pbkdf2_last_iterations, 4321);
}

/* ---- row 10: lock-out per source ---- */

static void failures_from_one_address_do_not_lock_out_another(void **state)
{
	tdb *t = *state;
	tpermit(t, tapp("Acme", "juki", 1));
	int64_t t0 = now_ok();
	for (int i = 0; i < 5; i++)
		assert_int_equal(check(t, "acme1", "wrong", "198.51.100.66", t0 + i), POLICY_DENY_BAD_PASSWORD);
	/* the stranger's address is locked, even with the right password */
	assert_int_equal(check(t, "acme1", "correct horse", "198.51.100.66", t0 + 10), POLICY_DENY_LOCKED_OUT);
	/* the vendor's own address is not */
	assert_int_equal(check(t, "acme1", "correct horse", "203.0.113.9", t0 + 20), POLICY_DENY_NONE);
	policy_decision d;
	assert_int_equal(policy_authorize(t->db, "acme1", NULL, "203.0.113.9", t0 + 20, &d), POLICY_OK);
	assert_true(d.allowed);
	assert_int_equal(policy_authorize(t->db, "acme1", NULL, "198.51.100.66", t0 + 20, &d), POLICY_OK);
	assert_false(d.allowed);
	assert_int_equal(d.deny, POLICY_DENY_LOCKED_OUT);
	bool from_stranger = false, from_vendor = true;
	assert_int_equal(policy_account_is_locked_from(t->db, "acme1", "198.51.100.66", t0 + 20, &from_stranger), POLICY_OK);
	assert_int_equal(policy_account_is_locked_from(t->db, "acme1", "203.0.113.9", t0 + 20, &from_vendor), POLICY_OK);
	assert_true(from_stranger);
	assert_false(from_vendor);
	/* NLA failures count per address too */
	bool locked = true;
	assert_int_equal(policy_account_logon_failed(t->db, "acme1", "203.0.113.9", t0 + 30, &locked), POLICY_OK);
	assert_false(locked);
}

static void guesses_from_many_addresses_lock_the_account_everywhere(void **state)
{
	tdb *t = *state;
	int64_t t0 = now_ok();
	char source[32];
	for (int i = 0; i < 20; i++) { /* 4 from each of 5 addresses: none reaches 5 */
		snprintf(source, sizeof source, "198.51.100.%d", 100 + i / 4);
		assert_int_equal(check(t, "acme1", "wrong", source, t0 + i), POLICY_DENY_BAD_PASSWORD);
	}
	assert_int_equal(check(t, "acme1", "correct horse", "203.0.113.9", t0 + 100), POLICY_DENY_LOCKED_OUT);
	bool locked = false;
	assert_int_equal(policy_account_is_locked(t->db, "acme1", t0 + 100, &locked), POLICY_OK);
	assert_true(locked);
	assert_int_equal(sql_count(t, "SELECT COUNT(*) FROM events WHERE type = 'account_locked'"), 1);
}

/* ---- row 5a: floods of refused logons ---- */

#define FLOOD 200

static void a_flood_of_refused_logons_from_one_address_is_summarised(void **state)
{
	tdb *t = *state;
	int64_t t0 = now_ok();
	for (int i = 0; i < FLOOD; i++) { /* within one minute */
		char login[32];
		snprintf(login, sizeof login, "guess%d", i);
		assert_int_equal(check(t, login, "x", "192.0.2.66", t0 + i * 200000LL), POLICY_DENY_UNKNOWN_ACCOUNT);
	}
	long long rows = sql_count(t, "SELECT COUNT(*) FROM events WHERE source = '192.0.2.66'");
	print_message("%d unknown logons within a minute: %lld ledger rows before the minute ends\n", FLOOD, rows);
	assert_true(rows <= 10);
	/* the next refusal after the minute (from anywhere) writes the count of the rest */
	assert_int_equal(check(t, "someone", "x", "192.0.2.1", t0 + 61 * 1000000LL), POLICY_DENY_UNKNOWN_ACCOUNT);
	assert_int_equal(sql_count(t, "SELECT COUNT(*) FROM events WHERE type = 'refused_summary'"
	                              " AND source = '192.0.2.66'"), 1);
	assert_int_equal(sql_count(t, "SELECT CAST(detail AS INTEGER) FROM events WHERE type = 'refused_summary'"
	                              " AND source = '192.0.2.66'"), FLOOD - 10);
	assert_int_equal(sql_count(t, "SELECT COUNT(*) FROM events WHERE type = 'refused_summary'"
	                              " AND detail LIKE '%unknown_account=190%'"), 1);
	assert_true(sql_count(t, "SELECT COUNT(*) FROM events WHERE source = '192.0.2.66'") <= 11);
	policy_verify_result v;
	assert_int_equal(policy_ledger_verify(t->db, &v), POLICY_OK);
	assert_true(v.ok);
}

static void wrong_passwords_on_one_account_leave_a_bounded_trail(void **state)
{
	tdb *t = *state;
	int64_t t0 = now_ok();
	for (int i = 0; i < FLOOD; i++)
		check(t, "acme1", "wrong", "192.0.2.67", t0 + i * 200000LL);
	/* the next refusal after the minute (from anywhere) writes the count of the rest */
	assert_int_equal(check(t, "someone", "x", "192.0.2.1", t0 + 120 * 1000000LL), POLICY_DENY_UNKNOWN_ACCOUNT);
	long long rows = sql_count(t, "SELECT COUNT(*) FROM events WHERE source = '192.0.2.67' OR login = 'acme1'");
	print_message("%d wrong passwords: %lld ledger rows\n", FLOOD, rows);
	/* 5 bad_password, 1 account_locked, 10 locked_out singly, 1 summary */
	assert_true(rows <= 17);
	assert_int_equal(sql_count(t, "SELECT CAST(detail AS INTEGER) FROM events WHERE type = 'refused_summary'"),
	                 FLOOD - 15);
}

static void refusals_are_summarised_at_close(void **state)
{
	tdb *t = *state;
	int64_t t0 = policy_now_us();
	for (int i = 0; i < 30; i++)
		check(t, "ghost", "x", "192.0.2.68", t0 + i);
	policy_close(t->db);
	t->db = policy_open(t->path);
	assert_non_null(t->db);
	assert_int_equal(sql_count(t, "SELECT CAST(detail AS INTEGER) FROM events WHERE type = 'refused_summary'"), 20);
}

static void decoys_do_not_hide_guesses_from_the_lockout(void **state)
{
	tdb *t = *state;
	int64_t t0 = now_ok();
	for (int i = 0; i < 50; i++) /* fill this address's single rows with unknown logins */
		check(t, "decoy", "x", "192.0.2.69", t0 + i);
	for (int i = 0; i < 5; i++)
		assert_int_equal(check(t, "acme1", "wrong", "192.0.2.69", t0 + 100 + i), POLICY_DENY_BAD_PASSWORD);
	assert_int_equal(check(t, "acme1", "correct horse", "192.0.2.69", t0 + 200), POLICY_DENY_LOCKED_OUT);
	assert_int_equal(sql_count(t, "SELECT COUNT(*) FROM events WHERE reason = 'bad_password'"), 5);
}

static void the_table_of_sources_is_bounded_and_loses_no_count(void **state)
{
	tdb *t = *state;
	int64_t t0 = now_ok();
	char source[32];
	/* 200 addresses, 30 refusals each, all within one minute: more addresses than slots */
	for (int round = 0; round < 30; round++)
		for (int a = 0; a < 200; a++) {
			snprintf(source, sizeof source, "10.9.0.%d", a);
			check(t, "ghost", "x", source, t0 + round * 100000LL + a);
		}
	long long single = sql_count(t, "SELECT COUNT(*) FROM events WHERE type = 'refused'");
	print_message("6000 refusals from 200 addresses: %lld single rows\n", single);
	assert_true(single <= 64 * 10);
	policy_close(t->db); /* writes the summaries of the open windows */
	t->db = policy_open(t->path);
	assert_non_null(t->db);
	long long summed = sql_count(t, "SELECT IFNULL(SUM(CAST(detail AS INTEGER)), 0) FROM events"
	                                " WHERE type = 'refused_summary'");
	assert_int_equal(single + summed, 6000);
	assert_int_equal(sql_count(t, "SELECT COUNT(*) FROM events WHERE type = 'refused_summary'"
	                              " AND source IS NULL AND detail LIKE '%other addresses%'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(parallel_wrong_guesses_never_exceed_the_lockout, setup, teardown),
		cmocka_unit_test_setup_teardown(an_unknown_login_runs_the_same_pbkdf2_as_a_known_one, setup, teardown),
		cmocka_unit_test_setup_teardown(failures_from_one_address_do_not_lock_out_another, setup, teardown),
		cmocka_unit_test_setup_teardown(guesses_from_many_addresses_lock_the_account_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(a_flood_of_refused_logons_from_one_address_is_summarised, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_passwords_on_one_account_leave_a_bounded_trail, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals_are_summarised_at_close, setup, teardown),
		cmocka_unit_test_setup_teardown(decoys_do_not_hide_guesses_from_the_lockout, setup, teardown),
		cmocka_unit_test_setup_teardown(the_table_of_sources_is_bounded_and_loses_no_count, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
