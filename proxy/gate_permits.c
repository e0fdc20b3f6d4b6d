/* gate_permits: admission by the permit database (see gate_permits.h). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <winpr/ntlm.h>
#include <winpr/string.h>
#include <winpr/wlog.h>

#include "account.h"
#include "admin.h"
#include "authz.h"
#include "gate_audit.h"
#include "gate_permits.h"
#include "hex.h"
#include "ledger.h"

#define TAG "rmgate.proxy.permits"

static void refuse(gate_admission_decision *out, const char *sentence)
{
	out->allow = FALSE;
	snprintf(out->reason, sizeof(out->reason), "%s", sentence);
}

/* The database stores a pin as 64 lowercase hex digits (policy_cert_pin_parse). */
static BOOL pin_from_hex(const char *hex, BYTE out[32])
{
	return hex_decode(hex, strlen(hex), out, 32);
}

static gate_channel_policy channel_policy_for(const policy_session_rules *rules)
{
	gate_channel_policy cp = gate_policy_default();
	cp.audio_output = (rules->channels & POLICY_CHANNEL_AUDIO_OUT) != 0;
	cp.observe_only = rules->observe_only;
	return cp;
}

/* Lab mode: the fixed admission decides; the session is recorded and ledgered all the same. */
static BOOL lab_admit(gate_permits *p, const gate_admission_request *req,
                      gate_admission_decision *out, gate_audit **audit, int *recording_fd)
{
	if (!p->lab->admit(p->lab->ctx, req, out) || !out->allow || p->lab_no_record)
		return TRUE;
	if (out->observer.release)
		out->observer.release(out->observer.ctx);
	memset(&out->observer, 0, sizeof(out->observer));

	policy_decision d = { .allowed = true, .port = out->target_port };
	snprintf(d.host, sizeof(d.host), "%s", out->target_host);
	snprintf(d.system_name, sizeof(d.system_name), "lab");
	gate_audit_params ap = { .db = p->db,
		                 .recordings_dir = p->recordings_dir,
		                 .decision = &d,
		                 .login = req->user ? req->user : "",
		                 .source = req->client_address ? req->client_address : "",
		                 .client_name = req->client_name,
		                 .client_build = req->client_build,
		                 .disk = p->disk };
	char err[512];
	*audit = gate_audit_start(&ap, recording_fd, err, sizeof(err));
	if (!*audit) {
		WLog_ERR(TAG, "lab session: %s", err);
		if (policy_ledger_refused(p->db, policy_now_us(), POLICY_DENY_NOT_RECORDABLE, ap.login, ap.source,
		                          "lab", err) != POLICY_OK)
			WLog_ERR(TAG, "refusal not recorded: %s", policy_last_error());
		gate_admission_decision_clear(out);
		refuse(out, "The session cannot be recorded, so it is refused.");
	}
	return TRUE;
}

BOOL gate_permits_decide(gate_permits *p, const gate_admission_request *req,
                         gate_admission_decision *out, gate_audit **audit, int *recording_fd)
{
	*audit = NULL;
	*recording_fd = -1;
	if (p->lab)
		return lab_admit(p, req, out, audit, recording_fd);
	int64_t now = policy_now_us();
	/* The account the vendor named, in whichever form (alice, alice@vendor.example). */
	char login[257];
	if (policy_account_canonical_login(p->db, req->user ? req->user : "", login, sizeof login) == POLICY_ERR_DB) {
		WLog_ERR(TAG, "account lookup failed: %s", policy_last_error());
		refuse(out, "The gate cannot check the logon now; try again later.");
		return TRUE;
	}
	const char *source = req->client_address ? req->client_address : "";

	if (!*login) {
		policy_ledger_refused(p->db, now, POLICY_DENY_UNKNOWN_ACCOUNT, NULL, source, NULL,
		                      "no user name given");
		refuse(out, "No user name was given: log on with the account the city issued.");
		return TRUE;
	}
	if (!req->nla) {
		policy_deny_reason deny = POLICY_DENY_NONE;
		if (policy_account_check_password(p->db, login, req->password ? req->password : "",
		                                  source, now, &deny) != POLICY_OK) {
			WLog_ERR(TAG, "password check failed: %s", policy_last_error());
			refuse(out, "The gate cannot check the logon now; try again later.");
			return TRUE;
		}
		if (deny != POLICY_DENY_NONE) { /* already in the ledger */
			/* One answer for all three, so the client learns nothing about the account;
			 * which it was is in the ledger. */
			refuse(out, "Unknown account, wrong password, or too many failed logons "
			            "(then wait and try again later).");
			return TRUE;
		}
	}

	policy_decision d;
	const char *requested = req->domain && *req->domain ? req->domain : NULL;
	if (policy_authorize(p->db, login, requested, source, now, &d) != POLICY_OK) {
		WLog_ERR(TAG, "authorization failed: %s", policy_last_error());
		refuse(out, "The gate cannot read its permits now; try again later.");
		return TRUE;
	}
	if (!d.allowed) {
		policy_ledger_refused(p->db, now, d.deny, login, source, requested, d.message);
		refuse(out, d.message);
		return TRUE;
	}

	/* The system's own certificate pin, when it has one, is the only certificate accepted. */
	BYTE pin[32] = { 0 };
	BOOL has_pin = d.cert_pin[0] && pin_from_hex(d.cert_pin, pin);
	if (d.cert_pin[0] && !has_pin) {
		refuse(out, "The system's certificate pin is unreadable; tell the city.");
		return TRUE;
	}
	policy_credentials creds = { 0 };
	if (d.inject_credentials && !has_pin && p->target_cert_ignored) {
		policy_ledger_event(p->db, 0, now, POLICY_EV_REFUSED,
		                    "injected credentials need a checked target certificate (target_cert)");
		refuse(out, "The gate cannot log on to the system for you now; tell the city.");
		return TRUE;
	}
	if (d.inject_credentials) {
		if (!p->secret_key ||
		    policy_system_credentials_for(p->db, p->secret_key, d.system_id, d.host, d.port,
	                                  d.cert_pin, &creds) != POLICY_OK) {
			char detail[300];
			snprintf(detail, sizeof(detail), "target credentials for %s unavailable: %s",
			         d.system_name, p->secret_key ? policy_last_error() : "no key file loaded");
			WLog_ERR(TAG, "%s: %s", login, detail);
			policy_ledger_event(p->db, 0, now, POLICY_EV_REFUSED, detail);
			refuse(out, "The gate cannot log on to the system for you now; tell the city.");
			return TRUE;
		}
	}

	gate_audit_params ap = { .db = p->db,
		                 .recordings_dir = p->recordings_dir,
		                 .decision = &d,
		                 .login = login,
		                 .source = source,
		                 .client_name = req->client_name,
		                 .client_build = req->client_build,
		                 .idle_warning_s = p->idle_warning_s,
		                 .permit_poll_ms = p->permit_poll_ms,
		                 .disk = p->disk };
	char err[512];
	*audit = gate_audit_start(&ap, recording_fd, err, sizeof(err));
	if (!*audit) {
		/* Fail closed: no recording, no session. */
		WLog_ERR(TAG, "%s: %s", login, err);
		if (policy_ledger_refused(p->db, now, POLICY_DENY_NOT_RECORDABLE, login, source, d.system_name, err) !=
		    POLICY_OK)
			WLog_ERR(TAG, "refusal not recorded: %s", policy_last_error());
		refuse(out, "The session cannot be recorded, so it is refused.");
		policy_credentials_clear(&creds);
		return TRUE;
	}

	out->allow = TRUE;
	out->target_host = _strdup(d.host);
	out->target_port = (UINT16)d.port;
	out->has_target_pin = has_pin;
	memcpy(out->target_pin, pin, sizeof(out->target_pin));
	out->policy = channel_policy_for(&d.rules);
	if (d.inject_credentials) { /* ownership moves to the decision, which wipes them */
		out->user = creds.user;
		out->domain = creds.domain;
		out->password = creds.password;
		creds.user = creds.domain = creds.password = NULL;
	}
	if (!out->target_host) {
		/* No session will run: its ledger row ends now, as an error. */
		close(*recording_fd);
		*recording_fd = -1;
		gate_audit_end(*audit, "out of memory", 0);
		gate_audit_free(*audit);
		*audit = NULL;
		refuse(out, "out of memory");
		return FALSE;
	}
	WLog_INFO(TAG, "%s from %s: permit %lld, system %s (%s:%d), session %lld", login, source,
	          (long long)d.permit_id, d.system_name, d.host, d.port,
	          (long long)gate_audit_session_id(*audit));
	return TRUE;
}

/* Refusals the gate decided before admission. A full gate may see a flood of connections:
 * the ledger gets at most one too_many_sessions row a second, with the count since the last. */
void gate_permits_refused(gate_permits *p, const char *reason, const char *login, const char *source,
                          const char *detail)
{
	int64_t now = policy_now_us();
	char canonical[257];
	if (login) { /* the account it names, as admission and the lock-out know it */
		policy_account_canonical_login(p->db, login, canonical, sizeof canonical);
		login = canonical;
	}
	if (!strcmp(reason, "identity_mismatch")) {
		if (policy_ledger_refused(p->db, now, POLICY_DENY_IDENTITY_MISMATCH, login, source, NULL,
		                          detail) != POLICY_OK)
			WLog_ERR(TAG, "identity mismatch not recorded: %s", policy_last_error());
		return;
	}
	if (!strcmp(reason, "bad_password")) {
		/* A locked account's NLA fails whatever the password: record it as locked out. */
		bool locked = false;
		int rc = policy_account_is_locked_from(p->db, login, source, now, &locked);
		if (rc == POLICY_OK && locked)
			rc = policy_ledger_refused(p->db, now, POLICY_DENY_LOCKED_OUT, login, source, NULL,
			                           "NLA logon of a locked account");
		else if (rc == POLICY_OK)
			rc = policy_account_logon_failed(p->db, login, source, now, &locked);
		if (rc != POLICY_OK)
			WLog_ERR(TAG, "failed NLA logon of %s not recorded: %s", login, policy_last_error());
		return;
	}
	p->refused_pending++;
	bool write = now - p->refused_last_us >= 1000000;
	unsigned long count = p->refused_pending;
	if (write) {
		p->refused_last_us = now;
		p->refused_pending = 0;
	}
	if (!write)
		return;
	char full[96];
	snprintf(full, sizeof(full), "the gate is full (%lu connection(s) refused)", count);
	if (policy_ledger_refused(p->db, now, POLICY_DENY_TOO_MANY_SESSIONS, login, source, NULL,
	                          full) != POLICY_OK)
		WLog_ERR(TAG, "refusal not recorded: %s", policy_last_error());
}

/* The counts of refusals aggregated per source are written once their minute has ended
 * (policy_ledger_refused), at the latest by this call about twice a second; and about once
 * a minute the recordings directory's free space is checked (gate_disk_watch_tick). */
void gate_permits_tick(gate_permits *p)
{
	int64_t now = policy_now_us();
	if (p->db && policy_ledger_flush_refusals(p->db, now, false) != POLICY_OK)
		WLog_ERR(TAG, "counts of aggregated refusals not written: %s", policy_last_error());
	if (p->recordings_dir)
		gate_disk_watch_tick(&p->disk_watch, p->recordings_dir, &p->disk, now);
}


BOOL gate_permits_ntlm_v2_hash(gate_permits *p, const WCHAR *user, UINT32 user_bytes,
                               const WCHAR *domain, UINT32 domain_bytes, const char *source,
                               BYTE hash[16])
{
	char *typed = NULL;
	if (ConvertFromUnicode(CP_UTF8, 0, user, (int)(user_bytes / 2), &typed, 0, NULL, NULL) <= 0)
		return FALSE;
	/* The account is looked up by its normalised name; the hash below is computed from the
	 * user and domain exactly as the client sent them, as the client computed its proof. */
	char login[257];
	policy_account_canonical_login(p->db, typed, login, sizeof login);
	free(typed);
	uint8_t nt[16];
	bool locked = false;
	BOOL ok = policy_account_is_locked_from(p->db, login, source ? source : "", policy_now_us(),
	                                        &locked) == POLICY_OK &&
	          !locked;
	if (ok) {
		/* The NT hash is stored sealed (policy/account.h): the gate's key opens it. */
		int rc = policy_account_nt_hash(p->db, p->secret_key, login, nt);
		if (rc != POLICY_OK && rc != POLICY_ERR_NOT_FOUND)
			WLog_WARN(TAG, "NLA logon of %s refused: %s", login, policy_last_error());
		ok = rc == POLICY_OK;
	}
	if (ok)
		ok = NTOWFv2FromHashW(nt, (LPWSTR)user, user_bytes, (LPWSTR)domain, domain_bytes, hash);
	OPENSSL_cleanse(nt, sizeof(nt));
	return ok;
}
