/* permit.c: permit applications, validation rules and state steps (see permit.h). */
#include "permit.h"
#include "admin.h"
#include "cidr.h"
#include "policy_internal.h"
#include "i18n.h"

#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = { "applied", "approved", "refused", "ordered", "suspended", "revoked", "ended" };

const char *policy_permit_state_name(policy_permit_state s)
{
	return (unsigned)s <= POLICY_PERMIT_ENDED ? state_names[s] : "unknown";
}

static bool state_parse(const char *t, policy_permit_state *s)
{
	for (int i = 0; t && i <= POLICY_PERMIT_ENDED; i++)
		if (!strcmp(t, state_names[i])) {
			*s = (policy_permit_state)i;
			return true;
		}
	return false;
}

/* Table 1 and Table 2 of the rules, item by item. */
static const char *const table1_items[] = { "line", "vpn", "equipment", "lent-terminal", "view-only", NULL };
static const char *const table2_items[] = { "ssl-vpn", "ip-restriction", "antivirus", "windows-update",
					    "certificate", "maintenance-tool", "view-only", NULL };

const char *const *policy_table_items(int table)
{
	return table == 1 ? table1_items : table == 2 ? table2_items : NULL;
}

static bool in_list(const char *const *list, const char *item)
{
	for (; *list; list++)
		if (!strcmp(*list, item))
			return true;
	return false;
}

static int check_checklist(const policy_permit_application *a)
{
	const char *const *items = policy_table_items(a->table);
	for (size_t i = 0; i < a->n_confirm; i++)
		if (!in_list(items, a->confirm[i]))
			return pol_fail(POLICY_ERR_INVALID, "rule checklist: '%s' is not an item of Table %d", a->confirm[i], a->table);
	if (a->confirm_all)
		return POLICY_OK;
	for (; *items; items++) {
		bool found = false;
		for (size_t i = 0; i < a->n_confirm && !found; i++)
			found = !strcmp(a->confirm[i], *items);
		if (!found)
			return pol_fail(POLICY_ERR_INVALID, "rule checklist: Table %d item '%s' is not confirmed", a->table, *items);
	}
	return POLICY_OK;
}

typedef struct {
	cal_date from, to, cfrom, cto;
} periods;

static int parse_dates(const policy_permit_application *a, periods *p)
{
	const char *names[] = { "from", "to", "contract-from", "contract-to" };
	const char *vals[] = { a->from, a->to, a->contract_from, a->contract_to };
	cal_date *outs[] = { &p->from, &p->to, &p->cfrom, &p->cto };
	for (int i = 0; i < 4; i++)
		if (!cal_parse_date(vals[i], outs[i]))
			return pol_fail(POLICY_ERR_INVALID, "--%s '%s' is not a date YYYY-MM-DD", names[i], vals[i] ? vals[i] : "");
	return POLICY_OK;
}

static int check_periods(const periods *p)
{
	if (cal_compare(p->from, p->to) > 0)
		return pol_fail(POLICY_ERR_INVALID, "rule period-order: the period ends before it starts");
	if (cal_compare(p->cfrom, p->cto) > 0)
		return pol_fail(POLICY_ERR_INVALID, "rule period-order: the contract period ends before it starts");
	if (cal_compare(p->from, p->cfrom) < 0 || cal_compare(p->to, p->cto) > 0)
		return pol_fail(POLICY_ERR_INVALID, "rule period-in-contract: the permit period must lie inside the contract period (Art. 4-3)");
	if (cal_fiscal_year(p->from) != cal_fiscal_year(p->to))
		return pol_fail(POLICY_ERR_INVALID, "rule one-fiscal-year: the period crosses 31 March; a permit may not exceed one fiscal year (Art. 4-3)");
	return POLICY_OK;
}

static int check_sources(const policy_permit_application *a, char **joined)
{
	size_t len = 1;
	for (size_t i = 0; i < a->n_sources; i++) {
		policy_cidr c;
		if (!policy_cidr_parse(a->sources[i], &c))
			return pol_fail(POLICY_ERR_INVALID, "rule source-cidr: '%s' is not an address block like 192.0.2.0/24 or 2001:db8::/48 (host bits must be zero)",
					a->sources[i]);
		len += 64;
	}
	if (a->table == 2 && a->n_sources == 0)
		return pol_fail(POLICY_ERR_INVALID, "rule table2-source: Table 2 restricts connections by global IP address; give at least one --source CIDR");
	char *s = calloc(1, len);
	if (!s)
		return pol_fail(POLICY_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < a->n_sources; i++) {
		policy_cidr c;
		char one[64];
		policy_cidr_parse(a->sources[i], &c);
		policy_cidr_format(&c, one, sizeof one);
		if (i)
			strcat(s, " ");
		strcat(s, one);
	}
	*joined = s;
	return POLICY_OK;
}

typedef struct {
	int64_t section_id, vendor_id, prime_id, system_id;
	char officer[256];
	char networks[1024], lab[1024]; /* the system's networks and lab ranges */
} refs;

typedef struct {
	const policy_cidr *source;
	policy_cidr hit;
} within_ctx;

static bool contains_source(void *ctx, const policy_cidr *block)
{
	within_ctx *w = ctx;
	w->hit = *block;
	return policy_cidr_within(w->source, block);
}

/* Table 1: the system has networks and the sources lie inside them (table1-networks).
 * Table 2: each source is a global block at least the minimum prefix long
 * (table2-source-global), or lies inside a lab range of the system: then it is added to
 * *lab_out (malloc'd, space-joined; "" for none). Lock held. */
static int check_source_rules(policy_db *db, const policy_permit_application *a, const refs *r, char **lab_out)
{
	char *lab = calloc(1, a->n_sources * 64 + 1);
	if (!lab)
		return pol_fail(POLICY_ERR_NOMEM, "out of memory");
	int min4 = 0, min6 = 0, status = POLICY_OK;
	if (a->table == 1 && !r->networks[0])
		status = pol_fail(POLICY_ERR_INVALID, "rule table1-networks: system '%s' has no networks: a Table 1 connection"
				  " arrives by a dedicated line or the city's VPN; set them first ('system set %s --networks"
				  " CIDR...') (Art. 3, Table 1 row 1)", a->system, a->system);
	if (!status && a->table == 2)
		status = pol_sources_get_locked(db, &min4, &min6);
	for (size_t i = 0; !status && i < a->n_sources; i++) {
		policy_cidr c, range;
		char text[64], rtext[64];
		policy_cidr_parse(a->sources[i], &c);
		policy_cidr_format(&c, text, sizeof text);
		within_ctx w = { .source = &c };
		if (a->table == 1) {
			if (!policy_cidr_list_any(r->networks, contains_source, &w))
				status = pol_fail(POLICY_ERR_INVALID, "rule table1-networks: source %s is outside the networks of"
						  " system '%s' (%s)", text, a->system, r->networks);
			continue;
		}
		policy_cidr_kind k = policy_cidr_classify(&c, min4, min6, &range);
		if (k == POLICY_CIDR_GLOBAL)
			continue;
		if (policy_cidr_list_any(r->lab, contains_source, &w)) {
			if (*lab)
				strcat(lab, " ");
			strcat(lab, text);
			continue;
		}
		policy_cidr_format(&range, rtext, sizeof rtext);
		if (k == POLICY_CIDR_ANY)
			status = pol_fail(POLICY_ERR_INVALID, "rule table2-source-global: %s is every address, no restriction"
					  " by global IP address (Table 2 row 1(2))", text);
		else if (k == POLICY_CIDR_TOO_WIDE)
			status = pol_fail(POLICY_ERR_INVALID, "rule table2-source-global: %s is wider than the city's minimum"
					  " /%d for %s (see 'sources show'); name the vendor's own addresses (Table 2 row 1(2))",
					  text, policy_cidr_is_v4(&c) ? min4 : min6, policy_cidr_is_v4(&c) ? "IPv4" : "IPv6");
		else if (policy_cidr_within(&c, &range)) /* the kind's name shown translated (cidr.c marks them) */
			status = pol_fail(POLICY_ERR_INVALID, "rule table2-source-global: %s is not a global address: inside %s %s"
					  " (Table 2 row 1(2)); a lab range must be allowed on the system ('system set %s"
					  " --lab-sources CIDR...')", text, _(policy_cidr_kind_name(k)), rtext, a->system);
		else
			status = pol_fail(POLICY_ERR_INVALID, "rule table2-source-global: %s is not a global address: includes %s %s"
					  " (Table 2 row 1(2)); a lab range must be allowed on the system ('system set %s"
					  " --lab-sources CIDR...')", text, _(policy_cidr_kind_name(k)), rtext, a->system);
	}
	if (status) {
		free(lab);
		return status;
	}
	*lab_out = lab;
	return POLICY_OK;
}

static int64_t query_id(policy_db *db, const char *sql, int64_t arg, bool *found)
{
	sqlite3_stmt *st = pol_prepare(db, sql);
	int64_t v = 0;
	*found = false;
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*found = true;
		v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

/* Resolves names and checks the rules that need the database. Lock held. */
static int resolve(policy_db *db, const policy_permit_application *a, refs *r)
{
	int status;
	if ((status = pol_id_by_name(db, "sections", a->section, &r->section_id)) ||
	    (status = pol_id_by_name(db, "vendors", a->vendor, &r->vendor_id)) ||
	    (status = pol_id_by_name(db, "systems", a->system, &r->system_id)))
		return status;
	bool found;
	int64_t owner = query_id(db, "SELECT section_id FROM systems WHERE id = ?", r->system_id, &found);
	if (owner != r->section_id)
		return pol_fail(POLICY_ERR_INVALID, "rule owner-section: system '%s' belongs to another section; its owner section applies (Art. 4-1)", a->system);
	char cls[16] = "";
	sqlite3_stmt *st = pol_prepare(db, "SELECT class, networks, lab_sources FROM systems WHERE id = ?");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, r->system_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(cls, sizeof cls, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(r->networks, sizeof r->networks, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(r->lab, sizeof r->lab, "%s", (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (strcmp(cls, "internet") && a->table != 1)
		return pol_fail(POLICY_ERR_INVALID, "rule class-table: system '%s' is of class %s, which allows Table 1 only (Art. 4-2)", a->system, cls);
	r->prime_id = query_id(db, "SELECT IFNULL(prime_id, 0) FROM vendors WHERE id = ?", r->vendor_id, &found);
	if (r->prime_id) {
		int64_t named = 0;
		if (!a->prime)
			return pol_fail(POLICY_ERR_INVALID, "rule subcontractor-prime: '%s' is a subcontractor; its permit must name its prime vendor (--prime) (Art. 4-4)", a->vendor);
		if ((status = pol_id_by_name(db, "vendors", a->prime, &named)))
			return status;
		if (named != r->prime_id)
			return pol_fail(POLICY_ERR_INVALID, "rule subcontractor-prime: '%s' is not the prime vendor of '%s'", a->prime, a->vendor);
	} else if (a->prime) {
		return pol_fail(POLICY_ERR_INVALID, "rule subcontractor-prime: '%s' is a prime vendor itself; --prime is only for subcontractors", a->vendor);
	}
	st = pol_prepare(db, "SELECT officer FROM sections WHERE id = ?");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, r->section_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(r->officer, sizeof r->officer, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return POLICY_OK;
}

static int add_history(policy_db *db, int64_t permit_id, int64_t now_us, const char *actor, const char *action,
                       const char *from_state, const char *to_state, const char *reason)
{
	sqlite3_stmt *st = pol_prepare(db, "INSERT INTO permit_history(permit_id, at_us, actor, action, from_state, to_state,"
					   " reason) VALUES (?,?,?,?,?,?,?)");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, permit_id);
	sqlite3_bind_int64(st, 2, now_us);
	pol_bind_text(st, 3, actor);
	pol_bind_text(st, 4, action);
	pol_bind_text(st, 5, from_state);
	pol_bind_text(st, 6, to_state);
	pol_bind_text(st, 7, reason ? reason : "");
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "recording permit history");
}

static int insert_checklist(policy_db *db, int64_t id, const policy_permit_application *a)
{
	sqlite3_stmt *st = pol_prepare(db, "INSERT INTO permit_checklist(permit_id, table_no, item, confirmed) VALUES (?,?,?,1)");
	if (!st)
		return POLICY_ERR_DB;
	int status = POLICY_OK;
	for (const char *const *it = policy_table_items(a->table); *it && !status; it++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, a->table);
		sqlite3_bind_text(st, 3, *it, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			status = pol_sql_fail(db, "recording the checklist");
	}
	sqlite3_finalize(st);
	return status;
}

static int insert_permit(policy_db *db, const policy_permit_application *a, const refs *r, const periods *p,
                         const char *sources, const char *lab, const char *actor, int64_t now_us, int64_t *id)
{
	sqlite3_stmt *st = pol_prepare(db,
		"INSERT INTO permits(state, section_id, vendor_id, prime_vendor_id, system_id, purpose, from_date, to_date,"
		" contract_from, contract_to, window_start_us, window_end_us, table_no, sources, observe_only, applied_by,"
		" applied_us, updated_us, lab_sources) VALUES ('applied',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!st)
		return POLICY_ERR_DB;
	char d[4][11];
	cal_format_date(p->from, d[0]);
	cal_format_date(p->to, d[1]);
	cal_format_date(p->cfrom, d[2]);
	cal_format_date(p->cto, d[3]);
	sqlite3_bind_int64(st, 1, r->section_id);
	sqlite3_bind_int64(st, 2, r->vendor_id);
	if (r->prime_id)
		sqlite3_bind_int64(st, 3, r->prime_id);
	sqlite3_bind_int64(st, 4, r->system_id);
	pol_bind_text(st, 5, a->purpose);
	for (int i = 0; i < 4; i++)
		pol_bind_text(st, 6 + i, d[i]);
	sqlite3_bind_int64(st, 10, pol_local_midnight_us(db, p->from));
	sqlite3_bind_int64(st, 11, pol_local_midnight_us(db, cal_add_days(p->to, 1)));
	sqlite3_bind_int(st, 12, a->table);
	pol_bind_text(st, 13, sources);
	sqlite3_bind_int(st, 14, a->observe_only);
	pol_bind_text(st, 15, actor);
	sqlite3_bind_int64(st, 16, now_us);
	sqlite3_bind_int64(st, 17, now_us);
	pol_bind_text(st, 18, lab);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pol_sql_fail(db, "recording the application");
	*id = sqlite3_last_insert_rowid(db->sql);
	return POLICY_OK;
}

int policy_permit_apply(policy_db *db, const policy_permit_application *a, int64_t now_us, int64_t *id_out)
{
	periods p;
	char *sources = NULL, *lab = NULL;
	int status;
	if (!a->purpose || !*a->purpose)
		return pol_fail(POLICY_ERR_INVALID, "an application needs a purpose (--purpose)");
	if (a->table != 1 && a->table != 2)
		return pol_fail(POLICY_ERR_INVALID, "rule class-table: --table must be 1 or 2");
	if ((status = parse_dates(a, &p)) || (status = check_periods(&p)) || (status = check_checklist(a)) ||
	    (status = check_sources(a, &sources)))
		return status;
	refs r = { 0 };
	int64_t id = 0;
	pol_lock(db);
	if (!(status = resolve(db, a, &r)) && !(status = check_source_rules(db, a, &r, &lab)) && !(status = pol_begin(db))) {
		const char *actor = a->applicant && *a->applicant ? a->applicant : r.officer[0] ? r.officer : a->section;
		if (!(status = insert_permit(db, a, &r, &p, sources, lab, actor, now_us, &id)) &&
		    !(status = insert_checklist(db, id, a)) &&
		    !(status = add_history(db, id, now_us, actor, "apply", NULL, "applied", a->purpose)))
			status = pol_commit(db);
		else
			pol_rollback(db);
	}
	pol_unlock(db);
	free(sources);
	free(lab);
	if (!status && id_out)
		*id_out = id;
	return status;
}

/* The next state for a step from `from`, or -1 if the step is illegal. */
static int next_state(policy_permit_step step, policy_permit_state from)
{
	bool live = from == POLICY_PERMIT_APPROVED || from == POLICY_PERMIT_ORDERED;
	switch (step) {
	case POLICY_STEP_APPROVE: return from == POLICY_PERMIT_APPLIED ? POLICY_PERMIT_APPROVED : -1;
	case POLICY_STEP_REFUSE: return from == POLICY_PERMIT_APPLIED ? POLICY_PERMIT_REFUSED : -1;
	case POLICY_STEP_ORDER:
		return live ? POLICY_PERMIT_ORDERED : from == POLICY_PERMIT_SUSPENDED ? POLICY_PERMIT_SUSPENDED : -1;
	case POLICY_STEP_ORDER_SUSPEND:
		return live || from == POLICY_PERMIT_SUSPENDED ? POLICY_PERMIT_SUSPENDED : -1;
	case POLICY_STEP_SUSPEND: return live ? POLICY_PERMIT_SUSPENDED : -1;
	case POLICY_STEP_RESUME: return from == POLICY_PERMIT_SUSPENDED ? POLICY_PERMIT_APPROVED : -1;
	case POLICY_STEP_REVOKE:
		return live || from == POLICY_PERMIT_SUSPENDED ? POLICY_PERMIT_REVOKED : -1;
	case POLICY_STEP_END: return live || from == POLICY_PERMIT_SUSPENDED ? POLICY_PERMIT_ENDED : -1;
	}
	return -1;
}

static const char *const step_names[] = { "approve", "refuse", "order", "order+suspend", "suspend", "resume", "revoke", "end" };

static int read_state(policy_db *db, int64_t id, policy_permit_state *s)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT state FROM permits WHERE id = ?");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	int status = POLICY_OK;
	if (rc == SQLITE_ROW) {
		if (!state_parse((const char *)sqlite3_column_text(st, 0), s))
			status = pol_fail(POLICY_ERR_DB, "permit %lld has an unknown state", (long long)id);
	} else if (rc == SQLITE_DONE) {
		status = pol_fail(POLICY_ERR_NOT_FOUND, "no permit %lld (see 'permit list')", (long long)id);
	} else {
		status = pol_sql_fail(db, "reading a permit");
	}
	sqlite3_finalize(st);
	return status;
}

int policy_permit_state_of(policy_db *db, int64_t permit_id, policy_permit_state *state)
{
	pol_lock(db);
	int status = read_state(db, permit_id, state);
	pol_unlock(db);
	return status;
}

static int write_state(policy_db *db, int64_t id, policy_permit_state to, int64_t now_us)
{
	sqlite3_stmt *st = pol_prepare(db, "UPDATE permits SET state = ?, updated_us = ? WHERE id = ?");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_text(st, 1, state_names[to], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_us);
	sqlite3_bind_int64(st, 3, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "changing a permit");
}

/* ---- re-checking an application at its decision ---- */

/* The stored application of permit `id`, as apply saw it, for the rules to
 * run again. Strings point into the statement, which the caller finalizes
 * (*st_out) after use; the sources are split into `src` (at most max). */
static int load_application(policy_db *db, int64_t id, policy_permit_application *a, sqlite3_stmt **st_out,
                            char *src_buf, size_t src_len, const char **src, size_t max)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT c.name, v.name, pv.name, s.name, p.purpose, p.from_date, p.to_date,"
					   " p.contract_from, p.contract_to, p.table_no, p.sources, p.observe_only"
					   " FROM permits p JOIN sections c ON c.id = p.section_id"
					   " JOIN vendors v ON v.id = p.vendor_id LEFT JOIN vendors pv ON pv.id = p.prime_vendor_id"
					   " JOIN systems s ON s.id = p.system_id WHERE p.id = ?");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return pol_fail(POLICY_ERR_NOT_FOUND, "no permit %lld (see 'permit list')", (long long)id);
	}
	memset(a, 0, sizeof *a);
	a->section = (const char *)sqlite3_column_text(st, 0);
	a->vendor = (const char *)sqlite3_column_text(st, 1);
	a->prime = (const char *)sqlite3_column_text(st, 2);
	a->system = (const char *)sqlite3_column_text(st, 3);
	a->purpose = (const char *)sqlite3_column_text(st, 4);
	a->from = (const char *)sqlite3_column_text(st, 5);
	a->to = (const char *)sqlite3_column_text(st, 6);
	a->contract_from = (const char *)sqlite3_column_text(st, 7);
	a->contract_to = (const char *)sqlite3_column_text(st, 8);
	a->table = sqlite3_column_int(st, 9);
	a->observe_only = sqlite3_column_int(st, 11);
	a->confirm_all = true; /* the checklist was complete at apply and is never edited */
	snprintf(src_buf, src_len, "%s", sqlite3_column_text(st, 10) ? (const char *)sqlite3_column_text(st, 10) : "");
	for (char *save = NULL, *tok = strtok_r(src_buf, " ", &save); tok && a->n_sources < max;
	     tok = strtok_r(NULL, " ", &save))
		src[a->n_sources++] = tok;
	a->sources = src;
	*st_out = st;
	return POLICY_OK;
}

/* Runs the rules of apply again on permit `id` against the database as it is
 * now (the system may have moved to another section or class, the vendor
 * may have become a subcontractor), plus period-ended. Lock held. */
static int recheck_at_decision(policy_db *db, int64_t id, int64_t now_us)
{
	policy_permit_application a;
	sqlite3_stmt *st = NULL;
	char src_buf[4096];
	const char *src[64];
	int status = load_application(db, id, &a, &st, src_buf, sizeof src_buf, src, 64);
	if (status)
		return status;
	periods p;
	char *sources = NULL;
	refs r = { 0 };
	if (!(status = parse_dates(&a, &p)) && !(status = check_periods(&p))) {
		cal_date today = pol_local_date(db, now_us);
		if (cal_compare(p.to, today) < 0)
			status = pol_fail(POLICY_ERR_INVALID,
					  "rule period-ended: the permit period ended on %s; a permit for a past period cannot be approved",
					  a.to);
	}
	if (!status && !(status = check_sources(&a, &sources)))
		status = resolve(db, &a, &r);
	free(sources);
	sqlite3_finalize(st);
	return status;
}

/* ---- corrective orders ---- */

/* The oldest overdue open order of `id`. Lock held. */
static int overdue_locked(policy_db *db, int64_t id, int64_t now_us, bool *found, int64_t *order_id, char due[11])
{
	char today[11];
	cal_format_date(pol_local_date(db, now_us), today);
	sqlite3_stmt *st = pol_prepare(db, "SELECT id, due_date FROM permit_orders WHERE permit_id = ? AND done_us IS NULL"
					   " AND due_date < ? ORDER BY due_date, id LIMIT 1");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, today, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found) {
		*order_id = sqlite3_column_int64(st, 0);
		snprintf(due, 11, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "reading corrective orders");
}

int policy_permit_overdue_order(policy_db *db, int64_t permit_id, int64_t now_us, bool *found, int64_t *order_id,
                                char due[11])
{
	pol_lock(db);
	int status = overdue_locked(db, permit_id, now_us, found, order_id, due);
	pol_unlock(db);
	return status;
}

/* Moves permit `id` by `step` and writes its history row; the caller holds
 * the lock and the transaction. */
static int step_locked(policy_db *db, int64_t id, policy_permit_step step, const char *actor, const char *reason,
                       int64_t now_us)
{
	policy_permit_state from;
	int status = read_state(db, id, &from);
	if (status)
		return status;
	int to = next_state(step, from);
	if (to < 0)
		return pol_fail(POLICY_ERR_STATE, "permit %lld is %s; '%s' is not allowed from that state", (long long)id,
				state_names[from], step_names[step]);
	if (step == POLICY_STEP_APPROVE && (status = recheck_at_decision(db, id, now_us)))
		return status;
	char note[1024];
	if (step == POLICY_STEP_REVOKE) {
		bool overdue = false;
		int64_t order_id = 0;
		char due[11];
		if ((status = overdue_locked(db, id, now_us, &overdue, &order_id, due)))
			return status;
		if (overdue) {
			/* Art. 8: the revocation rests on the order not carried out; the history says which. */
			snprintf(note, sizeof note, "%s (corrective order %lld, due %s, was not carried out)", reason,
				 (long long)order_id, due);
			reason = note;
		}
	}
	if ((status = write_state(db, id, (policy_permit_state)to, now_us)) ||
	    (status = add_history(db, id, now_us, actor, step_names[step], state_names[from], state_names[to], reason)))
		return status;
	return POLICY_OK;
}

int policy_permit_step_apply(policy_db *db, int64_t id, policy_permit_step step, const char *actor, const char *reason,
                             int64_t now_us)
{
	if ((unsigned)step > POLICY_STEP_END)
		return pol_fail(POLICY_ERR_INVALID, "unknown permit step");
	if (step == POLICY_STEP_ORDER || step == POLICY_STEP_ORDER_SUSPEND)
		return pol_fail(POLICY_ERR_INVALID, "an order has a due date: record it with policy_permit_order");
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who decides must be named (--by)");
	if (step != POLICY_STEP_APPROVE && (!reason || !*reason))
		return pol_fail(POLICY_ERR_INVALID, "a %s needs a reason (--reason)", step_names[step]);
	pol_lock(db);
	int status = pol_begin(db);
	if (!status)
		status = step_locked(db, id, step, actor, reason, now_us);
	if (status)
		pol_rollback(db);
	else
		status = pol_commit(db);
	pol_unlock(db);
	if (!status)
		WLog_INFO(POLICY_TAG, "permit %lld: %s by %s", (long long)id, step_names[step], actor);
	return status;
}

int policy_permit_order(policy_db *db, int64_t permit_id, const char *actor, const char *measures, const char *due,
                        bool suspend, int64_t now_us, int64_t *order_id)
{
	cal_date due_date;
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who orders must be named (--by)");
	if (!measures || !*measures)
		return pol_fail(POLICY_ERR_INVALID, "an order needs the measures to take (--reason)");
	if (!due || !cal_parse_date(due, &due_date))
		return pol_fail(POLICY_ERR_INVALID, "an order needs a due date: --due '%s' is not a date YYYY-MM-DD",
				due ? due : "");
	pol_lock(db);
	char due_text[11];
	cal_format_date(due_date, due_text);
	int status = POLICY_OK;
	if (cal_compare(due_date, pol_local_date(db, now_us)) < 0)
		status = pol_fail(POLICY_ERR_INVALID, "rule order-due: the due date %s is before the day of the order", due_text);
	if (!status)
		status = pol_begin(db);
	if (!status)
		status = step_locked(db, permit_id, suspend ? POLICY_STEP_ORDER_SUSPEND : POLICY_STEP_ORDER, actor, measures,
				     now_us);
	if (!status) {
		sqlite3_stmt *st = pol_prepare(db, "INSERT INTO permit_orders(permit_id, ordered_us, ordered_by, measures, due_date,"
						   " suspended) VALUES (?,?,?,?,?,?)");
		if (!st) {
			status = POLICY_ERR_DB;
		} else {
			sqlite3_bind_int64(st, 1, permit_id);
			sqlite3_bind_int64(st, 2, now_us);
			pol_bind_text(st, 3, actor);
			pol_bind_text(st, 4, measures);
			pol_bind_text(st, 5, due_text);
			sqlite3_bind_int(st, 6, suspend);
			if (sqlite3_step(st) != SQLITE_DONE)
				status = pol_sql_fail(db, "recording the order");
			else if (order_id)
				*order_id = sqlite3_last_insert_rowid(db->sql);
			sqlite3_finalize(st);
		}
	}
	if (status)
		pol_rollback(db);
	else
		status = pol_commit(db);
	pol_unlock(db);
	if (!status)
		WLog_INFO(POLICY_TAG, "permit %lld: corrective order by %s, due %s%s", (long long)permit_id, actor, due_text,
			  suspend ? ", suspended" : "");
	return status;
}

int policy_permit_order_done(policy_db *db, int64_t permit_id, const char *actor, const char *note, int64_t now_us,
                             int *closed)
{
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who confirms the measures must be named (--by)");
	if (!note || !*note)
		return pol_fail(POLICY_ERR_INVALID, "say what was done (--reason)");
	pol_lock(db);
	policy_permit_state from;
	int status = pol_begin(db);
	if (!status)
		status = read_state(db, permit_id, &from);
	if (!status && (from == POLICY_PERMIT_APPLIED || from == POLICY_PERMIT_REFUSED || from == POLICY_PERMIT_REVOKED ||
			from == POLICY_PERMIT_ENDED))
		status = pol_fail(POLICY_ERR_STATE, "permit %lld is %s; it has no corrective order to close", (long long)permit_id,
				  state_names[from]);
	int n = 0;
	if (!status) {
		sqlite3_stmt *st = pol_prepare(db, "UPDATE permit_orders SET done_us = ?, done_by = ?, done_note = ?"
						   " WHERE permit_id = ? AND done_us IS NULL");
		if (!st) {
			status = POLICY_ERR_DB;
		} else {
			sqlite3_bind_int64(st, 1, now_us);
			pol_bind_text(st, 2, actor);
			pol_bind_text(st, 3, note);
			sqlite3_bind_int64(st, 4, permit_id);
			if (sqlite3_step(st) != SQLITE_DONE)
				status = pol_sql_fail(db, "closing the orders");
			n = sqlite3_changes(db->sql);
			sqlite3_finalize(st);
		}
		if (!status && n == 0)
			status = pol_fail(POLICY_ERR_STATE, "permit %lld has no open corrective order", (long long)permit_id);
	}
	if (!status) {
		/* An order without suspension kept the permit usable as 'ordered'; with its measures
		 * done it is plainly approved again. A suspension is lifted only by 'resume'. */
		policy_permit_state to = from == POLICY_PERMIT_ORDERED ? POLICY_PERMIT_APPROVED : from;
		if (to != from)
			status = write_state(db, permit_id, to, now_us);
		if (!status)
			status = add_history(db, permit_id, now_us, actor, "order-done", state_names[from], state_names[to], note);
	}
	if (status)
		pol_rollback(db);
	else
		status = pol_commit(db);
	pol_unlock(db);
	if (!status && closed)
		*closed = n;
	return status;
}
