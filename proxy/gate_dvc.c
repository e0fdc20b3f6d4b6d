/* gate_dvc: the back side's dynamic-channel receipt (contract in the header). */
#include "gate_dvc.h"

#include <stdlib.h>
#include <string.h>

#include <winpr/wlog.h>
#include <freerdp/addin.h>
#include <freerdp/dvc.h>
#include <freerdp/client/channels.h>

#define TAG "rmgate.proxy.dvc"

/* Names of dynamic channels known to carry data out of the session or input in ways the
 * view-only policy denies. Exact names, as targets send them. */
static const char *const g_denied_dvcs[] = {
	"AUDIO_INPUT",
	"URBDRC",
	"RDCamera_Device_Enumerator",
	"Microsoft::Windows::RDS::Video::Control::v08.01",
	"Microsoft::Windows::RDS::Video::Data::v08.01",
	"Microsoft::Windows::RDS::Geometry::v08.01",
	"Microsoft::Windows::RDS::Input",
	"Microsoft::Windows::RDS::Location",
	"Microsoft::Windows::RDS::Telemetry",
	"Microsoft::Windows::RDS::AuthRedirection",
	"FreeRDP::Advanced::Input",
	"TSMF",
	"ECHO",
	"SSHAGENT",
	RDPGFX_DVC_CHANNEL_NAME,
	DISP_DVC_CHANNEL_NAME,
};

typedef struct {
	IWTSListenerCallback iface;
	const gate_dvc_receipt *r;
	const char *name;
} deny_listener;

typedef struct {
	IWTSPlugin iface;
	const gate_dvc_receipt *r;
	deny_listener *listeners[ARRAYSIZE(g_denied_dvcs)];
	size_t n;
} deny_plugin;

static CRITICAL_SECTION g_provider_lock;
static INIT_ONCE g_provider_once = INIT_ONCE_STATIC_INIT;

static UINT deny_new_channel(IWTSListenerCallback *cb, IWTSVirtualChannel *channel, BYTE *data,
                             BOOL *accept, IWTSVirtualChannelCallback **channel_cb)
{
	deny_listener *l = (deny_listener *)cb;
	(void)channel;
	(void)data;
	*accept = FALSE;
	*channel_cb = NULL;
	gate_link_event(l->r->link, GATE_EV_DVC_DENIED, "name=%s class=\"%s\"", l->name,
	                   gate_policy_channel_class(l->name));
	return CHANNEL_RC_OK;
}

static UINT deny_initialize(IWTSPlugin *plugin, IWTSVirtualChannelManager *mgr)
{
	deny_plugin *p = (deny_plugin *)plugin;
	for (size_t i = 0; i < ARRAYSIZE(g_denied_dvcs); i++) {
		if (gate_policy_dvc_allowed(p->r->policy, g_denied_dvcs[i]))
			continue; /* served by FreeRDP's own plugin: must not be shadowed */
		deny_listener *l = calloc(1, sizeof(*l));
		if (!l)
			return CHANNEL_RC_NO_MEMORY;
		l->iface.OnNewChannelConnection = deny_new_channel;
		l->r = p->r;
		l->name = g_denied_dvcs[i];
		p->listeners[p->n++] = l;
		UINT rc = mgr->CreateListener(mgr, l->name, 0, &l->iface, NULL);
		if (rc != CHANNEL_RC_OK)
			return rc;
	}
	return CHANNEL_RC_OK;
}

static UINT deny_terminated(IWTSPlugin *plugin)
{
	deny_plugin *p = (deny_plugin *)plugin;
	for (size_t i = 0; i < p->n; i++)
		free(p->listeners[i]);
	free(p);
	return CHANNEL_RC_OK;
}

static UINT gate_dvc_entry(IDRDYNVC_ENTRY_POINTS *ep)
{
	rdpSettings *settings = ep->GetRdpSettings(ep);
	freerdp *instance = settings ? settings->instance : NULL;
	if (!instance || !instance->context)
		return ERROR_INVALID_PARAMETER;
	deny_plugin *p = calloc(1, sizeof(*p));
	if (!p)
		return CHANNEL_RC_NO_MEMORY;
	p->r = ((gate_dvc_context *)instance->context)->receipt;
	p->iface.Initialize = deny_initialize;
	p->iface.Terminated = deny_terminated;
	UINT rc = ep->RegisterPlugin(ep, GATE_DVC_RECEIPT_NAME, &p->iface);
	if (rc != CHANNEL_RC_OK)
		free(p);
	return rc;
}

static PVIRTUALCHANNELENTRY gate_provider(LPCSTR name, LPCSTR subsystem, LPCSTR type, DWORD flags)
{
	if ((flags & FREERDP_ADDIN_CHANNEL_DYNAMIC) && name && !strcmp(name, GATE_DVC_RECEIPT_NAME))
		return (PVIRTUALCHANNELENTRY)(void *)gate_dvc_entry;
	return freerdp_channels_load_static_addin_entry(name, subsystem, type, flags);
}

static BOOL CALLBACK init_provider_lock(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
	(void)once;
	(void)param;
	(void)ctx;
	return InitializeCriticalSectionAndSpinCount(&g_provider_lock, 4000);
}

rdpContext *gate_dvc_client_context_new(RDP_CLIENT_ENTRY_POINTS *ep)
{
	InitOnceExecuteOnce(&g_provider_once, init_provider_lock, NULL, NULL);
	EnterCriticalSection(&g_provider_lock);
	rdpContext *ctx = freerdp_client_context_new(ep);
	freerdp_register_addin_provider(gate_provider, 0);
	LeaveCriticalSection(&g_provider_lock);
	return ctx;
}
