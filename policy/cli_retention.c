/* cli_retention.c: `retention show|set` and `recordings prune` (retention.h). */
#include "cli_commands.h"
#include "retention.h"

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
			printf("recordings are kept %d days\n", days);
		else
			printf("no retention is set: no recording is ever removed\n");
		return CLI_OK;
	}
	if (!strcmp(argv[0], "set") && a.npos == 1) {
		int days;
		char who[128];
		if (days_arg(a.pos[0], "retention set", &days))
			return CLI_USAGE;
		if (policy_retention_set(db, days, cli_actor(&a, who, sizeof who), policy_now_us()))
			return cli_fail();
		printf("recordings are kept %d days\n", days);
		return CLI_OK;
	}
	return cli_usage("retention: use 'retention show' or 'retention set DAYS --by NAME'");
}

static void print_pruned(void *ctx, const policy_pruned_recording *r)
{
	(void)ctx;
	printf("%s session %lld  %s  digest %s\n", r->removed ? "removed" : "would remove", (long long)r->session_id,
	       r->file, r->digest[0] ? r->digest : "none");
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
	printf("%d recording(s) %s\n", count, dry ? "would be removed (dry run)" : "removed; each has its ledger row");
	return CLI_OK;
}
