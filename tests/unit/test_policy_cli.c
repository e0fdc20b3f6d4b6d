/* rmgate-policy's command line, run in-process: spellings from the issue,
 * exit codes (0 done, 1 refused/invalid, 2 usage), one-line errors, and
 * bad input changing nothing. */
#include "test_policy_common.h"
#include "cli.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

static char dir[64], db[128];
static char out[1 << 16], err[4096];

/* Runs rmgate-policy -d DB ARGS... with `input` on stdin; returns its exit code. */
static int cli(const char *input, ...)
{
	char *argv[64] = { "rmgate-policy", "-d", db };
	int argc = 3;
	va_list ap;
	va_start(ap, input);
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 63;)
		argv[argc++] = (char *)a;
	va_end(ap);
	return run_policy_cli(dir, argc, argv, input, out, sizeof out, err, sizeof err);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/rmgate-policy-cli-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(db, sizeof db, "%s/var/rmgate.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(dir);
	return 0;
}

static void seed(void)
{
	assert_int_equal(cli(NULL, "init", NULL), 0);
	assert_int_equal(cli(NULL, "section", "add", "情報政策課", "--officer", "山田", NULL), 0);
	assert_int_equal(cli(NULL, "vendor", "add", "Acme", NULL), 0);
	assert_int_equal(cli(NULL, "vendor", "add", "SubCo", "--prime", "Acme", NULL), 0);
	assert_int_equal(cli(NULL, "system", "add", "web", "--class", "internet", "--host", "10.3.0.5", "--port", "3389",
			     "--section", "情報政策課", "--credentials", "inject", "--networks", "203.0.113.0/24", "2001:db8::/32",
			     "--lab-sources", "203.0.113.0/24", "2001:db8::/32", NULL), 0);
}

static int apply_web(const char *to, const char *table)
{
	return cli(NULL, "permit", "apply", "--vendor", "Acme", "--system", "web", "--section", "情報政策課", "--purpose",
		   "保守", "--from", "2025-04-01", "--to", to, "--contract-from", "2025-04-01", "--contract-to", "2027-03-31",
		   "--source", "203.0.113.0/24", "2001:db8::/32", "--table", table, "--confirm-all", NULL);
}

/* An application for the fiscal year of today (Tokyo), so that it can still be approved:
 * an approval refuses a period that has ended (rule period-ended). */
static int apply_web_this_year(const char *table)
{
	time_t now = time(NULL) + 9 * 3600;
	struct tm tm;
	gmtime_r(&now, &tm);
	int fy = tm.tm_mon >= 3 ? tm.tm_year + 1900 : tm.tm_year + 1899;
	char from[24], to[24], contract_to[24];
	snprintf(from, sizeof from, "%04d-04-01", fy);
	snprintf(to, sizeof to, "%04d-03-31", fy + 1);
	snprintf(contract_to, sizeof contract_to, "%04d-03-31", fy + 2);
	return cli(NULL, "permit", "apply", "--vendor", "Acme", "--system", "web", "--section", "情報政策課", "--purpose",
		   "保守", "--from", from, "--to", to, "--contract-from", from, "--contract-to", contract_to, "--source",
		   "203.0.113.0/24", "2001:db8::/32", "--table", table, "--confirm-all", NULL);
}

static void init_creates_a_private_database(void **state)
{
	(void)state;
	assert_int_equal(cli(NULL, "init", NULL), 0);
	struct stat st;
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char parent[128];
	snprintf(parent, sizeof parent, "%s/var", dir);
	assert_int_equal(stat(parent, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(cli(NULL, "init", NULL), 0); /* again: nothing to migrate */
	char version[32];
	snprintf(version, sizeof version, "schema version %d)", policy_schema_version());
	assert_non_null(strstr(out, version));
}

static void usage_errors_exit_2_with_one_line(void **state)
{
	(void)state;
	seed();
	assert_int_equal(cli(NULL, "frobnicate", NULL), 2);
	assert_non_null(strstr(err, "unknown command 'frobnicate'"));
	assert_int_equal(cli(NULL, "permit", "decide", "1", "--approve", NULL), 2); /* no --by */
	assert_int_equal(cli(NULL, "permit", "decide", "x", "--approve", "--by", "a", NULL), 2);
	assert_int_equal(cli(NULL, "permit", "decide", "1", "--approve", "--refuse", "--by", "a", NULL), 2);
	assert_int_equal(cli(NULL, "permit", "revoke", "1", "--by", "a", NULL), 2); /* no --reason */
	assert_int_equal(cli(NULL, "system", "add", "s", "--class", "cloud", "--host", "h", "--port", "1", "--section", "x", NULL), 2);
	assert_int_equal(cli(NULL, "system", "add", "s", "--class", "lgwan", "--host", "h", "--port", "70000", "--section", "x", NULL), 2);
	assert_int_equal(cli(NULL, "report", "monthly", "--month", "2025-6", NULL), 2);
	assert_int_equal(cli(NULL, "report", "monthly", "--month", "2025-06", "--format", "pdf", NULL), 2);
	assert_int_equal(cli(NULL, "section", "list", "--bogus", NULL), 2);
	assert_int_equal(apply_web("2026-03-31", "3"), 2);
	assert_non_null(strchr(err, '\n'));
	assert_null(strchr(strchr(err, '\n') + 1, '\n')); /* exactly one line */
}

static void a_missing_database_is_not_created_by_other_commands(void **state)
{
	(void)state;
	assert_int_equal(cli(NULL, "permit", "list", NULL), 1);
	assert_non_null(strstr(err, "does not exist"));
	assert_int_equal(access(db, F_OK), -1);
}

static void apply_prints_the_id_and_a_refusal_names_the_rule(void **state)
{
	(void)state;
	seed();
	assert_int_equal(apply_web("2026-03-31", "2"), 0);
	assert_string_equal(out, "1\n");
	assert_int_equal(apply_web("2026-04-01", "2"), 1);
	assert_non_null(strstr(err, "rule one-fiscal-year"));
	assert_int_equal(cli(NULL, "permit", "apply", "--vendor", "Acme", "--system", "web", "--section", "情報政策課",
			     "--purpose", "p", "--from", "2025-04-01", "--to", "2025-05-01", "--contract-from", "2025-04-01",
			     "--contract-to", "2025-12-31", "--source", "203.0.113.0/99", "--table", "2", "--confirm-all", NULL), 1);
	assert_non_null(strstr(err, "rule source-cidr"));
	assert_int_equal(cli(NULL, "permit", "apply", "--vendor", "SubCo", "--system", "web", "--section", "情報政策課",
			     "--purpose", "p", "--from", "2025-04-01", "--to", "2025-05-01", "--contract-from", "2025-04-01",
			     "--contract-to", "2025-12-31", "--table", "1", "--confirm", "line", "vpn", "equipment",
			     "lent-terminal", "view-only", NULL), 1);
	assert_non_null(strstr(err, "rule subcontractor-prime"));
	assert_int_equal(cli(NULL, "permit", "list", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"id\": 1"));
	assert_null(strstr(out, "\"id\": 2")); /* refused applications left nothing */
}

static void decide_renders_form_2_and_steps_follow_the_lifecycle(void **state)
{
	(void)state;
	seed();
	assert_int_equal(apply_web_this_year("2"), 0);
	assert_int_equal(cli(NULL, "permit", "decide", "1", "--approve", "--by", "副CISO", NULL), 0);
	assert_non_null(strstr(out, "許可通知書"));
	assert_non_null(strstr(out, "許可する"));
	assert_int_equal(cli(NULL, "permit", "decide", "1", "--refuse", "--by", "副CISO", "--reason", "r", NULL), 1);
	assert_non_null(strstr(err, "is approved"));
	assert_int_equal(cli(NULL, "permit", "order", "1", "--by", "副CISO", "--reason", "是正", "--suspend", NULL), 2);
	assert_non_null(strstr(err, "--due YYYY-MM-DD is required"));
	assert_int_equal(cli(NULL, "permit", "order", "1", "--by", "副CISO", "--reason", "是正", "--due", "2020-01-01",
			     "--suspend", NULL), 1);
	assert_non_null(strstr(err, "rule order-due"));
	assert_int_equal(cli(NULL, "permit", "order", "1", "--by", "副CISO", "--reason", "是正", "--due", "2099-12-31",
			     "--suspend", NULL), 0);
	assert_non_null(strstr(out, "corrective order 1 on permit 1, due 2099-12-31"));
	assert_non_null(strstr(out, "suspended"));
	assert_int_equal(cli(NULL, "permit", "show", "1", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"orders\": ["));
	assert_non_null(strstr(out, "\"status\": \"open\""));
	assert_int_equal(cli(NULL, "permit", "order-done", "1", "--by", "副CISO", "--reason", "報告書受領", NULL), 0);
	assert_non_null(strstr(out, "1 corrective order(s) on permit 1 closed"));
	assert_non_null(strstr(out, "suspended")); /* resumed only by 'resume' */
	assert_int_equal(cli(NULL, "permit", "resume", "1", "--due", "2099-12-31", "--by", "a", "--reason", "b", NULL), 2);
	assert_int_equal(cli(NULL, "permit", "resume", "1", "--by", "副CISO", "--reason", "是正済", NULL), 0);
	assert_int_equal(cli(NULL, "permit", "end", "1", "--by", "山田", "--reason", "契約終了", NULL), 0);
	assert_int_equal(cli(NULL, "permit", "show", "1", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"state\": \"ended\""));
	assert_non_null(strstr(out, "\"action\": \"order+suspend\""));
	assert_non_null(strstr(out, "\"reason\": \"契約終了\""));
	assert_int_equal(cli(NULL, "permit", "show", "99", NULL), 1);
	assert_int_equal(cli(NULL, "permit", "suspend", "99", "--by", "a", "--reason", "b", NULL), 1);
	assert_non_null(strstr(err, "no permit 99"));
}

/* Expiry is derived from the window and the clock at the time of listing: three approved
 * permits whose windows end in 2 days, in 40 days and 1 hour ago. */
static void expired_permits_are_shown_as_expired_and_expiring_ones_listed(void **state)
{
	(void)state;
	seed();
	for (int i = 1; i <= 3; i++) {
		char id[4];
		snprintf(id, sizeof id, "%d", i);
		assert_int_equal(apply_web_this_year("2"), 0);
		assert_int_equal(cli(NULL, "permit", "decide", id, "--approve", "--by", "副CISO", NULL), 0);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	long long now_us = (long long)ts.tv_sec * 1000000, day = 86400LL * 1000000;
	char sql[400];
	snprintf(sql, sizeof sql,
		 "UPDATE permits SET window_end_us = CASE id WHEN 1 THEN %lld WHEN 2 THEN %lld ELSE %lld END",
		 now_us + 2 * day, now_us + 40 * day, now_us - 3600LL * 1000000);
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);

	assert_int_equal(cli(NULL, "permit", "list", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"id\": 3, \"state\": \"expired\""));
	assert_non_null(strstr(out, "\"id\": 1, \"state\": \"approved\""));
	assert_int_equal(cli(NULL, "permit", "list", "--state", "expired", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"id\": 3"));
	assert_null(strstr(out, "\"id\": 1"));
	assert_int_equal(cli(NULL, "permit", "list", "--expiring", "30", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"id\": 1"));
	assert_null(strstr(out, "\"id\": 2")); /* beyond 30 days */
	assert_null(strstr(out, "\"id\": 3")); /* already over */
	assert_int_equal(cli(NULL, "permit", "list", "--expiring", "41", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"id\": 2"));
	assert_int_equal(cli(NULL, "permit", "list", "--expiring", "0", NULL), 2);
	assert_int_equal(cli(NULL, "permit", "show", "3", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"state\": \"approved\", \"expired\": 1"));
	assert_int_equal(cli(NULL, "permit", "show", "1", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"expired\": 0"));
}

static void account_add_reads_the_password_from_stdin_and_stores_no_password(void **state)
{
	(void)state;
	seed();
	assert_int_equal(cli("s3cret-Passw0rd\n", "account", "add", "Acme", "acme1", "--password-stdin", NULL), 0);
	assert_int_equal(cli("other\n", "account", "add", "Acme", "acme1", "--password-stdin", NULL), 1);
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(cli("", "account", "add", "Acme", "acme2", "--password-stdin", NULL), 1);
	assert_int_equal(cli(NULL, "account", "add", "Acme", "acme2", NULL), 2);
	assert_int_equal(cli(NULL, "account", "list", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"login\": \"acme1\""));
	/* the database holds no trace of the password text */
	char cmd[512];
	snprintf(cmd, sizeof cmd, "grep -c s3cret-Passw0rd %s %s-wal >/dev/null 2>&1", db, db);
	assert_int_not_equal(system(cmd), 0);
	policy_db *h = policy_open(db);
	policy_deny_reason r;
	assert_int_equal(policy_account_check_password(h, "acme1", "s3cret-Passw0rd", "::1", 1, &r), POLICY_OK);
	assert_int_equal(r, POLICY_DENY_NONE);
	policy_close(h);
}

static void sessions_can_be_listed_shown_and_noted(void **state)
{
	(void)state;
	seed();
	policy_db *h = policy_open(db);
	policy_session_start s = { .login = "acme1", .source = "203.0.113.1", .client_name = "PC", .recording_id = "rec" };
	int64_t id;
	assert_int_equal(policy_ledger_session_start(h, jst_us(2025, 6, 2, 10, 0), &s, &id), POLICY_OK);
	policy_close(h);
	assert_int_equal(cli(NULL, "session", "note", "1", "パッチ適用", "--by", "山田", NULL), 0);
	assert_int_equal(cli(NULL, "session", "note", "7", "x", NULL), 1);
	assert_int_equal(cli(NULL, "session", "list", "--month", "2025-06", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"start\": \"2025-06-02 10:00:00\""));
	assert_int_equal(cli(NULL, "session", "list", "--month", "2025-07", "--json", NULL), 0);
	assert_string_equal(out, "[]\n");
	assert_int_equal(cli(NULL, "session", "show", "1", "--json", NULL), 0);
	assert_non_null(strstr(out, "パッチ適用"));
	assert_int_equal(cli(NULL, "verify", NULL), 0);
	assert_non_null(strstr(out, "ledger ok: 2 rows"));
}

/* getopt_long: --opt=value and --opt value, options before and after the operands. */
static void options_take_equals_or_a_separate_value_before_or_after_operands(void **state)
{
	(void)state;
	seed();
	assert_int_equal(cli(NULL, "section", "add", "--officer=佐藤", "総務課", NULL), 0);
	assert_int_equal(cli(NULL, "section", "list", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"officer\": \"佐藤\""));
	assert_int_equal(apply_web_this_year("2"), 0);
	assert_int_equal(cli(NULL, "permit", "decide", "--approve", "--by=副CISO", "1", NULL), 0);
	assert_int_equal(cli(NULL, "permit", "suspend", "1", "--by", "副CISO", "--reason", "点検", NULL), 0);
	assert_int_equal(cli(NULL, "permit", "resume", "--by", "副CISO", "1", "--reason=点検済", NULL), 0);
	assert_int_equal(cli(NULL, "permit", "show", "--json", "1", NULL), 0);
	assert_non_null(strstr(out, "点検済"));
	assert_int_equal(cli(NULL, "permit", "list", "--state=approved", NULL), 0);
	assert_non_null(strstr(out, "web"));
	/* "--" ends the options: what follows is an operand */
	assert_int_equal(cli(NULL, "calendar", "close", "--reason", "点検", "--", "2025-12-29", NULL), 0);
	assert_int_equal(cli(NULL, "calendar", "closed", NULL), 0);
	assert_non_null(strstr(out, "2025-12-29"));
}

static void unknown_options_and_missing_values_name_the_option(void **state)
{
	(void)state;
	seed();
	struct {
		const char *args[6], *message;
	} cases[] = {
		{ { "permit", "list", "--frob", NULL }, "permit list: unknown option '--frob'" },
		{ { "permit", "list", "-x", NULL }, "permit list: unknown option '-x'" },
		{ { "permit", "list", "--json=yes", NULL }, "permit list: option --json takes no value" },
		{ { "permit", "revoke", "1", "--reason", "r", "--by" }, "permit revoke: option --by needs a value" },
		{ { "permit", "revoke", "1", "--by", "--reason", "r" }, "permit revoke: option --by needs a value" },
		{ { "report", "monthly", "--month", "2025-06", "-o", NULL }, "report monthly: option -o needs a value" },
		{ { "--tz", NULL }, "option --tz needs a value" },
		{ { "--frob", "permit", "list", NULL }, "unknown option '--frob'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *const *a = cases[i].args;
		assert_int_equal(cli(NULL, a[0], a[1], a[2], a[3], a[4], a[5], NULL), 2);
		assert_non_null(strstr(err, cases[i].message));
		assert_null(strchr(strchr(err, '\n') + 1, '\n')); /* exactly one line */
	}
}

static void help_after_the_command_shows_the_usage(void **state)
{
	(void)state;
	seed();
	assert_int_equal(cli(NULL, "permit", "revoke", "--help", NULL), 0);
	assert_non_null(strstr(out, "Usage: rmgate-policy"));
	assert_int_equal(cli(NULL, "--help", NULL), 0);
	assert_non_null(strstr(out, "--tz ZONE"));
}

/* One zone for every local time: the listings (SQL local_time) and the reports follow
 * --tz; Asia/Tokyo by default whatever the machine's TZ says. */
static void a_time_zone_other_than_tokyo_changes_the_times_shown(void **state)
{
	(void)state;
	seed();
	policy_db *h = policy_open(db);
	policy_session_start s = { .login = "acme1", .source = "203.0.113.1" };
	int64_t id;
	assert_int_equal(policy_ledger_session_start(h, jst_us(2025, 6, 2, 10, 0), &s, &id), POLICY_OK);
	policy_close(h);
	setenv("TZ", "America/New_York", 1);
	tzset();
	assert_int_equal(cli(NULL, "session", "show", "1", NULL), 0);
	assert_non_null(strstr(out, "2025-06-02 10:00:00"));
	assert_int_equal(cli(NULL, "--tz", "UTC", "session", "show", "1", NULL), 0);
	assert_non_null(strstr(out, "2025-06-02 01:00:00"));
	assert_null(strstr(out, "10:00:00"));
	assert_int_equal(cli(NULL, "--tz=Asia/Kolkata", "session", "list", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"start\": \"2025-06-02 06:30:00\""));
	assert_int_equal(cli(NULL, "report", "register", "--month", "2025-06", "--format", "csv", NULL), 0);
	assert_non_null(strstr(out, "10:00:00"));
	assert_non_null(strstr(out, "時刻は日本標準時 (Asia/Tokyo)。"));
	assert_int_equal(cli(NULL, "--tz", "UTC", "report", "register", "--month", "2025-06", "--format", "csv", NULL), 0);
	assert_non_null(strstr(out, "01:00:00"));
	assert_null(strstr(out, "10:00:00"));
	assert_non_null(strstr(out, "時刻はUTC+00:00。"));
	unsetenv("TZ");
	tzset();
	assert_int_equal(cli(NULL, "--tz", "Asia/Tokio", "session", "show", "1", NULL), 2);
	assert_non_null(strstr(err, "unknown time zone 'Asia/Tokio'"));
}

static void verify_exits_1_and_names_the_tampered_row(void **state)
{
	(void)state;
	seed();
	policy_db *h = policy_open(db);
	policy_session_start s = { .login = "acme1", .source = "203.0.113.1" };
	int64_t id;
	assert_int_equal(policy_ledger_session_start(h, 5, &s, &id), POLICY_OK);
	assert_int_equal(policy_ledger_event(h, id, 6, "channel_denied", "rdpdr"), POLICY_OK);
	policy_close(h);
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "DROP TRIGGER events_append_only_u; UPDATE events SET detail = 'nothing'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(cli(NULL, "verify", NULL), 1);
	assert_non_null(strstr(err, "events row id=1 (seq 2)"));
}

static void verify_finds_rows_deleted_and_inserted_with_the_sqlite3_tool(void **state)
{
	(void)state;
	seed();
	policy_db *h = policy_open(db);
	policy_session_start s = { .login = "acme1", .source = "203.0.113.1" };
	int64_t id;
	assert_int_equal(policy_ledger_session_start(h, 5, &s, &id), POLICY_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(policy_ledger_event(h, id, 6 + i, "channel_denied", "rdpdr"), POLICY_OK);
	policy_close(h);
	assert_int_equal(cli(NULL, "verify", NULL), 0);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "sqlite3 '%s' \"DROP TRIGGER events_append_only_d; DELETE FROM events WHERE id = 2;\"", db);
	assert_int_equal(system(cmd), 0); /* the sqlite3 tool is in tests/deps.sh */
	assert_int_equal(cli(NULL, "verify", NULL), 1);
	assert_non_null(strstr(err, "events row id=3 (seq 4): rows before it are missing (deleted)"));
	snprintf(cmd, sizeof cmd, "sqlite3 '%s' \"INSERT INTO events(id, seq, session_id, at_us, type, detail, prev_hash, hash)"
		 " SELECT 2, 3, session_id, at_us, type, detail, prev_hash, hash FROM events WHERE id = 3;\"", db);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(cli(NULL, "verify", NULL), 1);
	assert_non_null(strstr(err, "events row id=2 (seq 3)"));
}

static void reports_go_to_a_private_file(void **state)
{
	(void)state;
	seed();
	char path[160];
	snprintf(path, sizeof path, "%s/report.csv", dir);
	assert_int_equal(cli(NULL, "report", "monthly", "--month", "2025-06", "--format", "csv", "-o", path, NULL), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	read_text_file(path, out, sizeof out);
	assert_non_null(strstr(out, "利用状況報告"));
	assert_non_null(strstr(out, "2025-07-07"));
	/* a failing report leaves an existing file as it was */
	assert_int_equal(cli(NULL, "report", "monthly", "--month", "2025-06", "--section", "無い課", "-o", path, NULL), 1);
	read_text_file(path, out, sizeof out);
	assert_non_null(strstr(out, "利用状況報告"));
	assert_int_equal(cli(NULL, "report", "register", "--month", "2025-06", "--format", "json", NULL), 0);
	assert_non_null(strstr(out, "\"title\": \"利用状況管理簿\""));
}

static void calendar_commands(void **state)
{
	(void)state;
	seed();
	assert_int_equal(cli(NULL, "calendar", "due", "2025-06", NULL), 0);
	assert_string_equal(out, "2025-07-07\n");
	assert_int_equal(cli(NULL, "calendar", "close", "2025-07-07", "--reason", "庁舎停電", NULL), 0);
	assert_int_equal(cli(NULL, "calendar", "due", "2025-06", NULL), 0);
	assert_string_equal(out, "2025-07-08\n");
	assert_int_equal(cli(NULL, "calendar", "close", "2025-02-30", NULL), 1);
	assert_int_equal(cli(NULL, "calendar", "next-open", "2025-12-27", NULL), 0);
	assert_string_equal(out, "2026-01-05\n");
	assert_int_equal(cli(NULL, "calendar", "holidays", "2019", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"date\": \"2019-10-22\""));
}

/* Appends n session starts from t0 (µs) to the ledger at `path`. */
static void append_sessions(const char *path, int64_t t0, int n)
{
	policy_db *h = policy_open(path);
	assert_non_null(h);
	policy_session_start s = { .login = "acme1", .source = "203.0.113.1" };
	int64_t id;
	for (int i = 0; i < n; i++)
		assert_int_equal(policy_ledger_session_start(h, t0 + i, &s, &id), POLICY_OK);
	policy_close(h);
}

static void verify_checks_a_printed_anchor(void **state)
{
	(void)state;
	seed();
	append_sessions(db, 100, 2);
	assert_int_equal(cli(NULL, "verify", NULL), 0);
	const char *head = strstr(out, "head ");
	assert_non_null(head);
	char anchor[96];
	assert_int_equal(sscanf(head, "head %95[0-9a-f:]", anchor), 1);
	assert_int_equal(strlen(anchor), 2 + 64); /* "2:" + hash */
	assert_int_equal(strncmp(anchor, "2:", 2), 0);
	append_sessions(db, 200, 1);
	assert_int_equal(cli(NULL, "verify", "--anchor", anchor, NULL), 0);
	assert_non_null(strstr(out, "anchor seq 2 matches"));
	/* usage errors: exit 2 */
	assert_int_equal(cli(NULL, "verify", "--anchor", "2", NULL), 2);
	assert_non_null(strstr(err, "SEQ:HASH"));
	assert_int_equal(cli(NULL, "verify", "--anchor", NULL), 2);
	assert_int_equal(cli(NULL, "verify", "extra", NULL), 2);
	/* a later seq than the ledger has */
	char later[96];
	snprintf(later, sizeof later, "9%s", anchor + 1);
	assert_int_equal(cli(NULL, "verify", "--anchor", later, NULL), 1);
	assert_non_null(strstr(err, "only 3 rows"));
	/* the whole chain rewritten with valid hashes (the second session an
	 * hour later): plain verify cannot tell */
	char forged[160];
	snprintf(forged, sizeof forged, "%s/forged.db", dir);
	append_sessions(forged, 100, 1);
	append_sessions(forged, 3600000100, 3);
	tledger_rewrite(db, forged);
	assert_int_equal(cli(NULL, "verify", NULL), 0);
	assert_int_equal(cli(NULL, "verify", "--anchor", anchor, NULL), 1);
	assert_non_null(strstr(err, "ledger verification FAILED"));
	assert_non_null(strstr(err, "at seq 2"));
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1); /* one line */
}

#define PIN_HEX "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"
#define PIN_COLONS                                                                                         \
	"sha256:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:01:23:45:67:89:ab:cd:ef:FE:DC:BA:98:76:54:32:10"

static void system_cert_pin_commands(void **state)
{
	(void)state;
	seed();
	/* add with a pin (colon spelling), and with a malformed one: exit 1, nothing added */
	assert_int_equal(cli(NULL, "system", "add", "tax", "--class", "lgwan", "--host", "10.4.0.5", "--port", "3389",
			     "--section", "情報政策課", "--cert-pin", PIN_COLONS, NULL), 0);
	assert_int_equal(cli(NULL, "system", "add", "bad", "--class", "lgwan", "--host", "10.4.0.6", "--port", "3389",
			     "--section", "情報政策課", "--cert-pin", "sha256:abc", NULL), 1);
	assert_non_null(strstr(err, "certificate pin 'sha256:abc'"));
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1); /* one line */
	assert_int_equal(cli(NULL, "system", "list", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"cert_pin\": \"sha256:" PIN_HEX "\""));
	assert_non_null(strstr(out, "\"cert_pin\": null")); /* web has none */
	assert_null(strstr(out, "\"bad\""));
	assert_int_equal(cli(NULL, "system", "list", NULL), 0);
	assert_non_null(strstr(out, "sha256:0011223344556677..."));
	assert_null(strstr(out, PIN_HEX));

	/* pin: set (exit 0), malformed (1, unchanged), unknown system (1), usage (2), clear */
	assert_int_equal(cli(NULL, "system", "pin", "web", "SHA256:" PIN_HEX, "--by", "山田", NULL), 0);
	assert_int_equal(cli(NULL, "system", "pin", "web", "sha256:" PIN_HEX "0", "--by", "山田", NULL), 1);
	assert_non_null(strstr(err, "64 hex digits"));
	assert_int_equal(cli(NULL, "system", "pin", "nosuch", "sha256:" PIN_HEX, NULL), 1);
	assert_int_equal(cli(NULL, "system", "pin", "web", NULL), 2);
	assert_int_equal(cli(NULL, "system", "pin", "web", "none", "extra", NULL), 2);
	assert_int_equal(cli(NULL, "system", "pin", "web", "none", "--frob", NULL), 2);
	assert_int_equal(cli(NULL, "system", "list", "--json", NULL), 0);
	assert_null(strstr(out, "\"cert_pin\": null"));
	assert_int_equal(cli(NULL, "system", "pin", "web", "none", "--by", "佐藤", NULL), 0);
	assert_int_equal(cli(NULL, "system", "pin", "web", "none", NULL), 1); /* nothing to clear */
	assert_int_equal(cli(NULL, "system", "list", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"cert_pin\": null"));
	assert_int_equal(cli(NULL, "verify", NULL), 0);
	assert_non_null(strstr(out, "ledger ok: 2 rows"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(init_creates_a_private_database, setup, teardown),
		cmocka_unit_test_setup_teardown(usage_errors_exit_2_with_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(expired_permits_are_shown_as_expired_and_expiring_ones_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_database_is_not_created_by_other_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(apply_prints_the_id_and_a_refusal_names_the_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(decide_renders_form_2_and_steps_follow_the_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(account_add_reads_the_password_from_stdin_and_stores_no_password, setup, teardown),
		cmocka_unit_test_setup_teardown(sessions_can_be_listed_shown_and_noted, setup, teardown),
		cmocka_unit_test_setup_teardown(options_take_equals_or_a_separate_value_before_or_after_operands, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_options_and_missing_values_name_the_option, setup, teardown),
		cmocka_unit_test_setup_teardown(help_after_the_command_shows_the_usage, setup, teardown),
		cmocka_unit_test_setup_teardown(a_time_zone_other_than_tokyo_changes_the_times_shown, setup, teardown),
		cmocka_unit_test_setup_teardown(verify_exits_1_and_names_the_tampered_row, setup, teardown),
		cmocka_unit_test_setup_teardown(verify_finds_rows_deleted_and_inserted_with_the_sqlite3_tool, setup, teardown),
		cmocka_unit_test_setup_teardown(reports_go_to_a_private_file, setup, teardown),
		cmocka_unit_test_setup_teardown(calendar_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(verify_checks_a_printed_anchor, setup, teardown),
		cmocka_unit_test_setup_teardown(system_cert_pin_commands, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
