/* Writer -> reader round trips on synthetic screens: what the player rebuilds at
 * any checkpoint equals, bit for bit (B,G,R), the framebuffer the writer saw;
 * input, pointer and policy records come back exactly; the digest the writer
 * returns is the one the reader recomputes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rec_reader.h"
#include "rec_screen.h"
#include "rec_synth.h"
#include "rec_writer.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define T0 1790000000000000000ull /* 2026-09-21, in ns */
#define SEC 1000000000ull

typedef struct fake_clock {
	_Atomic uint64_t now;
} fake_clock;

static uint64_t fake_now(void *ctx)
{
	return atomic_load(&((fake_clock *)ctx)->now);
}

typedef struct checkpoint {
	uint64_t ts;
	uint32_t w, h;
	uint32_t *px;
} checkpoint;

typedef struct fixture {
	char dir[64];
	char path[128];
	fake_clock clock;
	rec_writer *w;
	rec_synth syn;
	checkpoint cp[64];
	size_t ncp;
	uint8_t digest[32];
	rec_writer_stats st;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/rmgate-rec-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/sub/dir/s.rec", f->dir);
	atomic_init(&f->clock.now, T0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	for (size_t i = 0; i < f->ncp; i++)
		free(f->cp[i].px);
	rec_synth_free(&f->syn);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (!getenv("KEEP_RECORDINGS") && system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void open_writer(fixture *f, uint32_t w, uint32_t h, uint32_t keyframe_ms)
{
	rec_session_info in = {
		.session_id = "S-20260921-0001", .permit_id = 42, .vendor_id = 7, .system_id = 3,
		.account_id = 11, .width = w, .height = h, .keyboard_layout = 0xE0010411,
		.keyframe_interval_ms = keyframe_ms, .clock = fake_now, .clock_ctx = &f->clock,
	};
	char err[256];
	assert_int_equal(rec_writer_open(&f->w, f->path, &in, err, sizeof err), 0);
	assert_int_equal(rec_synth_init(&f->syn, w, h, 12345), 0);
}

static void tick(fixture *f, uint64_t ns)
{
	atomic_fetch_add(&f->clock.now, ns);
}

/* Sends the current synthetic screen and remembers it as a checkpoint. */
static void checkpoint_now(fixture *f)
{
	rec_synth_frame(&f->syn, f->w);
	rec_writer_drain(f->w); /* no coalescing across checkpoints */
	assert_true(f->ncp < 64);
	checkpoint *c = &f->cp[f->ncp++];
	c->ts = fake_now(&f->clock);
	c->w = f->syn.width;
	c->h = f->syn.height;
	c->px = malloc((size_t)c->w * c->h * 4);
	memcpy(c->px, f->syn.px, (size_t)c->w * c->h * 4);
	tick(f, 1000000); /* later frames are strictly after the checkpoint */
}

static void close_writer(fixture *f)
{
	tick(f, SEC);
	assert_int_equal(rec_writer_close(f->w, "vendor_disconnect", f->digest, &f->st), 0);
	f->w = NULL;
	assert_true(f->st.packets >= 2);
	assert_true(f->st.records >= 3);
}

static void assert_same_screen(const rec_screen *s, const checkpoint *c, size_t which)
{
	if (s->width != c->w || s->height != c->h)
		fail_msg("checkpoint %zu: geometry %ux%u, expected %ux%u", which, s->width, s->height,
		         c->w, c->h);
	for (size_t i = 0; i < (size_t)c->w * c->h; i++)
		if (((s->px[i] ^ c->px[i]) & 0xFFFFFFu) != 0)
			fail_msg("checkpoint %zu: pixel %zu,%zu differs (%08x vs %08x)", which, i % c->w,
			         i / c->w, s->px[i], c->px[i]);
}

/* Checks every checkpoint by random access (backwards) and by forward play. */
static void verify_checkpoints(fixture *f)
{
	char err[256];
	rec_reader *r;
	assert_int_equal(rec_reader_open(&r, f->path, err, sizeof err), 0);
	rec_summary sum;
	assert_int_equal(rec_reader_scan(r, &sum), 0);
	if (sum.integrity != REC_COMPLETE)
		fail_msg("integrity %s: %s", rec_integrity_name(sum.integrity), sum.problem);
	assert_memory_equal(sum.digest, f->digest, 32);
	assert_true(rec_reader_has_trailer(r));
	rec_player p;
	assert_int_equal(rec_player_init(&p, r), 0);
	for (size_t i = f->ncp; i-- > 0;) {
		assert_int_equal(rec_player_seek(&p, f->cp[i].ts), 0);
		assert_same_screen(&p.scr, &f->cp[i], i);
	}
	assert_int_equal(rec_player_seek(&p, 0), 0);
	for (size_t i = 0; i < f->ncp; i++) {
		assert_int_equal(rec_player_advance(&p, f->cp[i].ts, NULL, NULL), 0);
		assert_same_screen(&p.scr, &f->cp[i], i);
	}
	rec_player_free(&p);
	rec_reader_close(r);
}

static void text_terminal_round_trips(void **state)
{
	fixture *f = *state;
	open_writer(f, 1024, 768, 5000);
	const char *line = "ls -la /var/log && tail -n 50 syslog | grep -i error\n";
	for (int i = 0; i < 120; i++) {
		for (const char *c = line; *c; c++) {
			rec_synth_putc(&f->syn, *c);
			if ((c - line) % 7 == 0)
				rec_synth_frame(&f->syn, f->w);
			tick(f, 30000000);
		}
		if (i % 10 == 9)
			checkpoint_now(f);
	}
	close_writer(f);
	verify_checkpoints(f);
}

static void scrolling_round_trips(void **state)
{
	fixture *f = *state;
	open_writer(f, 800, 600, 3000);
	rec_synth_puts(&f->syn, "a long file\n");
	checkpoint_now(f);
	for (int i = 0; i < 200; i++) {
		rec_synth_scroll(&f->syn, 1 + (uint32_t)(i % 16));
		rec_synth_frame(&f->syn, f->w);
		rec_writer_drain(f->w); /* one update per scroll step */
		tick(f, 50000000);
		if (i % 20 == 19)
			checkpoint_now(f);
	}
	close_writer(f);
	verify_checkpoints(f);
	/* Scrolls are recorded as copies plus the new line, not as whole screens. */
	assert_true(f->st.copies >= 150);
	assert_true(f->st.tiles < 200 * 13 + 10 * 130);
}

static void noise_round_trips_across_packets(void **state)
{
	fixture *f = *state;
	open_writer(f, 1280, 800, 60000);
	for (int i = 0; i < 40; i++) {
		rec_synth_noise(&f->syn, 1280, 800); /* incompressible: many packets */
		rec_synth_frame(&f->syn, f->w);
		tick(f, 100000000);
		if (i % 8 == 7)
			checkpoint_now(f);
	}
	close_writer(f);
	verify_checkpoints(f);
}

static void resizes_round_trip(void **state)
{
	fixture *f = *state;
	open_writer(f, 800, 600, 60000);
	static const uint32_t sizes[][2] = { { 800, 600 }, { 1280, 720 }, { 641, 479 }, { 1920, 1080 } };
	for (int k = 0; k < 4; k++) {
		if (k > 0) {
			assert_int_equal(rec_synth_resize(&f->syn, sizes[k][0], sizes[k][1]), 0);
			if (k % 2)
				rec_writer_resize(f->w, sizes[k][0], sizes[k][1]); /* explicit, and implicit */
		}
		rec_synth_window(&f->syn, 10, 10, 300, 200);
		rec_synth_puts(&f->syn, "resized\n");
		checkpoint_now(f);
		tick(f, SEC);
		rec_synth_noise(&f->syn, 100, 100);
		checkpoint_now(f);
		tick(f, SEC);
	}
	close_writer(f);
	verify_checkpoints(f);
}

static void seeks_without_the_trailer(void **state)
{
	fixture *f = *state;
	open_writer(f, 640, 480, 2000);
	for (int i = 0; i < 60; i++) {
		rec_synth_puts(&f->syn, "echo $((i*i))\n");
		rec_synth_frame(&f->syn, f->w);
		tick(f, 400000000);
		if (i % 6 == 5)
			checkpoint_now(f);
	}
	close_writer(f);
	/* Cut the file just before its index trailer: a crash after the last frame. */
	char err[256];
	rec_reader *r;
	assert_int_equal(rec_reader_open(&r, f->path, err, sizeof err), 0);
	size_t n = rec_reader_index_count(r);
	assert_true(n >= 8);
	rec_reader_close(r);
	FILE *fp = fopen(f->path, "rb");
	fseek(fp, -16, SEEK_END);
	uint8_t tail[16];
	assert_int_equal(fread(tail, 1, 16, fp), 16);
	fclose(fp);
	uint64_t off = 0;
	for (int i = 7; i >= 0; i--)
		off = off << 8 | tail[i];
	assert_int_equal(truncate(f->path, (off_t)off), 0);
	assert_int_equal(rec_reader_open(&r, f->path, err, sizeof err), 0);
	assert_false(rec_reader_has_trailer(r));
	rec_player p;
	assert_int_equal(rec_player_init(&p, r), 0);
	for (size_t i = f->ncp; i-- > 0;) {
		assert_int_equal(rec_player_seek(&p, f->cp[i].ts), 0);
		assert_same_screen(&p.scr, &f->cp[i], i);
	}
	assert_int_equal(rec_reader_index_count(r), n); /* rebuilt: same keyframes */
	rec_player_free(&p);
	rec_summary s;
	assert_int_equal(rec_reader_scan(r, &s), 0);
	assert_int_equal(s.integrity, REC_UNFINISHED);
	assert_true(s.has_end);
	rec_reader_close(r);
}

static void input_and_events_come_back_exactly(void **state)
{
	fixture *f = *state;
	open_writer(f, 320, 200, 60000);
	rec_writer_key(f->w, 0x4000, 0x1E);
	tick(f, 1000);
	rec_writer_key(f->w, 0x8000, 0x1E);
	rec_writer_unicode(f->w, 0, 0x3042);
	rec_writer_mouse(f->w, 0x9000, 100, 50);
	rec_writer_event(f->w, "channel_denied", "cliprdr");
	uint8_t img[4 * 4 * 4];
	for (int i = 0; i < 64; i++)
		img[i] = (uint8_t)(i * 3);
	rec_writer_pointer_shape(f->w, img, 16, 4, 4, 1, 2);
	rec_writer_pointer_position(f->w, -3, 77);
	rec_writer_pointer_hidden(f->w);
	close_writer(f);

	char err[256];
	rec_reader *r;
	assert_int_equal(rec_reader_open(&r, f->path, err, sizeof err), 0);
	const rec_header *h = rec_reader_header(r);
	assert_string_equal(h->session_id, "S-20260921-0001");
	assert_int_equal(h->permit_id, 42);
	assert_int_equal(h->vendor_id, 7);
	assert_int_equal(h->system_id, 3);
	assert_int_equal(h->account_id, 11);
	assert_int_equal(h->keyboard_layout, 0xE0010411);
	assert_int_equal(h->start_ns, T0);
	assert_int_equal(h->width, 320);
	rec_record *rec = malloc(sizeof *rec);
	int seen = 0;
	while (rec_reader_next(r, rec) == 1) {
		switch (rec->type) {
		case REC_T_KEY:
			assert_int_equal(rec->u.key.code, 0x1E);
			assert_int_equal(rec->u.key.flags, seen == 0 ? 0x4000 : 0x8000);
			assert_int_equal(rec->ts, seen == 0 ? T0 : T0 + 1000);
			seen++;
			break;
		case REC_T_UNICODE:
			assert_int_equal(rec->u.key.code, 0x3042);
			seen += 10;
			break;
		case REC_T_MOUSE:
			assert_int_equal(rec->u.mouse.flags, 0x9000);
			assert_int_equal(rec->u.mouse.x, 100);
			assert_int_equal(rec->u.mouse.y, 50);
			seen += 100;
			break;
		case REC_T_EVENT:
			assert_string_equal(rec->text1, "channel_denied");
			assert_string_equal(rec->text2, "cliprdr");
			seen += 1000;
			break;
		case REC_T_POINTER_SHAPE:
			if (rec->u.shape.kind == REC_POINTER_IMAGE) {
				assert_int_equal(rec->u.shape.w, 4);
				assert_int_equal(rec->u.shape.hot_y, 2);
				assert_memory_equal(rec->u.shape.bgra, img, 64);
				seen += 10000;
			} else {
				assert_int_equal(rec->u.shape.kind, REC_POINTER_HIDDEN);
				seen += 100000;
			}
			break;
		case REC_T_POINTER_POS:
			assert_int_equal(rec->u.pos.x, -3);
			assert_int_equal(rec->u.pos.y, 77);
			seen += 1000000;
			break;
		case REC_T_END:
			assert_string_equal(rec->text1, "vendor_disconnect");
			seen += 10000000;
			break;
		default:
			break;
		}
	}
	assert_int_equal(seen, 11111112);
	free(rec);
	rec_reader_close(r);
}

static void files_are_private_and_never_overwritten(void **state)
{
	fixture *f = *state;
	open_writer(f, 64, 64, 0);
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char d[128];
	snprintf(d, sizeof d, "%s/sub", f->dir);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	rec_writer *w2;
	char err[256];
	rec_session_info in = { .session_id = "x", .width = 10, .height = 10 };
	assert_int_equal(rec_writer_open(&w2, f->path, &in, err, sizeof err), -1);
	assert_non_null(strstr(err, "File exists"));
	close_writer(f);
	assert_int_equal(rec_writer_open(&w2, "/proc/nope/x.rec", &in, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot"));
}

static void disk_full_is_reported_and_file_stays_readable(void **state)
{
	fixture *f = *state;
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 200000;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	open_writer(f, 800, 600, 60000);
	for (int i = 0; i < 100 && !rec_writer_failed(f->w); i++) {
		rec_synth_noise(&f->syn, 800, 600);
		rec_synth_frame(&f->syn, f->w);
		rec_writer_drain(f->w);
		tick(f, 2 * SEC); /* each update its own packet */
	}
	assert_true(rec_writer_failed(f->w));
	uint8_t digest[32];
	assert_int_equal(rec_writer_close(f->w, "recording_failed", digest, NULL), -1);
	f->w = NULL;
	setrlimit(RLIMIT_FSIZE, &old);
	/* Crash recovery's view: the readable part, its digest and end time. */
	char err[256];
	rec_summary s;
	assert_int_equal(rec_reader_check_file(f->path, &s, err, sizeof err), 0);
	assert_true(s.integrity == REC_TRUNCATED || s.integrity == REC_UNFINISHED);
	assert_true(s.tiles > 0);
	assert_true(s.end_ns > T0);
	static const uint8_t zero[32];
	assert_memory_not_equal(s.digest, zero, 32);
}

static void first_frame_takes_the_whole_screen(void **state)
{
	fixture *f = *state;
	open_writer(f, 200, 150, 60000);
	rec_synth_window(&f->syn, 0, 0, 200, 150); /* painted before the recorder saw anything */
	rec_rect small = { 10, 10, 5, 5 };
	rec_writer_frame(f->w, (const uint8_t *)f->syn.px, 200 * 4, 200, 150, &small, 1);
	rec_writer_drain(f->w);
	f->syn.dirty[0] = (rec_rect){ 0, 0, 1, 1 };
	f->syn.ndirty = 1;
	f->syn.full = 0;
	tick(f, SEC);
	checkpoint_now(f); /* reports one pixel: the recording must already be complete */
	close_writer(f);
	verify_checkpoints(f);
}

typedef struct painter {
	fixture *f;
	uint32_t *fb;
	int id;
} painter;

/* Paints its own quarter of a shared framebuffer and reports it, or sends input. */
static void *paint_thread(void *arg)
{
	painter *p = arg;
	const uint32_t W = 512, H = 256;
	for (int i = 0; i < 300; i++) {
		if (p->id >= 2) {
			rec_writer_key(p->f->w, 0x4000, (uint16_t)(p->id * 16 + i % 16));
			rec_writer_mouse(p->f->w, 0x0800, (uint16_t)i, (uint16_t)p->id);
			continue;
		}
		rec_rect r = { (int32_t)((uint32_t)(i % 4) * (W / 4)), (int32_t)((uint32_t)p->id * (H / 2)),
			       (int32_t)(W / 4), (int32_t)(H / 2) };
		for (int32_t y = r.y; y < r.y + r.h; y++)
			for (int32_t x = r.x; x < r.x + r.w; x++)
				p->fb[y * W + x] = 0xFF000000u | (uint32_t)(i * 2654435761u ^ (uint32_t)(x * y + p->id));
		rec_writer_frame(p->f->w, (const uint8_t *)p->fb, W * 4, W, H, &r, 1);
	}
	return NULL;
}

static void concurrent_producers_lose_nothing(void **state)
{
	fixture *f = *state;
	open_writer(f, 512, 256, 60000);
	uint32_t *fb = calloc(512 * 256, 4);
	pthread_t t[4];
	painter p[4];
	for (int i = 0; i < 4; i++) {
		p[i] = (painter){ f, fb, i };
		assert_int_equal(pthread_create(&t[i], NULL, paint_thread, &p[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	rec_writer_frame(f->w, (const uint8_t *)fb, 512 * 4, 512, 256, NULL, 0);
	rec_writer_drain(f->w);
	memcpy(f->syn.px, fb, 512 * 256 * 4); /* the checkpoint is the shared framebuffer */
	f->syn.width = 512;
	f->syn.height = 256;
	tick(f, SEC);
	checkpoint_now(f);
	free(fb);
	close_writer(f);
	verify_checkpoints(f);
	char err[256];
	rec_reader *r;
	assert_int_equal(rec_reader_open(&r, f->path, err, sizeof err), 0);
	rec_summary s;
	assert_int_equal(rec_reader_scan(r, &s), 0);
	assert_int_equal(s.keys, 600);
	assert_int_equal(s.mouse, 600);
	assert_int_equal(f->st.dropped, 0);
	rec_reader_close(r);
}

static void rdp_pointer_masks_are_stored_as_bgra(void **state)
{
	fixture *f = *state;
	open_writer(f, 64, 64, 0);
	/* 16x16, 1 bpp: the xor mask draws a black/white pattern, the and mask makes
	 * the left half transparent. Rows are padded to 2 bytes. */
	uint8_t xor_mask[32], and_mask[32];
	for (int i = 0; i < 32; i++) {
		xor_mask[i] = (uint8_t)(i % 2 ? 0x0F : 0xF0);
		and_mask[i] = (uint8_t)(i % 2 ? 0x00 : 0xFF);
	}
	assert_true(rec_writer_pointer_rdp(f->w, 1, xor_mask, 32, and_mask, 32, 16, 16, 3, 4));
	assert_false(rec_writer_pointer_rdp(f->w, 1, xor_mask, 2, and_mask, 2, 16, 16, 3, 4));
	close_writer(f);
	char err[256];
	rec_reader *r;
	assert_int_equal(rec_reader_open(&r, f->path, err, sizeof err), 0);
	rec_record *rec = malloc(sizeof *rec);
	int shapes = 0;
	while (rec_reader_next(r, rec) == 1) {
		if (rec->type != REC_T_POINTER_SHAPE)
			continue;
		shapes++;
		assert_int_equal(rec->u.shape.kind, REC_POINTER_IMAGE);
		assert_int_equal(rec->u.shape.w, 16);
		assert_int_equal(rec->u.shape.hot_x, 3);
		assert_int_equal(rec->u.shape.hot_y, 4);
		int opaque = 0, clear = 0;
		for (int i = 0; i < 256; i++) {
			uint8_t a = rec->u.shape.bgra[i * 4 + 3];
			opaque += a == 0xFF;
			clear += a == 0;
		}
		assert_true(opaque > 0 && clear > 0 && opaque + clear == 256);
	}
	assert_int_equal(shapes, 1);
	free(rec);
	rec_reader_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(text_terminal_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(scrolling_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(noise_round_trips_across_packets, setup, teardown),
		cmocka_unit_test_setup_teardown(resizes_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(seeks_without_the_trailer, setup, teardown),
		cmocka_unit_test_setup_teardown(input_and_events_come_back_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(files_are_private_and_never_overwritten, setup, teardown),
		cmocka_unit_test_setup_teardown(disk_full_is_reported_and_file_stays_readable, setup, teardown),
		cmocka_unit_test_setup_teardown(concurrent_producers_lose_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(first_frame_takes_the_whole_screen, setup, teardown),
		cmocka_unit_test_setup_teardown(rdp_pointer_masks_are_stored_as_bgra, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
