/* cli_frame.c: rmgate-replay frame (the screen at a time) and sheet (a contact sheet of
 * thumbnails at regular intervals). */
#include "replay_cli.h"
#include "i18n.h"
#include "rec_image.h"

#include <stdlib.h>
#include <string.h>


int replay_frame(replay_ctx *c)
{
	if (!c->o.out || !c->o.at)
		return replay_die(2, _("frame needs --at TIME and -o FILE.png"));
	if (replay_open(c, false) != 0)
		return 1;
	uint64_t at;
	if (replay_parse_at(c, c->o.at, &at) != 0)
		return replay_die(2, _("cannot read --at '%s' (seconds, HH:MM:SS, 'YYYY-MM-DD HH:MM:SS' or end)"),
		           c->o.at);
	if (at < c->h->start_ns || at > c->sum.end_ns + REPLAY_NS_PER_S) {
		char a[64], b[64];
		replay_fmt_time(c->h->start_ns, a, sizeof a);
		replay_fmt_time(c->sum.end_ns, b, sizeof b);
		return replay_die(1, _("--at %s is outside the recording (%s to %s)"), c->o.at, a, b);
	}
	replay_render rd;
	int rc = replay_render_open(c, &rd);
	if (rc == 0)
		rc = replay_render_at(c, &rd, at, true);
	if (rc == 0)
		rc = replay_png_out(c->o.out, rd.img, rd.p.scr.width, rd.p.scr.height);
	replay_render_free(&rd);
	return rc;
}

typedef struct sheet_layout {
	uint32_t tw, th, cols, W, H;
} sheet_layout;

#define SHEET_PAD 8u
#define SHEET_LABEL 22u

static void sheet_put(uint32_t *sheet, const sheet_layout *L, uint64_t i, const replay_render *rd,
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
	replay_fmt_clock(t, clk, sizeof clk);
	replay_fmt_dur(t - start, d, sizeof d);
	snprintf(text, sizeof text, "%s (+%s)", clk, d);
	rec_image_text(sheet, L->W, L->H, (int)x0, (int)(y0 + L->th + 4), text, 0xFFFFFFFFu, 2);
}

int replay_sheet(replay_ctx *c)
{
	if (!c->o.out)
		return replay_die(2, _("sheet needs -o FILE.png"));
	uint64_t every = 30 * REPLAY_NS_PER_S;
	if (c->o.every && replay_parse_duration(c->o.every, &every) != 0)
		return replay_die(2, _("cannot read --every '%s' (e.g. 30s, 2m, 1h)"), c->o.every);
	if (replay_open(c, false) != 0)
		return 1;
	uint64_t start = c->h->start_ns, end = c->sum.end_ns > start ? c->sum.end_ns : start;
	uint64_t n = (end - start) / every + 1;
	if (n > 2000)
		return replay_die(2, _("--every %s gives %llu thumbnails; use a longer interval"),
		           c->o.every ? c->o.every : "30s", (unsigned long long)n);
	sheet_layout L = { .tw = c->o.thumb };
	L.th = (uint32_t)((uint64_t)L.tw * c->h->height / c->h->width);
	L.th = L.th < 8 ? 8 : L.th;
	L.cols = c->o.cols < n ? c->o.cols : (uint32_t)n;
	uint32_t rows = (uint32_t)((n + L.cols - 1) / L.cols);
	L.W = L.cols * (L.tw + SHEET_PAD) + SHEET_PAD;
	L.H = rows * (L.th + SHEET_LABEL + SHEET_PAD) + SHEET_PAD;
	uint32_t *sheet = malloc((size_t)L.W * L.H * 4), *thumb = malloc((size_t)L.tw * L.th * 4);
	replay_render rd;
	int rc = !sheet || !thumb ? replay_die(1, _("out of memory for a %ux%u sheet"), L.W, L.H)
	                          : replay_render_open(c, &rd);
	for (size_t i = 0; rc == 0 && i < (size_t)L.W * L.H; i++)
		sheet[i] = 0xFF303030u;
	for (uint64_t i = 0; rc == 0 && i < n; i++) {
		uint64_t t = start + i * every;
		rc = replay_render_at(c, &rd, t, false);
		if (rc == 0)
			sheet_put(sheet, &L, i, &rd, thumb, t, start);
	}
	if (rc == 0)
		rc = replay_png_out(c->o.out, sheet, L.W, L.H);
	if (sheet && thumb)
		replay_render_free(&rd);
	free(sheet);
	free(thumb);
	return rc;
}
