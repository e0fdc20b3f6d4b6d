/* rec_screen: applies recorded screen records to a BGRA screen; rec_player
 * drives it from a reader (seek + forward playback). */
#include "rec_screen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The player's own default arrow (12x19): '#' black outline, '.' white fill. */
static const char *const arrow[] = {
	"#           ", "##          ", "#.#         ", "#..#        ", "#...#       ",
	"#....#      ", "#.....#     ", "#......#    ", "#.......#   ", "#........#  ",
	"#.........# ", "#......#####", "#...#..#    ", "#..# #..#   ", "#.#  #..#   ",
	"##    #..#  ", "#     #..#  ", "       #..# ", "       ###  ",
};

int rec_screen_init(rec_screen *s, uint32_t w, uint32_t h)
{
	memset(s, 0, sizeof *s);
	s->px = malloc((size_t)w * h * 4);
	if (!s->px)
		return -1;
	s->width = w;
	s->height = h;
	for (size_t i = 0; i < (size_t)w * h; i++)
		s->px[i] = 0xFF000000u;
	s->ptr_kind = REC_POINTER_DEFAULT;
	return 0;
}

void rec_screen_free(rec_screen *s)
{
	free(s->px);
	free(s->ptr_img);
	memset(s, 0, sizeof *s);
}

static int reshape(rec_screen *s, uint32_t w, uint32_t h, char *err, size_t errlen)
{
	uint32_t *px = malloc((size_t)w * h * 4);
	if (!px) {
		snprintf(err, errlen, "out of memory for a %ux%u screen", w, h);
		return -1;
	}
	for (size_t i = 0; i < (size_t)w * h; i++)
		px[i] = 0xFF000000u;
	free(s->px);
	s->px = px;
	s->width = w;
	s->height = h;
	s->changes++;
	return 0;
}

static int apply_tile(rec_screen *s, const rec_record *rec, char *err, size_t errlen)
{
	uint32_t x = rec->u.tile.tx * REC_TILE, y = rec->u.tile.ty * REC_TILE;
	if (x >= s->width || y >= s->height) {
		snprintf(err, errlen, "tile %u,%u lies outside the %ux%u screen", rec->u.tile.tx,
		         rec->u.tile.ty, s->width, s->height);
		return -1;
	}
	uint32_t tw = s->width - x < REC_TILE ? s->width - x : REC_TILE;
	uint32_t th = s->height - y < REC_TILE ? s->height - y : REC_TILE;
	uint8_t enc = rec->u.tile.enc;
	size_t want = enc == REC_TILE_SOLID ? 3 : (size_t)tw * th * 3;
	if (rec->u.tile.len != want) {
		snprintf(err, errlen, "tile %u,%u has %zu bytes of data, expected %zu", rec->u.tile.tx,
		         rec->u.tile.ty, rec->u.tile.len, want);
		return -1;
	}
	const uint8_t *d = rec->u.tile.data;
	for (uint32_t r = 0; r < th; r++) {
		uint32_t *row = s->px + (size_t)(y + r) * s->width + x;
		for (uint32_t i = 0; i < tw; i++) {
			const uint8_t *b = enc == REC_TILE_SOLID ? d : d + ((size_t)r * tw + i) * 3;
			uint32_t v = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16);
			row[i] = enc == REC_TILE_XOR ? row[i] ^ v : (v | 0xFF000000u);
		}
	}
	s->changes++;
	return 0;
}

static int apply_copy(rec_screen *s, const rec_record *rec, char *err, size_t errlen)
{
	uint32_t sx = rec->u.copy.sx, sy = rec->u.copy.sy, w = rec->u.copy.w, h = rec->u.copy.h;
	uint32_t dx = rec->u.copy.dx, dy = rec->u.copy.dy;
	if ((uint64_t)sx + w > s->width || (uint64_t)dx + w > s->width ||
	    (uint64_t)sy + h > s->height || (uint64_t)dy + h > s->height) {
		snprintf(err, errlen, "copy %ux%u from %u,%u to %u,%u leaves the %ux%u screen", w, h, sx,
		         sy, dx, dy, s->width, s->height);
		return -1;
	}
	/* Row order matters when source and destination overlap. */
	for (uint32_t k = 0; k < h; k++) {
		uint32_t r = dy > sy ? h - 1 - k : k;
		memmove(s->px + (size_t)(dy + r) * s->width + dx, s->px + (size_t)(sy + r) * s->width + sx,
		        (size_t)w * 4);
	}
	s->changes++;
	return 0;
}

static int apply_shape(rec_screen *s, const rec_record *rec, char *err, size_t errlen)
{
	free(s->ptr_img);
	s->ptr_img = NULL;
	s->ptr_w = s->ptr_h = s->ptr_hot_x = s->ptr_hot_y = 0;
	s->ptr_kind = rec->u.shape.kind;
	if (s->ptr_kind != REC_POINTER_IMAGE)
		return 0;
	size_t n = (size_t)rec->u.shape.w * rec->u.shape.h * 4;
	s->ptr_img = malloc(n);
	if (!s->ptr_img) {
		snprintf(err, errlen, "out of memory for a pointer image");
		s->ptr_kind = REC_POINTER_DEFAULT;
		return -1;
	}
	memcpy(s->ptr_img, rec->u.shape.bgra, n);
	s->ptr_w = rec->u.shape.w;
	s->ptr_h = rec->u.shape.h;
	s->ptr_hot_x = rec->u.shape.hot_x;
	s->ptr_hot_y = rec->u.shape.hot_y;
	return 0;
}

int rec_screen_apply(rec_screen *s, const rec_record *rec, char *err, size_t errlen)
{
	switch (rec->type) {
	case REC_T_KEYFRAME:
	case REC_T_RESIZE:
		return reshape(s, rec->u.geom.width, rec->u.geom.height, err, errlen);
	case REC_T_TILE:
		return apply_tile(s, rec, err, errlen);
	case REC_T_COPY:
		return apply_copy(s, rec, err, errlen);
	case REC_T_POINTER_POS:
		s->ptr_x = rec->u.pos.x;
		s->ptr_y = rec->u.pos.y;
		return 0;
	case REC_T_POINTER_SHAPE:
		return apply_shape(s, rec, err, errlen);
	default:
		return 0;
	}
}

static void blend(uint32_t *dst, uint32_t src)
{
	uint32_t a = src >> 24;
	if (a == 0)
		return;
	if (a == 255) {
		*dst = src | 0xFF000000u;
		return;
	}
	uint32_t d = *dst, o = 0xFF000000u;
	for (int sh = 0; sh < 24; sh += 8) {
		uint32_t c = (((src >> sh) & 0xFF) * a + ((d >> sh) & 0xFF) * (255 - a) + 127) / 255;
		o |= c << sh;
	}
	*dst = o;
}

void rec_screen_compose(const rec_screen *s, uint32_t *out)
{
	memcpy(out, s->px, (size_t)s->width * s->height * 4);
	if (s->ptr_kind == REC_POINTER_HIDDEN)
		return;
	bool img = s->ptr_kind == REC_POINTER_IMAGE && s->ptr_img;
	uint32_t pw = img ? s->ptr_w : 12, ph = img ? s->ptr_h : 19;
	int64_t ox = (int64_t)s->ptr_x - (img ? s->ptr_hot_x : 0);
	int64_t oy = (int64_t)s->ptr_y - (img ? s->ptr_hot_y : 0);
	for (uint32_t r = 0; r < ph; r++) {
		int64_t y = oy + r;
		if (y < 0 || y >= s->height)
			continue;
		for (uint32_t c = 0; c < pw; c++) {
			int64_t x = ox + c;
			if (x < 0 || x >= s->width)
				continue;
			uint32_t v;
			if (img) {
				const uint8_t *p = s->ptr_img + ((size_t)r * pw + c) * 4;
				v = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
				    ((uint32_t)p[3] << 24);
			} else {
				char ch = arrow[r][c];
				v = ch == '#' ? 0xFF000000u : ch == '.' ? 0xFFFFFFFFu : 0;
			}
			blend(out + (size_t)y * s->width + x, v);
		}
	}
}

/* ---------- player ---------- */

int rec_player_init(rec_player *p, rec_reader *r)
{
	memset(p, 0, sizeof *p);
	p->r = r;
	p->rec = malloc(sizeof *p->rec);
	const rec_header *h = rec_reader_header(r);
	if (!p->rec || rec_screen_init(&p->scr, h->width, h->height) != 0) {
		free(p->rec);
		p->rec = NULL;
		snprintf(p->err, sizeof p->err, "out of memory");
		return -1;
	}
	return rec_player_seek(p, 0);
}

void rec_player_free(rec_player *p)
{
	rec_screen_free(&p->scr);
	free(p->rec);
	p->rec = NULL;
}

int rec_player_seek(rec_player *p, uint64_t ts)
{
	if (rec_reader_seek(p->r, ts) != 0) {
		snprintf(p->err, sizeof p->err, "%s", rec_reader_error(p->r));
		return -1;
	}
	const rec_header *h = rec_reader_header(p->r);
	rec_screen_free(&p->scr);
	if (rec_screen_init(&p->scr, h->width, h->height) != 0) {
		snprintf(p->err, sizeof p->err, "out of memory");
		return -1;
	}
	p->held = false;
	p->done = false;
	p->last_ts = 0;
	return rec_player_advance(p, ts, NULL, NULL);
}

int rec_player_advance(rec_player *p, uint64_t ts,
                       void (*on_record)(const rec_record *rec, void *ctx), void *ctx)
{
	while (!p->done) {
		if (!p->held) {
			int rc = rec_reader_next(p->r, p->rec);
			if (rc < 0) {
				snprintf(p->err, sizeof p->err, "%s", rec_reader_error(p->r));
				return -1;
			}
			if (rc == 0) {
				p->done = true;
				break;
			}
			p->held = true;
		}
		if (p->rec->ts > ts && p->rec->type != REC_T_HEADER)
			break;
		p->held = false;
		if (on_record)
			on_record(p->rec, ctx);
		if (rec_screen_apply(&p->scr, p->rec, p->err, sizeof p->err) != 0)
			return -1;
		p->last_ts = p->rec->ts;
	}
	return 0;
}
