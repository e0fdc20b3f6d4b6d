/* cli_keys.c: rmgate-replay keys: what was typed, with times, in the recorded (or the
 * given) keyboard layout. */
#include "replay_cli.h"
#include "i18n.h"
#include "rec_keys.h"

#include <stdlib.h>
#include <string.h>

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
	replay_fmt_time(l->first, when, sizeof when);
	replay_say(stdout, "%s  %s", when, l->buf);
	l->len = 0;
	l->buf[0] = '\0';
}

static void keyline_add(keyline *l, uint64_t ts, const char *s)
{
	if (!*s)
		return;
	if (l->len && (ts - l->last > 5 * REPLAY_NS_PER_S || l->len + strlen(s) >= sizeof l->buf - 1 || l->len > 100))
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

int replay_keys(replay_ctx *c)
{
	if (replay_open(c, false) != 0)
		return 1;
	rec_layout lay = rec_layout_from_id(c->h->keyboard_layout);
	if (c->o.layout) {
		if (!strcasecmp(c->o.layout, "us"))
			lay = REC_LAYOUT_US;
		else if (!strcasecmp(c->o.layout, "jp") || !strcasecmp(c->o.layout, "ja"))
			lay = REC_LAYOUT_JP;
		else
			return replay_die(2, _("unknown --layout '%s' (use us or jp)"), c->o.layout);
	}
	char lb[128];
	replay_say(stdout, _("# keyboard layout: %s"),
	       c->o.layout ? rec_layout_name(lay) : replay_layout_desc(c->h->keyboard_layout, lb, sizeof lb));
	rec_keys_state k;
	rec_keys_init(&k, lay);
	keyline line = { .len = 0 };
	rec_record *rec = malloc(sizeof *rec);
	if (!rec)
		return replay_die(1, _("out of memory"));
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
		return replay_die(1, "%s: %s", c->o.file, rec_reader_error(c->r));
	return 0;
}
