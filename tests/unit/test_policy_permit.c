/* Permit applications: every validation rule at its boundaries, and the
 * lifecycle's legal and illegal steps with their history. */
#include "test_policy_common.h"

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

static int apply(tdb *t, policy_permit_application a)
{
	int64_t id;
	return policy_permit_apply(t->db, &a, jst_us(2025, 3, 20, 9, 0), &id);
}

static void expect_rule(tdb *t, policy_permit_application a, const char *rule)
{
	assert_int_equal(apply(t, a), POLICY_ERR_INVALID);
	assert_non_null(strstr(policy_last_error(), rule));
}

static int count_permits(tdb *t)
{
	int n = 0;
	/* list through the public state call: ids are dense from 1 */
	policy_permit_state s;
	while (policy_permit_state_of(t->db, n + 1, &s) == POLICY_OK)
		n++;
	return n;
}

static void period_exactly_one_fiscal_year_is_accepted(void **state)
{
	tdb *t = *state;
	assert_int_equal(apply(t, tapp("Acme", "juki", 1)), POLICY_OK);
}

static void period_crossing_march_31_is_refused_as_one_fiscal_year(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("Acme", "juki", 1);
	a.contract_to = "2027-03-31";
	a.to = "2026-04-01";
	expect_rule(t, a, "rule one-fiscal-year");
	a.from = "2025-03-31";
	a.to = "2025-04-01";
	a.contract_from = "2025-01-01";
	expect_rule(t, a, "rule one-fiscal-year");
	assert_int_equal(count_permits(t), 0);
}

static void period_starting_april_1_and_ending_march_31_next_year_is_one_fiscal_year(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("Acme", "juki", 1);
	a.from = "2026-04-01";
	a.to = "2027-03-31";
	a.contract_from = "2026-01-01";
	a.contract_to = "2027-12-31";
	assert_int_equal(apply(t, a), POLICY_OK);
}

static void period_must_lie_inside_the_contract_at_both_edges(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("Acme", "juki", 1);
	a.contract_from = "2025-04-02";
	expect_rule(t, a, "rule period-in-contract");
	a = tapp("Acme", "juki", 1);
	a.contract_to = "2026-03-30";
	expect_rule(t, a, "rule period-in-contract");
	a = tapp("Acme", "juki", 1);
	a.from = "2025-04-02"; /* one day inside on each side is fine */
	a.to = "2026-03-30";
	assert_int_equal(apply(t, a), POLICY_OK);
}

static void period_ending_before_it_starts_is_refused(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("Acme", "juki", 1);
	a.from = "2025-05-02";
	a.to = "2025-05-01";
	expect_rule(t, a, "rule period-order");
	a.from = a.to = "2025-05-01"; /* a one-day permit is fine */
	assert_int_equal(apply(t, a), POLICY_OK);
}

static void malformed_dates_are_refused(void **state)
{
	tdb *t = *state;
	const char *bad[] = { "2025-02-29", "2025-4-01", "20250401", "2025-13-01", "", "2025-04-01x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		policy_permit_application a = tapp("Acme", "juki", 1);
		a.from = bad[i];
		assert_int_equal(apply(t, a), POLICY_ERR_INVALID);
		assert_non_null(strstr(policy_last_error(), "not a date"));
	}
	assert_int_equal(count_permits(t), 0);
}

static void mynumber_and_lgwan_systems_allow_table_1_only(void **state)
{
	tdb *t = *state;
	expect_rule(t, tapp("Acme", "juki", 2), "rule class-table");
	expect_rule(t, tapp("Acme", "lgwan1", 2), "rule class-table");
	assert_int_equal(apply(t, tapp("Acme", "juki", 1)), POLICY_OK);
	assert_int_equal(apply(t, tapp("Acme", "lgwan1", 1)), POLICY_OK);
}

static void internet_systems_allow_table_1_or_2(void **state)
{
	tdb *t = *state;
	assert_int_equal(apply(t, tapp("Acme", "web", 1)), POLICY_OK);
	assert_int_equal(apply(t, tapp("Acme", "web", 2)), POLICY_OK);
	policy_permit_application a = tapp("Acme", "web", 1);
	a.table = 3;
	expect_rule(t, a, "rule class-table");
}

static void every_item_of_the_chosen_table_must_be_confirmed(void **state)
{
	tdb *t = *state;
	const char *t1_all_but_one[] = { "line", "vpn", "equipment", "lent-terminal" };
	policy_permit_application a = tapp("Acme", "juki", 1);
	a.confirm_all = false;
	a.confirm = t1_all_but_one;
	a.n_confirm = 4;
	expect_rule(t, a, "rule checklist");
	assert_non_null(strstr(policy_last_error(), "view-only"));
	const char *t1_all[] = { "line", "vpn", "equipment", "lent-terminal", "view-only" };
	a.confirm = t1_all;
	a.n_confirm = 5;
	assert_int_equal(apply(t, a), POLICY_OK);
}

static void an_item_of_the_other_table_is_refused(void **state)
{
	tdb *t = *state;
	const char *items[] = { "line", "vpn", "equipment", "lent-terminal", "view-only", "antivirus" };
	policy_permit_application a = tapp("Acme", "juki", 1);
	a.confirm_all = false;
	a.confirm = items;
	a.n_confirm = 6;
	expect_rule(t, a, "is not an item of Table 1");
}

static void table_2_needs_at_least_one_source_address(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("Acme", "web", 2);
	a.n_sources = 0;
	expect_rule(t, a, "rule table2-source");
	a.n_sources = 1;
	assert_int_equal(apply(t, a), POLICY_OK);
}

static void malformed_source_blocks_are_refused(void **state)
{
	tdb *t = *state;
	const char *bad[][1] = { { "203.0.113.0/33" }, { "203.0.113.1/24" }, { "300.1.1.1" }, { "2001:db8::/129" },
				 { "example.org" }, { "10.0.0.0/" } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		policy_permit_application a = tapp("Acme", "web", 2);
		a.sources = bad[i];
		a.n_sources = 1;
		expect_rule(t, a, "rule source-cidr");
	}
}

static void a_subcontractor_permit_names_its_prime_vendor(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("SubCo", "juki", 1);
	expect_rule(t, a, "rule subcontractor-prime");
	a.prime = "Other";
	expect_rule(t, a, "is not the prime vendor");
	a.prime = "Acme";
	assert_int_equal(apply(t, a), POLICY_OK);
}

static void a_prime_vendor_permit_names_no_prime(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("Acme", "juki", 1);
	a.prime = "Other";
	expect_rule(t, a, "rule subcontractor-prime");
}

static void only_the_owner_section_applies(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("Acme", "juki", 1);
	a.section = "税務課";
	expect_rule(t, a, "rule owner-section");
}

static void unknown_names_are_reported(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("Nobody", "juki", 1);
	assert_int_equal(apply(t, a), POLICY_ERR_NOT_FOUND);
	assert_non_null(strstr(policy_last_error(), "Nobody"));
	a = tapp("Acme", "nosys", 1);
	assert_int_equal(apply(t, a), POLICY_ERR_NOT_FOUND);
}

static void step(tdb *t, int64_t id, policy_permit_step s, int want)
{
	assert_int_equal(policy_permit_step_apply(t->db, id, s, "副CISO", "理由", jst_us(2025, 5, 1, 9, 0)), want);
}

/* A corrective order on 2025-05-01 due 2025-05-31. */
static void order(tdb *t, int64_t id, bool suspend, int want)
{
	assert_int_equal(policy_permit_order(t->db, id, "副CISO", "パスワード管理の是正", "2025-05-31", suspend,
					     jst_us(2025, 5, 1, 9, 0), NULL),
			 want);
}

static policy_permit_state state_of(tdb *t, int64_t id)
{
	policy_permit_state s;
	assert_int_equal(policy_permit_state_of(t->db, id, &s), POLICY_OK);
	return s;
}

static void lifecycle_follows_only_legal_steps(void **state)
{
	tdb *t = *state;
	int64_t id;
	policy_permit_application a = tapp("Acme", "juki", 1);
	assert_int_equal(policy_permit_apply(t->db, &a, 1, &id), POLICY_OK);
	assert_int_equal(state_of(t, id), POLICY_PERMIT_APPLIED);
	step(t, id, POLICY_STEP_SUSPEND, POLICY_ERR_STATE);
	step(t, id, POLICY_STEP_REVOKE, POLICY_ERR_STATE);
	step(t, id, POLICY_STEP_APPROVE, POLICY_OK);
	step(t, id, POLICY_STEP_APPROVE, POLICY_ERR_STATE);
	step(t, id, POLICY_STEP_REFUSE, POLICY_ERR_STATE);
	step(t, id, POLICY_STEP_RESUME, POLICY_ERR_STATE);
	order(t, id, false, POLICY_OK);
	assert_int_equal(state_of(t, id), POLICY_PERMIT_ORDERED);
	order(t, id, true, POLICY_OK);
	assert_int_equal(state_of(t, id), POLICY_PERMIT_SUSPENDED);
	step(t, id, POLICY_STEP_SUSPEND, POLICY_ERR_STATE);
	step(t, id, POLICY_STEP_RESUME, POLICY_OK);
	assert_int_equal(state_of(t, id), POLICY_PERMIT_APPROVED);
	step(t, id, POLICY_STEP_SUSPEND, POLICY_OK);
	step(t, id, POLICY_STEP_REVOKE, POLICY_OK);
	assert_int_equal(state_of(t, id), POLICY_PERMIT_REVOKED);
	for (int s = POLICY_STEP_APPROVE; s <= POLICY_STEP_END; s++)
		if (s != POLICY_STEP_ORDER && s != POLICY_STEP_ORDER_SUSPEND)
			step(t, id, (policy_permit_step)s, POLICY_ERR_STATE);
	order(t, id, false, POLICY_ERR_STATE);
	order(t, id, true, POLICY_ERR_STATE);
}

static void refused_and_ended_permits_are_final(void **state)
{
	tdb *t = *state;
	int64_t a_id, b_id;
	policy_permit_application a = tapp("Acme", "juki", 1);
	assert_int_equal(policy_permit_apply(t->db, &a, 1, &a_id), POLICY_OK);
	assert_int_equal(policy_permit_apply(t->db, &a, 1, &b_id), POLICY_OK);
	step(t, a_id, POLICY_STEP_REFUSE, POLICY_OK);
	step(t, b_id, POLICY_STEP_APPROVE, POLICY_OK);
	step(t, b_id, POLICY_STEP_END, POLICY_OK);
	for (int s = POLICY_STEP_APPROVE; s <= POLICY_STEP_END; s++) {
		if (s == POLICY_STEP_ORDER || s == POLICY_STEP_ORDER_SUSPEND)
			continue;
		step(t, a_id, (policy_permit_step)s, POLICY_ERR_STATE);
		step(t, b_id, (policy_permit_step)s, POLICY_ERR_STATE);
	}
	order(t, a_id, false, POLICY_ERR_STATE);
	order(t, b_id, true, POLICY_ERR_STATE);
	assert_int_equal(state_of(t, a_id), POLICY_PERMIT_REFUSED);
	assert_int_equal(state_of(t, b_id), POLICY_PERMIT_ENDED);
}

static void steps_need_an_actor_and_a_reason(void **state)
{
	tdb *t = *state;
	int64_t id;
	policy_permit_application a = tapp("Acme", "juki", 1);
	assert_int_equal(policy_permit_apply(t->db, &a, 1, &id), POLICY_OK);
	assert_int_equal(policy_permit_step_apply(t->db, id, POLICY_STEP_APPROVE, "", NULL, 2), POLICY_ERR_INVALID);
	assert_int_equal(policy_permit_step_apply(t->db, id, POLICY_STEP_REFUSE, "副CISO", NULL, 2), POLICY_ERR_INVALID);
	assert_int_equal(state_of(t, id), POLICY_PERMIT_APPLIED);
	assert_int_equal(policy_permit_step_apply(t->db, 999, POLICY_STEP_APPROVE, "x", NULL, 2), POLICY_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(period_exactly_one_fiscal_year_is_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(period_crossing_march_31_is_refused_as_one_fiscal_year, setup, teardown),
		cmocka_unit_test_setup_teardown(period_starting_april_1_and_ending_march_31_next_year_is_one_fiscal_year, setup, teardown),
		cmocka_unit_test_setup_teardown(period_must_lie_inside_the_contract_at_both_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(period_ending_before_it_starts_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_dates_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(mynumber_and_lgwan_systems_allow_table_1_only, setup, teardown),
		cmocka_unit_test_setup_teardown(internet_systems_allow_table_1_or_2, setup, teardown),
		cmocka_unit_test_setup_teardown(every_item_of_the_chosen_table_must_be_confirmed, setup, teardown),
		cmocka_unit_test_setup_teardown(an_item_of_the_other_table_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(table_2_needs_at_least_one_source_address, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_source_blocks_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_subcontractor_permit_names_its_prime_vendor, setup, teardown),
		cmocka_unit_test_setup_teardown(a_prime_vendor_permit_names_no_prime, setup, teardown),
		cmocka_unit_test_setup_teardown(only_the_owner_section_applies, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_names_are_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle_follows_only_legal_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(refused_and_ended_permits_are_final, setup, teardown),
		cmocka_unit_test_setup_teardown(steps_need_an_actor_and_a_reason, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
