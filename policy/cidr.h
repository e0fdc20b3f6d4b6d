/* cidr.h: IPv4/IPv6 address blocks ("192.0.2.0/24", "2001:db8::/32", or a
 * single address) and matching a source address against them. Pure. */
#ifndef RMGATE_POLICY_CIDR_H
#define RMGATE_POLICY_CIDR_H

#include <stdbool.h>
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

#endif
