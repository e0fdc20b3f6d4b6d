/* session_view.c: sessions as the console shows them (see session_view.h). */
#include "session_view.h"
#include "policy_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *policy_end_label(const char *code)
{
	static const struct { const char *code, *ja; } labels[] = {
		{ "client_disconnect", "利用者切断" }, { "target_disconnect", "接続先切断" },
		{ "idle_timeout", "無操作終了" },     { "max_duration", "上限時間終了" },
		{ "window_end", "許可期間終了" },     { "suspended", "許可停止" },
		{ "revoked", "許可取消" },            { "gate_shutdown", "ゲート停止" },
		{ "aborted", "異常終了" },            { "error", "エラー" },
		{ "recording_incomplete", "記録不完全" }, { "resource_limit", "資源上限超過" },
		{ "terminated", "強制終了" },
	};
	if (!code || !*code)
		return "接続中";
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(labels[i].code, code))
			return labels[i].ja;
	return code;
}

static void text(sqlite3_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

#define SESSION_COLUMNS                                                                                   \
	"s.id, s.start_us, IFNULL(e.end_us, 0), IFNULL(s.permit_id, 0), IFNULL(e.idle_us, 0),"             \
	" IFNULL(e.bytes, 0), IFNULL(e.frames, 0), s.login, IFNULL(v.name, ''), IFNULL(y.name, ''),"       \
	" s.source, s.client_name, IFNULL(e.reason, ''), IFNULL(e.recording_path, IFNULL(s.recording_path, '')),"  \
	" IFNULL(e.recording_digest, ''), IFNULL(y.section_id, 0)"
#define SESSION_FROM                                                                                      \
	" FROM sessions s LEFT JOIN session_ends e ON e.session_id = s.id LEFT JOIN vendors v ON v.id = s.vendor_id" \
	" LEFT JOIN systems y ON y.id = s.system_id"

static void read_row(sqlite3_stmt *st, policy_session_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->start_us = sqlite3_column_int64(st, 1);
	r->end_us = sqlite3_column_int64(st, 2);
	r->permit_id = sqlite3_column_int64(st, 3);
	r->idle_us = sqlite3_column_int64(st, 4);
	r->bytes = sqlite3_column_int64(st, 5);
	r->frames = sqlite3_column_int64(st, 6);
	text(st, 7, r->login, sizeof r->login);
	text(st, 8, r->vendor, sizeof r->vendor);
	text(st, 9, r->system, sizeof r->system);
	text(st, 10, r->source, sizeof r->source);
	text(st, 11, r->client_name, sizeof r->client_name);
	text(st, 12, r->end_reason, sizeof r->end_reason);
	text(st, 13, r->recording, sizeof r->recording);
	text(st, 14, r->digest, sizeof r->digest);
	r->system_section_id = sqlite3_column_int64(st, 15);
}

/* ?1 month start, ?2 month end, ?3 section id (0 = all); ?6 section, ?7 vendor, ?8 system by name
 * (NULL = all). */
#define LIST_WHERE                                                                                        \
	" WHERE s.start_us >= ?1 AND s.start_us < ?2 AND (?3 = 0 OR y.section_id = ?3)"                    \
	" AND (?6 IS NULL OR y.section_id = (SELECT id FROM sections WHERE name = ?6))"                    \
	" AND (?7 IS NULL OR v.name = ?7) AND (?8 IS NULL OR y.name = ?8)"

static void bind_filter(sqlite3_stmt *st, const policy_session_filter *f)
{
	static const policy_session_filter all = { 0 };
	if (!f)
		f = &all;
	sqlite3_bind_int64(st, 3, f->section_id);
	const char *names[3] = { f->section, f->vendor, f->system };
	for (int i = 0; i < 3; i++)
		if (names[i] && *names[i])
			sqlite3_bind_text(st, 6 + i, names[i], -1, SQLITE_TRANSIENT);
}

int policy_session_list_page(policy_db *db, int year, int month, const policy_session_filter *filter, int page,
                             policy_session_row *rows, int *n, int *total)
{
	*n = *total = 0;
	if (month < 1 || month > 12)
		return pol_fail(POLICY_ERR_INVALID, "month %d is not 1-12", month);
	cal_date first = { year, month, 1 }, next = { month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1 };
	pol_lock(db);
	int64_t from = pol_local_midnight_us(db, first), to = pol_local_midnight_us(db, next);
	int status = POLICY_OK;
	sqlite3_stmt *st = pol_prepare(db, "SELECT COUNT(*)" SESSION_FROM LIST_WHERE);
	if (!st) {
		status = POLICY_ERR_DB;
	} else {
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, to);
		bind_filter(st, filter);
		if (sqlite3_step(st) == SQLITE_ROW)
			*total = sqlite3_column_int(st, 0);
		else
			status = pol_sql_fail(db, "counting sessions");
		sqlite3_finalize(st);
	}
	if (!status &&
	    !(st = pol_prepare(db, "SELECT " SESSION_COLUMNS SESSION_FROM LIST_WHERE
					   /* by the start index: a page reads its 100 rows, not the month sorted */
					   " ORDER BY s.start_us DESC, s.id DESC LIMIT ?4 OFFSET ?5")))
		status = POLICY_ERR_DB;
	if (!status) {
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, to);
		bind_filter(st, filter);
		sqlite3_bind_int(st, 4, POLICY_VIEW_PAGE);
		sqlite3_bind_int64(st, 5, (int64_t)(page < 0 ? 0 : page) * POLICY_VIEW_PAGE);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < POLICY_VIEW_PAGE)
			read_row(st, &rows[(*n)++]);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			status = pol_sql_fail(db, "listing sessions");
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	return status;
}

int policy_session_detail_load(policy_db *db, int64_t id, int64_t section_id, policy_session_detail **out)
{
	*out = NULL;
	policy_session_detail *d = calloc(1, sizeof *d);
	if (!d)
		return pol_fail(POLICY_ERR_NOMEM, "out of memory");
	pol_lock(db);
	int status = POLICY_OK;
	sqlite3_stmt *st = pol_prepare(db, "SELECT " SESSION_COLUMNS SESSION_FROM " WHERE s.id = ?1 AND (?2 = 0 OR y.section_id = ?2)");
	if (!st) {
		status = POLICY_ERR_DB;
	} else {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, section_id);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			read_row(st, &d->session);
		else if (rc == SQLITE_DONE)
			status = pol_fail(POLICY_ERR_NOT_FOUND, "no session %lld", (long long)id);
		else
			status = pol_sql_fail(db, "reading a session");
		sqlite3_finalize(st);
	}
	if (!status && !(st = pol_prepare(db, "SELECT at_us, type, detail, IFNULL(actor, '') FROM events WHERE session_id = ?"
					      " ORDER BY seq")))
		status = POLICY_ERR_DB;
	if (!status) {
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (d->n_events < POLICY_VIEW_EVENTS) {
				policy_session_event_row *e = &d->events[d->n_events++];
				e->at_us = sqlite3_column_int64(st, 0);
				text(st, 1, e->type, sizeof e->type);
				text(st, 2, e->detail, sizeof e->detail);
				text(st, 3, e->actor, sizeof e->actor);
			}
			d->events_total++;
		}
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	if (status)
		free(d);
	else
		*out = d;
	return status;
}
