/* gate_policy: channel allow-list decisions and the receipt's channel classes. */
#include "gate_policy.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <freerdp/channels/rdpgfx.h>
#include <freerdp/channels/disp.h>

gate_channel_policy gate_policy_default(void)
{
	gate_channel_policy p = { 0 };
	p.gfx = TRUE;
	p.display_control = TRUE;
	return p;
}

BOOL gate_policy_static_allowed(const gate_channel_policy *p, const char *name)
{
	if (!name)
		return FALSE;
	if (!strcmp(name, "drdynvc"))
		return p->gfx || p->display_control;
	/* rdpsnd (with its device-less rdpdr) and rail are not bridged in this version: whatever
	 * audio_output and remote_app say, they stay denied, and the receipt says so. */
	return FALSE;
}

BOOL gate_policy_dvc_allowed(const gate_channel_policy *p, const char *name)
{
	if (!name)
		return FALSE;
	if (!strcmp(name, RDPGFX_DVC_CHANNEL_NAME))
		return p->gfx;
	if (!strcmp(name, DISP_DVC_CHANNEL_NAME))
		return p->display_control;
	return FALSE;
}

const char *gate_policy_channel_class(const char *name)
{
	static const struct { const char *name, *cls; } map[] = {
		{ "cliprdr", "clipboard" },
		{ "rdpdr", "device redirection (drives, printers, ports, smart cards)" },
		{ "rdpsnd", "audio output" },
		{ "snddbg", "audio debug" },
		{ "audin", "audio input" },
		{ "AUDIO_INPUT", "audio input" },
		{ "URBDRC", "USB redirection" },
		{ "rail", "RemoteApp" },
		{ "encomsp", "remote assistance" },
		{ "remdesk", "remote assistance" },
		{ "rdp2tcp", "TCP tunnel" },
		{ "drdynvc", "dynamic channel carrier" },
		{ "echo", "echo" },
		{ "RDCamera_Device_Enumerator", "camera" },
		{ "Microsoft::Windows::RDS::Video::Control::v08.01", "video redirection" },
		{ "Microsoft::Windows::RDS::Video::Data::v08.01", "video redirection" },
		{ "Microsoft::Windows::RDS::Geometry::v08.01", "geometry tracking" },
		{ "Microsoft::Windows::RDS::Input", "multitouch input" },
		{ "Microsoft::Windows::RDS::Graphics", "graphics pipeline" },
		{ "Microsoft::Windows::RDS::DisplayControl", "display control" },
	};
	for (size_t i = 0; name && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(name, map[i].name))
			return map[i].cls;
	return "unknown";
}

void gate_policy_describe(const gate_channel_policy *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s", p->gfx ? "gfx," : "", p->display_control ? "disp," : "",
	         p->audio_output ? "rdpsnd," : "", p->remote_app ? "rail," : "",
	         (p->gfx || p->display_control || p->audio_output || p->remote_app) ? "" : "none,",
	         p->observe_only ? "observe-only" : "");
	size_t n = strlen(buf);
	if (n && buf[n - 1] == ',')
		buf[n - 1] = '\0';
}
