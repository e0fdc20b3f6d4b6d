/* admin.c: sections, vendors, systems and closed days (see admin.h). */
#include "admin.h"
#include "cidr.h"
#include "ledger.h"
#include "ledger_internal.h"
#include "policy_internal.h"
#include "i18n.h"
#include "hex.h"
#include "pin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const class_names[] = { "mynumber", "lgwan", "internet" };

const char *policy_class_name(policy_system_class c)
{
	return (unsigned)c < 3 ? class_names[c] : "unknown";
}

bool policy_class_parse(const char *text, policy_system_class *out)
{
	for (int i = 0; text && i < 3; i++) {
		if (!strcmp(text, class_names[i])) {
			*out = (policy_system_class)i;
			return true;
		}
	}
	return false;
}

static bool blank(const char *s)
{
	return !s || !*s;
}

/* Runs one INSERT already bound; maps a UNIQUE failure to EXISTS. */
static int insert_step(policy_db *db, sqlite3_stmt *st, const char *kind, const char *name, int64_t *id_out)
{
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return pol_fail(POLICY_ERR_EXISTS, "a %s named '%s' already exists", _(kind), name);
	if (rc != SQLITE_DONE)
		return pol_sql_fail(db, kind);
	if (id_out)
		*id_out = sqlite3_last_insert_rowid(db->sql);
	return POLICY_OK;
}

int policy_section_add(policy_db *db, const char *name, const char *officer, int64_t *id_out)
{
	if (blank(name))
		return pol_fail(POLICY_ERR_INVALID, "a section needs a name");
	pol_lock(db);
	int status = POLICY_ERR_DB;
	sqlite3_stmt *st = pol_prepare(db, "INSERT INTO sections(name, officer, created_us) VALUES (?,?,?)");
	if (st) {
		pol_bind_text(st, 1, name);
		pol_bind_text(st, 2, officer ? officer : "");
		sqlite3_bind_int64(st, 3, policy_now_us());
		status = insert_step(db, st, N_("section"), name, id_out);
	}
	pol_unlock(db);
	return status;
}

int policy_vendor_add(policy_db *db, const char *name, const char *prime, int64_t *id_out)
{
	if (blank(name))
		return pol_fail(POLICY_ERR_INVALID, "a vendor needs a name");
	pol_lock(db);
	int status = POLICY_OK;
	int64_t prime_id = 0;
	if (prime) {
		status = pol_id_by_name(db, "vendors", prime, &prime_id);
		if (status == POLICY_ERR_NOT_FOUND)
			status = pol_fail(POLICY_ERR_NOT_FOUND, "prime vendor '%s' is unknown; add it first with 'vendor add'", prime);
	}
	if (!status && prime) {
		sqlite3_stmt *q = pol_prepare(db, "SELECT prime_id IS NOT NULL FROM vendors WHERE id = ?");
		if (!q) {
			status = POLICY_ERR_DB;
		} else {
			sqlite3_bind_int64(q, 1, prime_id);
			if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0))
				status = pol_fail(POLICY_ERR_INVALID, "'%s' is itself a subcontractor; a prime vendor must be a direct contractor", prime);
			sqlite3_finalize(q);
		}
	}
	if (!status) {
		sqlite3_stmt *st = pol_prepare(db, "INSERT INTO vendors(name, prime_id, created_us) VALUES (?,?,?)");
		status = POLICY_ERR_DB;
		if (st) {
			pol_bind_text(st, 1, name);
			if (prime)
				sqlite3_bind_int64(st, 2, prime_id);
			sqlite3_bind_int64(st, 3, policy_now_us());
			status = insert_step(db, st, N_("vendor"), name, id_out);
		}
	}
	pol_unlock(db);
	return status;
}

static int parse_pin(const char *text, char out[POLICY_CERT_PIN_HEX + 1])
{
	uint8_t pin[CERT_PIN_LEN];
	size_t at = 0;
	switch (cert_pin_parse(text, pin, &at)) {
	case CERT_PIN_OK:
		hex_encode(pin, CERT_PIN_LEN, out);
		return POLICY_OK;
	case CERT_PIN_NO_PREFIX:
		return pol_fail(POLICY_ERR_INVALID, "certificate pin '%.80s' must be 'sha256:' and the 64 hex digits"
				" of the certificate's SHA-256 (colons between bytes allowed)", text ? text : "");
	case CERT_PIN_BAD_LENGTH:
		return pol_fail(POLICY_ERR_INVALID, "certificate pin '%.80s': a SHA-256 has 32 bytes (64 hex digits),"
				" this one has %zu characters", text, at);
	case CERT_PIN_BAD_COLON:
		return pol_fail(POLICY_ERR_INVALID, "certificate pin '%.80s': expected ':' between bytes at"
				" character %zu", text, at + 1);
	default:
		return pol_fail(POLICY_ERR_INVALID, "certificate pin '%.80s': '%c' at character %zu is not a hex"
				" digit", text, text[at], at + 1);
	}
}

int policy_cert_pin_parse(const char *text, char out[POLICY_CERT_PIN_HEX + 1])
{
	out[0] = '\0';
	int status = parse_pin(text, out);
	if (status)
		out[0] = '\0'; /* no half-parsed pin on error */
	return status;
}

static int check_system_spec(const policy_system_spec *s)
{
	if (blank(s->name))
		return pol_fail(POLICY_ERR_INVALID, "a system needs a name");
	if ((unsigned)s->cls > POLICY_CLASS_INTERNET)
		return pol_fail(POLICY_ERR_INVALID, "system class must be mynumber, lgwan or internet");
	if (blank(s->host))
		return pol_fail(POLICY_ERR_INVALID, "system '%s' needs a host", s->name);
	if (s->port < 1 || s->port > 65535)
		return pol_fail(POLICY_ERR_INVALID, "port %d of system '%s' is not in 1-65535", s->port, s->name);
	if (blank(s->section))
		return pol_fail(POLICY_ERR_INVALID, "system '%s' needs its owner section", s->name);
	if (s->idle_timeout_s < 0 || s->max_duration_s < 0)
		return pol_fail(POLICY_ERR_INVALID, "timeouts must not be negative");
	if (s->channels & ~(unsigned)POLICY_CHANNEL_AUDIO_OUT)
		return pol_fail(POLICY_ERR_INVALID, "unknown channel bits 0x%x", s->channels);
	return POLICY_OK;
}

static bool any_block(void *ctx, const policy_cidr *c)
{
	*(policy_cidr *)ctx = *c;
	return policy_cidr_classify(c, 0, 0, NULL) == POLICY_CIDR_ANY;
}

static bool not_lab(void *ctx, const policy_cidr *c)
{
	policy_cidr_kind k = policy_cidr_classify(c, 0, 0, NULL);
	*(policy_cidr *)ctx = *c;
	return k != POLICY_CIDR_PRIVATE && k != POLICY_CIDR_LOOPBACK && k != POLICY_CIDR_LINK_LOCAL &&
	       k != POLICY_CIDR_CGNAT && k != POLICY_CIDR_DOCUMENTATION;
}

/* Parses and checks a system's networks (lab false) or lab ranges (lab true)
 * into their space-joined canonical text (malloc'd). */
static int source_list(const char *const *cidrs, size_t n, bool lab, char **out)
{
	const char *bad = NULL;
	if (!policy_cidr_join(cidrs, n, out, &bad))
		return bad ? pol_fail(POLICY_ERR_INVALID, "rule source-cidr: '%s' is not an address block like 10.1.0.0/16"
				      " (host bits must be zero)", bad)
			   : pol_fail(POLICY_ERR_NOMEM, "out of memory");
	policy_cidr c;
	char text[64];
	int status = POLICY_OK;
	if (!lab && policy_cidr_list_any(*out, any_block, &c)) {
		policy_cidr_format(&c, text, sizeof text);
		status = pol_fail(POLICY_ERR_INVALID, "rule table1-networks: %s is every address, not the network of a"
				  " dedicated line or VPN", text);
	} else if (lab && policy_cidr_list_any(*out, not_lab, &c)) {
		policy_cidr_format(&c, text, sizeof text);
		status = pol_fail(POLICY_ERR_INVALID, "rule lab-sources: %s is not a lab range; a lab range lies inside"
				  " a private, loopback, link-local, CGNAT or documentation range", text);
	}
	if (status) {
		free(*out);
		*out = NULL;
	}
	return status;
}

int policy_system_add(policy_db *db, const policy_system_spec *s, int64_t *id_out)
{
	int status = check_system_spec(s);
	char pin[POLICY_CERT_PIN_HEX + 1] = "";
	char *networks = NULL, *lab = NULL;
	if (!status && s->cert_pin)
		status = policy_cert_pin_parse(s->cert_pin, pin);
	if (!status)
		status = source_list(s->networks, s->n_networks, false, &networks);
	if (!status)
		status = source_list(s->lab_sources, s->n_lab_sources, true, &lab);
	if (status) {
		free(networks);
		return status;
	}
	pol_lock(db);
	int64_t section_id = 0;
	status = pol_id_by_name(db, "sections", s->section, &section_id);
	if (!status) {
		sqlite3_stmt *st = pol_prepare(db,
			"INSERT INTO systems(name, class, host, port, section_id, credentials, idle_timeout_s,"
			" max_duration_s, observe_only, channels, created_us, cert_pin, networks, lab_sources)"
			" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
		status = POLICY_ERR_DB;
		if (st) {
			pol_bind_text(st, 1, s->name);
			pol_bind_text(st, 2, policy_class_name(s->cls));
			pol_bind_text(st, 3, s->host);
			sqlite3_bind_int(st, 4, s->port);
			sqlite3_bind_int64(st, 5, section_id);
			pol_bind_text(st, 6, s->inject_credentials ? "inject" : "passthrough");
			sqlite3_bind_int(st, 7, s->idle_timeout_s ? s->idle_timeout_s : 900);
			sqlite3_bind_int(st, 8, s->max_duration_s ? s->max_duration_s : 14400);
			sqlite3_bind_int(st, 9, s->observe_only);
			sqlite3_bind_int(st, 10, (int)s->channels);
			sqlite3_bind_int64(st, 11, policy_now_us());
			pol_bind_text(st, 12, s->cert_pin ? pin : NULL);
			pol_bind_text(st, 13, networks);
			pol_bind_text(st, 14, lab);
			status = insert_step(db, st, N_("system"), s->name, id_out);
		}
	}
	pol_unlock(db);
	free(networks);
	free(lab);
	return status;
}

/* Replaces systems.<column> and writes its ledger event; lock held. */
static int write_sources(policy_db *db, const char *system, const char *column, const char *event, const char *list,
			 const char *actor, int64_t now_us)
{
	int64_t system_id = 0;
	char sql[96], old[1024] = "", detail[2304];
	int status = pol_id_by_name(db, "systems", system, &system_id);
	if (!status)
		status = pol_begin(db);
	if (status)
		return status;
	snprintf(sql, sizeof sql, "SELECT %s FROM systems WHERE id = ?", column);
	sqlite3_stmt *st = pol_prepare(db, sql);
	status = st ? POLICY_OK : POLICY_ERR_DB;
	if (st) {
		sqlite3_bind_int64(st, 1, system_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(old, sizeof old, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	snprintf(sql, sizeof sql, "UPDATE systems SET %s = ? WHERE id = ?", column);
	st = status ? NULL : pol_prepare(db, sql);
	if (!status && !st)
		status = POLICY_ERR_DB;
	if (st) {
		pol_bind_text(st, 1, list);
		sqlite3_bind_int64(st, 2, system_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			status = pol_sql_fail(db, "storing the system's sources");
		sqlite3_finalize(st);
	}
	if (!status) {
		snprintf(detail, sizeof detail, "system %.120s: %.1000s (was %.1000s)", system, *list ? list : "none",
			 *old ? old : "none");
		status = pol_ledger_admin_event_locked(db, now_us, event, detail, system_id, actor);
	}
	if (status) {
		pol_rollback(db);
		return status;
	}
	return pol_commit(db);
}

static int set_sources(policy_db *db, const char *system, const char *const *cidrs, size_t n, bool lab,
		       const char *actor, int64_t now_us)
{
	if (blank(system))
		return pol_fail(POLICY_ERR_INVALID, "no system named");
	if (blank(actor))
		return pol_fail(POLICY_ERR_INVALID, "who sets the system's %s must be named (--by)",
				lab ? _("lab ranges") : _("networks"));
	char *list = NULL;
	int status = source_list(cidrs, n, lab, &list);
	if (status)
		return status;
	if (strlen(list) >= 1000) {
		free(list);
		return pol_fail(POLICY_ERR_INVALID, "too many blocks (at most about 20)");
	}
	pol_lock(db);
	status = write_sources(db, system, lab ? "lab_sources" : "networks", lab ? POLICY_EV_LAB_SOURCES_SET : POLICY_EV_NETWORKS_SET,
			       list, actor, now_us);
	pol_unlock(db);
	free(list);
	return status;
}

int policy_system_set_networks(policy_db *db, const char *system, const char *const *cidrs, size_t n,
			       const char *actor, int64_t now_us)
{
	return set_sources(db, system, cidrs, n, false, actor, now_us);
}

int policy_system_set_lab_sources(policy_db *db, const char *system, const char *const *cidrs, size_t n,
				  const char *actor, int64_t now_us)
{
	return set_sources(db, system, cidrs, n, true, actor, now_us);
}

/* Reads the current pin of system_id into old ("" = none); lock held. */
static int read_pin(policy_db *db, int64_t system_id, char old[POLICY_CERT_PIN_HEX + 1])
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT cert_pin FROM systems WHERE id = ?");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, system_id);
	int rc = sqlite3_step(st);
	const char *t = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	snprintf(old, POLICY_CERT_PIN_HEX + 1, "%s", t ? t : "");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? POLICY_OK : pol_sql_fail(db, "reading a certificate pin");
}

/* Writes the pin and its ledger event in one transaction; lock held. */
static int write_pin(policy_db *db, const char *system, int64_t system_id, const char *pin, const char *actor,
		     int64_t now_us)
{
	char old[POLICY_CERT_PIN_HEX + 1], detail[256];
	int status = pol_begin(db);
	if (!status)
		status = read_pin(db, system_id, old);
	if (!status && !pin && !*old)
		status = pol_fail(POLICY_ERR_NOT_FOUND, "system '%s' has no certificate pin to clear", system);
	sqlite3_stmt *st = status ? NULL : pol_prepare(db, "UPDATE systems SET cert_pin = ? WHERE id = ?");
	if (!status && !st)
		status = POLICY_ERR_DB;
	if (st) {
		pol_bind_text(st, 1, pin);
		sqlite3_bind_int64(st, 2, system_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			status = pol_sql_fail(db, "storing the certificate pin");
		sqlite3_finalize(st);
	}
	if (!status) {
		snprintf(detail, sizeof detail, "system %.120s %ssha256:%s", system, pin ? "" : "was ", pin ? pin : old);
		status = pol_ledger_admin_event_locked(db, now_us, pin ? POLICY_EV_CERT_PIN_SET : POLICY_EV_CERT_PIN_CLEARED,
						       detail, system_id, actor);
	}
	/* A stored target account is sealed to the pin (secret.h): a new pin
	 * means its password must be entered again for the new target. */
	bool cleared = false;
	if (!status && strcmp(old, pin ? pin : ""))
		status = pol_secret_invalidate_locked(db, system_id,
						      "certificate pin changed: the stored target account must be"
						      " entered again ('system secret')", actor, now_us, &cleared);
	if (!status && cleared)
		WLog_WARN(POLICY_TAG, "system %s: certificate pin changed, its stored target account was cleared", system);
	if (status) {
		pol_rollback(db);
		return status;
	}
	return pol_commit(db);
}

int policy_system_set_cert_pin(policy_db *db, const char *system, const char *pin, const char *actor,
			       int64_t now_us)
{
	char norm[POLICY_CERT_PIN_HEX + 1];
	if (blank(system))
		return pol_fail(POLICY_ERR_INVALID, "no system named");
	if (blank(actor))
		return pol_fail(POLICY_ERR_INVALID, "who sets the certificate pin must be named (--by)");
	if (pin && policy_cert_pin_parse(pin, norm))
		return POLICY_ERR_INVALID;
	pol_lock(db);
	int64_t system_id = 0;
	int status = pol_id_by_name(db, "systems", system, &system_id);
	if (!status)
		status = write_pin(db, system, system_id, pin ? norm : NULL, actor, now_us);
	pol_unlock(db);
	return status;
}

int policy_closed_day_add(policy_db *db, const char *date, const char *reason)
{
	cal_date d;
	if (!cal_parse_date(date, &d))
		return pol_fail(POLICY_ERR_INVALID, "'%s' is not a date YYYY-MM-DD", date ? date : "");
	char buf[11];
	cal_format_date(d, buf);
	pol_lock(db);
	int status = POLICY_ERR_DB;
	sqlite3_stmt *st = pol_prepare(db, "INSERT INTO closed_days(day, reason) VALUES (?,?)");
	if (st) {
		pol_bind_text(st, 1, buf);
		pol_bind_text(st, 2, reason ? reason : "");
		status = insert_step(db, st, N_("closed day"), buf, NULL);
	}
	pol_unlock(db);
	return status;
}

int policy_closed_day_remove(policy_db *db, const char *date)
{
	cal_date d;
	if (!cal_parse_date(date, &d))
		return pol_fail(POLICY_ERR_INVALID, "'%s' is not a date YYYY-MM-DD", date ? date : "");
	char buf[11];
	cal_format_date(d, buf);
	pol_lock(db);
	int status = POLICY_ERR_DB;
	sqlite3_stmt *st = pol_prepare(db, "DELETE FROM closed_days WHERE day = ?");
	if (st) {
		pol_bind_text(st, 1, buf);
		if (sqlite3_step(st) != SQLITE_DONE)
			status = pol_sql_fail(db, "removing a closed day");
		else if (sqlite3_changes(db->sql) == 0)
			status = pol_fail(POLICY_ERR_NOT_FOUND, "%s is not an extra closed day (see 'calendar closed')", buf);
		else
			status = POLICY_OK;
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	return status;
}
