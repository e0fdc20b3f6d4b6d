/* admin.h: the registry of sections, vendors, systems and closed days.
 *
 * Contract: as policy.h (any thread; POLICY_OK or a negative status with
 * policy_last_error()). Names are unique per kind; adding an existing name
 * fails with POLICY_ERR_EXISTS and changes nothing.
 */
#ifndef RMGATE_POLICY_ADMIN_H
#define RMGATE_POLICY_ADMIN_H

#include "policy.h"

typedef enum {
	POLICY_CLASS_MYNUMBER, /* My Number domain: Table 1 only */
	POLICY_CLASS_LGWAN,    /* LGWAN domain: Table 1 only */
	POLICY_CLASS_INTERNET, /* internet-connected: Table 1 or 2 */
} policy_system_class;

/* Channels a session may open beyond the display (bit set; 0 = none). */
enum {
	POLICY_CHANNEL_AUDIO_OUT = 1u << 0, /* rdpsnd: target sound to the vendor */
};

const char *policy_class_name(policy_system_class c);
bool policy_class_parse(const char *text, policy_system_class *out);

/* Adds an owner section with its security officer (may be NULL). */
int policy_section_add(policy_db *db, const char *name, const char *officer, int64_t *id_out);

/* Adds a vendor; `prime` names the prime vendor when this one is a
 * subcontractor (NULL for a prime vendor). A prime must itself be a prime. */
int policy_vendor_add(policy_db *db, const char *name, const char *prime, int64_t *id_out);

typedef struct {
	const char *name;
	policy_system_class cls;
	const char *host;
	int port;               /* 1-65535 */
	const char *section;    /* owning section's name */
	bool inject_credentials;/* false = passthrough */
	int idle_timeout_s;     /* 0 = default 900 */
	int max_duration_s;     /* 0 = default 14400 */
	bool observe_only;
	unsigned channels;      /* POLICY_CHANNEL_* */
	const char *cert_pin;   /* target's TLS certificate pin, "sha256:HEX" (see below); NULL = none */
	const char *const *networks;    /* CIDRs the dedicated line / city VPN arrives from (Table 1) */
	size_t n_networks;
	const char *const *lab_sources; /* lab ranges a Table 2 permit may name as sources */
	size_t n_lab_sources;
} policy_system_spec;

/* Sources of a system (Art. 3, Table 1 row 1, Table 2 row 1(2)):
 * - networks: where connections under a Table 1 permit come from (private
 *   ranges are normal here). A Table 1 permit is applied for only on a system
 *   with networks, its sources (if any) must lie inside them, and the gate
 *   admits it only from inside them (authz.h). Refused: "rule table1-networks"
 *   for 0.0.0.0/0 or ::/0 (every address is no line).
 * - lab_sources: an explicit exception for test labs: a Table 2 permit source
 *   that is not a global address (permit.h, rule table2-source-global) is
 *   accepted when it lies inside one of them, and the permit records it. Each
 *   lab range must lie inside a private, loopback, link-local, CGNAT or
 *   documentation range ("rule lab-sources"): a global range is no lab.
 * Blocks are stored canonical ("10.1.0.0/16"); a malformed one is refused with
 * "rule source-cidr". */
int policy_system_add(policy_db *db, const policy_system_spec *spec, int64_t *id_out);


/* Replaces the networks (or the lab ranges) of `system` by actor (required);
 * n == 0 clears them. Rules as policy_system_add. Appends a ledger event
 * system_networks_set / lab_sources_set (detail: "system NAME: A B (was C)")
 * in the same transaction. Errors: INVALID, NOT_FOUND (unknown system). */
int policy_system_set_networks(policy_db *db, const char *system, const char *const *cidrs, size_t n,
                               const char *actor, int64_t now_us);
int policy_system_set_lab_sources(policy_db *db, const char *system, const char *const *cidrs, size_t n,
                                  const char *actor, int64_t now_us);

/* Length of a normalised pin: lowercase hex of the certificate's SHA-256. */
#define POLICY_CERT_PIN_HEX 64

/* Parses a certificate pin "sha256:HEX" (prefix and hex case-insensitive;
 * HEX is 64 digits, or 32 two-digit bytes separated by ':') into its
 * normalised form out (64 lowercase hex digits and a NUL). Returns
 * POLICY_OK, or POLICY_ERR_INVALID with policy_last_error() set and out "". */
int policy_cert_pin_parse(const char *text, char out[POLICY_CERT_PIN_HEX + 1]);

/* Sets (pin "sha256:HEX") or clears (pin NULL) the pin of the target's TLS
 * certificate for `system`, by `actor` (required). Appends a ledger event
 * cert_pin_set (detail: "system NAME sha256:HEX") or cert_pin_cleared
 * (detail: "system NAME was sha256:HEX") in the same transaction. When the
 * pin changes and the system has a stored target account (secret.h), that
 * account is cleared in the same transaction with a secret_cleared event
 * saying why: it is sealed to the old pin. Errors:
 * INVALID (malformed pin, no actor), NOT_FOUND (unknown system; or clearing
 * a system that has no pin); nothing changes on error. */
int policy_system_set_cert_pin(policy_db *db, const char *system, const char *pin, const char *actor,
                               int64_t now_us);

/* Extra closed days for the report due date ("YYYY-MM-DD"). */
int policy_closed_day_add(policy_db *db, const char *date, const char *reason);

/* Undoes policy_closed_day_add: the date is an ordinary day again (a weekday
 * opens; weekends and national holidays stay closed, calendar.h). INVALID for
 * a malformed date, NOT_FOUND when the date is not an extra closed day.
 * Neither call writes a ledger row: the closed days only move the Form 4 due
 * date, and `calendar closed` lists them. */
int policy_closed_day_remove(policy_db *db, const char *date);

#endif
