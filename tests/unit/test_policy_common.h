/* test_policy_common.h: fixtures shared by the policy unit tests (header only). */
#ifndef TEST_POLICY_COMMON_H
#define TEST_POLICY_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "admin.h"
#include "authz.h"
#include "calendar.h"
#include "ledger.h"
#include "permit.h"
#include "policy.h"

typedef struct {
	char dir[64];
	char path[128];
	policy_db *db;
} tdb;

/* µs of a Tokyo wall-clock time. */
static inline int64_t jst_us(int y, int m, int d, int hh, int mi)
{
	cal_date day = { y, m, d };
	return ((cal_to_days(day) * 86400 + hh * 3600 + mi * 60) - 9 * 3600) * (int64_t)1000000;
}

static inline void rm_tree(const char *dir)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static inline tdb *tdb_new(void)
{
	tdb *t = calloc(1, sizeof *t);
	assert_non_null(t);
	strcpy(t->dir, "/tmp/rmgate-policy-test-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof t->path, "%s/db/rmgate.db", t->dir);
	t->db = policy_open(t->path);
	assert_non_null(t->db);
	policy_set_pbkdf2_iterations(t->db, 1000); /* fast tests; production default is 200000 */
	return t;
}

static inline void tdb_free(tdb *t)
{
	if (!t)
		return;
	policy_close(t->db);
	rm_tree(t->dir);
	free(t);
}

/* Documentation ranges: Table 2 sources that the system "web" of tdb_seed allows as its lab
 * ranges (a real permit needs global addresses, rule table2-source-global). */
static const char *const T2_SOURCES[] = { "203.0.113.0/24", "2001:db8:10::/48" };
static const char *const T2_LAB[] = { "203.0.113.0/24", "198.51.100.0/24", "2001:db8::/32" };

/* A filled application for vendor V on system S (internet, Table 2) in FY2025. */
static inline policy_permit_application tapp(const char *vendor, const char *system, int table)
{
	policy_permit_application a = {
		.section = "情報政策課", .vendor = vendor, .system = system, .purpose = "定期保守",
		.from = "2025-04-01", .to = "2026-03-31", .contract_from = "2025-04-01",
		.contract_to = "2026-03-31", .table = table, .confirm_all = true,
	};
	if (table == 2) {
		a.sources = T2_SOURCES;
		a.n_sources = 2;
	}
	return a;
}

/* The networks of the Table 1 systems of tdb_seed (where their lines arrive from): every
 * address the tests connect from. */
static const char *const T1_NETWORKS[] = { "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "127.0.0.0/8",
					   "::1", "2001:db8::/32" };

/* Section, vendors (Acme prime, SubCo its subcontractor, Other), systems
 * juki (mynumber), lgwan1 (lgwan), web (internet; also T1_NETWORKS for its Table 1
 * permits), and account acme1. */
static inline void tdb_seed(tdb *t)
{
	assert_int_equal(policy_section_add(t->db, "情報政策課", "山田 太郎", NULL), POLICY_OK);
	assert_int_equal(policy_section_add(t->db, "税務課", "佐藤 花子", NULL), POLICY_OK);
	assert_int_equal(policy_vendor_add(t->db, "Acme", NULL, NULL), POLICY_OK);
	assert_int_equal(policy_vendor_add(t->db, "SubCo", "Acme", NULL), POLICY_OK);
	assert_int_equal(policy_vendor_add(t->db, "Other", NULL, NULL), POLICY_OK);
	policy_system_spec s = { .name = "juki", .cls = POLICY_CLASS_MYNUMBER, .host = "10.1.0.5", .port = 3389,
				 .section = "情報政策課", .networks = T1_NETWORKS, .n_networks = 6 };
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_OK);
	s = (policy_system_spec){ .name = "lgwan1", .cls = POLICY_CLASS_LGWAN, .host = "10.2.0.5", .port = 3389,
				  .section = "情報政策課", .networks = T1_NETWORKS, .n_networks = 6 };
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_OK);
	s = (policy_system_spec){ .name = "web", .cls = POLICY_CLASS_INTERNET, .host = "10.3.0.5", .port = 13389,
				  .section = "情報政策課", .idle_timeout_s = 600, .max_duration_s = 7200,
				  .channels = POLICY_CHANNEL_AUDIO_OUT, .inject_credentials = true,
				  .networks = T1_NETWORKS, .n_networks = 6, .lab_sources = T2_LAB, .n_lab_sources = 3 };
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_OK);
	assert_int_equal(policy_account_add(t->db, "Acme", "acme1", "correct horse", NULL), POLICY_OK);
}

/* Applies and approves; returns the permit id. */
static inline int64_t tpermit(tdb *t, policy_permit_application a)
{
	int64_t id = 0;
	assert_int_equal(policy_permit_apply(t->db, &a, jst_us(2025, 3, 20, 9, 0), &id), POLICY_OK);
	assert_int_equal(policy_permit_step_apply(t->db, id, POLICY_STEP_APPROVE, "副CISO", NULL, jst_us(2025, 3, 25, 9, 0)),
			 POLICY_OK);
	return id;
}

/* A full rewrite of the chain with the sqlite3 library, as someone with
 * write access to the file could do: the ledger tables and head of `path`
 * are replaced by those of `forged` (a ledger written by the same code, so
 * every hash is valid), and the guard triggers are put back as they were. */
static inline void tledger_rewrite(const char *path, const char *forged)
{
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT group_concat(sql, ';') || ';' FROM sqlite_master"
					   " WHERE type = 'trigger'", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	char *triggers = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	char *sql = sqlite3_mprintf(
		"ATTACH %Q AS f; BEGIN;"
		" DROP TRIGGER sessions_append_only_u; DROP TRIGGER sessions_append_only_d;"
		" DROP TRIGGER ends_append_only_u; DROP TRIGGER ends_append_only_d;"
		" DROP TRIGGER events_append_only_u; DROP TRIGGER events_append_only_d;"
		" DELETE FROM session_ends; DELETE FROM events; DELETE FROM sessions; DELETE FROM ledger_head;"
		" INSERT INTO sessions SELECT * FROM f.sessions; INSERT INTO session_ends SELECT * FROM f.session_ends;"
		" INSERT INTO events SELECT * FROM f.events; INSERT INTO ledger_head SELECT * FROM f.ledger_head;"
		" %s COMMIT; DETACH f;", forged, triggers);
	char *err = NULL;
	if (sqlite3_exec(raw, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("rewriting the ledger failed: %s", err ? err : "?");
	sqlite3_free(sql);
	free(triggers);
	sqlite3_close(raw);
}

/* Turns the (closed) database at `path` back into schema version 3, as the
 * release before it wrote: the accounts table with its plain nt_hash column
 * (zero bytes here; a test may UPDATE real ones) and the target accounts
 * without their binding column. Older fixtures start from this. */
static inline void tdb_back_to_v3(const char *path)
{
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	char *err = NULL;
	if (sqlite3_exec(raw,
			 "BEGIN;"
			 " CREATE TABLE accounts_v3(\n"
			 "  id INTEGER PRIMARY KEY, vendor_id INTEGER NOT NULL REFERENCES vendors(id),\n"
			 "  login TEXT NOT NULL UNIQUE COLLATE NOCASE,\n"
			 "  pw_salt BLOB NOT NULL, pw_iterations INTEGER NOT NULL, pw_hash BLOB NOT NULL,\n"
			 "  nt_hash BLOB NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created_us INTEGER NOT NULL);"
			 " INSERT INTO accounts_v3 SELECT id, vendor_id, login, pw_salt, pw_iterations, pw_hash, zeroblob(16),"
			 "  disabled, created_us FROM accounts;"
			 " DROP TABLE accounts; ALTER TABLE accounts_v3 RENAME TO accounts;"
			 " ALTER TABLE system_secrets DROP COLUMN binding; DROP TABLE IF EXISTS settings; DROP TABLE IF EXISTS permit_orders; DROP TABLE IF EXISTS staff;"
			 " ALTER TABLE systems DROP COLUMN networks; ALTER TABLE systems DROP COLUMN lab_sources;"
			 " ALTER TABLE permits DROP COLUMN lab_sources;"
			 " PRAGMA user_version = 3; COMMIT;",
			 NULL, NULL, &err) != SQLITE_OK)
		fail_msg("back to version 3 failed: %s", err ? err : "?");
	sqlite3_close(raw);
}

/* SQL through a separate connection, as the sqlite3 tool (or someone with write access to the
 * file) would run it; fails the test when the statement fails. */
static inline void tdb_raw_exec(const char *path, const char *sql)
{
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(raw, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		print_error("SQL failed: %s\n", msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(raw);
	assert_int_equal(rc, SQLITE_OK);
}

/* The first column of the first row of a query through a separate connection, as an int. */
static inline int tdb_raw_count(const char *path, const char *sql)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return n;
}

/* Creates the secret key file beside the test database (path, len: where its name goes) and
 * loads it. */
static inline policy_secret_key *tdb_secret_key(tdb *t, char *path, size_t len)
{
	policy_secret_key *key = NULL;
	snprintf(path, len, "%s/db/secret.key", t->dir);
	assert_int_equal(policy_secret_key_create(path, NULL), POLICY_OK);
	assert_int_equal(policy_secret_key_load(path, &key), POLICY_OK);
	return key;
}

/* Reads a whole (small) file into buf as text ("" when missing). */
static inline void read_text_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* Runs rmgate-policy in-process (policy_cli_main) with `input` on stdin and stdout/stderr
 * captured into files under `dir` (in, out, err), then read into out/err. Returns the exit
 * code. The tests call the real entry point, so options and exit codes are the program's. */
static inline int run_policy_cli(const char *dir, int argc, char **argv, const char *input,
                                 char *out, size_t outlen, char *err, size_t errlen)
{
	char in_path[256], out_path[256], err_path[256];
	snprintf(in_path, sizeof in_path, "%s/in", dir);
	snprintf(out_path, sizeof out_path, "%s/out", dir);
	snprintf(err_path, sizeof err_path, "%s/err", dir);
	FILE *in = fopen(in_path, "w");
	assert_non_null(in);
	fputs(input ? input : "", in);
	fclose(in);
	fflush(stdout);
	fflush(stderr);
	int saved[3] = { dup(0), dup(1), dup(2) };
	int fds[3] = { open(in_path, O_RDONLY), open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600),
		       open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600) };
	for (int i = 0; i < 3; i++) {
		dup2(fds[i], i);
		close(fds[i]);
	}
	clearerr(stdin);
	int rc = policy_cli_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < 3; i++) {
		dup2(saved[i], i);
		close(saved[i]);
	}
	clearerr(stdin);
	read_text_file(out_path, out, outlen);
	read_text_file(err_path, err, errlen);
	return rc;
}

#endif
