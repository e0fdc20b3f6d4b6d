/* gate_sources: per-source-address limits on connections that are still handshaking:
 * how many may handshake at once, and how many new ones may start per minute.
 *
 * Contract:
 * - A source is an IPv4 address, or the /64 prefix of an IPv6 address (one host easily owns a
 *   whole /64); an IPv4-mapped IPv6 address is its IPv4 address.
 * - gate_sources_check() says whether a new connection from a source may start its handshake;
 *   gate_sources_open() then records it (one handshake more, one token of the source's
 *   per-minute budget less); gate_sources_close() records that a handshake ended (admitted,
 *   refused or gone). Refused connections cost no token.
 * - The per-minute budget is a token bucket: a source may open `per_minute` connections at
 *   once, then one every 60/per_minute seconds.
 * - The table holds `capacity` sources. A source with no handshake in progress may be forgotten
 *   when the table is full (the least recently seen first); the server sizes the table larger
 *   than its handshake pool, so a source with a handshake in progress is never forgotten.
 * - No lock, no I/O: the caller serialises every call (the monitor has one thread). Times in ms from any
 *   monotonic clock.
 */
#ifndef RMGATE_GATE_SOURCES_H
#define RMGATE_GATE_SOURCES_H

#include <stddef.h>
#include <sys/socket.h>
#include <winpr/wtypes.h>

typedef struct {
	BYTE family;   /* 4, 6, or 0 = unknown (every unknown source shares one entry) */
	BYTE addr[8];  /* IPv4: 4 bytes; IPv6: the first 8 bytes (/64) */
} gate_source_key;

typedef enum {
	GATE_SOURCE_OK = 0,
	GATE_SOURCE_TOO_MANY_HANDSHAKES, /* max_handshakes of this source are in progress */
	GATE_SOURCE_TOO_FAST,            /* its per-minute budget is used up */
} gate_source_verdict;

typedef struct gate_sources gate_sources;

/* NULL without memory. capacity >= 1, max_handshakes >= 1, per_minute >= 1. */
gate_sources *gate_sources_new(size_t capacity, UINT32 max_handshakes, UINT32 per_minute);
void gate_sources_free(gate_sources *t);

/* The key of a peer address (any family; unknown families give family 0). */
gate_source_key gate_source_key_from_sockaddr(const struct sockaddr *sa, socklen_t len);
/* The key of the remote end of a connected socket (family 0 when it cannot be read). */
gate_source_key gate_source_key_from_fd(int fd);
/* "127.0.0.3", "2001:db8:1:2::/64" or "unknown", for log lines. */
const char *gate_source_key_str(const gate_source_key *k, char *out, size_t outlen);

gate_source_verdict gate_sources_check(gate_sources *t, const gate_source_key *k, UINT64 now_ms);
/* FALSE (nothing recorded) when the check does not pass. */
BOOL gate_sources_open(gate_sources *t, const gate_source_key *k, UINT64 now_ms);
void gate_sources_close(gate_sources *t, const gate_source_key *k);
/* Handshakes in progress from that source (for tests and logs). */
UINT32 gate_sources_handshakes(const gate_sources *t, const gate_source_key *k);

#endif
