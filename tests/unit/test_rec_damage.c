/* Damaged recordings: a file cut at any offset reads up to its last complete
 * packet and says so; any flipped bit is noticed (never reported complete);
 * garbage is refused with a message. Never a crash (this runs under ASan). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rec_reader.h"
#include "rec_screen.h"
#include "rec_synth.h"
#include "rec_writer.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 1790000000000000000ull

static _Atomic uint64_t now;
static uint64_t clk(void *c)
{
	(void)c;
	return atomic_load(&now);
}

typedef struct rec_ref {
	uint16_t type;
	uint64_t ts;
} rec_ref;

static uint8_t *file;
static size_t file_len;
static rec_ref *refs;
static size_t nrefs;

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Reads all records of a buffer; returns the count, -1 if it would not open. */
static long read_all(const uint8_t *p, size_t n, rec_summary *sum, bool check_prefix)
{
	rec_reader *r;
	char err[256];
	if (rec_reader_open_mem(&r, p, n, err, sizeof err) != 0) {
		assert_true(strlen(err) > 10);
		return -1;
	}
	rec_record *rec = malloc(sizeof *rec);
	long k = 0;
	while (rec_reader_next(r, rec) == 1) {
		if (check_prefix) {
			assert_true((size_t)k < nrefs);
			assert_int_equal(rec->type, refs[k].type);
			assert_int_equal(rec->ts, refs[k].ts);
		}
		k++;
	}
	free(rec);
	assert_int_equal(rec_reader_scan(r, sum), 0);
	rec_player pl;
	if (rec_player_init(&pl, r) == 0) { /* the player survives whatever is readable */
		rec_player_seek(&pl, sum->end_ns);
		rec_player_seek(&pl, (sum->start_ns + sum->end_ns) / 2);
	}
	rec_player_free(&pl);
	rec_reader_close(r);
	return k;
}

static int make_recording(void **state)
{
	(void)state;
	char path[] = "/tmp/rmgate-damage-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	atomic_store(&now, T0);
	rec_session_info in = { .session_id = "D-1", .width = 300, .height = 200,
		                .keyframe_interval_ms = 3000, .clock = clk };
	rec_writer *w;
	char err[256];
	assert_int_equal(rec_writer_open(&w, path, &in, err, sizeof err), 0);
	rec_synth s;
	rec_synth_init(&s, 300, 200, 5);
	for (int i = 0; i < 120; i++) {
		if (i % 3 == 0)
			rec_synth_noise(&s, 60, 40);
		else
			rec_synth_puts(&s, "cat /etc/hosts\n");
		rec_synth_frame(&s, w);
		rec_writer_key(w, 0x4000, (uint16_t)(0x10 + i % 10));
		rec_writer_event(w, "tick", "x");
		rec_writer_drain(w);
		atomic_fetch_add(&now, 300000000ull);
	}
	assert_int_equal(rec_writer_close(w, "end", NULL, NULL), 0);
	rec_synth_free(&s);
	FILE *f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	file_len = (size_t)ftell(f);
	rewind(f);
	file = malloc(file_len);
	assert_int_equal(fread(file, 1, file_len, f), file_len);
	fclose(f);
	unlink(path);
	/* The reference record list. */
	rec_reader *r;
	assert_int_equal(rec_reader_open_mem(&r, file, file_len, err, sizeof err), 0);
	rec_record *rec = malloc(sizeof *rec);
	refs = malloc(sizeof *refs * 20000);
	while (rec_reader_next(r, rec) == 1 && nrefs < 20000)
		refs[nrefs++] = (rec_ref){ rec->type, rec->ts };
	free(rec);
	rec_summary sum;
	assert_int_equal(rec_reader_scan(r, &sum), 0);
	assert_int_equal(sum.integrity, REC_COMPLETE);
	assert_true(sum.packets > 30);
	rec_reader_close(r);
	return 0;
}

static int free_recording(void **state)
{
	(void)state;
	free(file);
	free(refs);
	return 0;
}

static void cut_files_read_up_to_the_cut(void **state)
{
	(void)state;
	long last = 0;
	for (int i = 0; i < 400; i++) {
		size_t cut = i < 200 ? (size_t)(rnd() % file_len) : file_len * (size_t)(i - 200) / 200;
		rec_summary sum;
		long k = read_all(file, cut, &sum, true);
		if (k < 0)
			continue; /* cut inside the header packet: refused, with a message */
		assert_true(sum.integrity == REC_TRUNCATED || sum.integrity == REC_UNFINISHED);
		assert_true(k <= (long)nrefs);
		if (i >= 200) { /* increasing cuts read non-decreasing prefixes */
			assert_true(k >= last);
			last = k;
		}
	}
	rec_summary sum;
	assert_int_equal(read_all(file, file_len, &sum, true), (long)nrefs);
	assert_int_equal(sum.integrity, REC_COMPLETE);
}

static void every_flipped_bit_is_noticed(void **state)
{
	(void)state;
	uint8_t *copy = malloc(file_len);
	for (int i = 0; i < 600; i++) {
		/* the first 300 flips sweep the first packets densely, then anywhere */
		size_t off = i < 300 ? (size_t)i * 3 % 900 : (size_t)(rnd() % file_len);
		memcpy(copy, file, file_len);
		copy[off] ^= (uint8_t)(1u << (rnd() % 8));
		rec_summary sum;
		long k = read_all(copy, file_len, &sum, false);
		if (k < 0)
			continue;
		if (sum.integrity == REC_COMPLETE)
			fail_msg("flip at offset %zu not noticed", off);
	}
	free(copy);
}

static void garbage_is_refused(void **state)
{
	(void)state;
	uint8_t buf[4096];
	for (int i = 0; i < 200; i++) {
		size_t n = (size_t)(rnd() % sizeof buf);
		for (size_t j = 0; j < n; j++)
			buf[j] = (uint8_t)rnd();
		if (i % 2 && n >= 24) /* a valid pcap header, garbage after it */
			memcpy(buf, file, 24);
		rec_summary sum;
		assert_int_equal(read_all(buf, n, &sum, false), -1);
	}
	rec_reader *r;
	char err[256];
	assert_int_equal(rec_reader_open(&r, "/etc/hostname", err, sizeof err), -1);
	assert_non_null(strstr(err, "not an rmgate recording"));
	assert_int_equal(rec_reader_open(&r, "/nonexistent.rec", err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot open"));
	assert_int_equal(rec_reader_open(&r, "/tmp", err, sizeof err), -1);
}

static void records_after_the_first_bad_packet_are_not_returned(void **state)
{
	(void)state;
	uint8_t *copy = malloc(file_len);
	memcpy(copy, file, file_len);
	copy[file_len / 2] ^= 0x40;
	rec_reader *r;
	char err[256];
	assert_int_equal(rec_reader_open_mem(&r, copy, file_len, err, sizeof err), 0);
	rec_record *rec = malloc(sizeof *rec);
	long k = 0;
	int rc;
	while ((rc = rec_reader_next(r, rec)) == 1)
		k++;
	assert_int_equal(rc, -1);
	assert_true(k > 0 && k < (long)nrefs);
	assert_true(strlen(rec_reader_error(r)) > 10);
	assert_int_equal(rec_reader_next(r, rec), -1); /* stays failed */
	free(rec);
	rec_reader_close(r);
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cut_files_read_up_to_the_cut),
		cmocka_unit_test(every_flipped_bit_is_noticed),
		cmocka_unit_test(garbage_is_refused),
		cmocka_unit_test(records_after_the_first_bad_packet_are_not_returned),
	};
	return cmocka_run_group_tests(tests, make_recording, free_recording);
}
