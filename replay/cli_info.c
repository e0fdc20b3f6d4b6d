/* cli_info.c: rmgate-replay info (ids, geometry, times, integrity) and verify (the hash
 * chain, and the digest the ledger recorded). */
#include "replay_cli.h"
#include "hex.h"

#include <string.h>
#include <strings.h>

static void print_id(const char *name, int64_t v)
{
	if (v)
		replay_say(stdout, "%-13s %lld", name, (long long)v);
	else
		replay_say(stdout, "%-13s unknown", name);
}

int replay_info(replay_ctx *c)
{
	if (replay_open(c, true) != 0)
		return 1;
	const rec_header *h = c->h;
	const rec_summary *s = &c->sum;
	char a[96], b[96], d[32], hex[65], lay[128];
	replay_say(stdout, "%-13s %s", "recording", c->o.file);
	replay_say(stdout, "%-13s %s%s%s", "integrity", rec_integrity_name(s->integrity),
	       s->problem[0] ? ": " : " (hash chain intact, END and index present)", s->problem);
	replay_say(stdout, "%-13s %s", "session", h->session_id);
	print_id("permit", h->permit_id);
	print_id("vendor", h->vendor_id);
	print_id("system", h->system_id);
	print_id("account", h->account_id);
	replay_say(stdout, "%-13s %s", "gate version", h->gate_version);
	replay_say(stdout, "%-13s %ux%u (%llu resize%s)", "geometry", h->width, h->height,
	       (unsigned long long)s->resizes, s->resizes == 1 ? "" : "s");
	replay_say(stdout, "%-13s %s", "keyboard", replay_layout_desc(h->keyboard_layout, lay, sizeof lay));
	replay_fmt_time(h->start_ns, a, sizeof a);
	replay_fmt_time(s->end_ns, b, sizeof b);
	replay_fmt_dur(s->end_ns > h->start_ns ? s->end_ns - h->start_ns : 0, d, sizeof d);
	replay_say(stdout, "%-13s %s", "start", a);
	replay_say(stdout, "%-13s %s", "end", b);
	replay_say(stdout, "%-13s %s", "duration", d);
	replay_say(stdout, "%-13s %s", "end reason", s->has_end ? s->end_reason : "(none: recording incomplete)");
	replay_say(stdout, "%-13s %llu bytes (%.1f MB), %llu packets, %llu records, %llu keyframes, %llu tiles",
	       "size", (unsigned long long)s->file_bytes, (double)s->file_bytes / 1e6,
	       (unsigned long long)s->packets, (unsigned long long)s->records,
	       (unsigned long long)s->keyframes, (unsigned long long)s->tiles);
	replay_say(stdout, "%-13s %llu key, %llu unicode, %llu mouse events; %llu policy events", "input",
	       (unsigned long long)s->keys, (unsigned long long)s->unicode,
	       (unsigned long long)s->mouse, (unsigned long long)s->events);
	rec_digest_hex(s->digest, hex);
	replay_say(stdout, "%-13s %s%s", "digest", hex,
	       s->integrity == REC_COMPLETE ? "" : " (of the readable part)");
	replay_say(stdout, "%-13s %s", "index", s->has_trailer ? "trailer present" : "missing (rebuilt by scanning when seeking)");
	if (s->integrity == REC_CORRUPT)
		return replay_die(1, "%s: corrupt recording: %s", c->o.file, s->problem);
	if (s->integrity != REC_COMPLETE)
		replay_say(stderr, "%s: warning: %s is %s: %s", REPLAY_PROG, c->o.file,
		        rec_integrity_name(s->integrity), s->problem);
	return 0;
}

int replay_verify(replay_ctx *c)
{
	if (replay_open(c, true) != 0)
		return 1;
	const rec_summary *s = &c->sum;
	char hex[65];
	rec_digest_hex(s->digest, hex);
	if (s->integrity == REC_CORRUPT) {
		replay_say(stdout, "FAIL %s: packet %u at offset %llu: %s", c->o.file, s->bad_seq,
		       (unsigned long long)s->bad_offset, s->problem);
		return 1;
	}
	if (s->integrity != REC_COMPLETE) {
		replay_say(stdout, "FAIL %s: %s: %s; digest of the readable part (%llu packets) %s%s", c->o.file,
		       rec_integrity_name(s->integrity), s->problem, (unsigned long long)s->packets, hex,
		       !c->o.digest                       ? ""
		       : !strcasecmp(c->o.digest, hex) ? " (matches the expected digest: the gate recorded this end after a crash)"
		                                         : " (differs from the expected digest)");
		return 1;
	}
	if (c->o.digest) {
		uint8_t want[32];
		if (!hex_decode(c->o.digest, strlen(c->o.digest), want, sizeof want))
			return replay_die(2, "--digest needs 64 hexadecimal digits (the SHA-256 in the ledger)");
		if (strcasecmp(c->o.digest, hex) != 0) {
			replay_say(stdout, "FAIL %s: digest %s differs from the expected %s: the file is not the one the ledger recorded",
			       c->o.file, hex, c->o.digest);
			return 1;
		}
	}
	replay_say(stdout, "OK %s: %llu packets, hash chain intact, digest %s%s", c->o.file,
	       (unsigned long long)s->packets, hex, c->o.digest ? " (matches)" : "");
	return 0;
}
