/* cli.c: rmgate-policy's command dispatch (global options, opening the database). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <winpr/wlog.h>

static void print_usage(FILE *out)
{
	fputs("Usage: rmgate-policy [-d DB] COMMAND ...\n"
	      "\n"
	      "Permits, the ledger and reports for rmgate (database default ./var/rmgate.db).\n"
	      "\n"
	      "  init\n"
	      "  section add NAME [--officer NAME] | section list [--json]\n"
	      "  vendor add NAME [--prime VENDOR] | vendor list [--json]\n"
	      "  system add NAME --class mynumber|lgwan|internet --host H --port P --section S\n"
	      "         [--credentials passthrough|inject] [--idle-timeout MIN] [--max-duration MIN]\n"
	      "         [--observe-only] [--allow-audio] [--cert-pin sha256:HEX] | system list [--json]\n"
	      "  system pin SYSTEM sha256:HEX|none [--by NAME]\n"
	      "  system secret SYSTEM --user USER [--domain DOMAIN] --password-stdin [--key FILE] [--by NAME]\n"
	      "  system secret-clear SYSTEM [--by NAME]\n"
	      "  secret-key init [--key FILE] [--by NAME] | secret-key id [--key FILE]\n"
	      "  account add VENDOR LOGIN --password-stdin [--nla [--key FILE]]\n"
	      "  account passwd LOGIN --password-stdin [--nla [--key FILE]]\n"
	      "  account disable|enable LOGIN | account list [--json]\n"
	      "  permit apply --vendor V [--prime V] --system S --section S --purpose TEXT\n"
	      "         --from DATE --to DATE --contract-from DATE --contract-to DATE\n"
	      "         [--source CIDR]... --table 1|2 (--confirm ITEM... | --confirm-all) [--observe-only] [--by NAME]\n"
	      "  permit decide ID (--approve|--refuse) --by NAME [--reason TEXT]\n"
	      "  permit order ID --by NAME --reason TEXT [--suspend]\n"
	      "  permit suspend|resume|revoke|end ID --by NAME --reason TEXT\n"
	      "  permit list [--state S] [--json] | permit show ID [--json] | permit items\n"
	      "  session list [--month YYYY-MM] [--open] [--limit N] [--json]\n"
	      "  session show ID [--json] | session note ID TEXT [--by NAME]\n"
	      "  report register --month YYYY-MM [--system S] [--format html|csv|json] [-o FILE]\n"
	      "  report monthly --month YYYY-MM [--section S] [--format html|csv|json] [-o FILE]\n"
	      "  calendar holidays YEAR [--json] | calendar due YYYY-MM | calendar next-open DATE\n"
	      "  calendar close DATE [--reason TEXT] | calendar closed [--json]\n"
	      "  verify [--anchor SEQ:HASH]\n"
	      "\n"
	      "Dates are YYYY-MM-DD in Asia/Tokyo. The key file defaults to secret.key beside DB.\n"
	      "Exit status: 0 done, 1 refused or invalid, 2 usage.\n"
	      "  -d, --database DB   the SQLite database\n"
	      "  -h, --help          show this help\n"
	      "  -V, --version       show the version\n",
	      out);
}

static int run(policy_db *db, const char *path, int argc, char **argv)
{
	const char *cmd = argv[0];
	if (!strcmp(cmd, "init")) {
		printf("database %s ready (schema version %d)\n", path, policy_schema_version());
		return CLI_OK;
	}
	if (!strcmp(cmd, "section") || !strcmp(cmd, "vendor") || !strcmp(cmd, "system"))
		return cli_admin(db, path, argc, argv);
	if (!strcmp(cmd, "account"))
		return cli_account(db, path, argc - 1, argv + 1);
	if (!strcmp(cmd, "permit"))
		return cli_permit(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "session"))
		return cli_session(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return cli_report(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "calendar"))
		return cli_calendar(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "verify"))
		return cli_verify(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "secret-key"))
		return cli_secret_key(db, path, argc - 1, argv + 1);
	return cli_usage("unknown command '%s'", cmd);
}

static const char *const commands[] = { "init", "section", "vendor", "system", "account", "permit",
					"session", "report", "calendar", "verify", "secret-key", NULL };

static bool known_command(const char *c)
{
	for (const char *const *k = commands; *k; k++)
		if (!strcmp(*k, c))
			return true;
	return false;
}

int policy_cli_main(int argc, char **argv)
{
	const char *path = "./var/rmgate.db";
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(stdout);
			return CLI_OK;
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("rmgate-policy %s\n", RMGATE_VERSION);
			return CLI_OK;
		}
		if ((!strcmp(argv[i], "-d") || !strcmp(argv[i], "--database")) && i + 1 < argc) {
			path = argv[++i];
			continue;
		}
		return cli_usage("unknown option '%s'", argv[i]);
	}
	if (i >= argc) {
		print_usage(stderr);
		return CLI_USAGE;
	}
	if (!known_command(argv[i]))
		return cli_usage("unknown command '%s'", argv[i]);
	/* The CLI's errors are its own one-line messages: library logging stays
	 * quiet unless the operator configures WLog (WLOG_LEVEL); `init` also
	 * shows warnings (what a schema migration leaves to the administrator). */
	bool create = !strcmp(argv[i], "init");
	if (!getenv("WLOG_LEVEL"))
		WLog_SetLogLevel(WLog_GetRoot(), create ? WLOG_WARN : WLOG_ERROR);
	policy_db *db = create ? policy_open(path) : policy_open_existing(path);
	if (!db)
		return cli_fail();
	int rc = run(db, path, argc - i, argv + i);
	policy_close(db);
	return rc;
}
