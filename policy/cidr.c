/* cidr.c: address blocks and matching (see cidr.h). */
#include "cidr.h"
#include "i18n.h"

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

bool policy_cidr_is_v4(const policy_cidr *b)
{
	return b->prefix >= 96 && !memcmp(b->addr, v4_prefix, 12);
}

bool policy_cidr_within(const policy_cidr *inner, const policy_cidr *outer)
{
	return inner->prefix >= outer->prefix && policy_cidr_contains(outer, inner->addr);
}

/* English, as the ledger and JSON carry them; marked so that a message can show them translated. */
static const char *const kind_names[] = { N_("global"),        N_("any address"), N_("too wide"),    N_("private"),
					  N_("loopback"),      N_("link-local"),  N_("CGNAT (shared address space)"),
					  N_("documentation"), N_("unspecified"), N_("multicast"),   N_("reserved") };

const char *policy_cidr_kind_name(policy_cidr_kind k)
{
	return (unsigned)k <= POLICY_CIDR_RESERVED ? kind_names[k] : "unknown";
}

static const struct {
	const char *block;
	policy_cidr_kind kind;
} special[] = {
	{ "0.0.0.0/8", POLICY_CIDR_UNSPECIFIED },       { "10.0.0.0/8", POLICY_CIDR_PRIVATE },
	{ "100.64.0.0/10", POLICY_CIDR_CGNAT },         { "127.0.0.0/8", POLICY_CIDR_LOOPBACK },
	{ "169.254.0.0/16", POLICY_CIDR_LINK_LOCAL },   { "172.16.0.0/12", POLICY_CIDR_PRIVATE },
	{ "192.0.0.0/24", POLICY_CIDR_RESERVED },       { "192.0.2.0/24", POLICY_CIDR_DOCUMENTATION },
	{ "192.168.0.0/16", POLICY_CIDR_PRIVATE },      { "198.18.0.0/15", POLICY_CIDR_RESERVED },
	{ "198.51.100.0/24", POLICY_CIDR_DOCUMENTATION }, { "203.0.113.0/24", POLICY_CIDR_DOCUMENTATION },
	{ "224.0.0.0/4", POLICY_CIDR_MULTICAST },       { "240.0.0.0/4", POLICY_CIDR_RESERVED },
	{ "::/128", POLICY_CIDR_UNSPECIFIED },          { "::1/128", POLICY_CIDR_LOOPBACK },
	{ "fc00::/7", POLICY_CIDR_PRIVATE },            { "fe80::/10", POLICY_CIDR_LINK_LOCAL },
	{ "2001:db8::/32", POLICY_CIDR_DOCUMENTATION }, { "3fff::/20", POLICY_CIDR_DOCUMENTATION },
	{ "ff00::/8", POLICY_CIDR_MULTICAST },
};

policy_cidr_kind policy_cidr_classify(const policy_cidr *b, int min4, int min6, policy_cidr *range)
{
	bool v4 = policy_cidr_is_v4(b);
	int bits = v4 ? b->prefix - 96 : b->prefix;
	size_t n = sizeof special / sizeof special[0];
	policy_cidr r;
	if (bits == 0)
		return POLICY_CIDR_ANY;
	for (size_t i = 0; i < n; i++) {
		policy_cidr_parse(special[i].block, &r);
		if (policy_cidr_within(b, &r)) {
			if (range)
				*range = r;
			return special[i].kind;
		}
	}
	if (bits < (v4 ? min4 : min6))
		return POLICY_CIDR_TOO_WIDE;
	for (size_t i = 0; i < n; i++) {
		policy_cidr_parse(special[i].block, &r);
		if (policy_cidr_within(&r, b)) {
			if (range)
				*range = r;
			return special[i].kind;
		}
	}
	policy_cidr_parse("2000::/3", &r);
	if (!v4 && !policy_cidr_within(b, &r)) {
		if (range)
			*range = r;
		return POLICY_CIDR_RESERVED;
	}
	return POLICY_CIDR_GLOBAL;
}

bool policy_cidr_join(const char *const *texts, size_t n, char **out, const char **bad)
{
	char *s = calloc(1, n * 64 + 1);
	*bad = NULL; /* NULL with false: out of memory */
	if (!s)
		return false;
	for (size_t i = 0; i < n; i++) {
		policy_cidr c;
		char one[64];
		if (!policy_cidr_parse(texts[i], &c)) {
			free(s);
			*bad = texts[i];
			return false;
		}
		policy_cidr_format(&c, one, sizeof one);
		if (i)
			strcat(s, " ");
		strcat(s, one);
	}
	*out = s;
	return true;
}

bool policy_cidr_list_any(const char *list, bool (*each)(void *ctx, const policy_cidr *block), void *ctx)
{
	char buf[64];
	const char *p = list ? list : "";
	while (*p) {
		size_t n = strcspn(p, " ");
		if (n > 0 && n < sizeof buf) {
			policy_cidr c;
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (policy_cidr_parse(buf, &c) && each(ctx, &c))
				return true;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return false;
}
