/* Authorization for the gate: accounts and passwords, lock-out, every deny
 * reason, permit selection, source addresses (IPv4 and IPv6), and the
 * cheap still-valid poll; plus use from several threads at once. */
#include "test_policy_common.h"
#include "cidr.h"

#include <pthread.h>


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

static policy_decision authorize(tdb *t, const char *login, const char *sys, const char *src, int64_t now)
{
	policy_decision d;
	assert_int_equal(policy_authorize(t->db, login, sys, src, now, &d), POLICY_OK);
	return d;
}

static void expect_deny(tdb *t, const char *login, const char *sys, const char *src, int64_t now, policy_deny_reason r)
{
	policy_decision d = authorize(t, login, sys, src, now);
	assert_false(d.allowed);
	assert_string_equal(policy_deny_name(d.deny), policy_deny_name(r));
	assert_true(strlen(d.message) > 0);
}

static void nt_hash_is_md4_of_utf16le_password(void **state)
{
	(void)state;
	uint8_t h[16];
	static const uint8_t want[16] = { 0x88, 0x46, 0xf7, 0xea, 0xee, 0x8f, 0xb1, 0x17,
					  0xad, 0x06, 0xbd, 0xd8, 0x30, 0xb7, 0x58, 0x6c };
	policy_nt_hash("password", h);
	assert_memory_equal(h, want, 16);
}

/* A character outside the Basic Multilingual Plane is hashed as its UTF-16 surrogate pair
 * (U+1F600 = D83D DE00); values from OpenSSL's MD4 over the UTF-16LE bytes. */
static void nt_hash_of_a_character_outside_the_bmp_uses_its_surrogate_pair(void **state)
{
	(void)state;
	uint8_t h[16];
	static const uint8_t smiley[16] = { 0x4b, 0x58, 0xa1, 0x0c, 0xc2, 0x0a, 0x4e, 0x7d,
					    0x80, 0x8d, 0x21, 0x8e, 0x1f, 0x80, 0xaa, 0xbc };
	static const uint8_t mixed[16] = { 0x63, 0xb4, 0x79, 0x07, 0xf6, 0x3c, 0x97, 0x7e,
					   0x90, 0x22, 0xaf, 0x9f, 0xc5, 0xf6, 0xdc, 0x2c };
	assert_int_equal(policy_nt_hash("\xF0\x9F\x98\x80", h), POLICY_OK);
	assert_memory_equal(h, smiley, 16);
	assert_int_equal(policy_nt_hash("p\xC3\xA4\xE6\x97\xA5\xF0\x9F\x98\x80s", h), POLICY_OK); /* pä日😀s */
	assert_memory_equal(h, mixed, 16);
}

/* Invalid UTF-8 has no UTF-16 form: refused with a message, never hashed as U+FFFD. */
static void a_password_that_is_not_utf8_is_refused(void **state)
{
	tdb *t = *state;
	uint8_t h[16];
	const char *bad[] = { "a\xFF" "b", "\xC0\x80" /* overlong NUL */, "\xED\xA0\x80" /* surrogate */,
			      "ok\xE6\x97" /* cut sequence */, "\xF4\x90\x80\x80" /* above U+10FFFF */ };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(policy_nt_hash(bad[i], h), POLICY_ERR_INVALID);
		assert_non_null(strstr(policy_last_error(), "not valid UTF-8"));
		assert_int_equal(policy_account_add(t->db, "Other", "new", bad[i], NULL), POLICY_ERR_INVALID);
		assert_non_null(strstr(policy_last_error(), "not valid UTF-8"));
		assert_int_equal(policy_account_set_password(t->db, NULL, "acme1", bad[i]), POLICY_ERR_INVALID);
	}
	assert_int_equal(policy_account_add(t->db, "Other", "new", "\xF0\x9F\x98\x80", NULL), POLICY_OK);
}

static void account_stores_hashes_and_checks_the_password(void **state)
{
	tdb *t = *state;
	policy_deny_reason r;
	assert_int_equal(policy_account_check_password(t->db, "acme1", "correct horse", "203.0.113.9", now_ok(), &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_NONE);
	assert_int_equal(policy_account_check_password(t->db, "ACME1", "correct horse", "203.0.113.9", now_ok(), &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_NONE);
	assert_int_equal(policy_account_check_password(t->db, "acme1", "Correct horse", "203.0.113.9", now_ok(), &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_BAD_PASSWORD);
	assert_int_equal(policy_account_check_password(t->db, "ghost", "x", "203.0.113.9", now_ok(), &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_UNKNOWN_ACCOUNT);
	uint8_t nt[16];
	/* acme1 was added for TLS only: it has no NT hash (NLA: test_policy_nthash.c) */
	assert_int_equal(policy_account_nt_hash(t->db, NULL, "acme1", nt), POLICY_ERR_STATE);
	assert_int_equal(policy_account_nt_hash(t->db, NULL, "ghost", nt), POLICY_ERR_NOT_FOUND);
}

static void duplicate_login_and_bad_logins_are_refused(void **state)
{
	tdb *t = *state;
	assert_int_equal(policy_account_add(t->db, "Other", "Acme1", "pw", NULL), POLICY_ERR_EXISTS);
	assert_int_equal(policy_account_add(t->db, "Other", "a b", "pw", NULL), POLICY_ERR_INVALID);
	assert_int_equal(policy_account_add(t->db, "Other", "dom\\user", "pw", NULL), POLICY_ERR_INVALID);
	assert_int_equal(policy_account_add(t->db, "Nobody", "new", "pw", NULL), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_account_add(t->db, "Other", "new", "", NULL), POLICY_ERR_INVALID);
}

static void five_failures_within_fifteen_minutes_lock_the_account(void **state)
{
	tdb *t = *state;
	policy_deny_reason r;
	int64_t t0 = now_ok();
	for (int i = 0; i < 4; i++) {
		assert_int_equal(policy_account_check_password(t->db, "acme1", "wrong", "203.0.113.9", t0 + i * 1000000, &r), POLICY_OK);
		assert_int_equal(r, POLICY_DENY_BAD_PASSWORD);
	}
	bool locked = true;
	assert_int_equal(policy_account_is_locked(t->db, "acme1", t0 + 5000000, &locked), POLICY_OK);
	assert_false(locked);
	assert_int_equal(policy_account_logon_failed(t->db, "acme1", "203.0.113.9", t0 + 5000000, &locked), POLICY_OK);
	assert_true(locked);
	/* even the right password is refused now, and authorize says locked too */
	assert_int_equal(policy_account_check_password(t->db, "acme1", "correct horse", "203.0.113.9", t0 + 6000000, &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_LOCKED_OUT);
	expect_deny(t, "acme1", NULL, "203.0.113.9", t0 + 6000000, POLICY_DENY_LOCKED_OUT);
	/* 15 minutes after the first failures the window has moved on */
	assert_int_equal(policy_account_is_locked(t->db, "acme1", t0 + 15 * 60 * 1000000LL + 1000000, &locked), POLICY_OK);
	assert_false(locked);
	policy_verify_result v;
	assert_int_equal(policy_ledger_verify(t->db, &v), POLICY_OK);
	assert_true(v.ok);
	assert_int_equal(v.rows, 5 + 1 + 1); /* failures, account_locked, refused while locked */
}

static void a_disabled_account_is_refused_as_unknown(void **state)
{
	tdb *t = *state;
	tpermit(t, tapp("Acme", "juki", 1));
	assert_int_equal(policy_account_set_disabled(t->db, "acme1", true), POLICY_OK);
	expect_deny(t, "acme1", NULL, "::1", now_ok(), POLICY_DENY_UNKNOWN_ACCOUNT);
	uint8_t nt[16];
	assert_int_equal(policy_account_nt_hash(t->db, NULL, "acme1", nt), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_account_set_disabled(t->db, "acme1", false), POLICY_OK);
	assert_true(authorize(t, "acme1", NULL, "::1", now_ok()).allowed);
	assert_int_equal(policy_account_set_disabled(t->db, "ghost", true), POLICY_ERR_NOT_FOUND);
}

static void lockout_threshold_is_configurable(void **state)
{
	tdb *t = *state;
	policy_set_lockout(t->db, 2, 1);
	bool locked;
	assert_int_equal(policy_account_logon_failed(t->db, "acme1", "::1", now_ok(), &locked), POLICY_OK);
	assert_false(locked);
	assert_int_equal(policy_account_logon_failed(t->db, "acme1", "::1", now_ok() + 1, &locked), POLICY_OK);
	assert_true(locked);
}

static void one_usable_permit_is_chosen_without_a_system_name(void **state)
{
	tdb *t = *state;
	int64_t id = tpermit(t, tapp("Acme", "web", 2));
	policy_decision d = authorize(t, "acme1", NULL, "203.0.113.77", now_ok());
	assert_true(d.allowed);
	assert_int_equal(d.deny, POLICY_DENY_NONE);
	assert_int_equal(d.permit_id, id);
	assert_string_equal(d.system_name, "web");
	assert_string_equal(d.host, "10.3.0.5");
	assert_int_equal(d.port, 13389);
	assert_true(d.inject_credentials);
	assert_int_equal(d.rules.idle_timeout_s, 600);
	assert_int_equal(d.rules.max_duration_s, 7200);
	assert_int_equal(d.rules.channels, POLICY_CHANNEL_AUDIO_OUT);
	assert_false(d.rules.observe_only);
	assert_true(d.rules.window_end_us == jst_us(2026, 4, 1, 0, 0));
}

static void channels_default_to_none_and_observe_only_comes_from_the_permit(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("Acme", "juki", 1);
	a.observe_only = true;
	tpermit(t, a);
	policy_decision d = authorize(t, "acme1", NULL, "198.51.100.1", now_ok());
	assert_true(d.allowed);
	assert_int_equal(d.rules.channels, 0);
	assert_true(d.rules.observe_only);
	assert_false(d.inject_credentials);
	assert_int_equal(d.rules.idle_timeout_s, 900);
}

static void several_systems_need_the_requested_name(void **state)
{
	tdb *t = *state;
	tpermit(t, tapp("Acme", "web", 2));
	int64_t juki = tpermit(t, tapp("Acme", "juki", 1));
	expect_deny(t, "acme1", NULL, "203.0.113.5", now_ok(), POLICY_DENY_AMBIGUOUS_SYSTEM);
	policy_decision d = authorize(t, "acme1", "juki", "203.0.113.5", now_ok());
	assert_true(d.allowed);
	assert_int_equal(d.permit_id, juki);
	expect_deny(t, "acme1", "nosuch", "203.0.113.5", now_ok(), POLICY_DENY_UNKNOWN_SYSTEM);
	expect_deny(t, "acme1", "lgwan1", "203.0.113.5", now_ok(), POLICY_DENY_NO_PERMIT);
}

/* The user name forms of Microsoft clients name the same account: alice, ALICE,
 * alice@vendor.example (a UPN); a name that is no account stays itself. */
static void upn_and_case_forms_name_the_same_account(void **state)
{
	tdb *t = *state;
	char login[64];
	assert_int_equal(policy_account_canonical_login(t->db, "acme1", login, sizeof login), POLICY_OK);
	assert_string_equal(login, "acme1");
	assert_int_equal(policy_account_canonical_login(t->db, "ACME1", login, sizeof login), POLICY_OK);
	assert_string_equal(login, "acme1");
	assert_int_equal(policy_account_canonical_login(t->db, "Acme1@vendor.example.co.jp", login, sizeof login),
	                 POLICY_OK);
	assert_string_equal(login, "acme1");
	assert_int_equal(policy_account_canonical_login(t->db, "someone@vendor.example", login, sizeof login),
	                 POLICY_ERR_NOT_FOUND);
	assert_string_equal(login, "someone@vendor.example");
	assert_int_equal(policy_account_canonical_login(t->db, "@acme1", login, sizeof login), POLICY_ERR_NOT_FOUND);
}

/* mstsc sends the vendor's Windows domain (VENDORCORP\acme1, .\acme1): with one permitted
 * system it selects nothing and the permit applies; a real system name still selects. */
static void a_domain_that_names_no_system_selects_nothing(void **state)
{
	tdb *t = *state;
	int64_t juki = tpermit(t, tapp("Acme", "juki", 1));
	policy_decision d = authorize(t, "acme1", "VENDORCORP", "203.0.113.5", now_ok());
	assert_true(d.allowed);
	assert_int_equal(d.permit_id, juki);
	d = authorize(t, "acme1", ".", "203.0.113.5", now_ok());
	assert_true(d.allowed);
	expect_deny(t, "acme1", "lgwan1", "203.0.113.5", now_ok(), POLICY_DENY_NO_PERMIT);
}

static void window_is_inclusive_of_its_days_in_tokyo_time(void **state)
{
	tdb *t = *state;
	tpermit(t, tapp("Acme", "juki", 1));
	assert_true(authorize(t, "acme1", NULL, "::1", jst_us(2025, 4, 1, 0, 0)).allowed);
	assert_true(authorize(t, "acme1", NULL, "::1", jst_us(2026, 4, 1, 0, 0) - 1).allowed);
	expect_deny(t, "acme1", NULL, "::1", jst_us(2026, 4, 1, 0, 0), POLICY_DENY_OUTSIDE_WINDOW);
	expect_deny(t, "acme1", NULL, "::1", jst_us(2025, 4, 1, 0, 0) - 1, POLICY_DENY_OUTSIDE_WINDOW);
}

static void each_deny_reason_is_given(void **state)
{
	tdb *t = *state;
	expect_deny(t, "ghost", NULL, "::1", now_ok(), POLICY_DENY_UNKNOWN_ACCOUNT);
	expect_deny(t, NULL, NULL, NULL, now_ok(), POLICY_DENY_UNKNOWN_ACCOUNT);
	expect_deny(t, "acme1", NULL, "::1", now_ok(), POLICY_DENY_NO_PERMIT);
	int64_t applied;
	policy_permit_application a = tapp("Acme", "web", 2);
	assert_int_equal(policy_permit_apply(t->db, &a, 1, &applied), POLICY_OK);
	expect_deny(t, "acme1", NULL, "203.0.113.5", now_ok(), POLICY_DENY_NO_PERMIT); /* applied, not approved */
	assert_int_equal(policy_permit_step_apply(t->db, applied, POLICY_STEP_APPROVE, "副CISO", NULL, 2), POLICY_OK);
	expect_deny(t, "acme1", NULL, "198.51.100.5", now_ok(), POLICY_DENY_SOURCE_NOT_ALLOWED);
	expect_deny(t, "acme1", NULL, "not-an-address", now_ok(), POLICY_DENY_SOURCE_NOT_ALLOWED);
	assert_int_equal(policy_permit_step_apply(t->db, applied, POLICY_STEP_SUSPEND, "副CISO", "違反", 3), POLICY_OK);
	expect_deny(t, "acme1", NULL, "203.0.113.5", now_ok(), POLICY_DENY_SUSPENDED);
	assert_int_equal(policy_permit_step_apply(t->db, applied, POLICY_STEP_REVOKE, "副CISO", "命令不履行", 4), POLICY_OK);
	expect_deny(t, "acme1", NULL, "203.0.113.5", now_ok(), POLICY_DENY_REVOKED);
}

static void an_order_without_suspension_keeps_the_permit_usable(void **state)
{
	tdb *t = *state;
	int64_t id = tpermit(t, tapp("Acme", "web", 2));
	assert_int_equal(policy_permit_order(t->db, id, "副CISO", "是正", "2025-05-31", false, 5, NULL), POLICY_OK);
	assert_true(authorize(t, "acme1", NULL, "203.0.113.5", now_ok()).allowed);
}

static void ipv6_sources_match_by_prefix(void **state)
{
	tdb *t = *state;
	tpermit(t, tapp("Acme", "web", 2));
	assert_true(authorize(t, "acme1", NULL, "2001:db8:10:ffff::1", now_ok()).allowed);
	assert_true(authorize(t, "acme1", NULL, "[2001:db8:10::5]", now_ok()).allowed);
	assert_true(authorize(t, "acme1", NULL, "::ffff:203.0.113.200", now_ok()).allowed);
	expect_deny(t, "acme1", NULL, "2001:db8:11::1", now_ok(), POLICY_DENY_SOURCE_NOT_ALLOWED);
}

static void cidr_boundaries(void **state)
{
	(void)state;
	policy_cidr c;
	uint8_t a[16];
	assert_true(policy_cidr_parse("192.0.2.128/25", &c));
	assert_true(policy_addr_parse("192.0.2.128", a));
	assert_true(policy_cidr_contains(&c, a));
	assert_true(policy_addr_parse("192.0.2.255", a));
	assert_true(policy_cidr_contains(&c, a));
	assert_true(policy_addr_parse("192.0.2.127", a));
	assert_false(policy_cidr_contains(&c, a));
	assert_true(policy_cidr_parse("0.0.0.0/0", &c));
	assert_true(policy_cidr_contains(&c, a));
	assert_true(policy_addr_parse("2001:db8::1", a));
	assert_false(policy_cidr_contains(&c, a)); /* an IPv4 block holds no IPv6 address */
	assert_true(policy_cidr_parse("::/0", &c));
	assert_true(policy_cidr_contains(&c, a));
	assert_true(policy_cidr_parse("198.51.100.7", &c));
	char buf[64];
	policy_cidr_format(&c, buf, sizeof buf);
	assert_string_equal(buf, "198.51.100.7/32");
}

static void still_valid_follows_suspension_revocation_and_window(void **state)
{
	tdb *t = *state;
	int64_t id = tpermit(t, tapp("Acme", "juki", 1));
	policy_deny_reason r;
	assert_int_equal(policy_permit_still_valid(t->db, id, now_ok(), &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_NONE);
	assert_int_equal(policy_permit_still_valid(t->db, id, jst_us(2026, 4, 1, 0, 0), &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_OUTSIDE_WINDOW);
	assert_int_equal(policy_permit_step_apply(t->db, id, POLICY_STEP_SUSPEND, "副CISO", "調査", 6), POLICY_OK);
	assert_int_equal(policy_permit_still_valid(t->db, id, now_ok(), &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_SUSPENDED);
	assert_int_equal(policy_permit_step_apply(t->db, id, POLICY_STEP_REVOKE, "副CISO", "取消", 7), POLICY_OK);
	assert_int_equal(policy_permit_still_valid(t->db, id, now_ok(), &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_REVOKED);
	assert_int_equal(policy_permit_still_valid(t->db, 4242, now_ok(), &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_NO_PERMIT);
}

typedef struct {
	tdb *t;
	int allowed;
} worker_arg;

static void *worker(void *p)
{
	worker_arg *w = p;
	for (int i = 0; i < 200; i++) {
		policy_decision d;
		if (policy_authorize(w->t->db, "acme1", NULL, "203.0.113.1", now_ok(), &d) == POLICY_OK && d.allowed)
			w->allowed++;
		policy_ledger_event(w->t->db, 0, now_ok() + i, "probe", "thread");
	}
	return NULL;
}

static void one_handle_serves_several_threads(void **state)
{
	tdb *t = *state;
	tpermit(t, tapp("Acme", "web", 2));
	pthread_t th[4];
	worker_arg args[4];
	for (int i = 0; i < 4; i++) {
		args[i] = (worker_arg){ t, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].allowed, 200);
	}
	policy_verify_result v;
	assert_int_equal(policy_ledger_verify(t->db, &v), POLICY_OK);
	assert_true(v.ok);
	assert_int_equal(v.rows, 800);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nt_hash_is_md4_of_utf16le_password),
		cmocka_unit_test_setup_teardown(account_stores_hashes_and_checks_the_password, setup, teardown),
		cmocka_unit_test_setup_teardown(duplicate_login_and_bad_logins_are_refused, setup, teardown),
		cmocka_unit_test(nt_hash_of_a_character_outside_the_bmp_uses_its_surrogate_pair),
		cmocka_unit_test_setup_teardown(a_password_that_is_not_utf8_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(five_failures_within_fifteen_minutes_lock_the_account, setup, teardown),
		cmocka_unit_test_setup_teardown(lockout_threshold_is_configurable, setup, teardown),
		cmocka_unit_test_setup_teardown(a_disabled_account_is_refused_as_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(one_usable_permit_is_chosen_without_a_system_name, setup, teardown),
		cmocka_unit_test_setup_teardown(channels_default_to_none_and_observe_only_comes_from_the_permit, setup, teardown),
		cmocka_unit_test_setup_teardown(several_systems_need_the_requested_name, setup, teardown),
		cmocka_unit_test_setup_teardown(a_domain_that_names_no_system_selects_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(upn_and_case_forms_name_the_same_account, setup, teardown),
		cmocka_unit_test_setup_teardown(window_is_inclusive_of_its_days_in_tokyo_time, setup, teardown),
		cmocka_unit_test_setup_teardown(each_deny_reason_is_given, setup, teardown),
		cmocka_unit_test_setup_teardown(an_order_without_suspension_keeps_the_permit_usable, setup, teardown),
		cmocka_unit_test_setup_teardown(ipv6_sources_match_by_prefix, setup, teardown),
		cmocka_unit_test(cidr_boundaries),
		cmocka_unit_test_setup_teardown(still_valid_follows_suspension_revocation_and_window, setup, teardown),
		cmocka_unit_test_setup_teardown(one_handle_serves_several_threads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
