/* cli_info.c: rmgate-replay info (ids, geometry, times, integrity) and verify (the hash
 * chain, and the digest the ledger recorded). */
#include "replay_cli.h"
#include "hex.h"
#include "i18n.h"
#include "text_width.h"

#include <stdarg.h>
#include <stdlib.h>

#include <string.h>
#include <strings.h>

/* The labels of `info`, in their order; printed translated and padded to the widest
 * (display width), never narrower than the 13 columns of the English. */
enum info_label {
	L_RECORDING, L_INTEGRITY, L_SESSION, L_PERMIT, L_VENDOR, L_SYSTEM, L_ACCOUNT, L_GATE_VERSION,
	L_GEOMETRY, L_KEYBOARD, L_START, L_END, L_DURATION, L_END_REASON, L_SIZE, L_INPUT, L_DIGEST,
	L_INDEX, L_COUNT
};
static const char *const info_labels[L_COUNT] = {
	N_("recording"), N_("integrity"),    N_("session"),  N_("permit"),     N_("vendor"),
	N_("system"),    N_("account"),      N_("gate version"), N_("geometry"), N_("keyboard"),
	N_("start"),     N_("end"),          N_("duration"), N_("end reason"), N_("size"),
	N_("input"),     N_("digest"),       N_("index"),
};

static int label_columns(void)
{
	int w = 13;
	for (int i = 0; i < L_COUNT; i++) {
		int lw = text_display_width(_(info_labels[i]));
		w = lw > w ? lw : w;
	}
	return w;
}

/* One "label  value" line. */
static void field(int columns, enum info_label l, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void field(int columns, enum info_label l, const char *fmt, ...)
{
	char pad[160], *value = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&value, fmt, ap);
	va_end(ap);
	replay_say(stdout, "%s %s", replay_pad(_(info_labels[l]), columns, pad, sizeof pad),
	           n < 0 ? _("(out of memory)") : value);
	if (n >= 0)
		free(value);
}

static void print_id(int columns, enum info_label l, int64_t v)
{
	if (v)
		field(columns, l, "%lld", (long long)v);
	else
		field(columns, l, "%s", _("unknown"));
}

int replay_info(replay_ctx *c)
{
	if (replay_open(c, true) != 0)
		return 1;
	const rec_header *h = c->h;
	const rec_summary *s = &c->sum;
	const int w = label_columns();
	char a[96], b[96], d[32], hex[65], lay[128];
	field(w, L_RECORDING, "%s", c->o.file);
	field(w, L_INTEGRITY, "%s%s%s", rec_integrity_name(s->integrity),
	      s->problem[0] ? ": " : _(" (hash chain intact, END and index present)"), s->problem);
	field(w, L_SESSION, "%s", h->session_id);
	print_id(w, L_PERMIT, h->permit_id);
	print_id(w, L_VENDOR, h->vendor_id);
	print_id(w, L_SYSTEM, h->system_id);
	print_id(w, L_ACCOUNT, h->account_id);
	field(w, L_GATE_VERSION, "%s", h->gate_version);
	field(w, L_GEOMETRY, dngettext(RMGATE_TEXT_DOMAIN, "%ux%u (%llu resize)", "%ux%u (%llu resizes)", s->resizes), h->width,
	      h->height, (unsigned long long)s->resizes);
	field(w, L_KEYBOARD, "%s", replay_layout_desc(h->keyboard_layout, lay, sizeof lay));
	replay_fmt_time(h->start_ns, a, sizeof a);
	replay_fmt_time(s->end_ns, b, sizeof b);
	replay_fmt_dur(s->end_ns > h->start_ns ? s->end_ns - h->start_ns : 0, d, sizeof d);
	field(w, L_START, "%s", a);
	field(w, L_END, "%s", b);
	field(w, L_DURATION, "%s", d);
	field(w, L_END_REASON, "%s", s->has_end ? s->end_reason : _("(none: recording incomplete)"));
	field(w, L_SIZE, _("%llu bytes (%.1f MB), %llu packets, %llu records, %llu keyframes, %llu tiles"),
	      (unsigned long long)s->file_bytes, (double)s->file_bytes / 1e6, (unsigned long long)s->packets,
	      (unsigned long long)s->records, (unsigned long long)s->keyframes, (unsigned long long)s->tiles);
	field(w, L_INPUT, _("%llu key, %llu unicode, %llu mouse events; %llu policy events"),
	      (unsigned long long)s->keys, (unsigned long long)s->unicode, (unsigned long long)s->mouse,
	      (unsigned long long)s->events);
	rec_digest_hex(s->digest, hex);
	field(w, L_DIGEST, "%s%s", hex, s->integrity == REC_COMPLETE ? "" : _(" (of the readable part)"));
	field(w, L_INDEX, "%s", s->has_trailer ? _("trailer present") : _("missing (rebuilt by scanning when seeking)"));
	if (s->integrity == REC_CORRUPT)
		return replay_die(1, _("%s: corrupt recording: %s"), c->o.file, s->problem);
	if (s->integrity != REC_COMPLETE)
		replay_say(stderr, _("%s: warning: %s is %s: %s"), REPLAY_PROG, c->o.file,
		           rec_integrity_name(s->integrity), s->problem);
	return 0;
}

int replay_verify(replay_ctx *c)
{
	if (replay_open(c, true) != 0)
		return 1;
	const rec_summary *s = &c->sum;
	char hex[65];
	rec_digest_hex(s->digest, hex);
	if (s->integrity == REC_CORRUPT) {
		/* TRANSLATORS: OK and FAIL stay as they are (scripts read them) */
		replay_say(stdout, _("FAIL %s: packet %u at offset %llu: %s"), c->o.file, s->bad_seq,
		       (unsigned long long)s->bad_offset, s->problem);
		return 1;
	}
	if (s->integrity != REC_COMPLETE) {
		replay_say(stdout, _("FAIL %s: %s: %s; digest of the readable part (%llu packets) %s%s"), c->o.file,
		       rec_integrity_name(s->integrity), s->problem, (unsigned long long)s->packets, hex,
		       !c->o.digest                       ? ""
		       : !strcasecmp(c->o.digest, hex) ? _(" (matches the expected digest: the gate recorded this end after a crash)")
		                                         : _(" (differs from the expected digest)"));
		return 1;
	}
	if (c->o.digest) {
		uint8_t want[32];
		if (!hex_decode(c->o.digest, strlen(c->o.digest), want, sizeof want))
			return replay_die(2, _("--digest needs 64 hexadecimal digits (the SHA-256 in the ledger)"));
		if (strcasecmp(c->o.digest, hex) != 0) {
			replay_say(stdout, _("FAIL %s: digest %s differs from the expected %s: the file is not the one the ledger recorded"),
			       c->o.file, hex, c->o.digest);
			return 1;
		}
	}
	replay_say(stdout, _("OK %s: %llu packets, hash chain intact, digest %s%s"), c->o.file,
	       (unsigned long long)s->packets, hex, c->o.digest ? _(" (matches)") : "");
	return 0;
}
