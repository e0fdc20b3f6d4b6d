/* replay_cli.h: the pieces that rmgate-replay's command files (cli_*.c) share.
 *
 * rmgate-replay.c parses the command line (getopt_long) into a replay_opts and calls one
 * command; each command (cli_info.c, cli_events.c, cli_keys.c, cli_frame.c, cli_video.c)
 * uses the helpers below (cli_util.c, cli_render.c) and never calls back into the
 * dispatcher. Single-threaded (the program's main thread).
 *
 * Exit codes: 0 done, 1 the recording is unusable or a check failed, 2 usage error.
 * Output: every line that quotes the recording's texts or file names goes through
 * replay_say/replay_die, which escape it for the terminal (text_escape.h).
 * Times: shown in the zone that main sets in TZ (--tz, default Asia/Tokyo).
 * Language: the words a person reads are translated (i18n.h, LANG=ja_JP.UTF-8 gives
 * Japanese); what a script reads stays English in every locale: --json output, event and
 * integrity names, the OK/FAIL of verify, and the recording's own texts (event details,
 * end reasons, the reader's description of a damaged packet). Aligned text pads by display
 * width (replay_pad).
 */
#ifndef RMGATE_REPLAY_REPLAY_CLI_H
#define RMGATE_REPLAY_REPLAY_CLI_H

#include "rec_reader.h"
#include "rec_screen.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Recording times are nanoseconds since the epoch, UTC. */
#define REPLAY_NS_PER_S 1000000000ull
#define REPLAY_PROG "rmgate-replay"

/* The command line, as parsed by main (defaults in rmgate-replay.c). Strings point into argv. */
typedef struct replay_opts {
	const char *cmd, *file, *out, *at, *every, *digest, *tz, *layout;
	bool json, skip_idle, no_pointer;
	double speed;
	unsigned fps, cols, thumb, idle_s;
} replay_opts;

/* One run: the options and the open recording (r, sum and h are set by replay_open;
 * main closes r). */
typedef struct replay_ctx {
	replay_opts o;
	rec_reader *r;
	rec_summary sum;
	const rec_header *h;
} replay_ctx;

/* ---- commands: each returns the exit code ---- */
int replay_info(replay_ctx *c);
int replay_verify(replay_ctx *c);
int replay_events(replay_ctx *c);
int replay_keys(replay_ctx *c);
int replay_frame(replay_ctx *c);
int replay_sheet(replay_ctx *c);
int replay_video(replay_ctx *c);

/* ---- output (cli_util.c) ---- */
/* One line on f, escaped for the terminal, newline added. */
void replay_say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "rmgate-replay: <line>" on stderr; returns code. */
int replay_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- times in the display zone (cli_util.c) ---- */
void replay_fmt_time(uint64_t ns, char *out, size_t n);  /* YYYY-MM-DD HH:MM:SS.mmm ZONE */
void replay_fmt_iso(uint64_t ns, char *out, size_t n);   /* ISO 8601 with offset */
void replay_fmt_clock(uint64_t ns, char *out, size_t n); /* HH:MM:SS */
void replay_fmt_dur(uint64_t ns, char *out, size_t n);   /* HH:MM:SS of a duration */
/* A duration: 30, 30s, 2m, 1h; -1 on error. */
int replay_parse_duration(const char *s, uint64_t *ns);
/* TIME: seconds, [HH:]MM:SS[.fff] from the start, YYYY-MM-DD[ T]HH:MM:SS in the display
 * zone, 'start' or 'end'; needs the recording open. -1 on error. */
int replay_parse_at(const replay_ctx *c, const char *s, uint64_t *ns);

/* ---- the recording (cli_util.c) ---- */
/* Opens and scans c->o.file. Returns 0 (warnings printed for incomplete files unless
 * quiet_problems), 1 when the file cannot be used (message printed). */
int replay_open(replay_ctx *c, bool quiet_problems);
/* "us (0x00000409)" and a note when the layout is not a known one. */
const char *replay_layout_desc(uint32_t id, char *buf, size_t n);
/* text followed by spaces up to `columns` terminal columns (display width, text_width.h: a
 * Japanese label takes two columns a character), into buf; returns buf. */
const char *replay_pad(const char *text, int columns, char *buf, size_t n);

/* ---- the screen at a time (cli_render.c) ---- */
/* A player plus the composed image of its current screen. */
typedef struct replay_render {
	rec_player p;
	uint32_t *img; /* p.scr.width * p.scr.height pixels, pointer drawn unless --no-pointer */
	size_t cap;
} replay_render;

int replay_render_open(replay_ctx *c, replay_render *rd);
void replay_render_free(replay_render *rd);
/* Plays forward to t (or seeks there when `seek`) and composes the image. */
int replay_render_at(const replay_ctx *c, replay_render *rd, uint64_t t, bool seek);
/* Writes img as a PNG; 0, or 1 with the error printed. */
int replay_png_out(const char *path, const uint32_t *img, uint32_t w, uint32_t h);

#endif
