/* permit_view.c: permits as the console shows them (see permit_view.h). */
#include "permit_view.h"
#include "policy_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void text(sqlite3_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

#define ROW_COLUMNS                                                                                       \
	"p.id, p.state, p.state IN ('approved','ordered','suspended') AND p.window_end_us <= ?1,"             \
	" p.section_id, c.name, c.officer, v.name, IFNULL(pv.name, ''), s.name, s.class, p.purpose,"          \
	" p.from_date, p.to_date, p.contract_from, p.contract_to, p.table_no, p.sources, p.observe_only,"     \
	" p.applied_by, p.applied_us"
#define ROW_FROM                                                                                          \
	" FROM permits p JOIN sections c ON c.id = p.section_id JOIN vendors v ON v.id = p.vendor_id"       \
	" LEFT JOIN vendors pv ON pv.id = p.prime_vendor_id JOIN systems s ON s.id = p.system_id"

static bool state_from_name(const char *name, policy_permit_state *out)
{
	for (int s = POLICY_PERMIT_APPLIED; s <= POLICY_PERMIT_ENDED; s++)
		if (!strcmp(policy_permit_state_name((policy_permit_state)s), name)) {
			*out = (policy_permit_state)s;
			return true;
		}
	return false;
}

static void read_row(sqlite3_stmt *st, policy_permit_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	state_from_name((const char *)sqlite3_column_text(st, 1), &r->state);
	r->expired = sqlite3_column_int(st, 2) != 0;
	r->section_id = sqlite3_column_int64(st, 3);
	text(st, 4, r->section, sizeof r->section);
	text(st, 5, r->officer, sizeof r->officer);
	text(st, 6, r->vendor, sizeof r->vendor);
	text(st, 7, r->prime, sizeof r->prime);
	text(st, 8, r->system, sizeof r->system);
	text(st, 9, r->system_class, sizeof r->system_class);
	text(st, 10, r->purpose, sizeof r->purpose);
	text(st, 11, r->from, sizeof r->from);
	text(st, 12, r->to, sizeof r->to);
	text(st, 13, r->contract_from, sizeof r->contract_from);
	text(st, 14, r->contract_to, sizeof r->contract_to);
	r->table = sqlite3_column_int(st, 15);
	text(st, 16, r->sources, sizeof r->sources);
	r->observe_only = sqlite3_column_int(st, 17) != 0;
	text(st, 18, r->applied_by, sizeof r->applied_by);
	r->applied_us = sqlite3_column_int64(st, 19);
}

/* ?1 now, ?2 section (0 = all), ?3 state filter (NULL = any; "expired" = derived). */
#define LIST_WHERE                                                                                        \
	" WHERE (?2 = 0 OR p.section_id = ?2) AND (?3 IS NULL OR (CASE WHEN p.state IN"                  \
	" ('approved','ordered','suspended') AND p.window_end_us <= ?1 THEN 'expired' ELSE p.state END) = ?3)"

int policy_permit_list_page(policy_db *db, const policy_permit_filter *f, int64_t now_us, policy_permit_row *rows,
                            int *n, int *total)
{
	*n = *total = 0;
	pol_lock(db);
	int status = POLICY_OK;
	sqlite3_stmt *st = pol_prepare(db, "SELECT COUNT(*)" ROW_FROM LIST_WHERE);
	if (!st) {
		status = POLICY_ERR_DB;
	} else {
		sqlite3_bind_int64(st, 1, now_us);
		sqlite3_bind_int64(st, 2, f->section_id);
		pol_bind_text(st, 3, f->state);
		if (sqlite3_step(st) == SQLITE_ROW)
			*total = sqlite3_column_int(st, 0);
		else
			status = pol_sql_fail(db, "counting permits");
		sqlite3_finalize(st);
	}
	if (!status && !(st = pol_prepare(db, "SELECT " ROW_COLUMNS ROW_FROM LIST_WHERE " ORDER BY p.id DESC LIMIT ?4 OFFSET ?5")))
		status = POLICY_ERR_DB;
	if (!status) {
		sqlite3_bind_int64(st, 1, now_us);
		sqlite3_bind_int64(st, 2, f->section_id);
		pol_bind_text(st, 3, f->state);
		sqlite3_bind_int(st, 4, POLICY_VIEW_PAGE);
		sqlite3_bind_int64(st, 5, (int64_t)(f->page < 0 ? 0 : f->page) * POLICY_VIEW_PAGE);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < POLICY_VIEW_PAGE)
			read_row(st, &rows[(*n)++]);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			status = pol_sql_fail(db, "listing permits");
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	return status;
}

static int load_children(policy_db *db, policy_permit_detail *d, int64_t now_us)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT item FROM permit_checklist WHERE permit_id = ? AND confirmed = 1 ORDER BY rowid");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, d->permit.id);
	while (sqlite3_step(st) == SQLITE_ROW && d->n_checklist < 16)
		text(st, 0, d->checklist[d->n_checklist++], sizeof d->checklist[0]);
	sqlite3_finalize(st);

	st = pol_prepare(db, "SELECT at_us, actor, action, IFNULL(from_state, ''), to_state, reason FROM permit_history"
			     " WHERE permit_id = ? ORDER BY id");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, d->permit.id);
	while (sqlite3_step(st) == SQLITE_ROW && d->n_history < POLICY_VIEW_HISTORY) {
		policy_permit_step_row *h = &d->history[d->n_history++];
		h->at_us = sqlite3_column_int64(st, 0);
		text(st, 1, h->actor, sizeof h->actor);
		text(st, 2, h->action, sizeof h->action);
		text(st, 3, h->from_state, sizeof h->from_state);
		text(st, 4, h->to_state, sizeof h->to_state);
		text(st, 5, h->reason, sizeof h->reason);
	}
	sqlite3_finalize(st);

	char today[11];
	cal_format_date(pol_local_date(db, now_us), today);
	st = pol_prepare(db, "SELECT id, ordered_us, IFNULL(done_us, 0), ordered_by, measures, due_date, IFNULL(done_by, ''),"
			     " IFNULL(done_note, ''), suspended, done_us IS NULL AND due_date < ? FROM permit_orders"
			     " WHERE permit_id = ? ORDER BY id");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, d->permit.id);
	while (sqlite3_step(st) == SQLITE_ROW && d->n_orders < POLICY_VIEW_ORDERS) {
		policy_permit_order_row *o = &d->orders[d->n_orders++];
		o->id = sqlite3_column_int64(st, 0);
		o->ordered_us = sqlite3_column_int64(st, 1);
		o->done_us = sqlite3_column_int64(st, 2);
		text(st, 3, o->ordered_by, sizeof o->ordered_by);
		text(st, 4, o->measures, sizeof o->measures);
		text(st, 5, o->due, sizeof o->due);
		text(st, 6, o->done_by, sizeof o->done_by);
		text(st, 7, o->done_note, sizeof o->done_note);
		o->suspended = sqlite3_column_int(st, 8) != 0;
		o->overdue = sqlite3_column_int(st, 9) != 0;
	}
	sqlite3_finalize(st);
	return POLICY_OK;
}

int policy_permit_detail_load(policy_db *db, int64_t id, int64_t section_id, int64_t now_us,
                              policy_permit_detail **out)
{
	*out = NULL;
	policy_permit_detail *d = calloc(1, sizeof *d);
	if (!d)
		return pol_fail(POLICY_ERR_NOMEM, "out of memory");
	pol_lock(db);
	int status = POLICY_OK;
	sqlite3_stmt *st = pol_prepare(db, "SELECT " ROW_COLUMNS ROW_FROM " WHERE p.id = ?2 AND (?3 = 0 OR p.section_id = ?3)");
	if (!st) {
		status = POLICY_ERR_DB;
	} else {
		sqlite3_bind_int64(st, 1, now_us);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_bind_int64(st, 3, section_id);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			read_row(st, &d->permit);
		else if (rc == SQLITE_DONE)
			status = pol_fail(POLICY_ERR_NOT_FOUND, "no permit %lld", (long long)id);
		else
			status = pol_sql_fail(db, "reading a permit");
		sqlite3_finalize(st);
	}
	if (!status)
		status = load_children(db, d, now_us);
	pol_unlock(db);
	if (status)
		free(d);
	else
		*out = d;
	return status;
}
