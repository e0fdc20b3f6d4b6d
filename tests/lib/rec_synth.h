/* rec_synth: deterministic synthetic screens for the recorder's tests and
 * benchmarks (a text terminal with a pseudo-font, windows, noise). Test support only:
 * built into build/libtestsupport.a, linked into the unit tests, the benchmarks and the
 * fuzzer's seed generator, never into libreplay.a or a shipped program. One instance per
 * thread. */
#ifndef RMGATE_REC_SYNTH_H
#define RMGATE_REC_SYNTH_H

#include "rec_writer.h"

#include <stdint.h>

typedef struct rec_synth {
	uint32_t width, height;
	uint32_t *px;    /* owned BGRA framebuffer, alpha 0xFF */
	uint32_t cols, rows, col, row;
	uint32_t fg, bg;
	uint64_t rng;
	rec_rect dirty[64];
	size_t ndirty;
	int full;        /* whole screen dirty */
} rec_synth;

int rec_synth_init(rec_synth *s, uint32_t w, uint32_t h, uint64_t seed);
void rec_synth_free(rec_synth *s);
int rec_synth_resize(rec_synth *s, uint32_t w, uint32_t h);
uint32_t rec_synth_rand(rec_synth *s);
/* Terminal: types one character (\n = new line, scrolling at the bottom). */
void rec_synth_putc(rec_synth *s, char c);
void rec_synth_puts(rec_synth *s, const char *text);
/* A filled window with a title bar and some text, at x,y. */
void rec_synth_window(rec_synth *s, uint32_t x, uint32_t y, uint32_t w, uint32_t h);
/* Random pixels in a random rectangle of at most max_w x max_h. */
void rec_synth_noise(rec_synth *s, uint32_t max_w, uint32_t max_h);
/* Scrolls the whole screen up by n pixel rows (new rows get text). */
void rec_synth_scroll(rec_synth *s, uint32_t n);
/* Hands the framebuffer and dirty rectangles to the writer, then clears them. */
void rec_synth_frame(rec_synth *s, rec_writer *w);

#endif
