/* cli_admin.c: section, vendor, system, account, calendar and verify commands. */
#include "account.h"
#include "admin.h"
#include "backup.h"
#include "cli_commands.h"
#include "ledger.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

static const cli_optspec list_opts[] = { { "json", OPT_FLAG, 0 }, { NULL, 0, 0 } };

static int list(policy_db *db, const char *cmd, int argc, char **argv, const char *sql)
{
	cli_args a;
	if (cli_parse(cmd, argc, argv, list_opts, &a))
		return CLI_USAGE;
	if (a.npos)
		return cli_usage("%s: unexpected argument '%s'", cmd, a.pos[0]);
	return cli_print_query(db, stdout, cli_has(&a, "json"), sql, 0, NULL);
}

static int section_cmd(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "officer", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	if (argc >= 1 && !strcmp(argv[0], "list"))
		return list(db, "section list", argc - 1, argv + 1,
			    "SELECT id, name, officer, (SELECT COUNT(*) FROM systems WHERE section_id = s.id) AS systems"
			    " FROM sections s ORDER BY id");
	if (argc < 1 || strcmp(argv[0], "add"))
		return cli_usage("section: use 'section add NAME [--officer NAME]' or 'section list'");
	cli_args a;
	if (cli_parse("section add", argc - 1, argv + 1, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1)
		return cli_usage("section add: give exactly one NAME");
	int64_t id;
	if (policy_section_add(db, a.pos[0], cli_get(&a, "officer"), &id))
		return cli_fail();
	printf("%lld\n", (long long)id);
	return CLI_OK;
}

static int vendor_cmd(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "prime", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	if (argc >= 1 && !strcmp(argv[0], "list"))
		return list(db, "vendor list", argc - 1, argv + 1,
			    "SELECT v.id, v.name, p.name AS prime FROM vendors v LEFT JOIN vendors p ON p.id = v.prime_id ORDER BY v.id");
	if (argc < 1 || strcmp(argv[0], "add"))
		return cli_usage("vendor: use 'vendor add NAME [--prime VENDOR]' or 'vendor list'");
	cli_args a;
	if (cli_parse("vendor add", argc - 1, argv + 1, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1)
		return cli_usage("vendor add: give exactly one NAME");
	int64_t id;
	if (policy_vendor_add(db, a.pos[0], cli_get(&a, "prime"), &id))
		return cli_fail();
	printf("%lld\n", (long long)id);
	return CLI_OK;
}

static int minutes_opt(const cli_args *a, const char *name, int *seconds)
{
	const char *v = cli_get(a, name);
	*seconds = 0;
	if (!v)
		return CLI_OK;
	char *end;
	long m = strtol(v, &end, 10);
	if (!*v || *end || m < 1 || m > 7 * 24 * 60)
		return cli_usage("system add: --%s '%s' must be minutes between 1 and 10080", name, v);
	*seconds = (int)m * 60;
	return CLI_OK;
}

static int system_add(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "class", OPT_VALUE, 0 },       { "host", OPT_VALUE, 0 },
					    { "port", OPT_VALUE, 0 },        { "section", OPT_VALUE, 0 },
					    { "credentials", OPT_VALUE, 0 }, { "idle-timeout", OPT_VALUE, 0 },
					    { "max-duration", OPT_VALUE, 0 },{ "observe-only", OPT_FLAG, 0 },
					    { "allow-audio", OPT_FLAG, 0 },  { "cert-pin", OPT_VALUE, 0 },
					    { "networks", OPT_MULTI, 0 },    { "lab-sources", OPT_MULTI, 0 },
					    { NULL, 0, 0 } };
	cli_args a;
	if (cli_parse("system add", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1)
		return cli_usage("system add: give exactly one NAME");
	policy_system_spec s = { .name = a.pos[0], .host = cli_get(&a, "host"), .section = cli_get(&a, "section") };
	const char *cls = cli_get(&a, "class"), *port = cli_get(&a, "port"), *cred = cli_get(&a, "credentials");
	if (!cls || !s.host || !port || !s.section)
		return cli_usage("system add: --class, --host, --port and --section are required");
	if (!policy_class_parse(cls, &s.cls))
		return cli_usage("system add: --class must be mynumber, lgwan or internet, not '%s'", cls);
	char *end;
	long p = strtol(port, &end, 10);
	if (!*port || *end || p < 1 || p > 65535)
		return cli_usage("system add: --port '%s' is not a port number 1-65535", port);
	s.port = (int)p;
	if (cred && strcmp(cred, "passthrough") && strcmp(cred, "inject"))
		return cli_usage("system add: --credentials must be passthrough or inject");
	s.inject_credentials = cred && !strcmp(cred, "inject");
	if (minutes_opt(&a, "idle-timeout", &s.idle_timeout_s) || minutes_opt(&a, "max-duration", &s.max_duration_s))
		return CLI_USAGE;
	s.observe_only = cli_has(&a, "observe-only");
	s.channels = cli_has(&a, "allow-audio") ? POLICY_CHANNEL_AUDIO_OUT : 0;
	s.cert_pin = cli_get(&a, "cert-pin");
	const char *networks[CLI_MAX_OPTS], *lab[CLI_MAX_OPTS];
	s.networks = networks;
	s.n_networks = cli_all(&a, "networks", networks, CLI_MAX_OPTS);
	s.lab_sources = lab;
	s.n_lab_sources = cli_all(&a, "lab-sources", lab, CLI_MAX_OPTS);
	int64_t id;
	if (policy_system_add(db, &s, &id))
		return cli_fail();
	printf("%lld\n", (long long)id);
	return CLI_OK;
}

/* Whether system `name` has a stored target account. */
static bool has_secret(policy_db *db, const char *name)
{
	bool found = false;
	pol_lock(db);
	sqlite3_stmt *st = pol_prepare(db, "SELECT 1 FROM system_secrets x JOIN systems s ON s.id = x.system_id"
					   " WHERE s.name = ?");
	if (st) {
		pol_bind_text(st, 1, name);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	return found;
}

/* system pin NAME (sha256:HEX | none) [--by NAME] */
static int system_pin(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "by", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	cli_args a;
	if (cli_parse("system pin", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 2)
		return cli_usage("system pin: use 'system pin SYSTEM sha256:HEX|none [--by NAME]'");
	const char *pin = strcmp(a.pos[1], "none") ? a.pos[1] : NULL;
	char who[64];
	bool had_secret = has_secret(db, a.pos[0]);
	if (policy_system_set_cert_pin(db, a.pos[0], pin, cli_actor(&a, who, sizeof who), policy_now_us()))
		return cli_fail();
	if (had_secret && !has_secret(db, a.pos[0]))
		fprintf(stderr, _("rmgate-policy: note: the stored target account of system %s was cleared (it is sealed to"
				  " the certificate pin); store it again with 'system secret %s --user USER --password-stdin'\n"),
			a.pos[0], a.pos[0]);
	return CLI_OK;
}

/* system set NAME [--networks CIDR...|none] [--lab-sources CIDR...|none] [--by NAME] */
static int system_set(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "networks", OPT_MULTI, 0 }, { "lab-sources", OPT_MULTI, 0 },
					    { "by", OPT_VALUE, 0 },        { NULL, 0, 0 } };
	cli_args a;
	if (cli_parse("system set", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1 || (!cli_has(&a, "networks") && !cli_has(&a, "lab-sources")))
		return cli_usage("system set: use 'system set SYSTEM [--networks CIDR...|none] [--lab-sources CIDR...|none]"
				 " [--by NAME]'");
	char who[128];
	const char *actor = cli_actor(&a, who, sizeof who);
	static const char *const opts[] = { "networks", "lab-sources" };
	for (int i = 0; i < 2; i++) {
		const char *list[CLI_MAX_OPTS];
		size_t n = cli_all(&a, opts[i], list, CLI_MAX_OPTS);
		if (!n)
			continue;
		if (n == 1 && !strcmp(list[0], "none"))
			n = 0;
		int rc = i ? policy_system_set_lab_sources(db, a.pos[0], list, n, actor, policy_now_us())
			   : policy_system_set_networks(db, a.pos[0], list, n, actor, policy_now_us());
		if (rc)
			return cli_fail();
		if (i)
			printf(n ? _("system %s: lab ranges set\n") : _("system %s: lab ranges cleared\n"), a.pos[0]);
		else
			printf(n ? _("system %s: networks set\n") : _("system %s: networks cleared\n"), a.pos[0]);
	}
	return CLI_OK;
}

/* The table shows the pin's first 8 bytes; JSON shows it in full. */
#define SYSTEM_LIST(pin)                                                                                     \
	"SELECT s.id, s.name, s.class, s.host, s.port, c.name AS section, s.credentials,"                   \
	" CASE WHEN x.system_id IS NULL THEN '' WHEN x.binding = 2 THEN 'stored' ELSE 're-enter' END AS secret,"\
	" s.idle_timeout_s, s.max_duration_s, s.observe_only, s.channels, " pin " AS cert_pin,"            \
	" s.networks, s.lab_sources"                                                                         \
	" FROM systems s JOIN sections c ON c.id = s.section_id"                                           \
	" LEFT JOIN system_secrets x ON x.system_id = s.id ORDER BY s.id"

static int system_list(policy_db *db, int argc, char **argv)
{
	cli_args a;
	if (cli_parse("system list", argc, argv, list_opts, &a))
		return CLI_USAGE;
	if (a.npos)
		return cli_usage("system list: unexpected argument '%s'", a.pos[0]);
	bool json = cli_has(&a, "json");
	return cli_print_query(db, stdout, json,
			       json ? SYSTEM_LIST("'sha256:' || s.cert_pin")
				    : SYSTEM_LIST("COALESCE('sha256:' || substr(s.cert_pin, 1, 16) || '...', '')"),
			       0, NULL);
}

static int system_cmd(policy_db *db, const char *path, int argc, char **argv)
{
	if (argc >= 1 && !strcmp(argv[0], "list"))
		return system_list(db, argc - 1, argv + 1);
	if (argc >= 1 && !strcmp(argv[0], "pin"))
		return system_pin(db, argc - 1, argv + 1);
	if (argc >= 1 && !strcmp(argv[0], "add"))
		return system_add(db, argc - 1, argv + 1);
	if (argc >= 1 && !strcmp(argv[0], "set"))
		return system_set(db, argc - 1, argv + 1);
	if (argc >= 1 && (!strcmp(argv[0], "secret") || !strcmp(argv[0], "secret-clear")))
		return cli_system_secret(db, path, argc, argv);
	return cli_usage("system: use 'system add NAME ...', 'system set SYSTEM ...', 'system pin SYSTEM sha256:HEX|none',"
			 " 'system secret SYSTEM ...', 'system secret-clear SYSTEM' or 'system list'");
}

int cli_admin(policy_db *db, const char *path, int argc, char **argv)
{
	if (!strcmp(argv[0], "section"))
		return section_cmd(db, argc - 1, argv + 1);
	if (!strcmp(argv[0], "vendor"))
		return vendor_cmd(db, argc - 1, argv + 1);
	return system_cmd(db, path, argc - 1, argv + 1);
}

/* account add VENDOR LOGIN / account passwd LOGIN, --password-stdin [--nla [--key FILE]] */
static int account_password(policy_db *db, const char *db_path, bool add, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "password-stdin", OPT_FLAG, 0 }, { "nla", OPT_FLAG, 0 },
					    { "key", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	const char *cmd = add ? "account add" : "account passwd";
	cli_args a;
	if (cli_parse(cmd, argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != (add ? 2 : 1) || !cli_has(&a, "password-stdin"))
		return cli_usage("%s: use '%s %s --password-stdin [--nla [--key FILE]]'", cmd, cmd,
				 add ? "VENDOR LOGIN" : "LOGIN");
	bool nla = cli_has(&a, "nla");
	if (!nla && cli_get(&a, "key"))
		return cli_usage("%s: --key is only used with --nla", cmd);
	policy_secret_key *key = NULL;
	if (nla && cli_load_key(&a, db_path, &key))
		return CLI_REFUSED;
	char pw[256 + 2]; /* 1-256 bytes (account.h), the line end, the NUL */
	int rc = cli_read_password(cmd, NULL, pw, sizeof pw);
	int64_t id = 0;
	if (!rc && add && (nla ? policy_account_add_nla(db, key, a.pos[0], a.pos[1], pw, &id)
			       : policy_account_add(db, a.pos[0], a.pos[1], pw, &id)))
		rc = cli_fail();
	if (!rc && !add && policy_account_set_password(db, key, a.pos[0], pw))
		rc = cli_fail();
	OPENSSL_cleanse(pw, sizeof pw);
	if (!rc && add)
		printf("%lld\n", (long long)id);
	else if (!rc)
		printf(nla ? _("password of %s set (TLS and NLA, NT hash sealed)\n") : _("password of %s set (TLS only)\n"),
		       a.pos[0]);
	policy_secret_key_free(key);
	return rc;
}

/* account unlock LOGIN [--by NAME] */
static int account_unlock(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "by", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	cli_args a;
	if (cli_parse("account unlock", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1)
		return cli_usage("account unlock: use 'account unlock LOGIN [--by NAME]'");
	char who[128];
	if (policy_account_unlock(db, a.pos[0], cli_actor(&a, who, sizeof who), policy_now_us()))
		return cli_fail();
	printf("account %s unlocked\n", a.pos[0]);
	return CLI_OK;
}

int cli_account(policy_db *db, const char *db_path, int argc, char **argv)
{
	if (argc >= 1 && !strcmp(argv[0], "list"))
		return list(db, "account list", argc - 1, argv + 1,
			    "SELECT a.id, a.login, v.name AS vendor, a.disabled,"
			    " CASE WHEN a.nt_sealed IS NULL THEN 0 ELSE 1 END AS nla FROM accounts a"
			    " JOIN vendors v ON v.id = a.vendor_id ORDER BY a.id");
	if (argc == 2 && (!strcmp(argv[0], "disable") || !strcmp(argv[0], "enable")))
		return policy_account_set_disabled(db, argv[1], argv[0][0] == 'd') ? cli_fail() : CLI_OK;
	if (argc >= 1 && (!strcmp(argv[0], "add") || !strcmp(argv[0], "passwd")))
		return account_password(db, db_path, argv[0][0] == 'a', argc - 1, argv + 1);
	if (argc >= 1 && !strcmp(argv[0], "unlock"))
		return account_unlock(db, argc - 1, argv + 1);
	return cli_usage("account: use 'account add VENDOR LOGIN --password-stdin [--nla]', 'account passwd LOGIN"
			 " --password-stdin [--nla]', 'account disable|enable LOGIN', 'account unlock LOGIN [--by NAME]'"
			 " or 'account list'");
}

int cli_verify(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "anchor", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	cli_args a;
	if (cli_parse("verify", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos)
		return cli_usage("verify takes no positional arguments (only --anchor SEQ:HASH)");
	policy_ledger_anchor anchor;
	const char *text = cli_get(&a, "anchor");
	if (text && policy_ledger_anchor_parse(text, &anchor))
		return cli_usage("%s", policy_last_error());
	policy_verify_result r;
	if (policy_ledger_verify_anchor(db, text ? &anchor : NULL, &r))
		return cli_fail();
	if (!r.ok)
		return cli_error("ledger verification FAILED: %s", r.problem);
	printf(_("ledger ok: %lld rows, head %lld:%s"), (long long)r.rows, (long long)r.head_seq, r.head_hex);
	if (text)
		printf(_(", anchor seq %lld matches"), (long long)anchor.seq);
	putchar('\n');
	return CLI_OK;
}

/* backup FILE: the online copy (backup.h), then the copy's own ledger check, so that the
 * officer sees at once that the backup holds a whole, unbroken ledger. */
int cli_backup(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { NULL, 0, 0 } };
	cli_args a;
	if (cli_parse("backup", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1)
		return cli_usage("backup: give the FILE to write (a new file; an existing one is never replaced)");
	int pages = 0;
	if (policy_backup(db, a.pos[0], &pages))
		return cli_fail();
	policy_db *copy = policy_open_readonly(a.pos[0]);
	if (!copy)
		return cli_fail();
	policy_verify_result r;
	int status = policy_ledger_verify(copy, &r);
	policy_close(copy);
	if (status)
		return cli_fail();
	if (!r.ok)
		return cli_error("backup written, but its ledger does not verify: %s", r.problem);
	printf(_("backup written: %d pages; its ledger ok: %lld rows, head %lld:%s\n"), pages, (long long)r.rows,
	       (long long)r.head_seq, r.head_hex);
	return CLI_OK;
}

static int holidays(int argc, char **argv)
{
	cli_args a;
	if (cli_parse("calendar holidays", argc, argv, list_opts, &a))
		return CLI_USAGE;
	char *end;
	long y = a.npos == 1 ? strtol(a.pos[0], &end, 10) : 0;
	if (a.npos != 1 || *end || y < CAL_FIRST_YEAR || y > CAL_LAST_YEAR)
		return cli_usage("calendar holidays: give a YEAR from %d to %d", CAL_FIRST_YEAR, CAL_LAST_YEAR);
	cal_date days[32];
	const char *names[32];
	int n = cal_year_holidays((int)y, days, names, 32);
	bool json = cli_has(&a, "json");
	if (json)
		fputc('[', stdout);
	for (int i = 0; i < n; i++) {
		char d[11];
		cal_format_date(days[i], d);
		if (json) {
			printf("%s{\"date\": \"%s\", \"name\": ", i ? ",\n " : "\n ", d);
			cli_json_string(stdout, names[i]);
			fputc('}', stdout);
		} else {
			printf("%s  %s\n", d, names[i]);
		}
	}
	if (json)
		fputs("\n]\n", stdout);
	return CLI_OK;
}

static int due(policy_db *db, int argc, char **argv)
{
	int y, m;
	if (argc != 1)
		return cli_usage("calendar due: give a month YYYY-MM");
	if (!cal_parse_month(argv[0], &y, &m))
		return cli_usage("calendar due: %s is not a month (YYYY-MM)", argv[0]);
	cal_closed_days extra;
	if (pol_load_closed_days(db, &extra))
		return cli_fail();
	char d[11];
	cal_format_date(cal_report_due(y, m, &extra), d);
	free((void *)extra.days);
	printf("%s\n", d);
	return CLI_OK;
}

static int next_open(policy_db *db, int argc, char **argv)
{
	cal_date day;
	if (argc != 1 || !cal_parse_date(argv[0], &day))
		return cli_usage("calendar next-open: give a DATE YYYY-MM-DD");
	cal_closed_days extra;
	if (pol_load_closed_days(db, &extra))
		return cli_fail();
	char d[11];
	cal_format_date(cal_next_open_day(day, &extra), d);
	free((void *)extra.days);
	printf("%s\n", d);
	return CLI_OK;
}

int cli_calendar(policy_db *db, int argc, char **argv)
{
	static const cli_optspec close_spec[] = { { "reason", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	if (argc < 1)
		return cli_usage("calendar: use holidays, due, next-open, close, open or closed");
	if (!strcmp(argv[0], "holidays"))
		return holidays(argc - 1, argv + 1);
	if (!strcmp(argv[0], "due"))
		return due(db, argc - 1, argv + 1);
	if (!strcmp(argv[0], "next-open"))
		return next_open(db, argc - 1, argv + 1);
	if (!strcmp(argv[0], "closed"))
		return list(db, "calendar closed", argc - 1, argv + 1, "SELECT day, reason FROM closed_days ORDER BY day");
	if (!strcmp(argv[0], "close")) {
		cli_args a;
		if (cli_parse("calendar close", argc - 1, argv + 1, close_spec, &a))
			return CLI_USAGE;
		if (a.npos != 1)
			return cli_usage("calendar close: give one DATE YYYY-MM-DD");
		if (policy_closed_day_add(db, a.pos[0], cli_get(&a, "reason")))
			return cli_fail();
		return CLI_OK;
	}
	if (!strcmp(argv[0], "open")) {
		cli_args a;
		if (cli_parse("calendar open", argc - 1, argv + 1, close_spec + 1, &a))
			return CLI_USAGE;
		if (a.npos != 1)
			return cli_usage("calendar open: give one DATE YYYY-MM-DD");
		if (policy_closed_day_remove(db, a.pos[0]))
			return cli_fail();
		return CLI_OK;
	}
	return cli_usage("calendar: unknown subcommand '%s'", argv[0]);
}
