/* account.h: vendor accounts, their password hashes and the logon lock-out.
 *
 * Only hashes are stored: PBKDF2-HMAC-SHA256 (16-byte random salt, the
 * iteration count kept per account) for Client Info logons, and the NT hash
 * (MD4 of the UTF-16LE password) that NLA/NTLM needs. Failed logons are
 * ledger rows (event "refused", reason bad_password); an account is locked
 * while it has the configured number of failures within the window
 * (policy_set_lockout), and the failure that locks it adds an
 * "account_locked" event.
 *
 * Contract: as policy.h. Password buffers stay the caller's; copies made
 * here are wiped before they are freed.
 */
#ifndef RMGATE_POLICY_ACCOUNT_H
#define RMGATE_POLICY_ACCOUNT_H

#include "policy.h"

/* Adds LOGIN for VENDOR with `password` (UTF-8, 1-256 bytes). Logins are
 * unique, compared without regard to ASCII case. */
int policy_account_add(policy_db *db, const char *vendor, const char *login, const char *password,
                       int64_t *id_out);

/* Checks a Client Info logon. *deny is POLICY_DENY_NONE when the password
 * is right; otherwise UNKNOWN_ACCOUNT, LOCKED_OUT or BAD_PASSWORD, and the
 * refusal has been written to the ledger here (the gate must not write it
 * again). A locked account is refused without looking at the password. The
 * slow hash runs outside the handle's lock. */
int policy_account_check_password(policy_db *db, const char *login, const char *password, const char *source,
                                  int64_t now_us, policy_deny_reason *deny);

/* The 16-byte NT hash for NLA (FreeRDP's ComputeNtlmHash). Returns
 * POLICY_ERR_NOT_FOUND for an unknown or disabled login. */
int policy_account_nt_hash(policy_db *db, const char *login, uint8_t nt_hash[16]);

/* Records a failed logon decided elsewhere (an NTLM failure) in the ledger;
 * *locked_now tells whether the account is now locked (may be NULL). */
int policy_account_logon_failed(policy_db *db, const char *login, const char *source, int64_t now_us,
                                bool *locked_now);

/* Whether the account is locked at now_us. */
int policy_account_is_locked(policy_db *db, const char *login, int64_t now_us, bool *locked);

/* Disables (true) or re-enables an account; a disabled account is refused
 * as unknown. POLICY_ERR_NOT_FOUND for an unknown login. */
int policy_account_set_disabled(policy_db *db, const char *login, bool disabled);

/* NT hash of a password (exposed for tests and tools). */
void policy_nt_hash(const char *password_utf8, uint8_t out[16]);

#endif
