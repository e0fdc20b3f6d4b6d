/* gate_back: the back side, a FreeRDP client connected to the permitted target.
 *
 * Settings are built from a whitelist of the front's values, the channel list from the session
 * policy (checked before connecting: fail closed), the target certificate is pinned or
 * explicitly ignored (and a server redirection is never followed), gdi decodes everything into
 * the gate's own framebuffer (gate_back_updates forwards it to the front), the graphics
 * pipeline and display control go through the bridge (gate_gfx) and denied dynamic channels
 * are refused with a receipt (gate_dvc).
 *
 * Contract:
 * - gate_back_init() / _release(): the session, at its start and end (peer thread).
 * - gate_back_create(), gate_back_start(): peer thread, at admission (BACK_CONNECTING);
 *   gate_back_start runs the client thread: freerdp_connect, then the back's event loop until
 *   the session closes, then freerdp_disconnect (after closing the graphics bridge).
 * - gate_back_stop(): peer thread, at teardown; gate_back_free() only when it returned TRUE.
 * - The back reports through the session's gate_link (close, receipt events, decoder failures)
 *   and gate_back_hooks; it never calls the session.
 */
#ifndef RMGATE_GATE_BACK_H
#define RMGATE_GATE_BACK_H

#include <winpr/synch.h>
#include <freerdp/freerdp.h>

#include "gate_back_updates.h"
#include "gate_config.h"
#include "gate_dvc.h"
#include "gate_front.h"
#include "gate_gfx.h"
#include "gate_link.h"
#include "gate_observer.h"
#include "gate_policy.h"

/* The permitted target and the credentials for it, from the admission. Owned by the session;
 * set at admission (peer thread) and read-only afterwards, except `password`, which the client
 * thread zeroes and frees once connected (nobody else reads it after gate_back_start). */
typedef struct {
	char *host;
	UINT16 port;
	BOOL has_pin;                /* the system's own certificate pin (permit database) */
	BYTE pin[GATE_SHA256_LEN];
	char *user, *domain, *password;
} gate_back_target;

/* What the back tells its session. ctx is opaque. */
typedef struct {
	void *ctx;
	/* The target's error info (client thread): forwarded to the client at the end. */
	void (*error_info)(void *ctx, UINT32 code);
	/* See gate_back_updates_hooks (back update threads). */
	void (*counted)(void *ctx, gate_back_counter which, UINT64 n);
	void (*resized)(void *ctx, UINT32 width, UINT32 height);
} gate_back_hooks;

typedef struct gate_back {
	/* Immutable after gate_back_init. */
	const gate_config *cfg;
	const gate_link *link;
	gate_front *front;                 /* the front's settings, and drawing to it */
	gate_gfx *gfx;                     /* the graphics bridge */
	const gate_channel_policy *policy; /* the session's; read-only after admission */
	gate_back_target *target;          /* the session's */
	HANDLE abort_event;                /* the session's close event */
	gate_back_hooks hooks;
	gate_dvc_receipt receipt;          /* for the dynamic-channel receipt plugin */
	gate_back_updates updates;         /* the update callbacks' state (own header) */

	/* Created by the peer thread at admission, freed by it at teardown. */
	rdpContext *context;
	HANDLE client_thread;
	HANDLE done_event; /* manual reset: the connect finished (ok or not) */
	BOOL connected;    /* written by the client thread before done_event */
} gate_back;

BOOL gate_back_init(gate_back *b, const gate_config *cfg, const gate_link *link, gate_front *front,
                    gate_gfx *gfx, const gate_channel_policy *policy, gate_back_target *target,
                    const gate_observer *obs, HANDLE abort_event, const gate_back_hooks *hooks);
void gate_back_release(gate_back *b);
/* Creates the client context with the target's settings. */
BOOL gate_back_create(gate_back *b);
BOOL gate_back_start(gate_back *b);
/* Stops the client thread within the close timeout (aborting a hung connect by shutting down
 * its socket). Returns FALSE if the thread could not be stopped (then nothing is freed). */
BOOL gate_back_stop(gate_back *b);
void gate_back_free(gate_back *b);

#endif
