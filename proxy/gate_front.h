/* gate_front: the front peer, the vendor's RDP client as FreeRDP 2.11's server sees it.
 *
 * It configures the peer (security, TLS profile, what the client may negotiate), answers NTLM
 * for NLA (the admission's ntlm_v2_hash, else the lab-mode SAM table), checks that NLA's
 * TSCredentials name the account NTLM authenticated, takes input and display requests from the
 * client, and owns the rooms of the front: the channel-data guard (gate_channels), the rdpdr
 * device observer (gate_rdpdr_observer) and drawing from the framebuffer (gate_front_draw).
 * The session's life (admission, connecting the back, states, teardown order) is not here: the
 * front asks its session through gate_front_hooks and reports through the gate_link.
 *
 * Contract:
 * - gate_front_init(): the spawning thread (gate_session_spawn); creates the peer's context
 *   (which opens the virtual channel manager). FALSE on failure, then gate_front_release() and
 *   the caller gives the peer back to the listener.
 * - Everything else: the peer thread, which owns the front, unless said otherwise.
 * - Teardown, in this order: gate_front_shutdown_socket (unblocks library writes),
 *   gate_front_close (after the channel servers stopped), then, once nothing of the back can
 *   reach the peer any more, gate_front_free_peer and gate_front_release.
 */
#ifndef RMGATE_GATE_FRONT_H
#define RMGATE_GATE_FRONT_H

#include <winpr/synch.h>
#include <freerdp/freerdp.h>
#include <freerdp/peer.h>

#include "gate_channels.h"
#include "gate_config.h"
#include "gate_front_draw.h"
#include "gate_link.h"
#include "gate_observer.h"
#include "gate_rdpdr_observer.h"
#include "gate_sam.h"

typedef struct gate_front gate_front;

/* The peer's rdpContext, extended. Owned by the peer (freerdp_peer_context_*). */
typedef struct {
	rdpContext base;
	gate_front *f;   /* set before the first callback; never changes */
	HANDLE vcm;      /* WTSOpenServerA handle; closed in ContextFree */
} gate_front_context;

/* What the front asks of its session. ctx is opaque; all called on the peer thread. */
typedef struct {
	void *ctx;
	/* The licensing step (the client's identity, channels and credentials are known, the Demand
	 * Active is not sent yet): admission and the connection to the target. FALSE aborts. */
	BOOL (*licensing)(void *ctx);
	/* The client is active for the first time: TRUE when the session may run. */
	BOOL (*post_connect)(void *ctx);
	/* A (re)activation of the client completed. */
	void (*activated)(void *ctx);
	/* The target's input when a client input event may pass now (RUNNING, not observe-only);
	 * NULL otherwise (the session counts what observe-only drops). */
	rdpInput *(*input_target)(void *ctx);
	/* bytes have been written to the client on drdynvc (graphics back-pressure). */
	void (*drdynvc_sent)(void *ctx, size_t bytes);
} gate_front_hooks;

struct gate_front {
	/* Immutable after gate_front_init. */
	freerdp_peer *peer;               /* owned; freed by gate_front_free_peer */
	const gate_config *cfg;           /* borrowed */
	const gate_link *link;            /* the session */
	const gate_admission *admission;  /* borrowed: ntlm_v2_hash, refused */
	gate_sam *sam;                    /* borrowed: lab-mode NLA accounts (may be NULL) */
	const char *client_address;       /* the session's copy */
	const gate_observer *obs;         /* the session's observer (zero until admission) */
	gate_front_hooks hooks;

	/* The rooms of the front (contracts in their headers). */
	gate_channels channels;
	gate_rdpdr_observer rdpdr;
	gate_front_draw draw;

	/* Peer thread only. */
	psPeerLicenseCallback license_cb; /* the library's licence answer */
	/* NLA: the identity of the client's NTLM AUTHENTICATE message, the one the gate looked a
	 * hash up for (NULL = none yet). When the NTLM proof holds, this is the authenticated
	 * identity; the TSCredentials that follow must name the same. */
	char *nla_user, *nla_domain;
	BOOL nla_verified;   /* TSCredentials matched nla_user/nla_domain */
	BOOL logged_on;      /* the front's logon completed (NLA or Client Info) */
	/* NLA only: the vendor's credentials from the TSCredentials, until the session takes them
	 * at admission (gate_front_take_credentials). */
	char *user, *domain, *password;
	BOOL need_refresh;   /* repaint the whole front once activated */
	UINT16 sync_flags;   /* last keyboard sync flags from the client */

	/* The socket's end: `closed` is set (under sock_lock) before the peer is closed, so that
	 * gate_front_shutdown_socket (any thread: watchdog, graphics stall) never touches a
	 * closed descriptor. */
	CRITICAL_SECTION sock_lock;
	BOOL closed;
};

BOOL gate_front_init(gate_front *f, freerdp_peer *peer, const gate_config *cfg,
                     const gate_link *link, const gate_admission *admission, gate_sam *sam,
                     const char *client_address, const gate_observer *obs,
                     const gate_front_hooks *hooks);
/* Configures the peer, initialises it and puts the channel guard in front of the library's
 * channel handlers. FALSE when the front cannot start. */
BOOL gate_front_start(gate_front *f);

/* The front's virtual channel manager (WTSOpenServerA handle). */
HANDLE gate_front_vcm(gate_front *f);
/* The handles the peer loop waits on for the front (transport and channel manager); 0 when
 * the transport has none. */
DWORD gate_front_event_handles(gate_front *f, HANDLE *h, DWORD max);
/* Reads what the client sent (also what TLS holds decrypted); FALSE when the client is gone
 * or the library rejected a PDU. */
BOOL gate_front_read(gate_front *f);
/* Runs the channel manager (its queued output to the client); FALSE when it failed. */
BOOL gate_front_check_channels(gate_front *f);
/* TRUE when the client has closed its connection (end of stream or reset), also while data it
 * sent before closing is still unread. */
BOOL gate_front_socket_gone(gate_front *f);
/* The client left, or the library rejected one of its PDUs, before logon: reports it (the
 * refusal event, a failed NLA logon to the admission) and closes the session. */
void gate_front_handshake_failed(gate_front *f);
/* Refuses the client: a receipt event GATE_EV_SESSION_REFUSED with the reason, the error info
 * (ERRINFO_*, 0 = none) sent to it, and the session closed with the reason. */
void gate_front_refuse(gate_front *f, UINT32 error_info, const char *reason);
/* Paints the whole client once after a (re)activation, when it can be drawn to. */
void gate_front_repaint_if_needed(gate_front *f);

/* Moves the vendor's credentials into the out pointers (NLA: from the TSCredentials; TLS: from
 * the Client Info PDU). FALSE without memory. */
BOOL gate_front_take_credentials(gate_front *f, char **user, char **domain, char **password);
/* The vendor's credentials are only needed for admission: FreeRDP 2.11 keeps a copy of the
 * NLA identity in the peer for the whole session (never freed) and the Client Info password in
 * the settings. Zeroes and frees both. */
void gate_front_wipe_credentials(gate_front *f);

/* Shuts the client's socket down unless the front is closed already. Any thread. */
void gate_front_shutdown_socket(gate_front *f);
/* Closes the peer (marks it closed first) and disconnects it. */
void gate_front_close(gate_front *f);
/* Frees the peer and its context (and what FreeRDP 2.11 leaves in them). */
void gate_front_free_peer(gate_front *f);
/* Frees the front's own memory; the peer must be freed already, or given back. */
void gate_front_release(gate_front *f);

#endif
