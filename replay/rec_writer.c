/* rec_writer: the session recorder. Producers (gate threads) queue small entries
 * and copy dirty pixels into a pending screen; one writer thread encodes tiles,
 * compresses frames of records with zstd and appends them as pcap packets with
 * a SHA-256 hash chain. See rec_writer.h for the contract and thread model. */
#include "rec_writer.h"

#include "rec_buf.h"
#include "rec_format.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include "rec_pcap.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include <freerdp/codec/color.h>
#include <winpr/wlog.h>

#define TAG "rmgate.replay.writer"

#define REC_QUEUE_MAX 65536u
#define REC_QUEUE_BYTES (32u << 20)
#define REC_SOFT_FLUSH (128u << 10) /* flush a frame once its content reaches this */
#define ENTRY_FRAME 0xFFFFu         /* queue-only marker: a frame call happened */

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

typedef struct rec_index_entry {
	uint64_t ts;
	uint64_t offset;
	uint32_t seq;
} rec_index_entry;

/* A BGRA screen with a dirty-tile map. */
typedef struct rec_fb {
	uint32_t w, h;
	uint32_t tw, th; /* tiles across / down */
	uint32_t *px;    /* w*h pixels, B,G,R,A bytes */
	uint8_t *dirty;  /* tw*th flags */
} rec_fb;

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
	/* --- atomic --- */
	atomic_bool failed;
	/* --- immutable after open --- */
	rec_clock_fn clock;
	void *clock_ctx;
	uint64_t keyframe_ns, flush_ns;
	int level;
	pthread_t thread;
	bool thread_started;
	/* --- writer thread (and open/close outside the thread's lifetime) --- */
	FILE *file;
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	ZSTD_CCtx *cctx;
	EVP_MD_CTX *md;
	uint8_t chain[32];
	uint64_t offset; /* file offset of the next pcap record */
	uint32_t seq;
	rec_wb frame; /* records of the frame being built */
	uint32_t frame_records;
	uint64_t frame_first_ts;
	uint64_t frame_first_mono;
	bool frame_keyframe;
	uint8_t *pkt; /* packet buffer */
	size_t pkt_cap;
	uint64_t last_sync_mono;
	bool unsynced; /* packets written since the last fdatasync */
	rec_fb cur;  /* latest snapshot (full screen) */
	rec_fb prev; /* what the recording's reader has on screen */
	bool need_keyframe;
	uint64_t last_keyframe_ts;
	rec_wb ptr_shape; /* body of the last pointer shape record */
	uint8_t ptr_pos[8];
	bool have_pos;
	rec_wb tmp;
	rec_index_entry *index;
	size_t nindex, capindex;
	uint64_t dropped_reported;
	rec_writer_stats st;
};

/* ---------- small helpers ---------- */

static uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static uint64_t real_ns(void *ctx)
{
	(void)ctx;
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void set_failed(rec_writer *w, const char *what)
{
	if (!atomic_exchange(&w->failed, true))
		WLog_ERR(TAG, "recording failed: %s", what);
}

static void fb_free(rec_fb *fb)
{
	free(fb->px);
	free(fb->dirty);
	memset(fb, 0, sizeof *fb);
}

/* (Re)allocates fb to w x h, black, all tiles dirty. */
static bool fb_alloc(rec_fb *fb, uint32_t w, uint32_t h)
{
	fb_free(fb);
	fb->w = w;
	fb->h = h;
	fb->tw = (w + REC_TILE - 1) / REC_TILE;
	fb->th = (h + REC_TILE - 1) / REC_TILE;
	fb->px = calloc((size_t)w * h, 4);
	fb->dirty = malloc((size_t)fb->tw * fb->th);
	if (!fb->px || !fb->dirty) {
		fb_free(fb);
		return false;
	}
	memset(fb->dirty, 1, (size_t)fb->tw * fb->th);
	return true;
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
		set_failed(w, "out of memory");
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
	if (!fb_alloc(&w->pend, width, height)) {
		free(e);
		set_failed(w, "out of memory for the screen");
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

/* Text clipped to REC_MAX_TEXT bytes (at a UTF-8 boundary). */
static size_t text_len(const char *s)
{
	size_t n = s ? strnlen(s, REC_MAX_TEXT + 1) : 0;
	if (n > REC_MAX_TEXT) {
		n = REC_MAX_TEXT;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return n;
}

static void put_text(uint8_t **p, const char *s, size_t n)
{
	rec_put_u16(*p, (uint16_t)n);
	if (n)
		memcpy(*p + 2, s, n);
	*p += 2 + n;
}

void rec_writer_event(rec_writer *w, const char *type, const char *detail)
{
	size_t tn = text_len(type), dn = text_len(detail);
	rec_entry *e = entry_new(w, REC_T_EVENT, 4 + tn + dn);
	if (!e)
		return;
	uint8_t *p = e->body;
	put_text(&p, type, tn);
	put_text(&p, detail, dn);
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
	return atomic_load(&w->failed);
}

/* ---------- writer thread: packets ---------- */

static void write_packet(rec_writer *w, size_t len);

/* fdatasync at most once a second, and within a second of the last packet
 * (the writer loop wakes for it), so a power cut loses about a second. */
static void sync_if_due(rec_writer *w)
{
	uint64_t now = mono_ns();
	if (!w->unsynced || now - w->last_sync_mono < 1000000000ull || atomic_load(&w->failed))
		return;
	if (fdatasync(fileno(w->file)) != 0 && errno != EINVAL) {
		set_failed(w, strerror(errno));
		return;
	}
	w->last_sync_mono = now;
	w->unsynced = false;
}

/* Compresses the current frame into one packet and appends it to the file. */
static void flush_frame(rec_writer *w)
{
	if (w->frame_records == 0)
		return;
	if (w->frame.failed) {
		set_failed(w, "out of memory for a frame");
		goto reset;
	}
	size_t bound = ZSTD_compressBound(w->frame.len);
	size_t need = REC_PKT_HDR_LEN + bound;
	if (need > w->pkt_cap) {
		uint8_t *p = realloc(w->pkt, need);
		if (!p) {
			set_failed(w, "out of memory for a packet");
			goto reset;
		}
		w->pkt = p;
		w->pkt_cap = need;
	}
	size_t clen = ZSTD_compressCCtx(w->cctx, w->pkt + REC_PKT_HDR_LEN, bound, w->frame.p,
	                                w->frame.len, w->level);
	if (ZSTD_isError(clen)) {
		set_failed(w, ZSTD_getErrorName(clen));
		goto reset;
	}
	uint8_t *h = w->pkt;
	memcpy(h, REC_PKT_MAGIC, 4);
	rec_put_u16(h + 4, REC_FORMAT_VERSION);
	h[6] = REC_PKT_DATA;
	h[7] = w->frame_keyframe ? REC_PKT_FLAG_KEYFRAME : 0;
	rec_put_u32(h + 8, w->seq);
	rec_put_u32(h + 12, w->frame_records);
	rec_put_u32(h + 16, (uint32_t)w->frame.len);
	rec_put_u32(h + 20, (uint32_t)clen);
	rec_put_u64(h + 24, w->frame_first_ts);
	write_packet(w, REC_PKT_HDR_LEN + clen);
reset:
	w->frame.len = 0;
	w->frame.failed = false;
	w->frame_records = 0;
	w->frame_keyframe = false;
}

/* Chains, time-stamps and writes w->pkt[0..len). Writer thread only. After a
 * failure nothing more is appended, so the file stays a clean prefix and the
 * chain digest matches what is on disk. */
static void write_packet(rec_writer *w, size_t len)
{
	uint8_t *h = w->pkt;
	unsigned int dlen = 0;
	if (atomic_load(&w->failed))
		return;
	if (!EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(w->md, w->chain, 32) ||
	    !EVP_DigestUpdate(w->md, h, REC_PKT_DIGEST_OFF) ||
	    !EVP_DigestUpdate(w->md, h + REC_PKT_HDR_LEN, len - REC_PKT_HDR_LEN) ||
	    !EVP_DigestFinal_ex(w->md, w->chain, &dlen)) {
		set_failed(w, "SHA-256 failed");
		return;
	}
	memcpy(h + REC_PKT_DIGEST_OFF, w->chain, 32);
	uint64_t ts = rec_get_u64(h + 24);
	struct pcap_pkthdr ph;
	ph.ts.tv_sec = (time_t)(ts / 1000000000ull);
	ph.ts.tv_usec = (suseconds_t)(ts % 1000000000ull); /* nanoseconds: nano dumper */
	ph.caplen = ph.len = (bpf_u_int32)len;
	pcap_dump((u_char *)w->dumper, &ph, h);
	if (fflush(w->file) != 0 || ferror(w->file)) {
		set_failed(w, strerror(errno ? errno : EIO));
		return;
	}
	w->unsynced = true;
	sync_if_due(w);
	w->offset += 16 + len;
	w->seq++;
	w->st.packets++;
	w->st.bytes = w->offset;
}

/* Appends one record to the current frame, flushing as the limits require. */
static void emit(rec_writer *w, uint16_t type, uint64_t ts, const void *body, size_t len)
{
	size_t rlen = REC_REC_HDR_LEN + len;
	if (rlen > REC_MAX_RECORD)
		return; /* producers never build such records */
	if (w->frame_records &&
	    (w->frame.len + rlen > REC_MAX_RAW || ts >= w->frame_first_ts + w->flush_ns))
		flush_frame(w);
	if (w->frame_records == 0) {
		w->frame_first_ts = ts;
		w->frame_first_mono = mono_ns();
	}
	rec_wb_u16(&w->frame, type);
	rec_wb_u32(&w->frame, (uint32_t)rlen);
	rec_wb_u64(&w->frame, ts);
	rec_wb_put(&w->frame, body, len);
	w->frame_records++;
	w->st.records++;
	w->st.raw_bytes += rlen;
	if (w->frame.len >= REC_SOFT_FLUSH)
		flush_frame(w);
}

/* ---------- writer thread: screen encoding ---------- */

static void tile_rect(const rec_fb *fb, uint32_t tx, uint32_t ty, uint32_t *x, uint32_t *y,
                      uint32_t *tw, uint32_t *th)
{
	*x = tx * REC_TILE;
	*y = ty * REC_TILE;
	*tw = fb->w - *x < REC_TILE ? fb->w - *x : REC_TILE;
	*th = fb->h - *y < REC_TILE ? fb->h - *y : REC_TILE;
}

/* Encodes tile (tx,ty) of cur against prev (or raw when `key`); copies it into prev.
 * Returns false when the tile is unchanged and nothing was written. */
static bool encode_tile(rec_writer *w, uint32_t tx, uint32_t ty, uint64_t ts, bool key)
{
	uint32_t x, y, tw, th;
	tile_rect(&w->cur, tx, ty, &x, &y, &tw, &th);
	const uint32_t stride = w->cur.w;
	uint32_t first = w->cur.px[(size_t)y * stride + x] & 0xFFFFFFu;
	size_t changed = 0;
	bool solid = true;
	for (uint32_t r = 0; r < th; r++) {
		const uint32_t *c = w->cur.px + (size_t)(y + r) * stride + x;
		const uint32_t *p = w->prev.px + (size_t)(y + r) * stride + x;
		for (uint32_t i = 0; i < tw; i++) {
			changed += ((c[i] ^ p[i]) & 0xFFFFFFu) != 0;
			solid = solid && (c[i] & 0xFFFFFFu) == first;
		}
	}
	if (!key && changed == 0)
		return false;
	rec_wb *b = &w->tmp;
	b->len = 0;
	rec_wb_u16(b, (uint16_t)tx);
	rec_wb_u16(b, (uint16_t)ty);
	uint8_t enc = solid ? REC_TILE_SOLID
	                    : (!key && changed * 2 < (size_t)tw * th ? REC_TILE_XOR : REC_TILE_RAW);
	rec_wb_u8(b, enc);
	if (enc == REC_TILE_SOLID) {
		uint8_t bgr[3] = { (uint8_t)first, (uint8_t)(first >> 8), (uint8_t)(first >> 16) };
		rec_wb_put(b, bgr, 3);
	} else if (rec_wb_reserve(b, (size_t)tw * th * 3)) {
		uint8_t *o = b->p + b->len;
		for (uint32_t r = 0; r < th; r++) {
			const uint32_t *c = w->cur.px + (size_t)(y + r) * stride + x;
			const uint32_t *p = w->prev.px + (size_t)(y + r) * stride + x;
			for (uint32_t i = 0; i < tw; i++) {
				uint32_t v = enc == REC_TILE_XOR ? c[i] ^ p[i] : c[i];
				*o++ = (uint8_t)v;
				*o++ = (uint8_t)(v >> 8);
				*o++ = (uint8_t)(v >> 16);
			}
		}
		b->len += (size_t)tw * th * 3;
	}
	for (uint32_t r = 0; r < th; r++)
		memcpy(w->prev.px + (size_t)(y + r) * stride + x, w->cur.px + (size_t)(y + r) * stride + x,
		       (size_t)tw * 4);
	if (b->failed) {
		set_failed(w, "out of memory for a tile");
		b->failed = false;
		return false;
	}
	emit(w, REC_T_TILE, ts, b->p, b->len);
	w->st.tiles++;
	return true;
}

static bool add_index(rec_writer *w, uint64_t ts)
{
	if (w->nindex == w->capindex) {
		size_t cap = w->capindex ? w->capindex * 2 : 64;
		rec_index_entry *p = realloc(w->index, cap * sizeof *p);
		if (!p)
			return false;
		w->index = p;
		w->capindex = cap;
	}
	w->index[w->nindex++] = (rec_index_entry){ ts, w->offset, w->seq };
	return true;
}

/* Whole screen: starts a new packet flagged keyframe (indexed), then the
 * geometry, the pointer state and every tile raw or solid. */
static void write_keyframe(rec_writer *w, uint64_t ts)
{
	flush_frame(w);
	if (!add_index(w, ts))
		set_failed(w, "out of memory for the index");
	w->frame_keyframe = true;
	uint8_t g[4];
	rec_put_u16(g, (uint16_t)w->cur.w);
	rec_put_u16(g + 2, (uint16_t)w->cur.h);
	emit(w, REC_T_KEYFRAME, ts, g, 4);
	if (w->ptr_shape.len)
		emit(w, REC_T_POINTER_SHAPE, ts, w->ptr_shape.p, w->ptr_shape.len);
	if (w->have_pos)
		emit(w, REC_T_POINTER_POS, ts, w->ptr_pos, 8);
	for (uint32_t ty = 0; ty < w->cur.th; ty++)
		for (uint32_t tx = 0; tx < w->cur.tw; tx++)
			encode_tile(w, tx, ty, ts, true);
	w->need_keyframe = false;
	w->last_keyframe_ts = ts;
	w->st.keyframes++;
	w->st.updates++;
}

/* ---------- writer thread: scroll detection ---------- */

/* Hash of pixels [x0,x1) of row y (alpha ignored). */
static uint64_t row_hash(const rec_fb *fb, uint32_t y, uint32_t x0, uint32_t x1)
{
	const uint32_t *p = fb->px + (size_t)y * fb->w;
	uint64_t h = 1469598103934665603ull;
	for (uint32_t x = x0; x < x1; x++)
		h = (h ^ (p[x] & 0xFFFFFFu)) * 1099511628211ull;
	return h;
}

typedef struct scroll_guess {
	int32_t dy;     /* cur row y shows prev row y + dy */
	uint32_t a, b;  /* the matching rows [a, b) in cur */
} scroll_guess;

/* Finds the vertical shift that explains most rows of the band [y0,y1) x [x0,x1)
 * and the longest run of rows it explains. ch/ph are cur/prev row hashes. */
static bool best_shift(const uint64_t *ch, const uint64_t *ph, uint32_t n, scroll_guess *g)
{
	uint32_t best_run = 0;
	/* Candidates: shifts that line up a sample of distinctive rows. */
	for (uint32_t s = 0; s < n; s += n / 16 + 1) {
		if ((s > 0 && ch[s] == ch[s - 1]) || (s + 1 < n && ch[s] == ch[s + 1]))
			continue; /* blank or repeated rows say nothing */
		for (uint32_t j = 0; j < n; j++) {
			if (ph[j] != ch[s] || j == s)
				continue;
			int32_t dy = (int32_t)j - (int32_t)s;
			uint32_t run = 0, start = 0;
			for (uint32_t y = 0; y < n; y++) {
				int64_t py = (int64_t)y + dy;
				bool m = py >= 0 && py < n && ch[y] == ph[py];
				run = m ? run + 1 : 0;
				if (m && run > best_run) {
					best_run = run;
					start = y + 1 - run;
					g->dy = dy;
					g->a = start;
					g->b = y + 1;
				}
			}
		}
	}
	return best_run >= 32 && best_run * 4 >= n;
}

/* When a large part of the screen changed, looks for a vertical scroll of the
 * dirty band and, if found, records it as one COPY (applied to prev too): the
 * tile diff that follows then only sends what the copy does not explain. */
static void detect_scroll(rec_writer *w, uint64_t ts)
{
	rec_fb *c = &w->cur;
	uint32_t ty0 = c->th, ty1 = 0, tx0 = c->tw, tx1 = 0, dirty = 0;
	for (uint32_t ty = 0; ty < c->th; ty++)
		for (uint32_t tx = 0; tx < c->tw; tx++)
			if (c->dirty[ty * c->tw + tx]) {
				dirty++;
				ty0 = ty < ty0 ? ty : ty0;
				ty1 = ty + 1 > ty1 ? ty + 1 : ty1;
				tx0 = tx < tx0 ? tx : tx0;
				tx1 = tx + 1 > tx1 ? tx + 1 : tx1;
			}
	if (dirty < 8 || (ty1 - ty0) < 3 || dirty * 2 < (ty1 - ty0) * (tx1 - tx0))
		return;
	uint32_t y0 = ty0 * REC_TILE, y1 = ty1 * REC_TILE < c->h ? ty1 * REC_TILE : c->h;
	uint32_t n = y1 - y0;
	uint64_t *ch = malloc(sizeof *ch * n * 2);
	if (!ch)
		return;
	uint64_t *ph = ch + n;
	/* The full band first, then without its edge tiles (borders, scroll bars). */
	for (int attempt = 0; attempt < 2; attempt++) {
		uint32_t x0 = tx0 * REC_TILE, x1 = tx1 * REC_TILE < c->w ? tx1 * REC_TILE : c->w;
		if (attempt == 1) {
			if (tx1 - tx0 < 4)
				break;
			x0 += REC_TILE;
			x1 = (tx1 - 1) * REC_TILE;
		}
		for (uint32_t y = 0; y < n; y++) {
			ch[y] = row_hash(c, y0 + y, x0, x1);
			ph[y] = row_hash(&w->prev, y0 + y, x0, x1);
		}
		scroll_guess g;
		if (!best_shift(ch, ph, n, &g))
			continue;
		uint32_t dst = y0 + g.a, src = (uint32_t)((int32_t)dst + g.dy), h = g.b - g.a;
		uint8_t body[12];
		rec_put_u16(body, (uint16_t)x0);
		rec_put_u16(body + 2, (uint16_t)src);
		rec_put_u16(body + 4, (uint16_t)(x1 - x0));
		rec_put_u16(body + 6, (uint16_t)h);
		rec_put_u16(body + 8, (uint16_t)x0);
		rec_put_u16(body + 10, (uint16_t)dst);
		emit(w, REC_T_COPY, ts, body, sizeof body);
		for (uint32_t k = 0; k < h; k++) { /* same row order as the reader */
			uint32_t r = dst > src ? h - 1 - k : k;
			memmove(w->prev.px + (size_t)(dst + r) * c->w + x0,
			        w->prev.px + (size_t)(src + r) * c->w + x0, (size_t)(x1 - x0) * 4);
		}
		/* prev changed under the copy: those tiles must be compared again. */
		for (uint32_t ty = dst / REC_TILE; ty <= (dst + h - 1) / REC_TILE; ty++)
			for (uint32_t tx = x0 / REC_TILE; tx <= (x1 - 1) / REC_TILE; tx++)
				c->dirty[ty * c->tw + tx] = 1;
		w->st.copies++;
		break;
	}
	free(ch);
}

static void write_update(rec_writer *w, uint64_t ts)
{
	if (w->need_keyframe || ts >= w->last_keyframe_ts + w->keyframe_ns) {
		write_keyframe(w, ts);
		return;
	}
	detect_scroll(w, ts);
	bool any = false;
	for (uint32_t ty = 0; ty < w->cur.th; ty++)
		for (uint32_t tx = 0; tx < w->cur.tw; tx++)
			if (w->cur.dirty[ty * w->cur.tw + tx])
				any |= encode_tile(w, tx, ty, ts, false);
	w->st.updates += any;
}

/* Takes the dirty tiles out of the pending screen into cur; lock held. */
static bool snapshot_locked(rec_writer *w)
{
	if (!w->pend_dirty || !w->pend.px)
		return false;
	if (w->cur.w != w->pend.w || w->cur.h != w->pend.h) {
		if (!fb_alloc(&w->cur, w->pend.w, w->pend.h)) {
			set_failed(w, "out of memory for the screen");
			return false;
		}
	}
	memset(w->cur.dirty, 0, (size_t)w->cur.tw * w->cur.th);
	for (uint32_t ty = 0; ty < w->pend.th; ty++) {
		for (uint32_t tx = 0; tx < w->pend.tw; tx++) {
			size_t i = (size_t)ty * w->pend.tw + tx;
			if (!w->pend.dirty[i])
				continue;
			uint32_t x, y, tw, th;
			tile_rect(&w->pend, tx, ty, &x, &y, &tw, &th);
			for (uint32_t r = 0; r < th; r++)
				memcpy(w->cur.px + (size_t)(y + r) * w->cur.w + x,
				       w->pend.px + (size_t)(y + r) * w->pend.w + x, (size_t)tw * 4);
			w->cur.dirty[i] = 1;
			w->pend.dirty[i] = 0;
		}
	}
	w->pend_dirty = false;
	return true;
}

static void apply_resize(rec_writer *w, const rec_entry *e)
{
	uint32_t nw = rec_get_u16(e->body), nh = rec_get_u16(e->body + 2);
	emit(w, REC_T_RESIZE, e->ts, e->body, e->len);
	if (!fb_alloc(&w->prev, nw, nh))
		set_failed(w, "out of memory for the screen");
	w->need_keyframe = true;
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
			apply_resize(w, e);
		else if (e->type == REC_T_POINTER_SHAPE) {
			w->ptr_shape.len = 0;
			rec_wb_put(&w->ptr_shape, e->body, e->len);
			emit(w, e->type, e->ts, e->body, e->len);
		} else if (e->type == REC_T_POINTER_POS) {
			memcpy(w->ptr_pos, e->body, 8);
			w->have_pos = true;
			emit(w, e->type, e->ts, e->body, e->len);
		} else if (e->type != ENTRY_FRAME)
			emit(w, e->type, e->ts, e->body, e->len);
		if (e == last_mark && snap && w->prev.px && w->cur.w == w->prev.w &&
		    w->cur.h == w->prev.h)
			write_update(w, snap_ts > e->ts ? snap_ts : e->ts);
	}
	if (snap && !last_mark && w->cur.w == w->prev.w && w->cur.h == w->prev.h)
		write_update(w, snap_ts);
	if (dropped > w->dropped_reported) {
		char d[32];
		snprintf(d, sizeof d, "%llu", (unsigned long long)(dropped - w->dropped_reported));
		uint8_t body[64];
		uint8_t *p = body;
		put_text(&p, "recorder_overrun", strlen("recorder_overrun"));
		put_text(&p, d, strlen(d));
		emit(w, REC_T_EVENT, w->clock(w->clock_ctx), body, (size_t)(p - body));
		w->dropped_reported = dropped;
		w->st.dropped = dropped;
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
			uint64_t now = mono_ns(), wait = w->flush_ns;
			if (w->frame_records)
				wait = w->frame_first_mono + w->flush_ns > now ? w->frame_first_mono + w->flush_ns - now : 0;
			if (w->unsynced) {
				uint64_t due = w->last_sync_mono + 1000000000ull;
				uint64_t ws = due > now ? due - now : 0;
				wait = ws < wait ? ws : wait;
			}
			if (wait == 0 && (w->frame_records || w->unsynced))
				break;
			struct timespec dl = deadline_in(wait);
			if (pthread_cond_timedwait(&w->wake, &w->lock, &dl) == ETIMEDOUT &&
			    (w->frame_records || w->unsynced))
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
		if (w->frame_records && mono_ns() - w->frame_first_mono >= w->flush_ns)
			flush_frame(w);
		sync_if_due(w);
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

static int mkdirs(const char *path, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
		snprintf(err, errlen, "recording path too long");
		return -1;
	}
	char *slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot create directory %s: %s", buf, strerror(errno));
	return -1;
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
	size_t n = text_len(in->session_id);
	rec_wb_u16(b, (uint16_t)n);
	rec_wb_put(b, in->session_id, n);
	const char *gv = in->gate_version ? in->gate_version : RMGATE_VERSION;
	n = text_len(gv);
	rec_wb_u16(b, (uint16_t)n);
	rec_wb_put(b, gv, n);
}

static void destroy(rec_writer *w)
{
	if (w->dumper)
		pcap_dump_close(w->dumper); /* closes w->file */
	else if (w->file)
		fclose(w->file);
	if (w->pcap)
		rec_pcap_close(w->pcap);
	ZSTD_freeCCtx(w->cctx);
	EVP_MD_CTX_free(w->md);
	free_entries(w->head);
	fb_free(&w->pend);
	fb_free(&w->cur);
	fb_free(&w->prev);
	rec_wb_free(&w->frame);
	rec_wb_free(&w->ptr_shape);
	rec_wb_free(&w->tmp);
	free(w->pkt);
	free(w->index);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->idle);
	free(w);
}

/* Recordings show what vendors saw: warn when others can reach the directory. */
static void check_dir_mode(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	struct stat st;
	if (stat(dir, &st) == 0 && (st.st_mode & 077))
		WLog_WARN(TAG, "recording directory %s has mode %03o; it should be 0700", dir,
		          (unsigned)(st.st_mode & 0777));
}

static int open_file(rec_writer *w, const char *path, char *err, size_t errlen)
{
	if (mkdirs(path, err, errlen) != 0)
		return -1;
	check_dir_mode(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create recording %s: %s", path, strerror(errno));
		return -1;
	}
	w->file = fdopen(fd, "wb");
	if (!w->file) {
		close(fd);
		snprintf(err, errlen, "cannot open recording %s: %s", path, strerror(errno));
		return -1;
	}
	w->pcap = pcap_open_dead_with_tstamp_precision(REC_LINKTYPE, REC_SNAPLEN,
	                                               PCAP_TSTAMP_PRECISION_NANO);
	if (!w->pcap) {
		snprintf(err, errlen, "cannot create the pcap writer for %s", path);
		return -1;
	}
	w->dumper = pcap_dump_fopen(w->pcap, w->file);
	if (!w->dumper) {
		snprintf(err, errlen, "cannot write %s: %s", path, pcap_geterr(w->pcap));
		return -1;
	}
	w->offset = 24; /* pcap file header */
	return 0;
}

static int init(rec_writer *w, const char *path, const rec_session_info *info, char *err,
                size_t errlen)
{
	if (!info || !info->session_id || !geometry_ok(info->width, info->height)) {
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
	w->keyframe_ns = (uint64_t)(info->keyframe_interval_ms ? info->keyframe_interval_ms : 120000) * 1000000ull;
	w->flush_ns = (uint64_t)(info->flush_interval_ms ? info->flush_interval_ms : 1000) * 1000000ull;
	w->level = info->zstd_level ? info->zstd_level : 6;
	w->cctx = ZSTD_createCCtx();
	w->md = EVP_MD_CTX_new();
	if (!w->cctx || !w->md || !fb_alloc(&w->pend, info->width, info->height) ||
	    !fb_alloc(&w->cur, info->width, info->height) ||
	    !fb_alloc(&w->prev, info->width, info->height)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->pend_dirty = false; /* nothing painted yet */
	w->pend_fresh = true;
	w->need_keyframe = true;
	if (open_file(w, path, err, errlen) != 0)
		return -1;
	rec_session_info in = *info;
	if (!in.start_ns)
		in.start_ns = w->clock(w->clock_ctx);
	rec_wb b = { 0 };
	header_body(&b, &in);
	emit(w, REC_T_HEADER, in.start_ns, b.p, b.len);
	rec_wb_free(&b);
	flush_frame(w);
	w->last_sync_mono = 0;
	if (atomic_load(&w->failed) || w->seq != 1) {
		snprintf(err, errlen, "cannot write the header of %s", path);
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
	atomic_init(&w->failed, false);
	if (init(w, path, info, err, errlen) != 0) {
		bool created = w->file != NULL;
		destroy(w);
		if (created)
			unlink(path); /* nothing worth keeping: no session ran */
		WLog_ERR(TAG, "%s", err);
		return -1;
	}
	*out = w;
	return 0;
}

/* The index trailer: one INDEX record in a packet of kind INDEX, plus the tail. */
static void write_index(rec_writer *w, uint64_t ts)
{
	size_t n = w->nindex, step = 1;
	while (n / step > REC_MAX_INDEX)
		step++;
	rec_wb b = { 0 };
	rec_wb_u32(&b, (uint32_t)((n + step - 1) / step));
	for (size_t i = 0; i < n; i += step) {
		rec_wb_u64(&b, w->index[i].ts);
		rec_wb_u64(&b, w->index[i].offset);
		rec_wb_u32(&b, w->index[i].seq);
	}
	emit(w, REC_T_INDEX, ts, b.p, b.len);
	rec_wb_free(&b);
	if (w->frame.failed || w->frame_records != 1) {
		set_failed(w, "cannot build the index");
		return;
	}
	size_t bound = ZSTD_compressBound(w->frame.len);
	size_t need = REC_PKT_HDR_LEN + bound + REC_IDX_TAIL_LEN;
	uint8_t *p = need > w->pkt_cap ? realloc(w->pkt, need) : w->pkt;
	if (!p) {
		set_failed(w, "out of memory for the index");
		return;
	}
	w->pkt = p;
	w->pkt_cap = need > w->pkt_cap ? need : w->pkt_cap;
	size_t clen = ZSTD_compressCCtx(w->cctx, p + REC_PKT_HDR_LEN, bound, w->frame.p, w->frame.len,
	                                w->level);
	if (ZSTD_isError(clen)) {
		set_failed(w, ZSTD_getErrorName(clen));
		return;
	}
	memcpy(p, REC_PKT_MAGIC, 4);
	rec_put_u16(p + 4, REC_FORMAT_VERSION);
	p[6] = REC_PKT_INDEX;
	p[7] = 0;
	rec_put_u32(p + 8, w->seq);
	rec_put_u32(p + 12, 1);
	rec_put_u32(p + 16, (uint32_t)w->frame.len);
	rec_put_u32(p + 20, (uint32_t)clen);
	rec_put_u64(p + 24, ts);
	rec_put_u64(p + REC_PKT_HDR_LEN + clen, w->offset);
	memcpy(p + REC_PKT_HDR_LEN + clen + 8, REC_IDX_TAIL_MAGIC, 8);
	w->frame.len = 0;
	w->frame_records = 0;
	write_packet(w, REC_PKT_HDR_LEN + clen + REC_IDX_TAIL_LEN);
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
	size_t n = text_len(end_reason);
	uint8_t body[2 + REC_MAX_TEXT];
	uint8_t *p = body;
	put_text(&p, end_reason, n);
	emit(w, REC_T_END, ts, body, (size_t)(p - body));
	flush_frame(w);
	write_index(w, ts);
	if (!atomic_load(&w->failed) && fsync(fileno(w->file)) != 0 && errno != EINVAL)
		set_failed(w, strerror(errno));
	if (digest_out)
		memcpy(digest_out, w->chain, 32);
	if (stats)
		*stats = w->st;
	int rc = atomic_load(&w->failed) ? -1 : 0;
	if (w->dumper) {
		pcap_dump_close(w->dumper);
		w->dumper = NULL;
		w->file = NULL;
	}
	destroy(w);
	return rc;
}
