/* web_bigdb: a city's database after years of use, for the console's page benchmark
 * (tests/bench/web_pages.sh): 20 sections, 400 vendors (a quarter subcontractors), 600
 * systems, 400 accounts, PERMITS permits over five fiscal years (FY2022-FY2026) through the
 * library's rules (apply, then approve; some refused, suspended, revoked, ended), SESSIONS
 * sessions spread from April 2022 to November 2026 with their ends, written through the
 * ledger's own chain (so `verify` is real work, not a shortcut), and refused attempts.
 *   web_bigdb DB [--permits N] [--sessions N]
 * The database must not exist. SQLite runs with synchronous=OFF here (a benchmark fixture:
 * the rows and the chain are exactly the library's). Prints what it wrote; asserts nothing.
 */
#include "bench_clock.h"
#include "account.h"
#include "admin.h"
#include "calendar.h"
#include "ledger.h"
#include "permit.h"
#include "policy_internal.h"
#include "staff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SECTIONS 20
#define VENDORS 400
#define SYSTEMS 600
#define YEARS 5 /* fiscal years 2022..2026 */
#define FIRST_FY 2022

static void die(const char *what)
{
	fprintf(stderr, "web_bigdb: %s: %s\n", what, policy_last_error());
	exit(1);
}

static const char *section_name(int s, char *buf, size_t len)
{
	static const char *names[] = { "情報政策課", "税務課", "市民課", "保険年金課", "介護保険課", "福祉課", "子育て支援課",
				       "健康推進課", "環境課", "都市計画課", "道路課", "上下水道課", "会計課", "教育総務課",
				       "学校教育課", "生涯学習課", "選挙管理委員会事務局", "監査委員事務局", "議会事務局",
				       "消防本部総務課" };
	snprintf(buf, len, "%s", names[s % SECTIONS]);
	return buf;
}

int main(int argc, char **argv)
{
	long permits = 10000, sessions = 1000000;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--permits") && i + 1 < argc)
			permits = atol(argv[++i]);
		else if (!strcmp(argv[i], "--sessions") && i + 1 < argc)
			sessions = atol(argv[++i]);
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else {
			fprintf(stderr, "usage: web_bigdb DB [--permits N] [--sessions N]\n");
			return 2;
		}
	}
	if (!path || access(path, F_OK) == 0) {
		fprintf(stderr, "web_bigdb: give a database path that does not exist yet\n");
		return 2;
	}
	double t0 = bench_now_s();
	policy_db *db = policy_open(path);
	if (!db)
		die("open");
	pol_lock(db);
	pol_exec(db, "PRAGMA synchronous=OFF");
	pol_unlock(db);

	char name[128], sys[64], sec[64], prime[64];
	for (int s = 0; s < SECTIONS; s++) {
		char officer[64];
		snprintf(officer, sizeof officer, "責任者%02d", s);
		if (policy_section_add(db, section_name(s, sec, sizeof sec), officer, NULL))
			die("section");
	}
	for (int v = 0; v < VENDORS; v++) {
		snprintf(name, sizeof name, "保守事業者%03d株式会社", v);
		snprintf(prime, sizeof prime, "保守事業者%03d株式会社", v - 1);
		if (policy_vendor_add(db, name, v % 4 == 3 ? prime : NULL, NULL))
			die("vendor");
		char login[32];
		snprintf(login, sizeof login, "vendor%03d", v);
		if (policy_account_add(db, name, login, "bench-password-1", NULL))
			die("account");
	}
	for (int y = 0; y < SYSTEMS; y++) {
		snprintf(sys, sizeof sys, "system%03d", y);
		/* systems belong to the sections in turn; every tenth one is LGWAN (Table 1) */
		const char *networks[] = { "10.20.0.0/16" };
		policy_system_spec spec = { .name = sys, .cls = y % 10 == 9 ? POLICY_CLASS_LGWAN : POLICY_CLASS_INTERNET,
					    .host = "10.0.0.1", .port = 3389, .section = section_name(y % SECTIONS, sec, sizeof sec) };
		if (policy_system_add(db, &spec, NULL))
			die("system");
		if (y % 10 == 9 && policy_system_set_networks(db, sys, networks, 1, "bench", 1))
			die("system networks");
	}
	printf("web_bigdb: %d sections, %d vendors and accounts, %d systems (%.1f s)\n", SECTIONS, VENDORS, SYSTEMS,
	       bench_now_s() - t0);

	/* permit_of[v][fy][k]: the vendor's k-th permit in that fiscal year (0 = none) */
	int per_vendor_year = (int)((permits + VENDORS * YEARS - 1) / (VENDORS * YEARS));
	int64_t *permit_of = calloc((size_t)VENDORS * YEARS * (size_t)per_vendor_year, sizeof *permit_of);
	int *system_of_permit = calloc((size_t)permits + 1, sizeof *system_of_permit);
	const char *sources[] = { "150.95.10.0/24" }; /* a global range: Table 2 refuses documentation ones */
	long made = 0;
	double t1 = bench_now_s();
	for (int fy = 0; fy < YEARS && made < permits; fy++) {
		int year = FIRST_FY + fy;
		char from[11], to[11];
		snprintf(from, sizeof from, "%04d-04-01", year);
		snprintf(to, sizeof to, "%04d-03-31", year + 1);
		for (int k = 0; k < per_vendor_year && made < permits; k++) {
			for (int v = 0; v < VENDORS && made < permits; v++) {
				int y = (v * 7 + k * 13 + fy) % SYSTEMS;
				if (y % 10 == 9)
					y--; /* Internet systems (Table 2) only: sources as the rules want them */
				snprintf(name, sizeof name, "保守事業者%03d株式会社", v);
				snprintf(prime, sizeof prime, "保守事業者%03d株式会社", v - 1);
				snprintf(sys, sizeof sys, "system%03d", y);
				policy_permit_application a = {
					.section = section_name(y % SECTIONS, sec, sizeof sec), .vendor = name,
					.prime = v % 4 == 3 ? prime : NULL, .system = sys, .purpose = "定期保守及び障害対応",
					.from = from, .to = to, .contract_from = from, .contract_to = to, .sources = sources,
					.n_sources = 1, .table = 2, .confirm_all = true
				};
				int64_t id;
				int64_t applied = bench_jst_us(year, 3, 10, 10);
				if (policy_permit_apply(db, &a, applied, &id))
					die("permit apply");
				int64_t decided = applied + 86400LL * 1000000;
				if (made % 50 == 49) {
					if (policy_permit_step_apply(db, id, POLICY_STEP_REFUSE, "副統括", "接続元の制限が不十分", decided))
						die("permit refuse");
				} else {
					if (policy_permit_step_apply(db, id, POLICY_STEP_APPROVE, "副統括", NULL, decided))
						die("permit approve");
					permit_of[((size_t)v * YEARS + (size_t)fy) * (size_t)per_vendor_year + (size_t)k] = id;
					system_of_permit[id] = y;
					if (made % 97 == 5 &&
					    policy_permit_step_apply(db, id, POLICY_STEP_SUSPEND, "副統括", "是正確認中", decided + 1))
						die("permit suspend");
				}
				made++;
			}
		}
	}
	printf("web_bigdb: %ld permits through apply/decide (%.1f s)\n", made, bench_now_s() - t1);

	/* Sessions: evenly from 2022-04-01 to 2026-11-30, office hours, through the ledger. */
	double t2 = bench_now_s();
	int64_t first = bench_jst_us(2022, 4, 1, 0), last = bench_jst_us(2026, 11, 30, 0);
	int64_t span_days = (last - first) / (86400LL * 1000000);
	static const policy_end_reason reasons[] = { POLICY_END_CLIENT_DISCONNECT, POLICY_END_CLIENT_DISCONNECT,
						     POLICY_END_IDLE_TIMEOUT, POLICY_END_MAX_DURATION,
						     POLICY_END_TARGET_DISCONNECT };
	for (long i = 0; i < sessions; i++) {
		int64_t day = (int64_t)((double)i / (double)sessions * (double)span_days);
		int64_t start = first + day * 86400LL * 1000000 + (9 + i % 8) * 3600LL * 1000000 + (i % 3600) * 1000000LL;
		cal_date d = cal_from_days(cal_to_days((cal_date){ 2022, 4, 1 }) + day);
		int fy = (d.m >= 4 ? d.y : d.y - 1) - FIRST_FY;
		int v = (int)(i % VENDORS);
		int64_t pid = permit_of[((size_t)v * YEARS + (size_t)fy) * (size_t)per_vendor_year + (size_t)(i / VENDORS % per_vendor_year)];
		char login[32], rid[40];
		snprintf(login, sizeof login, "vendor%03d", v);
		snprintf(rid, sizeof rid, "bench-%08ld", i);
		policy_session_start st = { .permit_id = pid, .account_id = v + 1, .vendor_id = v + 1,
					    .system_id = pid ? system_of_permit[pid] + 1 : 0, .login = login,
					    .source = "150.95.10.7", .client_name = "MAINT-PC", .client_build = 22631,
					    .recording_id = rid };
		int64_t sid;
		if (policy_ledger_session_start(db, start, &st, &sid))
			die("session start");
		policy_session_end e = { .end_us = start + (600 + i % 3000) * 1000000LL, .reason = reasons[i % 5],
					 .bytes = 1000000 + (uint64_t)(i % 5000) * 1000, .frames = 3000,
					 .idle_us = (i % 600) * 1000000LL };
		if (policy_ledger_session_end(db, sid, &e))
			die("session end");
		if (i % 20 == 0) {
			char source[32];
			snprintf(source, sizeof source, "198.51.100.%ld", i / 20 % 250 + 1);
			if (policy_ledger_refused(db, start - 60000000LL, POLICY_DENY_BAD_PASSWORD, login, source, NULL, NULL))
				die("refused");
		}
		if (i % 100000 == 99999)
			printf("web_bigdb: %ld sessions (%.0f s)\n", i + 1, bench_now_s() - t2);
	}
	if (policy_ledger_flush_refusals(db, bench_jst_us(2026, 12, 1, 0), true))
		die("flush refusals");
	printf("web_bigdb: %ld sessions with their ends and %ld refused attempts in the ledger (%.1f s)\n", sessions,
	       sessions / 20, bench_now_s() - t2);
	pol_lock(db);
	pol_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	pol_unlock(db);
	policy_close(db);
	free(permit_of);
	free(system_of_permit);
	printf("web_bigdb: done in %.0f s\n", bench_now_s() - t0);
	return 0;
}
