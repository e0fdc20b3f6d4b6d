/* bench_rec: the recorder's benchmark and synthetic-recording generator.
 *
 *   bench_rec make FILE [--expect PNG]   writes a scripted 4-minute session (JP layout,
 *                                        typed text, policy events, idle, resize) used
 *                                        by tests/e2e/test_replay_cli.sh; --expect writes
 *                                        the final screen (no pointer) as PNG
 *   bench_rec make-tiny FILE             a few-KB recording (fuzzing seed)
 *   bench_rec [run] [--minutes N] [--level L] [--keyframe S]   prints size per hour, writer CPU, idle cost,
 *                                        seek time and frame export speed
 * Runs on simulated time (the writer's clock hook), so an hour takes seconds. */
#include "rec_image.h"
#include "rec_reader.h"
#include "rec_screen.h"
#include "rec_synth.h"
#include "rec_writer.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000ull
#define T0 1790000000000000000ull

static _Atomic uint64_t now_ns;
static int opt_level;          /* --level: zstd level (0 = writer default) */
static uint32_t opt_keyframe;  /* --keyframe SECONDS (0 = writer default) */
static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return atomic_load(&now_ns);
}
static void tick(uint64_t ns)
{
	atomic_fetch_add(&now_ns, ns);
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static double wall_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int open_w(rec_writer **w, const char *path, uint32_t width, uint32_t height, uint32_t layout,
                  const char *sid)
{
	rec_session_info in = {
		.session_id = sid, .permit_id = 5, .vendor_id = 2, .system_id = 9, .account_id = 31,
		.width = width, .height = height, .keyboard_layout = layout, .clock = fake_clock,
		.zstd_level = opt_level, .keyframe_interval_ms = opt_keyframe * 1000,
	};
	char err[256];
	unlink(path);
	if (rec_writer_open(w, path, &in, err, sizeof err) != 0) {
		fprintf(stderr, "bench_rec: %s\n", err);
		return -1;
	}
	return 0;
}

/* ---------- make: the scripted e2e session ---------- */

/* JP 106/109 scancodes for the characters the script types. */
static int jp_scancode(char ch, uint16_t *code, int *shift)
{
	static const char *row_lower = "1234567890-^";
	static const char *letters = "qwertyuiopasdfghjklzxcvbnm";
	static const uint8_t letter_codes[] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
		                                0x19, 0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
		                                0x26, 0x2C, 0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x32 };
	*shift = 0;
	const char *p;
	if (ch >= 'a' && ch <= 'z' && (p = strchr(letters, ch))) {
		*code = letter_codes[p - letters];
		return 0;
	}
	if (ch >= 'A' && ch <= 'Z' && (p = strchr(letters, ch - 'A' + 'a'))) {
		*code = letter_codes[p - letters];
		*shift = 1;
		return 0;
	}
	if ((p = strchr(row_lower, ch)) && ch) {
		*code = (uint16_t)(0x02 + (p - row_lower));
		return 0;
	}
	switch (ch) {
	case ' ': *code = 0x39; return 0;
	case '\n': *code = 0x1C; return 0;
	case '"': *code = 0x03; *shift = 1; return 0; /* Shift+2 on JP */
	case '/': *code = 0x35; return 0;
	case '.': *code = 0x34; return 0;
	case '|': *code = 0x7D; *shift = 1; return 0; /* Shift+Yen */
	case ':': *code = 0x28; return 0;
	default: return -1;
	}
}

static void type_text(rec_writer *w, rec_synth *s, const char *text)
{
	for (; *text; text++) {
		uint16_t code;
		int shift;
		if (jp_scancode(*text, &code, &shift) != 0)
			continue;
		if (shift)
			rec_writer_key(w, 0x4000, 0x2A);
		rec_writer_key(w, 0x4000, code);
		rec_writer_key(w, 0x8000, code);
		if (shift)
			rec_writer_key(w, 0x8000, 0x2A);
		rec_synth_putc(s, *text);
		rec_synth_frame(s, w);
		tick(150000000);
	}
}

static int cmd_make(const char *path, const char *expect)
{
	atomic_store(&now_ns, T0);
	rec_writer *w;
	rec_synth s;
	if (open_w(&w, path, 1024, 768, 0xE0010411, "E2E-0001") != 0)
		return 1;
	rec_synth_init(&s, 1024, 768, 7);
	rec_writer_event(w, "channel_offered", "cliprdr");
	rec_writer_event(w, "channel_denied", "cliprdr");
	rec_writer_event(w, "channel_denied", "rdpdr");
	rec_writer_pointer_default(w);
	rec_synth_frame(&s, w);
	tick(2 * NS);
	type_text(w, &s, "ls -la /var/log\n");
	for (int i = 0; i < 30; i++)
		rec_synth_puts(&s, "-rw-r----- 1 syslog adm 120034 Nov 26 09:00 syslog.1\n");
	rec_synth_frame(&s, w);
	tick(NS);
	type_text(w, &s, "echo \"done\" | cat\n");
	rec_writer_unicode(w, 0, 0x3042); /* あ via Unicode input */
	rec_writer_unicode(w, 0x8000, 0x3042);
	tick(NS);
	rec_writer_key(w, 0x4000, 0x1D); /* Ctrl+C */
	rec_writer_key(w, 0x4000, 0x2E);
	rec_writer_key(w, 0x8000, 0x2E);
	rec_writer_key(w, 0x8000, 0x1D);
	rec_writer_mouse(w, 0x0800, 500, 400);
	rec_writer_pointer_position(w, 500, 400);
	rec_writer_mouse(w, 0x9000, 500, 400);
	rec_writer_mouse(w, 0x1000, 500, 400);
	tick(95 * NS); /* idle stretch */
	rec_writer_event(w, "idle_warning", "300");
	rec_synth_resize(&s, 1280, 800);
	rec_synth_window(&s, 100, 100, 600, 400);
	rec_synth_frame(&s, w);
	tick(NS);
	type_text(w, &s, "uptime\n");
	for (int i = 0; i < 40; i++) {
		rec_synth_scroll(&s, 16);
		rec_synth_frame(&s, w);
		tick(100000000);
	}
	tick(120 * NS);
	type_text(w, &s, "exit\n");
	rec_writer_drain(w);
	uint8_t dg[32];
	rec_writer_stats st;
	int rc = rec_writer_close(w, "vendor_disconnect", dg, &st);
	char hex[65];
	rec_digest_hex(dg, hex);
	printf("%s %llu\n", hex, (unsigned long long)st.bytes);
	if (expect) {
		char err[256];
		if (rec_png_write(expect, s.px, s.width, s.height, err, sizeof err) != 0) {
			fprintf(stderr, "bench_rec: %s\n", err);
			rc = -1;
		}
	}
	rec_synth_free(&s);
	return rc == 0 ? 0 : 1;
}

/* A small recording with every record type, as a seed for the fuzzer. */
static int cmd_make_tiny(const char *path)
{
	atomic_store(&now_ns, T0);
	rec_writer *w;
	rec_synth s;
	if (open_w(&w, path, 96, 64, 0x409, "T") != 0)
		return 1;
	rec_synth_init(&s, 96, 64, 3);
	uint8_t img[8 * 8 * 4];
	for (size_t i = 0; i < sizeof img; i++)
		img[i] = (uint8_t)(i * 7);
	rec_writer_pointer_shape(w, img, 32, 8, 8, 1, 1);
	rec_writer_event(w, "channel_denied", "cliprdr");
	for (int i = 0; i < 6; i++) {
		type_text(w, &s, "ab\n");
		rec_synth_noise(&s, 20, 10);
		rec_synth_frame(&s, w);
		rec_writer_mouse(w, 0x9000, 5, 6);
		rec_writer_unicode(w, 0, 0x3042);
		rec_writer_pointer_position(w, i, i);
		rec_writer_drain(w);
		tick(2 * NS);
	}
	rec_synth_resize(&s, 80, 40);
	rec_synth_window(&s, 0, 0, 40, 30);
	rec_synth_frame(&s, w);
	rec_writer_pointer_hidden(w);
	rec_writer_drain(w);
	tick(NS);
	int rc = rec_writer_close(w, "tiny", NULL, NULL);
	rec_synth_free(&s);
	return rc == 0 ? 0 : 1;
}

/* ---------- run: the benchmark ---------- */

static const char *cmds[] = {
	"ls -la /etc\n", "systemctl status rmgate\n", "tail -n 20 /var/log/syslog\n",
	"df -h\n", "ps aux | grep sshd\n", "cd /opt/app && ./check.sh\n",
};

/* One simulated admin hour (minutes as given): typing, listings, scrolling a long
 * file, a second window; w may be NULL to measure the workload alone. */
static void admin_workload(rec_synth *s, rec_writer *w, unsigned minutes)
{
	uint64_t end = atomic_load(&now_ns) + (uint64_t)minutes * 60 * NS;
	unsigned k = 0;
	while (atomic_load(&now_ns) < end) {
		const char *c = cmds[k % 6];
		for (; *c; c++) { /* typing: ~4 chars/s */
			rec_synth_putc(s, *c);
			if (w) {
				rec_writer_key(w, 0x4000, 0x1E);
				rec_writer_key(w, 0x8000, 0x1E);
				rec_synth_frame(s, w);
				rec_writer_drain(w); /* real time: the writer keeps up */
			} else
				s->ndirty = 0, s->full = 0;
			tick(250000000);
		}
		for (int l = 0; l < 15; l++) /* command output */
			rec_synth_puts(s, "drwxr-xr-x  2 root root  4096 Nov 26 09:00 something\n");
		if (w)
			rec_synth_frame(s, w);
		s->ndirty = 0, s->full = 0;
		tick(2 * NS);
		if (k % 10 == 9) { /* scroll a long file: 20 s at 5 pages of 1 line/s */
			for (int i = 0; i < 100; i++) {
				rec_synth_scroll(s, 16);
				if (w) {
					rec_synth_frame(s, w);
					rec_writer_drain(w);
				}
				s->ndirty = 0, s->full = 0;
				tick(200000000);
			}
		}
		if (k % 25 == 24) {
			rec_synth_window(s, 200, 150, 700, 450);
			if (w)
				rec_synth_frame(s, w);
			s->ndirty = 0, s->full = 0;
		}
		tick(8 * NS); /* reading the output */
		k++;
	}
}

static void bench_size(uint32_t width, uint32_t height, unsigned minutes, const char *path)
{
	rec_synth s;
	rec_synth_init(&s, width, height, 1);
	atomic_store(&now_ns, T0);
	double c0 = cpu_s();
	admin_workload(&s, NULL, minutes);
	double base = cpu_s() - c0;
	rec_synth_free(&s);

	rec_synth_init(&s, width, height, 1);
	atomic_store(&now_ns, T0);
	rec_writer *w;
	if (open_w(&w, path, width, height, 0x409, "BENCH") != 0)
		return;
	c0 = cpu_s();
	double w0 = wall_s();
	admin_workload(&s, w, minutes);
	rec_writer_stats st;
	rec_writer_close(w, "bench", NULL, &st);
	double with = cpu_s() - c0, wall = wall_s() - w0;
	rec_synth_free(&s);
	double hours = minutes / 60.0;
	printf("admin workload %ux%u, %u simulated minutes: %.2f MB/hour (%llu updates, %llu keyframes, "
	       "%llu tiles, %llu copies, %llu packets; raw records %.1f MB)\n",
	       width, height, minutes, st.bytes / 1e6 / hours, (unsigned long long)st.updates,
	       (unsigned long long)st.keyframes, (unsigned long long)st.tiles,
	       (unsigned long long)st.copies, (unsigned long long)st.packets, st.raw_bytes / 1e6);
	printf("  recorder CPU: %.2f s per simulated hour = %.2f%% of one core in real time "
	       "(workload alone %.2f s; wall %.1f s)\n",
	       (with - base) / hours, (with - base) / (hours * 3600) * 100, base, wall);
}

static void bench_idle(void)
{
	const char *path = "/tmp/bench_rec_idle.rec";
	rec_synth s;
	rec_synth_init(&s, 1920, 1080, 3);
	atomic_store(&now_ns, T0);
	rec_writer *w;
	if (open_w(&w, path, 1920, 1080, 0x409, "IDLE") != 0)
		return;
	rec_synth_window(&s, 100, 100, 1200, 700);
	rec_synth_frame(&s, w);
	rec_writer_drain(w);
	struct stat a, b;
	stat(path, &a);
	for (int i = 0; i < 600; i++) { /* 10 minutes: only a clock changes, once a second */
		s.col = s.cols - 8;
		s.row = 0;
		char t[16];
		snprintf(t, sizeof t, "%02d:%02d:%02d", 9, i / 60, i % 60);
		rec_synth_puts(&s, t);
		rec_synth_frame(&s, w);
		tick(NS);
	}
	rec_writer_close(w, "bench", NULL, NULL);
	stat(path, &b);
	printf("idle 1920x1080 with a clock: %.0f bytes/s; fully idle screen: 0 bytes/s (no records)\n",
	       (double)(b.st_size - a.st_size) / 600);
	rec_synth_free(&s);
	unlink(path);
}

static void bench_seek_export(const char *path)
{
	char err[256];
	rec_reader *r;
	if (rec_reader_open(&r, path, err, sizeof err) != 0) {
		fprintf(stderr, "bench_rec: %s\n", err);
		return;
	}
	rec_summary sum;
	rec_reader_scan(r, &sum);
	rec_player p;
	rec_player_init(&p, r);
	uint64_t span = sum.end_ns - sum.start_ns;
	double worst = 0, total = 0;
	unsigned n = 40, seed = 12345;
	for (unsigned i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		uint64_t t = sum.start_ns + (uint64_t)((double)(seed % 10000) / 10000 * (double)span);
		double t0 = wall_s();
		rec_player_seek(&p, t);
		double d = wall_s() - t0;
		total += d;
		worst = d > worst ? d : worst;
	}
	printf("seek on the %.0f-minute recording: mean %.1f ms, worst %.1f ms (%u random seeks, %zu keyframes)\n",
	       span / 60e9, total / n * 1e3, worst * 1e3, n, rec_reader_index_count(r));
	/* Frame export as `video` does it: 10 frames per recorded second, pointer
	 * composed (ffmpeg's encoding not included), over the first 10 minutes. */
	uint32_t *img = malloc((size_t)p.scr.width * p.scr.height * 4 * 2);
	uint64_t stop = sum.start_ns + 600 * NS < sum.end_ns ? sum.start_ns + 600 * NS : sum.end_ns;
	double t0 = wall_s();
	rec_player_seek(&p, sum.start_ns);
	uint64_t frames = 0;
	for (uint64_t t = sum.start_ns; t <= stop; t += NS / 10) {
		rec_player_advance(&p, t, NULL, NULL);
		rec_screen_compose(&p.scr, img);
		frames++;
	}
	double d = wall_s() - t0;
	printf("frame export at 10 fps (pointer composed, before encoding): %llu frames in %.2f s = %.0fx real time\n",
	       (unsigned long long)frames, d, (stop - sum.start_ns) / 1e9 / d);
	/* One PNG, as `frame --at` writes it (seek included). */
	t0 = wall_s();
	rec_player_seek(&p, sum.start_ns + (sum.end_ns - sum.start_ns) / 3);
	rec_screen_compose(&p.scr, img);
	rec_png_write("/tmp/bench_rec_frame.png", img, p.scr.width, p.scr.height, err, sizeof err);
	printf("frame --at equivalent (seek + PNG %ux%u): %.0f ms\n", p.scr.width, p.scr.height,
	       (wall_s() - t0) * 1e3);
	unlink("/tmp/bench_rec_frame.png");
	free(img);
	rec_player_free(&p);
	rec_reader_close(r);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "make-tiny"))
		return cmd_make_tiny(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "make"))
		return cmd_make(argv[2], argc >= 5 && !strcmp(argv[3], "--expect") ? argv[4] : NULL);
	unsigned minutes = 60;
	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--minutes"))
			minutes = (unsigned)atoi(argv[i + 1]);
		if (!strcmp(argv[i], "--level"))
			opt_level = atoi(argv[i + 1]);
		if (!strcmp(argv[i], "--keyframe"))
			opt_keyframe = (uint32_t)atoi(argv[i + 1]);
	}
	if (minutes == 0)
		minutes = 60;
	const char *p1 = "/tmp/bench_rec_1280.rec", *p2 = "/tmp/bench_rec_1920.rec";
	bench_size(1280, 800, minutes, p1);
	bench_size(1920, 1080, minutes, p2);
	bench_idle();
	bench_seek_export(p2);
	if (!getenv("BENCH_KEEP")) {
		unlink(p1);
		unlink(p2);
	}
	return 0;
}
