/* rec_tiles: the recorder's screen encoder (docs/recording-format.md, "Screen").
 *
 * It keeps two screens: `cur`, the latest snapshot of the framebuffer, and
 * `prev`, what a reader of the recording has on screen so far. An update
 * compares them tile by tile and emits TILE records (solid, XOR against prev
 * or raw) for the tiles that changed, after a COPY record when a large part of
 * the screen scrolled vertically; a keyframe (the first update, the first after
 * a resize, and every keyframe interval) emits the geometry, the pointer state
 * and every tile. Records go to the recording file through rec_out.
 *
 * Thread model
 * - A rec_tiles belongs to the recorder's writer thread (and to
 *   rec_writer_open/close outside that thread's lifetime).
 * - rec_tiles_take() reads the producers' pending screen: the caller holds the
 *   lock that guards it (rec_writer's w->lock).
 * - rec_fb is a plain screen with a dirty-tile map; each instance belongs to
 *   whoever holds it (the pending screen is rec_writer's, under its lock). */
#ifndef RMGATE_REC_TILES_H
#define RMGATE_REC_TILES_H

#include "rec_out.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A BGRA screen with a dirty-tile map. */
typedef struct rec_fb {
	uint32_t w, h;
	uint32_t tw, th; /* tiles across / down */
	uint32_t *px;    /* owned, w*h pixels, B,G,R,A bytes */
	uint8_t *dirty;  /* owned, tw*th flags */
} rec_fb;

/* (Re)allocates fb to w x h, black, all tiles dirty; false (fb empty) when out of memory. */
bool rec_fb_alloc(rec_fb *fb, uint32_t w, uint32_t h);
void rec_fb_free(rec_fb *fb);

typedef struct rec_tiles rec_tiles;

/* Both screens w x h; the first update is a keyframe. `out` is not owned and
 * must outlive the encoder. NULL when out of memory. */
rec_tiles *rec_tiles_new(rec_out *out, uint32_t w, uint32_t h, uint64_t keyframe_ns);
void rec_tiles_free(rec_tiles *t);

/* Moves the dirty tiles of `pend` into cur (pend's flags are cleared, cur's set);
 * cur takes pend's geometry. False (recording failed) when out of memory. */
bool rec_tiles_take(rec_tiles *t, rec_fb *pend);

/* Emits the RESIZE record (body: u16 width, u16 height) and resets prev to
 * that geometry; the next update is a keyframe. */
void rec_tiles_resize(rec_tiles *t, const uint8_t *body, uint32_t len, uint64_t ts);
/* Emit a pointer record and remember it for the keyframes. */
void rec_tiles_pointer_shape(rec_tiles *t, const uint8_t *body, uint32_t len, uint64_t ts);
void rec_tiles_pointer_pos(rec_tiles *t, const uint8_t body[8], uint64_t ts);

/* Writes the screen update (or keyframe) for cur at time ts. Does nothing while
 * cur and prev differ in geometry (a resize whose pixels have not come yet). */
void rec_tiles_update(rec_tiles *t, uint64_t ts);

/* What the encoder has written so far (rec_writer_stats has the same meaning). */
typedef struct rec_tiles_counters {
	uint64_t updates; /* screen updates written (keyframes included) */
	uint64_t keyframes;
	uint64_t tiles;  /* tile records */
	uint64_t copies; /* COPY records (detected scrolls) */
} rec_tiles_counters;

rec_tiles_counters rec_tiles_count(const rec_tiles *t);

#endif
