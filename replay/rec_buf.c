/* rec_buf: bounds-checked reader and growable buffer for the recording format. */
#include "rec_buf.h"

#include "rec_format.h"

#include <stdlib.h>
#include <string.h>

void rec_rd_init(rec_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->bad = false;
}

size_t rec_rd_left(const rec_rd *r)
{
	return r->len - r->pos;
}

static bool need(rec_rd *r, size_t n)
{
	if (r->bad || rec_rd_left(r) < n) {
		r->bad = true;
		return false;
	}
	return true;
}

bool rec_rd_u8(rec_rd *r, uint8_t *v)
{
	if (!need(r, 1))
		return false;
	*v = r->p[r->pos++];
	return true;
}

bool rec_rd_u16(rec_rd *r, uint16_t *v)
{
	if (!need(r, 2))
		return false;
	*v = rec_get_u16(r->p + r->pos);
	r->pos += 2;
	return true;
}

bool rec_rd_u32(rec_rd *r, uint32_t *v)
{
	if (!need(r, 4))
		return false;
	*v = rec_get_u32(r->p + r->pos);
	r->pos += 4;
	return true;
}

bool rec_rd_u64(rec_rd *r, uint64_t *v)
{
	if (!need(r, 8))
		return false;
	*v = rec_get_u64(r->p + r->pos);
	r->pos += 8;
	return true;
}

bool rec_rd_i64(rec_rd *r, int64_t *v)
{
	uint64_t u;
	if (!rec_rd_u64(r, &u))
		return false;
	memcpy(v, &u, sizeof u);
	return true;
}

bool rec_rd_i32(rec_rd *r, int32_t *v)
{
	uint32_t u;
	if (!rec_rd_u32(r, &u))
		return false;
	memcpy(v, &u, sizeof u);
	return true;
}

bool rec_rd_bytes(rec_rd *r, size_t n, const uint8_t **p)
{
	if (!need(r, n))
		return false;
	*p = r->p + r->pos;
	r->pos += n;
	return true;
}

bool rec_rd_text(rec_rd *r, char *out, size_t outlen, size_t max)
{
	uint16_t n;
	const uint8_t *s;
	if (!rec_rd_u16(r, &n))
		return false;
	if (n > max || (size_t)n + 1 > outlen || !rec_rd_bytes(r, n, &s)) {
		r->bad = true;
		return false;
	}
	if (memchr(s, 0, n)) {
		r->bad = true;
		return false;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

void rec_wb_free(rec_wb *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

bool rec_wb_reserve(rec_wb *b, size_t extra)
{
	if (b->failed)
		return false;
	if (b->len + extra <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + extra)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void rec_wb_put(rec_wb *b, const void *p, size_t n)
{
	if (!n || !rec_wb_reserve(b, n))
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void rec_wb_u8(rec_wb *b, uint8_t v)
{
	rec_wb_put(b, &v, 1);
}

void rec_wb_u16(rec_wb *b, uint16_t v)
{
	uint8_t t[2];
	rec_put_u16(t, v);
	rec_wb_put(b, t, 2);
}

void rec_wb_u32(rec_wb *b, uint32_t v)
{
	uint8_t t[4];
	rec_put_u32(t, v);
	rec_wb_put(b, t, 4);
}

void rec_wb_u64(rec_wb *b, uint64_t v)
{
	uint8_t t[8];
	rec_put_u64(t, v);
	rec_wb_put(b, t, 8);
}

void rec_wb_text(rec_wb *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > 0xFFFF)
		n = 0xFFFF;
	rec_wb_u16(b, (uint16_t)n);
	rec_wb_put(b, s, n);
}

size_t rec_text_len(const char *s)
{
	size_t n = s ? strnlen(s, REC_MAX_TEXT + 1) : 0;
	if (n > REC_MAX_TEXT) {
		n = REC_MAX_TEXT;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return n;
}

void rec_put_text(uint8_t **p, const char *s, size_t n)
{
	rec_put_u16(*p, (uint16_t)n);
	if (n)
		memcpy(*p + 2, s, n);
	*p += 2 + n;
}

void rec_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void rec_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void rec_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint16_t rec_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t rec_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint64_t rec_get_u64(const uint8_t *p)
{
	return (uint64_t)rec_get_u32(p) | ((uint64_t)rec_get_u32(p + 4) << 32);
}
