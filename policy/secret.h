/* secret.h: target credentials the gate injects, kept encrypted in the database.
 *
 * A system in `inject` mode logs on to its target with an account the vendor
 * never sees. Its user and domain are stored in clear; its password is
 * sealed with AES-256-GCM under a 32-byte key that lives in a key file
 * outside the database (0600, never in the database, never logged):
 *
 *   key file   64 hexadecimal characters and a line end (the 32 key bytes);
 *              refused if group or others have any permission on it.
 *   key id     the first 8 bytes of SHA-256("rmgate-secret-key-id-v1" || key)
 *              in hex: stored beside each secret so a wrong key file is named
 *              as such instead of looking like a tampered row.
 *   sealing    a fresh random 12-byte nonce on every write; the plaintext is
 *              the password's length (2 bytes, big endian) and the password,
 *              zero-padded to 258 bytes so the row does not reveal the
 *              length; the associated data binds the row to its system,
 *              account and target: "rmgate-secret-v2" || system id (8 bytes
 *              BE) || len(user) (4 bytes BE) || user || len(domain) || domain
 *              || len(host) || host || port (2 bytes BE) || len(pin) || pin
 *              (the system's host, port and normalised certificate pin, ""
 *              when none). A row copied to another system, with its user or
 *              domain edited, or whose system was re-pointed to another host,
 *              port or pin, fails to decrypt: the password only ever goes to
 *              the target it was stored for.
 *   binding    system_secrets.binding is 2 for rows sealed as above. Rows of
 *              schema versions before 4 (sealed without host, port and pin,
 *              "rmgate-secret-v1") keep binding 1 and are refused until the
 *              account is stored again: re-sealing them during the migration
 *              would bless a host or pin someone may already have re-pointed.
 *   NT hashes  the NT hash of an NLA account (account.h) is sealed with the
 *              same key: nonce (12) || ciphertext (16) || tag (16), associated
 *              data "rmgate-nthash-v1" || account id (8 bytes BE) ||
 *              len(login) (4 bytes BE) || login (as stored).
 *
 * Changing a system's certificate pin through policy_system_set_cert_pin
 * clears its stored account (a secret_cleared event says why), since the
 * sealed row can no longer open.
 *
 * Every write and clear appends a ledger event (secret_set, secret_cleared;
 * secret_key_created for a new key file) with the actor and the system,
 * never the password.
 *
 * Contract: as policy.h (POLICY_OK or a negative policy_status with a
 * one-line policy_last_error()). A key object is immutable after loading
 * and may be shared by threads. Passwords passed in stay the caller's;
 * every copy made here is wiped (OPENSSL_cleanse) before it is freed.
 */
#ifndef RMGATE_POLICY_SECRET_H
#define RMGATE_POLICY_SECRET_H

#include "policy.h"

#define POLICY_SECRET_KEY_FILE "secret.key" /* default name, beside the database */
#define POLICY_SECRET_MAX 256               /* bytes of a user, domain or password */

typedef struct policy_secret_key policy_secret_key;

/* The default key path for a database: "<directory of db_path>/secret.key".
 * Heap string, caller frees; NULL when out of memory. */
char *policy_secret_key_default_path(const char *db_path);

/* Creates a new key file at `path` (0600, 32 random bytes as hex). Refuses
 * an existing path (POLICY_ERR_EXISTS): a lost key makes every stored secret
 * unreadable. *key_id_out (may be NULL, 17 bytes) receives the key id. */
int policy_secret_key_create(const char *path, char key_id_out[17]);

/* Loads a key file into *out (NULL on failure). Errors: POLICY_ERR_IO (the
 * file is missing or unreadable), POLICY_ERR_KEY (readable or writable by
 * group or others, not a regular file, or not 64 hex characters). */
int policy_secret_key_load(const char *path, policy_secret_key **out);
/* Wipes and frees the key (NULL is fine). */
void policy_secret_key_free(policy_secret_key *key);
/* The key id (16 hex characters, owned by the key). */
const char *policy_secret_key_id(const policy_secret_key *key);

/* Stores (or replaces) the target account of `system`: user (1-256 bytes),
 * domain (NULL or 0-256 bytes), password (1-256 bytes, no line end).
 * `actor` (who did it, required) and now_us go to the ledger event. */
int policy_system_secret_set(policy_db *db, const policy_secret_key *key, const char *system, const char *user,
                             const char *domain, const char *password, const char *actor, int64_t now_us);

/* Removes the stored account of `system` (POLICY_ERR_NOT_FOUND if none). */
int policy_system_secret_clear(policy_db *db, const char *system, const char *actor, int64_t now_us);

typedef struct {
	char *user;     /* heap, owned */
	char *domain;   /* heap, owned ("" when none) */
	char *password; /* heap, owned; wiped by policy_credentials_clear */
} policy_credentials;

/* Decrypts the target account of system `system_id` into *out (zeroed
 * first). Errors: POLICY_ERR_NOT_FOUND (no secret stored for the system),
 * POLICY_ERR_DECRYPT (stored with another key, or the row was edited),
 * POLICY_ERR_INVALID (NULL key), POLICY_ERR_DB. On success the caller owns
 * the strings and must call policy_credentials_clear(); use the password
 * and clear it as soon as the target logon no longer needs it. */
int policy_system_credentials(policy_db *db, const policy_secret_key *key, int64_t system_id,
                              policy_credentials *out);

/* As policy_system_credentials, but the password opens only for the target
 * the caller is about to connect to: host, port and cert_pin (64 lowercase
 * hex digits, "" or NULL = none) as in its admission decision, not as the
 * systems row says at this moment. A row re-pointed between the decision
 * and this call cannot send the password elsewhere. POLICY_ERR_INVALID for
 * a missing host or an out-of-range port. */
int policy_system_credentials_for(policy_db *db, const policy_secret_key *key, int64_t system_id, const char *host,
                                  int port, const char *cert_pin, policy_credentials *out);

/* Wipes and frees the strings of *c and zeroes it (NULL is fine). */
void policy_credentials_clear(policy_credentials *c);

#define POLICY_NT_SEALED_LEN 44 /* nonce, sealed NT hash, tag */

/* Seals the 16-byte NT hash of account `account_id` (`login` as stored) into
 * out, with a fresh nonce. POLICY_ERR_INVALID for a NULL key. */
int policy_nt_hash_seal(const policy_secret_key *key, int64_t account_id, const char *login, const uint8_t nt[16],
                        uint8_t out[POLICY_NT_SEALED_LEN]);
/* Opens what policy_nt_hash_seal made. POLICY_ERR_DECRYPT when the key, the
 * account id or the login differ, or the bytes were edited. */
int policy_nt_hash_open(const policy_secret_key *key, int64_t account_id, const char *login,
                        const uint8_t in[POLICY_NT_SEALED_LEN], uint8_t nt[16]);

#endif
