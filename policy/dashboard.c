/* dashboard.c: the console's first page, read in one call (see dashboard.h). */
#include "dashboard.h"
#include "policy_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_US (86400LL * 1000000)

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

static int count_query(policy_db *db, const char *sql, int64_t a, int64_t b, int *out)
{
	sqlite3_stmt *st = pol_prepare(db, sql);
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? POLICY_OK : pol_sql_fail(db, "reading the dashboard");
}

/* ?2 is the section (0 = all) in every query below. */
#define SECTION_OF_SYSTEM(col) " AND (?2 = 0 OR " col " IN (SELECT id FROM systems WHERE section_id = ?2))"

/* The earliest start a running session can have (policy_dashboard.live): without this bound
 * the query below looks up an end for every session the ledger ever had. */
static int earliest_running_start(policy_db *db, int64_t now_us, int64_t *earliest)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT IFNULL(MIN(max_duration_s), 0), IFNULL(MAX(max_duration_s), 0) FROM systems");
	if (!st)
		return POLICY_ERR_DB;
	int rc = sqlite3_step(st);
	*earliest = 0;
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
		*earliest = now_us - (sqlite3_column_int64(st, 1) + 86400) * 1000000;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? POLICY_OK : pol_sql_fail(db, "reading the systems' limits");
}

static int load_live(policy_db *db, int64_t now_us, int64_t section_id, policy_dashboard *d)
{
	static const char *const sql =
		"SELECT s.id, s.start_us, s.login, IFNULL(v.name, ''), IFNULL(y.name, ''), s.source FROM sessions s"
		" LEFT JOIN vendors v ON v.id = s.vendor_id LEFT JOIN systems y ON y.id = s.system_id"
		" WHERE s.start_us >= ?1 AND NOT EXISTS (SELECT 1 FROM session_ends e WHERE e.session_id = s.id)"
		SECTION_OF_SYSTEM("s.system_id") " ORDER BY s.start_us DESC, s.id DESC"; /* by the start index */
	int64_t earliest;
	int status = earliest_running_start(db, now_us, &earliest);
	if (status)
		return status;
	sqlite3_stmt *st = pol_prepare(db, sql);
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, earliest);
	sqlite3_bind_int64(st, 2, section_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (d->n_live < POLICY_DASH_MAX) {
			policy_dash_session *s = &d->live[d->n_live++];
			s->session_id = sqlite3_column_int64(st, 0);
			s->start_us = sqlite3_column_int64(st, 1);
			copy_col(st, 2, s->login, sizeof s->login);
			copy_col(st, 3, s->vendor, sizeof s->vendor);
			copy_col(st, 4, s->system, sizeof s->system);
			copy_col(st, 5, s->source, sizeof s->source);
		}
		d->live_total++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "reading live sessions");
}

static int load_expiring(policy_db *db, int64_t now_us, int64_t section_id, policy_dashboard *d)
{
	static const char *const sql =
		"SELECT p.id, p.window_end_us, v.name, y.name, p.to_date FROM permits p"
		" JOIN vendors v ON v.id = p.vendor_id JOIN systems y ON y.id = p.system_id"
		" WHERE p.state IN ('approved','ordered','suspended') AND p.window_end_us > ?1"
		" AND p.window_end_us <= ?1 + ?3 AND (?2 = 0 OR p.section_id = ?2)"
		" ORDER BY p.window_end_us, p.id";
	sqlite3_stmt *st = pol_prepare(db, sql);
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, now_us);
	sqlite3_bind_int64(st, 2, section_id);
	sqlite3_bind_int64(st, 3, 30 * DAY_US);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (d->n_expiring < POLICY_DASH_MAX) {
			policy_dash_permit *p = &d->expiring[d->n_expiring++];
			p->permit_id = sqlite3_column_int64(st, 0);
			p->end_us = sqlite3_column_int64(st, 1);
			copy_col(st, 2, p->vendor, sizeof p->vendor);
			copy_col(st, 3, p->system, sizeof p->system);
			copy_col(st, 4, p->to_date, sizeof p->to_date);
		}
		d->expiring_total++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "reading expiring permits");
}

static int load_orders(policy_db *db, const char *today, int64_t section_id, policy_dashboard *d)
{
	static const char *const sql =
		"SELECT o.id, o.permit_id, o.due_date, o.measures, v.name, o.due_date < ?1 FROM permit_orders o"
		" JOIN permits p ON p.id = o.permit_id JOIN vendors v ON v.id = p.vendor_id"
		" WHERE o.done_us IS NULL AND p.state NOT IN ('revoked','ended','refused')"
		" AND (?2 = 0 OR p.section_id = ?2) ORDER BY o.due_date, o.id";
	sqlite3_stmt *st = pol_prepare(db, sql);
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, section_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (d->n_orders < POLICY_DASH_MAX) {
			policy_dash_order *o = &d->orders[d->n_orders++];
			o->order_id = sqlite3_column_int64(st, 0);
			o->permit_id = sqlite3_column_int64(st, 1);
			copy_col(st, 2, o->due_date, sizeof o->due_date);
			copy_col(st, 3, o->measures, sizeof o->measures);
			copy_col(st, 4, o->vendor, sizeof o->vendor);
			o->overdue = sqlite3_column_int(st, 5) != 0;
		}
		d->orders_total++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "reading corrective orders");
}

int policy_dashboard_load(policy_db *db, int64_t now_us, int64_t section_id, bool verify_ledger, policy_dashboard *out)
{
	memset(out, 0, sizeof *out);
	pol_lock(db);
	cal_date today = pol_local_date(db, now_us);
	char today_text[11];
	cal_format_date(today, today_text);
	int64_t midnight = pol_local_midnight_us(db, today);
	cal_closed_days extra = { 0 };
	int status = load_live(db, now_us, section_id, out);
	if (!status)
		status = count_query(db,
				     "SELECT COUNT(*) FROM sessions s WHERE s.start_us >= ?1" SECTION_OF_SYSTEM("s.system_id"),
				     midnight, section_id, &out->sessions_today);
	if (!status)
		status = load_expiring(db, now_us, section_id, out);
	if (!status)
		status = load_orders(db, today_text, section_id, out);
	if (!status)
		status = pol_load_closed_days(db, &extra);
	pol_unlock(db);
	if (status)
		return status;
	/* The report due next is the previous month's (Art. 10: by the 5th or the next open day). */
	out->report_year = today.m == 1 ? today.y - 1 : today.y;
	out->report_month = today.m == 1 ? 12 : today.m - 1;
	cal_format_date(cal_report_due(out->report_year, out->report_month, &extra), out->report_due);
	free((void *)extra.days);
	pol_lock(db);
	sqlite3_stmt *st = pol_prepare(db, "SELECT name FROM sections WHERE ?1 = 0 OR id = ?1 ORDER BY id");
	if (!st)
		status = POLICY_ERR_DB;
	else {
		sqlite3_bind_int64(st, 1, section_id);
		while (sqlite3_step(st) == SQLITE_ROW && out->n_submissions < POLICY_DASH_MAX)
			copy_col(st, 0, out->submissions[out->n_submissions++].section, POLICY_DASH_TEXT);
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	for (int i = 0; !status && i < out->n_submissions; i++)
		status = policy_report_submission(db, out->report_year, out->report_month, out->submissions[i].section, now_us,
						  &out->submissions[i].state);
	if (status)
		return status;
	if (verify_ledger) {
		status = policy_ledger_verify(db, &out->verify);
		out->verified = status == POLICY_OK;
	}
	return status;
}
