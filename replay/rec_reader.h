/* rec_reader: reads, checks and seeks in a recording (docs/recording-format.md).
 *
 * Contract
 * - A rec_reader belongs to one thread; nothing in it is shared.
 * - Every byte is parsed through rec_rd (bounds-checked). Corrupt input makes
 *   rec_reader_next() return -1 with a one-line message (rec_reader_error());
 *   it never reads outside its buffers.
 * - A file cut short (crash, copy interrupted) reads up to its last complete
 *   packet; then rec_reader_next() returns 0 and rec_reader_truncated() is true.
 * - Hash chain: while reading sequentially from the start each packet's digest
 *   is recomputed and compared. After a seek the first packet's link cannot be
 *   checked (its predecessor was not read); the following links are.
 * - Pointers inside a rec_record (tile data, pointer image) stay valid until the
 *   next call on the reader. */
#ifndef RMGATE_REC_READER_H
#define RMGATE_REC_READER_H

#include "rec_format.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rec_reader rec_reader;

typedef struct rec_header {
	uint32_t version;
	uint32_t width, height;
	uint32_t pixel_format;
	uint32_t tile;
	uint32_t keyboard_layout;
	int64_t permit_id, vendor_id, system_id, account_id;
	uint64_t start_ns;
	char session_id[REC_MAX_TEXT + 1];
	char gate_version[REC_MAX_TEXT + 1];
} rec_header;

typedef struct rec_record {
	uint16_t type; /* enum rec_type */
	uint64_t ts;   /* ns since the epoch, UTC */
	union {
		struct { uint32_t width, height; } geom; /* KEYFRAME, RESIZE */
		struct { uint32_t tx, ty; uint8_t enc; const uint8_t *data; size_t len; } tile;
		struct { uint32_t sx, sy, w, h, dx, dy; } copy;
		struct { int32_t x, y; } pos;
		struct {
			uint8_t kind; /* enum rec_pointer_kind */
			uint32_t w, h, hot_x, hot_y;
			const uint8_t *bgra; /* w*h*4 */
		} shape;
		struct { uint16_t flags, code; } key; /* KEY (scancode), UNICODE (code unit) */
		struct { uint16_t flags, x, y; } mouse;
	} u;
	/* EVENT: type + detail; END: reason in text1. */
	char text1[REC_MAX_TEXT + 1];
	char text2[REC_MAX_TEXT + 1];
} rec_record;

/* Opens a recording, checks its pcap header and its HEADER record, and reads the
 * index trailer when there is one. Returns 0, or -1 with a one-line reason, in the
 * language of LC_MESSAGES (i18n.h: English unless the program chose a locale; the gate never
 * does). The problems rec_reader_error() and rec_summary.problem describe stay English: they
 * appear in rmgate-replay's JSON. */
int rec_reader_open(rec_reader **out, const char *path, char *err, size_t errlen);
/* Same, from a memory buffer (not copied; must outlive the reader). For the fuzzer. */
int rec_reader_open_mem(rec_reader **out, const void *data, size_t len, char *err, size_t errlen);
void rec_reader_close(rec_reader *r);

const rec_header *rec_reader_header(const rec_reader *r);

/* Next record: 1 = *rec filled, 0 = no more readable records, -1 = corrupt
 * (message in rec_reader_error()). The HEADER record comes first. */
int rec_reader_next(rec_reader *r, rec_record *rec);
const char *rec_reader_error(const rec_reader *r);
bool rec_reader_truncated(const rec_reader *r);

/* Back to the first record (chain checking on again). */
int rec_reader_rewind(rec_reader *r);
/* Positions at the last keyframe at or before ts (or the start); the records
 * from there on rebuild the screen at ts. Uses the index trailer, or builds
 * the index by scanning packet headers when the trailer is missing. */
int rec_reader_seek(rec_reader *r, uint64_t ts);
bool rec_reader_has_trailer(const rec_reader *r);
size_t rec_reader_index_count(rec_reader *r);

/* Position of the packet being read (for error reports). */
uint32_t rec_reader_packet_seq(const rec_reader *r);
uint64_t rec_reader_packet_offset(const rec_reader *r);

/* ---- whole-file check (info, verify, the gate's crash recovery) ---- */
typedef enum rec_integrity {
	REC_COMPLETE = 0,   /* END record and index trailer, chain intact */
	REC_UNFINISHED = 1, /* ends at a packet boundary without END/trailer (writer stopped) */
	REC_TRUNCATED = 2,  /* ends inside a packet (cut short) */
	REC_CORRUPT = 3,    /* a packet or record is invalid or the chain is broken */
} rec_integrity;

typedef struct rec_summary {
	rec_integrity integrity;
	char problem[512];      /* what is wrong, "" when complete */
	uint32_t bad_seq;       /* first bad packet (CORRUPT/TRUNCATED) */
	uint64_t bad_offset;    /* its file offset */
	uint8_t digest[32];     /* chain digest of the last good packet */
	uint64_t start_ns, end_ns; /* header start time, time of the last readable record */
	uint64_t file_bytes;
	uint64_t packets, records, keyframes, tiles, keys, unicode, mouse, events, resizes;
	bool has_end, has_trailer;
	char end_reason[REC_MAX_TEXT + 1];
} rec_summary;

/* Reads the whole file from the start, checking everything. The header must be
 * readable (else -1 and err); any later problem is reported in s. */
int rec_reader_scan(rec_reader *r, rec_summary *s);

/* For the gate's crash recovery: open + scan + close. s->digest and s->end_ns
 * then describe the readable part (what to store in the ledger for a session
 * whose writer died). -1 with err when not even the header is readable. */
int rec_reader_check_file(const char *path, rec_summary *s, char *err, size_t errlen);

const char *rec_integrity_name(rec_integrity i);
void rec_digest_hex(const uint8_t d[32], char out[65]);

#endif
