/* Per-system certificate pins: both spellings stored normalised, malformed
 * pins refused with nothing changed, authorize returns the pin, set/clear
 * are ledger events, and a version-2 database migrates keeping its rows. */
#include "test_policy_common.h"

#define HEX_LOWER "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"
#define HEX_UPPER "00112233445566778899AABBCCDDEEFF0123456789ABCDEFFEDCBA9876543210"
#define HEX_COLONS                                                                                         \
	"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:01:23:45:67:89:ab:cd:ef:FE:DC:BA:98:76:54:32:10"
#define HEX_OTHER "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

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

/* The stored column of system `name` ("" for NULL), read with sqlite3 itself. */
static void stored_pin(const char *path, const char *name, char *buf, size_t len)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT cert_pin FROM systems WHERE name = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const char *v = (const char *)sqlite3_column_text(st, 0);
	snprintf(buf, len, "%s", v ? v : "");
	sqlite3_finalize(st);
	sqlite3_close(raw);
}

/* One integer from `sql` with ?1 = arg. */
static int count_sql(const char *path, const char *sql, const char *arg)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return n;
}

static int count_events(const char *path, const char *type)
{
	return count_sql(path, "SELECT COUNT(*) FROM events WHERE type LIKE ?1", type);
}

static int system_id(const char *path, const char *name)
{
	return count_sql(path, "SELECT COALESCE((SELECT id FROM systems WHERE name = ?1), 0)", name);
}

static void parse_accepts_both_spellings_and_normalises(void **state)
{
	(void)state;
	char out[POLICY_CERT_PIN_HEX + 1];
	assert_int_equal(policy_cert_pin_parse("sha256:" HEX_UPPER, out), POLICY_OK);
	assert_string_equal(out, HEX_LOWER);
	assert_int_equal(policy_cert_pin_parse("SHA256:" HEX_COLONS, out), POLICY_OK);
	assert_string_equal(out, HEX_LOWER);
}

static void parse_refuses_malformed_pins(void **state)
{
	(void)state;
	char out[POLICY_CERT_PIN_HEX + 1];
	static const char *const bad[] = {
		NULL, "", HEX_LOWER /* no prefix */, "sha1:" HEX_LOWER, "sha256:", "sha256:" HEX_LOWER "00",
		"sha256:" HEX_LOWER "0" /* 65 digits */,
		"sha256:0011223344556677889900aabbccddeeff0123456789abcdeffedcba987654321g", /* g */
		"sha256:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:01:23:45:67:89:ab:cd:ef:FE:DC:BA:98:76:54:32-10",
		"sha256:0:011:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:01:23:45:67:89:ab:cd:ef:FE:DC:BA:98:76:54:32:10",
		" sha256:" HEX_LOWER,
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(policy_cert_pin_parse(bad[i], out), POLICY_ERR_INVALID);
		assert_non_null(strstr(policy_last_error(), "certificate pin"));
		assert_string_equal(out, "");
	}
}

static void system_add_stores_the_pin_normalised(void **state)
{
	tdb *t = *state;
	policy_system_spec s = { .name = "tax", .cls = POLICY_CLASS_LGWAN, .host = "10.4.0.5", .port = 3389,
				 .section = "税務課", .cert_pin = "Sha256:" HEX_COLONS };
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_OK);
	char pin[80];
	stored_pin(t->path, "tax", pin, sizeof pin);
	assert_string_equal(pin, HEX_LOWER);
	stored_pin(t->path, "web", pin, sizeof pin); /* added without: NULL */
	assert_string_equal(pin, "");
}

static void system_add_with_a_malformed_pin_adds_nothing(void **state)
{
	tdb *t = *state;
	policy_system_spec s = { .name = "tax", .cls = POLICY_CLASS_LGWAN, .host = "10.4.0.5", .port = 3389,
				 .section = "税務課", .cert_pin = "sha256:" HEX_LOWER ":" };
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_ERR_INVALID);
	assert_int_equal(system_id(t->path, "tax"), 0);
}

static void set_and_clear_write_ledger_events_and_verify_stays_ok(void **state)
{
	tdb *t = *state;
	char pin[80];
	assert_int_equal(policy_system_set_cert_pin(t->db, "web", "sha256:" HEX_UPPER, "山田", 10), POLICY_OK);
	stored_pin(t->path, "web", pin, sizeof pin);
	assert_string_equal(pin, HEX_LOWER);
	assert_int_equal(count_events(t->path, POLICY_EV_CERT_PIN_SET), 1);
	assert_int_equal(policy_system_set_cert_pin(t->db, "web", "sha256:" HEX_OTHER, "山田", 11), POLICY_OK);
	assert_int_equal(policy_system_set_cert_pin(t->db, "web", NULL, "佐藤", 12), POLICY_OK);
	stored_pin(t->path, "web", pin, sizeof pin);
	assert_string_equal(pin, "");
	assert_int_equal(count_events(t->path, POLICY_EV_CERT_PIN_SET), 2);
	assert_int_equal(count_events(t->path, POLICY_EV_CERT_PIN_CLEARED), 1);

	sqlite3 *raw;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT type, detail, actor, at_us, system_id FROM events"
					   " WHERE type LIKE 'cert_pin%' ORDER BY seq", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "system web sha256:" HEX_LOWER);
	assert_string_equal((const char *)sqlite3_column_text(st, 2), "山田");
	assert_int_equal(sqlite3_column_int64(st, 3), 10);
	assert_int_equal(sqlite3_column_int64(st, 4), 3); /* web is the third system */
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), POLICY_EV_CERT_PIN_CLEARED);
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "system web was sha256:" HEX_OTHER);
	sqlite3_finalize(st);
	sqlite3_close(raw);

	policy_verify_result r;
	assert_int_equal(policy_ledger_verify(t->db, &r), POLICY_OK);
	assert_true(r.ok);
	assert_int_equal(r.rows, 3);
}

static void refused_changes_leave_pin_and_ledger_alone(void **state)
{
	tdb *t = *state;
	assert_int_equal(policy_system_set_cert_pin(t->db, "web", "sha256:" HEX_LOWER, "山田", 10), POLICY_OK);
	assert_int_equal(policy_system_set_cert_pin(t->db, "web", "sha256:" HEX_LOWER "ff", "山田", 11), POLICY_ERR_INVALID);
	assert_non_null(strstr(policy_last_error(), "64 hex digits"));
	assert_int_equal(policy_system_set_cert_pin(t->db, "web", "md5:" HEX_LOWER, "山田", 11), POLICY_ERR_INVALID);
	assert_int_equal(policy_system_set_cert_pin(t->db, "web", "sha256:" HEX_OTHER, "", 11), POLICY_ERR_INVALID);
	assert_int_equal(policy_system_set_cert_pin(t->db, "nosuch", "sha256:" HEX_OTHER, "山田", 11), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_system_set_cert_pin(t->db, "juki", NULL, "山田", 11), POLICY_ERR_NOT_FOUND);
	char pin[80];
	stored_pin(t->path, "web", pin, sizeof pin);
	assert_string_equal(pin, HEX_LOWER);
	stored_pin(t->path, "juki", pin, sizeof pin);
	assert_string_equal(pin, "");
	assert_int_equal(count_events(t->path, "cert_pin%"), 1);
}

static void authorize_returns_the_systems_pin(void **state)
{
	tdb *t = *state;
	tpermit(t, tapp("Acme", "web", 2));
	policy_decision d;
	int64_t now = jst_us(2025, 6, 2, 10, 0);
	assert_int_equal(policy_authorize(t->db, "acme1", "web", "203.0.113.7", now, &d), POLICY_OK);
	assert_true(d.allowed);
	assert_string_equal(d.cert_pin, "");
	assert_int_equal(policy_system_set_cert_pin(t->db, "web", "sha256:" HEX_COLONS, "山田", now), POLICY_OK);
	assert_int_equal(policy_authorize(t->db, "acme1", "web", "203.0.113.7", now, &d), POLICY_OK);
	assert_true(d.allowed);
	assert_string_equal(d.cert_pin, HEX_LOWER);
	/* a refusal carries no pin */
	assert_int_equal(policy_authorize(t->db, "acme1", "web", "198.51.100.1", now, &d), POLICY_OK);
	assert_false(d.allowed);
	assert_string_equal(d.cert_pin, "");
}

static void a_version_2_database_migrates_keeping_its_rows(void **state)
{
	tdb *t = *state;
	tpermit(t, tapp("Acme", "web", 2));
	policy_close(t->db);
	/* Turn it back into a version-2 database, as the previous release wrote. */
	tdb_back_to_v3(t->path);
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "ALTER TABLE systems DROP COLUMN cert_pin; PRAGMA user_version = 2", NULL,
				      NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_null(policy_open_existing(t->path));
	assert_non_null(strstr(policy_last_error(), "init"));

	t->db = policy_open(t->path);
	assert_non_null(t->db);
	assert_int_equal(policy_schema_version(), 6);
	assert_int_equal(system_id(t->path, "juki"), 1);
	assert_int_equal(system_id(t->path, "web"), 3);
	assert_int_equal(count_sql(t->path, "SELECT COUNT(*) FROM permits WHERE state = ?1", "approved"), 1);
	char pin[80];
	stored_pin(t->path, "web", pin, sizeof pin);
	assert_string_equal(pin, "");
	policy_decision d;
	int64_t now = jst_us(2025, 6, 2, 10, 0);
	assert_int_equal(policy_authorize(t->db, "acme1", "web", "203.0.113.7", now, &d), POLICY_OK);
	assert_true(d.allowed);
	assert_int_equal(policy_system_set_cert_pin(t->db, "web", "sha256:" HEX_LOWER, "山田", now), POLICY_OK);
	assert_int_equal(policy_authorize(t->db, "acme1", "web", "203.0.113.7", now, &d), POLICY_OK);
	assert_string_equal(d.cert_pin, HEX_LOWER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_accepts_both_spellings_and_normalises),
		cmocka_unit_test(parse_refuses_malformed_pins),
		cmocka_unit_test_setup_teardown(system_add_stores_the_pin_normalised, setup, teardown),
		cmocka_unit_test_setup_teardown(system_add_with_a_malformed_pin_adds_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(set_and_clear_write_ledger_events_and_verify_stays_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(refused_changes_leave_pin_and_ledger_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(authorize_returns_the_systems_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(a_version_2_database_migrates_keeping_its_rows, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
