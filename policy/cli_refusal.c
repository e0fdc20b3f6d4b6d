/* cli_refusal.c: refusal list: the refused attempts of the ledger, attributed to
 * a vendor and to its permits' sections (POL_REFUSAL_PERMITS, ledger_internal.h). */
#include "cli_commands.h"
#include "ledger_internal.h"

#include <string.h>

/* One row per ledger row: a single refusal (count 1) or a "refused_summary"
 * (count = the number its detail begins with, login and account empty). */
#define REFUSAL_VIEW                                                                                        \
	"SELECT ev.seq, " CLI_LOCAL("ev.at_us") " AS at, ev.type AS kind,"                                   \
	" CASE WHEN ev.type = 'refused' THEN 1 ELSE MAX(CAST(ev.detail AS INTEGER), 0) END AS count,"       \
	" ev.source, ev.login, a.login AS account, v.name AS vendor, y.name AS system, ev.reason,"          \
	" (SELECT group_concat(id, ',') FROM (SELECT p.id" POL_REFUSAL_PERMITS("ev") " ORDER BY p.id)) AS permits," \
	" IFNULL((SELECT group_concat(name, ',') FROM (SELECT DISTINCT c.name FROM sections c WHERE c.id IN"  \
	" (SELECT p.section_id" POL_REFUSAL_PERMITS("ev") ") ORDER BY c.name)),"                             \
	" (SELECT c.name FROM sections c WHERE c.id = y.section_id)) AS section, ev.detail"                 \
	" FROM events ev LEFT JOIN accounts a ON a.login = ev.login AND ev.type = 'refused'"                  \
	" LEFT JOIN vendors v ON v.id = a.vendor_id LEFT JOIN systems y ON y.id = ev.system_id"

static int list(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "json", OPT_FLAG, 0 },    { "month", OPT_VALUE, 0 },
					    { "section", OPT_VALUE, 0 }, { "vendor", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	cli_args a;
	if (cli_parse("refusal list", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos)
		return cli_usage("refusal list: unexpected argument '%s'", a.pos[0]);
	char from[24] = "0", to[24] = "9223372036854775807";
	const char *month = cli_get(&a, "month"), *section = cli_get(&a, "section"), *vendor = cli_get(&a, "vendor");
	if (month) {
		int y, m;
		int64_t range[2];
		if (cli_month(db, "refusal list", month, &y, &m, range))
			return CLI_USAGE;
		snprintf(from, sizeof from, "%lld", (long long)range[0]);
		snprintf(to, sizeof to, "%lld", (long long)range[1]);
	}
	int64_t id;
	if (section && pol_id_by_name(db, "sections", section, &id))
		return cli_fail();
	if (vendor && pol_id_by_name(db, "vendors", vendor, &id))
		return cli_fail();
	/* The section filter matches the list's own section column: a name among those listed. */
	const char *bind[] = { from, to, vendor, section };
	return cli_print_query(db, stdout, cli_has(&a, "json"),
			       "SELECT at, kind, count, source, login, account, vendor, system, reason, permits, section, detail"
			       " FROM (" REFUSAL_VIEW " WHERE ev.type IN ('refused', 'refused_summary')"
			       " AND ev.at_us >= ?1 AND ev.at_us < ?2)"
			       " WHERE (?3 IS NULL OR vendor = ?3) AND (?4 IS NULL OR instr(',' || section || ',', ',' || ?4 || ',') > 0)"
			       " ORDER BY seq",
			       4, bind);
}

int cli_refusal(policy_db *db, int argc, char **argv)
{
	if (argc < 1)
		return cli_usage("refusal: use 'refusal list'");
	if (!strcmp(argv[0], "list"))
		return list(db, argc - 1, argv + 1);
	return cli_usage("refusal: unknown subcommand '%s'", argv[0]);
}
