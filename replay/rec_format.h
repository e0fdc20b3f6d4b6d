/* rec_format: constants and on-disk layout of rmgate session recordings.
 *
 * docs/recording-format.md is the normative description; this header is its C
 * mirror and is shared by the writer (rec_writer.c, rec_tiles.c, rec_out.c) and the reader (rec_reader.c).
 * All multi-byte integers inside packets are little-endian. */
#ifndef RMGATE_REC_FORMAT_H
#define RMGATE_REC_FORMAT_H

#include <stdint.h>

#define REC_FORMAT_VERSION 1u

/* pcap: nanosecond time stamps, link type LINKTYPE_USER8. */
#define REC_LINKTYPE 155
#define REC_SNAPLEN 262144u /* max pcap packet length (256 KiB) */

/* Packet = fixed header + one zstd frame (+ tail for the index packet). */
#define REC_PKT_MAGIC "RMGR"
#define REC_PKT_HDR_LEN 64u
#define REC_PKT_DIGEST_OFF 32u
#define REC_PKT_DATA 1u  /* a frame of records */
#define REC_PKT_INDEX 2u /* the index trailer, last packet of a closed file */
#define REC_PKT_FLAG_KEYFRAME 0x01u /* the frame's first record is a KEYFRAME */
#define REC_IDX_TAIL_LEN 16u
#define REC_IDX_TAIL_MAGIC "RMGRIDX1"

/* Limits (a reader rejects anything larger). */
#define REC_MAX_RAW 245760u    /* decompressed frame content */
#define REC_MAX_RECORD 131072u /* one typed record, header included */
#define REC_REC_HDR_LEN 14u    /* u16 type, u32 length, u64 time (ns) */
#define REC_MAX_TEXT 1024u     /* session id, event type/detail, end reason */
#define REC_MAX_DIM 8192u      /* screen width/height: 256 MiB of BGRA at most */
#define REC_MAX_POINTER 160u   /* pointer image width/height */
#define REC_MAX_INDEX 6000u    /* entries in the index trailer */

#define REC_TILE 64u /* tile edge in pixels */

/* Record types. */
enum rec_type {
	REC_T_HEADER = 1,
	REC_T_KEYFRAME = 2,
	REC_T_TILE = 3,
	REC_T_COPY = 4,
	REC_T_POINTER_POS = 5,
	REC_T_POINTER_SHAPE = 6,
	REC_T_KEY = 7,
	REC_T_UNICODE = 8,
	REC_T_MOUSE = 9,
	REC_T_EVENT = 10,
	REC_T_RESIZE = 11,
	REC_T_END = 12,
	REC_T_INDEX = 13,
};

/* Tile encodings. */
enum rec_tile_enc {
	REC_TILE_SOLID = 0, /* 3 bytes B,G,R */
	REC_TILE_RAW = 1,   /* w*h*3 bytes B,G,R, rows top to bottom */
	REC_TILE_XOR = 2,   /* as RAW, XORed with the tile's previous content */
};

/* Pointer shape kinds. */
enum rec_pointer_kind {
	REC_POINTER_HIDDEN = 0,
	REC_POINTER_DEFAULT = 1, /* the system arrow; the player draws its own */
	REC_POINTER_IMAGE = 2,   /* BGRA image + hotspot */
};

/* Pixel format code in the header: pixels stored as B,G,R (alpha dropped). */
#define REC_PIXEL_BGR24 1u

/* RDP pointer flags of MOUSE records that carry no pointer position (MS-RDPBCGR 2.2.8.1.1.3.1.1.3). */
#define REC_PTR_FLAGS_HWHEEL 0x0400
#define REC_PTR_FLAGS_WHEEL 0x0200

#endif
