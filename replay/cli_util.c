/* cli_util.c: what rmgate-replay's commands share (replay_cli.h): one-line output escaped for
 * the terminal, times in the display zone, TIME and duration arguments, opening a
 * recording. */
#include "replay_cli.h"
#include "i18n.h"
#include "rec_keys.h"
#include "text_escape.h"
#include "text_width.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One line of text output: the recording's texts (session id, event details, typed text,
 * problems) and file names may hold control characters, so the whole line is escaped for
 * the terminal (text_escape.h) and ends with one newline. */
static void vsay(FILE *f, const char *fmt, va_list ap)
{
	char *line = NULL;
	if (vasprintf(&line, fmt, ap) < 0) {
		fputs(_("(out of memory)\n"), f);
		return;
	}
	text_escape_fputs(line, f);
	fputc('\n', f);
	free(line);
}

void replay_say(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(f, fmt, ap);
	va_end(ap);
}

int replay_die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", REPLAY_PROG);
	vsay(stderr, fmt, ap);
	va_end(ap);
	return code;
}

void replay_fmt_time(uint64_t ns, char *out, size_t n)
{
	time_t t = (time_t)(ns / REPLAY_NS_PER_S);
	struct tm tm;
	localtime_r(&t, &tm);
	char b[32];
	strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
	char z[16];
	strftime(z, sizeof z, "%Z", &tm);
	snprintf(out, n, "%s.%03u %s", b, (unsigned)(ns % REPLAY_NS_PER_S / 1000000), z);
}

void replay_fmt_iso(uint64_t ns, char *out, size_t n)
{
	time_t t = (time_t)(ns / REPLAY_NS_PER_S);
	struct tm tm;
	localtime_r(&t, &tm);
	char b[32], z[8];
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof z, "%z", &tm);
	snprintf(out, n, "%s.%03u%.3s:%s", b, (unsigned)(ns % REPLAY_NS_PER_S / 1000000), z, z + 3);
}

void replay_fmt_clock(uint64_t ns, char *out, size_t n)
{
	time_t t = (time_t)(ns / REPLAY_NS_PER_S);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, n, "%H:%M:%S", &tm);
}

void replay_fmt_dur(uint64_t ns, char *out, size_t n)
{
	uint64_t s = ns / REPLAY_NS_PER_S;
	snprintf(out, n, "%02llu:%02llu:%02llu", (unsigned long long)(s / 3600),
	         (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
}

/* Seconds with an optional fraction; -1 on error. */
static int parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0 || (*end && strcmp(end, "s") != 0))
		return -1;
	*out = v;
	return 0;
}

/* A duration: 30, 30s, 2m, 1h. */
int replay_parse_duration(const char *s, uint64_t *ns)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 1;
	if (end == s || v <= 0)
		return -1;
	if (!strcmp(end, "m"))
		mul = 60;
	else if (!strcmp(end, "h"))
		mul = 3600;
	else if (*end && strcmp(end, "s"))
		return -1;
	*ns = (uint64_t)(v * mul * 1e9);
	return *ns ? 0 : -1;
}

/* TIME: seconds, [HH:]MM:SS[.fff] from the start, YYYY-MM-DD[ T]HH:MM:SS in the
 * display zone, 'start' or 'end'. */
int replay_parse_at(const replay_ctx *c, const char *s, uint64_t *ns)
{
	uint64_t start = c->h->start_ns, end = c->sum.end_ns > start ? c->sum.end_ns : start;
	if (!strcmp(s, "end")) {
		*ns = end;
		return 0;
	}
	if (!strcmp(s, "start")) {
		*ns = start;
		return 0;
	}
	double sec;
	if (parse_seconds(s, &sec) == 0) {
		*ns = start + (uint64_t)(sec * 1e9);
		return 0;
	}
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *rest = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!rest)
		rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest) {
		double frac = 0;
		if (*rest == '.' && parse_seconds(rest, &frac) != 0)
			return -1;
		if (*rest && *rest != '.')
			return -1;
		tm.tm_isdst = -1;
		time_t t = mktime(&tm);
		if (t == (time_t)-1 || t < 0)
			return -1;
		*ns = (uint64_t)t * REPLAY_NS_PER_S + (uint64_t)(frac * 1e9);
		return 0;
	}
	unsigned a, b, d = 0;
	double fs = 0;
	int n = 0;
	if (sscanf(s, "%u:%u:%u%n", &a, &b, &d, &n) == 3 && (s[n] == '\0' || s[n] == '.')) {
		if (s[n] == '.' && parse_seconds(s + n, &fs) != 0)
			return -1;
		*ns = start + ((uint64_t)a * 3600 + b * 60 + d) * REPLAY_NS_PER_S + (uint64_t)(fs * 1e9);
		return b < 60 && d < 60 ? 0 : -1;
	}
	if (sscanf(s, "%u:%u%n", &a, &b, &n) == 2 && (s[n] == '\0' || s[n] == '.')) {
		if (s[n] == '.' && parse_seconds(s + n, &fs) != 0)
			return -1;
		*ns = start + ((uint64_t)a * 60 + b) * REPLAY_NS_PER_S + (uint64_t)(fs * 1e9);
		return b < 60 ? 0 : -1;
	}
	return -1;
}

const char *replay_layout_desc(uint32_t id, char *buf, size_t n)
{
	rec_layout l = rec_layout_from_id(id);
	bool known = id == 0x409 || l == REC_LAYOUT_JP;
	snprintf(buf, n, "%s (0x%08X)%s", rec_layout_name(l), id,
	         known ? "" : _(", not a known layout: keys shown as US"));
	return buf;
}

const char *replay_pad(const char *text, int columns, char *buf, size_t n)
{
	int w = text_display_width(text);
	snprintf(buf, n, "%s%*s", text, w < columns ? columns - w : 0, "");
	return buf;
}

/* Opens and scans. Returns 0 ok (warnings printed for incomplete files),
 * 1 when the file cannot be used. */
int replay_open(replay_ctx *c, bool quiet_problems)
{
	char err[600];
	if (rec_reader_open(&c->r, c->o.file, err, sizeof err) != 0)
		return replay_die(1, "%s: %s", c->o.file, err);
	c->h = rec_reader_header(c->r);
	if (rec_reader_scan(c->r, &c->sum) != 0)
		return replay_die(1, _("%s: out of memory while reading"), c->o.file);
	if (quiet_problems)
		return 0;
	char end[64];
	replay_fmt_time(c->sum.end_ns, end, sizeof end);
	switch (c->sum.integrity) {
	case REC_COMPLETE:
		return 0;
	case REC_CORRUPT:
		return replay_die(1, _("%s: corrupt recording: %s; run 'rmgate-replay verify' for details"),
		           c->o.file, c->sum.problem);
	default:
		replay_say(stderr, _("%s: warning: %s is %s (%s); showing it up to %s"), REPLAY_PROG, c->o.file,
		        rec_integrity_name(c->sum.integrity), c->sum.problem, end);
		return 0;
	}
}
