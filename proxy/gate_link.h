/* gate_link: how a room of a session talks back to the session that owns it.
 *
 * The session (gate_session) owns its rooms (gate_front, gate_channels, gate_rdpdr_observer,
 * gate_front_draw, gate_back, gate_gfx, gate_dvc) and calls their functions; a room never calls
 * the session. What a room must tell its session (a reason to close, a receipt event, a
 * failure of the gate's own decoder) or ask it (is the session RUNNING?) goes through this
 * table, which the session fills once before it starts the room and which stays valid until
 * the room is freed. The same pattern as gate_observer.h, one level down.
 *
 * Threads: every function of the table may be called from any session thread (peer, client,
 * FreeRDP's channel threads); the session implements them with its own lock. None blocks.
 *
 * Also here, because every room of a session needs them: gate_link_escape() for client-supplied
 * values in a key=value detail or a log line, and gate_link_free_secret() for credentials.
 */
#ifndef RMGATE_GATE_LINK_H
#define RMGATE_GATE_LINK_H

#include <stddef.h>
#include <winpr/wtypes.h>

#include "gate_observer.h"

typedef struct gate_link {
	void *ctx;       /* the session; opaque to the rooms */
	const char *sid; /* "s<id>", for log lines; lives as long as the session */
	/* TRUE while the session is RUNNING (input and graphics cross sides only then). */
	BOOL (*running)(void *ctx);
	/* Requests the close with a reason (the first reason wins). */
	void (*close)(void *ctx, const char *reason);
	/* A receipt event: written to WLog (rmgate.proxy.receipt) and given to the observer. */
	void (*event)(void *ctx, gate_event_type type, const char *detail);
	/* Counts a failure of the gate's own decoder (see gate_session_decode_error). */
	void (*decode_error)(void *ctx, const char *what);
} gate_link;

static inline BOOL gate_link_running(const gate_link *l)
{
	return l->running(l->ctx);
}

static inline void gate_link_close(const gate_link *l, const char *reason)
{
	l->close(l->ctx, reason);
}

static inline void gate_link_decode_error(const gate_link *l, const char *what)
{
	l->decode_error(l->ctx, what);
}

/* Formats the detail (at most 511 bytes) and reports the event through l->event. */
void gate_link_event(const gate_link *l, gate_event_type type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies a client-supplied value (device, host, channel or user name) for a receipt detail or
 * a log line: '"', '\\', spaces, control bytes and DEL become \xHH, so the value cannot end its
 * field or add a key. Truncates to fit; out always ends with NUL. Returns out. */
#define GATE_ESCAPED_MAX 256
const char *gate_link_escape(char *out, size_t outlen, const char *in);

/* Zeroes a secret string (OPENSSL_cleanse: the compiler may not drop it), frees it and sets
 * *p to NULL. NULL *p: nothing. */
void gate_link_free_secret(char **p);

#endif
