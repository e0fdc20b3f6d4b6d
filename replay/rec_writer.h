/* rec_writer: records one gate session into a recording file (docs/recording-format.md).
 *
 * Contract
 * - The gate calls rec_writer_open() before it connects the session; a failure
 *   there means the session must be refused (fail closed). open() writes and
 *   flushes the header packet itself, so a file exists on disk once it returns.
 * - All rec_writer_* functions except open/close are thread-safe and may be
 *   called from any FreeRDP thread. They time-stamp the call (CLOCK_REALTIME ns,
 *   or info.clock), copy what they need and return without waiting for disk.
 * - rec_writer_failed() turns true (sticky) once anything could not be written
 *   (disk full, I/O error, out of memory); the gate must then end the session.
 * - rec_writer_close() is called once, by the owner, after the last other call
 *   has returned; it writes the end record and the index trailer, joins the
 *   writer thread, returns the final hash-chain digest and frees the writer.
 *
 * Thread model
 * - Producers (gate threads) and the writer thread share only `struct
 *   rec_writer`'s "shared" part, guarded by its one mutex (w->lock):
 *     * the entry queue: a FIFO of small serialised records (input, pointer,
 *       events, resize, and "frame" markers), bounded by 65536 entries and
 *       32 MiB; when full, new input/pointer/event entries
 *       are dropped and counted, and the writer records a "recorder_overrun"
 *       event with the count (frame and resize markers are never dropped);
 *     * the pending screen: one full copy of the framebuffer plus a dirty-tile
 *       map. rec_writer_frame() copies the dirty rectangles into it and marks
 *       tiles. The writer thread takes the dirty tiles out in one step. So when
 *       the writer falls behind, successive frames coalesce into one update
 *       (only the newest pixels are kept) and screen data never grows the queue.
 * - Memory per session: three screens of width*height*4 bytes (pending,
 *   latest snapshot, what the file's reader has), about 25 MB at 1920x1080.
 * - Everything else is owned by the writer thread and touched by close() only
 *   after the join: the recorded screens and the tile encoder (rec_tiles.h),
 *   the file, zstd context, hash chain and index (rec_out.h; only its sticky
 *   failure flag is shared, atomic).
 * - The writer thread wakes on new entries and at least every flush interval,
 *   so a zstd frame is written at least once per flush interval (default 1 s)
 *   while there is anything to write. */
#ifndef RMGATE_REC_WRITER_H
#define RMGATE_REC_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rec_writer rec_writer;

/* A dirty rectangle in framebuffer pixels (FreeRDP's invalid region is x,y,w,h). */
typedef struct rec_rect {
	int32_t x, y, w, h;
} rec_rect;

/* Time source: nanoseconds since the Unix epoch (UTC). */
typedef uint64_t (*rec_clock_fn)(void *ctx);

typedef struct rec_session_info {
	const char *session_id;   /* text, <= 1024 bytes; required */
	int64_t permit_id;        /* 0 = unknown */
	int64_t vendor_id;
	int64_t system_id;
	int64_t account_id;
	const char *gate_version; /* NULL = RMGATE_VERSION of this build */
	uint32_t width, height;   /* initial geometry, 1..REC_MAX_DIM (8192) */
	uint32_t keyboard_layout; /* FreeRDP layout id: 0x409 US, 0xE0010411 Japanese 106/109 */
	uint64_t start_ns;        /* 0 = now */
	/* Tuning (0 = default); tests and benchmarks change them. */
	uint32_t keyframe_interval_ms; /* default 120000 */
	uint32_t flush_interval_ms;    /* default 1000 */
	int zstd_level;                /* default 6 */
	rec_clock_fn clock;            /* NULL = CLOCK_REALTIME */
	void *clock_ctx;
} rec_session_info;

typedef struct rec_writer_stats {
	uint64_t bytes;     /* file size */
	uint64_t packets;   /* zstd frames (pcap packets), trailer included */
	uint64_t records;   /* typed records */
	uint64_t updates;   /* screen updates written (keyframes included) */
	uint64_t keyframes;
	uint64_t tiles;     /* tile records */
	uint64_t copies;    /* COPY records (detected scrolls) */
	uint64_t dropped;   /* entries dropped because the queue was full */
	uint64_t raw_bytes; /* record bytes before compression */
} rec_writer_stats;

/* Creates `path` (0600, O_EXCL: never overwrites) and missing parent directories
 * (0700), writes the header packet and starts the writer thread.
 * Returns 0 and *out, or -1 with a one-line reason in err. */
int rec_writer_open(rec_writer **out, const char *path, const rec_session_info *info,
                    char *err, size_t errlen);
/* The same on a descriptor open for writing at offset 0 (the gate's session worker gets its
 * recording from the monitor this way and never opens a path). fd is taken, on failure too;
 * name only names the file in messages; on failure nothing is unlinked (the creator decides). */
int rec_writer_open_fd(rec_writer **out, int fd, const char *name, const rec_session_info *info,
                       char *err, size_t errlen);

/* End of paint: `bgra` is the whole framebuffer (PIXEL_FORMAT_BGRA32, `stride`
 * bytes per row, width x height); rects are the dirty region (clipped here).
 * nrects == 0 or rects == NULL means the whole screen; so does the first call
 * after open or a resize. A geometry different from the last one is taken as a
 * resize. The pixels are copied before returning. */
void rec_writer_frame(rec_writer *w, const uint8_t *bgra, uint32_t stride, uint32_t width,
                      uint32_t height, const rec_rect *rects, size_t nrects);
void rec_writer_resize(rec_writer *w, uint32_t width, uint32_t height);

void rec_writer_pointer_position(rec_writer *w, int32_t x, int32_t y);
/* A pointer image: 32 bpp BGRA with alpha (PIXEL_FORMAT_BGRA32), `stride` bytes
 * per row; images larger than 160x160 are cropped. */
void rec_writer_pointer_shape(rec_writer *w, const uint8_t *bgra, uint32_t stride, uint32_t width,
                              uint32_t height, uint32_t hot_x, uint32_t hot_y);
/* An RDP pointer as FreeRDP delivers it (xor mask of xor_bpp bits, 1-bit and mask);
 * converted to BGRA here. Returns false if the masks are inconsistent. */
bool rec_writer_pointer_rdp(rec_writer *w, uint32_t xor_bpp, const uint8_t *xor_mask,
                            uint32_t xor_len, const uint8_t *and_mask, uint32_t and_len,
                            uint32_t width, uint32_t height, uint32_t hot_x, uint32_t hot_y);
void rec_writer_pointer_hidden(rec_writer *w);
void rec_writer_pointer_default(rec_writer *w);

void rec_writer_key(rec_writer *w, uint16_t flags, uint16_t scancode);  /* KBD_FLAGS_*, set-1 code */
void rec_writer_unicode(rec_writer *w, uint16_t flags, uint16_t codeunit); /* UTF-16 code unit */
void rec_writer_mouse(rec_writer *w, uint16_t flags, uint16_t x, uint16_t y); /* PTR_FLAGS_* */
/* A policy event: type and detail are short texts, e.g. "channel_denied", "cliprdr". */
void rec_writer_event(rec_writer *w, const char *type, const char *detail);

/* Blocks until everything queued so far has been encoded into the current
 * frame (not necessarily flushed to disk). For tests and benchmarks that need
 * determinism; the gate never calls it. */
void rec_writer_drain(rec_writer *w);

/* Sticky: true once writing failed. Thread-safe. */
bool rec_writer_failed(rec_writer *w);

/* Writes END (reason) and the index trailer, joins the thread, frees w.
 * digest_out (32 bytes) and stats may be NULL. Returns 0, or -1 if anything was
 * lost or could not be written (the digest then covers what is on disk). */
int rec_writer_close(rec_writer *w, const char *end_reason, uint8_t digest_out[32],
                     rec_writer_stats *stats);

#endif
