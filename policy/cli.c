/* cli.c: rmgate-policy's command dispatch (global options, the display zone, opening the
 * database). Calls the commands (cli_commands.h); they never call back here. */
#include "cli.h"
#include "cli_commands.h"
#include "cli_opt.h"
#include "i18n.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <winpr/wlog.h>

/* The built-in state directory (the Makefile's VAR_DIR_DEFAULT; /var/lib/rmgate when
 * installed from the Debian package). */
#ifndef RMGATE_VAR_DIR
#define RMGATE_VAR_DIR "./var"
#endif

/* The help in three translated parts (i18n.h): the command lines keep their English words
 * (what a user types); their notes, the paragraphs and the option descriptions are translated. */
static void print_usage(FILE *out)
{
	fprintf(out,
		_("Usage: rmgate-policy [-d DB] [--tz ZONE] COMMAND ...\n"
		  "\n"
		  "Permits, the ledger and reports for rmgate (database default %s/rmgate.db).\n"
		  "\n"),
		RMGATE_VAR_DIR);
	/* TRANSLATORS: the command lines stay as they are (what a user types); translate the notes in parentheses. */
	fputs(_(
	      "  init\n"
	      "  section add NAME [--officer NAME] | section list [--json]\n"
	      "  vendor add NAME [--prime VENDOR] | vendor list [--json]\n"
	      "  system add NAME --class mynumber|lgwan|internet --host H --port P --section S\n"
	      "         [--credentials passthrough|inject] [--idle-timeout MIN] [--max-duration MIN]\n"
	      "         [--observe-only] [--allow-audio] [--cert-pin sha256:HEX]\n"
	      "         [--networks CIDR...] [--lab-sources CIDR...] | system list [--json]\n"
	      "  system set SYSTEM [--networks CIDR...|none] [--lab-sources CIDR...|none] [--by NAME]\n"
	      "  system pin SYSTEM sha256:HEX|none [--by NAME]\n"
	      "  system secret SYSTEM --user USER [--domain DOMAIN] --password-stdin [--key FILE] [--by NAME]\n"
	      "  system secret-clear SYSTEM [--by NAME]\n"
	      "  secret-key init [--key FILE] [--by NAME] | secret-key id [--key FILE]\n"
	      "  account add VENDOR LOGIN --password-stdin [--nla [--key FILE]]\n"
	      "  account passwd LOGIN --password-stdin [--nla [--key FILE]]\n"
	      "  account disable|enable LOGIN | account unlock LOGIN [--by NAME] | account list [--json]\n"
	      "  permit apply --vendor V [--prime V] --system S --section S --purpose TEXT\n"
	      "         --from DATE --to DATE --contract-from DATE --contract-to DATE\n"
	      "         [--source CIDR]... --table 1|2 (--confirm ITEM... | --confirm-all) [--observe-only] [--by NAME]\n"
	      "  permit decide ID (--approve|--refuse) --by NAME [--reason TEXT]\n"
	      "  permit order ID --by NAME --reason MEASURES --due DATE [--suspend]\n"
	      "  permit order-done ID --by NAME --reason TEXT\n"
	      "  permit suspend|resume|revoke|end ID --by NAME --reason TEXT\n"
	      "  permit list [--state S|expired] [--expiring DAYS] [--json] | permit show ID [--json] | permit items\n"
	      "  permit show ID --form [--format html|pdf] [-o FILE]     (Form 1, the application)\n"
	      "  permit notice ID [--format html|pdf] [-o FILE]          (Form 2, once decided)\n"
	      "  permit end-report ID [--format html|pdf] [-o FILE]      (Art. 9-2, once ended)\n"
	      "  staff add LOGIN --role applicant|approver|auditor|admin [--section S] [--name NAME]\n"
	      "         --password-stdin [--by NAME] | staff passwd LOGIN --password-stdin [--by NAME]\n"
	      "  staff disable|enable LOGIN [--by NAME] | staff list [--json]\n"
	      "  session list [--month YYYY-MM] [--open] [--limit N] [--json]\n"
	      "  session show ID [--json] | session note ID TEXT [--by NAME]\n"
	      "  refusal list [--month YYYY-MM] [--section S] [--vendor V] [--json]\n"
	      "  report register --month YYYY-MM [--system S] [--format html|pdf|csv|json] [-o FILE]\n"
	      "  report monthly --month YYYY-MM [--section S] [--date DATE] [--format html|pdf|csv|json] [-o FILE]\n"
	      "  report destination | report destination set TEXT [--by NAME]   (Form 4's 提出先)\n"
	      "  calendar holidays YEAR [--json] | calendar due YYYY-MM | calendar next-open DATE\n"
	      "  calendar close DATE [--reason TEXT] | calendar open DATE | calendar closed [--json]\n"
	      "  verify [--anchor SEQ:HASH]\n"
	      "  backup FILE                 (a consistent copy while the gate runs; never overwrites)\n"
	      "  retention show | retention set DAYS [--by NAME]\n"
	      "  sources show | sources set [--min-prefix4 N] [--min-prefix6 N] [--by NAME]\n"
	      "  recordings prune --older-than DAYS [--dry-run] [--dir DIR] [--by NAME]\n"),
	      out);
	fputs(_("\n"
	      "Dates are YYYY-MM-DD and times are shown in ZONE (default Asia/Tokyo). The key file\n"
	      "defaults to secret.key beside DB. Options take --opt VALUE or --opt=VALUE, before or\n"
	      "after the operands; \"--\" ends them.\n"
	      "Exit status: 0 done, 1 refused or invalid, 2 usage.\n"
	      "  -d, --database DB   the SQLite database\n"
	      "      --tz ZONE       the time zone of dates and times (a tz database name)\n"
	      "  -h, --help          show this help (also after COMMAND)\n"
	      "  -V, --version       show the version\n"),
	      out);
}

static int run(policy_db *db, const char *path, int argc, char **argv)
{
	const char *cmd = argv[0];
	if (!strcmp(cmd, "init")) {
		printf(_("database %s ready (schema version %d)\n"), path, policy_schema_version());
		return CLI_OK;
	}
	if (!strcmp(cmd, "section") || !strcmp(cmd, "vendor") || !strcmp(cmd, "system"))
		return cli_admin(db, path, argc, argv);
	if (!strcmp(cmd, "account"))
		return cli_account(db, path, argc - 1, argv + 1);
	if (!strcmp(cmd, "permit"))
		return cli_permit(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "staff"))
		return cli_staff(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "session"))
		return cli_session(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return cli_report(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "refusal"))
		return cli_refusal(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "calendar"))
		return cli_calendar(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "verify"))
		return cli_verify(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "backup"))
		return cli_backup(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "retention"))
		return cli_retention(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "sources"))
		return cli_sources(db, argc - 1, argv + 1);
	if (!strcmp(cmd, "recordings"))
		return cli_recordings(db, path, argc - 1, argv + 1);
	if (!strcmp(cmd, "secret-key"))
		return cli_secret_key(db, path, argc - 1, argv + 1);
	return cli_usage("unknown command '%s'", cmd);
}

static const char *const commands[] = { "init", "section", "vendor", "system", "account", "permit",
					"session", "report", "refusal", "calendar", "verify", "backup", "retention", "sources", "recordings",
					"secret-key", "staff", NULL };

static bool known_command(const char *c)
{
	for (const char *const *k = commands; *k; k++)
		if (!strcmp(*k, c))
			return true;
	return false;
}

/* The UTC offset of `zone` (a tz database name such as Asia/Tokyo) now, in minutes east.
 * The policy handle keeps a fixed offset: exact for Asia/Tokyo (no summer time); for a
 * zone with summer time it is the offset of the day the command runs. */
static int zone_offset(const char *zone, int *minutes)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	/* glibc reads any unknown name as UTC: only a zone file, not a path, is accepted */
	if (!*zone || zone[0] == '/' || strstr(zone, "..") || access(path, R_OK) != 0)
		return cli_usage("--tz: unknown time zone '%s' (a tz database name such as Asia/Tokyo)", zone);
	char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	setenv("TZ", zone, 1);
	tzset();
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	*minutes = (int)(tm.tm_gmtoff / 60);
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	return CLI_OK;
}

/* --help after the command shows the help too (the words before a "--"). */
static bool asks_for_help(int argc, char **argv)
{
	for (int i = 0; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help"))
			return true;
	return false;
}

int policy_cli_main(int argc, char **argv)
{
	static const struct option global[] = { { "database", required_argument, NULL, 'd' },
		                                { "tz", required_argument, NULL, 'z' },
		                                { "help", no_argument, NULL, 'h' },
		                                { "version", no_argument, NULL, 'V' },
		                                { NULL, 0, NULL, 0 } };
	const char *path = RMGATE_VAR_DIR "/rmgate.db", *zone = NULL;
	char what[64];
	int c;
	opterr = 0;
	optind = 0; /* glibc: start afresh (the unit tests run the CLI many times) */
	/* "+": the global options end at COMMAND; the rest is the command's (cli_parse). */
	while ((c = getopt_long(argc, argv, "+:d:hV", global, NULL)) != -1) {
		switch (c) {
		case 'h': print_usage(stdout); return CLI_OK;
		case 'V': printf("rmgate-policy %s\n", RMGATE_VERSION); return CLI_OK;
		case 'd':
		case 'z':
			if (cli_opt_value_missing(argv))
				return cli_usage("option %s needs a value", argv[optind - 2]);
			if (c == 'd')
				path = optarg;
			else
				zone = optarg;
			break;
		case ':': return cli_usage("option %s needs a value", cli_opt_refused(argv, what, sizeof what));
		default:
			if (cli_opt_refused_value(argv))
				return cli_usage("option %s takes no value", cli_opt_refused(argv, what, sizeof what));
			return cli_usage("unknown option '%s'", cli_opt_refused(argv, what, sizeof what));
		}
	}
	int i = optind;
	if (i >= argc) {
		print_usage(stderr);
		return CLI_USAGE;
	}
	if (!known_command(argv[i]))
		return cli_usage("unknown command '%s'", argv[i]);
	if (asks_for_help(argc - i, argv + i)) {
		print_usage(stdout);
		return CLI_OK;
	}
	int zone_min = 0;
	if (zone && zone_offset(zone, &zone_min))
		return CLI_USAGE;
	/* The CLI's errors are its own one-line messages: library logging stays
	 * quiet unless the operator configures WLog (WLOG_LEVEL); `init` also
	 * shows warnings (what a schema migration leaves to the administrator). */
	bool create = !strcmp(argv[i], "init");
	if (!getenv("WLOG_LEVEL"))
		WLog_SetLogLevel(WLog_GetRoot(), create ? WLOG_WARN : WLOG_ERROR);
	policy_db *db = create ? policy_open(path) : policy_open_existing(path);
	if (!db)
		return cli_fail();
	if (zone)
		policy_set_zone_offset(db, zone_min);
	int rc = run(db, path, argc - i, argv + i);
	policy_close(db);
	return rc;
}
