/* cidr.h: IPv4/IPv6 address blocks ("192.0.2.0/24", "2001:db8::/32", or a
 * single address) and matching a source address against them. Pure. */
#ifndef RMGATE_POLICY_CIDR_H
#define RMGATE_POLICY_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint8_t addr[16]; /* IPv4 kept as IPv4-mapped IPv6 (::ffff:a.b.c.d) */
	int prefix;       /* 0-128, in the 128-bit space */
} policy_cidr;

/* Parses a block; a bare address means a single host. The host bits must be
 * zero ("10.0.0.1/8" is refused as ambiguous). */
bool policy_cidr_parse(const char *text, policy_cidr *out);
/* Parses an address ("192.0.2.1", "2001:db8::1", "[2001:db8::1]", or
 * "::ffff:192.0.2.1") into the 128-bit form. */
bool policy_addr_parse(const char *text, uint8_t out[16]);
bool policy_cidr_contains(const policy_cidr *block, const uint8_t addr[16]);
/* Canonical text of a block (buf >= 64 bytes). */
void policy_cidr_format(const policy_cidr *block, char *buf, int len);

/* Whether the block is IPv4 (kept IPv4-mapped; "::ffff:10.0.0.0/104" is the
 * same block as "10.0.0.0/8"). */
bool policy_cidr_is_v4(const policy_cidr *block);
/* Whether every address of `inner` lies in `outer`. */
bool policy_cidr_within(const policy_cidr *inner, const policy_cidr *outer);

/* What a block is, as a restriction of vendors' sources by global address
 * (Table 2 row 1(2)). Anything but GLOBAL is not such a restriction. */
typedef enum {
	POLICY_CIDR_GLOBAL = 0,    /* global addresses, at least the minimum prefix */
	POLICY_CIDR_ANY,           /* 0.0.0.0/0 or ::/0 (or ::ffff:0:0/96) */
	POLICY_CIDR_TOO_WIDE,      /* shorter than the minimum prefix of its family */
	POLICY_CIDR_PRIVATE,       /* 10/8, 172.16/12, 192.168/16, fc00::/7 */
	POLICY_CIDR_LOOPBACK,      /* 127/8, ::1 */
	POLICY_CIDR_LINK_LOCAL,    /* 169.254/16, fe80::/10 */
	POLICY_CIDR_CGNAT,         /* 100.64/10 (shared address space) */
	POLICY_CIDR_DOCUMENTATION, /* 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20 */
	POLICY_CIDR_UNSPECIFIED,   /* 0/8, :: */
	POLICY_CIDR_MULTICAST,     /* 224/4, ff00::/8 */
	POLICY_CIDR_RESERVED,      /* 192.0.0/24, 198.18/15, 240/4; IPv6 outside 2000::/3 */
} policy_cidr_kind;

/* "global", "any address", "too wide", "private", "loopback", "link-local",
 * "CGNAT (shared address space)", "documentation", "unspecified",
 * "multicast", "reserved". */
const char *policy_cidr_kind_name(policy_cidr_kind kind);

/* Classifies a block against the minimum prefixes min4 (IPv4, 0-32) and
 * min6 (IPv6, 0-128). In order: ANY; a special kind when the block lies
 * inside a special range; TOO_WIDE when its prefix (of its own family) is
 * shorter than the minimum; a special kind when the block contains a special
 * range; RESERVED for IPv6 outside 2000::/3; else GLOBAL. `range` (may be
 * NULL) receives the special range met (for the special kinds). IPv4-mapped
 * IPv6 blocks are judged as the IPv4 block they are. */
policy_cidr_kind policy_cidr_classify(const policy_cidr *block, int min4, int min6, policy_cidr *range);

/* Parses a list of blocks into their canonical texts joined by single
 * spaces (malloc'd; "" for none). On a bad block returns false and sets
 * *bad to it (out untouched). */
bool policy_cidr_join(const char *const *texts, size_t n, char **out, const char **bad);
/* Calls each(ctx, block) for each block of a space-joined list (blocks that
 * do not parse are skipped); stops and returns true when each returns true. */
bool policy_cidr_list_any(const char *list, bool (*each)(void *ctx, const policy_cidr *block), void *ctx);

#endif
