/* gate_admit: one session's admission decision (contract in the header). */
#include "gate_admit.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <freerdp/error.h>
#include <freerdp/settings.h>

void gate_admit_report_offer(gate_front *f, const gate_channel_policy *policy, char **names, size_t n)
{
	rdpSettings *ps = f->peer->settings;
	for (size_t i = 0; i < n; i++) {
		char esc[GATE_ESCAPED_MAX];
		gate_link_escape(esc, sizeof(esc), names[i]);
		gate_link_event(f->link, GATE_EV_CHANNEL_OFFERED, "name=%s", esc);
		if (gate_policy_static_allowed(policy, names[i]))
			gate_link_event(f->link, GATE_EV_CHANNEL_ALLOWED, "name=%s", esc);
		else
			gate_link_event(f->link, GATE_EV_CHANNEL_DENIED, "name=%s class=\"%s\"", esc,
			                gate_policy_channel_class(names[i]));
	}
	struct { const char *flag; BOOL on, allowed; } flags[] = {
		{ "INFO_AUDIOCAPTURE", ps->AudioCapture, FALSE },
		{ "INFO_RAIL", ps->RemoteApplicationMode, policy->remote_app },
		{ "INFO_REMOTECONSOLEAUDIO", ps->RemoteConsoleAudio, FALSE },
		{ "INFO_PASSWORD_IS_SC_PIN", ps->PasswordIsSmartcardPin, TRUE },
	};
	for (size_t i = 0; i < ARRAYSIZE(flags); i++)
		if (flags[i].on)
			gate_link_event(f->link, GATE_EV_CLIENT_INFO_FLAG, "flag=%s denied=%s", flags[i].flag,
			                flags[i].allowed ? "no" : "yes");
}

BOOL gate_admit(gate_front *f, const gate_admission *a, char **names, size_t n,
                gate_channel_policy *policy, gate_observer *obs, gate_back_target *target)
{
	rdpSettings *ps = f->peer->settings;
	if (ps->NlaSecurity && !f->nla_verified) {
		/* on_logon has closed the session already; this holds even if a pipelining client
		 * got its Client Info processed in the same read. */
		gate_front_refuse(f, ERRINFO_SERVER_DENIED_CONNECTION, "NLA identity not verified");
		return FALSE;
	}
	if (!gate_front_take_credentials(f, &target->user, &target->domain, &target->password))
		return FALSE;
	gate_admission_request req = {
		.user = target->user, .domain = target->domain, .password = target->password,
		.client_address = f->client_address,
		.client_name = ps->ClientHostname ? ps->ClientHostname : "",
		.client_build = ps->ClientBuild,
		.channels = (const char *const *)names, .nchannels = n,
		.nla = ps->NlaSecurity,
		.width = ps->DesktopWidth, .height = ps->DesktopHeight,
		.keyboard_layout = ps->KeyboardLayout,
	};
	gate_admission_decision d = { 0 };
	BOOL ok = a->admit && a->admit(a->ctx, &req, &d);
	if (!ok || !d.allow || !d.target_host) {
		const char *why = !ok ? "admission hook failed" : d.reason[0] ? d.reason : "refused";
		gate_front_refuse(f, d.error_info ? d.error_info : ERRINFO_SERVER_DENIED_CONNECTION, why);
		gate_admission_decision_clear(&d);
		return FALSE;
	}
	*obs = d.observer;
	*policy = d.policy;
	target->host = d.target_host;
	target->port = d.target_port;
	target->has_pin = d.has_target_pin;
	memcpy(target->pin, d.target_pin, sizeof(target->pin));
	d.target_host = NULL;
	memset(&d.observer, 0, sizeof(d.observer));
	if (d.user) { /* injected credentials replace the vendor's */
		free(target->user);
		free(target->domain);
		gate_link_free_secret(&target->password);
		target->user = d.user;
		target->domain = d.domain ? d.domain : strdup("");
		target->password = d.password ? d.password : strdup("");
		d.user = d.domain = d.password = NULL;
	}
	gate_admission_decision_clear(&d);
	return TRUE;
}

