/* rec_tiles: the recorder's screen encoder: tile diffs against what the
 * recording's reader has on screen, keyframes, and vertical scroll detection
 * (COPY records). See rec_tiles.h. */
#include "rec_tiles.h"

#include "rec_buf.h"
#include "rec_format.h"

#include <stdlib.h>
#include <string.h>

struct rec_tiles {
	/* --- immutable after new --- */
	rec_out *out; /* not owned */
	uint64_t keyframe_ns;
	/* --- writer thread --- */
	rec_fb cur;  /* latest snapshot (full screen) */
	rec_fb prev; /* what the recording's reader has on screen */
	bool need_keyframe;
	uint64_t last_keyframe_ts;
	rec_wb ptr_shape; /* body of the last pointer shape record */
	uint8_t ptr_pos[8];
	bool have_pos;
	rec_wb tmp; /* the tile record being built */
	rec_tiles_counters st;
};

void rec_fb_free(rec_fb *fb)
{
	free(fb->px);
	free(fb->dirty);
	memset(fb, 0, sizeof *fb);
}

bool rec_fb_alloc(rec_fb *fb, uint32_t w, uint32_t h)
{
	rec_fb_free(fb);
	fb->w = w;
	fb->h = h;
	fb->tw = (w + REC_TILE - 1) / REC_TILE;
	fb->th = (h + REC_TILE - 1) / REC_TILE;
	fb->px = calloc((size_t)w * h, 4);
	fb->dirty = malloc((size_t)fb->tw * fb->th);
	if (!fb->px || !fb->dirty) {
		rec_fb_free(fb);
		return false;
	}
	memset(fb->dirty, 1, (size_t)fb->tw * fb->th);
	return true;
}

rec_tiles *rec_tiles_new(rec_out *out, uint32_t w, uint32_t h, uint64_t keyframe_ns)
{
	rec_tiles *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->out = out;
	t->keyframe_ns = keyframe_ns;
	t->need_keyframe = true;
	if (!rec_fb_alloc(&t->cur, w, h) || !rec_fb_alloc(&t->prev, w, h)) {
		rec_tiles_free(t);
		return NULL;
	}
	return t;
}

void rec_tiles_free(rec_tiles *t)
{
	if (!t)
		return;
	rec_fb_free(&t->cur);
	rec_fb_free(&t->prev);
	rec_wb_free(&t->ptr_shape);
	rec_wb_free(&t->tmp);
	free(t);
}

rec_tiles_counters rec_tiles_count(const rec_tiles *t)
{
	return t->st;
}

/* ---------- tiles and keyframes ---------- */

static void tile_rect(const rec_fb *fb, uint32_t tx, uint32_t ty, uint32_t *x, uint32_t *y,
                      uint32_t *tw, uint32_t *th)
{
	*x = tx * REC_TILE;
	*y = ty * REC_TILE;
	*tw = fb->w - *x < REC_TILE ? fb->w - *x : REC_TILE;
	*th = fb->h - *y < REC_TILE ? fb->h - *y : REC_TILE;
}

/* Encodes tile (tx,ty) of cur against prev (or raw when `key`); copies it into prev.
 * Returns false when the tile is unchanged and nothing was written. */
static bool encode_tile(rec_tiles *t, uint32_t tx, uint32_t ty, uint64_t ts, bool key)
{
	uint32_t x, y, tw, th;
	tile_rect(&t->cur, tx, ty, &x, &y, &tw, &th);
	const uint32_t stride = t->cur.w;
	uint32_t first = t->cur.px[(size_t)y * stride + x] & 0xFFFFFFu;
	size_t changed = 0;
	bool solid = true;
	for (uint32_t r = 0; r < th; r++) {
		const uint32_t *c = t->cur.px + (size_t)(y + r) * stride + x;
		const uint32_t *p = t->prev.px + (size_t)(y + r) * stride + x;
		for (uint32_t i = 0; i < tw; i++) {
			changed += ((c[i] ^ p[i]) & 0xFFFFFFu) != 0;
			solid = solid && (c[i] & 0xFFFFFFu) == first;
		}
	}
	if (!key && changed == 0)
		return false;
	rec_wb *b = &t->tmp;
	b->len = 0;
	rec_wb_u16(b, (uint16_t)tx);
	rec_wb_u16(b, (uint16_t)ty);
	uint8_t enc = solid ? REC_TILE_SOLID
	                    : (!key && changed * 2 < (size_t)tw * th ? REC_TILE_XOR : REC_TILE_RAW);
	rec_wb_u8(b, enc);
	if (enc == REC_TILE_SOLID) {
		uint8_t bgr[3] = { (uint8_t)first, (uint8_t)(first >> 8), (uint8_t)(first >> 16) };
		rec_wb_put(b, bgr, 3);
	} else if (rec_wb_reserve(b, (size_t)tw * th * 3)) {
		uint8_t *o = b->p + b->len;
		for (uint32_t r = 0; r < th; r++) {
			const uint32_t *c = t->cur.px + (size_t)(y + r) * stride + x;
			const uint32_t *p = t->prev.px + (size_t)(y + r) * stride + x;
			for (uint32_t i = 0; i < tw; i++) {
				uint32_t v = enc == REC_TILE_XOR ? c[i] ^ p[i] : c[i];
				*o++ = (uint8_t)v;
				*o++ = (uint8_t)(v >> 8);
				*o++ = (uint8_t)(v >> 16);
			}
		}
		b->len += (size_t)tw * th * 3;
	}
	for (uint32_t r = 0; r < th; r++)
		memcpy(t->prev.px + (size_t)(y + r) * stride + x, t->cur.px + (size_t)(y + r) * stride + x,
		       (size_t)tw * 4);
	if (b->failed) {
		rec_out_fail(t->out, "out of memory for a tile");
		b->failed = false;
		return false;
	}
	rec_out_emit(t->out, REC_T_TILE, ts, b->p, b->len);
	t->st.tiles++;
	return true;
}

/* Whole screen: starts a new packet flagged keyframe (indexed), then the
 * geometry, the pointer state and every tile raw or solid. */
static void write_keyframe(rec_tiles *t, uint64_t ts)
{
	rec_out_begin_keyframe(t->out, ts);
	uint8_t g[4];
	rec_put_u16(g, (uint16_t)t->cur.w);
	rec_put_u16(g + 2, (uint16_t)t->cur.h);
	rec_out_emit(t->out, REC_T_KEYFRAME, ts, g, 4);
	if (t->ptr_shape.len)
		rec_out_emit(t->out, REC_T_POINTER_SHAPE, ts, t->ptr_shape.p, t->ptr_shape.len);
	if (t->have_pos)
		rec_out_emit(t->out, REC_T_POINTER_POS, ts, t->ptr_pos, 8);
	for (uint32_t ty = 0; ty < t->cur.th; ty++)
		for (uint32_t tx = 0; tx < t->cur.tw; tx++)
			encode_tile(t, tx, ty, ts, true);
	t->need_keyframe = false;
	t->last_keyframe_ts = ts;
	t->st.keyframes++;
	t->st.updates++;
}

/* ---------- scroll detection ---------- */

/* Hash of pixels [x0,x1) of row y (alpha ignored). */
static uint64_t row_hash(const rec_fb *fb, uint32_t y, uint32_t x0, uint32_t x1)
{
	const uint32_t *p = fb->px + (size_t)y * fb->w;
	uint64_t h = 1469598103934665603ull;
	for (uint32_t x = x0; x < x1; x++)
		h = (h ^ (p[x] & 0xFFFFFFu)) * 1099511628211ull;
	return h;
}

typedef struct scroll_guess {
	int32_t dy;     /* cur row y shows prev row y + dy */
	uint32_t a, b;  /* the matching rows [a, b) in cur */
} scroll_guess;

/* Finds the vertical shift that explains most rows of the band [y0,y1) x [x0,x1)
 * and the longest run of rows it explains. ch/ph are cur/prev row hashes. */
static bool best_shift(const uint64_t *ch, const uint64_t *ph, uint32_t n, scroll_guess *g)
{
	uint32_t best_run = 0;
	/* Candidates: shifts that line up a sample of distinctive rows. */
	for (uint32_t s = 0; s < n; s += n / 16 + 1) {
		if ((s > 0 && ch[s] == ch[s - 1]) || (s + 1 < n && ch[s] == ch[s + 1]))
			continue; /* blank or repeated rows say nothing */
		for (uint32_t j = 0; j < n; j++) {
			if (ph[j] != ch[s] || j == s)
				continue;
			int32_t dy = (int32_t)j - (int32_t)s;
			uint32_t run = 0, start = 0;
			for (uint32_t y = 0; y < n; y++) {
				int64_t py = (int64_t)y + dy;
				bool m = py >= 0 && py < n && ch[y] == ph[py];
				run = m ? run + 1 : 0;
				if (m && run > best_run) {
					best_run = run;
					start = y + 1 - run;
					g->dy = dy;
					g->a = start;
					g->b = y + 1;
				}
			}
		}
	}
	return best_run >= 32 && best_run * 4 >= n;
}

/* When a large part of the screen changed, looks for a vertical scroll of the
 * dirty band and, if found, records it as one COPY (applied to prev too): the
 * tile diff that follows then only sends what the copy does not explain. */
static void detect_scroll(rec_tiles *t, uint64_t ts)
{
	rec_fb *c = &t->cur;
	uint32_t ty0 = c->th, ty1 = 0, tx0 = c->tw, tx1 = 0, dirty = 0;
	for (uint32_t ty = 0; ty < c->th; ty++)
		for (uint32_t tx = 0; tx < c->tw; tx++)
			if (c->dirty[ty * c->tw + tx]) {
				dirty++;
				ty0 = ty < ty0 ? ty : ty0;
				ty1 = ty + 1 > ty1 ? ty + 1 : ty1;
				tx0 = tx < tx0 ? tx : tx0;
				tx1 = tx + 1 > tx1 ? tx + 1 : tx1;
			}
	if (dirty < 8 || (ty1 - ty0) < 3 || dirty * 2 < (ty1 - ty0) * (tx1 - tx0))
		return;
	uint32_t y0 = ty0 * REC_TILE, y1 = ty1 * REC_TILE < c->h ? ty1 * REC_TILE : c->h;
	uint32_t n = y1 - y0;
	uint64_t *ch = malloc(sizeof *ch * n * 2);
	if (!ch)
		return;
	uint64_t *ph = ch + n;
	/* The full band first, then without its edge tiles (borders, scroll bars). */
	for (int attempt = 0; attempt < 2; attempt++) {
		uint32_t x0 = tx0 * REC_TILE, x1 = tx1 * REC_TILE < c->w ? tx1 * REC_TILE : c->w;
		if (attempt == 1) {
			if (tx1 - tx0 < 4)
				break;
			x0 += REC_TILE;
			x1 = (tx1 - 1) * REC_TILE;
		}
		for (uint32_t y = 0; y < n; y++) {
			ch[y] = row_hash(c, y0 + y, x0, x1);
			ph[y] = row_hash(&t->prev, y0 + y, x0, x1);
		}
		scroll_guess g;
		if (!best_shift(ch, ph, n, &g))
			continue;
		uint32_t dst = y0 + g.a, src = (uint32_t)((int32_t)dst + g.dy), h = g.b - g.a;
		uint8_t body[12];
		rec_put_u16(body, (uint16_t)x0);
		rec_put_u16(body + 2, (uint16_t)src);
		rec_put_u16(body + 4, (uint16_t)(x1 - x0));
		rec_put_u16(body + 6, (uint16_t)h);
		rec_put_u16(body + 8, (uint16_t)x0);
		rec_put_u16(body + 10, (uint16_t)dst);
		rec_out_emit(t->out, REC_T_COPY, ts, body, sizeof body);
		for (uint32_t k = 0; k < h; k++) { /* same row order as the reader */
			uint32_t r = dst > src ? h - 1 - k : k;
			memmove(t->prev.px + (size_t)(dst + r) * c->w + x0,
			        t->prev.px + (size_t)(src + r) * c->w + x0, (size_t)(x1 - x0) * 4);
		}
		/* prev changed under the copy: those tiles must be compared again. */
		for (uint32_t ty = dst / REC_TILE; ty <= (dst + h - 1) / REC_TILE; ty++)
			for (uint32_t tx = x0 / REC_TILE; tx <= (x1 - 1) / REC_TILE; tx++)
				c->dirty[ty * c->tw + tx] = 1;
		t->st.copies++;
		break;
	}
	free(ch);
}

void rec_tiles_update(rec_tiles *t, uint64_t ts)
{
	if (!t->prev.px || t->cur.w != t->prev.w || t->cur.h != t->prev.h)
		return;
	if (t->need_keyframe || ts >= t->last_keyframe_ts + t->keyframe_ns) {
		write_keyframe(t, ts);
		return;
	}
	detect_scroll(t, ts);
	bool any = false;
	for (uint32_t ty = 0; ty < t->cur.th; ty++)
		for (uint32_t tx = 0; tx < t->cur.tw; tx++)
			if (t->cur.dirty[ty * t->cur.tw + tx])
				any |= encode_tile(t, tx, ty, ts, false);
	t->st.updates += any;
}

/* ---------- snapshot, resize, pointer ---------- */

bool rec_tiles_take(rec_tiles *t, rec_fb *pend)
{
	if (t->cur.w != pend->w || t->cur.h != pend->h) {
		if (!rec_fb_alloc(&t->cur, pend->w, pend->h)) {
			rec_out_fail(t->out, "out of memory for the screen");
			return false;
		}
	}
	memset(t->cur.dirty, 0, (size_t)t->cur.tw * t->cur.th);
	for (uint32_t ty = 0; ty < pend->th; ty++) {
		for (uint32_t tx = 0; tx < pend->tw; tx++) {
			size_t i = (size_t)ty * pend->tw + tx;
			if (!pend->dirty[i])
				continue;
			uint32_t x, y, tw, th;
			tile_rect(pend, tx, ty, &x, &y, &tw, &th);
			for (uint32_t r = 0; r < th; r++)
				memcpy(t->cur.px + (size_t)(y + r) * t->cur.w + x,
				       pend->px + (size_t)(y + r) * pend->w + x, (size_t)tw * 4);
			t->cur.dirty[i] = 1;
			pend->dirty[i] = 0;
		}
	}
	return true;
}

void rec_tiles_resize(rec_tiles *t, const uint8_t *body, uint32_t len, uint64_t ts)
{
	uint32_t nw = rec_get_u16(body), nh = rec_get_u16(body + 2);
	rec_out_emit(t->out, REC_T_RESIZE, ts, body, len);
	if (!rec_fb_alloc(&t->prev, nw, nh))
		rec_out_fail(t->out, "out of memory for the screen");
	t->need_keyframe = true;
}

void rec_tiles_pointer_shape(rec_tiles *t, const uint8_t *body, uint32_t len, uint64_t ts)
{
	t->ptr_shape.len = 0;
	rec_wb_put(&t->ptr_shape, body, len);
	rec_out_emit(t->out, REC_T_POINTER_SHAPE, ts, body, len);
}

void rec_tiles_pointer_pos(rec_tiles *t, const uint8_t body[8], uint64_t ts)
{
	memcpy(t->ptr_pos, body, 8);
	t->have_pos = true;
	rec_out_emit(t->out, REC_T_POINTER_POS, ts, body, 8);
}
