/* authz.h: the gate's question "may this account connect now?" and the
 * rules of the session that follows.
 *
 * Contract: as policy.h; both calls only read the database and take the
 * handle's lock briefly (p99 well under 1 ms at 10,000 permits). A denial is
 * an answer (POLICY_OK with allowed = false), not an error; errors mean the
 * database could not be read, and the gate must then refuse too.
 *
 * Password checks are separate (account.h): the gate first authenticates
 * (policy_account_check_password or NLA with policy_account_nt_hash), then
 * asks policy_authorize, which still refuses a locked account. Refusals
 * from policy_authorize are not written to the ledger by it; the gate
 * records them with policy_ledger_refused().
 */
#ifndef RMGATE_POLICY_AUTHZ_H
#define RMGATE_POLICY_AUTHZ_H

#include "policy.h"

typedef struct {
	unsigned channels;     /* POLICY_CHANNEL_* allowed beyond the display (0 = none) */
	bool observe_only;     /* drop all keyboard and mouse input */
	int idle_timeout_s;    /* end after this long without vendor input */
	int max_duration_s;    /* end after this long in total */
	int64_t window_end_us; /* end when the permit window closes */
} policy_session_rules;

typedef struct {
	bool allowed;
	policy_deny_reason deny;   /* POLICY_DENY_NONE when allowed */
	char message[256];         /* one human sentence, for logs and the ledger */
	int64_t account_id, vendor_id, permit_id, system_id;
	char system_name[128];
	char host[256];
	int port;
	bool inject_credentials;   /* system credential mode: inject (true) or passthrough */
	char cert_pin[65];         /* the system's certificate pin: SHA-256 of the target's TLS
	                            * certificate (DER) as 64 lowercase hex digits; "" = none */
	policy_session_rules rules;
} policy_decision;

/* Decides for `login` (ASCII case ignored) connecting from `source` (an IPv4
 * or IPv6 address text) at now_us. `requested_system` (may be NULL or "")
 * names the system; it is needed only when the account has usable permits
 * for more than one system. If the account has exactly one usable permit,
 * that permit is used, also when requested_system names no system at all (the
 * Windows domain a vendor's client sends); with several, such a name is refused
 * as UNKNOWN_SYSTEM. */
int policy_authorize(policy_db *db, const char *login, const char *requested_system, const char *source,
                     int64_t now_us, policy_decision *out);

/* Whether a permit still allows its live sessions at now_us: *reason is
 * POLICY_DENY_NONE if so, else SUSPENDED, REVOKED, OUTSIDE_WINDOW or
 * NO_PERMIT (ended, unknown). One primary-key read. */
int policy_permit_still_valid(policy_db *db, int64_t permit_id, int64_t now_us, policy_deny_reason *reason);

#endif
