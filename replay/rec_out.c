/* rec_out: the recording file: frames, zstd, pcap packets, the SHA-256 hash
 * chain, the keyframe index and trailer, flush and fdatasync. See rec_out.h. */
#include "rec_out.h"

#include "rec_buf.h"
#include "rec_format.h"
#include "rec_pcap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include <winpr/wlog.h>

/* The recorder's rooms log under one tag: operators filter on it. */
#define TAG "rmgate.replay.writer"

#define REC_SOFT_FLUSH (128u << 10) /* flush a frame once its content reaches this */

typedef struct rec_index_entry {
	uint64_t ts;
	uint64_t offset;
	uint32_t seq;
} rec_index_entry;

struct rec_out {
	/* --- atomic: any thread --- */
	atomic_bool failed;
	/* --- immutable after open --- */
	uint64_t flush_ns;
	int level;
	/* --- writer thread --- */
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
	rec_index_entry *index;
	size_t nindex, capindex;
	rec_out_counters st;
};

static uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

void rec_out_fail(rec_out *o, const char *what)
{
	if (!atomic_exchange(&o->failed, true))
		WLog_ERR(TAG, "recording failed: %s", what);
}

bool rec_out_failed(rec_out *o)
{
	return atomic_load(&o->failed);
}

/* ---------- packets ---------- */

/* fdatasync at most once a second, and within a second of the last packet
 * (the writer loop wakes for it), so a power cut loses about a second. */
static void sync_if_due(rec_out *o)
{
	uint64_t now = mono_ns();
	if (!o->unsynced || now - o->last_sync_mono < 1000000000ull || atomic_load(&o->failed))
		return;
	if (fdatasync(fileno(o->file)) != 0 && errno != EINVAL) {
		rec_out_fail(o, strerror(errno));
		return;
	}
	o->last_sync_mono = now;
	o->unsynced = false;
}

/* Chains, time-stamps and writes o->pkt[0..len). After a failure nothing more
 * is appended, so the file stays a clean prefix and the chain digest matches
 * what is on disk. */
static void write_packet(rec_out *o, size_t len)
{
	uint8_t *h = o->pkt;
	unsigned int dlen = 0;
	if (atomic_load(&o->failed))
		return;
	if (!EVP_DigestInit_ex(o->md, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(o->md, o->chain, 32) ||
	    !EVP_DigestUpdate(o->md, h, REC_PKT_DIGEST_OFF) ||
	    !EVP_DigestUpdate(o->md, h + REC_PKT_HDR_LEN, len - REC_PKT_HDR_LEN) ||
	    !EVP_DigestFinal_ex(o->md, o->chain, &dlen)) {
		rec_out_fail(o, "SHA-256 failed");
		return;
	}
	memcpy(h + REC_PKT_DIGEST_OFF, o->chain, 32);
	uint64_t ts = rec_get_u64(h + 24);
	struct pcap_pkthdr ph;
	ph.ts.tv_sec = (time_t)(ts / 1000000000ull);
	ph.ts.tv_usec = (suseconds_t)(ts % 1000000000ull); /* nanoseconds: nano dumper */
	ph.caplen = ph.len = (bpf_u_int32)len;
	pcap_dump((u_char *)o->dumper, &ph, h);
	if (fflush(o->file) != 0 || ferror(o->file)) {
		rec_out_fail(o, strerror(errno ? errno : EIO));
		return;
	}
	o->unsynced = true;
	sync_if_due(o);
	o->offset += 16 + len;
	o->seq++;
	o->st.packets++;
	o->st.bytes = o->offset;
}

/* Makes room for a packet of REC_PKT_HDR_LEN + bound + extra bytes. */
static bool reserve_packet(rec_out *o, size_t need)
{
	if (need <= o->pkt_cap)
		return true;
	uint8_t *p = realloc(o->pkt, need);
	if (!p)
		return false;
	o->pkt = p;
	o->pkt_cap = need;
	return true;
}

/* Compresses the frame's content behind the packet header; returns the
 * compressed length, or 0 after marking the recording failed. */
static size_t compress_frame(rec_out *o, size_t bound)
{
	size_t clen = ZSTD_compressCCtx(o->cctx, o->pkt + REC_PKT_HDR_LEN, bound, o->frame.p,
	                                o->frame.len, o->level);
	if (ZSTD_isError(clen)) {
		rec_out_fail(o, ZSTD_getErrorName(clen));
		return 0;
	}
	return clen;
}

/* The packet header without its digest (write_packet fills that in). */
static void packet_header(rec_out *o, uint8_t kind, uint8_t flags, uint32_t records, size_t clen,
                          uint64_t ts)
{
	uint8_t *h = o->pkt;
	memcpy(h, REC_PKT_MAGIC, 4);
	rec_put_u16(h + 4, REC_FORMAT_VERSION);
	h[6] = kind;
	h[7] = flags;
	rec_put_u32(h + 8, o->seq);
	rec_put_u32(h + 12, records);
	rec_put_u32(h + 16, (uint32_t)o->frame.len);
	rec_put_u32(h + 20, (uint32_t)clen);
	rec_put_u64(h + 24, ts);
}

void rec_out_flush(rec_out *o)
{
	if (o->frame_records == 0)
		return;
	if (o->frame.failed) {
		rec_out_fail(o, "out of memory for a frame");
		goto reset;
	}
	size_t bound = ZSTD_compressBound(o->frame.len);
	if (!reserve_packet(o, REC_PKT_HDR_LEN + bound)) {
		rec_out_fail(o, "out of memory for a packet");
		goto reset;
	}
	size_t clen = compress_frame(o, bound);
	if (clen == 0)
		goto reset;
	packet_header(o, REC_PKT_DATA, o->frame_keyframe ? REC_PKT_FLAG_KEYFRAME : 0,
	              o->frame_records, clen, o->frame_first_ts);
	write_packet(o, REC_PKT_HDR_LEN + clen);
reset:
	o->frame.len = 0;
	o->frame.failed = false;
	o->frame_records = 0;
	o->frame_keyframe = false;
}

void rec_out_emit(rec_out *o, uint16_t type, uint64_t ts, const void *body, size_t len)
{
	size_t rlen = REC_REC_HDR_LEN + len;
	if (rlen > REC_MAX_RECORD)
		return; /* producers never build such records */
	if (o->frame_records &&
	    (o->frame.len + rlen > REC_MAX_RAW || ts >= o->frame_first_ts + o->flush_ns))
		rec_out_flush(o);
	if (o->frame_records == 0) {
		o->frame_first_ts = ts;
		o->frame_first_mono = mono_ns();
	}
	rec_wb_u16(&o->frame, type);
	rec_wb_u32(&o->frame, (uint32_t)rlen);
	rec_wb_u64(&o->frame, ts);
	rec_wb_put(&o->frame, body, len);
	o->frame_records++;
	o->st.records++;
	o->st.raw_bytes += rlen;
	if (o->frame.len >= REC_SOFT_FLUSH)
		rec_out_flush(o);
}

static bool add_index(rec_out *o, uint64_t ts)
{
	if (o->nindex == o->capindex) {
		size_t cap = o->capindex ? o->capindex * 2 : 64;
		rec_index_entry *p = realloc(o->index, cap * sizeof *p);
		if (!p)
			return false;
		o->index = p;
		o->capindex = cap;
	}
	o->index[o->nindex++] = (rec_index_entry){ ts, o->offset, o->seq };
	return true;
}

void rec_out_begin_keyframe(rec_out *o, uint64_t ts)
{
	rec_out_flush(o);
	if (!add_index(o, ts))
		rec_out_fail(o, "out of memory for the index");
	o->frame_keyframe = true;
}

/* ---------- the writer loop's timers ---------- */

bool rec_out_pending(const rec_out *o)
{
	return o->frame_records || o->unsynced;
}

uint64_t rec_out_due_in(const rec_out *o)
{
	uint64_t now = mono_ns(), wait = o->flush_ns;
	if (o->frame_records)
		wait = o->frame_first_mono + o->flush_ns > now ? o->frame_first_mono + o->flush_ns - now : 0;
	if (o->unsynced) {
		uint64_t due = o->last_sync_mono + 1000000000ull;
		uint64_t ws = due > now ? due - now : 0;
		wait = ws < wait ? ws : wait;
	}
	return wait;
}

void rec_out_flush_due(rec_out *o)
{
	if (o->frame_records && mono_ns() - o->frame_first_mono >= o->flush_ns)
		rec_out_flush(o);
	sync_if_due(o);
}

/* ---------- open ---------- */

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

/* Creates path for rec_out_open (0600, never an existing file). */
static int create_file(const char *path, char *err, size_t errlen)
{
	if (mkdirs(path, err, errlen) != 0)
		return -1;
	check_dir_mode(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		snprintf(err, errlen, "cannot create recording %s: %s", path, strerror(errno));
	return fd;
}

/* Takes fd (closed on failure too); path only names the file in messages. */
static int open_file(rec_out *o, int fd, const char *path, char *err, size_t errlen)
{
	o->file = fdopen(fd, "wb");
	if (!o->file) {
		close(fd);
		snprintf(err, errlen, "cannot open recording %s: %s", path, strerror(errno));
		return -1;
	}
	o->pcap = pcap_open_dead_with_tstamp_precision(REC_LINKTYPE, REC_SNAPLEN,
	                                               PCAP_TSTAMP_PRECISION_NANO);
	if (!o->pcap) {
		snprintf(err, errlen, "cannot create the pcap writer for %s", path);
		return -1;
	}
	o->dumper = pcap_dump_fopen(o->pcap, o->file);
	if (!o->dumper) {
		snprintf(err, errlen, "cannot write %s: %s", path, pcap_geterr(o->pcap));
		return -1;
	}
	o->offset = 24; /* pcap file header */
	return 0;
}

void rec_out_free(rec_out *o)
{
	if (!o)
		return;
	if (o->dumper)
		pcap_dump_close(o->dumper); /* closes o->file */
	else if (o->file)
		fclose(o->file);
	if (o->pcap)
		rec_pcap_close(o->pcap);
	ZSTD_freeCCtx(o->cctx);
	EVP_MD_CTX_free(o->md);
	rec_wb_free(&o->frame);
	free(o->pkt);
	free(o->index);
	free(o);
}

static int init(rec_out *o, int fd, const char *path, uint64_t header_ts, const void *header,
                size_t header_len, char *err, size_t errlen)
{
	o->cctx = ZSTD_createCCtx();
	o->md = EVP_MD_CTX_new();
	if (!o->cctx || !o->md) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (open_file(o, fd, path, err, errlen) != 0)
		return -1;
	rec_out_emit(o, REC_T_HEADER, header_ts, header, header_len);
	rec_out_flush(o);
	o->last_sync_mono = 0;
	if (atomic_load(&o->failed) || o->seq != 1) {
		snprintf(err, errlen, "cannot write the header of %s", path);
		return -1;
	}
	return 0;
}

int rec_out_open_fd(rec_out **out, int fd, const char *name, uint64_t header_ts, const void *header,
                    size_t header_len, uint64_t flush_ns, int level, char *err, size_t errlen)
{
	*out = NULL;
	rec_out *o = calloc(1, sizeof *o);
	if (!o) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	atomic_init(&o->failed, false);
	o->flush_ns = flush_ns;
	o->level = level;
	if (init(o, fd, name, header_ts, header, header_len, err, errlen) != 0) {
		rec_out_free(o);
		return -1;
	}
	*out = o;
	return 0;
}

int rec_out_open(rec_out **out, const char *path, uint64_t header_ts, const void *header,
                 size_t header_len, uint64_t flush_ns, int level, char *err, size_t errlen)
{
	*out = NULL;
	int fd = create_file(path, err, errlen);
	if (fd < 0)
		return -1;
	if (rec_out_open_fd(out, fd, path, header_ts, header, header_len, flush_ns, level, err, errlen) != 0) {
		unlink(path); /* nothing worth keeping: no session ran */
		return -1;
	}
	return 0;
}

/* ---------- close ---------- */

/* The index trailer: one INDEX record in a packet of kind INDEX, plus the tail. */
static void write_index(rec_out *o, uint64_t ts)
{
	size_t n = o->nindex, step = 1;
	while (n / step > REC_MAX_INDEX)
		step++;
	rec_wb b = { 0 };
	rec_wb_u32(&b, (uint32_t)((n + step - 1) / step));
	for (size_t i = 0; i < n; i += step) {
		rec_wb_u64(&b, o->index[i].ts);
		rec_wb_u64(&b, o->index[i].offset);
		rec_wb_u32(&b, o->index[i].seq);
	}
	rec_out_emit(o, REC_T_INDEX, ts, b.p, b.len);
	rec_wb_free(&b);
	if (o->frame.failed || o->frame_records != 1) {
		rec_out_fail(o, "cannot build the index");
		return;
	}
	size_t bound = ZSTD_compressBound(o->frame.len);
	if (!reserve_packet(o, REC_PKT_HDR_LEN + bound + REC_IDX_TAIL_LEN)) {
		rec_out_fail(o, "out of memory for the index");
		return;
	}
	size_t clen = compress_frame(o, bound);
	if (clen == 0)
		return;
	packet_header(o, REC_PKT_INDEX, 0, 1, clen, ts);
	uint8_t *tail = o->pkt + REC_PKT_HDR_LEN + clen;
	rec_put_u64(tail, o->offset);
	memcpy(tail + 8, REC_IDX_TAIL_MAGIC, 8);
	o->frame.len = 0;
	o->frame_records = 0;
	write_packet(o, REC_PKT_HDR_LEN + clen + REC_IDX_TAIL_LEN);
}

int rec_out_close(rec_out *o, uint64_t ts, uint8_t digest_out[32], rec_out_counters *counters)
{
	rec_out_flush(o);
	write_index(o, ts);
	if (!atomic_load(&o->failed) && fsync(fileno(o->file)) != 0 && errno != EINVAL)
		rec_out_fail(o, strerror(errno));
	if (digest_out)
		memcpy(digest_out, o->chain, 32);
	if (counters)
		*counters = o->st;
	int rc = atomic_load(&o->failed) ? -1 : 0;
	rec_out_free(o);
	return rc;
}
