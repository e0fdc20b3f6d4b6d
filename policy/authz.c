/* authz.c: authorization decisions for the gate (see authz.h). */
#include "authz.h"
#include "admin.h"
#include "cidr.h"
#include "policy_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const deny_names[] = {
	"none",           "unknown_account",    "bad_password",      "locked_out",
	"no_permit",      "outside_window",     "suspended",         "revoked",
	"source_not_allowed", "too_many_sessions", "unknown_system", "ambiguous_system",
	"identity_mismatch", "not_recordable",
};

const char *policy_deny_name(policy_deny_reason r)
{
	return (unsigned)r < POLICY_DENY_COUNT ? deny_names[r] : "unknown";
}

bool policy_deny_parse(const char *name, policy_deny_reason *out)
{
	for (int i = 1; name && i < POLICY_DENY_COUNT; i++)
		if (!strcmp(name, deny_names[i])) {
			*out = (policy_deny_reason)i;
			return true;
		}
	return false;
}

/* How close a permit came to allowing: higher is closer. */
static int rank(policy_deny_reason r)
{
	switch (r) {
	case POLICY_DENY_NONE: return 6;
	case POLICY_DENY_SOURCE_NOT_ALLOWED: return 5;
	case POLICY_DENY_SUSPENDED: return 4;
	case POLICY_DENY_OUTSIDE_WINDOW: return 3;
	case POLICY_DENY_REVOKED: return 2;
	default: return 1;
	}
}

static bool source_allowed(const char *sources, const char *source)
{
	if (!sources || !*sources)
		return true; /* no restriction recorded (Table 1 dedicated line) */
	uint8_t addr[16];
	if (!policy_addr_parse(source, addr))
		return false;
	char buf[64];
	const char *p = sources;
	while (*p) {
		size_t n = strcspn(p, " ");
		if (n > 0 && n < sizeof buf) {
			policy_cidr c;
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (policy_cidr_parse(buf, &c) && policy_cidr_contains(&c, addr))
				return true;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return false;
}

static bool contains_addr(void *ctx, const policy_cidr *block)
{
	return policy_cidr_contains(block, ctx);
}

/* A Table 1 permit admits only sources inside its system's networks (its dedicated line or
 * the city's VPN; admin.h). No networks set: nothing is admitted (fail closed). */
static bool inside_networks(const char *networks, const char *source)
{
	uint8_t addr[16];
	return networks && policy_addr_parse(source, addr) && policy_cidr_list_any(networks, contains_addr, addr);
}

/* Judges one permit row (columns as in the candidate query; with check_source false only
 * the first four are read). *outside_networks tells why a source was refused. */
static policy_deny_reason judge(sqlite3_stmt *st, const char *source, int64_t now_us, bool check_source,
				bool *outside_networks)
{
	const char *state = (const char *)sqlite3_column_text(st, 1);
	int64_t start = sqlite3_column_int64(st, 2), end = sqlite3_column_int64(st, 3);
	if (!strcmp(state, "revoked"))
		return POLICY_DENY_REVOKED;
	if (strcmp(state, "approved") && strcmp(state, "ordered") && strcmp(state, "suspended"))
		return POLICY_DENY_NO_PERMIT;
	if (now_us < start || now_us >= end)
		return POLICY_DENY_OUTSIDE_WINDOW;
	if (!strcmp(state, "suspended"))
		return POLICY_DENY_SUSPENDED;
	if (!check_source)
		return POLICY_DENY_NONE;
	if (sqlite3_column_int(st, 16) == 1 && !inside_networks((const char *)sqlite3_column_text(st, 17), source)) {
		*outside_networks = true;
		return POLICY_DENY_SOURCE_NOT_ALLOWED;
	}
	if (!source_allowed((const char *)sqlite3_column_text(st, 4), source))
		return POLICY_DENY_SOURCE_NOT_ALLOWED;
	return POLICY_DENY_NONE;
}

static void fill_allow(policy_decision *d, sqlite3_stmt *st)
{
	d->allowed = true;
	d->deny = POLICY_DENY_NONE;
	d->permit_id = sqlite3_column_int64(st, 0);
	d->rules.window_end_us = sqlite3_column_int64(st, 3);
	d->system_id = sqlite3_column_int64(st, 6);
	snprintf(d->system_name, sizeof d->system_name, "%s", (const char *)sqlite3_column_text(st, 7));
	snprintf(d->host, sizeof d->host, "%s", (const char *)sqlite3_column_text(st, 8));
	d->port = sqlite3_column_int(st, 9);
	d->inject_credentials = !strcmp((const char *)sqlite3_column_text(st, 10), "inject");
	d->rules.idle_timeout_s = sqlite3_column_int(st, 11);
	d->rules.max_duration_s = sqlite3_column_int(st, 12);
	d->rules.observe_only = sqlite3_column_int(st, 13) || sqlite3_column_int(st, 5);
	d->rules.channels = (unsigned)sqlite3_column_int(st, 14);
	const char *pin = (const char *)sqlite3_column_text(st, 15);
	snprintf(d->cert_pin, sizeof d->cert_pin, "%s", pin ? pin : "");
	snprintf(d->message, sizeof d->message, "permit %lld allows system '%s'", (long long)d->permit_id, d->system_name);
}

static void deny(policy_decision *d, policy_deny_reason r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void deny(policy_decision *d, policy_deny_reason r, const char *fmt, ...)
{
	va_list ap;
	d->allowed = false;
	d->deny = r;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof d->message, fmt, ap);
	va_end(ap);
}

/* Permits considered: the vendor's, whose window ended at most a year ago. */
#define CANDIDATES                                                                                             \
	"SELECT p.id, p.state, p.window_start_us, p.window_end_us, p.sources, p.observe_only, s.id, s.name, s.host," \
	" s.port, s.credentials, s.idle_timeout_s, s.max_duration_s, s.observe_only, s.channels,"               \
	" s.cert_pin, p.table_no, s.networks"                                                                  \
	" FROM permits p JOIN systems s ON s.id = p.system_id WHERE p.vendor_id = ?1 AND p.window_end_us > ?2"

static int lookup_account(policy_db *db, const char *login, policy_decision *d, bool *found)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT id, vendor_id FROM accounts WHERE login = ? AND disabled = 0");
	if (!st)
		return POLICY_ERR_DB;
	pol_bind_text(st, 1, login);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found) {
		d->account_id = sqlite3_column_int64(st, 0);
		d->vendor_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "looking up an account");
}

static void deny_best(policy_decision *d, policy_deny_reason r, const char *source, bool outside_networks)
{
	switch (r) {
	case POLICY_DENY_SOURCE_NOT_ALLOWED:
		if (outside_networks)
			deny(d, r, "the source address %s is outside the networks of the system's dedicated line or VPN"
			     " (Table 1)", source);
		else
			deny(d, r, "the source address %s is not among the permit's allowed addresses", source);
		break;
	case POLICY_DENY_SUSPENDED: deny(d, r, "the permit is suspended"); break;
	case POLICY_DENY_OUTSIDE_WINDOW: deny(d, r, "now is outside the permit period"); break;
	case POLICY_DENY_REVOKED: deny(d, r, "the permit has been revoked"); break;
	default: deny(d, POLICY_DENY_NO_PERMIT, "there is no approved permit for this account"); break;
	}
}

/* Walks the candidates; lock held. */
static int decide(policy_db *db, const char *system, const char *source, int64_t now_us, policy_decision *d)
{
	char sql[1024];
	snprintf(sql, sizeof sql, "%s%s ORDER BY p.window_end_us DESC", CANDIDATES, system ? " AND s.name = ?3" : "");
	sqlite3_stmt *st = pol_prepare(db, sql);
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, d->vendor_id);
	sqlite3_bind_int64(st, 2, now_us - (int64_t)366 * 86400 * 1000000);
	if (system)
		pol_bind_text(st, 3, system);
	policy_deny_reason best = POLICY_DENY_NO_PERMIT;
	int64_t chosen_system = 0;
	bool ambiguous = false, outside = false, best_outside = false;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		outside = false;
		policy_deny_reason r = judge(st, source, now_us, true, &outside);
		if (r == POLICY_DENY_NONE) {
			int64_t sys = sqlite3_column_int64(st, 6);
			if (!chosen_system) {
				chosen_system = sys;
				fill_allow(d, st); /* latest-ending usable permit first */
			} else if (sys != chosen_system) {
				ambiguous = true;
			}
		}
		if (rank(r) > rank(best)) {
			best = r;
			best_outside = outside;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pol_sql_fail(db, "reading permits");
	if (ambiguous) {
		memset(d->system_name, 0, sizeof d->system_name);
		d->permit_id = d->system_id = 0;
		deny(d, POLICY_DENY_AMBIGUOUS_SYSTEM, "the account has permits for several systems; name one (system name in the domain field)");
	} else if (!chosen_system) {
		deny_best(d, best, source, best_outside);
	}
	return POLICY_OK;
}

int policy_authorize(policy_db *db, const char *login, const char *requested_system, const char *source,
                     int64_t now_us, policy_decision *d)
{
	memset(d, 0, sizeof *d);
	if (!login)
		login = "";
	if (requested_system && !*requested_system)
		requested_system = NULL;
	bool found = false, locked = false;
	pol_lock(db);
	int status = lookup_account(db, login, d, &found);
	if (status)
		goto out;
	if (!found) {
		deny(d, POLICY_DENY_UNKNOWN_ACCOUNT, "no account '%s'", login);
		goto out;
	}
	if ((status = pol_account_locked_locked(db, login, source ? source : "", now_us, &locked)))
		goto out;
	if (locked) {
		deny(d, POLICY_DENY_LOCKED_OUT, "account '%s' is locked after repeated failed logons", login);
		goto out;
	}
	/* A domain that names no system is what the vendor's own Windows logon put there
	 * (mstsc's DOMAIN\user, ".\user"): it selects nothing. It is refused only when the
	 * account has several systems to choose from. */
	const char *unknown = NULL;
	if (requested_system) {
		int64_t sid;
		status = pol_id_by_name(db, "systems", requested_system, &sid);
		if (status == POLICY_ERR_NOT_FOUND) {
			status = POLICY_OK;
			unknown = requested_system;
			requested_system = NULL;
		}
		if (status)
			goto out;
	}
	status = decide(db, requested_system, source ? source : "", now_us, d);
	if (!status && unknown && d->deny == POLICY_DENY_AMBIGUOUS_SYSTEM)
		deny(d, POLICY_DENY_UNKNOWN_SYSTEM,
		     "no system named '%s', and the account has permits for several systems: name one in the domain field",
		     unknown);
out:
	pol_unlock(db);
	if (status) {
		d->allowed = false;
		d->deny = POLICY_DENY_NO_PERMIT;
		snprintf(d->message, sizeof d->message, "policy database error: %s", policy_last_error());
	}
	return status;
}

int policy_permit_still_valid(policy_db *db, int64_t permit_id, int64_t now_us, policy_deny_reason *reason)
{
	pol_lock(db);
	sqlite3_stmt *st = pol_prepare(db, "SELECT id, state, window_start_us, window_end_us, '' FROM permits WHERE id = ?");
	int status = st ? POLICY_OK : POLICY_ERR_DB;
	*reason = POLICY_DENY_NO_PERMIT;
	if (st) {
		sqlite3_bind_int64(st, 1, permit_id);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*reason = judge(st, "", now_us, false, NULL);
		else if (rc != SQLITE_DONE)
			status = pol_sql_fail(db, "reading a permit");
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	return status;
}
