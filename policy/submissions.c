/* submissions.c: monthly report submissions as ledger rows (see submissions.h). */
#include "submissions.h"
#include "ledger.h"
#include "ledger_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EV_REPORT_SUBMITTED "report_submitted"

static void detail_of(int year, int month, const char *section, char *buf, size_t len)
{
	snprintf(buf, len, "Form 4 %04d-%02d section %s", year, month, section);
}

int policy_report_mark_submitted(policy_db *db, int year, int month, const char *section, const char *actor,
                                 int64_t now_us)
{
	if (month < 1 || month > 12 || year < 2000 || year > 9999)
		return pol_fail(POLICY_ERR_INVALID, "%04d-%02d is not a month", year, month);
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who marks the submission must be named (--by)");
	int64_t section_id = 0;
	char detail[400];
	detail_of(year, month, section ? section : "", detail, sizeof detail);
	pol_lock(db);
	int status = pol_id_by_name(db, "sections", section, &section_id);
	cal_date today = pol_local_date(db, now_us);
	if (!status && (year > today.y || (year == today.y && month >= today.m)))
		status = pol_fail(POLICY_ERR_INVALID, "the report of %04d-%02d cannot be submitted before the month is over",
				  year, month);
	if (!status)
		status = pol_ledger_admin_event_locked(db, now_us, EV_REPORT_SUBMITTED, detail, 0, actor);
	pol_unlock(db);
	return status;
}

int policy_report_submission(policy_db *db, int year, int month, const char *section, int64_t now_us,
                             policy_submission *out)
{
	memset(out, 0, sizeof *out);
	if (month < 1 || month > 12)
		return pol_fail(POLICY_ERR_INVALID, "month %d is not 1-12", month);
	char detail[400];
	detail_of(year, month, section ? section : "", detail, sizeof detail);
	cal_closed_days extra = { 0 };
	pol_lock(db);
	int status = pol_load_closed_days(db, &extra);
	sqlite3_stmt *st = status ? NULL : pol_prepare(db, "SELECT at_us, IFNULL(actor, '') FROM events WHERE type = ?"
							   " AND detail = ? ORDER BY seq LIMIT 1");
	if (!status && !st)
		status = POLICY_ERR_DB;
	if (st) {
		sqlite3_bind_text(st, 1, EV_REPORT_SUBMITTED, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, detail, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			out->submitted = true;
			out->at_us = sqlite3_column_int64(st, 0);
			snprintf(out->by, sizeof out->by, "%s", (const char *)sqlite3_column_text(st, 1));
		} else if (rc != SQLITE_DONE) {
			status = pol_sql_fail(db, "reading submissions");
		}
		sqlite3_finalize(st);
	}
	cal_date due = cal_report_due(year, month, &extra);
	cal_format_date(due, out->due);
	/* late: the first submission fell after the due day, or none yet and the due day is over */
	cal_date on = pol_local_date(db, out->submitted ? out->at_us : now_us);
	out->late = cal_compare(on, due) > 0;
	pol_unlock(db);
	free((void *)extra.days);
	return status;
}
