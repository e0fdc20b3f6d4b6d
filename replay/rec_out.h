/* rec_out: the recording file of one session (docs/recording-format.md).
 *
 * It turns records into the bytes on disk: records are gathered into a frame,
 * a frame is compressed with zstd into one pcap packet, every packet is linked
 * into the SHA-256 hash chain, keyframe packets are indexed, and the file ends
 * with the index trailer. It also decides when data reaches the disk (fflush
 * per packet, fdatasync at most once a second).
 *
 * Contract
 * - rec_out_open() creates the file (0600, O_EXCL: never overwrites; missing
 *   parent directories 0700) and writes and flushes the header packet. On
 *   failure it removes the file it created and returns -1 with a one-line
 *   reason in err.
 * - rec_out_emit() appends one record to the frame being built. The frame
 *   becomes a packet when its content reaches 128 KiB or would pass
 *   REC_MAX_RAW, when a record comes a flush interval after the frame's first,
 *   and on rec_out_flush() / rec_out_flush_due().
 * - Failure is sticky: after it nothing more is appended, so the file stays a
 *   clean prefix and the chain digest matches what is on disk.
 * - rec_out_close() writes the pending frame and the index trailer, fsyncs,
 *   returns the final digest and frees; rec_out_free() only frees (the file is
 *   left as it is).
 *
 * Thread model
 * - Everything except the failure flag belongs to the recorder's writer thread
 *   (and to rec_writer_open/close, outside that thread's lifetime).
 * - The failure flag is atomic: any thread may call rec_out_fail() and
 *   rec_out_failed(). */
#ifndef RMGATE_REC_OUT_H
#define RMGATE_REC_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rec_out rec_out;

/* What the file has taken so far (rec_writer_stats has the same meaning). */
typedef struct rec_out_counters {
	uint64_t bytes;     /* file size */
	uint64_t packets;   /* zstd frames (pcap packets), trailer included */
	uint64_t records;   /* typed records */
	uint64_t raw_bytes; /* record bytes before compression */
} rec_out_counters;

/* header: the HEADER record's body, time-stamped header_ts; flush_ns and level
 * are the writer's tuning (flush interval, zstd level). */
int rec_out_open(rec_out **out, const char *path, uint64_t header_ts, const void *header,
                 size_t header_len, uint64_t flush_ns, int level, char *err, size_t errlen);
/* The same on a descriptor already open for writing at offset 0 (the gate's worker gets its
 * recording this way from the monitor, which created the file). The descriptor is taken, on
 * failure too; name only names the file in messages; nothing is unlinked. */
int rec_out_open_fd(rec_out **out, int fd, const char *name, uint64_t header_ts, const void *header,
                    size_t header_len, uint64_t flush_ns, int level, char *err, size_t errlen);
void rec_out_free(rec_out *o);

/* Marks the recording failed (logs `what` the first time). Any thread. */
void rec_out_fail(rec_out *o, const char *what);
bool rec_out_failed(rec_out *o);

/* Appends one record (type, time, body) to the current frame. */
void rec_out_emit(rec_out *o, uint16_t type, uint64_t ts, const void *body, size_t len);
/* Writes the current frame (if any) as one packet. */
void rec_out_flush(rec_out *o);
/* Ends the current frame and starts a keyframe packet, indexed at ts. */
void rec_out_begin_keyframe(rec_out *o, uint64_t ts);

/* The writer loop's timers (CLOCK_MONOTONIC). pending: a frame is open or
 * packets are not yet fdatasync'ed. due_in: nanoseconds until the frame's flush
 * time or the sync time, at most the flush interval. flush_due: writes the
 * frame once it is a flush interval old and syncs when a sync is due. */
bool rec_out_pending(const rec_out *o);
uint64_t rec_out_due_in(const rec_out *o);
void rec_out_flush_due(rec_out *o);

/* Writes the pending frame and the index trailer (time ts), fsyncs, copies the
 * chain digest (32 bytes) and the counters out (both may be NULL) and frees o.
 * Returns -1 if the recording failed at any point, else 0. */
int rec_out_close(rec_out *o, uint64_t ts, uint8_t digest_out[32], rec_out_counters *counters);

#endif
