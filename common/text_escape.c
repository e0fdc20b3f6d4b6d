/* text_escape.c: escaping untrusted text for terminals and JSON (see text_escape.h). */
#include "text_escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* Length of the valid UTF-8 sequence at p (1-4) and its code point, or 0 when the byte at p
 * does not start one. */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	size_t n;
	uint32_t c, min;
	if ((p[0] & 0xE0) == 0xC0)
		n = 2, c = p[0] & 0x1F, min = 0x80;
	else if ((p[0] & 0xF0) == 0xE0)
		n = 3, c = p[0] & 0x0F, min = 0x800;
	else if ((p[0] & 0xF8) == 0xF0)
		n = 4, c = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xC0) != 0x80) /* also stops at the NUL */
			return 0;
		c = c << 6 | (p[k] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static bool is_control(uint32_t c)
{
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0x200E || c == 0x200F ||
	       (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

/* Calls emit(ctx, bytes, len, escape_cp) for each piece: a run of bytes to copy (escape_cp
 * ignored), or one code point / invalid byte to escape (bytes NULL). */
typedef void (*piece_fn)(void *ctx, const unsigned char *copy, size_t len, uint32_t escaped, size_t nbytes,
                         const unsigned char *raw);

static void walk(const char *in, piece_fn emit, void *ctx)
{
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	while (*p) {
		uint32_t cp = 0;
		size_t n = utf8_seq(p, &cp);
		if (n == 0)
			emit(ctx, NULL, 0, *p, 1, p), n = 1; /* an invalid byte: its value */
		else if (is_control(cp))
			emit(ctx, NULL, 0, cp, n, p);
		else
			emit(ctx, p, n, 0, 0, NULL);
		p += n;
	}
}

/* ---- terminal form ---- */

typedef struct {
	char *out;
	size_t cap, len; /* len counts what the whole text needs */
	bool full;
} sink;

static void put(sink *s, const char *bytes, size_t n)
{
	if (!s->full && s->len + n < s->cap) {
		for (size_t k = 0; k < n; k++)
			s->out[s->len + k] = bytes[k];
		s->out[s->len + n] = '\0';
	} else {
		s->full = true; /* nothing after a piece that did not fit */
	}
	s->len += n;
}

static void term_piece(void *ctx, const unsigned char *copy, size_t len, uint32_t escaped, size_t nbytes,
                       const unsigned char *raw)
{
	sink *s = ctx;
	(void)escaped;
	if (copy) {
		put(s, (const char *)copy, len);
		return;
	}
	static const char hex[] = "0123456789ABCDEF";
	char buf[16];
	size_t o = 0;
	for (size_t k = 0; k < nbytes; k++) {
		buf[o++] = '\\', buf[o++] = 'x';
		buf[o++] = hex[raw[k] >> 4], buf[o++] = hex[raw[k] & 15];
	}
	put(s, buf, o);
}

size_t text_escape(char *out, size_t outlen, const char *in)
{
	sink s = { out, outlen, 0, false };
	if (outlen)
		out[0] = '\0';
	walk(in, term_piece, &s);
	return s.len;
}

char *text_escape_dup(const char *in)
{
	size_t need = text_escape(NULL, 0, in);
	char *out = malloc(need + 1);
	if (out)
		text_escape(out, need + 1, in);
	return out;
}

static void file_piece(void *ctx, const unsigned char *copy, size_t len, uint32_t escaped, size_t nbytes,
                       const unsigned char *raw)
{
	FILE *f = ctx;
	(void)escaped;
	if (copy) {
		fwrite(copy, 1, len, f);
		return;
	}
	for (size_t k = 0; k < nbytes; k++)
		fprintf(f, "\\x%02X", raw[k]);
}

void text_escape_fputs(const char *in, FILE *f)
{
	walk(in, file_piece, f);
}

/* ---- JSON form ---- */

static void json_piece(void *ctx, const unsigned char *copy, size_t len, uint32_t escaped, size_t nbytes,
                       const unsigned char *raw)
{
	FILE *f = ctx;
	(void)nbytes;
	(void)raw;
	if (copy) {
		for (size_t k = 0; k < len; k++) {
			if (copy[k] == '"' || copy[k] == '\\')
				fputc('\\', f);
			fputc(copy[k], f);
		}
		return;
	}
	switch (escaped) {
	case '\n': fputs("\\n", f); break;
	case '\r': fputs("\\r", f); break;
	case '\t': fputs("\\t", f); break;
	default: fprintf(f, "\\u%04x", (unsigned)escaped);
	}
}

void text_json_string(const char *in, FILE *f)
{
	fputc('"', f);
	walk(in, json_piece, f);
	fputc('"', f);
}
