/* gate_rdpdr_observer: watches the client's device redirection channel (rdpdr) without ever
 * forwarding it. When the client opened rdpdr, the gate answers it with FreeRDP's rdpdr server
 * so that the client announces its devices (drives, printers, ports, smart cards); each announce
 * becomes a receipt event GATE_EV_DEVICE_ANNOUNCED with forwarded=no. Nothing of it reaches the
 * target (the back never opens rdpdr for devices: gate_back's channel list).
 *
 * Contract:
 * - gate_rdpdr_observer_start(): peer thread, once the client is active; does nothing when the
 *   client did not join rdpdr. gate_rdpdr_observer_stop(): peer thread, at teardown; also
 *   releases what FreeRDP 2.11's Stop() leaks (see the .c). Both idempotent.
 * - Threads: the announce callbacks run on the library's rdpdr server thread and only report
 *   through the link (any thread). `ctx` is written by the peer thread only; the peer thread is
 *   also the only reader (the channel guard asks gate_rdpdr_observer_running()).
 */
#ifndef RMGATE_GATE_RDPDR_OBSERVER_H
#define RMGATE_GATE_RDPDR_OBSERVER_H

#include <winpr/wtypes.h>
#include <freerdp/peer.h>
#include <freerdp/server/rdpdr.h>

#include "gate_link.h"

typedef struct gate_rdpdr_observer {
	RdpdrServerContext *ctx; /* peer thread: NULL while not started */
	const gate_link *link;   /* set by start; read by the library's rdpdr thread */
} gate_rdpdr_observer;

/* vcm: the front's virtual channel manager (WTSOpenServerA handle). */
void gate_rdpdr_observer_start(gate_rdpdr_observer *o, freerdp_peer *peer, HANDLE vcm,
                               const gate_link *link);
void gate_rdpdr_observer_stop(gate_rdpdr_observer *o);
/* TRUE while the observer holds the client's rdpdr channel open. Peer thread. */
BOOL gate_rdpdr_observer_running(const gate_rdpdr_observer *o);

#endif
