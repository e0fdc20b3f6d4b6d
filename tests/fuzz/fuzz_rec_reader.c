/* libFuzzer target for the recording reader: open, full scan (chain, records),
 * player seeks and key decoding. Built by tests/fuzz/run.sh.
 * Mode: an input that starts with the pcap magic is a recording file; any other
 * input after its first byte is the content of one frame of records, wrapped into
 * a valid file (header packet, zstd, correct hash chain) so that the record
 * parser and the screen model are fuzzed behind the integrity checks. */
#include "rec_buf.h"
#include "rec_keys.h"
#include "rec_reader.h"
#include "rec_screen.h"

#include <openssl/sha.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

/* Screens above this many pixels are valid but only slow the fuzzer down. */
#define FUZZ_MAX_PIXELS (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns false when a record asks for a screen above FUZZ_MAX_PIXELS. */
static bool walk_keys(rec_reader *r)
{
	bool small = true;
	rec_record *rec = malloc(sizeof *rec);
	if (!rec)
		return false;
	rec_keys_state k;
	rec_keys_init(&k, rec_layout_from_id(rec_reader_header(r)->keyboard_layout));
	char out[64];
	rec_reader_rewind(r);
	while (rec_reader_next(r, rec) == 1) {
		if (rec->type == REC_T_KEY)
			rec_keys_scancode(&k, rec->u.key.flags, rec->u.key.code, out, sizeof out);
		else if (rec->type == REC_T_UNICODE)
			rec_keys_unicode(&k, rec->u.key.flags, rec->u.key.code, out, sizeof out);
		else if (rec->type == REC_T_KEYFRAME || rec->type == REC_T_RESIZE)
			small = small && (uint64_t)rec->u.geom.width * rec->u.geom.height <= FUZZ_MAX_PIXELS;
	}
	free(rec);
	return small;
}

typedef struct wrap {
	uint8_t *p;
	size_t len;
	uint8_t chain[32];
	uint32_t seq;
} wrap;

/* Appends one packet (pcap record + packet header + zstd frame of raw). */
static void put_packet(wrap *w, const uint8_t *raw, size_t raw_len, uint32_t nrec, uint8_t flags)
{
	size_t bound = ZSTD_compressBound(raw_len);
	uint8_t *pk = malloc(REC_PKT_HDR_LEN + bound);
	size_t clen = ZSTD_compress(pk + REC_PKT_HDR_LEN, bound, raw, raw_len, 1);
	memcpy(pk, REC_PKT_MAGIC, 4);
	rec_put_u16(pk + 4, REC_FORMAT_VERSION);
	pk[6] = REC_PKT_DATA;
	pk[7] = flags;
	rec_put_u32(pk + 8, w->seq++);
	rec_put_u32(pk + 12, nrec);
	rec_put_u32(pk + 16, (uint32_t)raw_len);
	rec_put_u32(pk + 20, (uint32_t)clen);
	uint64_t ts = 1790000000000000000ull;
	rec_put_u64(pk + 24, ts);
	uint8_t in[32 + REC_PKT_DIGEST_OFF];
	memcpy(in, w->chain, 32);
	memcpy(in + 32, pk, REC_PKT_DIGEST_OFF);
	size_t n = REC_PKT_HDR_LEN + clen;
	uint8_t *all = malloc(sizeof in + clen);
	memcpy(all, in, sizeof in);
	memcpy(all + sizeof in, pk + REC_PKT_HDR_LEN, clen);
	SHA256(all, sizeof in + clen, w->chain);
	free(all);
	memcpy(pk + REC_PKT_DIGEST_OFF, w->chain, 32);
	uint8_t ph[16];
	rec_put_u32(ph, (uint32_t)(ts / 1000000000ull));
	rec_put_u32(ph + 4, (uint32_t)(ts % 1000000000ull));
	rec_put_u32(ph + 8, (uint32_t)n);
	rec_put_u32(ph + 12, (uint32_t)n);
	memcpy(w->p + w->len, ph, 16);
	memcpy(w->p + w->len + 16, pk, n);
	w->len += 16 + n;
	free(pk);
}

/* A file whose packet 1 holds `recs` verbatim (nrecords counted by walking the lengths). */
static uint8_t *wrap_records(const uint8_t *recs, size_t n, size_t *out_len)
{
	wrap w = { .len = 0 };
	w.p = malloc(24 + 2 * (16 + REC_PKT_HDR_LEN + 600) + ZSTD_compressBound(n));
	static const uint8_t pcap_hdr[24] = { 0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		                              0, 0, 4, 0, REC_LINKTYPE, 0, 0, 0 };
	memcpy(w.p, pcap_hdr, 24);
	w.len = 24;
	uint8_t hdr[128];
	size_t hl = 14;
	uint8_t *b = hdr + 14;
	rec_put_u16(b, 1);
	rec_put_u16(b + 2, 64);
	rec_put_u16(b + 4, 48);
	rec_put_u32(b + 6, REC_PIXEL_BGR24);
	rec_put_u16(b + 10, REC_TILE);
	rec_put_u32(b + 12, 0xE0010411);
	memset(b + 16, 0, 40); /* ids, start time */
	rec_put_u16(b + 56, 1);
	b[58] = 'F';
	rec_put_u16(b + 59, 0);
	hl += 61;
	rec_put_u16(hdr, REC_T_HEADER);
	rec_put_u32(hdr + 2, (uint32_t)hl);
	rec_put_u64(hdr + 6, 1790000000000000000ull);
	put_packet(&w, hdr, hl, 1, 0);
	uint32_t nrec = 0;
	for (size_t pos = 0; pos + 6 <= n;) {
		uint32_t l = rec_get_u32(recs + pos + 2);
		nrec++;
		if (l < REC_REC_HDR_LEN)
			break;
		pos += l;
	}
	if (n && n <= REC_MAX_RAW)
		put_packet(&w, recs, n, nrec ? nrec : 1, REC_PKT_FLAG_KEYFRAME);
	*out_len = w.len;
	return w.p;
}

static void run(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t magic[4] = { 0x4d, 0x3c, 0xb2, 0xa1 };
	if (size && (size < 4 || memcmp(data, magic, 4) != 0)) {
		size_t n;
		uint8_t *file = wrap_records(data + 1, size - 1, &n);
		run(file, n);
		free(file);
	} else {
		run(data, size);
	}
	return 0;
}

static void run(const uint8_t *data, size_t size)
{
	rec_reader *r;
	char err[512];
	if (rec_reader_open_mem(&r, data, size, err, sizeof err) != 0)
		return;
	rec_summary s;
	rec_reader_scan(r, &s);
#ifdef FUZZ_DEBUG
	fprintf(stderr, "opened: %s %s, %llu records\n", rec_integrity_name(s.integrity), s.problem,
	        (unsigned long long)s.records);
#endif
	bool small = walk_keys(r);
	const rec_header *h = rec_reader_header(r);
	if (small && (uint64_t)h->width * h->height <= FUZZ_MAX_PIXELS) {
		rec_player p;
		if (rec_player_init(&p, r) == 0) {
			rec_player_seek(&p, s.end_ns);
			rec_player_seek(&p, s.start_ns + (s.end_ns - s.start_ns) / 2);
			if (p.scr.px) {
				uint32_t *img = malloc((size_t)p.scr.width * p.scr.height * 4);
				if (img)
					rec_screen_compose(&p.scr, img);
				free(img);
			}
		}
		rec_player_free(&p);
	}
	rec_reader_close(r);
}
