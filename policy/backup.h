/* backup.h: a consistent copy of the permit database while the gate runs.
 *
 * policy_backup() copies the whole database (permits, accounts, the ledger, sessions) into a
 * new file with SQLite's online backup, page by page, while other connections (the gate, the
 * console) go on reading and writing: a write that lands during the copy makes SQLite restart
 * it, so the copy is one consistent state of the database. The copy:
 * - is written to "PATH.part" (created 0600, exclusively) and gets its name PATH only when it
 *   is complete and on disk (fsync of the file, then link(2) and an fsync of the directory): a
 *   crash or a full disk leaves no half copy under PATH;
 * - never replaces an existing PATH (evidence is not overwritten): POLICY_ERR_EXISTS;
 * - does not contain secret.key, which stays beside the live database: target passwords in
 *   the copy are sealed and open only with that key (back it up once, apart; docs/deploy.md).
 * It is itself a database: `rmgate-policy -d PATH verify` checks its ledger.
 *
 * Locks: holds the handle's lock for the copy; the copy waits for other processes' write
 * transactions (at most the handle's busy timeout per step, then POLICY_ERR_DB "locked").
 */
#ifndef RMGATE_POLICY_BACKUP_H
#define RMGATE_POLICY_BACKUP_H

#include "policy.h"

/* Writes the copy to `path`; *pages_out (may be NULL) receives its size in pages. */
int policy_backup(policy_db *db, const char *path, int *pages_out);

#endif
