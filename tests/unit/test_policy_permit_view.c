/* Permits as the console reads them (permit_view.h): pages and filters, the derived
 * "expired" state, and a section's reader who cannot tell another section's permit from a
 * missing one. */
#include "test_policy_common.h"

#include "admin.h"
#include "permit_view.h"
#include "session_view.h"

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

/* The id of `name` in `table` (sections, systems), read as the sqlite3 tool would. */
static int64_t id_of(tdb *t, const char *table, const char *name)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE name = ?", table);
	assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return id;
}

static void pages_filter_by_state_and_derive_expired(void **state)
{
	tdb *t = *state;
	int64_t applied = 0;
	policy_permit_application a = tapp("Acme", "juki", 1);
	assert_int_equal(policy_permit_apply(t->db, &a, jst_us(2025, 3, 20, 9, 0), &applied), POLICY_OK);
	int64_t approved = tpermit(t, tapp("Acme", "juki", 1));
	policy_permit_row *rows = calloc(POLICY_VIEW_PAGE, sizeof *rows);
	int n = 0, total = 0;
	policy_permit_filter f = { 0 };
	assert_int_equal(policy_permit_list_page(t->db, &f, jst_us(2025, 6, 1, 9, 0), rows, &n, &total), POLICY_OK);
	assert_int_equal(total, 2);
	assert_int_equal(rows[0].id, approved); /* newest first */
	assert_false(rows[0].expired);
	assert_string_equal(rows[0].system_class, "mynumber");
	f.state = "applied";
	assert_int_equal(policy_permit_list_page(t->db, &f, jst_us(2025, 6, 1, 9, 0), rows, &n, &total), POLICY_OK);
	assert_int_equal(total, 1);
	assert_int_equal(rows[0].id, applied);
	/* the window of tapp() ends at 24:00 on 2026-03-31 */
	f.state = "expired";
	assert_int_equal(policy_permit_list_page(t->db, &f, jst_us(2026, 3, 31, 23, 59), rows, &n, &total), POLICY_OK);
	assert_int_equal(total, 0);
	assert_int_equal(policy_permit_list_page(t->db, &f, jst_us(2026, 4, 1, 0, 0), rows, &n, &total), POLICY_OK);
	assert_int_equal(total, 1);
	assert_int_equal(rows[0].id, approved);
	assert_true(rows[0].expired);
	f.state = NULL;
	f.page = 1;
	assert_int_equal(policy_permit_list_page(t->db, &f, jst_us(2025, 6, 1, 9, 0), rows, &n, &total), POLICY_OK);
	assert_int_equal(n, 0);
	assert_int_equal(total, 2);
	free(rows);
}

static void another_sections_permit_is_not_found(void **state)
{
	tdb *t = *state;
	int64_t id = tpermit(t, tapp("Acme", "juki", 1)); /* 情報政策課 */
	policy_permit_detail *d = NULL;
	assert_int_equal(policy_permit_detail_load(t->db, id, id_of(t, "sections", "税務課"), jst_us(2025, 6, 1, 9, 0), &d),
			 POLICY_ERR_NOT_FOUND);
	assert_null(d);
	assert_int_equal(policy_permit_detail_load(t->db, id + 100, 0, jst_us(2025, 6, 1, 9, 0), &d), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_permit_detail_load(t->db, id, id_of(t, "sections", "情報政策課"), jst_us(2025, 6, 1, 9, 0), &d),
			 POLICY_OK);
	assert_string_equal(d->permit.officer, "山田 太郎");
	assert_int_equal(d->n_checklist, 5);
	assert_int_equal(d->n_history, 2); /* apply, approve */
	assert_string_equal(d->history[1].action, "approve");
	free(d);
	assert_int_equal(policy_permit_order(t->db, id, "副CISO", "是正", "2025-06-10", false, jst_us(2025, 6, 1, 9, 0), NULL),
			 POLICY_OK);
	assert_int_equal(policy_permit_detail_load(t->db, id, 0, jst_us(2025, 6, 11, 9, 0), &d), POLICY_OK);
	assert_int_equal(d->n_orders, 1);
	assert_true(d->orders[0].overdue);
	assert_int_equal(d->permit.state, POLICY_PERMIT_ORDERED);
	free(d);
}

static void sessions_are_listed_by_month_and_section(void **state)
{
	tdb *t = *state;
	policy_system_spec tax = { .name = "zeimu", .cls = POLICY_CLASS_LGWAN, .host = "10.9.0.5", .port = 3389,
				   .section = "税務課" };
	assert_int_equal(policy_system_add(t->db, &tax, NULL), POLICY_OK);
	policy_session_start ours = { .login = "acme1", .source = "192.0.2.1", .system_id = id_of(t, "systems", "juki") };
	policy_session_start theirs = { .login = "acme1", .source = "192.0.2.2", .system_id = id_of(t, "systems", "zeimu") };
	int64_t a = 0, b = 0, c = 0;
	assert_int_equal(policy_ledger_session_start(t->db, jst_us(2025, 6, 30, 23, 59), &ours, &a), POLICY_OK);
	assert_int_equal(policy_ledger_session_start(t->db, jst_us(2025, 6, 2, 10, 0), &theirs, &b), POLICY_OK);
	assert_int_equal(policy_ledger_session_start(t->db, jst_us(2025, 7, 1, 0, 0), &ours, &c), POLICY_OK);
	policy_session_end e = { .end_us = jst_us(2025, 7, 1, 0, 30), .reason = POLICY_END_IDLE_TIMEOUT };
	assert_int_equal(policy_ledger_session_end(t->db, a, &e), POLICY_OK);
	policy_session_row *rows = calloc(POLICY_VIEW_PAGE, sizeof *rows);
	int n = 0, total = 0;
	assert_int_equal(policy_session_list_page(t->db, 2025, 6, NULL, 0, rows, &n, &total), POLICY_OK);
	assert_int_equal(total, 2); /* June in Tokyo: 23:59 on the 30th is June, 00:00 on 1 July is not */
	assert_int_equal(rows[0].id, a); /* the latest start first, whatever the order of the rows */
	assert_int_equal(rows[1].id, b);
	assert_string_equal(rows[0].end_reason, "idle_timeout");
	assert_string_equal(policy_end_label(rows[0].end_reason), "無操作終了");
	assert_int_equal(policy_session_list_page(t->db, 2025, 6, &(policy_session_filter){ .section_id = id_of(t, "sections", "情報政策課") }, 0, rows, &n, &total), POLICY_OK);
	assert_int_equal(total, 1);
	assert_int_equal(rows[0].id, a);
	/* by name: the section, the system, a name that matches nothing lists nothing */
	assert_int_equal(policy_session_list_page(t->db, 2025, 6, &(policy_session_filter){ .section = "税務課" }, 0, rows, &n, &total),
			 POLICY_OK);
	assert_int_equal(total, 1);
	assert_int_equal(rows[0].id, b);
	assert_int_equal(policy_session_list_page(t->db, 2025, 6, &(policy_session_filter){ .system = "juki" }, 0, rows, &n, &total),
			 POLICY_OK);
	assert_int_equal(total, 1);
	assert_int_equal(rows[0].id, a);
	assert_int_equal(policy_session_list_page(t->db, 2025, 6, &(policy_session_filter){ .vendor = "Nobody" }, 0, rows, &n, &total),
			 POLICY_OK);
	assert_int_equal(total, 0);
	assert_int_equal(n, 0);
	/* an applicant's scope stays whatever section the name asks for */
	assert_int_equal(policy_session_list_page(t->db, 2025, 6,
						  &(policy_session_filter){ .section_id = id_of(t, "sections", "情報政策課"), .section = "税務課" },
						  0, rows, &n, &total),
			 POLICY_OK);
	assert_int_equal(total, 0);
	assert_int_equal(policy_session_list_page(t->db, 2025, 13, NULL, 0, rows, &n, &total), POLICY_ERR_INVALID);
	free(rows);
	policy_session_detail *d = NULL;
	assert_int_equal(policy_session_detail_load(t->db, b, id_of(t, "sections", "情報政策課"), &d), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_ledger_note(t->db, b, jst_us(2025, 6, 2, 11, 0), "佐藤", "点検"), POLICY_OK);
	assert_int_equal(policy_session_detail_load(t->db, b, id_of(t, "sections", "税務課"), &d), POLICY_OK);
	assert_int_equal(d->n_events, 1);
	assert_string_equal(d->events[0].type, "note");
	assert_string_equal(d->events[0].actor, "佐藤");
	assert_string_equal(policy_end_label(d->session.end_reason), "接続中");
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pages_filter_by_state_and_derive_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(another_sections_permit_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(sessions_are_listed_by_month_and_section, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
