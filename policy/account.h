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
 * no NT hash at all (columns nt_key_id and nt_sealed NULL). Failed logons
 * are ledger rows (event "refused", reason bad_password, with the source
 * address). Lock-out (policy_set_lockout, policy_set_lockout_account):
 * - an account is locked *for one source address* while it has
 *   lock_failures (5) failures from that address within the window (15 min):
 *   a stranger elsewhere cannot lock a vendor out of its own address;
 * - it is locked *for every address* while it has lock_account (20)
 *   failures from all addresses together: guesses spread over many
 *   addresses stay bounded too (a distributed attacker can still lock the
 *   account, the price of that bound; docs/policy.md);
 * - a password check in progress counts as a failure until it ends, so
 *   parallel attempts never run more guesses than the lock-out allows;
 * - the failure that locks adds an "account_locked" event.
 * Because bad_password rows are bounded by this rule they are never
 * aggregated; other refusals are (ledger.h, policy_ledger_refused).
 *
 * Contract: as policy.h. Password buffers stay the caller's; copies made
 * here are wiped before they are freed.
 */
#ifndef RMGATE_POLICY_ACCOUNT_H
#define RMGATE_POLICY_ACCOUNT_H

#include "policy.h"

#include "secret.h"

/* Adds LOGIN for VENDOR with `password` (valid UTF-8, 1-256 bytes), for Client
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

/* Checks a Client Info logon from `source` (the client's address; NULL is
 * taken as ""). *deny is POLICY_DENY_NONE when the password is right;
 * otherwise UNKNOWN_ACCOUNT, LOCKED_OUT or BAD_PASSWORD, and the refusal has
 * been written to the ledger here (the gate must not write it again). A
 * locked account is refused whatever the password. Every call runs PBKDF2
 * once, with the same iteration count for unknown logins (a dummy record)
 * as for accounts made with the current count, so the time taken does not
 * tell which logins exist. The slow hash runs outside the handle's lock;
 * while it runs the attempt counts as a failure for the lock-out (at most
 * 128 checks in progress at once; beyond that a logon is refused as locked
 * out, "too many logons in progress"). */
int policy_account_check_password(policy_db *db, const char *login, const char *password, const char *source,
                                  int64_t now_us, policy_deny_reason *deny);

/* The account a logon names. Clients send the user name in the form the vendor typed:
 * `alice`, or a user principal name `alice@vendor.example` (mstsc, Windows App); a
 * `DOMAIN\alice` arrives already split, the domain naming a system (authz.h). The account is
 * `typed` itself when an account has that login (ASCII case ignored), else the part of a UPN
 * before its last '@'. Its stored login goes into out. POLICY_ERR_NOT_FOUND when neither
 * names an account (out is then `typed`). Only the name is resolved: NLA's proof is still
 * computed from the identity exactly as the client sent it. */
int policy_account_canonical_login(policy_db *db, const char *typed, char *out, size_t outlen);

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

/* Whether the account is locked for every address at now_us (the
 * account-wide rule only; the NLA hash callback, which has no address). */
int policy_account_is_locked(policy_db *db, const char *login, int64_t now_us, bool *locked);
/* Whether the account is locked for `source` at now_us (either rule). */
int policy_account_is_locked_from(policy_db *db, const char *login, const char *source, int64_t now_us,
                                  bool *locked);

/* Disables (true) or re-enables an account; a disabled account is refused
 * as unknown. POLICY_ERR_NOT_FOUND for an unknown login. */
int policy_account_set_disabled(policy_db *db, const char *login, bool disabled);

/* Whether the account is locked now for some address or for every address (the lock-out
 * rules above; what the console shows). */
int policy_account_lock_state(policy_db *db, const char *login, int64_t now_us, bool *locked);

/* Unlocks LOGIN by `actor` (required): an "account_unlocked" ledger row (login, actor), and
 * from then on the failed logons before it no longer count for the lock-out (new failures
 * do). Unlocking an account that is not locked is allowed (the row is written). Errors:
 * INVALID (no actor), NOT_FOUND (unknown login). */
int policy_account_unlock(policy_db *db, const char *login, const char *actor, int64_t now_us);

/* NT hash of a password: MD4 of its UTF-16LE form (exposed for tests and tools).
 * POLICY_ERR_INVALID (out zeroed, message set) when the password is not valid UTF-8 or is
 * longer than 256 bytes; account add and passwd refuse such a password before this. */
int policy_nt_hash(const char *password_utf8, uint8_t out[16]);

#endif
