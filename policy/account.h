/* account.h: vendor accounts, their password hashes and the logon lock-out.
 *
 * Only hashes are stored: PBKDF2-HMAC-SHA256 (16-byte random salt, the
 * iteration count kept per account) for Client Info logons (security = tls),
 * and, for an NLA account only, the NT hash (MD4 of the UTF-16LE password)
 * that NLA/NTLM needs. The NT hash logs on by itself (pass-the-hash), so it
 * is never stored in clear: it is sealed with the secret key (secret.h,
 * AES-256-GCM, bound to the account id and login), and the gate opens it
 * with its copy of the key file. A leaked database alone then yields no NT
 * hash; the database and the key file together do. A TLS-only account has
 * no NT hash at all (columns nt_key_id and nt_sealed NULL). Failed logons are
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

#include "secret.h"

/* Adds LOGIN for VENDOR with `password` (UTF-8, 1-256 bytes), for Client
 * Info (TLS) logons only: no NT hash is stored. Logins are unique, compared
 * without regard to ASCII case. */
int policy_account_add(policy_db *db, const char *vendor, const char *login, const char *password,
                       int64_t *id_out);

/* As policy_account_add, and the account can also log on with NLA: its NT
 * hash is stored sealed with `key` (required) in the same transaction. */
int policy_account_add_nla(policy_db *db, const policy_secret_key *key, const char *vendor, const char *login,
                           const char *password, int64_t *id_out);

/* Sets a new password of LOGIN (enabled or not): a new PBKDF2 record, and
 * the NT hash sealed with nla_key, or none when nla_key is NULL (the
 * account is then TLS-only). POLICY_ERR_NOT_FOUND for an unknown login. */
int policy_account_set_password(policy_db *db, const policy_secret_key *nla_key, const char *login,
                                const char *password);

/* Checks a Client Info logon. *deny is POLICY_DENY_NONE when the password
 * is right; otherwise UNKNOWN_ACCOUNT, LOCKED_OUT or BAD_PASSWORD, and the
 * refusal has been written to the ledger here (the gate must not write it
 * again). A locked account is refused without looking at the password. The
 * slow hash runs outside the handle's lock. */
int policy_account_check_password(policy_db *db, const char *login, const char *password, const char *source,
                                  int64_t now_us, policy_deny_reason *deny);

/* The 16-byte NT hash for NLA (FreeRDP's ComputeNtlmHash), opened with
 * `key`. Errors: POLICY_ERR_NOT_FOUND (unknown or disabled login),
 * POLICY_ERR_STATE (the account has no sealed NT hash: TLS-only, or stored
 * before schema 4; the message says how to set it), POLICY_ERR_INVALID (NULL
 * key), POLICY_ERR_DECRYPT (another key, or the row was edited or copied
 * from another account). On error nt_hash holds nothing usable. */
int policy_account_nt_hash(policy_db *db, const policy_secret_key *key, const char *login, uint8_t nt_hash[16]);

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
