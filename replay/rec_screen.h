/* rec_screen: rebuilds the recorded screen from records (the player's model).
 *
 * rec_screen holds the screen (BGRA, alpha 0xFF) and the pointer; applying
 * records in file order reproduces, bit for bit, the pixels the writer saw
 * (B,G,R; the writer drops alpha). rec_player couples a rec_screen with a
 * rec_reader for random access (seek through keyframes) and forward playback.
 * Both belong to one thread. Errors: -1 with a one-line message in err. */
#ifndef RMGATE_REC_SCREEN_H
#define RMGATE_REC_SCREEN_H

#include "rec_reader.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct rec_screen {
	uint32_t width, height;
	uint32_t *px; /* owned, width*height pixels, bytes B,G,R,A */
	int32_t ptr_x, ptr_y;
	uint8_t ptr_kind; /* enum rec_pointer_kind */
	uint32_t ptr_w, ptr_h, ptr_hot_x, ptr_hot_y;
	uint8_t *ptr_img; /* owned, ptr_w*ptr_h*4 BGRA */
	uint64_t changes; /* counts pixel changes (tiles, copies, resizes) */
} rec_screen;

/* Black screen of w x h, default pointer at 0,0. */
int rec_screen_init(rec_screen *s, uint32_t w, uint32_t h);
void rec_screen_free(rec_screen *s);
/* Applies HEADER, KEYFRAME, RESIZE, TILE, COPY and POINTER_* records; other
 * types are ignored. Returns 0, or -1 when the record does not fit the screen. */
int rec_screen_apply(rec_screen *s, const rec_record *rec, char *err, size_t errlen);
/* Writes the screen with the pointer drawn on it into out (width*height pixels). */
void rec_screen_compose(const rec_screen *s, uint32_t *out);

typedef struct rec_player {
	rec_reader *r; /* not owned */
	rec_screen scr;
	rec_record *rec; /* owned; the record read ahead when `held` */
	bool held;
	bool done;        /* no more records */
	uint64_t last_ts; /* time of the last applied record */
	char err[512];
} rec_player;

int rec_player_init(rec_player *p, rec_reader *r);
void rec_player_free(rec_player *p);
/* Random access: the screen as it was at ts (records with time <= ts applied). */
int rec_player_seek(rec_player *p, uint64_t ts);
/* Forward: applies the records up to ts. Calls on_record (if not NULL) for every record. */
int rec_player_advance(rec_player *p, uint64_t ts,
                       void (*on_record)(const rec_record *rec, void *ctx), void *ctx);

#endif
