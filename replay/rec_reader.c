/* rec_reader: sequential reading, checking and seeking of recordings.
 * Packets come from libpcap; their content is parsed with rec_rd only.
 * One file on purpose (~740 lines): packet reading, the hash-chain check,
 * record parsing, seeking and the whole-file scan all move or read the same
 * position and chain state (struct rec_reader); split, that state would have
 * to be shared across files. */
#include "rec_reader.h"

#include "rec_buf.h"
#include "hex.h"
#include "i18n.h"

#include <errno.h>
#include <openssl/evp.h>
#include "rec_pcap.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>

#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR 16u
#define SEQ_ANY UINT32_MAX

typedef struct idx_entry {
	uint64_t ts, offset;
	uint32_t seq;
} idx_entry;

struct rec_reader {
	FILE *f;  /* owned by pc once pc is open */
	pcap_t *pc;
	uint64_t size;
	ZSTD_DCtx *dctx;
	EVP_MD_CTX *md;
	rec_header hdr;
	bool have_hdr;
	/* current packet */
	uint8_t *raw; /* REC_MAX_RAW bytes */
	size_t raw_len, raw_pos;
	uint32_t pkt_records, pkt_seen;
	uint8_t pkt_kind, pkt_flags;
	uint64_t pkt_ts;
	uint32_t pkt_seq;
	uint64_t pkt_off;
	/* stream position */
	uint32_t expect_seq;
	bool chain_known;
	uint8_t chain[32];
	bool ended;     /* END seen: only the trailer may follow */
	bool at_eof;    /* no more packets */
	bool truncated;
	bool corrupt;
	char err[512];
	char why[128]; /* what made the current record malformed, when known */
	/* index */
	idx_entry *idx;
	size_t nidx;
	bool have_trailer;
	bool idx_built;
};

static int fail(rec_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(rec_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	r->corrupt = true;
	return -1;
}

const char *rec_reader_error(const rec_reader *r)
{
	return r->err;
}

bool rec_reader_truncated(const rec_reader *r)
{
	return r->truncated;
}

const rec_header *rec_reader_header(const rec_reader *r)
{
	return &r->hdr;
}

uint32_t rec_reader_packet_seq(const rec_reader *r)
{
	return r->pkt_seq;
}

uint64_t rec_reader_packet_offset(const rec_reader *r)
{
	return r->pkt_off;
}

bool rec_reader_has_trailer(const rec_reader *r)
{
	return r->have_trailer;
}

/* ---------- packets ---------- */

static void position(rec_reader *r, uint64_t off, uint32_t seq, bool chain_known)
{
	fseeko(pcap_file(r->pc), (off_t)off, SEEK_SET);
	r->raw_len = r->raw_pos = 0;
	r->pkt_records = r->pkt_seen = 0;
	r->pkt_kind = 0;
	r->expect_seq = seq;
	r->chain_known = chain_known;
	memset(r->chain, 0, sizeof r->chain);
	r->ended = r->at_eof = r->truncated = r->corrupt = false;
	r->err[0] = '\0';
}

/* After a libpcap read error at `off`: a packet running past the end of the
 * file is a truncation; anything else is corruption. */
static int read_error(rec_reader *r, uint64_t off)
{
	FILE *f = pcap_file(r->pc);
	uint8_t h[PCAP_REC_HDR];
	r->pkt_off = off; /* the packet that could not be read */
	r->pkt_seq = r->expect_seq;
	if (r->size - off < PCAP_REC_HDR) {
		r->truncated = true;
		snprintf(r->err, sizeof r->err, "file ends inside packet %u (offset %llu)", r->expect_seq,
		         (unsigned long long)off);
		return 0;
	}
	if (fseeko(f, (off_t)off, SEEK_SET) == 0 && fread(h, 1, sizeof h, f) == sizeof h) {
		uint32_t caplen = pcap_is_swapped(r->pc) ? __builtin_bswap32(rec_get_u32(h + 8))
		                                          : rec_get_u32(h + 8);
		if (caplen <= REC_SNAPLEN && off + PCAP_REC_HDR + caplen > r->size) {
			r->truncated = true;
			snprintf(r->err, sizeof r->err, "file ends inside packet %u (offset %llu)",
			         r->expect_seq, (unsigned long long)off);
			return 0;
		}
	}
	return fail(r, "invalid packet %u at offset %llu: %s", r->expect_seq, (unsigned long long)off,
	            pcap_geterr(r->pc));
}

static bool chain_step(rec_reader *r, const uint8_t *p, size_t len, uint8_t out[32])
{
	unsigned int n = 0;
	return EVP_DigestInit_ex(r->md, EVP_sha256(), NULL) && EVP_DigestUpdate(r->md, r->chain, 32) &&
	       EVP_DigestUpdate(r->md, p, REC_PKT_DIGEST_OFF) &&
	       EVP_DigestUpdate(r->md, p + REC_PKT_HDR_LEN, len - REC_PKT_HDR_LEN) &&
	       EVP_DigestFinal_ex(r->md, out, &n);
}

/* Reads and checks the next packet; decompresses it when `decode`.
 * Returns 1 packet, 0 end (clean or truncated), -1 corrupt. */
static int read_packet(rec_reader *r, bool decode)
{
	if (r->at_eof || r->truncated || r->corrupt)
		return r->corrupt ? -1 : 0;
	uint64_t off = (uint64_t)ftello(pcap_file(r->pc));
	struct pcap_pkthdr *ph;
	const u_char *d;
	int rc = pcap_next_ex(r->pc, &ph, &d);
	if (rc == PCAP_ERROR_BREAK) {
		r->at_eof = true;
		return 0;
	}
	if (rc != 1)
		return read_error(r, off);
	r->pkt_off = off;
	r->pkt_seq = r->expect_seq;
	uint32_t n = ph->caplen;
	if (ph->len != n || n < REC_PKT_HDR_LEN || memcmp(d, REC_PKT_MAGIC, 4) != 0)
		return fail(r, "packet %u at offset %llu is not a recording packet", r->expect_seq,
		            (unsigned long long)off);
	uint16_t ver = rec_get_u16(d + 4);
	uint8_t kind = d[6], flags = d[7];
	uint32_t seq = rec_get_u32(d + 8), nrec = rec_get_u32(d + 12);
	uint32_t raw_len = rec_get_u32(d + 16), clen = rec_get_u32(d + 20);
	uint64_t first_ts = rec_get_u64(d + 24);
	uint32_t tail = kind == REC_PKT_INDEX ? REC_IDX_TAIL_LEN : 0;
	if (ver != REC_FORMAT_VERSION)
		return fail(r, "packet at offset %llu has format version %u (this reader knows %u)",
		            (unsigned long long)off, ver, REC_FORMAT_VERSION);
	r->pkt_seq = seq;
	if ((kind != REC_PKT_DATA && kind != REC_PKT_INDEX) || (flags & ~REC_PKT_FLAG_KEYFRAME) ||
	    (uint64_t)REC_PKT_HDR_LEN + clen + tail != n || raw_len > REC_MAX_RAW || nrec == 0 ||
	    raw_len < (uint64_t)nrec * REC_REC_HDR_LEN)
		return fail(r, "packet %u at offset %llu has an invalid header", seq,
		            (unsigned long long)off);
	if (r->expect_seq != SEQ_ANY && seq != r->expect_seq)
		return fail(r, "packet at offset %llu has sequence %u, expected %u (packets missing or reordered)",
		            (unsigned long long)off, seq, r->expect_seq);
	/* pcap files hold 32-bit seconds: compare modulo 2^32 (valid past 2038). */
	if ((uint32_t)ph->ts.tv_sec != (uint32_t)(first_ts / 1000000000ull) ||
	    (uint64_t)ph->ts.tv_usec != first_ts % 1000000000ull)
		return fail(r, "packet %u at offset %llu: pcap time stamp differs from the packet's time",
		            seq, (unsigned long long)off);
	if (r->ended && kind != REC_PKT_INDEX)
		return fail(r, "packet %u at offset %llu follows the END record", seq,
		            (unsigned long long)off);
	if (r->chain_known) {
		uint8_t dg[32];
		if (!chain_step(r, d, n, dg))
			return fail(r, "SHA-256 failed");
		if (memcmp(dg, d + REC_PKT_DIGEST_OFF, 32) != 0)
			return fail(r, "hash chain mismatch at packet %u (offset %llu): the file was altered",
			            seq, (unsigned long long)off);
	}
	memcpy(r->chain, d + REC_PKT_DIGEST_OFF, 32);
	r->chain_known = true;
	if (tail && (rec_get_u64(d + REC_PKT_HDR_LEN + clen) != off ||
	             memcmp(d + REC_PKT_HDR_LEN + clen + 8, REC_IDX_TAIL_MAGIC, 8) != 0))
		return fail(r, "index packet %u at offset %llu has a bad tail", seq,
		            (unsigned long long)off);
	r->pkt_kind = kind;
	r->pkt_flags = flags;
	r->pkt_ts = first_ts;
	r->pkt_records = nrec;
	r->pkt_seen = 0;
	r->raw_pos = 0;
	r->raw_len = 0;
	r->expect_seq = seq + 1;
	if (decode) {
		const uint8_t *c = d + REC_PKT_HDR_LEN;
		unsigned long long cs = ZSTD_getFrameContentSize(c, clen);
		if (cs != raw_len || ZSTD_findFrameCompressedSize(c, clen) != clen)
			return fail(r, "packet %u at offset %llu: not one zstd frame of %u bytes", seq,
			            (unsigned long long)off, raw_len);
		size_t got = ZSTD_decompressDCtx(r->dctx, r->raw, REC_MAX_RAW, c, clen);
		if (ZSTD_isError(got) || got != raw_len)
			return fail(r, "packet %u at offset %llu: zstd: %s", seq, (unsigned long long)off,
			            ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong length");
		r->raw_len = raw_len;
	}
	return 1;
}

/* ---------- records ---------- */

/* The limit keeps a crafted file of a few hundred bytes from making the
 * player allocate and fill gigabytes for each KEYFRAME/RESIZE. */
static bool geom_ok(rec_reader *r, uint32_t w, uint32_t h)
{
	if (w >= 1 && h >= 1 && w <= REC_MAX_DIM && h <= REC_MAX_DIM)
		return true;
	snprintf(r->why, sizeof r->why, "screen %ux%u is outside the format's limit (1..%u in each direction)", w, h,
	         REC_MAX_DIM);
	return false;
}

static bool parse_header(rec_reader *r, rec_rd *b)
{
	rec_header *h = &r->hdr;
	uint16_t ver, w, ht, tile;
	uint64_t p, v, s, a;
	bool ok = rec_rd_u16(b, &ver) && rec_rd_u16(b, &w) && rec_rd_u16(b, &ht) &&
	          rec_rd_u32(b, &h->pixel_format) && rec_rd_u16(b, &tile) &&
	          rec_rd_u32(b, &h->keyboard_layout) && rec_rd_u64(b, &p) && rec_rd_u64(b, &v) &&
	          rec_rd_u64(b, &s) && rec_rd_u64(b, &a) && rec_rd_u64(b, &h->start_ns) &&
	          rec_rd_text(b, h->session_id, sizeof h->session_id, REC_MAX_TEXT) &&
	          rec_rd_text(b, h->gate_version, sizeof h->gate_version, REC_MAX_TEXT);
	if (!ok || ver != REC_FORMAT_VERSION || h->pixel_format != REC_PIXEL_BGR24 ||
	    tile != REC_TILE || !geom_ok(r, w, ht))
		return false;
	h->version = ver;
	h->width = w;
	h->height = ht;
	h->tile = tile;
	h->permit_id = (int64_t)p;
	h->vendor_id = (int64_t)v;
	h->system_id = (int64_t)s;
	h->account_id = (int64_t)a;
	return true;
}

static bool parse_shape(rec_rd *b, rec_record *rec)
{
	uint16_t w, h, hx, hy;
	if (!rec_rd_u8(b, &rec->u.shape.kind) || !rec_rd_u16(b, &w) || !rec_rd_u16(b, &h) ||
	    !rec_rd_u16(b, &hx) || !rec_rd_u16(b, &hy))
		return false;
	rec->u.shape.w = w;
	rec->u.shape.h = h;
	rec->u.shape.hot_x = hx;
	rec->u.shape.hot_y = hy;
	rec->u.shape.bgra = NULL;
	if (rec->u.shape.kind == REC_POINTER_IMAGE)
		return w >= 1 && h >= 1 && w <= REC_MAX_POINTER && h <= REC_MAX_POINTER && hx < w &&
		       hy < h && rec_rd_bytes(b, (size_t)w * h * 4, &rec->u.shape.bgra);
	return rec->u.shape.kind <= REC_POINTER_DEFAULT && (w | h | hx | hy) == 0;
}

/* Parses one record body; false = malformed. */
static bool parse_body(rec_reader *r, rec_rd *b, rec_record *rec)
{
	uint16_t a, c, d, e, f, g;
	rec->text1[0] = rec->text2[0] = '\0';
	switch (rec->type) {
	case REC_T_HEADER:
		return r->pkt_seq == 0 && r->pkt_seen == 0 && parse_header(r, b);
	case REC_T_KEYFRAME:
	case REC_T_RESIZE:
		if (!rec_rd_u16(b, &a) || !rec_rd_u16(b, &c) || !geom_ok(r, a, c))
			return false;
		rec->u.geom.width = a;
		rec->u.geom.height = c;
		return true;
	case REC_T_TILE:
		if (!rec_rd_u16(b, &a) || !rec_rd_u16(b, &c) || !rec_rd_u8(b, &rec->u.tile.enc) ||
		    rec->u.tile.enc > REC_TILE_XOR)
			return false;
		rec->u.tile.tx = a;
		rec->u.tile.ty = c;
		rec->u.tile.len = rec_rd_left(b);
		return rec_rd_bytes(b, rec->u.tile.len, &rec->u.tile.data);
	case REC_T_COPY:
		if (!rec_rd_u16(b, &a) || !rec_rd_u16(b, &c) || !rec_rd_u16(b, &d) ||
		    !rec_rd_u16(b, &e) || !rec_rd_u16(b, &f) || !rec_rd_u16(b, &g))
			return false;
		rec->u.copy = (typeof(rec->u.copy)){ a, c, d, e, f, g };
		return true;
	case REC_T_POINTER_POS:
		return rec_rd_i32(b, &rec->u.pos.x) && rec_rd_i32(b, &rec->u.pos.y);
	case REC_T_POINTER_SHAPE:
		return parse_shape(b, rec);
	case REC_T_KEY:
	case REC_T_UNICODE:
		return rec_rd_u16(b, &rec->u.key.flags) && rec_rd_u16(b, &rec->u.key.code);
	case REC_T_MOUSE:
		return rec_rd_u16(b, &rec->u.mouse.flags) && rec_rd_u16(b, &rec->u.mouse.x) &&
		       rec_rd_u16(b, &rec->u.mouse.y);
	case REC_T_EVENT:
		return rec_rd_text(b, rec->text1, sizeof rec->text1, REC_MAX_TEXT) &&
		       rec_rd_text(b, rec->text2, sizeof rec->text2, REC_MAX_TEXT);
	case REC_T_END:
		return rec_rd_text(b, rec->text1, sizeof rec->text1, REC_MAX_TEXT);
	default:
		return false;
	}
}

/* Checks the index record of the trailer packet and keeps its entries. */
static bool parse_index(rec_reader *r, rec_rd *b, bool keep)
{
	uint32_t n;
	if (!rec_rd_u32(b, &n) || n > REC_MAX_INDEX || rec_rd_left(b) != (size_t)n * 20)
		return false;
	idx_entry *v = keep && n ? calloc(n, sizeof *v) : NULL;
	if (keep && n && !v)
		return false;
	uint64_t last = 0;
	for (uint32_t i = 0; i < n; i++) {
		idx_entry e;
		rec_rd_u64(b, &e.ts);
		rec_rd_u64(b, &e.offset);
		rec_rd_u32(b, &e.seq);
		if (e.offset < PCAP_FILE_HDR || e.offset >= r->pkt_off || e.offset <= last) {
			free(v);
			return false;
		}
		last = e.offset;
		if (v)
			v[i] = e;
	}
	if (keep) {
		free(r->idx);
		r->idx = v;
		r->nidx = n;
	}
	return true;
}

int rec_reader_next(rec_reader *r, rec_record *rec)
{
	for (;;) {
		if (r->corrupt)
			return -1;
		if (r->raw_pos < r->raw_len)
			break;
		int rc = read_packet(r, true);
		if (rc <= 0) {
			if (rc == 0 && !r->truncated && !r->have_hdr)
				return fail(r, "the recording has no header packet");
			return rc;
		}
	}
	if (r->pkt_seen >= r->pkt_records)
		return fail(r, "packet %u at offset %llu holds more records than its header says",
		            r->pkt_seq, (unsigned long long)r->pkt_off);
	rec_rd b;
	rec_rd_init(&b, r->raw + r->raw_pos, r->raw_len - r->raw_pos);
	uint16_t type;
	uint32_t len;
	rec_rd_u16(&b, &type);
	rec_rd_u32(&b, &len);
	rec_rd_u64(&b, &rec->ts);
	if (b.bad || len < REC_REC_HDR_LEN || len > REC_MAX_RECORD || len > r->raw_len - r->raw_pos)
		return fail(r, "packet %u at offset %llu: bad record length", r->pkt_seq,
		            (unsigned long long)r->pkt_off);
	rec->type = type;
	rec_rd body;
	rec_rd_init(&body, r->raw + r->raw_pos + REC_REC_HDR_LEN, len - REC_REC_HDR_LEN);
	bool first = r->pkt_seq == 0 && r->pkt_seen == 0;
	bool ok;
	r->why[0] = '\0';
	if (r->pkt_kind == REC_PKT_INDEX)
		ok = type == REC_T_INDEX && r->pkt_records == 1 && parse_index(r, &body, false);
	else
		ok = type != REC_T_INDEX && (type == REC_T_HEADER) == first && !r->ended &&
		     parse_body(r, &body, rec);
	if (!ok && r->why[0])
		return fail(r, "packet %u at offset %llu: record of type %u: %s", r->pkt_seq,
		            (unsigned long long)r->pkt_off, type, r->why);
	if (!ok || rec_rd_left(&body) != 0)
		return fail(r, "packet %u at offset %llu: malformed record of type %u", r->pkt_seq,
		            (unsigned long long)r->pkt_off, type);
	r->raw_pos += len;
	r->pkt_seen++;
	if (r->raw_pos == r->raw_len && r->pkt_seen != r->pkt_records)
		return fail(r, "packet %u at offset %llu holds %u records, header says %u", r->pkt_seq,
		            (unsigned long long)r->pkt_off, r->pkt_seen, r->pkt_records);
	if (type == REC_T_HEADER)
		r->have_hdr = true;
	if (type == REC_T_END)
		r->ended = true;
	if (type == REC_T_INDEX) {
		/* The trailer is the last packet; it is checked, not returned. */
		struct pcap_pkthdr *ph;
		const u_char *d;
		if (pcap_next_ex(r->pc, &ph, &d) != PCAP_ERROR_BREAK)
			return fail(r, "data follows the index trailer (offset %llu)",
			            (unsigned long long)r->pkt_off);
		r->at_eof = true;
		return 0;
	}
	return 1;
}

/* ---------- open, index, seek ---------- */

/* The pcap file header is not covered by the hash chain, so every field must
 * be exactly what the writer writes (a flipped bit anywhere is then noticed). */
static bool pcap_header_ok(FILE *f)
{
	uint8_t h[PCAP_FILE_HDR];
	bool ok = fread(h, 1, sizeof h, f) == sizeof h && rec_get_u32(h) == 0xa1b23c4du &&
	          rec_get_u16(h + 4) == 2 && rec_get_u16(h + 6) == 4 && rec_get_u32(h + 8) == 0 &&
	          rec_get_u32(h + 12) == 0 && rec_get_u32(h + 16) == REC_SNAPLEN &&
	          rec_get_u32(h + 20) == REC_LINKTYPE;
	rewind(f);
	return ok;
}

static int open_common(rec_reader *r, FILE *f, char *err, size_t errlen)
{
	char pe[PCAP_ERRBUF_SIZE] = "";
	r->f = f;
	if (!pcap_header_ok(f)) {
		snprintf(err, errlen, _("not an rmgate recording (no nanosecond pcap header with link type %d and snaplen %u)"),
		         REC_LINKTYPE, REC_SNAPLEN);
		return -1;
	}
	r->pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, pe);
	if (!r->pc) {
		snprintf(err, errlen, _("not an rmgate recording (%s)"), pe);
		return -1;
	}
	r->f = NULL; /* rec_pcap_close() closes it now */
	if (pcap_datalink(r->pc) != REC_LINKTYPE) {
		snprintf(err, errlen, _("not an rmgate recording (pcap link type %d, expected %d)"),
		         pcap_datalink(r->pc), REC_LINKTYPE);
		return -1;
	}
	r->dctx = ZSTD_createDCtx();
	r->md = EVP_MD_CTX_new();
	r->raw = malloc(REC_MAX_RAW);
	if (!r->dctx || !r->md || !r->raw) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	position(r, PCAP_FILE_HDR, 0, true);
	rec_record rec;
	int rc = rec_reader_next(r, &rec);
	if (rc != 1 || rec.type != REC_T_HEADER) {
		snprintf(err, errlen, _("not a readable rmgate recording (%s)"),
		         r->err[0] ? r->err : _("no header record"));
		return -1;
	}
	/* The index trailer, when the file ends with one. */
	uint8_t t[REC_IDX_TAIL_LEN];
	FILE *pf = pcap_file(r->pc);
	if (r->size >= PCAP_FILE_HDR + REC_IDX_TAIL_LEN &&
	    fseeko(pf, (off_t)(r->size - REC_IDX_TAIL_LEN), SEEK_SET) == 0 &&
	    fread(t, 1, sizeof t, pf) == sizeof t && memcmp(t + 8, REC_IDX_TAIL_MAGIC, 8) == 0) {
		uint64_t off = rec_get_u64(t);
		if (off >= PCAP_FILE_HDR && off < r->size) {
			position(r, off, SEQ_ANY, false);
			if (read_packet(r, true) == 1 && r->pkt_kind == REC_PKT_INDEX &&
			    r->raw_len >= REC_REC_HDR_LEN) {
				rec_rd b;
				rec_rd_init(&b, r->raw + REC_REC_HDR_LEN, r->raw_len - REC_REC_HDR_LEN);
				r->have_trailer = rec_get_u16(r->raw) == REC_T_INDEX &&
				                  rec_get_u32(r->raw + 2) == r->raw_len && parse_index(r, &b, true);
				r->idx_built = r->have_trailer;
			}
		}
	}
	return rec_reader_rewind(r);
}

int rec_reader_open(rec_reader **out, const char *path, char *err, size_t errlen)
{
	*out = NULL;
	rec_reader *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f || fstat(fileno(f), &st) != 0) {
		snprintf(err, errlen, _("cannot open %s: %s"), path, strerror(errno));
		if (f)
			fclose(f);
		free(r);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, _("%s is not a regular file"), path);
		fclose(f);
		free(r);
		return -1;
	}
	r->size = (uint64_t)st.st_size;
	if (open_common(r, f, err, errlen) != 0) {
		rec_reader_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

int rec_reader_open_mem(rec_reader **out, const void *data, size_t len, char *err, size_t errlen)
{
	*out = NULL;
	rec_reader *r = calloc(1, sizeof *r);
	FILE *f = len ? fmemopen((void *)data, len, "rb") : NULL;
	if (!r || !f) {
		snprintf(err, errlen, len ? _("out of memory") : _("empty input: not an rmgate recording"));
		if (f)
			fclose(f);
		free(r);
		return -1;
	}
	r->size = len;
	if (open_common(r, f, err, errlen) != 0) {
		rec_reader_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

void rec_reader_close(rec_reader *r)
{
	if (!r)
		return;
	if (r->pc)
		rec_pcap_close(r->pc);
	else if (r->f)
		fclose(r->f);
	ZSTD_freeDCtx(r->dctx);
	EVP_MD_CTX_free(r->md);
	free(r->raw);
	free(r->idx);
	free(r);
}

int rec_reader_rewind(rec_reader *r)
{
	position(r, PCAP_FILE_HDR, 0, true);
	return 0;
}

/* Scans packet headers (no decompression) for keyframe packets. Stops at the
 * first bad packet: what follows it cannot be trusted anyway. */
static void build_index(rec_reader *r)
{
	size_t cap = 0;
	free(r->idx);
	r->idx = NULL;
	r->nidx = 0;
	position(r, PCAP_FILE_HDR, 0, false);
	while (read_packet(r, false) == 1) {
		if (r->pkt_kind != REC_PKT_DATA || !(r->pkt_flags & REC_PKT_FLAG_KEYFRAME))
			continue;
		if (r->nidx == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			idx_entry *v = realloc(r->idx, ncap * sizeof *v);
			if (!v)
				break; /* a shorter index still seeks correctly, only slower */
			r->idx = v;
			cap = ncap;
		}
		r->idx[r->nidx++] = (idx_entry){ r->pkt_ts, r->pkt_off, r->pkt_seq };
	}
}

size_t rec_reader_index_count(rec_reader *r)
{
	return r->nidx;
}

int rec_reader_seek(rec_reader *r, uint64_t ts)
{
	if (!r->idx_built) {
		build_index(r);
		r->idx_built = true;
	}
	size_t lo = 0, hi = r->nidx;
	while (lo < hi) { /* first entry with ts > target */
		size_t mid = (lo + hi) / 2;
		if (r->idx[mid].ts <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return rec_reader_rewind(r);
	position(r, r->idx[lo - 1].offset, r->idx[lo - 1].seq, false);
	return 0;
}

/* ---------- whole-file check ---------- */

const char *rec_integrity_name(rec_integrity i)
{
	switch (i) {
	case REC_COMPLETE:
		return "complete";
	case REC_UNFINISHED:
		return "unfinished";
	case REC_TRUNCATED:
		return "truncated";
	default:
		return "corrupt";
	}
}

void rec_digest_hex(const uint8_t d[32], char out[65])
{
	hex_encode(d, 32, out);
}

static void count(rec_summary *s, const rec_record *rec)
{
	s->records++;
	s->end_ns = rec->ts > s->end_ns ? rec->ts : s->end_ns;
	switch (rec->type) {
	case REC_T_KEYFRAME: s->keyframes++; break;
	case REC_T_TILE: s->tiles++; break;
	case REC_T_KEY: s->keys++; break;
	case REC_T_UNICODE: s->unicode++; break;
	case REC_T_MOUSE: s->mouse++; break;
	case REC_T_EVENT: s->events++; break;
	case REC_T_RESIZE: s->resizes++; break;
	case REC_T_END:
		s->has_end = true;
		snprintf(s->end_reason, sizeof s->end_reason, "%s", rec->text1);
		break;
	default: break;
	}
}

int rec_reader_scan(rec_reader *r, rec_summary *s)
{
	memset(s, 0, sizeof *s);
	s->file_bytes = r->size;
	s->start_ns = r->hdr.start_ns;
	rec_reader_rewind(r);
	rec_record *rec = malloc(sizeof *rec);
	if (!rec)
		return -1;
	uint32_t last_seq = UINT32_MAX;
	int rc;
	uint8_t good[32] = { 0 };
	while ((rc = rec_reader_next(r, rec)) == 1) {
		count(s, rec);
		if (r->pkt_seq != last_seq) { /* a new packet passed every check */
			last_seq = r->pkt_seq;
			s->packets++;
		}
		/* The digest of the last packet whose records all parsed. */
		if (r->raw_pos == r->raw_len)
			memcpy(good, r->chain, 32);
	}
	free(rec);
	if (rc == 0 && r->at_eof && r->pkt_kind == REC_PKT_INDEX) {
		s->packets++;
		memcpy(good, r->chain, 32);
		s->has_trailer = true;
	}
	memcpy(s->digest, good, 32);
	if (rc < 0) {
		s->integrity = REC_CORRUPT;
		s->bad_seq = r->pkt_seq;
		s->bad_offset = r->pkt_off;
		snprintf(s->problem, sizeof s->problem, "%s", r->err);
	} else if (r->truncated) {
		s->integrity = REC_TRUNCATED;
		s->bad_seq = r->expect_seq;
		s->bad_offset = r->pkt_off;
		snprintf(s->problem, sizeof s->problem, "%s", r->err);
	} else if (!s->has_end || !s->has_trailer) {
		s->integrity = REC_UNFINISHED;
		snprintf(s->problem, sizeof s->problem, "%s",
		         s->has_end ? "no index trailer after the END record"
		                    : "no END record: the recorder did not finish (crash or power cut)");
	} else {
		s->integrity = REC_COMPLETE;
	}
	rec_reader_rewind(r);
	return 0;
}

int rec_reader_check_file(const char *path, rec_summary *s, char *err, size_t errlen)
{
	rec_reader *r;
	if (rec_reader_open(&r, path, err, errlen) != 0)
		return -1;
	int rc = rec_reader_scan(r, s);
	if (rc != 0)
		snprintf(err, errlen, "out of memory while reading %s", path);
	rec_reader_close(r);
	return rc;
}
