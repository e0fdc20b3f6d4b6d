/* gate_rdpdr_observer: device announces are reported, nothing is ever forwarded (contract in
 * the header). */
#include "gate_rdpdr_observer.h"

#include <stdlib.h>

#include <winpr/wlog.h>
#include <winpr/wtsapi.h>
#include <freerdp/channels/wtsvc.h>
#include <freerdp/freerdp.h>

#define TAG "rmgate.proxy.session"

static void rdpdr_device(RdpdrServerContext *ctx, const char *kind, UINT32 id, const char *name)
{
	gate_rdpdr_observer *o = ctx->data;
	char esc[GATE_ESCAPED_MAX];
	gate_link_event(o->link, GATE_EV_DEVICE_ANNOUNCED, "type=%s id=%u name=\"%s\" forwarded=no", kind,
	                id, gate_link_escape(esc, sizeof(esc), name));
}

static void rdpdr_drive(RdpdrServerContext *c, UINT32 id, const char *n) { rdpdr_device(c, "drive", id, n); }
static void rdpdr_printer(RdpdrServerContext *c, UINT32 id, const char *n) { rdpdr_device(c, "printer", id, n); }
static void rdpdr_port(RdpdrServerContext *c, UINT32 id, const char *n) { rdpdr_device(c, "port", id, n); }
static void rdpdr_smartcard(RdpdrServerContext *c, UINT32 id, const char *n) { rdpdr_device(c, "smartcard", id, n); }

void gate_rdpdr_observer_start(gate_rdpdr_observer *o, freerdp_peer *peer, HANDLE vcm,
                               const gate_link *link)
{
	if (o->ctx || !WTSChannelGetId(peer, "rdpdr"))
		return;
	RdpdrServerContext *ctx = rdpdr_server_context_new(vcm);
	if (!ctx)
		return;
	o->link = link;
	ctx->data = o;
	ctx->supportsDrives = ctx->supportsPorts = ctx->supportsPrinters = ctx->supportsSmartcards = TRUE;
	ctx->OnDriveCreate = rdpdr_drive;
	ctx->OnPrinterCreate = rdpdr_printer;
	ctx->OnPortCreate = rdpdr_port;
	ctx->OnSmartcardCreate = rdpdr_smartcard;
	o->ctx = ctx;
	if (ctx->Start(ctx) != CHANNEL_RC_OK) {
		WLog_WARN(TAG, "%s rdpdr observer did not start", link->sid);
		/* Start may have opened the channel before failing: close it too. */
		gate_rdpdr_observer_stop(o);
	}
}

BOOL gate_rdpdr_observer_running(const gate_rdpdr_observer *o)
{
	return o->ctx != NULL;
}

/* The first fields of FreeRDP 2.11's private rdpdr server state (channels/rdpdr/server/
 * rdpdr_main.h). Its Stop() neither closes the channel it opened nor frees the client's computer
 * name, which would leak per session; we release both, but only on the exact library series
 * whose layout this mirrors. */
typedef struct {
	HANDLE Thread;
	HANDLE StopEvent;
	void *ChannelHandle;
	UINT32 ClientId;
	UINT16 VersionMajor;
	UINT16 VersionMinor;
	char *ClientComputerName;
} gate_rdpdr_priv_2_11;

void gate_rdpdr_observer_stop(gate_rdpdr_observer *o)
{
	RdpdrServerContext *ctx = o->ctx;
	int major = 0, minor = 0, rev = 0;
	if (!ctx)
		return;
	ctx->Stop(ctx);
	freerdp_get_version(&major, &minor, &rev);
	if (major == 2 && minor == 11 && ctx->priv) {
		gate_rdpdr_priv_2_11 *p = (gate_rdpdr_priv_2_11 *)ctx->priv;
		if (p->ChannelHandle)
			WTSVirtualChannelClose(p->ChannelHandle);
		p->ChannelHandle = NULL;
		free(p->ClientComputerName);
		p->ClientComputerName = NULL;
	}
	rdpdr_server_context_free(ctx);
	o->ctx = NULL;
}
