/* gate_observer: the hooks a session calls while it runs (frames, pointer, input, policy
 * events, close) and the admission hook called before the back side connects.
 *
 * Observer contract:
 * - A session holds one gate_observer (a copy of the struct returned by the admission hook).
 *   Every callback may be NULL. ctx is opaque to the gate.
 * - Threads: on_frame, on_pointer_*, on_resize run on the back side (the client thread for
 *   legacy graphics, the back drdynvc thread for the graphics pipeline), with the back's update
 *   lock held; on_key, on_unicode, on_mouse run on the front (peer) thread; on_event may run on
 *   any session thread. Calls for one session are never concurrent with each other for the same
 *   callback but different callbacks may run concurrently: ctx must lock what it shares.
 * - Callbacks must not block (no disk or network I/O inline): copy and queue.
 * - Pointers passed in (bgra, rects, detail, shape) are valid only during the call.
 * - on_close is called exactly once, last, from the peer thread, after every other callback has
 *   stopped; then release(ctx) (if set) is called and the gate never touches ctx again.
 */
#ifndef RMGATE_GATE_OBSERVER_H
#define RMGATE_GATE_OBSERVER_H

#include <stddef.h>
#include <winpr/wtypes.h>

#include "gate_policy.h"

typedef struct {
	UINT32 x, y, w, h;
} gate_rect;

/* Pointer shape: kind SYSTEM_DEFAULT / HIDDEN carry no pixels; BITMAP carries BGRA32
 * (premultiplied-free, alpha in the top byte), stride = width * 4. */
typedef enum {
	GATE_POINTER_HIDDEN = 0,
	GATE_POINTER_SYSTEM_DEFAULT = 1,
	GATE_POINTER_BITMAP = 2,
} gate_pointer_kind;

typedef struct {
	gate_pointer_kind kind;
	UINT32 width, height, hotspot_x, hotspot_y;
	const BYTE *bgra; /* NULL unless kind == GATE_POINTER_BITMAP */
} gate_pointer_shape;

/* Events of the enforcement receipt and of the session life; detail is a short UTF-8 text
 * (key=value pairs separated by spaces, values without spaces or quoted). */
typedef enum {
	GATE_EV_SESSION_START = 1,      /* client identity, address, size */
	GATE_EV_CHANNEL_OFFERED,        /* a static channel the client asked for: name=... */
	GATE_EV_CHANNEL_DENIED,         /* a static channel not forwarded: name=... */
	GATE_EV_CHANNEL_ALLOWED,        /* a static channel forwarded to the target: name=... */
	GATE_EV_CLIENT_INFO_FLAG,       /* Client Info flag asking for a denied feature: flag=... */
	GATE_EV_DEVICE_ANNOUNCED,       /* rdpdr device announced by the client (never forwarded) */
	GATE_EV_DVC_DENIED,             /* a dynamic channel the target tried to open: name=... */
	GATE_EV_CHANNEL_DATA_DROPPED,   /* data on a channel the gate never opened: id=... bytes=... */
	GATE_EV_INPUT_DROPPED,          /* observe-only: summary count at close */
	GATE_EV_DECODE_ERROR,           /* the gate's own decoder failed; forwarding went on */
	GATE_EV_TARGET_CONNECTED,       /* host=... port=... width=... height=... */
	GATE_EV_SESSION_REFUSED,        /* admission refused: reason=... */
	GATE_EV_CODEC,                  /* codec seen on the back side: codec=... */
} gate_event_type;

const char *gate_event_name(gate_event_type type);

typedef struct gate_observer {
	void *ctx;
	void (*on_frame)(void *ctx, const BYTE *bgra, UINT32 stride, UINT32 width, UINT32 height,
	                 const gate_rect *rects, size_t nrects);
	void (*on_pointer_position)(void *ctx, UINT32 x, UINT32 y);
	void (*on_pointer_shape)(void *ctx, const gate_pointer_shape *shape);
	void (*on_key)(void *ctx, UINT16 flags, UINT16 scancode);   /* KBD_FLAGS_*, set-1 code */
	void (*on_unicode)(void *ctx, UINT16 flags, UINT16 code);   /* UTF-16 unit */
	void (*on_mouse)(void *ctx, UINT16 flags, UINT16 x, UINT16 y); /* PTR_* / PTR_XFLAGS_* */
	void (*on_event)(void *ctx, gate_event_type type, const char *detail);
	void (*on_resize)(void *ctx, UINT32 width, UINT32 height);
	/* About once a second on the peer thread while the session runs: returns the sentence
	 * why the session must end now (it is then closed with that reason), or NULL to go on.
	 * Used for idle timeouts, maximum durations, permit windows, revocations and officers'
	 * orders. *error_info (0 when not set) is the ERRINFO_* the client is sent, so that it
	 * can tell the vendor why (idle, time limit, administrative end); 0 means
	 * ERRINFO_LOGOFF_BY_USER. */
	const char *(*on_tick)(void *ctx, UINT32 *error_info);
	void (*on_close)(void *ctx, const char *reason);
	void (*release)(void *ctx);
} gate_observer;

/* ---- Admission ---------------------------------------------------------------------------
 * Called once per session on the peer thread, after the front handshake (credentials known)
 * and before the back connects. All request strings are valid only during the call.
 * The hook fills the decision; strings in it are heap copies owned by the decision and freed
 * by gate_admission_decision_clear() (the session does it). password buffers are zeroed. */
typedef struct {
	const char *user;           /* from NLA or the Client Info PDU; "" when none */
	const char *domain;
	const char *password;       /* secret: never log */
	const char *client_address; /* peer IP as text */
	const char *client_name;    /* Client Core Data clientName */
	UINT32 client_build;
	const char *const *channels; /* static channels the client offered */
	size_t nchannels;
	BOOL nla;                   /* TRUE when the front authenticated with NLA */
	UINT32 width, height;       /* the client's desktop size */
	UINT32 keyboard_layout;     /* the client's keyboard layout id */
} gate_admission_request;

typedef struct {
	BOOL allow;
	char reason[256];           /* deny: one sentence for the log and ledger */
	UINT32 error_info;          /* deny: ERRINFO_* sent to the client (0 = default) */
	char *target_host;          /* allow: target */
	UINT16 target_port;
	BOOL has_target_pin;        /* allow: the target's own certificate pin (SHA-256); when set, */
	BYTE target_pin[32];        /* the certificate must match it, whatever target_cert says   */
	gate_channel_policy policy; /* allow: channels, observe-only */
	char *user, *domain, *password; /* allow: credentials for the target; NULL user = pass the
	                                   vendor's own through */
	gate_observer observer;     /* allow: observer for this session (ctx owned via release) */
} gate_admission_decision;

typedef struct {
	void *ctx;
	/* Returns FALSE only on internal error (treated as deny). Must not block for long:
	 * the client is waiting in its connection sequence. */
	BOOL (*admit)(void *ctx, const gate_admission_request *req, gate_admission_decision *out);
	/* NLA (optional): writes the NTLMv2 hash of the account `user` (UTF-16LE, lengths in
	 * bytes) for FreeRDP's server NTLM to check the client's proof; FALSE for an unknown
	 * account or one locked for `source` (the client's address). Runs on the peer thread
	 * during the handshake. When NULL, NLA uses the configured SAM file. */
	BOOL (*ntlm_v2_hash)(void *ctx, const WCHAR *user, UINT32 user_bytes, const WCHAR *domain,
	                     UINT32 domain_bytes, const char *source, BYTE hash[16]);
	/* Optional: a connection refused before admission could decide, for the ledger:
	 * "bad_password" (an NLA logon that failed after ntlm_v2_hash; peer thread) or
	 * "identity_mismatch" (NLA: the TSCredentials named another account than the one NTLM
	 * authenticated, which is login; peer thread). detail (may be NULL) is a sentence for
	 * the ledger whose client-supplied parts are already escaped. */
	void (*refused)(void *ctx, const char *reason, const char *login, const char *source,
	                const char *detail);
} gate_admission;

void gate_admission_decision_clear(gate_admission_decision *d);

#endif
