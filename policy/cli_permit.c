/* cli_permit.c: permit apply / decide / order / suspend / resume / revoke / end / list / show
 * (--form: Form 1) / notice (Form 2). */
#include "cli_commands.h"
#include "ledger_internal.h"
#include "forms.h"
#include "permit.h"
#include "text_escape.h"
#include "text_width.h"

#include <string.h>

/* Derived, never stored: a live permit (approved, ordered, suspended) whose window has ended.
 * ?9 is now in microseconds; every query that uses it binds it as its ninth parameter. */
#define PERMIT_EXPIRED                                                                                    \
	"(p.state IN ('approved','ordered','suspended') AND p.window_end_us <= CAST(?9 AS INTEGER))"
/* The state to show: "expired" replaces a live state past its window. */
#define PERMIT_SHOWN_STATE "CASE WHEN " PERMIT_EXPIRED " THEN 'expired' ELSE p.state END"

#define PERMIT_VIEW                                                                                       \
	"SELECT p.id, p.state, " PERMIT_EXPIRED " AS expired, c.name AS section, v.name AS vendor, pv.name AS prime, s.name AS system,"    \
	" s.class, p.purpose, p.from_date, p.to_date, p.contract_from, p.contract_to, p.table_no,"          \
	" p.sources, p.lab_sources AS lab_exception, s.networks AS system_networks, p.observe_only, p.applied_by, " CLI_LOCAL("p.applied_us") " AS applied,"              \
	" " CLI_LOCAL("p.updated_us") " AS updated"                                                          \
	" FROM permits p JOIN sections c ON c.id = p.section_id JOIN vendors v ON v.id = p.vendor_id"       \
	" LEFT JOIN vendors pv ON pv.id = p.prime_vendor_id JOIN systems s ON s.id = p.system_id"

static int apply(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = {
		{ "vendor", OPT_VALUE, 0 },        { "prime", OPT_VALUE, 0 },       { "system", OPT_VALUE, 0 },
		{ "section", OPT_VALUE, 0 },       { "purpose", OPT_VALUE, 0 },     { "from", OPT_VALUE, 0 },
		{ "to", OPT_VALUE, 0 },            { "contract-from", OPT_VALUE, 0 },{ "contract-to", OPT_VALUE, 0 },
		{ "source", OPT_MULTI, 0 },        { "table", OPT_VALUE, 0 },       { "confirm", OPT_MULTI, 0 },
		{ "confirm-all", OPT_FLAG, 0 },    { "observe-only", OPT_FLAG, 0 }, { "by", OPT_VALUE, 0 },
		{ NULL, 0, 0 },
	};
	cli_args a;
	if (cli_parse("permit apply", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos)
		return cli_usage("permit apply: unexpected argument '%s'", a.pos[0]);
	const char *required[] = { "vendor", "system", "section", "purpose", "from", "to", "contract-from", "contract-to", "table" };
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (!cli_has(&a, required[i]))
			return cli_usage("permit apply: --%s is required", required[i]);
	const char *table = cli_get(&a, "table");
	if (strcmp(table, "1") && strcmp(table, "2"))
		return cli_usage("permit apply: --table must be 1 or 2");
	if (!cli_has(&a, "confirm") && !cli_has(&a, "confirm-all"))
		return cli_usage("permit apply: confirm the table's items with --confirm ITEM... or --confirm-all");
	const char *sources[64], *confirm[32];
	policy_permit_application app = {
		.section = cli_get(&a, "section"), .vendor = cli_get(&a, "vendor"), .prime = cli_get(&a, "prime"),
		.system = cli_get(&a, "system"), .purpose = cli_get(&a, "purpose"), .from = cli_get(&a, "from"),
		.to = cli_get(&a, "to"), .contract_from = cli_get(&a, "contract-from"),
		.contract_to = cli_get(&a, "contract-to"), .sources = sources,
		.n_sources = cli_all(&a, "source", sources, 64), .table = table[0] - '0', .confirm = confirm,
		.n_confirm = cli_all(&a, "confirm", confirm, 32), .confirm_all = cli_has(&a, "confirm-all"),
		.observe_only = cli_has(&a, "observe-only"), .applicant = cli_get(&a, "by"),
	};
	int64_t id;
	if (policy_permit_apply(db, &app, policy_now_us(), &id))
		return cli_fail();
	printf("%lld\n", (long long)id);
	return CLI_OK;
}

/* One line of the decision under the record cli_print_record printed (its labels are short:
 * the values start at column 17 there too). */
static void notice_line(const char *label, const char *value)
{
	text_print_padded(stdout, label, 17);
	text_escape_fputs(value, stdout);
	putchar('\n');
}

/* Form 2 as text, after a decision; the document to file is `permit notice ID`. */
static void print_notice(policy_db *db, int64_t id, bool approved, const char *by, const char *reason)
{
	char idbuf[24];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
	const char *bind[] = { idbuf };
	/* the same title as the printed form (`permit notice ID`, forms.h) */
	printf("%s (別記様式第2号): %s\n", POLICY_FORM2_TITLE, approved ? "許可" : "不許可");
	cli_print_record(db, stdout, false,
			 "SELECT p.id AS 許可番号, c.name AS 申請課, v.name AS 事業者, s.name AS システム,"
			 " p.purpose AS 目的, p.from_date || ' - ' || p.to_date AS 期間, p.sources AS 接続元"
			 " FROM permits p JOIN sections c ON c.id = p.section_id JOIN vendors v ON v.id = p.vendor_id"
			 " JOIN systems s ON s.id = p.system_id WHERE p.id = ?1",
			 1, bind);
	/* the record's column: labels padded by display width (two columns per kanji) */
	notice_line("決定", approved ? "許可する" : "許可しない");
	notice_line("決定者", by);
	if (reason && *reason)
		notice_line("理由", reason);
}

static void print_state(policy_db *db, int64_t id)
{
	policy_permit_state s;
	if (!policy_permit_state_of(db, id, &s))
		printf(_("permit %lld is now %s\n"), (long long)id, policy_permit_state_name(s));
}

static int step_cmd(policy_db *db, const char *verb, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "by", OPT_VALUE, 0 },      { "reason", OPT_VALUE, 0 },
					    { "approve", OPT_FLAG, 0 },  { "refuse", OPT_FLAG, 0 },
					    { "suspend", OPT_FLAG, 0 },  { "due", OPT_VALUE, 0 },
					    { NULL, 0, 0 } };
	char cmd[32];
	snprintf(cmd, sizeof cmd, "permit %s", verb);
	cli_args a;
	if (cli_parse(cmd, argc, argv, spec, &a))
		return CLI_USAGE;
	int64_t id;
	if (a.npos != 1)
		return cli_usage("%s: give one permit ID", cmd);
	if (cli_id(a.pos[0], N_("permit ID"), &id))
		return CLI_USAGE;
	bool decide = !strcmp(verb, "decide");
	if (decide ? (cli_has(&a, "approve") == cli_has(&a, "refuse")) : (cli_has(&a, "approve") || cli_has(&a, "refuse")))
		return cli_usage(decide ? N_("%s: give exactly one of --approve or --refuse")
					: N_("%s: --approve/--refuse belong to 'permit decide'"),
				 cmd);
	bool order = !strcmp(verb, "order");
	if (cli_has(&a, "suspend") && !order)
		return cli_usage("%s: --suspend belongs to 'permit order'", cmd);
	if (cli_has(&a, "due") != order)
		return cli_usage(order ? N_("%s: --due YYYY-MM-DD is required (the day the measures must be done by)")
				       : N_("%s: --due belongs to 'permit order'"),
				 cmd);
	if (!cli_has(&a, "by"))
		return cli_usage("%s: --by NAME is required", cmd);
	if (!decide && !cli_has(&a, "reason"))
		return cli_usage("%s: --reason TEXT is required", cmd);
	int64_t now = policy_now_us();
	if (order) {
		int64_t order_id;
		if (policy_permit_order(db, id, cli_get(&a, "by"), cli_get(&a, "reason"), cli_get(&a, "due"),
					cli_has(&a, "suspend"), now, &order_id))
			return cli_fail();
		printf(_("corrective order %lld on permit %lld, due %s\n"), (long long)order_id, (long long)id, cli_get(&a, "due"));
		print_state(db, id);
		return CLI_OK;
	}
	if (!strcmp(verb, "order-done")) {
		int closed = 0;
		if (policy_permit_order_done(db, id, cli_get(&a, "by"), cli_get(&a, "reason"), now, &closed))
			return cli_fail();
		printf(_("%d corrective order(s) on permit %lld closed\n"), closed, (long long)id);
		print_state(db, id);
		return CLI_OK;
	}
	policy_permit_step step;
	bool overdue = false;
	int64_t overdue_id = 0;
	char overdue_due[11] = "";
	if (decide)
		step = cli_has(&a, "approve") ? POLICY_STEP_APPROVE : POLICY_STEP_REFUSE;
	else if (!strcmp(verb, "suspend"))
		step = POLICY_STEP_SUSPEND;
	else if (!strcmp(verb, "resume"))
		step = POLICY_STEP_RESUME;
	else if (!strcmp(verb, "revoke"))
		step = POLICY_STEP_REVOKE;
	else
		step = POLICY_STEP_END;
	if (step == POLICY_STEP_REVOKE && policy_permit_overdue_order(db, id, now, &overdue, &overdue_id, overdue_due))
		return cli_fail();
	if (policy_permit_step_apply(db, id, step, cli_get(&a, "by"), cli_get(&a, "reason"), now))
		return cli_fail();
	if (decide) {
		print_notice(db, id, step == POLICY_STEP_APPROVE, cli_get(&a, "by"), cli_get(&a, "reason"));
		return CLI_OK;
	}
	if (overdue)
		printf(_("corrective order %lld was due %s and is not carried out (Art. 8); the history says so\n"),
		       (long long)overdue_id, overdue_due);
	print_state(db, id);
	if (step == POLICY_STEP_END)
		printf(_("end-of-use report for the IT division (Art. 9-2): rmgate-policy permit end-report %lld --format pdf -o FILE\n"),
		       (long long)id);
	return CLI_OK;
}

static int list(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "json", OPT_FLAG, 0 }, { "state", OPT_VALUE, 0 },
					    { "expiring", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	cli_args a;
	if (cli_parse("permit list", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos)
		return cli_usage("permit list: unexpected argument '%s'", a.pos[0]);
	const char *state = cli_get(&a, "state");
	int64_t days = 0;
	if (cli_has(&a, "expiring") && (cli_id(cli_get(&a, "expiring"), "--expiring DAYS", &days) || days > 3660))
		return cli_usage("permit list: --expiring takes a number of days (1 to 3660)");
	char now[24], horizon[24];
	int64_t now_us = policy_now_us();
	snprintf(now, sizeof now, "%lld", (long long)now_us);
	snprintf(horizon, sizeof horizon, "%lld", (long long)(now_us + days * 86400LL * 1000000));
	/* ?1 the state shown (or NULL), ?2 the horizon of --expiring (or NULL), ?9 now. */
	const char *bind[9] = { state, cli_has(&a, "expiring") ? horizon : NULL, NULL, NULL, NULL, NULL, NULL, NULL, now };
	return cli_print_query(db, stdout, cli_has(&a, "json"),
			       "SELECT p.id, " PERMIT_SHOWN_STATE " AS state, v.name AS vendor, s.name AS system,"
			       " p.from_date, p.to_date"
			       " FROM permits p JOIN vendors v ON v.id = p.vendor_id JOIN systems s ON s.id = p.system_id"
			       " WHERE (?1 IS NULL OR " PERMIT_SHOWN_STATE " = ?1)"
			       " AND (?2 IS NULL OR (p.state IN ('approved','ordered','suspended')"
			       "  AND p.window_end_us > CAST(?9 AS INTEGER) AND p.window_end_us <= CAST(?2 AS INTEGER)))"
			       " ORDER BY " "CASE WHEN ?2 IS NULL THEN p.id ELSE p.window_end_us END, p.id",
			       9, bind);
}

/* What Art. 7/8 decisions rest on (docs/policy.md, "Breaches"): redirections the gate blocked in
 * the permit's sessions, sessions ended for going over their time (max_duration, window_end), and
 * logons refused for their source address that are attributed to the permit (ledger_internal.h). */
#define BREACHES_SQL                                                                                     \
	"SELECT " CLI_LOCAL("t") " AS at, kind, session, detail FROM ("                                     \
	" SELECT ev.at_us AS t, ev.seq AS q, 'blocked_redirection' AS kind, ev.session_id AS session, ev.detail"   \
	" FROM events ev JOIN sessions s ON s.id = ev.session_id WHERE s.permit_id = ?1 AND ev.type = 'channel_denied'" \
	" UNION ALL SELECT e.end_us, e.seq, 'over_time_end', e.session_id, e.reason"                           \
	" FROM session_ends e JOIN sessions s ON s.id = e.session_id"                                         \
	" WHERE s.permit_id = ?1 AND e.reason IN ('max_duration', 'window_end')"                              \
	" UNION ALL SELECT ev.at_us, ev.seq, 'refused_source', NULL,"                                          \
	" IFNULL(ev.source, '') || ' ' || IFNULL(ev.login, '')"                                               \
	" FROM events ev WHERE ev.type = 'refused' AND ev.reason = 'source_not_allowed'"                      \
	" AND ?1 IN (SELECT p.id" POL_REFUSAL_PERMITS("ev") ")) ORDER BY t, q"

static int render_form1(policy_db *db, const void *ctx, FILE *out)
{
	return policy_form_application(db, *(const int64_t *)ctx, out);
}

static int render_form2(policy_db *db, const void *ctx, FILE *out)
{
	return policy_form_notice(db, *(const int64_t *)ctx, out);
}

/* --format html|pdf and -o of a form; CLI_USAGE printed for another format. */
static int form_format(const char *cmd, const cli_args *a, bool *pdf)
{
	const char *f = cli_get(a, "format");
	*pdf = f && !strcmp(f, "pdf");
	if (f && !*pdf && strcmp(f, "html"))
		return cli_usage("%s: --format must be html or pdf, not '%s'", cmd, f);
	return CLI_OK;
}

static int render_end_report(policy_db *db, const void *ctx, FILE *out)
{
	return policy_form_end_report(db, *(const int64_t *)ctx, out);
}

/* permit notice ID (Form 2, once decided) / permit end-report ID (Art. 9-2, once ended):
 * reprintable at any time. */
static int document(policy_db *db, const char *cmd, cli_render_fn render, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "format", OPT_VALUE, 0 }, { "output", OPT_VALUE, 'o' }, { NULL, 0, 0 } };
	cli_args a;
	int64_t id;
	bool pdf;
	if (cli_parse(cmd, argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1 || cli_id(a.pos[0], N_("permit ID"), &id))
		return cli_usage("%s: give one permit ID", cmd);
	if (form_format(cmd, &a, &pdf))
		return CLI_USAGE;
	return cli_write_document(db, cmd, cli_get(&a, "output"), pdf, render, &id);
}

static int show(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "json", OPT_FLAG, 0 }, { "form", OPT_FLAG, 0 }, { "format", OPT_VALUE, 0 },
					    { "output", OPT_VALUE, 'o' }, { NULL, 0, 0 } };
	cli_args a;
	int64_t id;
	if (cli_parse("permit show", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1 || cli_id(a.pos[0], N_("permit ID"), &id))
		return cli_usage("permit show: give one permit ID");
	policy_permit_state state;
	if (policy_permit_state_of(db, id, &state))
		return cli_fail(); /* "no permit ID" */
	bool json = cli_has(&a, "json");
	if (cli_has(&a, "form")) { /* Form 1, the application as the city files it */
		bool pdf;
		if (json)
			return cli_usage("permit show: --form and --json exclude each other");
		if (form_format("permit show --form", &a, &pdf))
			return CLI_USAGE;
		return cli_write_document(db, "permit show --form", cli_get(&a, "output"), pdf, render_form1, &id);
	}
	if (cli_has(&a, "format") || cli_has(&a, "output"))
		return cli_usage("permit show: --format and -o go with --form");
	char idbuf[24], now[24];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
	snprintf(now, sizeof now, "%lld", (long long)policy_now_us());
	const char *bind[] = { idbuf, NULL, NULL, NULL, NULL, NULL, NULL, NULL, now };
	if (json)
		fputs("{\"permit\": ", stdout);
	int rc = cli_print_record(db, stdout, json, PERMIT_VIEW " WHERE p.id = ?1", 9, bind);
	if (rc)
		return rc;
	fputs(json ? ",\n\"checklist\": " : _("\nchecklist (all confirmed):\n"), stdout);
	rc = cli_print_query(db, stdout, json, "SELECT table_no, item, confirmed FROM permit_checklist WHERE permit_id = ?1 ORDER BY rowid", 1, bind);
	fputs(json ? ",\n\"history\": " : _("\nhistory:\n"), stdout);
	if (!rc)
		rc = cli_print_query(db, stdout, json,
				     "SELECT " CLI_LOCAL("at_us") " AS at, actor, action, from_state, to_state, reason"
				     " FROM permit_history WHERE permit_id = ?1 ORDER BY id", 1, bind);
	fputs(json ? ",\n\"orders\": " : _("\ncorrective orders:\n"), stdout);
	if (!rc)
		rc = cli_print_query(db, stdout, json,
				     "SELECT id, " CLI_LOCAL("ordered_us") " AS ordered, ordered_by, measures, due_date AS due,"
				     " suspended, CASE WHEN done_us IS NOT NULL THEN 'done'"
				     "  WHEN due_date < substr(local_time(CAST(?9 AS INTEGER)), 1, 10) THEN 'overdue' ELSE 'open' END AS status,"
				     " " CLI_LOCAL("done_us") " AS done, done_by, done_note"
				     " FROM permit_orders WHERE permit_id = ?1 ORDER BY id", 9, bind);
	fputs(json ? ",\n\"breaches\": " : _("\nbreaches (違反等):\n"), stdout);
	if (!rc)
		rc = cli_print_query(db, stdout, json, BREACHES_SQL, 1, bind);
	if (json)
		fputs("}\n", stdout);
	return rc;
}

static int items(void)
{
	for (int t = 1; t <= 2; t++) {
		printf(_("Table %d:"), t);
		for (const char *const *it = policy_table_items(t); *it; it++)
			printf(" %s", *it);
		putchar('\n');
	}
	return CLI_OK;
}

int cli_permit(policy_db *db, int argc, char **argv)
{
	if (argc < 1)
		return cli_usage("permit: give a subcommand (apply, decide, order, order-done, suspend, resume, revoke, end, list, show, notice, end-report, items)");
	const char *v = argv[0];
	if (!strcmp(v, "apply"))
		return apply(db, argc - 1, argv + 1);
	if (!strcmp(v, "list"))
		return list(db, argc - 1, argv + 1);
	if (!strcmp(v, "show"))
		return show(db, argc - 1, argv + 1);
	if (!strcmp(v, "items"))
		return items();
	if (!strcmp(v, "notice"))
		return document(db, "permit notice", render_form2, argc - 1, argv + 1);
	if (!strcmp(v, "end-report"))
		return document(db, "permit end-report", render_end_report, argc - 1, argv + 1);
	const char *steps[] = { "decide", "order", "order-done", "suspend", "resume", "revoke", "end" };
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (!strcmp(v, steps[i]))
			return step_cmd(db, v, argc - 1, argv + 1);
	return cli_usage("permit: unknown subcommand '%s'", v);
}
