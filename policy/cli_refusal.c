/* cli_refusal.c: refusal list: the refused attempts of the ledger, attributed to
 * a vendor and to its permits' sections (POL_REFUSAL_ROWS, ledger_internal.h; the console
 * reads the same rows through refusal_view.h). */
#include "cli_commands.h"
#include "ledger_internal.h"

#include <string.h>

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
	const char *bind[] = { from, to, vendor, section };
	return cli_print_query(db, stdout, cli_has(&a, "json"),
			       "SELECT at, kind, count, source, login, account, vendor, system, reason, permits, section, detail"
			       " FROM (SELECT " POL_REFUSAL_COLUMNS POL_REFUSAL_ROWS ") ORDER BY seq",
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
