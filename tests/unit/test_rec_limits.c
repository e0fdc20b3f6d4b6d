/* The screen-size limit of the format (8192 x 8192, REC_MAX_DIM): a few
 * hundred bytes of crafted recording must not make a reader or player
 * allocate and fill gigabytes. The files are built here from the spec
 * (docs/recording-format.md: pcap, packet header, zstd, hash chain), valid in
 * every respect but the geometry, so only the limit can refuse them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rec_buf.h"
#include "rec_format.h"
#include "rec_reader.h"
#include "rec_screen.h"
#include "rec_writer.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define T0 1790000000000000000ull

typedef struct {
	uint8_t p[4096];
	size_t len;
	uint8_t chain[32];
	uint32_t seq;
} crafted;

/* Appends one data packet holding `raw` (nrec records) with its pcap record header. */
static void put_packet(crafted *c, const uint8_t *raw, size_t raw_len, uint32_t nrec, uint8_t flags)
{
	uint8_t pk[1024];
	size_t clen = ZSTD_compress(pk + REC_PKT_HDR_LEN, sizeof pk - REC_PKT_HDR_LEN, raw, raw_len, 3);
	assert_false(ZSTD_isError(clen));
	memcpy(pk, REC_PKT_MAGIC, 4);
	rec_put_u16(pk + 4, REC_FORMAT_VERSION);
	pk[6] = REC_PKT_DATA;
	pk[7] = flags;
	rec_put_u32(pk + 8, c->seq++);
	rec_put_u32(pk + 12, nrec);
	rec_put_u32(pk + 16, (uint32_t)raw_len);
	rec_put_u32(pk + 20, (uint32_t)clen);
	rec_put_u64(pk + 24, T0);
	/* H(n) = SHA-256(H(n-1) || packet[0..32) || packet[64..end)) */
	uint8_t in[32 + REC_PKT_DIGEST_OFF + 1024];
	memcpy(in, c->chain, 32);
	memcpy(in + 32, pk, REC_PKT_DIGEST_OFF);
	memcpy(in + 32 + REC_PKT_DIGEST_OFF, pk + REC_PKT_HDR_LEN, clen);
	SHA256(in, 32 + REC_PKT_DIGEST_OFF + clen, c->chain);
	memcpy(pk + REC_PKT_DIGEST_OFF, c->chain, 32);
	size_t n = REC_PKT_HDR_LEN + clen;
	assert_true(c->len + 16 + n <= sizeof c->p);
	uint8_t *ph = c->p + c->len;
	rec_put_u32(ph, (uint32_t)(T0 / 1000000000ull));
	rec_put_u32(ph + 4, (uint32_t)(T0 % 1000000000ull));
	rec_put_u32(ph + 8, (uint32_t)n);
	rec_put_u32(ph + 12, (uint32_t)n);
	memcpy(ph + 16, pk, n);
	c->len += 16 + n;
}

/* Record header (type, whole length, time) in front of `body_len` bytes. */
static size_t put_record_header(uint8_t *at, uint16_t type, size_t body_len)
{
	rec_put_u16(at, type);
	rec_put_u32(at + 2, (uint32_t)(REC_REC_HDR_LEN + body_len));
	rec_put_u64(at + 6, T0);
	return REC_REC_HDR_LEN + body_len;
}

/* pcap file header and packet 0 (HEADER with the given geometry). */
static void start_file(crafted *c, uint16_t w, uint16_t h)
{
	static const uint8_t pcap_hdr[24] = { 0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		                              0, 0, 4, 0, REC_LINKTYPE, 0, 0, 0 };
	memset(c, 0, sizeof *c);
	memcpy(c->p, pcap_hdr, sizeof pcap_hdr);
	c->len = sizeof pcap_hdr;
	uint8_t rec[128];
	uint8_t *b = rec + REC_REC_HDR_LEN;
	rec_put_u16(b, REC_FORMAT_VERSION);
	rec_put_u16(b + 2, w);
	rec_put_u16(b + 4, h);
	rec_put_u32(b + 6, REC_PIXEL_BGR24);
	rec_put_u16(b + 10, REC_TILE);
	rec_put_u32(b + 12, 0x409);
	memset(b + 16, 0, 32);     /* permit, vendor, system, account ids */
	rec_put_u64(b + 48, T0);   /* start time */
	rec_put_u16(b + 56, 1);    /* session id "S" */
	b[58] = 'S';
	rec_put_u16(b + 59, 1);    /* gate version "t" */
	b[61] = 't';
	put_packet(c, rec, put_record_header(rec, REC_T_HEADER, 62), 1, 0);
}

/* Packet 1: one KEYFRAME or RESIZE record with the given geometry. */
static void put_geometry(crafted *c, uint16_t type, uint16_t w, uint16_t h)
{
	uint8_t rec[REC_REC_HDR_LEN + 4];
	rec_put_u16(rec + REC_REC_HDR_LEN, w);
	rec_put_u16(rec + REC_REC_HDR_LEN + 2, h);
	put_packet(c, rec, put_record_header(rec, type, 4), 1, type == REC_T_KEYFRAME ? REC_PKT_FLAG_KEYFRAME : 0);
}

static void the_limit_is_8192(void **state)
{
	(void)state;
	assert_int_equal(REC_MAX_DIM, 8192);
}

static void a_header_above_the_limit_is_refused_with_a_clear_error(void **state)
{
	(void)state;
	static const uint16_t dims[][2] = { { 16384, 16384 }, { 8193, 48 }, { 64, 8193 } };
	for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
		crafted c;
		start_file(&c, dims[i][0], dims[i][1]);
		rec_reader *r = NULL;
		char err[512] = "";
		int rc = rec_reader_open_mem(&r, c.p, c.len, err, sizeof err);
		rec_record *rec = malloc(sizeof *rec);
		if (rc == 0) { /* the header may be parsed at the first read */
			rc = rec_reader_next(r, rec) == 1 ? 0 : -1;
			snprintf(err, sizeof err, "%s", rec_reader_error(r));
			rec_reader_close(r);
		}
		free(rec);
		assert_int_equal(rc, -1);
		char want[32];
		snprintf(want, sizeof want, "%ux%u", dims[i][0], dims[i][1]);
		if (!strstr(err, want) || !strstr(err, "8192"))
			fail_msg("error does not name the geometry %s and the limit: %s", want, err);
	}
}

/* Reads the crafted file: returns the reader's result for the record after the header. */
static int second_record(const crafted *c, rec_record *rec, char *err, size_t errlen)
{
	rec_reader *r;
	assert_int_equal(rec_reader_open_mem(&r, c->p, c->len, err, errlen), 0);
	assert_int_equal(rec_reader_next(r, rec), 1);
	assert_int_equal(rec->type, REC_T_HEADER);
	int rc = rec_reader_next(r, rec);
	snprintf(err, errlen, "%s", rec_reader_error(r));
	rec_reader_close(r);
	return rc;
}

static void a_resize_or_keyframe_above_the_limit_is_refused(void **state)
{
	(void)state;
	static const uint16_t types[] = { REC_T_RESIZE, REC_T_KEYFRAME };
	for (size_t i = 0; i < 2; i++) {
		crafted c;
		start_file(&c, 64, 48);
		put_geometry(&c, types[i], 16384, 16384);
		rec_record *rec = malloc(sizeof *rec);
		char err[512];
		assert_int_equal(second_record(&c, rec, err, sizeof err), -1);
		free(rec);
		if (!strstr(err, "16384x16384") || !strstr(err, "8192"))
			fail_msg("error does not name the geometry and the limit: %s", err);
		/* the player refuses it too, without a 1 GiB screen */
		rec_reader *r;
		assert_int_equal(rec_reader_open_mem(&r, c.p, c.len, err, sizeof err), 0);
		rec_player pl;
		if (rec_player_init(&pl, r) == 0) {
			rec_player_seek(&pl, T0 + 1);
			assert_true(pl.scr.width <= REC_MAX_DIM && pl.scr.height <= REC_MAX_DIM);
		}
		rec_player_free(&pl);
		rec_reader_close(r);
	}
}

static void a_keyframe_at_the_limit_is_read(void **state)
{
	(void)state;
	crafted c;
	start_file(&c, 64, 48);
	put_geometry(&c, REC_T_KEYFRAME, 8192, 8192);
	rec_record *rec = malloc(sizeof *rec);
	char err[512];
	assert_int_equal(second_record(&c, rec, err, sizeof err), 1);
	assert_int_equal(rec->type, REC_T_KEYFRAME);
	assert_int_equal(rec->u.geom.width, 8192);
	assert_int_equal(rec->u.geom.height, 8192);
	free(rec);
}

static void the_writer_refuses_a_screen_above_the_limit(void **state)
{
	(void)state;
	char dir[] = "/tmp/rmgate-rec-limits-XXXXXX", path[64], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/big.rec", dir);
	rec_session_info in = { .session_id = "S", .width = 8193, .height = 600 };
	rec_writer *w = NULL;
	assert_int_equal(rec_writer_open(&w, path, &in, err, sizeof err), -1);
	assert_null(w);
	assert_non_null(strstr(err, "8192"));
	assert_int_not_equal(access(path, F_OK), 0); /* nothing created */
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_limit_is_8192),
		cmocka_unit_test(a_header_above_the_limit_is_refused_with_a_clear_error),
		cmocka_unit_test(a_resize_or_keyframe_above_the_limit_is_refused),
		cmocka_unit_test(a_keyframe_at_the_limit_is_read),
		cmocka_unit_test(the_writer_refuses_a_screen_above_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
