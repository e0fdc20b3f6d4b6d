/* refusal_view.c: a month's refused attempts for the console (see refusal_view.h). */
#include "refusal_view.h"
#include "ledger.h"
#include "ledger_internal.h"

#include <stdio.h>
#include <string.h>

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(out, len, "%s", t ? (const char *)t : "");
}

static void bind_filter(policy_db *db, sqlite3_stmt *st, const policy_refusal_filter *f)
{
	cal_date first = { f->year, f->month, 1 };
	cal_date next = { f->month == 12 ? f->year + 1 : f->year, f->month == 12 ? 1 : f->month + 1, 1 };
	sqlite3_bind_int64(st, 1, pol_local_midnight_us(db, first));
	sqlite3_bind_int64(st, 2, pol_local_midnight_us(db, next));
	pol_bind_text(st, 3, f->vendor && *f->vendor ? f->vendor : NULL);
	pol_bind_text(st, 4, f->section && *f->section ? f->section : NULL);
}

int policy_refusal_list_page(policy_db *db, const policy_refusal_filter *f, policy_refusal_row *rows, int *n,
                             int *total, int64_t *attempts)
{
	*n = 0;
	*total = 0;
	if (attempts)
		*attempts = 0;
	if (f->year < 1900 || f->year > 9999 || f->month < 1 || f->month > 12 || f->page < 0)
		return pol_fail(POLICY_ERR_INVALID, "no such month %04d-%02d", f->year, f->month);
	pol_lock(db);
	int status = POLICY_OK;
	sqlite3_stmt *st = pol_prepare(db, "SELECT COUNT(*), IFNULL(SUM(" POL_REFUSAL_COUNT "), 0)" POL_REFUSAL_ROWS);
	if (!st) {
		status = POLICY_ERR_DB;
	} else {
		bind_filter(db, st, f);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*total = sqlite3_column_int(st, 0);
			if (attempts)
				*attempts = sqlite3_column_int64(st, 1);
		} else {
			status = pol_sql_fail(db, "counting refusals");
		}
		sqlite3_finalize(st);
	}
	st = status || !rows ? NULL
		    : pol_prepare(db, "SELECT at_us, kind, count, source, login, account, vendor, system, reason, permits,"
				      " section, detail FROM (SELECT " POL_REFUSAL_COLUMNS POL_REFUSAL_FROM " WHERE ev.seq IN"
				      " (SELECT ev.seq" POL_REFUSAL_ROWS " ORDER BY ev.seq LIMIT ?5 OFFSET ?6)) ORDER BY seq");
	if (!status && rows && !st)
		status = POLICY_ERR_DB;
	if (st) {
		bind_filter(db, st, f);
		sqlite3_bind_int(st, 5, POLICY_VIEW_PAGE);
		sqlite3_bind_int64(st, 6, (int64_t)f->page * POLICY_VIEW_PAGE);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < POLICY_VIEW_PAGE) {
			policy_refusal_row *r = &rows[(*n)++];
			memset(r, 0, sizeof *r);
			r->at_us = sqlite3_column_int64(st, 0);
			r->summary = !strcmp((const char *)sqlite3_column_text(st, 1), POLICY_EV_REFUSED_SUMMARY);
			r->count = sqlite3_column_int64(st, 2);
			copy_col(st, 3, r->source, sizeof r->source);
			copy_col(st, 4, r->login, sizeof r->login);
			copy_col(st, 5, r->account, sizeof r->account);
			copy_col(st, 6, r->vendor, sizeof r->vendor);
			copy_col(st, 7, r->system, sizeof r->system);
			copy_col(st, 8, r->reason, sizeof r->reason);
			copy_col(st, 9, r->permits, sizeof r->permits);
			copy_col(st, 10, r->section, sizeof r->section);
			copy_col(st, 11, r->detail, sizeof r->detail);
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			status = pol_sql_fail(db, "reading refusals");
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	if (status)
		*n = 0;
	return status;
}
