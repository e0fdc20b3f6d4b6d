/* bench_policy: figures for the policy library's performance goals.
 *   authorization p99 with 10,000 permits   (goal <= 1 ms)
 *   ledger appends per second, hash-chained  (goal >= 5,000/s)
 *   report monthly on 1,000,000 sessions     (goal < 2 s)
 *   the console's refusal page on 20,000 refused rows in a month (goal <= 100 ms a page)
 * Prints the figures; asserts nothing (tests never judge wall-clock time).
 *   bench_policy [--sessions N] [--dir DIR]
 */
#include "bench_clock.h"
#include "account.h"
#include "admin.h"
#include "authz.h"
#include "ledger.h"
#include "permit.h"
#include "policy_internal.h"
#include "refusal_view.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VENDORS 2000
#define SYSTEMS 100
#define PERMITS_PER_VENDOR 5
#define CALLS 100000

static void die(const char *what)
{
	fprintf(stderr, "bench_policy: %s: %s\n", what, policy_last_error());
	exit(1);
}

static void seed_permits(policy_db *db)
{
	char name[64], sys[64];
	if (policy_section_add(db, "情報政策課", "山田", NULL))
		die("section");
	/* documentation ranges as the permits' sources: the systems allow them as lab ranges */
	const char *src[] = { "203.0.113.0/24", "2001:db8::/32" };
	for (int s = 0; s < SYSTEMS; s++) {
		snprintf(sys, sizeof sys, "sys%03d", s);
		policy_system_spec spec = { .name = sys, .cls = POLICY_CLASS_INTERNET, .host = "10.0.0.1", .port = 3389,
					    .section = "情報政策課", .lab_sources = src, .n_lab_sources = 2 };
		if (policy_system_add(db, &spec, NULL))
			die("system");
	}
	for (int v = 0; v < VENDORS; v++) {
		snprintf(name, sizeof name, "vendor%04d", v);
		if (policy_vendor_add(db, name, NULL, NULL))
			die("vendor");
		char login[64];
		snprintf(login, sizeof login, "user%04d", v);
		if (policy_account_add(db, name, login, "bench-password", NULL))
			die("account");
		for (int p = 0; p < PERMITS_PER_VENDOR; p++) {
			snprintf(sys, sizeof sys, "sys%03d", (v * PERMITS_PER_VENDOR + p) % SYSTEMS);
			/* one current permit per vendor, the others in past fiscal years */
			char from[11], to[11];
			snprintf(from, sizeof from, "%04d-04-01", 2025 - p);
			snprintf(to, sizeof to, "%04d-03-31", 2026 - p);
			policy_permit_application a = { .section = "情報政策課", .vendor = name, .system = sys,
							.purpose = "bench", .from = from, .to = to, .contract_from = "2020-01-01",
							.contract_to = "2030-12-31", .sources = src, .n_sources = 2,
							.table = 2, .confirm_all = true };
			int64_t id;
			if (policy_permit_apply(db, &a, 1, &id) ||
			    policy_permit_step_apply(db, id, POLICY_STEP_APPROVE, "bench", NULL, 2))
				die("permit");
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void bench_authorize(policy_db *db)
{
	double *lat = malloc(CALLS * sizeof *lat);
	int allowed = 0;
	srand(42);
	int64_t when = bench_jst_us(2025, 9, 10, 12);
	for (int i = 0; i < CALLS; i++) {
		char login[64];
		snprintf(login, sizeof login, "user%04d", rand() % VENDORS);
		policy_decision d;
		double t0 = bench_now_s();
		if (policy_authorize(db, login, NULL, i % 2 ? "203.0.113.7" : "2001:db8::7", when, &d))
			die("authorize");
		lat[i] = bench_now_s() - t0;
		allowed += d.allowed;
	}
	qsort(lat, CALLS, sizeof *lat, cmp_double);
	printf("authorize: %d permits, %d calls (%d allowed): p50 %.1f us, p99 %.1f us, max %.1f us (goal p99 <= 1000 us)\n",
	       VENDORS * PERMITS_PER_VENDOR, CALLS, allowed, lat[CALLS / 2] * 1e6, lat[CALLS * 99 / 100] * 1e6,
	       lat[CALLS - 1] * 1e6);
	double t0 = bench_now_s();
	policy_deny_reason r;
	for (int i = 0; i < CALLS; i++)
		policy_permit_still_valid(db, 1 + i % (VENDORS * PERMITS_PER_VENDOR), when, &r);
	printf("permit_still_valid: %.1f us per call\n", (bench_now_s() - t0) / CALLS * 1e6);
	free(lat);
}

static void bench_ledger(policy_db *db)
{
	policy_session_start s = { .permit_id = 1, .login = "user0000", .source = "203.0.113.7", .client_name = "PC" };
	int64_t sid;
	if (policy_ledger_session_start(db, bench_jst_us(2025, 9, 10, 12), &s, &sid))
		die("session start");
	int n = 50000;
	double t0 = bench_now_s();
	for (int i = 0; i < n; i++)
		if (policy_ledger_event(db, sid, bench_jst_us(2025, 9, 10, 12) + i, "channel_denied", "cliprdr"))
			die("event");
	double dt = bench_now_s() - t0;
	printf("ledger append: %d events in %.2f s = %.0f events/s, one transaction each (goal >= 5000/s)\n", n, dt, n / dt);
	t0 = bench_now_s();
	policy_verify_result v;
	if (policy_ledger_verify(db, &v) || !v.ok)
		die("verify");
	printf("ledger verify: %lld rows in %.2f s\n", (long long)v.rows, bench_now_s() - t0);
}

/* 20,000 refused attempts in October 2025, each a row (no flood aggregation), by the vendors'
 * accounts (attributed to their permits) and unknown logins; then the console's reads. */
static void bench_refusals(policy_db *db)
{
	policy_set_refusal_burst(db, 1000000);
	char login[64];
	for (int i = 0; i < 20000; i++) {
		snprintf(login, sizeof login, i % 4 ? "user%04d" : "ghost%04d", i % VENDORS);
		if (policy_ledger_refused(db, bench_jst_us(2025, 10, 1 + i % 28, 9) + i, i % 4 ? POLICY_DENY_SOURCE_NOT_ALLOWED
									      : POLICY_DENY_UNKNOWN_ACCOUNT,
					  login, "198.51.100.7", i % 3 ? NULL : "sys001", "bench"))
			die("refused");
	}
	policy_refusal_row *rows = calloc(POLICY_VIEW_PAGE, sizeof *rows);
	if (!rows)
		die("memory");
	static const struct {
		const char *what, *section, *vendor;
		int page;
		bool count_only;
	} runs[] = {
		{ "count (dashboard)", NULL, NULL, 0, true },
		{ "first page", NULL, NULL, 0, false },
		{ "page 150", NULL, NULL, 150, false },
		{ "a section's first page", "情報政策課", NULL, 0, false },
		{ "a vendor's first page", NULL, "vendor0001", 0, false },
	};
	for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
		policy_refusal_filter f = { .year = 2025, .month = 10, .section = runs[k].section, .vendor = runs[k].vendor,
					    .page = runs[k].page };
		int n = 0, total = 0;
		double t0 = bench_now_s();
		if (policy_refusal_list_page(db, &f, runs[k].count_only ? NULL : rows, &n, &total, NULL))
			die("refusal list");
		printf("refusal page, %s: %d of %d rows in %.1f ms (goal <= 100 ms)\n", runs[k].what, n, total,
		       (bench_now_s() - t0) * 1e3);
	}
	free(rows);
}

/* Bulk rows for the report benchmark, written with plain SQL in one
 * transaction: the report reads columns, not the chain, so the hashes are
 * left zero here (verify would reject this ledger, by design). */
static void bulk_sessions(policy_db *db, long n)
{
	double t0 = bench_now_s();
	pol_lock(db);
	pol_exec(db, "DROP TRIGGER IF EXISTS sessions_append_only_u");
	pol_exec(db, "BEGIN");
	sqlite3_stmt *s = pol_prepare(db, "INSERT INTO sessions(id, seq, start_us, permit_id, account_id, login, vendor_id,"
					  " system_id, source, client_name, client_build, recording_id, prev_hash, hash)"
					  " VALUES (?1, ?1 + 1000000000, ?2, ?3, 1, 'user', ?4, ?5, '203.0.113.7', 'PC', 1, 'r',"
					  " zeroblob(32), zeroblob(32))");
	sqlite3_stmt *e = pol_prepare(db, "INSERT INTO session_ends(session_id, seq, end_us, reason, bytes, frames, idle_us,"
					  " prev_hash, hash) VALUES (?1, ?1 + 2000000000, ?2, ?3, 1, 1, ?4, zeroblob(32), zeroblob(32))");
	sqlite3_stmt *ev = pol_prepare(db, "INSERT INTO events(id, seq, session_id, at_us, type, detail, prev_hash, hash)"
					   " VALUES (?1 + 1000000, ?1 + 3000000000, ?1, ?2, 'channel_denied', 'rdpdr', zeroblob(32), zeroblob(32))");
	const char *reasons[] = { "client_disconnect", "idle_timeout", "max_duration", "window_end" };
	int64_t base = bench_jst_us(2025, 6, 1, 0);
	for (long i = 1; i <= n; i++) {
		int64_t start = base + (i * 2592000000000LL / (n + 1)); /* spread over 30 days */
		int64_t permit = 1 + i % (VENDORS * PERMITS_PER_VENDOR);
		sqlite3_bind_int64(s, 1, i);
		sqlite3_bind_int64(s, 2, start);
		sqlite3_bind_int64(s, 3, permit);
		sqlite3_bind_int64(s, 4, 1 + (permit - 1) / PERMITS_PER_VENDOR);
		sqlite3_bind_int64(s, 5, 1 + (permit - 1) % SYSTEMS);
		sqlite3_step(s);
		sqlite3_reset(s);
		sqlite3_bind_int64(e, 1, i);
		sqlite3_bind_int64(e, 2, start + 1800000000LL);
		sqlite3_bind_text(e, 3, reasons[i % 4], -1, SQLITE_STATIC);
		sqlite3_bind_int64(e, 4, 300000000LL);
		sqlite3_step(e);
		sqlite3_reset(e);
		if (i % 10 == 0) {
			sqlite3_bind_int64(ev, 1, i);
			sqlite3_bind_int64(ev, 2, start + 1000000);
			sqlite3_step(ev);
			sqlite3_reset(ev);
		}
	}
	sqlite3_finalize(s);
	sqlite3_finalize(e);
	sqlite3_finalize(ev);
	if (pol_exec(db, "COMMIT"))
		die("bulk insert");
	pol_unlock(db);
	printf("report data: %ld sessions with ends, %ld blocked-redirection events written in %.1f s\n", n, n / 10,
	       bench_now_s() - t0);
}

static void bench_report(policy_db *db)
{
	FILE *null = fopen("/dev/null", "w");
	for (int fmt = 0; fmt < 3; fmt++) {
		double t0 = bench_now_s();
		if (policy_report_monthly(db, 2025, 6, NULL, (policy_report_format)fmt, null))
			die("report");
		printf("report monthly (%s): %.2f s (goal < 2 s)\n", fmt == 0 ? "html" : fmt == 1 ? "csv" : "json",
		       bench_now_s() - t0);
	}
	fclose(null);
}

int main(int argc, char **argv)
{
	long sessions = 1000000;
	const char *base = "/tmp";
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--sessions"))
			sessions = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--dir"))
			base = argv[i + 1];
	}
	char dir[256], path[300];
	snprintf(dir, sizeof dir, "%s/bench-policy-XXXXXX", base);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/rmgate.db", dir);
	policy_db *db = policy_open(path);
	if (!db)
		die("open");
	policy_set_pbkdf2_iterations(db, 1000); /* seeding 2,000 accounts; not measured */
	double t0 = bench_now_s();
	seed_permits(db);
	printf("seed: %d vendors/accounts, %d permits in %.1f s\n", VENDORS, VENDORS * PERMITS_PER_VENDOR, bench_now_s() - t0);
	bench_authorize(db);
	bench_ledger(db);
	bench_refusals(db);
	bulk_sessions(db, sessions);
	bench_report(db);
	policy_close(db);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
