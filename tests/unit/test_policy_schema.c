/* The database: created private, WAL, versioned with user_version and
 * migrated forward; the registry of sections, vendors and systems. */
#include "test_policy_common.h"

#include <sqlite3.h>
#include <sys/stat.h>

static int setup(void **state)
{
	*state = tdb_new();
	return 0;
}

static int teardown(void **state)
{
	tdb_free(*state);
	return 0;
}

static int64_t pragma(const char *path, const char *sql, char *text, size_t len)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	int64_t v = -1;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
		if (text)
			snprintf(text, len, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return v;
}

static void a_new_database_is_private_wal_and_versioned(void **state)
{
	tdb *t = *state;
	struct stat st;
	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char parent[128];
	snprintf(parent, sizeof parent, "%s/db", t->dir);
	assert_int_equal(stat(parent, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	char mode[16];
	pragma(t->path, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	assert_int_equal(pragma(t->path, "PRAGMA user_version", NULL, 0), policy_schema_version());
	const char *tables[] = { "sections", "vendors", "systems", "accounts", "permits", "permit_history",
				 "permit_checklist", "sessions", "session_ends", "events", "ledger_head", "closed_days" };
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'", tables[i]);
		assert_int_equal(pragma(t->path, sql, NULL, 0), 1);
	}
}

static void reopening_keeps_data_and_version(void **state)
{
	tdb *t = *state;
	assert_int_equal(policy_section_add(t->db, "情報政策課", NULL, NULL), POLICY_OK);
	policy_close(t->db);
	t->db = policy_open(t->path);
	assert_non_null(t->db);
	assert_int_equal(policy_section_add(t->db, "情報政策課", NULL, NULL), POLICY_ERR_EXISTS);
	policy_db *again = policy_open_existing(t->path);
	assert_non_null(again);
	policy_close(again);
}

static void a_newer_schema_is_refused_and_left_alone(void **state)
{
	tdb *t = *state;
	policy_close(t->db);
	t->db = NULL;
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_null(policy_open(t->path));
	assert_non_null(strstr(policy_last_error(), "newer"));
	assert_null(policy_open_existing(t->path));
	assert_int_equal(pragma(t->path, "PRAGMA user_version", NULL, 0), 99);
	assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
	char back[64]; /* back to this library's schema */
	snprintf(back, sizeof back, "PRAGMA user_version = %d", policy_schema_version());
	assert_int_equal(sqlite3_exec(raw, back, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	t->db = policy_open(t->path);
	assert_non_null(t->db);
}

static void an_old_schema_is_migrated_forward_on_open(void **state)
{
	tdb *t = *state;
	char path[160];
	snprintf(path, sizeof path, "%s/empty.db", t->dir);
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK); /* version 0: an empty file */
	sqlite3_close(raw);
	assert_null(policy_open_existing(path)); /* needs init */
	assert_non_null(strstr(policy_last_error(), "init"));
	policy_db *db = policy_open(path);
	assert_non_null(db);
	policy_close(db);
	assert_int_equal(pragma(path, "PRAGMA user_version", NULL, 0), policy_schema_version());
}

static void a_path_that_cannot_be_created_is_a_clear_error(void **state)
{
	(void)state;
	assert_null(policy_open("/proc/rmgate-no/such/dir/x.db"));
	assert_non_null(strstr(policy_last_error(), "cannot create"));
	assert_null(policy_open(""));
	assert_null(policy_open_existing("/nonexistent/rmgate.db"));
	assert_non_null(strstr(policy_last_error(), "does not exist"));
}

static void a_subcontractor_hangs_under_a_prime_vendor(void **state)
{
	tdb *t = *state;
	assert_int_equal(policy_vendor_add(t->db, "Acme", NULL, NULL), POLICY_OK);
	assert_int_equal(policy_vendor_add(t->db, "Sub", "Acme", NULL), POLICY_OK);
	assert_int_equal(policy_vendor_add(t->db, "SubSub", "Sub", NULL), POLICY_ERR_INVALID);
	assert_int_equal(policy_vendor_add(t->db, "Lost", "Nobody", NULL), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_vendor_add(t->db, "Acme", NULL, NULL), POLICY_ERR_EXISTS);
	assert_int_equal(policy_vendor_add(t->db, "", NULL, NULL), POLICY_ERR_INVALID);
}

static void a_system_needs_a_class_host_port_and_its_section(void **state)
{
	tdb *t = *state;
	assert_int_equal(policy_section_add(t->db, "課", NULL, NULL), POLICY_OK);
	policy_system_spec s = { .name = "s", .cls = POLICY_CLASS_LGWAN, .host = "h", .port = 0, .section = "課" };
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_ERR_INVALID);
	s.port = 65536;
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_ERR_INVALID);
	s.port = 65535;
	s.section = "他課";
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_ERR_NOT_FOUND);
	s.section = "課";
	s.cls = (policy_system_class)7;
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_ERR_INVALID);
	s.cls = POLICY_CLASS_LGWAN;
	s.channels = 0x80;
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_ERR_INVALID);
	s.channels = 0;
	int64_t id = 0;
	assert_int_equal(policy_system_add(t->db, &s, &id), POLICY_OK);
	assert_true(id > 0);
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_ERR_EXISTS);
	policy_system_class c;
	assert_true(policy_class_parse("mynumber", &c));
	assert_int_equal(c, POLICY_CLASS_MYNUMBER);
	assert_false(policy_class_parse("MyNumber", &c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_new_database_is_private_wal_and_versioned, setup, teardown),
		cmocka_unit_test_setup_teardown(reopening_keeps_data_and_version, setup, teardown),
		cmocka_unit_test_setup_teardown(a_newer_schema_is_refused_and_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(an_old_schema_is_migrated_forward_on_open, setup, teardown),
		cmocka_unit_test_setup_teardown(a_path_that_cannot_be_created_is_a_clear_error, setup, teardown),
		cmocka_unit_test_setup_teardown(a_subcontractor_hangs_under_a_prime_vendor, setup, teardown),
		cmocka_unit_test_setup_teardown(a_system_needs_a_class_host_port_and_its_section, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
