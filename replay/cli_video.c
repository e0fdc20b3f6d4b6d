/* cli_video.c: rmgate-replay video: the session as frames piped to ffmpeg. */
#include "replay_cli.h"
#include "i18n.h"
#include "rec_image.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t start_ffmpeg(const replay_ctx *c, uint32_t w, uint32_t h, int *fd)
{
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		char size[32], fps[16];
		snprintf(size, sizeof size, "%ux%u", w, h);
		snprintf(fps, sizeof fps, "%u", c->o.fps);
		dup2(pfd[0], 0);
		close(pfd[0]);
		close(pfd[1]);
		execlp("ffmpeg", "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f",
		       "rawvideo", "-pix_fmt", "bgra", "-s", size, "-r", fps, "-i", "pipe:0", "-vf",
		       "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", "-c:v", "libx264",
		       "-preset", "ultrafast", "-crf", "23", "-movflags", "+faststart", c->o.out,
		       (char *)NULL);
		fprintf(stderr, _("%s: cannot run ffmpeg: %s (install the ffmpeg package)\n"), REPLAY_PROG,
		        strerror(errno));
		_exit(127);
	}
	close(pfd[0]);
	*fd = pfd[1];
	return pid;
}

static bool write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		b += k;
		n -= (size_t)k;
	}
	return true;
}

static void progress(uint64_t done, uint64_t total)
{
	done = done < total ? done : total;
	int pct = total ? (int)(done * 100 / total) : 100, fill = pct * 40 / 100;
	char d[32], t[32];
	replay_fmt_dur(done, d, sizeof d);
	replay_fmt_dur(total, t, sizeof t);
	fprintf(stderr, "\r[%.*s%.*s] %3d%% %s / %s", fill, "########################################",
	        40 - fill, "........................................", pct, d, t);
}

/* Copies the screen into the fixed video canvas (crop or pad on resizes). */
static void canvas_put(const uint32_t *src, uint32_t sw, uint32_t sh, uint32_t *dst, uint32_t w,
                       uint32_t h)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			dst[(size_t)y * w + x] = (x < sw && y < sh) ? src[(size_t)y * sw + x] : 0xFF000000u;
}

/* Renders frames into ffmpeg's pipe; returns 0 or 1 (message printed). */
static int video_frames(replay_ctx *c, replay_render *rd, int fd, uint64_t *frames)
{
	uint64_t start = c->h->start_ns, end = c->sum.end_ns > start ? c->sum.end_ns : start;
	uint64_t step = (uint64_t)(c->o.speed * 1e9 / c->o.fps);
	step = step ? step : 1;
	uint32_t w = rd->p.scr.width, h = rd->p.scr.height;
	uint32_t *canvas = malloc((size_t)w * h * 4);
	if (!canvas)
		return replay_die(1, _("out of memory"));
	bool tty = isatty(2);
	int rc = 0;
	for (uint64_t t = start; t <= end + step && rc == 0; t += step) {
		if ((rc = replay_render_at(c, rd, t, false)) != 0)
			break;
		canvas_put(rd->img, rd->p.scr.width, rd->p.scr.height, canvas, w, h);
		if (!write_all(fd, canvas, (size_t)w * h * 4)) {
			rc = replay_die(1, _("ffmpeg stopped reading (see its message above)"));
			break;
		}
		++*frames;
		if (tty && *frames % 10 == 0)
			progress(t - start, end - start);
		/* --skip-idle: jump over stretches where nothing is recorded. */
		if (c->o.skip_idle && rd->p.held && rd->p.rec->ts > t + 2 * REPLAY_NS_PER_S)
			t = rd->p.rec->ts - REPLAY_NS_PER_S - step;
		if (rd->p.done && t >= end)
			break;
	}
	if (tty)
		progress(end - start, end - start), fputc('\n', stderr);
	free(canvas);
	return rc;
}

int replay_video(replay_ctx *c)
{
	if (!c->o.out)
		return replay_die(2, _("video needs -o FILE.mp4"));
	if (c->o.fps > 60)
		return replay_die(2, _("--fps must be 1..60"));
	if (replay_open(c, false) != 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	/* Make the output 0600 first: ffmpeg keeps the mode of a file it
	 * truncates, and open()'s mode applies only when it creates the file. */
	int ofd = open(c->o.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (ofd < 0)
		return replay_die(1, _("cannot create %s: %s"), c->o.out, strerror(errno));
	if (fchmod(ofd, 0600) != 0) {
		int e = errno;
		close(ofd);
		return replay_die(1, _("cannot make %s private (mode 0600): %s"), c->o.out, strerror(e));
	}
	close(ofd);
	replay_render rd;
	if (replay_render_open(c, &rd) != 0)
		return 1;
	int fd = -1;
	pid_t pid = start_ffmpeg(c, rd.p.scr.width, rd.p.scr.height, &fd);
	if (pid < 0) {
		replay_render_free(&rd);
		return replay_die(1, _("cannot start ffmpeg: %s"), strerror(errno));
	}
	uint64_t frames = 0;
	int rc = video_frames(c, &rd, fd, &frames);
	close(fd);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		rc = replay_die(1, _("ffmpeg failed to write %s (exit status %d)"), c->o.out,
		         WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if (rc == 0)
		fprintf(stderr, _("%s: wrote %s: %llu frames at %u fps, speed %gx\n"), REPLAY_PROG, c->o.out,
		        (unsigned long long)frames, c->o.fps, c->o.speed);
	replay_render_free(&rd);
	return rc;
}
