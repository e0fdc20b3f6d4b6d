/* cli_retention.c: `retention show|set`, `sources show|set` (sources.h) and `recordings prune`
 * (retention.h): the city's settings. */
#include "cli_commands.h"
#include "retention.h"
#include "sources.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

static int days_arg(const char *text, const char *what, int *days)
{
	char *end;
	long v = text ? strtol(text, &end, 10) : 0;
	if (!text || *end || v < 1 || v > POLICY_RETENTION_MAX_DAYS)
		return cli_usage("%s: give a number of days from 1 to %d", what, POLICY_RETENTION_MAX_DAYS);
	*days = (int)v;
	return CLI_OK;
}

int cli_retention(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "by", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	cli_args a;
	if (argc < 1 || cli_parse("retention", argc - 1, argv + 1, spec, &a))
		return argc < 1 ? cli_usage("retention: use 'retention show' or 'retention set DAYS --by NAME'") : CLI_USAGE;
	if (!strcmp(argv[0], "show") && a.npos == 0) {
		int days;
		if (policy_retention_get(db, &days))
			return cli_fail();
		if (days)
			printf(_("recordings are kept %d days\n"), days);
		else
			fputs(_("no retention is set: no recording is ever removed\n"), stdout);
		return CLI_OK;
	}
	if (!strcmp(argv[0], "set") && a.npos == 1) {
		int days;
		char who[128];
		if (days_arg(a.pos[0], "retention set", &days))
			return CLI_USAGE;
		if (policy_retention_set(db, days, cli_actor(&a, who, sizeof who), policy_now_us()))
			return cli_fail();
		printf(_("recordings are kept %d days\n"), days);
		return CLI_OK;
	}
	return cli_usage("retention: use 'retention show' or 'retention set DAYS --by NAME'");
}

static int prefix_opt(const cli_args *a, const char *name, int low, int high, int *out)
{
	const char *v = cli_get(a, name);
	char *end;
	*out = 0;
	if (!v)
		return CLI_OK;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < low || n > high)
		return cli_usage("sources set: --%s '%s' must be a prefix length %d to %d", name, v, low, high);
	*out = (int)n;
	return CLI_OK;
}

int cli_sources(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "min-prefix4", OPT_VALUE, 0 },
					    { "min-prefix6", OPT_VALUE, 0 },
					    { "by", OPT_VALUE, 0 },
					    { NULL, 0, 0 } };
	static const char use[] = N_("sources: use 'sources show' or 'sources set [--min-prefix4 N] [--min-prefix6 N] --by NAME'");
	cli_args a;
	if (argc < 1 || cli_parse("sources", argc - 1, argv + 1, spec, &a))
		return argc < 1 ? cli_usage("%s", _(use)) : CLI_USAGE;
	int min4, min6;
	if (!strcmp(argv[0], "show") && a.npos == 0 && a.nopt == 0) {
		if (policy_sources_get(db, &min4, &min6))
			return cli_fail();
		printf(_("Table 2 sources: global addresses, at least /%d (IPv4) and /%d (IPv6)\n"), min4, min6);
		return CLI_OK;
	}
	if (!strcmp(argv[0], "set") && a.npos == 0) {
		char who[128];
		if (prefix_opt(&a, "min-prefix4", POLICY_SOURCE_MIN4_LOW, 32, &min4) ||
		    prefix_opt(&a, "min-prefix6", POLICY_SOURCE_MIN6_LOW, 128, &min6))
			return CLI_USAGE;
		if (!min4 && !min6)
			return cli_usage("sources set: give --min-prefix4 N and/or --min-prefix6 N");
		if (policy_sources_set(db, min4, min6, cli_actor(&a, who, sizeof who), policy_now_us()) ||
		    policy_sources_get(db, &min4, &min6))
			return cli_fail();
		printf(_("Table 2 sources: global addresses, at least /%d (IPv4) and /%d (IPv6)\n"), min4, min6);
		return CLI_OK;
	}
	return cli_usage("%s", _(use));
}

static void print_pruned(void *ctx, const policy_pruned_recording *r)
{
	(void)ctx;
	printf(r->removed ? _("removed session %lld  %s  digest %s\n") : _("would remove session %lld  %s  digest %s\n"),
	       (long long)r->session_id, r->file, r->digest[0] ? r->digest : _("none"));
}

int cli_recordings(policy_db *db, const char *db_path, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "older-than", OPT_VALUE, 0 },
					    { "dry-run", OPT_FLAG, 0 },
					    { "dir", OPT_VALUE, 0 },
					    { "by", OPT_VALUE, 0 },
					    { NULL, 0, 0 } };
	cli_args a;
	if (argc < 1 || strcmp(argv[0], "prune"))
		return cli_usage("recordings: use 'recordings prune --older-than DAYS [--dry-run] [--dir DIR] [--by NAME]'");
	if (cli_parse("recordings prune", argc - 1, argv + 1, spec, &a))
		return CLI_USAGE;
	int days;
	if (a.npos || days_arg(cli_get(&a, "older-than"), "recordings prune --older-than", &days))
		return CLI_USAGE;
	/* The gate keeps its recordings beside its database (var_dir/recordings) unless told. */
	char dir[4096], copy[4096];
	const char *given = cli_get(&a, "dir");
	if (given)
		snprintf(dir, sizeof dir, "%s", given);
	else {
		snprintf(copy, sizeof copy, "%s", db_path);
		snprintf(dir, sizeof dir, "%s/recordings", dirname(copy));
	}
	bool dry = cli_has(&a, "dry-run");
	char who[128];
	int count = 0;
	if (policy_recordings_prune(db, dir, days, policy_now_us(), dry, cli_actor(&a, who, sizeof who), print_pruned,
				    NULL, &count))
		return cli_fail();
	printf(dry ? _("%d recording(s) would be removed (dry run)\n") : _("%d recording(s) removed; each has its ledger row\n"),
	       count);
	return CLI_OK;
}
