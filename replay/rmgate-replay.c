/* rmgate-replay: the auditors' tool for session recordings: info, events, keys,
 * frame, sheet, video and verify (docs/man/rmgate-replay.1). Reads with
 * rec_reader/rec_player; never modifies the recording. */
#include "hex.h"
#include "rec_format.h"
#include "rec_image.h"
#include "rec_keys.h"
#include "rec_reader.h"
#include "rec_screen.h"
#include "text_escape.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000ull

typedef struct opts {
	const char *cmd, *file, *out, *at, *every, *digest, *tz, *layout;
	bool json, skip_idle, no_pointer;
	double speed;
	unsigned fps, cols, thumb, idle_s;
} opts;

typedef struct ctx {
	opts o;
	rec_reader *r;
	rec_summary sum;
	const rec_header *h;
} ctx;

static const char *prog = "rmgate-replay";

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: rmgate-replay COMMAND RECORDING [options]\n\n"
	        "Inspect and replay rmgate session recordings.\n\n"
	        "Commands:\n"
	        "  info                         ids, geometry, start/end, size, integrity\n"
	        "  events [--json] [--idle S]   timeline: policy events, input, idle stretches, end\n"
	        "  keys [--layout us|jp]        what was typed, with times\n"
	        "  frame --at TIME -o X.png     the screen at TIME (seconds, [HH:]MM:SS, a wall-clock\n"
	        "                               time YYYY-MM-DD HH:MM:SS, or 'end')\n"
	        "  sheet -o X.png [--every 30s] [--cols 6] [--width 320]   contact sheet\n"
	        "  video -o X.mp4 [--speed N] [--skip-idle] [--fps 10]     video through ffmpeg\n"
	        "  verify [--digest HEX]        recompute the hash chain (exit 1 on any problem)\n\n"
	        "Options:\n"
	        "  --tz ZONE      show times in ZONE (default Asia/Tokyo); --utc = --tz UTC\n"
	        "  --no-pointer   do not draw the pointer (frame, sheet, video)\n"
	        "  -h, --help     show this help\n"
	        "  -V, --version  show the version\n");
}

/* One line of text output: the recording's texts (session id, event details, typed text,
 * problems) and file names may hold control characters, so the whole line is escaped for
 * the terminal (text_escape.h) and ends with one newline. */
static void vsay(FILE *f, const char *fmt, va_list ap)
{
	char *line = NULL;
	if (vasprintf(&line, fmt, ap) < 0) {
		fputs("(out of memory)\n", f);
		return;
	}
	text_escape_fputs(line, f);
	fputc('\n', f);
	free(line);
}

static void say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(f, fmt, ap);
	va_end(ap);
}

static int die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vsay(stderr, fmt, ap);
	va_end(ap);
	return code;
}

/* ---------- times ---------- */

static void fmt_time(uint64_t ns, char *out, size_t n)
{
	time_t t = (time_t)(ns / NS);
	struct tm tm;
	localtime_r(&t, &tm);
	char b[32];
	strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
	char z[16];
	strftime(z, sizeof z, "%Z", &tm);
	snprintf(out, n, "%s.%03u %s", b, (unsigned)(ns % NS / 1000000), z);
}

static void fmt_iso(uint64_t ns, char *out, size_t n)
{
	time_t t = (time_t)(ns / NS);
	struct tm tm;
	localtime_r(&t, &tm);
	char b[32], z[8];
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof z, "%z", &tm);
	snprintf(out, n, "%s.%03u%.3s:%s", b, (unsigned)(ns % NS / 1000000), z, z + 3);
}

static void fmt_clock(uint64_t ns, char *out, size_t n)
{
	time_t t = (time_t)(ns / NS);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, n, "%H:%M:%S", &tm);
}

static void fmt_dur(uint64_t ns, char *out, size_t n)
{
	uint64_t s = ns / NS;
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
static int parse_duration(const char *s, uint64_t *ns)
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
static int parse_at(const ctx *c, const char *s, uint64_t *ns)
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
		*ns = (uint64_t)t * NS + (uint64_t)(frac * 1e9);
		return 0;
	}
	unsigned a, b, d = 0;
	double fs = 0;
	int n = 0;
	if (sscanf(s, "%u:%u:%u%n", &a, &b, &d, &n) == 3 && (s[n] == '\0' || s[n] == '.')) {
		if (s[n] == '.' && parse_seconds(s + n, &fs) != 0)
			return -1;
		*ns = start + ((uint64_t)a * 3600 + b * 60 + d) * NS + (uint64_t)(fs * 1e9);
		return b < 60 && d < 60 ? 0 : -1;
	}
	if (sscanf(s, "%u:%u%n", &a, &b, &n) == 2 && (s[n] == '\0' || s[n] == '.')) {
		if (s[n] == '.' && parse_seconds(s + n, &fs) != 0)
			return -1;
		*ns = start + ((uint64_t)a * 60 + b) * NS + (uint64_t)(fs * 1e9);
		return b < 60 ? 0 : -1;
	}
	return -1;
}

/* ---------- opening ---------- */

static const char *layout_desc(uint32_t id, char *buf, size_t n)
{
	rec_layout l = rec_layout_from_id(id);
	bool known = id == 0x409 || l == REC_LAYOUT_JP;
	snprintf(buf, n, "%s (0x%08X)%s", rec_layout_name(l), id,
	         known ? "" : ", not a known layout: keys shown as US");
	return buf;
}

/* Opens and scans. Returns 0 ok (warnings printed for incomplete files),
 * 1 when the file cannot be used. */
static int open_recording(ctx *c, bool quiet_problems)
{
	char err[600];
	if (rec_reader_open(&c->r, c->o.file, err, sizeof err) != 0)
		return die(1, "%s: %s", c->o.file, err);
	c->h = rec_reader_header(c->r);
	if (rec_reader_scan(c->r, &c->sum) != 0)
		return die(1, "%s: out of memory while reading", c->o.file);
	if (quiet_problems)
		return 0;
	char end[64];
	fmt_time(c->sum.end_ns, end, sizeof end);
	switch (c->sum.integrity) {
	case REC_COMPLETE:
		return 0;
	case REC_CORRUPT:
		return die(1, "%s: corrupt recording: %s; run 'rmgate-replay verify' for details",
		           c->o.file, c->sum.problem);
	default:
		say(stderr, "%s: warning: %s is %s (%s); showing it up to %s", prog, c->o.file,
		        rec_integrity_name(c->sum.integrity), c->sum.problem, end);
		return 0;
	}
}

/* ---------- info / verify ---------- */

static void print_id(const char *name, int64_t v)
{
	if (v)
		say(stdout, "%-13s %lld", name, (long long)v);
	else
		say(stdout, "%-13s unknown", name);
}

static int cmd_info(ctx *c)
{
	if (open_recording(c, true) != 0)
		return 1;
	const rec_header *h = c->h;
	const rec_summary *s = &c->sum;
	char a[96], b[96], d[32], hex[65], lay[128];
	say(stdout, "%-13s %s", "recording", c->o.file);
	say(stdout, "%-13s %s%s%s", "integrity", rec_integrity_name(s->integrity),
	       s->problem[0] ? ": " : " (hash chain intact, END and index present)", s->problem);
	say(stdout, "%-13s %s", "session", h->session_id);
	print_id("permit", h->permit_id);
	print_id("vendor", h->vendor_id);
	print_id("system", h->system_id);
	print_id("account", h->account_id);
	say(stdout, "%-13s %s", "gate version", h->gate_version);
	say(stdout, "%-13s %ux%u (%llu resize%s)", "geometry", h->width, h->height,
	       (unsigned long long)s->resizes, s->resizes == 1 ? "" : "s");
	say(stdout, "%-13s %s", "keyboard", layout_desc(h->keyboard_layout, lay, sizeof lay));
	fmt_time(h->start_ns, a, sizeof a);
	fmt_time(s->end_ns, b, sizeof b);
	fmt_dur(s->end_ns > h->start_ns ? s->end_ns - h->start_ns : 0, d, sizeof d);
	say(stdout, "%-13s %s", "start", a);
	say(stdout, "%-13s %s", "end", b);
	say(stdout, "%-13s %s", "duration", d);
	say(stdout, "%-13s %s", "end reason", s->has_end ? s->end_reason : "(none: recording incomplete)");
	say(stdout, "%-13s %llu bytes (%.1f MB), %llu packets, %llu records, %llu keyframes, %llu tiles",
	       "size", (unsigned long long)s->file_bytes, (double)s->file_bytes / 1e6,
	       (unsigned long long)s->packets, (unsigned long long)s->records,
	       (unsigned long long)s->keyframes, (unsigned long long)s->tiles);
	say(stdout, "%-13s %llu key, %llu unicode, %llu mouse events; %llu policy events", "input",
	       (unsigned long long)s->keys, (unsigned long long)s->unicode,
	       (unsigned long long)s->mouse, (unsigned long long)s->events);
	rec_digest_hex(s->digest, hex);
	say(stdout, "%-13s %s%s", "digest", hex,
	       s->integrity == REC_COMPLETE ? "" : " (of the readable part)");
	say(stdout, "%-13s %s", "index", s->has_trailer ? "trailer present" : "missing (rebuilt by scanning when seeking)");
	if (s->integrity == REC_CORRUPT)
		return die(1, "%s: corrupt recording: %s", c->o.file, s->problem);
	if (s->integrity != REC_COMPLETE)
		say(stderr, "%s: warning: %s is %s: %s", prog, c->o.file,
		        rec_integrity_name(s->integrity), s->problem);
	return 0;
}

static int cmd_verify(ctx *c)
{
	if (open_recording(c, true) != 0)
		return 1;
	const rec_summary *s = &c->sum;
	char hex[65];
	rec_digest_hex(s->digest, hex);
	if (s->integrity == REC_CORRUPT) {
		say(stdout, "FAIL %s: packet %u at offset %llu: %s", c->o.file, s->bad_seq,
		       (unsigned long long)s->bad_offset, s->problem);
		return 1;
	}
	if (s->integrity != REC_COMPLETE) {
		say(stdout, "FAIL %s: %s: %s; digest of the readable part (%llu packets) %s%s", c->o.file,
		       rec_integrity_name(s->integrity), s->problem, (unsigned long long)s->packets, hex,
		       !c->o.digest                       ? ""
		       : !strcasecmp(c->o.digest, hex) ? " (matches the expected digest: the gate recorded this end after a crash)"
		                                         : " (differs from the expected digest)");
		return 1;
	}
	if (c->o.digest) {
		uint8_t want[32];
		if (!hex_decode(c->o.digest, strlen(c->o.digest), want, sizeof want))
			return die(2, "--digest needs 64 hexadecimal digits (the SHA-256 in the ledger)");
		if (strcasecmp(c->o.digest, hex) != 0) {
			say(stdout, "FAIL %s: digest %s differs from the expected %s: the file is not the one the ledger recorded",
			       c->o.file, hex, c->o.digest);
			return 1;
		}
	}
	say(stdout, "OK %s: %llu packets, hash chain intact, digest %s%s", c->o.file,
	       (unsigned long long)s->packets, hex, c->o.digest ? " (matches)" : "");
	return 0;
}

/* ---------- events ---------- */

typedef struct tl_event {
	uint64_t ts;
	char type[40];
	char *detail;
} tl_event;

typedef struct timeline {
	tl_event *v;
	size_t n, cap;
} timeline;

static void tl_add(timeline *t, uint64_t ts, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void tl_add(timeline *t, uint64_t ts, const char *type, const char *fmt, ...)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		tl_event *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return;
		t->v = v;
		t->cap = cap;
	}
	tl_event *e = &t->v[t->n];
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&e->detail, fmt, ap) < 0) {
		va_end(ap);
		return;
	}
	va_end(ap);
	e->ts = ts;
	snprintf(e->type, sizeof e->type, "%s", type);
	t->n++;
}

static int tl_cmp(const void *a, const void *b)
{
	const tl_event *x = a, *y = b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

typedef struct activity {
	bool active;
	uint64_t first, last;
	uint64_t keys, clicks, text;
} activity;

static void close_activity(timeline *t, activity *a)
{
	if (!a->active)
		return;
	char until[32];
	fmt_clock(a->last, until, sizeof until);
	tl_add(t, a->first, "input", "%llu key presses, %llu typed characters, %llu clicks, until %s",
	       (unsigned long long)a->keys, (unsigned long long)a->text,
	       (unsigned long long)a->clicks, until);
	a->active = false;
}

static void input_seen(timeline *t, activity *a, uint64_t ts, uint64_t idle_ns, uint64_t start)
{
	uint64_t since = a->active ? a->last : start;
	if (ts > since && ts - since >= idle_ns) {
		char d[32];
		close_activity(t, a);
		fmt_dur(ts - since, d, sizeof d);
		tl_add(t, since, "idle", "no input for %s", d);
	}
	if (!a->active) {
		memset(a, 0, sizeof *a);
		a->active = true;
		a->first = ts;
	}
	a->last = ts;
}

static void json_str(const char *s)
{
	text_json_string(s, stdout);
}

static int build_timeline(ctx *c, timeline *t)
{
	rec_record *rec = malloc(sizeof *rec);
	if (!rec)
		return die(1, "out of memory");
	const rec_header *h = c->h;
	uint64_t idle_ns = (uint64_t)c->o.idle_s * NS;
	activity a = { 0 };
	int rc;
	rec_reader_rewind(c->r);
	while ((rc = rec_reader_next(c->r, rec)) == 1) {
		switch (rec->type) {
		case REC_T_HEADER:
			tl_add(t, rec->ts, "start", "session %s, permit %lld, vendor %lld, system %lld, account %lld, %ux%u",
			       h->session_id, (long long)h->permit_id, (long long)h->vendor_id,
			       (long long)h->system_id, (long long)h->account_id, h->width, h->height);
			break;
		case REC_T_EVENT:
			tl_add(t, rec->ts, rec->text1, "%s", rec->text2);
			break;
		case REC_T_RESIZE:
			tl_add(t, rec->ts, "resize", "%ux%u", rec->u.geom.width, rec->u.geom.height);
			break;
		case REC_T_KEY:
		case REC_T_UNICODE:
			input_seen(t, &a, rec->ts, idle_ns, h->start_ns);
			if (!(rec->u.key.flags & 0x8000))
				*(rec->type == REC_T_KEY ? &a.keys : &a.text) += 1;
			break;
		case REC_T_MOUSE:
			input_seen(t, &a, rec->ts, idle_ns, h->start_ns);
			if ((rec->u.mouse.flags & 0x8000) && (rec->u.mouse.flags & 0x7000))
				a.clicks++;
			break;
		case REC_T_END: {
			uint64_t since = a.active ? a.last : h->start_ns;
			close_activity(t, &a);
			if (rec->ts > since && rec->ts - since >= idle_ns) {
				char d[32];
				fmt_dur(rec->ts - since, d, sizeof d);
				tl_add(t, since, "idle", "no input for %s", d);
			}
			tl_add(t, rec->ts, "end", "%s", rec->text1);
			break;
		}
		default:
			break;
		}
	}
	free(rec);
	close_activity(t, &a);
	if (rc < 0)
		return die(1, "%s: %s", c->o.file, rec_reader_error(c->r));
	if (c->sum.integrity != REC_COMPLETE)
		tl_add(t, c->sum.end_ns, "recording_incomplete", "%s", c->sum.problem);
	qsort(t->v, t->n, sizeof *t->v, tl_cmp); /* stable enough: equal times keep no order */
	return 0;
}

static int cmd_events(ctx *c)
{
	if (open_recording(c, false) != 0)
		return 1;
	timeline t = { 0 };
	int rc = build_timeline(c, &t);
	if (c->o.json)
		printf("[");
	for (size_t i = 0; rc == 0 && i < t.n; i++) {
		tl_event *e = &t.v[i];
		char when[64];
		double off = e->ts >= c->h->start_ns ? (double)(e->ts - c->h->start_ns) / 1e9
		                                     : -(double)(c->h->start_ns - e->ts) / 1e9;
		if (c->o.json) {
			fmt_iso(e->ts, when, sizeof when);
			printf("%s\n  {\"time\": \"%s\", \"offset\": %.3f, \"type\": ", i ? "," : "", when, off);
			json_str(e->type);
			printf(", \"detail\": ");
			json_str(e->detail);
			printf("}");
		} else {
			char d[32];
			fmt_time(e->ts, when, sizeof when);
			fmt_dur(e->ts > c->h->start_ns ? e->ts - c->h->start_ns : 0, d, sizeof d);
			say(stdout, "%s  +%s  %-16s %s", when, d, e->type, e->detail);
		}
	}
	if (c->o.json)
		printf("\n]\n");
	for (size_t i = 0; i < t.n; i++)
		free(t.v[i].detail);
	free(t.v);
	return rc;
}

/* ---------- keys ---------- */

typedef struct keyline {
	char buf[4096];
	size_t len;
	uint64_t first, last;
} keyline;

static void keyline_flush(keyline *l)
{
	if (!l->len)
		return;
	char when[64];
	fmt_time(l->first, when, sizeof when);
	say(stdout, "%s  %s", when, l->buf);
	l->len = 0;
	l->buf[0] = '\0';
}

static void keyline_add(keyline *l, uint64_t ts, const char *s)
{
	if (!*s)
		return;
	if (l->len && (ts - l->last > 5 * NS || l->len + strlen(s) >= sizeof l->buf - 1 || l->len > 100))
		keyline_flush(l);
	if (!l->len)
		l->first = ts;
	l->last = ts;
	size_t n = strlen(s);
	memcpy(l->buf + l->len, s, n + 1);
	l->len += n;
	if (!strcmp(s, "<Enter>") || !strcmp(s, "<KP-Enter>"))
		keyline_flush(l);
}

static int cmd_keys(ctx *c)
{
	if (open_recording(c, false) != 0)
		return 1;
	rec_layout lay = rec_layout_from_id(c->h->keyboard_layout);
	if (c->o.layout) {
		if (!strcasecmp(c->o.layout, "us"))
			lay = REC_LAYOUT_US;
		else if (!strcasecmp(c->o.layout, "jp") || !strcasecmp(c->o.layout, "ja"))
			lay = REC_LAYOUT_JP;
		else
			return die(2, "unknown --layout '%s' (use us or jp)", c->o.layout);
	}
	char lb[128];
	say(stdout, "# keyboard layout: %s",
	       c->o.layout ? rec_layout_name(lay) : layout_desc(c->h->keyboard_layout, lb, sizeof lb));
	rec_keys_state k;
	rec_keys_init(&k, lay);
	keyline line = { .len = 0 };
	rec_record *rec = malloc(sizeof *rec);
	if (!rec)
		return die(1, "out of memory");
	int rc;
	char out[64];
	rec_reader_rewind(c->r);
	while ((rc = rec_reader_next(c->r, rec)) == 1) {
		if (rec->type == REC_T_KEY)
			rec_keys_scancode(&k, rec->u.key.flags, rec->u.key.code, out, sizeof out);
		else if (rec->type == REC_T_UNICODE)
			rec_keys_unicode(&k, rec->u.key.flags, rec->u.key.code, out, sizeof out);
		else
			continue;
		keyline_add(&line, rec->ts, out);
	}
	keyline_flush(&line);
	free(rec);
	if (rc < 0)
		return die(1, "%s: %s", c->o.file, rec_reader_error(c->r));
	return 0;
}

/* ---------- frame / sheet / video ---------- */

/* A player plus the composed image of its current screen. */
typedef struct render {
	rec_player p;
	uint32_t *img; /* p.scr.width * p.scr.height pixels, pointer drawn unless --no-pointer */
	size_t cap;
} render;

static int render_open(ctx *c, render *rd)
{
	memset(rd, 0, sizeof *rd);
	if (rec_player_init(&rd->p, c->r) != 0)
		return die(1, "%s: %s", c->o.file, rd->p.err);
	return 0;
}

static void render_free(render *rd)
{
	rec_player_free(&rd->p);
	free(rd->img);
}

/* Plays forward to t (or seeks there when `seek`) and composes the image. */
static int render_at(const ctx *c, render *rd, uint64_t t, bool seek)
{
	int rc = seek ? rec_player_seek(&rd->p, t) : rec_player_advance(&rd->p, t, NULL, NULL);
	if (rc != 0)
		return die(1, "%s: %s", c->o.file, rd->p.err);
	size_t need = (size_t)rd->p.scr.width * rd->p.scr.height * 4;
	if (need > rd->cap) {
		free(rd->img);
		rd->img = malloc(need);
		rd->cap = rd->img ? need : 0;
		if (!rd->img)
			return die(1, "out of memory for a %ux%u screen", rd->p.scr.width, rd->p.scr.height);
	}
	if (c->o.no_pointer)
		memcpy(rd->img, rd->p.scr.px, need);
	else
		rec_screen_compose(&rd->p.scr, rd->img);
	return 0;
}

static int png_out(const char *path, const uint32_t *img, uint32_t w, uint32_t h)
{
	char err[600];
	return rec_png_write(path, img, w, h, err, sizeof err) != 0 ? die(1, "%s", err) : 0;
}

static int cmd_frame(ctx *c)
{
	if (!c->o.out || !c->o.at)
		return die(2, "frame needs --at TIME and -o FILE.png");
	if (open_recording(c, false) != 0)
		return 1;
	uint64_t at;
	if (parse_at(c, c->o.at, &at) != 0)
		return die(2, "cannot read --at '%s' (seconds, HH:MM:SS, 'YYYY-MM-DD HH:MM:SS' or end)",
		           c->o.at);
	if (at < c->h->start_ns || at > c->sum.end_ns + NS) {
		char a[64], b[64];
		fmt_time(c->h->start_ns, a, sizeof a);
		fmt_time(c->sum.end_ns, b, sizeof b);
		return die(1, "--at %s is outside the recording (%s to %s)", c->o.at, a, b);
	}
	render rd;
	int rc = render_open(c, &rd);
	if (rc == 0)
		rc = render_at(c, &rd, at, true);
	if (rc == 0)
		rc = png_out(c->o.out, rd.img, rd.p.scr.width, rd.p.scr.height);
	render_free(&rd);
	return rc;
}

typedef struct sheet_layout {
	uint32_t tw, th, cols, W, H;
} sheet_layout;

#define SHEET_PAD 8u
#define SHEET_LABEL 22u

static void sheet_put(uint32_t *sheet, const sheet_layout *L, uint64_t i, const render *rd,
                      uint32_t *thumb, uint64_t t, uint64_t start)
{
	uint32_t sw = rd->p.scr.width, sh = rd->p.scr.height;
	uint32_t dw = L->tw < sw ? L->tw : sw, dh = L->th < sh ? L->th : sh;
	rec_image_scale(rd->img, sw, sh, thumb, dw, dh);
	uint32_t x0 = SHEET_PAD + (uint32_t)(i % L->cols) * (L->tw + SHEET_PAD);
	uint32_t y0 = SHEET_PAD + (uint32_t)(i / L->cols) * (L->th + SHEET_LABEL + SHEET_PAD);
	for (uint32_t y = 0; y < dh; y++)
		memcpy(sheet + (size_t)(y0 + y) * L->W + x0, thumb + (size_t)y * dw, (size_t)dw * 4);
	char clk[32], d[32], text[80];
	fmt_clock(t, clk, sizeof clk);
	fmt_dur(t - start, d, sizeof d);
	snprintf(text, sizeof text, "%s (+%s)", clk, d);
	rec_image_text(sheet, L->W, L->H, (int)x0, (int)(y0 + L->th + 4), text, 0xFFFFFFFFu, 2);
}

static int cmd_sheet(ctx *c)
{
	if (!c->o.out)
		return die(2, "sheet needs -o FILE.png");
	uint64_t every = 30 * NS;
	if (c->o.every && parse_duration(c->o.every, &every) != 0)
		return die(2, "cannot read --every '%s' (e.g. 30s, 2m, 1h)", c->o.every);
	if (open_recording(c, false) != 0)
		return 1;
	uint64_t start = c->h->start_ns, end = c->sum.end_ns > start ? c->sum.end_ns : start;
	uint64_t n = (end - start) / every + 1;
	if (n > 2000)
		return die(2, "--every %s gives %llu thumbnails; use a longer interval",
		           c->o.every ? c->o.every : "30s", (unsigned long long)n);
	sheet_layout L = { .tw = c->o.thumb };
	L.th = (uint32_t)((uint64_t)L.tw * c->h->height / c->h->width);
	L.th = L.th < 8 ? 8 : L.th;
	L.cols = c->o.cols < n ? c->o.cols : (uint32_t)n;
	uint32_t rows = (uint32_t)((n + L.cols - 1) / L.cols);
	L.W = L.cols * (L.tw + SHEET_PAD) + SHEET_PAD;
	L.H = rows * (L.th + SHEET_LABEL + SHEET_PAD) + SHEET_PAD;
	uint32_t *sheet = malloc((size_t)L.W * L.H * 4), *thumb = malloc((size_t)L.tw * L.th * 4);
	render rd;
	int rc = !sheet || !thumb ? die(1, "out of memory for a %ux%u sheet", L.W, L.H)
	                          : render_open(c, &rd);
	for (size_t i = 0; rc == 0 && i < (size_t)L.W * L.H; i++)
		sheet[i] = 0xFF303030u;
	for (uint64_t i = 0; rc == 0 && i < n; i++) {
		uint64_t t = start + i * every;
		rc = render_at(c, &rd, t, false);
		if (rc == 0)
			sheet_put(sheet, &L, i, &rd, thumb, t, start);
	}
	if (rc == 0)
		rc = png_out(c->o.out, sheet, L.W, L.H);
	if (sheet && thumb)
		render_free(&rd);
	free(sheet);
	free(thumb);
	return rc;
}

static pid_t start_ffmpeg(const ctx *c, uint32_t w, uint32_t h, int *fd)
{
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		char size[32], fps[16];
		snprintf(size, sizeof size, "%ux%u", w, h);
		snprintf(fps, sizeof fps, "%u", c->o.fps);
		dup2(pfd[0], 0);
		close(pfd[0]);
		close(pfd[1]);
		execlp("ffmpeg", "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f",
		       "rawvideo", "-pix_fmt", "bgra", "-s", size, "-r", fps, "-i", "pipe:0", "-vf",
		       "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", "-c:v", "libx264",
		       "-preset", "ultrafast", "-crf", "23", "-movflags", "+faststart", c->o.out,
		       (char *)NULL);
		fprintf(stderr, "%s: cannot run ffmpeg: %s (install the ffmpeg package)\n", prog,
		        strerror(errno));
		_exit(127);
	}
	close(pfd[0]);
	*fd = pfd[1];
	return pid;
}

static bool write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		b += k;
		n -= (size_t)k;
	}
	return true;
}

static void progress(uint64_t done, uint64_t total)
{
	done = done < total ? done : total;
	int pct = total ? (int)(done * 100 / total) : 100, fill = pct * 40 / 100;
	char d[32], t[32];
	fmt_dur(done, d, sizeof d);
	fmt_dur(total, t, sizeof t);
	fprintf(stderr, "\r[%.*s%.*s] %3d%% %s / %s", fill, "########################################",
	        40 - fill, "........................................", pct, d, t);
}

/* Copies the screen into the fixed video canvas (crop or pad on resizes). */
static void canvas_put(const uint32_t *src, uint32_t sw, uint32_t sh, uint32_t *dst, uint32_t w,
                       uint32_t h)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			dst[(size_t)y * w + x] = (x < sw && y < sh) ? src[(size_t)y * sw + x] : 0xFF000000u;
}

/* Renders frames into ffmpeg's pipe; returns 0 or 1 (message printed). */
static int video_frames(ctx *c, render *rd, int fd, uint64_t *frames)
{
	uint64_t start = c->h->start_ns, end = c->sum.end_ns > start ? c->sum.end_ns : start;
	uint64_t step = (uint64_t)(c->o.speed * 1e9 / c->o.fps);
	step = step ? step : 1;
	uint32_t w = rd->p.scr.width, h = rd->p.scr.height;
	uint32_t *canvas = malloc((size_t)w * h * 4);
	if (!canvas)
		return die(1, "out of memory");
	bool tty = isatty(2);
	int rc = 0;
	for (uint64_t t = start; t <= end + step && rc == 0; t += step) {
		if ((rc = render_at(c, rd, t, false)) != 0)
			break;
		canvas_put(rd->img, rd->p.scr.width, rd->p.scr.height, canvas, w, h);
		if (!write_all(fd, canvas, (size_t)w * h * 4)) {
			rc = die(1, "ffmpeg stopped reading (see its message above)");
			break;
		}
		++*frames;
		if (tty && *frames % 10 == 0)
			progress(t - start, end - start);
		/* --skip-idle: jump over stretches where nothing is recorded. */
		if (c->o.skip_idle && rd->p.held && rd->p.rec->ts > t + 2 * NS)
			t = rd->p.rec->ts - NS - step;
		if (rd->p.done && t >= end)
			break;
	}
	if (tty)
		progress(end - start, end - start), fputc('\n', stderr);
	free(canvas);
	return rc;
}

static int cmd_video(ctx *c)
{
	if (!c->o.out)
		return die(2, "video needs -o FILE.mp4");
	if (c->o.fps > 60)
		return die(2, "--fps must be 1..60");
	if (open_recording(c, false) != 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	/* Make the output 0600 first: ffmpeg keeps the mode of a file it
	 * truncates, and open()'s mode applies only when it creates the file. */
	int ofd = open(c->o.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (ofd < 0)
		return die(1, "cannot create %s: %s", c->o.out, strerror(errno));
	if (fchmod(ofd, 0600) != 0) {
		int e = errno;
		close(ofd);
		return die(1, "cannot make %s private (mode 0600): %s", c->o.out, strerror(e));
	}
	close(ofd);
	render rd;
	if (render_open(c, &rd) != 0)
		return 1;
	int fd = -1;
	pid_t pid = start_ffmpeg(c, rd.p.scr.width, rd.p.scr.height, &fd);
	if (pid < 0) {
		render_free(&rd);
		return die(1, "cannot start ffmpeg: %s", strerror(errno));
	}
	uint64_t frames = 0;
	int rc = video_frames(c, &rd, fd, &frames);
	close(fd);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		rc = die(1, "ffmpeg failed to write %s (exit status %d)", c->o.out,
		         WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if (rc == 0)
		fprintf(stderr, "%s: wrote %s: %llu frames at %u fps, speed %gx\n", prog, c->o.out,
		        (unsigned long long)frames, c->o.fps, c->o.speed);
	render_free(&rd);
	return rc;
}

/* ---------- main ---------- */

/* Stores the value of an option that takes one; returns 0, or 2 (usage). */
static int set_value(opts *o, const char *name, const char *v)
{
	const char **text[] = { &o->out, &o->out, &o->at, &o->every, &o->digest, &o->tz, &o->layout };
	static const char *const text_names[] = { "-o", "--output", "--at", "--every", "--digest",
		                                  "--tz", "--layout" };
	for (size_t i = 0; i < sizeof text_names / sizeof text_names[0]; i++)
		if (!strcmp(name, text_names[i])) {
			*text[i] = v;
			return 0;
		}
	if (!strcmp(name, "--speed")) {
		char *end;
		o->speed = strtod(v, &end);
		return *end || o->speed <= 0 ? die(2, "--speed needs a positive number") : 0;
	}
	unsigned *num[] = { &o->fps, &o->cols, &o->thumb, &o->idle_s };
	static const char *const num_names[] = { "--fps", "--cols", "--width", "--idle" };
	for (size_t i = 0; i < sizeof num_names / sizeof num_names[0]; i++)
		if (!strcmp(name, num_names[i])) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);
			if (*end || n == 0 || n > 100000)
				return die(2, "%s needs a positive number", name);
			*num[i] = (unsigned)n;
			return 0;
		}
	return die(2, "unknown option '%s' (try --help)", name);
}

static bool takes_value(const char *a)
{
	static const char *const names[] = { "-o", "--output", "--at", "--every", "--digest", "--tz",
		                              "--layout", "--speed", "--fps", "--cols", "--width",
		                              "--idle" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(a, names[i]))
			return true;
	return false;
}

/* Returns 0 to run, 2 on a usage error, 3 when --help/--version was answered. */
static int parse_args(int argc, char **argv, opts *o)
{
	memset(o, 0, sizeof *o);
	o->speed = 1;
	o->fps = 10;
	o->cols = 6;
	o->thumb = 320;
	o->idle_s = 60;
	o->tz = "Asia/Tokyo";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return usage(stdout), 3;
		if (!strcmp(a, "-V") || !strcmp(a, "--version"))
			return printf("rmgate-replay %s\n", RMGATE_VERSION), 3;
		if (!strcmp(a, "--json"))
			o->json = true;
		else if (!strcmp(a, "--skip-idle"))
			o->skip_idle = true;
		else if (!strcmp(a, "--no-pointer"))
			o->no_pointer = true;
		else if (!strcmp(a, "--utc"))
			o->tz = "UTC";
		else if (takes_value(a)) {
			if (i + 1 >= argc)
				return die(2, "%s needs a value (try --help)", a);
			if (set_value(o, a, argv[++i]) != 0)
				return 2;
		} else if (a[0] == '-' && a[1])
			return die(2, "unknown option '%s' (try --help)", a);
		else if (!o->cmd)
			o->cmd = a;
		else if (!o->file)
			o->file = a;
		else
			return die(2, "unexpected argument '%s' (try --help)", a);
	}
	if (!o->cmd) {
		usage(stderr);
		return 2;
	}
	if (!o->file)
		return die(2, "%s needs a RECORDING file (try --help)", o->cmd);
	if (o->thumb < 16)
		return die(2, "--width must be at least 16");
	return 0;
}

int main(int argc, char **argv)
{
	ctx c;
	memset(&c, 0, sizeof c);
	int rc = parse_args(argc, argv, &c.o);
	if (rc)
		return rc == 3 ? 0 : rc;
	setenv("TZ", c.o.tz, 1);
	tzset();
	static const struct {
		const char *name;
		int (*fn)(ctx *);
	} cmds[] = {
		{ "info", cmd_info },   { "verify", cmd_verify }, { "events", cmd_events },
		{ "keys", cmd_keys },   { "frame", cmd_frame },   { "sheet", cmd_sheet },
		{ "video", cmd_video },
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (strcmp(c.o.cmd, cmds[i].name) != 0)
			continue;
		rc = cmds[i].fn(&c);
		rec_reader_close(c.r);
		return rc;
	}
	return die(2, "unknown command '%s' (try --help)", c.o.cmd);
}
