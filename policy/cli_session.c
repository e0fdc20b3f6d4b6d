/* cli_session.c: session list / show / note / end. */
#include "cli_commands.h"
#include "ledger.h"

#include <stdlib.h>
#include <string.h>

#define SESSION_VIEW                                                                                       \
	"SELECT s.id, " CLI_LOCAL("s.start_us") " AS start, " CLI_LOCAL("e.end_us") " AS end,"              \
	" (e.end_us - s.start_us) / 1000000 AS seconds, v.name AS vendor, s.login, y.name AS system,"       \
	" s.permit_id AS permit, s.source, s.client_name, e.reason AS end_reason, s.recording_id"            \
	" FROM sessions s LEFT JOIN session_ends e ON e.session_id = s.id"                                   \
	" LEFT JOIN vendors v ON v.id = s.vendor_id LEFT JOIN systems y ON y.id = s.system_id"

static int list(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "json", OPT_FLAG, 0 }, { "month", OPT_VALUE, 0 }, { "open", OPT_FLAG, 0 },
					    { "limit", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	cli_args a;
	if (cli_parse("session list", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos)
		return cli_usage("session list: unexpected argument '%s'", a.pos[0]);
	char from[24] = "0", to[24] = "9223372036854775807", limit[24] = "1000";
	const char *month = cli_get(&a, "month"), *lim = cli_get(&a, "limit");
	if (month) {
		int y, m;
		int64_t range[2];
		if (cli_month(db, "session list", month, &y, &m, range))
			return CLI_USAGE;
		snprintf(from, sizeof from, "%lld", (long long)range[0]);
		snprintf(to, sizeof to, "%lld", (long long)range[1]);
	}
	if (lim) {
		int64_t n;
		if (cli_id(lim, "--limit", &n))
			return CLI_USAGE;
		snprintf(limit, sizeof limit, "%lld", (long long)n);
	}
	const char *bind[] = { from, to, limit };
	char sql[2048];
	snprintf(sql, sizeof sql, "%s WHERE s.start_us >= ?1 AND s.start_us < ?2%s ORDER BY s.start_us DESC, s.id DESC LIMIT ?3",
		 SESSION_VIEW, cli_has(&a, "open") ? " AND e.session_id IS NULL" : "");
	return cli_print_query(db, stdout, cli_has(&a, "json"), sql, 3, bind);
}

static int show(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "json", OPT_FLAG, 0 }, { NULL, 0, 0 } };
	cli_args a;
	int64_t id;
	if (cli_parse("session show", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1 || cli_id(a.pos[0], N_("session ID"), &id))
		return cli_usage("session show: give one session ID");
	bool json = cli_has(&a, "json");
	char idbuf[24];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
	const char *bind[] = { idbuf };
	if (json)
		fputs("{\"session\": ", stdout);
	int rc = cli_print_record(db, stdout, json,
				  "SELECT s.id, " CLI_LOCAL("s.start_us") " AS start, " CLI_LOCAL("e.end_us") " AS end,"
				  " s.start_us, e.end_us, v.name AS vendor, s.login, y.name AS system, s.permit_id AS permit,"
				  " s.source, s.client_name, s.client_build, s.recording_id, IFNULL(e.recording_path, s.recording_path)"
				  " AS recording_path, e.recording_digest, e.reason AS end_reason, e.bytes, e.frames, e.idle_us"
				  " FROM sessions s LEFT JOIN session_ends e ON e.session_id = s.id"
				  " LEFT JOIN vendors v ON v.id = s.vendor_id LEFT JOIN systems y ON y.id = s.system_id"
				  " WHERE s.id = ?1",
				  1, bind);
	if (rc)
		return rc;
	fputs(json ? ",\n\"events\": " : _("\nevents:\n"), stdout);
	rc = cli_print_query(db, stdout, json,
			     "SELECT " CLI_LOCAL("at_us") " AS at, type, detail, actor FROM events WHERE session_id = ?1 ORDER BY seq",
			     1, bind);
	if (json)
		fputs("}\n", stdout);
	return rc;
}

static int note(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "by", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	cli_args a;
	int64_t id;
	if (cli_parse("session note", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 2 || cli_id(a.pos[0], N_("session ID"), &id))
		return cli_usage("session note: use 'session note ID TEXT [--by NAME]'");
	const char *by = cli_get(&a, "by");
	if (policy_ledger_note(db, id, policy_now_us(), by ? by : getenv("USER"), a.pos[1]))
		return cli_fail();
	return CLI_OK;
}

/* session end ID --by NAME --reason TEXT: the gate ends the live session within seconds. */
static int end(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "by", OPT_VALUE, 0 }, { "reason", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	cli_args a;
	int64_t id;
	if (cli_parse("session end", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1 || cli_id(a.pos[0], N_("session ID"), &id))
		return cli_usage("session end: use 'session end ID --by NAME --reason TEXT'");
	const char *by = cli_get(&a, "by"), *reason = cli_get(&a, "reason");
	if (!by || !*by || !reason || !*reason)
		return cli_usage("session end: --by NAME and --reason TEXT are required (the ledger keeps both)");
	if (policy_ledger_request_end(db, id, policy_now_us(), by, reason))
		return cli_fail();
	printf(_("session %lld: end ordered by %s; the gate ends it within 5 seconds (ledger: end_requested)\n"),
	       (long long)id, by);
	return CLI_OK;
}

int cli_session(policy_db *db, int argc, char **argv)
{
	if (argc < 1)
		return cli_usage("session: use list, show, note or end");
	if (!strcmp(argv[0], "end"))
		return end(db, argc - 1, argv + 1);
	if (!strcmp(argv[0], "list"))
		return list(db, argc - 1, argv + 1);
	if (!strcmp(argv[0], "show"))
		return show(db, argc - 1, argv + 1);
	if (!strcmp(argv[0], "note"))
		return note(db, argc - 1, argv + 1);
	return cli_usage("session: unknown subcommand '%s'", argv[0]);
}
