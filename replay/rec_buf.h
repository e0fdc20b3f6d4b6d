/* rec_buf: bounds-checked little-endian reader and growable writer buffer.
 *
 * Every byte of a recording that the reader parses goes through rec_rd: each
 * getter checks the remaining length and returns false (leaving the reader
 * marked bad) instead of reading past the end. rec_wb is the writer's
 * append-only buffer; on allocation failure it becomes sticky-failed.
 * Neither is thread-safe; each instance belongs to one thread. */
#ifndef RMGATE_REC_BUF_H
#define RMGATE_REC_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rec_rd {
	const uint8_t *p; /* not owned */
	size_t len;
	size_t pos;
	bool bad; /* sticky: a getter ran past the end */
} rec_rd;

void rec_rd_init(rec_rd *r, const void *p, size_t len);
size_t rec_rd_left(const rec_rd *r);
bool rec_rd_u8(rec_rd *r, uint8_t *v);
bool rec_rd_u16(rec_rd *r, uint16_t *v);
bool rec_rd_u32(rec_rd *r, uint32_t *v);
bool rec_rd_u64(rec_rd *r, uint64_t *v);
bool rec_rd_i64(rec_rd *r, int64_t *v);
bool rec_rd_i32(rec_rd *r, int32_t *v);
/* Points *p at the next n bytes (inside the buffer) and skips them. */
bool rec_rd_bytes(rec_rd *r, size_t n, const uint8_t **p);
/* u16 length + bytes, copied NUL-terminated into out (outlen >= max+1); rejects
 * lengths above max and embedded NULs. */
bool rec_rd_text(rec_rd *r, char *out, size_t outlen, size_t max);

typedef struct rec_wb {
	uint8_t *p; /* owned */
	size_t len;
	size_t cap;
	bool failed; /* sticky: an allocation failed */
} rec_wb;

void rec_wb_free(rec_wb *b);
bool rec_wb_reserve(rec_wb *b, size_t extra);
void rec_wb_put(rec_wb *b, const void *p, size_t n);
void rec_wb_u8(rec_wb *b, uint8_t v);
void rec_wb_u16(rec_wb *b, uint16_t v);
void rec_wb_u32(rec_wb *b, uint32_t v);
void rec_wb_u64(rec_wb *b, uint64_t v);
void rec_wb_text(rec_wb *b, const char *s); /* u16 length + bytes */

/* Text fields of records: the length of s (NULL = "") clipped to REC_MAX_TEXT
 * bytes at a UTF-8 boundary, and a store of u16 length + those n bytes at *p,
 * advancing *p (the caller sized the buffer). */
size_t rec_text_len(const char *s);
void rec_put_text(uint8_t **p, const char *s, size_t n);

/* Little-endian stores into a fixed buffer. */
void rec_put_u16(uint8_t *p, uint16_t v);
void rec_put_u32(uint8_t *p, uint32_t v);
void rec_put_u64(uint8_t *p, uint64_t v);
uint16_t rec_get_u16(const uint8_t *p);
uint32_t rec_get_u32(const uint8_t *p);
uint64_t rec_get_u64(const uint8_t *p);

#endif
