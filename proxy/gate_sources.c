/* gate_sources: per-source handshake and new-connection limits (see gate_sources.h). */
#include "gate_sources.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One connection costs TOKEN units; a source earns per_minute units per millisecond, so its
 * bucket refills per_minute connections a minute, and holds at most per_minute connections. */
#define TOKEN 60000u

typedef struct {
	BOOL used;
	gate_source_key key;
	UINT32 handshakes;
	UINT64 tokens;   /* units, at stamp_ms */
	UINT64 stamp_ms;
	UINT64 seen_ms;  /* last connection (for eviction) */
} gate_source_entry;

struct gate_sources {
	gate_source_entry *e;
	size_t capacity;
	UINT32 max_handshakes;
	UINT64 full;     /* bucket size in units */
	UINT32 per_minute;
};

gate_sources *gate_sources_new(size_t capacity, UINT32 max_handshakes, UINT32 per_minute)
{
	if (capacity < 1 || max_handshakes < 1 || per_minute < 1)
		return NULL;
	gate_sources *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->e = calloc(capacity, sizeof(*t->e));
	if (!t->e) {
		free(t);
		return NULL;
	}
	t->capacity = capacity;
	t->max_handshakes = max_handshakes;
	t->per_minute = per_minute;
	t->full = (UINT64)per_minute * TOKEN;
	return t;
}

void gate_sources_free(gate_sources *t)
{
	if (!t)
		return;
	free(t->e);
	free(t);
}

gate_source_key gate_source_key_from_sockaddr(const struct sockaddr *sa, socklen_t len)
{
	gate_source_key k = { 0 };
	if (sa && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		k.family = 4;
		memcpy(k.addr, &in->sin_addr, 4);
	} else if (sa && sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			k.family = 4;
			memcpy(k.addr, &in6->sin6_addr.s6_addr[12], 4);
		} else {
			k.family = 6;
			memcpy(k.addr, &in6->sin6_addr.s6_addr[0], 8);
		}
	}
	return k;
}

gate_source_key gate_source_key_from_fd(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return (gate_source_key){ 0 };
	return gate_source_key_from_sockaddr((const struct sockaddr *)&ss, len);
}

const char *gate_source_key_str(const gate_source_key *k, char *out, size_t outlen)
{
	char buf[INET6_ADDRSTRLEN] = "";
	if (k->family == 4 && inet_ntop(AF_INET, k->addr, buf, sizeof(buf)))
		snprintf(out, outlen, "%s", buf);
	else if (k->family == 6) {
		BYTE a[16] = { 0 };
		memcpy(a, k->addr, 8);
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
		snprintf(out, outlen, "%s/64", buf);
	} else
		snprintf(out, outlen, "unknown");
	return out;
}

static BOOL same(const gate_source_key *a, const gate_source_key *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static void refill(const gate_sources *t, gate_source_entry *e, UINT64 now_ms)
{
	if (now_ms > e->stamp_ms) {
		UINT64 earned = (now_ms - e->stamp_ms) * t->per_minute;
		e->tokens = (t->full - e->tokens <= earned) ? t->full : e->tokens + earned;
		e->stamp_ms = now_ms;
	}
}

static gate_source_entry *find(gate_sources *t, const gate_source_key *k, UINT64 now_ms)
{
	for (size_t i = 0; i < t->capacity; i++) {
		gate_source_entry *e = &t->e[i];
		if (e->used && same(&e->key, k)) {
			refill(t, e, now_ms);
			return e;
		}
	}
	return NULL;
}

/* A slot for a new source: a free one, else one that carries no information any more (no
 * handshake, full bucket), else the least recently seen source without a handshake. */
static gate_source_entry *take_slot(gate_sources *t, UINT64 now_ms)
{
	gate_source_entry *oldest = NULL;
	for (size_t i = 0; i < t->capacity; i++) {
		gate_source_entry *e = &t->e[i];
		if (!e->used)
			return e;
		if (e->handshakes)
			continue;
		refill(t, e, now_ms);
		if (e->tokens == t->full)
			return e;
		if (!oldest || e->seen_ms < oldest->seen_ms)
			oldest = e;
	}
	return oldest;
}

static gate_source_verdict verdict(const gate_sources *t, const gate_source_entry *e)
{
	if (!e)
		return GATE_SOURCE_OK; /* unknown source: nothing in progress, a full bucket */
	/* The budget first: a source that opens too fast is told so even when it also has
	 * too many handshakes in progress. */
	if (e->tokens < TOKEN)
		return GATE_SOURCE_TOO_FAST;
	if (e->handshakes >= t->max_handshakes)
		return GATE_SOURCE_TOO_MANY_HANDSHAKES;
	return GATE_SOURCE_OK;
}

gate_source_verdict gate_sources_check(gate_sources *t, const gate_source_key *k, UINT64 now_ms)
{
	return verdict(t, find(t, k, now_ms));
}

BOOL gate_sources_open(gate_sources *t, const gate_source_key *k, UINT64 now_ms)
{
	gate_source_entry *e = find(t, k, now_ms);
	if (verdict(t, e) != GATE_SOURCE_OK)
		return FALSE;
	if (!e) {
		e = take_slot(t, now_ms);
		if (!e)
			return FALSE; /* every source is handshaking: the table is too small */
		*e = (gate_source_entry){ .used = TRUE, .key = *k, .tokens = t->full, .stamp_ms = now_ms };
	}
	e->handshakes++;
	e->tokens -= TOKEN;
	e->seen_ms = now_ms;
	return TRUE;
}

void gate_sources_close(gate_sources *t, const gate_source_key *k)
{
	for (size_t i = 0; i < t->capacity; i++) {
		gate_source_entry *e = &t->e[i];
		if (e->used && same(&e->key, k) && e->handshakes) {
			e->handshakes--;
			return;
		}
	}
}

UINT32 gate_sources_handshakes(const gate_sources *t, const gate_source_key *k)
{
	for (size_t i = 0; i < t->capacity; i++)
		if (t->e[i].used && same(&t->e[i].key, k))
			return t->e[i].handshakes;
	return 0;
}
