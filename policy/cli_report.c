/* cli_report.c: report register / monthly, to stdout or -o/--output FILE (0600). */
#include "cli_commands.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_report(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "month", OPT_VALUE, 0 }, { "system", OPT_VALUE, 0 }, { "section", OPT_VALUE, 0 },
					    { "format", OPT_VALUE, 0 }, { "output", OPT_VALUE, 'o' }, { NULL, 0, 0 } };
	if (argc < 1 || (strcmp(argv[0], "register") && strcmp(argv[0], "monthly")))
		return cli_usage("report: use 'report register' or 'report monthly'");
	bool reg = !strcmp(argv[0], "register");
	cli_args a;
	if (cli_parse(reg ? "report register" : "report monthly", argc - 1, argv + 1, spec, &a))
		return CLI_USAGE;
	if (a.npos)
		return cli_usage("report: unexpected argument '%s'", a.pos[0]);
	if (cli_has(&a, reg ? "section" : "system"))
		return cli_usage(reg ? "report register takes --system, not --section" : "report monthly takes --section, not --system");
	int y, m;
	const char *month = cli_get(&a, "month");
	if (cli_month(db, reg ? "report register" : "report monthly", month, &y, &m, NULL))
		return CLI_USAGE;
	policy_report_format fmt;
	if (!rr_parse_format(cli_get(&a, "format"), &fmt))
		return cli_usage("report: --format must be html, csv or json");
	const char *path = cli_get(&a, "output");
	FILE *out = stdout;
	char tmp[4096];
	if (path) {
		/* write beside the target and rename: an existing file is never
		 * left half-overwritten */
		if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp)
			return cli_usage("report: output path too long");
		int fd = mkstemp(tmp);
		if (fd < 0 || fchmod(fd, 0600) != 0 || !(out = fdopen(fd, "w"))) {
			int err = errno;
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			return cli_error("cannot write report to %s: %s", path, strerror(err));
		}
	}
	int status = reg ? policy_report_register(db, y, m, cli_get(&a, "system"), fmt, out)
			 : policy_report_monthly(db, y, m, cli_get(&a, "section"), fmt, out);
	int rc = status ? cli_fail() : CLI_OK;
	if (!path)
		return rc;
	if (fclose(out) != 0 && !rc)
		rc = cli_error("writing %s failed: %s", path, strerror(errno));
	if (!rc && rename(tmp, path) != 0)
		rc = cli_error("cannot write report to %s: %s", path, strerror(errno));
	if (rc)
		unlink(tmp);
	return rc;
}
