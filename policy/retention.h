/* retention.h: how long recordings are kept, and their removal once that time has passed.
 *
 * The retention is a decision of the city, kept in the database (settings table) and written
 * to the ledger whenever it changes. Removal (policy_recordings_prune) deletes the recording
 * files of ended sessions older than the age asked for, and never:
 * - one whose session is still open in the ledger (no end row),
 * - one younger than the retention (the age asked for must be at least the retention, and
 *   with no retention set nothing is removed at all),
 * - anything but a regular file of the session's own recording name in the recordings
 *   directory given (symbolic links and other files are left alone).
 * Each removed file is a ledger row (recording_pruned: session id, file name, the digest the
 * ledger holds for it), written before the file is deleted, in its own transaction; a dry
 * run lists the same files and writes and deletes nothing. The ledger rows of the sessions
 * stay: the register and the monthly reports do not change.
 */
#ifndef RMGATE_POLICY_RETENTION_H
#define RMGATE_POLICY_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"

#define POLICY_RETENTION_MAX_DAYS 36500

/* The retention in days (0 when never set). */
int policy_retention_get(policy_db *db, int *days_out);
/* Sets it (1..POLICY_RETENTION_MAX_DAYS) by actor, with its ledger row. */
int policy_retention_set(policy_db *db, int days, const char *actor, int64_t now_us);

typedef struct {
	int64_t session_id;
	int64_t end_us;
	const char *file;   /* the file name in the recordings directory */
	const char *digest; /* hex, as in the ledger; "" when the session ended without one */
	bool removed;       /* false in a dry run */
} policy_pruned_recording;

/* Removes (or, dry_run, lists) the recordings in dir of sessions that ended more than
 * older_than_days before now_us; calls each(ctx, r) once per file. *count_out (may be NULL)
 * receives the number of files. Refused (POLICY_ERR_INVALID, nothing done) when no retention
 * is set or older_than_days is below it. */
int policy_recordings_prune(policy_db *db, const char *dir, int older_than_days, int64_t now_us, bool dry_run,
			    const char *actor, void (*each)(void *ctx, const policy_pruned_recording *r), void *ctx,
			    int *count_out);

#endif
