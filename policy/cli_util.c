/* cli_util.c: argument parsing (getopt_long), error lines and table/JSON output for the
 * rmgate-policy commands (cli_util.h). */
#include "cli_util.h"
#include "cli_opt.h"
#include "text_escape.h"
#include "text_width.h"

#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Messages quote arguments and database text: escaped for the terminal (text_escape.h). */
/* fmt is the English format; its translation is printed (i18n.h). */
static void message(const char *fmt, va_list ap)
{
	char line[2048];
	vsnprintf(line, sizeof line, _(fmt), ap);
	fputs("rmgate-policy: ", stderr);
	text_escape_fputs(line, stderr);
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	message(fmt, ap);
	va_end(ap);
	fputs(_(" (try rmgate-policy --help)\n"), stderr);
	return CLI_USAGE;
}

int cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	message(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_REFUSED;
}

const char *cli_actor(const cli_args *a, char *buf, size_t len)
{
	const char *by = cli_get(a, "by");
	if (by && *by)
		return by;
	const struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name && *pw->pw_name)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %u", (unsigned)getuid());
	return buf;
}

int cli_fail(void)
{
	return cli_error("%s", policy_last_error());
}

static int add_opt(cli_args *out, const char *name, const char *value)
{
	if (out->nopt >= CLI_MAX_OPTS)
		return cli_usage("too many options");
	out->opt[out->nopt].name = name;
	out->opt[out->nopt].value = value;
	out->nopt++;
	return CLI_OK;
}

static int add_pos(const char *cmd, cli_args *out, const char *word)
{
	if (out->npos >= CLI_MAX_POS)
		return cli_usage("%s: too many arguments", cmd);
	out->pos[out->npos++] = word;
	return CLI_OK;
}

/* getopt_long's value for spec entry i: above every letter, so a short spelling
 * and its long one resolve to the same entry (spec_index). */
#define SPEC_VAL(i) (256 + (i))

static int spec_index(const cli_optspec *spec, int c)
{
	if (c >= SPEC_VAL(0))
		return c - SPEC_VAL(0);
	for (int i = 0; spec[i].name; i++)
		if (spec[i].letter == c)
			return i;
	return -1;
}

static int parse_words(const char *cmd, int argc, char **argv, const cli_optspec *spec, cli_args *out)
{
	enum { MAX_SPEC = 32 };
	struct option longopts[MAX_SPEC + 1];
	/* "-": words come back in place (value 1), so an OPT_MULTI option can take the
	 * words after it and POSIXLY_CORRECT changes nothing; ":": a missing value is
	 * reported as ':' and getopt itself prints nothing. */
	char shortopts[2 * MAX_SPEC + 3] = "-:";
	size_t n = 0, ns = 2;
	for (; spec[n].name; n++) {
		if (n == MAX_SPEC)
			return cli_usage("%s: too many options defined", cmd);
		bool value = spec[n].kind != OPT_FLAG;
		longopts[n] = (struct option){ spec[n].name, value ? required_argument : no_argument, NULL,
			                       SPEC_VAL((int)n) };
		if (spec[n].letter) {
			shortopts[ns++] = spec[n].letter;
			if (value)
				shortopts[ns++] = ':';
		}
	}
	longopts[n] = (struct option){ 0 };
	shortopts[ns] = '\0';

	char what[64];
	const cli_optspec *multi = NULL; /* an OPT_MULTI option still taking words */
	opterr = 0;
	optind = 0; /* glibc: start afresh (the unit tests run the CLI many times) */
	int c;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 1) {
			if (multi ? add_opt(out, multi->name, optarg) : add_pos(cmd, out, optarg))
				return CLI_USAGE;
			continue;
		}
		multi = NULL;
		if (c == '?' && cli_opt_refused_value(argv))
			return cli_usage("%s: option %s takes no value", cmd, cli_opt_refused(argv, what, sizeof what));
		if (c == '?')
			return cli_usage("%s: unknown option '%s'", cmd, cli_opt_refused(argv, what, sizeof what));
		if (c == ':')
			return cli_usage("%s: option %s needs a value", cmd, cli_opt_refused(argv, what, sizeof what));
		int i = spec_index(spec, c);
		if (i < 0)
			return cli_usage("%s: unknown option", cmd);
		const cli_optspec *s = &spec[i];
		if (s->kind == OPT_FLAG) {
			if (add_opt(out, s->name, ""))
				return CLI_USAGE;
			continue;
		}
		if (cli_opt_value_missing(argv))
			return cli_usage("%s: option --%s needs a value", cmd, s->name);
		bool separate = optarg == argv[optind - 1];
		if (add_opt(out, s->name, optarg))
			return CLI_USAGE;
		if (s->kind == OPT_MULTI && separate)
			multi = s;
	}
	for (int i = optind; i < argc; i++) /* the words after "--" */
		if (add_pos(cmd, out, argv[i]))
			return CLI_USAGE;
	return CLI_OK;
}

int cli_parse(const char *cmd, int argc, char **argv, const cli_optspec *spec, cli_args *out)
{
	static const cli_optspec none[] = { { NULL, 0, 0 } };
	memset(out, 0, sizeof *out);
	/* getopt_long reads argv[1..]: argv[0] is the command's name for it. */
	char **words = calloc((size_t)argc + 2, sizeof *words);
	if (!words)
		return cli_error("out of memory");
	words[0] = (char *)cmd;
	for (int i = 0; i < argc; i++)
		words[i + 1] = argv[i];
	int rc = parse_words(cmd, argc + 1, words, spec ? spec : none, out);
	free(words);
	return rc;
}

const char *cli_get(const cli_args *a, const char *name)
{
	const char *v = NULL;
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->opt[i].name, name))
			v = a->opt[i].value; /* the last one wins */
	return v;
}

bool cli_has(const cli_args *a, const char *name)
{
	return cli_get(a, name) != NULL;
}

size_t cli_all(const cli_args *a, const char *name, const char **out, size_t max)
{
	size_t n = 0;
	for (int i = 0; i < a->nopt && n < max; i++)
		if (!strcmp(a->opt[i].name, name))
			out[n++] = a->opt[i].value;
	return n;
}

int cli_id(const char *text, const char *what, int64_t *id)
{
	char *end;
	if (!text)
		return cli_usage("missing %s", _(what));
	long long v = strtoll(text, &end, 10);
	if (!*text || *end || v <= 0)
		return cli_usage("%s '%s' is not a positive number", _(what), text);
	*id = v;
	return CLI_OK;
}

void cli_json_string(FILE *out, const char *s)
{
	text_json_string(s, out);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static sqlite3_stmt *prepare_bound(policy_db *db, const char *sql, int nbind, const char *const *binds)
{
	sqlite3_stmt *st = pol_prepare(db, sql);
	for (int i = 0; st && i < nbind; i++) {
		if (binds[i] && all_digits(binds[i]) && strlen(binds[i]) < 19)
			sqlite3_bind_int64(st, i + 1, strtoll(binds[i], NULL, 10));
		else
			pol_bind_text(st, i + 1, binds[i]);
	}
	return st;
}

static void json_value(FILE *out, sqlite3_stmt *st, int c)
{
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_NULL: fputs("null", out); break;
	case SQLITE_INTEGER: fprintf(out, "%lld", (long long)sqlite3_column_int64(st, c)); break;
	default: cli_json_string(out, (const char *)sqlite3_column_text(st, c));
	}
}

static void json_object(FILE *out, sqlite3_stmt *st)
{
	fputc('{', out);
	for (int c = 0; c < sqlite3_column_count(st); c++) {
		if (c)
			fputs(", ", out);
		cli_json_string(out, sqlite3_column_name(st, c));
		fputs(": ", out);
		json_value(out, st, c);
	}
	fputc('}', out);
}

/* The column names the commands' queries give (their SQL aliases), marked for translation:
 * a table's header and a record's labels are shown translated, JSON keeps the names. A name
 * not listed here is shown as it is. */
static const char *const labels[] = {
	N_("id"), N_("state"), N_("expired"), N_("section"), N_("vendor"), N_("prime"), N_("system"),
	N_("class"), N_("purpose"), N_("from_date"), N_("to_date"), N_("contract_from"), N_("contract_to"),
	N_("table_no"), N_("sources"), N_("lab_exception"), N_("system_networks"), N_("observe_only"),
	N_("applied_by"), N_("applied"), N_("updated"), N_("item"), N_("confirmed"), N_("at"), N_("actor"),
	N_("action"), N_("from_state"), N_("to_state"), N_("reason"), N_("ordered"), N_("ordered_by"),
	N_("measures"), N_("due"), N_("suspended"), N_("status"), N_("done"), N_("done_by"), N_("done_note"),
	N_("kind"), N_("session"), N_("detail"), N_("name"), N_("officer"), N_("systems"), N_("host"),
	N_("port"), N_("credentials"), N_("secret"), N_("idle_timeout_s"), N_("max_duration_s"),
	N_("channels"), N_("cert_pin"), N_("networks"), N_("lab_sources"), N_("login"), N_("disabled"),
	N_("nla"), N_("day"), N_("start"), N_("end"), N_("seconds"), N_("permit"), N_("source"),
	N_("client_name"), N_("end_reason"), N_("recording_id"), N_("start_us"), N_("end_us"),
	N_("client_build"), N_("recording_path"), N_("recording_digest"), N_("bytes"), N_("frames"),
	N_("idle_us"), N_("type"), N_("count"), N_("account"), N_("permits"), N_("role"),
};

const char *cli_label(const char *name)
{
	for (size_t i = 0; name && i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(labels[i], name))
			return _(labels[i]);
	return name;
}

typedef struct {
	char **cells;
	size_t n, cap;
} cell_buf;

static int push_cell(cell_buf *b, const char *text)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char **grown = realloc(b->cells, cap * sizeof *grown);
		if (!grown)
			return -1;
		b->cells = grown;
		b->cap = cap;
	}
	b->cells[b->n] = text ? text_escape_dup(text) : strdup("-");
	return b->cells[b->n++] ? 0 : -1;
}

static void print_table(FILE *out, cell_buf *b, int ncol)
{
	int *w = calloc((size_t)ncol, sizeof *w);
	if (!w)
		return;
	for (size_t i = 0; i < b->n; i++)
		if (text_display_width(b->cells[i]) > w[i % (size_t)ncol])
			w[i % (size_t)ncol] = text_display_width(b->cells[i]);
	for (size_t i = 0; i < b->n; i++) {
		int c = (int)(i % (size_t)ncol);
		bool last = c == ncol - 1;
		fputs(b->cells[i], out);
		if (last)
			fputc('\n', out);
		else
			fprintf(out, "%*s", w[c] - text_display_width(b->cells[i]) + 2, "");
	}
	free(w);
}

int cli_print_query(policy_db *db, FILE *out, bool json, const char *sql, int nbind, const char *const *binds)
{
	sqlite3_stmt *st = prepare_bound(db, sql, nbind, binds);
	if (!st)
		return cli_fail();
	int ncol = sqlite3_column_count(st), rc, rows = 0;
	cell_buf b = { 0 };
	for (int c = 0; !json && c < ncol; c++)
		push_cell(&b, cli_label(sqlite3_column_name(st, c)));
	if (json)
		fputc('[', out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json) {
			fputs(rows ? ",\n " : "\n ", out);
			json_object(out, st);
		} else {
			for (int c = 0; c < ncol; c++)
				push_cell(&b, (const char *)sqlite3_column_text(st, c));
		}
		rows++;
	}
	if (json)
		fputs(rows ? "\n]\n" : "]\n", out);
	else if (rows)
		print_table(out, &b, ncol);
	for (size_t i = 0; i < b.n; i++)
		free(b.cells[i]);
	free(b.cells);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pol_sql_fail(db, "listing"), cli_fail();
	return CLI_OK;
}

int cli_print_record(policy_db *db, FILE *out, bool json, const char *sql, int nbind, const char *const *binds)
{
	sqlite3_stmt *st = prepare_bound(db, sql, nbind, binds);
	if (!st)
		return cli_fail();
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (json) {
			json_object(out, st);
		} else {
			/* the values start at display column 17 (English labels are at most 16 wide), or
			 * two after the widest label when one is wider (translated labels) */
			int ncol = sqlite3_column_count(st), widest = 0;
			for (int c = 0; c < ncol; c++) {
				char *label = text_escape_dup(cli_label(sqlite3_column_name(st, c)));
				int w = label ? text_display_width(label) : 0;
				if (w > widest)
					widest = w;
				free(label);
			}
			int column = widest > 16 ? widest + 2 : 17;
			for (int c = 0; c < ncol; c++) {
				const char *v = (const char *)sqlite3_column_text(st, c);
				char *label = text_escape_dup(cli_label(sqlite3_column_name(st, c)));
				text_print_padded(out, label ? label : "?", column);
				free(label);
				text_escape_fputs(v ? v : "-", out);
				fputc('\n', out);
			}
		}
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return cli_error("not found: %s", nbind ? binds[0] : "");
	if (rc != SQLITE_ROW)
		return pol_sql_fail(db, "showing"), cli_fail();
	return CLI_OK;
}

int cli_month(policy_db *db, const char *cmd, const char *text, int *y, int *m, int64_t range[2])
{
	if (!text)
		return cli_usage("%s: --month YYYY-MM is required", cmd);
	if (!cal_parse_month(text, y, m))
		return cli_usage("%s: --month: %s is not a month (YYYY-MM)", cmd, text);
	if (range) {
		cal_date first = { *y, *m, 1 }, next = { *m == 12 ? *y + 1 : *y, *m == 12 ? 1 : *m + 1, 1 };
		range[0] = pol_local_midnight_us(db, first);
		range[1] = pol_local_midnight_us(db, next);
	}
	return CLI_OK;
}
