/* test_policy_common.h: fixtures shared by the policy unit tests (header only). */
#ifndef TEST_POLICY_COMMON_H
#define TEST_POLICY_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
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

static const char *const T2_SOURCES[] = { "203.0.113.0/24", "2001:db8:10::/48" };

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

/* Section, vendors (Acme prime, SubCo its subcontractor, Other), systems
 * juki (mynumber), lgwan1 (lgwan), web (internet), and account acme1. */
static inline void tdb_seed(tdb *t)
{
	assert_int_equal(policy_section_add(t->db, "情報政策課", "山田 太郎", NULL), POLICY_OK);
	assert_int_equal(policy_section_add(t->db, "税務課", "佐藤 花子", NULL), POLICY_OK);
	assert_int_equal(policy_vendor_add(t->db, "Acme", NULL, NULL), POLICY_OK);
	assert_int_equal(policy_vendor_add(t->db, "SubCo", "Acme", NULL), POLICY_OK);
	assert_int_equal(policy_vendor_add(t->db, "Other", NULL, NULL), POLICY_OK);
	policy_system_spec s = { .name = "juki", .cls = POLICY_CLASS_MYNUMBER, .host = "10.1.0.5", .port = 3389,
				 .section = "情報政策課" };
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_OK);
	s = (policy_system_spec){ .name = "lgwan1", .cls = POLICY_CLASS_LGWAN, .host = "10.2.0.5", .port = 3389,
				  .section = "情報政策課" };
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_OK);
	s = (policy_system_spec){ .name = "web", .cls = POLICY_CLASS_INTERNET, .host = "10.3.0.5", .port = 13389,
				  .section = "情報政策課", .idle_timeout_s = 600, .max_duration_s = 7200,
				  .channels = POLICY_CHANNEL_AUDIO_OUT, .inject_credentials = true };
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

#endif
