/* rec_writer: the session recorder's front: the producer side (gate threads
 * queue small entries and copy dirty pixels into the pending screen), the
 * queue, and the writer thread's life and loop. The writer thread hands each
 * drained batch to two rooms it owns: rec_tiles (the screen encoder) and
 * rec_out (the file: frames, zstd, pcap packets, hash chain, index, sync).
 * See rec_writer.h for the contract and thread model. */
#include "rec_writer.h"

#include "rec_buf.h"
#include "rec_format.h"
#include "rec_out.h"
#include "rec_tiles.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <freerdp/codec/color.h>
#include <winpr/wlog.h>

/* The recorder's rooms log under one tag: operators filter on it. */
#define TAG "rmgate.replay.writer"

#define REC_QUEUE_MAX 65536u
#define REC_QUEUE_BYTES (32u << 20)
#define ENTRY_FRAME 0xFFFFu /* queue-only marker: a frame call happened */

#ifndef RMGATE_VERSION
#define RMGATE_VERSION "unknown"
#endif

/* One queued record body (serialised by the producer). */
typedef struct rec_entry {
	struct rec_entry *next;
	uint64_t ts;
	uint16_t type; /* REC_T_* or ENTRY_FRAME */
	uint32_t len;
	uint8_t body[];
} rec_entry;

struct rec_writer {
	/* --- shared: guarded by lock --- */
	pthread_mutex_t lock;
	pthread_cond_t wake; /* signalled on new entries and on stop */
	rec_entry *head, *tail;
	uint32_t qcount;
	size_t qbytes;
	uint64_t qdropped;
	rec_fb pend;      /* pending screen + dirty tiles */
	bool pend_dirty;  /* any tile dirty in pend */
	bool pend_fresh;  /* pend was (re)allocated: the next frame copies everything */
	uint64_t pend_ts; /* time of the newest frame copied into pend */
	bool stop;
	bool busy;             /* the writer thread is writing a drained batch */
	pthread_cond_t idle;   /* signalled when a batch is written (rec_writer_drain) */
	/* --- immutable after open (the rooms' own state: see their headers) --- */
	rec_out *out;     /* the file; its failure flag is the writer's (any thread) */
	rec_tiles *tiles; /* writer thread only */
	rec_clock_fn clock;
	void *clock_ctx;
	pthread_t thread;
	bool thread_started;
	/* --- writer thread --- */
	uint64_t dropped_reported; /* queue drops already recorded as recorder_overrun */
};

static uint64_t real_ns(void *ctx)
{
	(void)ctx;
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static bool geometry_ok(uint32_t w, uint32_t h)
{
	return w >= 1 && h >= 1 && w <= REC_MAX_DIM && h <= REC_MAX_DIM;
}

/* ---------- producer side ---------- */

static rec_entry *entry_new(rec_writer *w, uint16_t type, size_t len)
{
	rec_entry *e = malloc(sizeof *e + len);
	if (!e) {
		rec_out_fail(w->out, "out of memory");
		return NULL;
	}
	e->next = NULL;
	e->type = type;
	e->len = (uint32_t)len;
	return e;
}

/* Appends e (time-stamped now) under w->lock; drops droppable entries when full. */
static void enqueue_locked(rec_writer *w, rec_entry *e, bool droppable)
{
	e->ts = w->clock(w->clock_ctx);
	if (droppable && (w->qcount >= REC_QUEUE_MAX || w->qbytes + e->len > REC_QUEUE_BYTES)) {
		w->qdropped++;
		free(e);
		return;
	}
	if (w->tail)
		w->tail->next = e;
	else
		w->head = e;
	w->tail = e;
	w->qcount++;
	w->qbytes += e->len;
	pthread_cond_signal(&w->wake);
}

static void enqueue(rec_writer *w, rec_entry *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&w->lock);
	enqueue_locked(w, e, true);
	pthread_mutex_unlock(&w->lock);
}

static rec_entry *resize_entry(rec_writer *w, uint32_t width, uint32_t height)
{
	rec_entry *e = entry_new(w, REC_T_RESIZE, 4);
	if (e) {
		rec_put_u16(e->body, (uint16_t)width);
		rec_put_u16(e->body + 2, (uint16_t)height);
	}
	return e;
}

/* Resizes the pending screen and queues the RESIZE record; lock held. */
static void resize_locked(rec_writer *w, uint32_t width, uint32_t height)
{
	if (!geometry_ok(width, height)) {
		WLog_WARN(TAG, "ignoring resize to %ux%u", width, height);
		return;
	}
	if (width == w->pend.w && height == w->pend.h)
		return;
	rec_entry *e = resize_entry(w, width, height);
	if (!e)
		return;
	if (!rec_fb_alloc(&w->pend, width, height)) {
		free(e);
		rec_out_fail(w->out, "out of memory for the screen");
		return;
	}
	w->pend_dirty = true;
	w->pend_fresh = true;
	enqueue_locked(w, e, false);
	w->pend_ts = e->ts;
}

void rec_writer_resize(rec_writer *w, uint32_t width, uint32_t height)
{
	pthread_mutex_lock(&w->lock);
	resize_locked(w, width, height);
	pthread_mutex_unlock(&w->lock);
}

/* Copies one clipped rectangle into the pending screen and marks its tiles. */
static void copy_rect_locked(rec_writer *w, const uint8_t *bgra, uint32_t stride, rec_rect r)
{
	rec_fb *fb = &w->pend;
	int64_t x0 = r.x, y0 = r.y, x1 = (int64_t)r.x + r.w, y1 = (int64_t)r.y + r.h;
	if (x0 < 0)
		x0 = 0;
	if (y0 < 0)
		y0 = 0;
	if (x1 > fb->w)
		x1 = fb->w;
	if (y1 > fb->h)
		y1 = fb->h;
	if (x0 >= x1 || y0 >= y1)
		return;
	for (int64_t y = y0; y < y1; y++)
		memcpy(fb->px + (size_t)y * fb->w + x0, bgra + (size_t)y * stride + (size_t)x0 * 4,
		       (size_t)(x1 - x0) * 4);
	for (int64_t ty = y0 / REC_TILE; ty <= (y1 - 1) / REC_TILE; ty++)
		memset(fb->dirty + ty * fb->tw + x0 / REC_TILE, 1,
		       (size_t)((x1 - 1) / REC_TILE - x0 / REC_TILE + 1));
	w->pend_dirty = true;
}

void rec_writer_frame(rec_writer *w, const uint8_t *bgra, uint32_t stride, uint32_t width,
                      uint32_t height, const rec_rect *rects, size_t nrects)
{
	if (!bgra || !geometry_ok(width, height) || stride < width * 4)
		return;
	rec_entry *mark = entry_new(w, ENTRY_FRAME, 0);
	if (!mark)
		return;
	pthread_mutex_lock(&w->lock);
	if (width != w->pend.w || height != w->pend.h)
		resize_locked(w, width, height);
	if (w->pend.px) {
		rec_rect all = { 0, 0, (int32_t)width, (int32_t)height };
		/* After open or a resize, pixels outside the dirty rectangles are not
		 * known yet: take the whole framebuffer once. */
		bool whole = !rects || nrects == 0 || w->pend_fresh;
		if (whole)
			copy_rect_locked(w, bgra, stride, all);
		for (size_t i = 0; !whole && i < nrects; i++)
			copy_rect_locked(w, bgra, stride, rects[i]);
		w->pend_fresh = false;
	}
	/* One marker suffices while the previous one is still the newest entry. */
	if (w->tail && w->tail->type == ENTRY_FRAME) {
		w->tail->ts = w->clock(w->clock_ctx);
		w->pend_ts = w->tail->ts;
		free(mark);
	} else {
		enqueue_locked(w, mark, false);
		w->pend_ts = mark->ts;
	}
	pthread_mutex_unlock(&w->lock);
}

void rec_writer_pointer_position(rec_writer *w, int32_t x, int32_t y)
{
	rec_entry *e = entry_new(w, REC_T_POINTER_POS, 8);
	if (!e)
		return;
	rec_put_u32(e->body, (uint32_t)x);
	rec_put_u32(e->body + 4, (uint32_t)y);
	enqueue(w, e);
}

static void pointer_kind(rec_writer *w, uint8_t kind)
{
	rec_entry *e = entry_new(w, REC_T_POINTER_SHAPE, 9);
	if (!e)
		return;
	memset(e->body, 0, 9);
	e->body[0] = kind;
	enqueue(w, e);
}

void rec_writer_pointer_hidden(rec_writer *w)
{
	pointer_kind(w, REC_POINTER_HIDDEN);
}

void rec_writer_pointer_default(rec_writer *w)
{
	pointer_kind(w, REC_POINTER_DEFAULT);
}

void rec_writer_pointer_shape(rec_writer *w, const uint8_t *bgra, uint32_t stride, uint32_t width,
                              uint32_t height, uint32_t hot_x, uint32_t hot_y)
{
	if (!bgra || width == 0 || height == 0 || stride < width * 4) {
		rec_writer_pointer_hidden(w);
		return;
	}
	uint32_t cw = width > REC_MAX_POINTER ? REC_MAX_POINTER : width;
	uint32_t ch = height > REC_MAX_POINTER ? REC_MAX_POINTER : height;
	rec_entry *e = entry_new(w, REC_T_POINTER_SHAPE, 9 + (size_t)cw * ch * 4);
	if (!e)
		return;
	e->body[0] = REC_POINTER_IMAGE;
	rec_put_u16(e->body + 1, (uint16_t)cw);
	rec_put_u16(e->body + 3, (uint16_t)ch);
	rec_put_u16(e->body + 5, (uint16_t)(hot_x < cw ? hot_x : cw - 1));
	rec_put_u16(e->body + 7, (uint16_t)(hot_y < ch ? hot_y : ch - 1));
	for (uint32_t y = 0; y < ch; y++)
		memcpy(e->body + 9 + (size_t)y * cw * 4, bgra + (size_t)y * stride, (size_t)cw * 4);
	enqueue(w, e);
}

bool rec_writer_pointer_rdp(rec_writer *w, uint32_t xor_bpp, const uint8_t *xor_mask,
                            uint32_t xor_len, const uint8_t *and_mask, uint32_t and_len,
                            uint32_t width, uint32_t height, uint32_t hot_x, uint32_t hot_y)
{
	if (width == 0 || height == 0 || width > 384 || height > 384)
		return false;
	uint8_t *img = calloc((size_t)width * height, 4);
	if (!img)
		return false;
	bool ok = freerdp_image_copy_from_pointer_data(img, PIXEL_FORMAT_BGRA32, width * 4, 0, 0, width,
	                                               height, xor_mask, xor_len, and_mask, and_len,
	                                               xor_bpp, NULL);
	if (ok)
		rec_writer_pointer_shape(w, img, width * 4, width, height, hot_x, hot_y);
	free(img);
	return ok;
}

void rec_writer_key(rec_writer *w, uint16_t flags, uint16_t scancode)
{
	rec_entry *e = entry_new(w, REC_T_KEY, 4);
	if (!e)
		return;
	rec_put_u16(e->body, flags);
	rec_put_u16(e->body + 2, scancode);
	enqueue(w, e);
}

void rec_writer_unicode(rec_writer *w, uint16_t flags, uint16_t codeunit)
{
	rec_entry *e = entry_new(w, REC_T_UNICODE, 4);
	if (!e)
		return;
	rec_put_u16(e->body, flags);
	rec_put_u16(e->body + 2, codeunit);
	enqueue(w, e);
}

void rec_writer_mouse(rec_writer *w, uint16_t flags, uint16_t x, uint16_t y)
{
	rec_entry *e = entry_new(w, REC_T_MOUSE, 6);
	if (!e)
		return;
	rec_put_u16(e->body, flags);
	rec_put_u16(e->body + 2, x);
	rec_put_u16(e->body + 4, y);
	enqueue(w, e);
}

void rec_writer_event(rec_writer *w, const char *type, const char *detail)
{
	size_t tn = rec_text_len(type), dn = rec_text_len(detail);
	rec_entry *e = entry_new(w, REC_T_EVENT, 4 + tn + dn);
	if (!e)
		return;
	uint8_t *p = e->body;
	rec_put_text(&p, type, tn);
	rec_put_text(&p, detail, dn);
	enqueue(w, e);
}

void rec_writer_drain(rec_writer *w)
{
	pthread_mutex_lock(&w->lock);
	while ((w->head || w->busy || w->pend_dirty) && !w->stop)
		pthread_cond_wait(&w->idle, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

bool rec_writer_failed(rec_writer *w)
{
	return rec_out_failed(w->out);
}

/* ---------- writer thread ---------- */

/* Takes the dirty tiles out of the pending screen into the encoder; lock held. */
static bool snapshot_locked(rec_writer *w)
{
	if (!w->pend_dirty || !w->pend.px)
		return false;
	if (!rec_tiles_take(w->tiles, &w->pend))
		return false;
	w->pend_dirty = false;
	return true;
}

/* Writes one drained batch: entries in order, the screen update at the place of
 * the last frame marker or resize (the snapshot is the state at that point). */
static void write_batch(rec_writer *w, rec_entry *batch, bool snap, uint64_t snap_ts,
                        uint64_t dropped)
{
	rec_entry *last_mark = NULL;
	for (rec_entry *e = batch; e; e = e->next)
		if (e->type == ENTRY_FRAME || e->type == REC_T_RESIZE)
			last_mark = e;
	for (rec_entry *e = batch; e; e = e->next) {
		if (e->type == REC_T_RESIZE)
			rec_tiles_resize(w->tiles, e->body, e->len, e->ts);
		else if (e->type == REC_T_POINTER_SHAPE)
			rec_tiles_pointer_shape(w->tiles, e->body, e->len, e->ts);
		else if (e->type == REC_T_POINTER_POS)
			rec_tiles_pointer_pos(w->tiles, e->body, e->ts);
		else if (e->type != ENTRY_FRAME)
			rec_out_emit(w->out, e->type, e->ts, e->body, e->len);
		if (e == last_mark && snap)
			rec_tiles_update(w->tiles, snap_ts > e->ts ? snap_ts : e->ts);
	}
	if (snap && !last_mark)
		rec_tiles_update(w->tiles, snap_ts);
	if (dropped > w->dropped_reported) {
		char d[32];
		snprintf(d, sizeof d, "%llu", (unsigned long long)(dropped - w->dropped_reported));
		uint8_t body[64];
		uint8_t *p = body;
		rec_put_text(&p, "recorder_overrun", strlen("recorder_overrun"));
		rec_put_text(&p, d, strlen(d));
		rec_out_emit(w->out, REC_T_EVENT, w->clock(w->clock_ctx), body, (size_t)(p - body));
		w->dropped_reported = dropped;
	}
}

static void free_entries(rec_entry *e)
{
	while (e) {
		rec_entry *n = e->next;
		free(e);
		e = n;
	}
}

static struct timespec deadline_in(uint64_t ns)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	uint64_t v = (uint64_t)t.tv_nsec + ns % 1000000000ull;
	t.tv_sec += (time_t)(ns / 1000000000ull + v / 1000000000ull);
	t.tv_nsec = (long)(v % 1000000000ull);
	return t;
}

static void *writer_main(void *arg)
{
	rec_writer *w = arg;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (!w->head && !w->stop) {
			/* Sleep until new entries, the frame's flush time or the sync time. */
			uint64_t wait = rec_out_due_in(w->out);
			if (wait == 0 && rec_out_pending(w->out))
				break;
			struct timespec dl = deadline_in(wait);
			if (pthread_cond_timedwait(&w->wake, &w->lock, &dl) == ETIMEDOUT &&
			    rec_out_pending(w->out))
				break;
		}
		rec_entry *batch = w->head;
		w->head = w->tail = NULL;
		w->qcount = 0;
		w->qbytes = 0;
		uint64_t snap_ts = w->pend_ts, dropped = w->qdropped;
		bool snap = snapshot_locked(w);
		bool stop = w->stop;
		w->busy = true;
		pthread_mutex_unlock(&w->lock);

		write_batch(w, batch, snap, snap_ts, dropped);
		free_entries(batch);
		rec_out_flush_due(w->out);
		pthread_mutex_lock(&w->lock);
		w->busy = false;
		pthread_cond_broadcast(&w->idle);
		pthread_mutex_unlock(&w->lock);
		if (stop)
			break;
	}
	return NULL;
}

/* ---------- open / close ---------- */

static void destroy(rec_writer *w)
{
	rec_out_free(w->out);
	rec_tiles_free(w->tiles);
	free_entries(w->head);
	rec_fb_free(&w->pend);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->idle);
	free(w);
}

static void header_body(rec_wb *b, const rec_session_info *in)
{
	rec_wb_u16(b, REC_FORMAT_VERSION);
	rec_wb_u16(b, (uint16_t)in->width);
	rec_wb_u16(b, (uint16_t)in->height);
	rec_wb_u32(b, REC_PIXEL_BGR24);
	rec_wb_u16(b, REC_TILE);
	rec_wb_u32(b, in->keyboard_layout);
	rec_wb_u64(b, (uint64_t)in->permit_id);
	rec_wb_u64(b, (uint64_t)in->vendor_id);
	rec_wb_u64(b, (uint64_t)in->system_id);
	rec_wb_u64(b, (uint64_t)in->account_id);
	rec_wb_u64(b, in->start_ns);
	size_t n = rec_text_len(in->session_id);
	rec_wb_u16(b, (uint16_t)n);
	rec_wb_put(b, in->session_id, n);
	const char *gv = in->gate_version ? in->gate_version : RMGATE_VERSION;
	n = rec_text_len(gv);
	rec_wb_u16(b, (uint16_t)n);
	rec_wb_put(b, gv, n);
}

/* fd >= 0: write there (name names it); else create path. */
static int init(rec_writer *w, int fd, const char *path, const rec_session_info *info, char *err,
                size_t errlen)
{
	if (!info || !info->session_id || !geometry_ok(info->width, info->height)) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "invalid session info (session id and geometry 1..%u required)",
		         REC_MAX_DIM);
		return -1;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, &ca);
	pthread_cond_init(&w->idle, NULL);
	pthread_condattr_destroy(&ca);
	w->clock = info->clock ? info->clock : real_ns;
	w->clock_ctx = info->clock_ctx;
	uint64_t keyframe_ns = (uint64_t)(info->keyframe_interval_ms ? info->keyframe_interval_ms : 120000) * 1000000ull;
	uint64_t flush_ns = (uint64_t)(info->flush_interval_ms ? info->flush_interval_ms : 1000) * 1000000ull;
	int level = info->zstd_level ? info->zstd_level : 6;
	if (!rec_fb_alloc(&w->pend, info->width, info->height)) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->pend_dirty = false; /* nothing painted yet */
	w->pend_fresh = true;
	rec_session_info in = *info;
	if (!in.start_ns)
		in.start_ns = w->clock(w->clock_ctx);
	rec_wb header = { 0 };
	header_body(&header, &in);
	int rc = fd >= 0 ? rec_out_open_fd(&w->out, fd, path, in.start_ns, header.p, header.len,
	                                   flush_ns, level, err, errlen)
	                 : rec_out_open(&w->out, path, in.start_ns, header.p, header.len, flush_ns,
	                                level, err, errlen);
	rec_wb_free(&header);
	if (rc != 0)
		return -1;
	w->tiles = rec_tiles_new(w->out, info->width, info->height, keyframe_ns);
	if (!w->tiles) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		snprintf(err, errlen, "cannot start the recorder thread");
		return -1;
	}
	w->thread_started = true;
	return 0;
}

int rec_writer_open(rec_writer **out, const char *path, const rec_session_info *info, char *err,
                    size_t errlen)
{
	*out = NULL;
	rec_writer *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (init(w, -1, path, info, err, errlen) != 0) {
		bool created = w->out != NULL;
		destroy(w);
		if (created)
			unlink(path); /* nothing worth keeping: no session ran */
		WLog_ERR(TAG, "%s", err);
		return -1;
	}
	*out = w;
	return 0;
}

int rec_writer_open_fd(rec_writer **out, int fd, const char *name, const rec_session_info *info,
                       char *err, size_t errlen)
{
	*out = NULL;
	rec_writer *w = calloc(1, sizeof *w);
	if (!w) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (init(w, fd, name, info, err, errlen) != 0) {
		destroy(w);
		WLog_ERR(TAG, "%s", err);
		return -1;
	}
	*out = w;
	return 0;
}

int rec_writer_close(rec_writer *w, const char *end_reason, uint8_t digest_out[32],
                     rec_writer_stats *stats)
{
	if (!w)
		return -1;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	if (w->thread_started)
		pthread_join(w->thread, NULL);
	/* The thread has ended: everything below is this thread's. */
	uint64_t ts = w->clock(w->clock_ctx);
	size_t n = rec_text_len(end_reason);
	uint8_t body[2 + REC_MAX_TEXT];
	uint8_t *p = body;
	rec_put_text(&p, end_reason, n);
	rec_out_emit(w->out, REC_T_END, ts, body, (size_t)(p - body));
	rec_tiles_counters tc = rec_tiles_count(w->tiles);
	rec_out_counters oc = { 0 };
	int rc = rec_out_close(w->out, ts, digest_out, &oc);
	w->out = NULL;
	if (stats) {
		*stats = (rec_writer_stats){ 0 };
		stats->bytes = oc.bytes;
		stats->packets = oc.packets;
		stats->records = oc.records;
		stats->raw_bytes = oc.raw_bytes;
		stats->updates = tc.updates;
		stats->keyframes = tc.keyframes;
		stats->tiles = tc.tiles;
		stats->copies = tc.copies;
		stats->dropped = w->dropped_reported;
	}
	destroy(w);
	return rc;
}
