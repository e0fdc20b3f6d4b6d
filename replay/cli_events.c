/* cli_events.c: rmgate-replay events: the timeline of policy events, input and idle
 * stretches, as text or JSON. */
#include "replay_cli.h"
#include "i18n.h"
#include "text_escape.h"
#include "text_width.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct tl_event {
	uint64_t ts;
	char type[40];
	char *detail;
} tl_event;

typedef struct timeline {
	tl_event *v;
	size_t n, cap;
	bool human; /* details for a person (translated), else for --json */
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

/* The details the timeline writes itself: translated for a person, English in --json (the
 * JSON reads the same in every locale). */
static const char *tr(bool human, const char *english) __attribute__((format_arg(2)));
static const char *tr(bool human, const char *english)
{
	return human ? _(english) : english;
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
	replay_fmt_clock(a->last, until, sizeof until);
	tl_add(t, a->first, "input", tr(t->human, N_("%llu key presses, %llu typed characters, %llu clicks, until %s")),
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
		replay_fmt_dur(ts - since, d, sizeof d);
		tl_add(t, since, "idle", tr(t->human, N_("no input for %s")), d);
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

static int build_timeline(replay_ctx *c, timeline *t)
{
	rec_record *rec = malloc(sizeof *rec);
	if (!rec)
		return replay_die(1, _("out of memory"));
	const rec_header *h = c->h;
	uint64_t idle_ns = (uint64_t)c->o.idle_s * REPLAY_NS_PER_S;
	activity a = { 0 };
	int rc;
	rec_reader_rewind(c->r);
	while ((rc = rec_reader_next(c->r, rec)) == 1) {
		switch (rec->type) {
		case REC_T_HEADER:
			tl_add(t, rec->ts, "start",
			       tr(t->human, N_("session %s, permit %lld, vendor %lld, system %lld, account %lld, %ux%u")),
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
				replay_fmt_dur(rec->ts - since, d, sizeof d);
				tl_add(t, since, "idle", tr(t->human, N_("no input for %s")), d);
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
		return replay_die(1, "%s: %s", c->o.file, rec_reader_error(c->r));
	if (c->sum.integrity != REC_COMPLETE)
		tl_add(t, c->sum.end_ns, "recording_incomplete", "%s", c->sum.problem);
	qsort(t->v, t->n, sizeof *t->v, tl_cmp); /* stable enough: equal times keep no order */
	return 0;
}

int replay_events(replay_ctx *c)
{
	if (replay_open(c, false) != 0)
		return 1;
	timeline t = { .human = !c->o.json };
	int rc = build_timeline(c, &t);
	char type[80];
	if (c->o.json)
		printf("[");
	for (size_t i = 0; rc == 0 && i < t.n; i++) {
		tl_event *e = &t.v[i];
		char when[64];
		double off = e->ts >= c->h->start_ns ? (double)(e->ts - c->h->start_ns) / 1e9
		                                     : -(double)(c->h->start_ns - e->ts) / 1e9;
		if (c->o.json) {
			replay_fmt_iso(e->ts, when, sizeof when);
			printf("%s\n  {\"time\": \"%s\", \"offset\": %.3f, \"type\": ", i ? "," : "", when, off);
			json_str(e->type);
			printf(", \"detail\": ");
			json_str(e->detail);
			printf("}");
		} else {
			char d[32];
			replay_fmt_time(e->ts, when, sizeof when);
			replay_fmt_dur(e->ts > c->h->start_ns ? e->ts - c->h->start_ns : 0, d, sizeof d);
			replay_say(stdout, "%s  +%s  %s %s", when, d, replay_pad(e->type, 16, type, sizeof type), e->detail);
		}
	}
	if (c->o.json)
		printf("\n]\n");
	for (size_t i = 0; i < t.n; i++)
		free(t.v[i].detail);
	free(t.v);
	return rc;
}
