/* report.c: Forms 3 and 4 from the ledger (see report.h). */
#include "report.h"
#include "session_view.h"
#include "ledger.h"
#include "ledger_internal.h"
#include "policy_internal.h"

#include <stdlib.h>
#include <string.h>

static void month_range(const policy_db *db, int y, int m, int64_t *from, int64_t *to)
{
	cal_date first = { y, m, 1 }, next = { m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1 };
	*from = pol_local_midnight_us(db, first);
	*to = pol_local_midnight_us(db, next);
}

static void fmt_duration(int64_t us, char *buf, size_t len)
{
	int64_t s = us > 0 ? us / 1000000 : 0;
	snprintf(buf, len, "%lld:%02d:%02d", (long long)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
}

static void fmt_clock(const policy_db *db, int64_t us, char *buf, size_t len)
{
	char full[32];
	pol_format_local(db, us, full, sizeof full);
	if (len < 9)
		return;
	memcpy(buf, full + 11, 8); /* HH:MM:SS */
	buf[8] = '\0';
}

/* The zone the register's times are in, for its note: Japan Standard Time unless the handle
 * was set to another offset (policy_set_zone_offset, rmgate-policy --tz). */
static const char *zone_name(const policy_db *db, char *buf, size_t len)
{
	int z = db->zone_min, a = z < 0 ? -z : z;
	if (z == 540)
		snprintf(buf, len, "日本標準時 (Asia/Tokyo)");
	else
		snprintf(buf, len, "UTC%c%02d:%02d", z < 0 ? '-' : '+', a / 60, a % 60);
	return buf;
}

static const char *end_label(const char *reason)
{
	return policy_end_label(reason);
}

#define HEAD_TEXT_LEN 96 /* "SEQ:" + 64 hex digits + NUL */

/* The ledger head for the report footer as "SEQ:HASH" (lowercase hex), the
 * form `rmgate-policy verify --anchor` takes; "-" for an empty ledger. Lock held. */
static void head_text(policy_db *db, char out[HEAD_TEXT_LEN])
{
	strcpy(out, "-");
	sqlite3_stmt *st = pol_prepare(db, "SELECT lower(hex(hash)), seq FROM ledger_head WHERE id = 1");
	if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 64)
		snprintf(out, HEAD_TEXT_LEN, "%lld:%s", (long long)sqlite3_column_int64(st, 1),
		         (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static rr_cell txt(const char *t)
{
	return (rr_cell){ .text = t };
}

static rr_cell num(int64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", (long long)v);
	return (rr_cell){ .text = buf, .num = v, .is_num = true };
}

/* "YYYY-MM-DD..." as an era date for the printed form (calendar.h); "" if not a date. */
static void era_of_iso(const char *iso, char *buf, size_t len)
{
	char day[11];
	cal_date d;
	snprintf(day, sizeof day, "%.10s", iso);
	if (!cal_parse_date(day, &d) || !cal_format_era_date(d, buf, len))
		buf[0] = '\0';
}

/* The city's title and form number of Forms 3 and 4 (別記様式, seed). */
#define FORM3_TITLE "リモート保守等利用状況管理簿"
#define FORM3_FORM "別記様式第3号(第9条関係)"
#define FORM4_TITLE "リモート保守等利用状況報告"
#define FORM4_FORM "別記様式第4号(第10条関係)"

/* ---- Form 3 ---- */

static const rr_column register_cols[] = {
	{ "日付", "date", false },         { "開始", "start", false },         { "終了", "end", false },
	{ "利用時間", "duration", false }, { "事業者", "vendor", false },      { "アカウント", "account", false },
	{ "システム", "system", false },   { "許可番号", "permit", false },    { "接続元", "source", false },
	{ "作業内容", "work", false },     { "終了理由", "end_reason", false },{ "遮断件数", "blocked", false },
	{ "録画ID", "recording", true },   { "セッション", "session", true },
};
#define REGISTER_NCOLS ((int)(sizeof register_cols / sizeof register_cols[0]))

static const char REGISTER_SQL[] =
	"SELECT s.id, s.start_us, e.end_us, v.name, s.login, y.name, s.permit_id, s.source,"
	" (SELECT group_concat(detail, ' / ') FROM (SELECT detail FROM events WHERE session_id = s.id AND type = 'note' ORDER BY seq)),"
	" e.reason, (SELECT COUNT(*) FROM events WHERE session_id = s.id AND type = 'channel_denied'), s.recording_id"
	" FROM sessions s LEFT JOIN session_ends e ON e.session_id = s.id"
	" LEFT JOIN vendors v ON v.id = s.vendor_id LEFT JOIN systems y ON y.id = s.system_id"
	" WHERE s.start_us >= ?1 AND s.start_us < ?2 AND (?3 IS NULL OR y.name = ?3)"
	" AND (?4 IS NULL OR y.section_id IN (SELECT id FROM sections WHERE name = ?4)) ORDER BY s.start_us, s.id";

static void register_row(policy_db *db, rr_renderer *r, sqlite3_stmt *st)
{
	char date[32], start[16], end[32], dur[24], permit[24], blocked[24], session[24], era[CAL_ERA_DATE_LEN];
	char end_era[CAL_ERA_DATE_LEN + 16] = "";
	int64_t s_us = sqlite3_column_int64(st, 1);
	bool open = sqlite3_column_type(st, 2) == SQLITE_NULL;
	int64_t e_us = sqlite3_column_int64(st, 2);
	pol_format_local(db, s_us, date, sizeof date);
	date[10] = '\0'; /* YYYY-MM-DD */
	fmt_clock(db, s_us, start, sizeof start);
	if (open) {
		strcpy(end, "-"), strcpy(dur, "-");
	} else {
		fmt_duration(e_us - s_us, dur, sizeof dur);
		pol_format_local(db, e_us, end, sizeof end);
		if (!strncmp(end, date, 10)) /* same day: the time alone */
			fmt_clock(db, e_us, end, sizeof end);
	}
	era_of_iso(date, era, sizeof era);
	if (strlen(end) > 10) { /* ended another day: "YYYY-MM-DD HH:MM:SS", in era style on the form */
		char d[CAL_ERA_DATE_LEN];
		era_of_iso(end, d, sizeof d);
		snprintf(end_era, sizeof end_era, "%s %.8s", d, end + 11);
	}
	rr_cell c[REGISTER_NCOLS];
	c[0] = txt(date);
	c[0].html = era;
	c[1] = txt(start);
	c[2] = txt(end);
	c[2].html = *end_era ? end_era : NULL;
	c[3] = open ? txt(NULL) : (rr_cell){ .text = dur, .num = (e_us - s_us) / 1000000 };
	c[4] = txt((const char *)sqlite3_column_text(st, 3));
	c[5] = txt((const char *)sqlite3_column_text(st, 4));
	c[6] = txt((const char *)sqlite3_column_text(st, 5));
	c[7] = sqlite3_column_type(st, 6) == SQLITE_NULL ? txt(NULL) : num(sqlite3_column_int64(st, 6), permit, sizeof permit);
	c[8] = txt((const char *)sqlite3_column_text(st, 7));
	c[9] = txt((const char *)sqlite3_column_text(st, 8));
	if (!c[9].text || !*c[9].text) /* no `session note`: a gap the officer must see */
		c[9] = (rr_cell){ .text = NULL, .html = "未記入", .gap = true };
	c[10] = txt(end_label((const char *)sqlite3_column_text(st, 9)));
	c[11] = num(sqlite3_column_int64(st, 10), blocked, sizeof blocked);
	c[12] = txt((const char *)sqlite3_column_text(st, 11));
	c[13] = num(sqlite3_column_int64(st, 0), session, sizeof session);
	rr_row(r, c, false);
}

/* Form 3 for one system or one section (or all): a whole document, or with `doc` flags a
 * part attached to Form 4. Lock not held. */
static int register_part(policy_db *db, int year, int month, const char *system, const char *section,
                         policy_report_format fmt, FILE *out, bool continued, bool more)
{
	if (month < 1 || month > 12)
		return pol_fail(POLICY_ERR_INVALID, "month %d is not 1-12", month);
	int64_t from, to;
	pol_lock(db);
	int64_t sys_id;
	int status = system ? pol_id_by_name(db, "systems", system, &sys_id) : POLICY_OK;
	sqlite3_stmt *st = status ? NULL : pol_prepare(db, REGISTER_SQL);
	if (!st) {
		pol_unlock(db);
		return status ? status : POLICY_ERR_DB;
	}
	month_range(db, year, month, &from, &to);
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	pol_bind_text(st, 3, system);
	pol_bind_text(st, 4, section);
	char mtext[16], mera[CAL_ERA_DATE_LEN], head[HEAD_TEXT_LEN];
	snprintf(mtext, sizeof mtext, "%04d年%02d月", year, month);
	cal_format_era_month(year, month, mera, sizeof mera);
	head_text(db, head);
	rr_meta meta[] = { { "対象月", "month", mtext, mera, false },
			   { "システム", "system", system ? system : "全システム", NULL, false },
			   { "台帳ハッシュ", "ledger_head", head, NULL, true } };
	int nmeta = 3;
	if (section) /* attached to one section's Form 4 */
		meta[1] = (rr_meta){ "所管課", "section", section, NULL, false };
	rr_renderer r;
	rr_doc doc = { .title = "利用状況管理簿", .form = "様式第3号 (第9条第1項関係)", .doc_title = FORM3_TITLE,
		       .doc_form = FORM3_FORM, .landscape = true, .continued = continued, .more = more };
	rr_begin_doc(&r, out, fmt, &doc, meta, nmeta, register_cols, REGISTER_NCOLS);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		register_row(db, &r, st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		status = pol_sql_fail(db, "reading sessions for the register");
	pol_unlock(db);
	char note[320], zone[40];
	snprintf(note, sizeof note, "時刻は%s。遮断件数はクリップボード・ドライブ等のリダイレクト要求を遮断した件数。"
		 "作業内容の「未記入」は作業内容が記録されていない利用 (session note で記入)。",
	         zone_name(db, zone, sizeof zone));
	rr_end(&r, note);
	return status;
}

int policy_report_register(policy_db *db, int year, int month, const char *system, policy_report_format fmt, FILE *out)
{
	return register_part(db, year, month, system, NULL, fmt, out, false, false);
}

/* ---- Form 4 ---- */

typedef struct {
	int64_t system_id, permit_id; /* permit 0 = refusals not tied to a permit */
	char *system, *permit_label, *vendor;
	int64_t sessions, ended, total_us, longest_us, idle_us;
	uint32_t days;                /* bit d-1 set when used on day d */
	int64_t idle_ends, limit_ends, refused, blocked;
} group;

typedef struct {
	group *g;
	size_t n, cap;
	size_t *slot;  /* open addressing: index + 1 into g, 0 = empty */
	size_t nslots; /* power of two, > 2 * n */
} groups;

static size_t slot_of(const groups *gs, int64_t system_id, int64_t permit_id)
{
	uint64_t h = (uint64_t)system_id * 0x9E3779B97F4A7C15ull ^ (uint64_t)permit_id * 0xC2B2AE3D27D4EB4Full;
	size_t i = (size_t)(h ^ (h >> 29)) & (gs->nslots - 1);
	while (gs->slot[i]) {
		const group *g = &gs->g[gs->slot[i] - 1];
		if (g->system_id == system_id && g->permit_id == permit_id)
			break;
		i = (i + 1) & (gs->nslots - 1);
	}
	return i;
}

static bool rehash(groups *gs)
{
	size_t nslots = gs->nslots ? gs->nslots * 2 : 64;
	size_t *slot = calloc(nslots, sizeof *slot);
	if (!slot)
		return false;
	free(gs->slot);
	gs->slot = slot;
	gs->nslots = nslots;
	for (size_t k = 0; k < gs->n; k++)
		gs->slot[slot_of(gs, gs->g[k].system_id, gs->g[k].permit_id)] = k + 1;
	return true;
}

/* The group of (system, permit), created empty on first use; NULL if out of memory. */
static group *group_get(groups *gs, int64_t system_id, int64_t permit_id)
{
	if (gs->nslots) {
		size_t i = slot_of(gs, system_id, permit_id);
		if (gs->slot[i])
			return &gs->g[gs->slot[i] - 1];
	}
	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? gs->cap * 2 : 16;
		group *grown = realloc(gs->g, cap * sizeof *grown);
		if (!grown)
			return NULL;
		gs->g = grown;
		gs->cap = cap;
	}
	if ((gs->n + 1) * 2 >= gs->nslots && !rehash(gs))
		return NULL;
	group *g = &gs->g[gs->n];
	memset(g, 0, sizeof *g);
	g->system_id = system_id;
	g->permit_id = permit_id;
	gs->slot[slot_of(gs, system_id, permit_id)] = ++gs->n;
	return g;
}

static void groups_free(groups *gs)
{
	for (size_t i = 0; i < gs->n; i++) {
		free(gs->g[i].system);
		free(gs->g[i].permit_label);
		free(gs->g[i].vendor);
	}
	free(gs->g);
	free(gs->slot);
}

#define SECTION_FILTER " AND (?3 IS NULL OR s.system_id IN (SELECT y.id FROM systems y JOIN sections c ON c.id = y.section_id WHERE c.name = ?3))"

static int add_sessions(policy_db *db, groups *gs, int64_t from, int64_t to, const char *section)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT IFNULL(s.system_id, 0), IFNULL(s.permit_id, 0), s.start_us, e.end_us, e.reason, e.idle_us"
					   " FROM sessions s LEFT JOIN session_ends e ON e.session_id = s.id"
					   " WHERE s.start_us >= ?1 AND s.start_us < ?2" SECTION_FILTER);
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	pol_bind_text(st, 3, section);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		group *g = group_get(gs, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
		if (!g) {
			sqlite3_finalize(st);
			return pol_fail(POLICY_ERR_NOMEM, "out of memory");
		}
		int64_t start = sqlite3_column_int64(st, 2);
		g->sessions++;
		g->days |= 1u << ((start - from) / 86400000000LL);
		if (sqlite3_column_type(st, 3) == SQLITE_NULL)
			continue; /* still open: counted, no duration yet */
		g->ended++;
		int64_t dur = sqlite3_column_int64(st, 3) - start;
		dur = dur > 0 ? dur : 0;
		g->total_us += dur;
		if (dur > g->longest_us)
			g->longest_us = dur;
		int64_t idle = sqlite3_column_int64(st, 5);
		g->idle_us += idle < dur ? idle : dur;
		const char *reason = (const char *)sqlite3_column_text(st, 4);
		if (!strcmp(reason, "idle_timeout"))
			g->idle_ends++;
		else if (!strcmp(reason, "max_duration") || !strcmp(reason, "window_end"))
			g->limit_ends++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "reading sessions");
}

/* Blocked redirections of the month's sessions (events may run a week past
 * the month end: the longest session allowed is 7 days). */
static int add_blocked(policy_db *db, groups *gs, int64_t from, int64_t to, const char *section)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT IFNULL(s.system_id, 0), IFNULL(s.permit_id, 0), COUNT(*)"
					   " FROM events ev JOIN sessions s ON s.id = ev.session_id"
					   " WHERE ev.type = 'channel_denied' AND ev.at_us >= ?1 AND ev.at_us < ?2 + 8 * 86400000000"
					   " AND s.start_us >= ?1 AND s.start_us < ?2" SECTION_FILTER
					   " GROUP BY 1, 2");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	pol_bind_text(st, 3, section);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		group *g = group_get(gs, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
		if (g)
			g->blocked += sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "reading blocked attempts");
}

/* Refused attempts go to the permit they are attributed to (POL_REFUSAL_PERMITS, ledger_internal.h:
 * a known account's vendor's permits; the lowest id, within the section when one is asked for),
 * else to the system they named (permit 0), or to no system. A summary of aggregated refusals
 * (ledger.h) counts as the number its detail begins with. In a section's report, an attributed
 * refusal counts when one of its permits is the section's; an unattributed one when the system it
 * named is the section's. */
static int add_refused(policy_db *db, groups *gs, int64_t from, int64_t to, const char *section)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT IFNULL(pp.system_id, IFNULL(r.system_id, 0)), IFNULL(pp.id, 0), SUM(r.n)"
					   " FROM (SELECT s.system_id,"
					   " CASE WHEN s.type = 'refused' THEN 1 ELSE MAX(CAST(s.detail AS INTEGER), 0) END AS n,"
					   " (SELECT MIN(p.id)" POL_REFUSAL_PERMITS("s") ") AS any_permit,"
					   " (SELECT MIN(p.id)" POL_REFUSAL_PERMITS("s")
					   " AND (?3 IS NULL OR p.section_id = (SELECT id FROM sections WHERE name = ?3))) AS permit"
					   " FROM events s"
					   " WHERE s.type IN ('refused', 'refused_summary') AND s.at_us >= ?1 AND s.at_us < ?2) r"
					   " LEFT JOIN permits pp ON pp.id = r.permit"
					   " WHERE ?3 IS NULL OR r.permit IS NOT NULL OR (r.any_permit IS NULL AND r.system_id IN"
					   " (SELECT y.id FROM systems y JOIN sections c ON c.id = y.section_id WHERE c.name = ?3))"
					   " GROUP BY 1, 2");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	pol_bind_text(st, 3, section);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		group *g = group_get(gs, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
		if (g)
			g->refused += sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "reading refused attempts");
}

static int name_groups(policy_db *db, groups *gs)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT name FROM systems WHERE id = ?");
	sqlite3_stmt *vs = pol_prepare(db, "SELECT v.name, pv.name FROM permits p JOIN vendors v ON v.id = p.vendor_id"
					   " LEFT JOIN vendors pv ON pv.id = p.prime_vendor_id WHERE p.id = ?");
	if (!st || !vs) {
		sqlite3_finalize(st);
		sqlite3_finalize(vs);
		return POLICY_ERR_DB;
	}
	for (size_t i = 0; i < gs->n; i++) {
		group *g = &gs->g[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, g->system_id);
		g->system = strdup(sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "(不明)");
		char buf[32];
		snprintf(buf, sizeof buf, "%lld", (long long)g->permit_id);
		g->permit_label = strdup(g->permit_id ? buf : "-");
		/* the vendor that connected, and its prime when it is a subcontractor (Art. 4-4) */
		sqlite3_reset(vs);
		sqlite3_bind_int64(vs, 1, g->permit_id);
		char vendor[512] = "";
		if (g->permit_id && sqlite3_step(vs) == SQLITE_ROW) {
			const char *v = (const char *)sqlite3_column_text(vs, 0), *pv = (const char *)sqlite3_column_text(vs, 1);
			if (pv)
				snprintf(vendor, sizeof vendor, "%s (元請: %s)", v, pv);
			else
				snprintf(vendor, sizeof vendor, "%s", v);
		}
		g->vendor = strdup(vendor);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(vs);
	return POLICY_OK;
}

static int cmp_group(const void *a, const void *b)
{
	const group *x = a, *y = b;
	int c = strcmp(x->system ? x->system : "", y->system ? y->system : "");
	if (c)
		return c;
	return x->permit_id < y->permit_id ? -1 : x->permit_id > y->permit_id;
}

static const rr_column monthly_cols[] = {
	{ "システム", "system", false },            { "許可番号", "permit", false },
	{ "利用回数", "sessions", false },          { "利用日数", "days", false },
	{ "合計時間", "total_s", false },           { "最長", "longest_s", false },
	{ "平均", "average_s", false },             { "操作時間", "active_s", false },
	{ "無操作時間", "idle_s", false },          { "無操作終了", "idle_endings", false },
	{ "上限超過終了", "limit_endings", false }, { "拒否件数", "refused", false },
	{ "遮断件数", "blocked", false },           { "事業者", "vendor", false },
};
#define MONTHLY_NCOLS ((int)(sizeof monthly_cols / sizeof monthly_cols[0]))

static int popcount(uint32_t v)
{
	int n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

static void monthly_row(rr_renderer *r, const group *g, const char *system, const char *permit, const char *vendor,
                        bool total)
{
	char b[MONTHLY_NCOLS][32];
	int64_t avg = g->ended ? g->total_us / g->ended : 0; /* over ended sessions */
	int64_t durs[] = { g->total_us, g->longest_us, avg, g->total_us - g->idle_us, g->idle_us };
	rr_cell c[MONTHLY_NCOLS];
	c[0] = txt(system);
	c[1] = txt(permit);
	c[2] = num(g->sessions, b[2], 32);
	c[3] = num(popcount(g->days), b[3], 32);
	for (int k = 0; k < 5; k++) {
		fmt_duration(durs[k], b[4 + k], 32);
		c[4 + k] = (rr_cell){ .text = b[4 + k], .num = durs[k] / 1000000, .is_num = true };
	}
	c[9] = num(g->idle_ends, b[9], 32);
	c[10] = num(g->limit_ends, b[10], 32);
	c[11] = num(g->refused, b[11], 32);
	c[12] = num(g->blocked, b[12], 32);
	c[13] = txt(vendor);
	rr_row(r, c, total);
}

/* The security officer of a section (sections.officer), "" when unset. Lock held. */
static void section_officer(policy_db *db, const char *section, char *buf, size_t len)
{
	buf[0] = '\0';
	sqlite3_stmt *st = pol_prepare(db, "SELECT officer FROM sections WHERE name = ?1");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, section, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static int render_monthly(policy_db *db, groups *gs, int year, int month, const char *section,
                          const policy_report_opts *opts, policy_report_format fmt, FILE *out, bool continued)
{
	cal_closed_days extra;
	int status = pol_load_closed_days(db, &extra);
	if (status)
		return status;
	char due[11], mtext[16], head[HEAD_TEXT_LEN], dest[256], officer[256];
	char due_era[CAL_ERA_DATE_LEN], month_era[CAL_ERA_DATE_LEN], date_era[CAL_ERA_DATE_LEN];
	cal_date due_date = cal_report_due(year, month, &extra);
	cal_format_date(due_date, due);
	cal_format_era_date(due_date, due_era, sizeof due_era);
	cal_format_era_month(year, month, month_era, sizeof month_era);
	free((void *)extra.days);
	snprintf(mtext, sizeof mtext, "%04d年%02d月", year, month);
	head_text(db, head);
	if ((status = pol_setting_get_locked(db, POLICY_SETTING_REPORT_DESTINATION, POLICY_REPORT_DESTINATION_DEFAULT, dest,
					     sizeof dest, NULL)))
		return status;
	if (section)
		section_officer(db, section, officer, sizeof officer);
	else
		snprintf(officer, sizeof officer, "各所管課の情報セキュリティ責任者");
	cal_date rd;
	const char *rdate = opts && opts->report_date ? opts->report_date : "";
	if (*rdate && cal_parse_date(rdate, &rd))
		cal_format_era_date(rd, date_era, sizeof date_era);
	else /* left for the officer to write by hand */
		snprintf(date_era, sizeof date_era, "令和　　年　　月　　日");
	/* the fields CSV and JSON had come first, in their order; new ones after */
	rr_meta meta[] = { { "対象月", "month", mtext, month_era, false },
			   { "所管課", "section", section ? section : "全課", NULL, false },
			   { "提出期限", "due", due, due_era, false },
			   { "提出先", "to", dest, NULL, false },
			   { "台帳ハッシュ", "ledger_head", head, NULL, true },
			   { "報告日", "report_date", rdate, date_era, false },
			   { "報告者 (情報セキュリティ責任者)", "reporter", officer, *officer ? NULL : "(未設定)", false } };
	rr_renderer r;
	rr_doc doc = { .title = "利用状況報告", .form = "様式第4号 (第10条関係)", .doc_title = FORM4_TITLE,
		       .doc_form = FORM4_FORM, .landscape = true, .continued = continued,
		       .more = fmt == POLICY_FMT_HTML };
	rr_begin_doc(&r, out, fmt, &doc, meta, (int)(sizeof meta / sizeof meta[0]), monthly_cols, MONTHLY_NCOLS);
	group total = { 0 };
	uint32_t all_days = 0;
	for (size_t i = 0; i < gs->n; i++) {
		const group *g = &gs->g[i];
		monthly_row(&r, g, g->system, g->permit_label, g->vendor, false);
		total.sessions += g->sessions;
		total.ended += g->ended;
		total.total_us += g->total_us;
		total.idle_us += g->idle_us;
		if (g->longest_us > total.longest_us)
			total.longest_us = g->longest_us;
		all_days |= g->days;
		total.idle_ends += g->idle_ends;
		total.limit_ends += g->limit_ends;
		total.refused += g->refused;
		total.blocked += g->blocked;
	}
	total.days = all_days;
	monthly_row(&r, &total, "合計", "", "", true);
	rr_end(&r, "時間は 時:分:秒。操作時間 = 利用時間 - 無操作時間 (利用者の入力がない時間、ゲートが計測)。"
		   "上限超過終了 = 最大利用時間または許可期間の終了による切断。拒否件数は接続を拒否した試行 (許可番号 - はシステム単位)。");
	return POLICY_OK;
}

/* One Form 4 (one section or all); in HTML followed by its Form 3 register in the same
 * document (Art. 10: 管理簿を添えて), the document left open when `more`. */
static int monthly_part(policy_db *db, int year, int month, const char *section, const policy_report_opts *opts,
                        policy_report_format fmt, FILE *out, bool continued, bool more)
{
	groups gs = { 0 };
	int64_t from, to, section_id;
	pol_lock(db);
	month_range(db, year, month, &from, &to);
	int status = section ? pol_id_by_name(db, "sections", section, &section_id) : POLICY_OK;
	/* one read transaction: a consistent snapshot while the gate appends */
	if (!status && !(status = pol_exec(db, "BEGIN"))) {
		if (!(status = add_sessions(db, &gs, from, to, section)) && !(status = add_blocked(db, &gs, from, to, section)) &&
		    !(status = add_refused(db, &gs, from, to, section)) && !(status = name_groups(db, &gs))) {
			if (gs.n)
				qsort(gs.g, gs.n, sizeof gs.g[0], cmp_group);
			status = render_monthly(db, &gs, year, month, section, opts, fmt, out, continued);
		}
		pol_rollback(db);
	}
	pol_unlock(db);
	groups_free(&gs);
	if (!status && fmt == POLICY_FMT_HTML)
		status = register_part(db, year, month, NULL, section, fmt, out, true, more);
	return status;
}

int policy_report_monthly_opts(policy_db *db, int year, int month, const char *section, const policy_report_opts *opts,
                               policy_report_format fmt, FILE *out)
{
	if (month < 1 || month > 12)
		return pol_fail(POLICY_ERR_INVALID, "month %d is not 1-12", month);
	if (opts && opts->report_date && !cal_parse_date(opts->report_date, &(cal_date){ 0 }))
		return pol_fail(POLICY_ERR_INVALID, "report date '%s' is not YYYY-MM-DD", opts->report_date);
	if (section || fmt != POLICY_FMT_HTML)
		return monthly_part(db, year, month, section, opts, fmt, out, false, false);
	/* the printed report is per section (each officer reports his own): one Form 4 and its
	 * Form 3 for every section that owns a system, in one document */
	char **names = NULL;
	size_t n = 0;
	pol_lock(db);
	int status = POLICY_OK;
	sqlite3_stmt *st = pol_prepare(db, "SELECT DISTINCT c.name FROM sections c JOIN systems y ON y.section_id = c.id ORDER BY c.name");
	if (!st)
		status = POLICY_ERR_DB;
	while (!status && sqlite3_step(st) == SQLITE_ROW) {
		char **grown = realloc(names, (n + 1) * sizeof *names);
		if (!grown || !(grown[n] = strdup((const char *)sqlite3_column_text(st, 0)))) {
			names = grown ? grown : names;
			status = pol_fail(POLICY_ERR_NOMEM, "out of memory");
			break;
		}
		names = grown;
		n++;
	}
	sqlite3_finalize(st);
	pol_unlock(db);
	if (!status && !n)
		status = monthly_part(db, year, month, NULL, opts, fmt, out, false, false);
	for (size_t i = 0; !status && i < n; i++)
		status = monthly_part(db, year, month, names[i], opts, fmt, out, i > 0, i + 1 < n);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return status;
}

int policy_report_monthly(policy_db *db, int year, int month, const char *section, policy_report_format fmt, FILE *out)
{
	return policy_report_monthly_opts(db, year, month, section, NULL, fmt, out);
}
