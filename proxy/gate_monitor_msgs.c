/* gate_monitor_msgs: what a worker may say to the monitor, and what the monitor does with it
 * (gate_monitor.h: every message is untrusted input; the client address is always the one
 * the monitor accepted). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winpr/string.h>
#include <winpr/wlog.h>
#include <freerdp/error.h>

#include "gate_monitor_int.h"
#include "gate_permits.h"

#define TAG "rmgate.proxy.monitor"

static void send_decision(worker_slot *w, const gate_admission_decision *d, int fd)
{
	gate_ipc_out out;
	gate_ipc_begin(&out, GATE_IPC_M_DECISION);
	gate_ipc_put_u32(&out, GATE_IPC_F_ALLOW, d->allow ? 1 : 0);
	if (d->reason[0])
		gate_ipc_put_str(&out, GATE_IPC_F_REASON, d->reason);
	if (d->error_info)
		gate_ipc_put_u32(&out, GATE_IPC_F_ERROR_INFO, d->error_info);
	if (d->allow) {
		gate_ipc_put_str(&out, GATE_IPC_F_TARGET_HOST, d->target_host);
		gate_ipc_put_u32(&out, GATE_IPC_F_TARGET_PORT, d->target_port);
		if (d->has_target_pin)
			gate_ipc_put_bytes(&out, GATE_IPC_F_TARGET_PIN, d->target_pin, 32);
		gate_ipc_put_u32(&out, GATE_IPC_F_POLICY, gate_policy_to_bits(&d->policy));
		if (d->user) { /* injected credentials: only now, only for this system */
			gate_ipc_put_str(&out, GATE_IPC_F_USER, d->user);
			gate_ipc_put_str(&out, GATE_IPC_F_DOMAIN, d->domain ? d->domain : "");
			gate_ipc_put_bytes(&out, GATE_IPC_F_PASSWORD, d->password ? d->password : "",
			                   d->password ? strlen(d->password) : 0);
		}
		if (w->audit) {
			gate_audit_recording r = gate_audit_recording_of(w->audit);
			gate_ipc_put_str(&out, GATE_IPC_F_RECORDING_ID, r.recording_id);
			gate_ipc_put_u64(&out, GATE_IPC_F_SESSION_ID, (uint64_t)r.session_id);
			gate_ipc_put_u64(&out, GATE_IPC_F_PERMIT_ID, (uint64_t)r.permit_id);
			gate_ipc_put_u64(&out, GATE_IPC_F_VENDOR_ID, (uint64_t)r.vendor_id);
			gate_ipc_put_u64(&out, GATE_IPC_F_SYSTEM_ID, (uint64_t)r.system_id);
			gate_ipc_put_u64(&out, GATE_IPC_F_ACCOUNT_ID, (uint64_t)r.account_id);
			gate_ipc_put_u64(&out, GATE_IPC_F_START_NS, r.start_ns);
		}
	}
	monitor_send(w, &out, fd);
}

/* Splits the comma-separated channel list in place (at most 64 names). */
static size_t split_channels(char *list, const char **names, size_t max)
{
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
		names[n++] = t;
	return n;
}

static BOOL on_admit(monitor *m, worker_slot *w, const gate_ipc_msg *msg, char *err, size_t errlen)
{
	if (w->admit_seen || w->phase != PHASE_HANDSHAKE) {
		snprintf(err, errlen, "a second admission request");
		return FALSE;
	}
	w->admit_seen = TRUE;
	uint32_t nla = 0, width = 0, height = 0, build = 0, layout = 0;
	gate_ipc_u32(msg, GATE_IPC_F_NLA, &nla);
	/* The worker cannot choose how the client authenticated: the configuration says it.
	 * With NLA, the account is the one whose hash the worker asked for. */
	BOOL want_nla = m->cfg->security == GATE_SEC_NLA;
	if ((BOOL)nla != want_nla) {
		snprintf(err, errlen, "an admission request with nla=%u while security is %s", nla, want_nla ? "nla" : "tls");
		return FALSE;
	}
	static char user[GATE_IPC_MAX_STRING + 1], domain[GATE_IPC_MAX_STRING + 1],
	    client_name[GATE_IPC_MAX_STRING + 1], channels[GATE_IPC_MAX_STRING + 1];
	gate_ipc_str(msg, GATE_IPC_F_USER, user, sizeof user);
	if (!gate_ipc_str(msg, GATE_IPC_F_DOMAIN, domain, sizeof domain))
		domain[0] = 0;
	if (!gate_ipc_str(msg, GATE_IPC_F_CLIENT_NAME, client_name, sizeof client_name))
		client_name[0] = 0;
	if (!gate_ipc_str(msg, GATE_IPC_F_CHANNEL, channels, sizeof channels))
		channels[0] = 0;
	if (want_nla && !m->cfg->target.host && (!w->hash_seen || strcmp(user, w->hash_login) != 0)) {
		snprintf(err, errlen, "an NLA admission for an account whose hash it did not ask for");
		return FALSE;
	}
	gate_ipc_u32(msg, GATE_IPC_F_WIDTH, &width);
	gate_ipc_u32(msg, GATE_IPC_F_HEIGHT, &height);
	gate_ipc_u32(msg, GATE_IPC_F_CLIENT_BUILD, &build);
	gate_ipc_u32(msg, GATE_IPC_F_KEYBOARD, &layout);
	const gate_ipc_field *pw = gate_ipc_field_of(msg, GATE_IPC_F_PASSWORD);
	char password[513] = "";
	if (pw) {
		memcpy(password, pw->value, pw->len);
		password[pw->len] = 0;
	}
	const char *names[64];
	size_t nnames = split_channels(channels, names, 64);
	gate_admission_request req = { .user = user, .domain = domain, .password = password,
		                       .client_address = w->address, .client_name = client_name,
		                       .client_build = build, .channels = names, .nchannels = nnames,
		                       .nla = (BOOL)nla, .width = width, .height = height,
		                       .keyboard_layout = layout };
	gate_admission_decision d = { 0 };
	int fd = -1;
	monitor_set_pool(m, w, POOL_NONE);
	if (m->nsessions >= (size_t)m->cfg->max_sessions) {
		m->refused_full++;
		gate_permits_refused(m->p->permits, "too_many_sessions", NULL, w->address, NULL);
		snprintf(d.reason, sizeof d.reason, "max_sessions (%d) reached", m->cfg->max_sessions);
		d.error_info = ERRINFO_SERVER_DENIED_CONNECTION;
	} else if (!gate_permits_decide(m->p->permits, &req, &d, &w->audit, &fd) && !d.reason[0]) {
		snprintf(d.reason, sizeof d.reason, "The gate cannot decide now; try again later.");
	}
	OPENSSL_cleanse(password, sizeof password);
	if (d.allow) {
		w->phase = PHASE_ADMITTED;
		monitor_set_pool(m, w, POOL_SESSION);
	}
	send_decision(w, &d, fd);
	if (fd >= 0)
		close(fd);
	gate_admission_decision_clear(&d);
	return TRUE;
}

static BOOL on_ntlm_hash(monitor *m, worker_slot *w, const gate_ipc_msg *msg, char *err, size_t errlen)
{
	if (m->cfg->security != GATE_SEC_NLA || m->cfg->target.host || w->hash_seen || w->phase != PHASE_HANDSHAKE) {
		snprintf(err, errlen, "an NLA hash request it may not make");
		return FALSE;
	}
	w->hash_seen = TRUE;
	const gate_ipc_field *u = gate_ipc_field_of(msg, GATE_IPC_F_USER_UTF16);
	const gate_ipc_field *d = gate_ipc_field_of(msg, GATE_IPC_F_DOMAIN_UTF16);
	WCHAR user[257] = { 0 }, domain[257] = { 0 };
	memcpy(user, u->value, u->len & ~1u);
	if (d)
		memcpy(domain, d->value, d->len & ~1u);
	char *login = NULL;
	if (ConvertFromUnicode(CP_UTF8, 0, user, (int)(u->len / 2), &login, 0, NULL, NULL) > 0 && login)
		snprintf(w->hash_login, sizeof w->hash_login, "%s", login);
	free(login);
	BYTE hash[16];
	BOOL found = w->hash_login[0] &&
	             gate_permits_ntlm_v2_hash(m->p->permits, user, u->len & ~1u, domain, d ? d->len & ~1u : 0,
	                                       w->address, hash);
	gate_ipc_out out;
	gate_ipc_begin(&out, GATE_IPC_M_NTLM_HASH);
	gate_ipc_put_u32(&out, GATE_IPC_F_FOUND, found ? 1 : 0);
	if (found)
		gate_ipc_put_bytes(&out, GATE_IPC_F_HASH, hash, sizeof hash);
	OPENSSL_cleanse(hash, sizeof hash);
	monitor_send(w, &out, -1);
	return TRUE;
}

static BOOL on_refused(monitor *m, worker_slot *w, const gate_ipc_msg *msg, char *err, size_t errlen)
{
	char reason[GATE_IPC_MAX_STRING + 1], login[GATE_IPC_MAX_STRING + 1] = "",
	                                     detail[GATE_IPC_MAX_STRING + 1];
	gate_ipc_str(msg, GATE_IPC_F_REASON, reason, sizeof reason);
	gate_ipc_str(msg, GATE_IPC_F_LOGIN, login, sizeof login);
	BOOL known = !strcmp(reason, "bad_password") || !strcmp(reason, "identity_mismatch");
	/* A worker reports the failure of its own NLA logon, once, for the account it asked about:
	 * it cannot count failed logons (lock-outs) against accounts of its choosing. */
	if (w->refused_seen || !known || !w->hash_seen || strcmp(login, w->hash_login) != 0) {
		snprintf(err, errlen, "a refusal report it may not make (%s)", known ? "not its account" : "unknown reason");
		return FALSE;
	}
	w->refused_seen = TRUE;
	gate_permits_refused(m->p->permits, reason, login, w->address,
	                     gate_ipc_str(msg, GATE_IPC_F_DETAIL, detail, sizeof detail));
	return TRUE;
}

BOOL monitor_on_message(monitor *m, worker_slot *w, const gate_ipc_msg *msg, char *err, size_t errlen)
{
	switch (msg->type) {
	case GATE_IPC_W_ADMIT: return on_admit(m, w, msg, err, errlen);
	case GATE_IPC_W_NTLM_HASH: return on_ntlm_hash(m, w, msg, err, errlen);
	case GATE_IPC_W_REFUSED: return on_refused(m, w, msg, err, errlen);
	default: break;
	}
	if (w->phase != PHASE_ADMITTED) {
		snprintf(err, errlen, "a %s message outside a session", gate_ipc_type_name(msg->type));
		return FALSE;
	}
	uint32_t v = 0;
	char text[GATE_IPC_MAX_STRING + 1];
	switch (msg->type) {
	case GATE_IPC_W_EVENT:
		gate_ipc_u32(msg, GATE_IPC_F_EVENT, &v);
		if (v < GATE_EV_SESSION_START || v > GATE_EV_CODEC) {
			snprintf(err, errlen, "an event of unknown type %u", v);
			return FALSE;
		}
		if (w->audit)
			gate_audit_event(w->audit, (gate_event_type)v,
			                 gate_ipc_str(msg, GATE_IPC_F_DETAIL, text, sizeof text) ? text : "");
		return TRUE;
	case GATE_IPC_W_INPUT:
		if (w->audit)
			gate_audit_input(w->audit);
		return TRUE;
	case GATE_IPC_W_END:
		gate_ipc_u32(msg, GATE_IPC_F_FRAMES, &v);
		if (w->audit) {
			gate_audit_end(w->audit, gate_ipc_str(msg, GATE_IPC_F_REASON, text, sizeof text), v);
			gate_audit_free(w->audit);
			w->audit = NULL;
		}
		w->phase = PHASE_ENDED;
		return TRUE;
	default:
		snprintf(err, errlen, "an unexpected %s message", gate_ipc_type_name(msg->type));
		return FALSE;
	}
}
