/* retention.c: the recordings' retention and their removal (retention.h). */
#include "retention.h"
#include "ledger.h"
#include "ledger_internal.h"
#include "policy_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RETENTION_KEY "recording_retention_days"
#define PRUNE_BATCH 256

static int get_locked(policy_db *db, int *days_out)
{
	char text[16];
	int status = pol_setting_get_locked(db, RETENTION_KEY, "0", text, sizeof text, NULL);
	*days_out = status ? 0 : atoi(text);
	return status;
}

int policy_retention_get(policy_db *db, int *days_out)
{
	pol_lock(db);
	int status = get_locked(db, days_out);
	pol_unlock(db);
	return status;
}

int policy_retention_set(policy_db *db, int days, const char *actor, int64_t now_us)
{
	if (days < 1 || days > POLICY_RETENTION_MAX_DAYS)
		return pol_fail(POLICY_ERR_INVALID, "the retention must be 1 to %d days", POLICY_RETENTION_MAX_DAYS);
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who sets the retention must be named");
	pol_lock(db);
	int before = 0, status = pol_begin(db);
	if (!status)
		status = get_locked(db, &before);
	if (!status) {
		char value[16];
		snprintf(value, sizeof value, "%d", days);
		status = pol_setting_put_locked(db, RETENTION_KEY, value, actor, now_us);
	}
	if (!status) {
		char detail[96];
		if (before)
			snprintf(detail, sizeof detail, "recordings %d days (was %d)", days, before);
		else
			snprintf(detail, sizeof detail, "recordings %d days (none before)", days);
		status = pol_ledger_admin_event_locked(db, now_us, POLICY_EV_RETENTION_SET, detail, 0, actor);
	}
	if (!status)
		status = pol_commit(db);
	else
		pol_rollback(db);
	pol_unlock(db);
	return status;
}

/* The recording's own file name: the last part of the path the gate stored, when it is a
 * plain name (no "..", not empty). */
static const char *recording_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	return *name && strcmp(name, ".") && strcmp(name, "..") ? name : NULL;
}

typedef struct {
	int64_t session_id, end_us;
	char file[256];
	char digest[72];
} candidate;

/* Up to PRUNE_BATCH ended sessions after `after_id` whose end is before cutoff_us. */
static int next_batch(policy_db *db, int64_t after_id, int64_t cutoff_us, candidate *out, int *n)
{
	*n = 0;
	sqlite3_stmt *st = pol_prepare(db, "SELECT s.id, e.end_us, COALESCE(e.recording_path, s.recording_path),"
					   " COALESCE(e.recording_digest, '') FROM sessions s JOIN session_ends e"
					   " ON e.session_id = s.id WHERE s.id > ?1 AND e.end_us < ?2"
					   " AND COALESCE(e.recording_path, s.recording_path) IS NOT NULL"
					   " ORDER BY s.id LIMIT ?3");
	if (!st)
		return pol_sql_fail(db, "listing ended sessions");
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int64(st, 2, cutoff_us);
	sqlite3_bind_int(st, 3, PRUNE_BATCH);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		candidate *c = &out[*n];
		c->session_id = sqlite3_column_int64(st, 0);
		c->end_us = sqlite3_column_int64(st, 1);
		const char *name = recording_name((const char *)sqlite3_column_text(st, 2));
		snprintf(c->file, sizeof c->file, "%s", name ? name : "");
		snprintf(c->digest, sizeof c->digest, "%s", (const char *)sqlite3_column_text(st, 3));
		(*n)++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "listing ended sessions");
}

/* A regular file (not a link) of that name in dirfd. */
static bool present(int dirfd, const char *file)
{
	struct stat st;
	return *file && fstatat(dirfd, file, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

int policy_recordings_prune(policy_db *db, const char *dir, int older_than_days, int64_t now_us, bool dry_run,
			    const char *actor, void (*each)(void *ctx, const policy_pruned_recording *r), void *ctx,
			    int *count_out)
{
	if (count_out)
		*count_out = 0;
	int retention = 0;
	int status = policy_retention_get(db, &retention);
	if (status)
		return status;
	if (!retention)
		return pol_fail(POLICY_ERR_INVALID, "no retention is set, so no recording may be removed"
				" (set it first: retention set DAYS)");
	if (older_than_days < retention)
		return pol_fail(POLICY_ERR_INVALID, "recordings are kept %d days: %d days is too young to remove", retention,
				older_than_days);
	if (!dry_run && (!actor || !*actor))
		return pol_fail(POLICY_ERR_INVALID, "who removes the recordings must be named");
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return pol_fail(POLICY_ERR_IO, "the recordings directory %s cannot be opened: %s", dir, strerror(errno));

	const int64_t cutoff_us = now_us - (int64_t)older_than_days * 86400 * 1000000;
	candidate *batch = calloc(PRUNE_BATCH, sizeof *batch);
	if (!batch) {
		close(dirfd);
		return pol_fail(POLICY_ERR_INVALID, "out of memory");
	}
	int64_t after = 0;
	int n = 0, count = 0;
	do {
		pol_lock(db);
		status = next_batch(db, after, cutoff_us, batch, &n);
		pol_unlock(db);
		for (int i = 0; !status && i < n; i++) {
			candidate *c = &batch[i];
			after = c->session_id;
			if (!present(dirfd, c->file))
				continue; /* removed before, or never written */
			if (!dry_run) {
				/* The ledger row first: a file is never gone without its row. */
				char detail[512];
				snprintf(detail, sizeof detail, "session %lld: %s (digest %s)", (long long)c->session_id, c->file,
					 c->digest[0] ? c->digest : "none");
				pol_lock(db);
				status = pol_begin(db);
				if (!status)
					status = pol_ledger_admin_event_locked(db, now_us, POLICY_EV_RECORDING_PRUNED, detail, 0, actor);
				if (!status)
					status = pol_commit(db);
				else
					pol_rollback(db);
				pol_unlock(db);
				if (!status && unlinkat(dirfd, c->file, 0) != 0)
					status = pol_fail(POLICY_ERR_IO, "%s cannot be removed: %s (its ledger row says it was)", c->file,
							  strerror(errno));
			}
			if (!status) {
				count++;
				policy_pruned_recording r = { c->session_id, c->end_us, c->file, c->digest, !dry_run };
				if (each)
					each(ctx, &r);
			}
		}
	} while (!status && n == PRUNE_BATCH);
	free(batch);
	if (!status && !dry_run && count && fsync(dirfd) != 0)
		status = pol_fail(POLICY_ERR_IO, "the recordings directory cannot be flushed: %s", strerror(errno));
	close(dirfd);
	if (count_out)
		*count_out = count;
	return status;
}
