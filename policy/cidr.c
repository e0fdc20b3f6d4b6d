/* cidr.c: address blocks and matching (see cidr.h). */
#include "cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool policy_addr_parse(const char *text, uint8_t out[16])
{
	char buf[64];
	size_t n = text ? strlen(text) : 0;
	if (n == 0 || n >= sizeof buf)
		return false;
	if (text[0] == '[' && text[n - 1] == ']') {
		memcpy(buf, text + 1, n - 2);
		buf[n - 2] = '\0';
	} else {
		memcpy(buf, text, n + 1);
	}
	struct in_addr a4;
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		memcpy(out, v4_prefix, 12);
		memcpy(out + 12, &a4, 4);
		return true;
	}
	return inet_pton(AF_INET6, buf, out) == 1;
}

bool policy_cidr_contains(const policy_cidr *b, const uint8_t addr[16])
{
	int full = b->prefix / 8, rest = b->prefix % 8;
	if (memcmp(b->addr, addr, (size_t)full))
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (b->addr[full] & mask) == (addr[full] & mask);
}

bool policy_cidr_parse(const char *text, policy_cidr *out)
{
	char buf[64];
	if (!text || strlen(text) >= sizeof buf)
		return false;
	strcpy(buf, text);
	char *slash = strchr(buf, '/');
	int bits = -1;
	if (slash) {
		*slash = '\0';
		char *end;
		if (!slash[1] || strlen(slash + 1) > 3)
			return false;
		long v = strtol(slash + 1, &end, 10);
		if (*end || v < 0 || v > 128)
			return false;
		bits = (int)v;
	}
	struct in_addr a4;
	policy_cidr c;
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		if (bits > 32)
			return false;
		memcpy(c.addr, v4_prefix, 12);
		memcpy(c.addr + 12, &a4, 4);
		c.prefix = 96 + (bits < 0 ? 32 : bits);
	} else if (inet_pton(AF_INET6, buf, c.addr) == 1) {
		c.prefix = bits < 0 ? 128 : bits;
	} else {
		return false;
	}
	/* refuse host bits set below the prefix */
	for (int i = c.prefix; i < 128; i++)
		if (c.addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	*out = c;
	return true;
}

void policy_cidr_format(const policy_cidr *b, char *buf, int len)
{
	char a[INET6_ADDRSTRLEN];
	if (!memcmp(b->addr, v4_prefix, 12) && b->prefix >= 96) {
		inet_ntop(AF_INET, b->addr + 12, a, sizeof a);
		snprintf(buf, (size_t)len, "%s/%d", a, b->prefix - 96);
	} else {
		inet_ntop(AF_INET6, b->addr, a, sizeof a);
		snprintf(buf, (size_t)len, "%s/%d", a, b->prefix);
	}
}
