/* cli_staff.c: staff add / passwd / disable / enable / list: the console's staff (staff.h). */
#include "cli_commands.h"
#include "staff.h"

#include <openssl/crypto.h>
#include <string.h>

static int add_or_passwd(policy_db *db, bool add, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "role", OPT_VALUE, 0 },     { "section", OPT_VALUE, 0 },
					    { "name", OPT_VALUE, 0 },     { "password-stdin", OPT_FLAG, 0 },
					    { "by", OPT_VALUE, 0 },       { NULL, 0, 0 } };
	const char *cmd = add ? "staff add" : "staff passwd";
	cli_args a;
	if (cli_parse(cmd, argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1 || !cli_has(&a, "password-stdin"))
		return cli_usage(add ? N_("%s: use 'staff add LOGIN --role applicant|approver|auditor|admin [--section S]"
					  " [--name NAME] --password-stdin [--by NAME]'")
				     : N_("%s: use 'staff passwd LOGIN --password-stdin [--by NAME]'"),
				 cmd);
	policy_staff_role role = POLICY_ROLE_AUDITOR;
	if (add && !policy_staff_role_parse(cli_get(&a, "role"), &role))
		return cli_usage("%s: --role must be applicant, approver, auditor or admin", cmd);
	if (!add && (cli_has(&a, "role") || cli_has(&a, "section") || cli_has(&a, "name")))
		return cli_usage("%s: --role, --section and --name belong to 'staff add'", cmd);
	const char *by = cli_has(&a, "by") ? cli_get(&a, "by") : "rmgate-policy";
	char pw[300];
	int rc = cli_read_password(cmd, "password: ", pw, sizeof pw);
	if (rc == CLI_OK) {
		int status = add ? policy_staff_add(db, a.pos[0], cli_get(&a, "name"), role, cli_get(&a, "section"), pw, by,
						    policy_now_us())
				 : policy_staff_set_password(db, a.pos[0], NULL, pw, by, policy_now_us());
		rc = status ? cli_fail() : CLI_OK;
	}
	OPENSSL_cleanse(pw, sizeof pw);
	return rc;
}

int cli_staff(policy_db *db, int argc, char **argv)
{
	const char *v = argc ? argv[0] : "";
	if (!strcmp(v, "add") || !strcmp(v, "passwd"))
		return add_or_passwd(db, !strcmp(v, "add"), argc - 1, argv + 1);
	if (!strcmp(v, "disable") || !strcmp(v, "enable")) {
		static const cli_optspec spec[] = { { "by", OPT_VALUE, 0 }, { NULL, 0, 0 } };
		cli_args a;
		if (cli_parse(!strcmp(v, "disable") ? "staff disable" : "staff enable", argc - 1, argv + 1, spec, &a))
			return CLI_USAGE;
		if (a.npos != 1)
			return cli_usage("staff %s: give one LOGIN", v);
		if (policy_staff_set_disabled(db, a.pos[0], !strcmp(v, "disable"),
					      cli_has(&a, "by") ? cli_get(&a, "by") : "rmgate-policy", policy_now_us()))
			return cli_fail();
		return CLI_OK;
	}
	if (!strcmp(v, "list")) {
		static const cli_optspec spec[] = { { "json", OPT_FLAG, 0 }, { NULL, 0, 0 } };
		cli_args a;
		if (cli_parse("staff list", argc - 1, argv + 1, spec, &a))
			return CLI_USAGE;
		if (a.npos)
			return cli_usage("staff list: unexpected argument '%s'", a.pos[0]);
		return cli_print_query(db, stdout, cli_has(&a, "json"),
				       "SELECT s.id, s.login, s.display_name AS name, s.role, c.name AS section, s.disabled"
				       " FROM staff s LEFT JOIN sections c ON c.id = s.section_id ORDER BY s.id",
				       0, NULL);
	}
	return cli_usage("staff: use 'staff add LOGIN --role ROLE [--section S] [--name NAME] --password-stdin',"
			 " 'staff passwd LOGIN --password-stdin', 'staff disable|enable LOGIN' or 'staff list'");
}
