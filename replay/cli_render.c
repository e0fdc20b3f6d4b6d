/* cli_render.c: the composed screen at a time (a player plus its image) and PNG output,
 * for frame, sheet and video. */
#include "replay_cli.h"
#include "i18n.h"
#include "rec_image.h"

#include <stdlib.h>
#include <string.h>

int replay_render_open(replay_ctx *c, replay_render *rd)
{
	memset(rd, 0, sizeof *rd);
	if (rec_player_init(&rd->p, c->r) != 0)
		return replay_die(1, "%s: %s", c->o.file, rd->p.err);
	return 0;
}

void replay_render_free(replay_render *rd)
{
	rec_player_free(&rd->p);
	free(rd->img);
}

/* Plays forward to t (or seeks there when `seek`) and composes the image. */
int replay_render_at(const replay_ctx *c, replay_render *rd, uint64_t t, bool seek)
{
	int rc = seek ? rec_player_seek(&rd->p, t) : rec_player_advance(&rd->p, t, NULL, NULL);
	if (rc != 0)
		return replay_die(1, "%s: %s", c->o.file, rd->p.err);
	size_t need = (size_t)rd->p.scr.width * rd->p.scr.height * 4;
	if (need > rd->cap) {
		free(rd->img);
		rd->img = malloc(need);
		rd->cap = rd->img ? need : 0;
		if (!rd->img)
			return replay_die(1, _("out of memory for a %ux%u screen"), rd->p.scr.width, rd->p.scr.height);
	}
	if (c->o.no_pointer)
		memcpy(rd->img, rd->p.scr.px, need);
	else
		rec_screen_compose(&rd->p.scr, rd->img);
	return 0;
}

int replay_png_out(const char *path, const uint32_t *img, uint32_t w, uint32_t h)
{
	char err[600];
	return rec_png_write(path, img, w, h, err, sizeof err) != 0 ? replay_die(1, "%s", err) : 0;
}
