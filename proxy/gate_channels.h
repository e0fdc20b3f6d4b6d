/* gate_channels: the guard in front of the front's virtual channel manager.
 *
 * Every static-channel PDU the client sends passes gate_channels_receive() before FreeRDP's
 * channel manager sees it. Only two channels are ever open towards the client: drdynvc (the
 * dynamic channels the gate serves itself: graphics pipeline, display control) and rdpdr while
 * the device observer holds it (gate_rdpdr_observer). Data on any other channel, and messages
 * the library would reassemble without bound (a total above max_channel_message, more bytes
 * than the declared total, fragments without a FIRST, or a drdynvc DATA_FIRST announcing more
 * than the cap, which FreeRDP 2.11 pre-allocates), are dropped, counted and reported
 * (rate-limited receipt event GATE_EV_CHANNEL_DATA_DROPPED). The client is never disconnected
 * for it. What the library writes back on drdynvc is counted for the graphics back-pressure.
 *
 * Contract:
 * - gate_channels_init() before the peer is initialised; gate_channels_attach() right after
 *   peer->Initialize (WTSOpenServerA has installed its handlers by then): the guard takes the
 *   library's receive and send handlers, and the caller (gate_front) installs its own peer
 *   callbacks that call gate_channels_receive() / gate_channels_send().
 * - Threads: everything here runs on the peer thread (the library calls the receive handler
 *   while it reads the front, and the send handler while the channel manager drains its queue
 *   in WTSVirtualChannelManagerCheckFileDescriptor); no field needs a lock.
 * - Every header field of untrusted data is read through WinPR's wStream with length checks.
 */
#ifndef RMGATE_GATE_CHANNELS_H
#define RMGATE_GATE_CHANNELS_H

#include <stddef.h>
#include <freerdp/peer.h>

#include "gate_link.h"

/* What the guard asks of its owner. ctx is opaque; both called on the peer thread. */
typedef struct {
	void *ctx;
	/* TRUE while the rdpdr observer holds the client's rdpdr channel open. */
	BOOL (*rdpdr_open)(void *ctx);
	/* bytes have been written to the client on drdynvc (graphics back-pressure, gate_gfx). */
	void (*drdynvc_sent)(void *ctx, size_t bytes);
} gate_channels_hooks;

typedef struct gate_channels {
	/* Immutable after gate_channels_init. */
	freerdp_peer *peer;
	const gate_link *link;
	size_t max_message;        /* cfg->max_channel_message */
	gate_channels_hooks hooks;
	/* Peer thread only. */
	psPeerReceiveChannelData wts_receive; /* the VCM's receive handler */
	psPeerSendChannelData wts_send;       /* the library's channel sender */
	size_t rx_message_bytes[2];           /* drdynvc, rdpdr: bytes of the message so far */
	BOOL rx_in_message[2];                /* a FIRST fragment was accepted */
	UINT64 dropped_pdus, dropped_bytes;   /* reported at the session's end */
} gate_channels;

void gate_channels_init(gate_channels *c, freerdp_peer *peer, const gate_link *link,
                        size_t max_message, const gate_channels_hooks *hooks);
/* Takes peer->ReceiveChannelData and peer->SendChannelData as the library installed them. */
void gate_channels_attach(gate_channels *c);

/* The guarded receive: passes the PDU to the library's handler or drops it. Always TRUE. */
BOOL gate_channels_receive(gate_channels *c, UINT16 id, const BYTE *data, size_t size,
                           UINT32 flags, size_t total);
/* The counted send: the library's sender, then drdynvc_sent on success. */
BOOL gate_channels_send(gate_channels *c, UINT16 id, const BYTE *data, size_t size);

/* FALSE when a complete-message start on drdynvc is a DATA_FIRST PDU announcing more than cap
 * bytes (FreeRDP 2.11's server pre-allocates the announced length). Any other data: TRUE. */
BOOL gate_channels_dvc_first_ok(const BYTE *data, size_t size, size_t cap);

#endif
