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

enum {
	POLICY_BIT_GFX = 1u << 0,
	POLICY_BIT_DISPLAY_CONTROL = 1u << 1,
	POLICY_BIT_AUDIO_OUTPUT = 1u << 2,
	POLICY_BIT_REMOTE_APP = 1u << 3,
	POLICY_BIT_OBSERVE_ONLY = 1u << 4,
};

UINT32 gate_policy_to_bits(const gate_channel_policy *p)
{
	return (p->gfx ? POLICY_BIT_GFX : 0) | (p->display_control ? POLICY_BIT_DISPLAY_CONTROL : 0) |
	       (p->audio_output ? POLICY_BIT_AUDIO_OUTPUT : 0) | (p->remote_app ? POLICY_BIT_REMOTE_APP : 0) |
	       (p->observe_only ? POLICY_BIT_OBSERVE_ONLY : 0);
}

gate_channel_policy gate_policy_from_bits(UINT32 bits)
{
	return (gate_channel_policy){ .gfx = (bits & POLICY_BIT_GFX) != 0,
		                      .display_control = (bits & POLICY_BIT_DISPLAY_CONTROL) != 0,
		                      .audio_output = (bits & POLICY_BIT_AUDIO_OUTPUT) != 0,
		                      .remote_app = (bits & POLICY_BIT_REMOTE_APP) != 0,
		                      .observe_only = (bits & POLICY_BIT_OBSERVE_ONLY) != 0 };
}
