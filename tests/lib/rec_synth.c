/* rec_synth: synthetic screens (terminal text, windows, noise) for the recorder's
 * tests and benchmarks. Deterministic for a given seed. */
#include "rec_synth.h"

#include <stdlib.h>
#include <string.h>

#define GW 8  /* glyph cell */
#define GH 16

int rec_synth_init(rec_synth *s, uint32_t w, uint32_t h, uint64_t seed)
{
	memset(s, 0, sizeof *s);
	s->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
	s->fg = 0xFFD0D0D0u;
	s->bg = 0xFF202020u;
	return rec_synth_resize(s, w, h);
}

void rec_synth_free(rec_synth *s)
{
	free(s->px);
	s->px = NULL;
}

int rec_synth_resize(rec_synth *s, uint32_t w, uint32_t h)
{
	uint32_t *px = malloc((size_t)w * h * 4);
	if (!px)
		return -1;
	free(s->px);
	s->px = px;
	s->width = w;
	s->height = h;
	for (size_t i = 0; i < (size_t)w * h; i++)
		px[i] = s->bg;
	s->cols = w / GW;
	s->rows = h / GH;
	s->col = s->row = 0;
	s->full = 1;
	return 0;
}

uint32_t rec_synth_rand(rec_synth *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (uint32_t)(s->rng >> 11);
}

static void mark(rec_synth *s, int32_t x, int32_t y, int32_t w, int32_t h)
{
	if (s->ndirty == sizeof s->dirty / sizeof s->dirty[0]) {
		s->full = 1;
		return;
	}
	s->dirty[s->ndirty++] = (rec_rect){ x, y, w, h };
}

/* A pseudo-glyph: a stable bit pattern per character, blank for space. */
static void glyph(rec_synth *s, uint32_t cx, uint32_t cy, char c)
{
	uint32_t h = (uint32_t)(unsigned char)c * 2654435761u;
	for (uint32_t r = 0; r < GH; r++) {
		uint32_t *row = s->px + (size_t)(cy * GH + r) * s->width + cx * GW;
		uint8_t bits = (c == ' ' || r < 3 || r > 12) ? 0 : (uint8_t)(h >> ((r * 5) % 24)) & 0x7E;
		for (uint32_t i = 0; i < GW; i++)
			row[i] = (bits >> i) & 1 ? s->fg : s->bg;
	}
}

static void scroll_rows(rec_synth *s, uint32_t n)
{
	if (n >= s->height)
		n = s->height - 1;
	memmove(s->px, s->px + (size_t)n * s->width, (size_t)(s->height - n) * s->width * 4);
	for (size_t i = (size_t)(s->height - n) * s->width; i < (size_t)s->height * s->width; i++)
		s->px[i] = s->bg;
	mark(s, 0, 0, (int32_t)s->width, (int32_t)s->height);
}

void rec_synth_putc(rec_synth *s, char c)
{
	if (!s->cols || !s->rows)
		return;
	if (c == '\n' || s->col >= s->cols) {
		s->col = 0;
		if (++s->row >= s->rows) {
			scroll_rows(s, GH);
			s->row = s->rows - 1;
		}
		if (c == '\n')
			return;
	}
	glyph(s, s->col, s->row, c);
	mark(s, (int32_t)(s->col * GW), (int32_t)(s->row * GH), GW, GH);
	s->col++;
}

void rec_synth_puts(rec_synth *s, const char *text)
{
	for (; *text; text++)
		rec_synth_putc(s, *text);
}

void rec_synth_window(rec_synth *s, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	if (x >= s->width || y >= s->height)
		return;
	if (w > s->width - x)
		w = s->width - x;
	if (h > s->height - y)
		h = s->height - y;
	for (uint32_t r = 0; r < h; r++)
		for (uint32_t i = 0; i < w; i++)
			s->px[(size_t)(y + r) * s->width + x + i] =
			    r < 24 ? 0xFF3060A0u : (r % 20 == 10 && i % 7 < 5 ? 0xFF000000u : 0xFFF0F0F0u);
	mark(s, (int32_t)x, (int32_t)y, (int32_t)w, (int32_t)h);
}

void rec_synth_noise(rec_synth *s, uint32_t max_w, uint32_t max_h)
{
	uint32_t w = 1 + rec_synth_rand(s) % (max_w < s->width ? max_w : s->width);
	uint32_t h = 1 + rec_synth_rand(s) % (max_h < s->height ? max_h : s->height);
	uint32_t x = rec_synth_rand(s) % (s->width - w + 1), y = rec_synth_rand(s) % (s->height - h + 1);
	for (uint32_t r = 0; r < h; r++)
		for (uint32_t i = 0; i < w; i++)
			s->px[(size_t)(y + r) * s->width + x + i] = rec_synth_rand(s) | 0xFF000000u;
	mark(s, (int32_t)x, (int32_t)y, (int32_t)w, (int32_t)h);
}

void rec_synth_scroll(rec_synth *s, uint32_t n)
{
	scroll_rows(s, n);
	uint32_t saved = s->row;
	s->row = s->rows ? s->rows - 1 : 0;
	for (uint32_t c = 0; c < s->cols; c++)
		glyph(s, c, s->row, (char)('!' + rec_synth_rand(s) % 90));
	s->row = saved;
}

void rec_synth_frame(rec_synth *s, rec_writer *w)
{
	rec_writer_frame(w, (const uint8_t *)s->px, s->width * 4, s->width, s->height,
	                 s->full ? NULL : s->dirty, s->full ? 0 : s->ndirty);
	s->ndirty = 0;
	s->full = 0;
}
