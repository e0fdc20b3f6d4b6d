/* gate_permits: the product's admission: every connection is decided by the permit
 * database before the gate connects anywhere (DESIGN "Data flow", steps 2 and 3).
 *
 * Who: the vendor's account (login = the RDP user name). With NLA the front has already
 * proved the password against the account's NT hash (gate_permits_ntlm_v2_hash; the hash
 * is stored sealed and opened with secret_key); with TLS only,
 * the password of the Client Info logon is checked here. Failed logons count towards the
 * account's lock-out (policy/account.h).
 * Where: the permitted system's host and port, never the client's choice. When the account
 * has usable permits for several systems, the vendor names the system in the RDP domain
 * field (docs/gate.md).
 * Refusals: the client gets an RDP error and the ledger a "refused" row with the reason.
 * Allowed: the session is recorded and its ledger rows written by gate_audit (the monitor's
 * half; the session's worker writes the screen into the file the audit created).
 * Credentials for the target: a system in "inject" mode gets the account stored for it
 * (policy/secret.h), decrypted with the gate's key only for this connection, so the vendor
 * never learns it; a "passthrough" system gets the vendor's own credentials.
 *
 * Contract: the monitor (gate_monitor) owns the gate_permits and calls these functions from
 * its one thread, on what a session's worker asked (gate_ipc); every request field except the
 * client address is the worker's word, so it is checked like a client's.
 */
#ifndef RMGATE_GATE_PERMITS_H
#define RMGATE_GATE_PERMITS_H

#include <stdbool.h>
#include <stdint.h>

#include "gate_audit.h"
#include "gate_disk.h"
#include "gate_observer.h"
#include "policy.h"
#include "secret.h"

typedef struct {
	policy_db *db;              /* borrowed */
	policy_secret_key *secret_key; /* borrowed; NULL = no system can use injected credentials,
	                                * and no account can log on with NLA (sealed NT hashes) */
	const char *recordings_dir; /* borrowed */
	int idle_warning_s;         /* warn before an idle end (0 = never) */
	int permit_poll_ms;         /* permit re-check period for live sessions */
	gate_disk_limits disk;      /* free-space guard of recordings_dir (gate_disk.h) */
	gate_disk_watch disk_watch; /* the monitor's periodic check (gate_permits_tick) */
	/* Lab mode (a fixed target in the configuration): when set, this admission picks the
	 * target and channel policy and no account or permit is checked; sessions are still
	 * recorded and written to the ledger (without a permit). */
	const gate_admission *lab;
	bool lab_no_record;         /* lab mode only: no recording, no ledger (benchmarks) */
	/* The target certificate is not checked (target_cert = ignore): injected credentials
	 * could then reach an impostor, so systems in inject mode are refused. */
	bool target_cert_ignored;

	/* Private, the monitor's loop only: rate limit of the ledger rows for a full gate. */
	int64_t refused_last_us;
	unsigned long refused_pending;
} gate_permits;

/* Decides one logon. Refusals are written to the ledger here and out->allow is FALSE with
 * the sentence for the client. On allow, out holds the target, its pin, the channel policy
 * and any injected credentials, *audit the session's ledger and time rules and *recording_fd
 * the recording file for the worker (both NULL/-1 in lab mode without recording; the
 * caller owns them). FALSE only on an internal error (then a refusal). */
BOOL gate_permits_decide(gate_permits *p, const gate_admission_request *req,
                         gate_admission_decision *out, gate_audit **audit, int *recording_fd);

/* A connection refused before admission could decide, for the ledger (gate_admission.refused
 * says which reasons and what they mean). */
void gate_permits_refused(gate_permits *p, const char *reason, const char *login, const char *source,
                          const char *detail);

/* Housekeeping about twice a second: aggregated refusal counts, the disk-space watch. */
void gate_permits_tick(gate_permits *p);

/* NLA: the NTLMv2 hash (NTOWFv2 of the account's NT hash, user and domain, as UTF-16)
 * that FreeRDP's server NTLM needs to check the client's proof. user/domain are UTF-16LE
 * with lengths in bytes. Returns FALSE for an unknown account or one locked for `source` (the
 * client's address: per-address and account-wide lock-out, policy/account.h), and for an
 * account without a sealed NT hash or when the key cannot open it (logged with the reason). */
BOOL gate_permits_ntlm_v2_hash(gate_permits *p, const WCHAR *user, UINT32 user_bytes,
                               const WCHAR *domain, UINT32 domain_bytes, const char *source,
                               BYTE hash[16]);

#endif
