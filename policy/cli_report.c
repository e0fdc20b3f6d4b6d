/* cli_report.c: report register / monthly (rendering in report.c). */
#include "cli.h"

int cli_report(policy_db *db, int argc, char **argv)
{
	(void)db;
	(void)argc;
	(void)argv;
	return cli_error("report: not available in this build yet");
}
