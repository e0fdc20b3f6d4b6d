/* cli_report.c: report register / monthly, to stdout or -o/--output FILE (0600), and the
 * document writer the forms share (HTML, PDF). */
#include "cli_commands.h"
#include "forms.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens a new private file beside `path` (name in tmp); NULL with errno. */
static FILE *open_beside(const char *path, char *tmp, size_t len)
{
	if (snprintf(tmp, len, "%s.XXXXXX", path) >= (int)len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	int fd = mkstemp(tmp);
	FILE *out = NULL;
	if (fd < 0 || fchmod(fd, 0600) != 0 || !(out = fdopen(fd, "w"))) {
		int err = errno;
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		errno = err;
	}
	return out;
}

static int write_pdf(policy_db *db, const char *cmd, const char *path, cli_render_fn render, const void *ctx)
{
	const char *dir = getenv("TMPDIR");
	char html[4096];
	if (!dir || dir[0] != '/')
		dir = "/tmp";
	if (snprintf(html, sizeof html, "%s/rmgate-form-XXXXXX.html", dir) >= (int)sizeof html)
		return cli_error("%s: TMPDIR path too long", cmd);
	int fd = mkstemps(html, 5); /* mode 0600: the form is not for other users */
	FILE *out = fd < 0 ? NULL : fdopen(fd, "w");
	if (!out) {
		int err = errno;
		if (fd >= 0) {
			close(fd);
			unlink(html);
		}
		return cli_error("%s: cannot create a temporary file in %s: %s", cmd, dir, strerror(err));
	}
	int rc = render(db, ctx, out) ? cli_fail() : CLI_OK;
	if (fclose(out) != 0 && !rc)
		rc = cli_error("%s: writing %s failed: %s", cmd, html, strerror(errno));
	if (!rc && policy_html_to_pdf(html, path))
		rc = cli_fail();
	unlink(html);
	return rc;
}

int cli_write_document(policy_db *db, const char *cmd, const char *path, bool pdf, cli_render_fn render, const void *ctx)
{
	if (pdf) {
		if (!path)
			return cli_usage("%s: --format pdf needs -o FILE", cmd);
		return write_pdf(db, cmd, path, render, ctx);
	}
	FILE *out = stdout;
	char tmp[4096];
	/* write beside the target and rename: an existing file is never left half-overwritten */
	if (path && !(out = open_beside(path, tmp, sizeof tmp)))
		return cli_error("%s: cannot write %s: %s", cmd, path, strerror(errno));
	int rc = render(db, ctx, out) ? cli_fail() : CLI_OK;
	if (!path)
		return rc;
	if (fclose(out) != 0 && !rc)
		rc = cli_error("writing %s failed: %s", path, strerror(errno));
	if (!rc && rename(tmp, path) != 0)
		rc = cli_error("%s: cannot write %s: %s", cmd, path, strerror(errno));
	if (rc)
		unlink(tmp);
	return rc;
}

typedef struct {
	bool reg;
	int y, m;
	const char *system, *section;
	policy_report_opts opts;
	policy_report_format fmt;
} report_req;

static int render_report(policy_db *db, const void *ctx, FILE *out)
{
	const report_req *q = ctx;
	return q->reg ? policy_report_register(db, q->y, q->m, q->system, q->fmt, out)
		      : policy_report_monthly_opts(db, q->y, q->m, q->section, &q->opts, q->fmt, out);
}

/* report destination [set TEXT [--by NAME]]: where Form 4 goes (forms.h). */
static int destination(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "by", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	cli_args a;
	if (cli_parse("report destination", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos == 0) {
		char buf[512];
		if (policy_report_destination_get(db, buf, sizeof buf))
			return cli_fail();
		printf("%s\n", buf);
		return CLI_OK;
	}
	if (a.npos != 2 || strcmp(a.pos[0], "set"))
		return cli_usage("report destination: use 'report destination' or 'report destination set TEXT --by NAME'");
	char who[256];
	if (policy_report_destination_set(db, a.pos[1], cli_actor(&a, who, sizeof who), policy_now_us()))
		return cli_fail();
	printf(_("report destination: %s\n"), a.pos[1]);
	return CLI_OK;
}

int cli_report(policy_db *db, int argc, char **argv)
{
	if (argc >= 1 && !strcmp(argv[0], "destination"))
		return destination(db, argc - 1, argv + 1);
	static const cli_optspec spec[] = { { "month", OPT_VALUE, 0 }, { "system", OPT_VALUE, 0 }, { "section", OPT_VALUE, 0 },
					    { "format", OPT_VALUE, 0 }, { "output", OPT_VALUE, 'o' }, { "date", OPT_VALUE, 0 },
					    { NULL, 0, 0 } };
	if (argc < 1 || (strcmp(argv[0], "register") && strcmp(argv[0], "monthly")))
		return cli_usage("report: use 'report register', 'report monthly' or 'report destination'");
	bool reg = !strcmp(argv[0], "register");
	const char *cmd = reg ? "report register" : "report monthly";
	cli_args a;
	if (cli_parse(cmd, argc - 1, argv + 1, spec, &a))
		return CLI_USAGE;
	if (a.npos)
		return cli_usage("report: unexpected argument '%s'", a.pos[0]);
	if (cli_has(&a, reg ? "section" : "system"))
		return cli_usage(reg ? N_("report register takes --system, not --section")
				     : N_("report monthly takes --section, not --system"));
	if (reg && cli_has(&a, "date"))
		return cli_usage("report register takes no --date (the report date is Form 4's)");
	report_req q = { .reg = reg, .system = cli_get(&a, "system"), .section = cli_get(&a, "section"),
			 .opts = { .report_date = cli_get(&a, "date") } };
	if (cli_month(db, cmd, cli_get(&a, "month"), &q.y, &q.m, NULL))
		return CLI_USAGE;
	cal_date d;
	if (q.opts.report_date && !cal_parse_date(q.opts.report_date, &d))
		return cli_usage("report monthly: --date must be YYYY-MM-DD (the report date), not '%s'", q.opts.report_date);
	const char *format = cli_get(&a, "format");
	bool pdf = format && !strcmp(format, "pdf");
	if (pdf)
		q.fmt = POLICY_FMT_HTML;
	else if (!rr_parse_format(format, &q.fmt))
		return cli_usage("report: --format must be html, pdf, csv or json");
	return cli_write_document(db, cmd, cli_get(&a, "output"), pdf, render_report, &q);
}
