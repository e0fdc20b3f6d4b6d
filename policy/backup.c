/* backup.c: the online copy of the permit database (backup.h). */
#include "backup.h"
#include "policy_internal.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* fsync of the directory that holds path, so that a new name survives a crash. */
static int sync_parent(const char *path)
{
	char copy[4096];
	if (snprintf(copy, sizeof copy, "%s", path) >= (int)sizeof copy)
		return -1;
	int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	int rc = fsync(dfd);
	close(dfd);
	return rc;
}

/* Copies the whole source into dst in one step: one read transaction on the source, so the
 * copy is a single state of it. In WAL mode (the gate's database) that read transaction does
 * not stop the gate's writes. */
static int copy_pages(policy_db *db, sqlite3 *dst, int *pages_out)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", db->sql, "main");
	if (!b)
		return pol_fail(POLICY_ERR_DB, "cannot start the backup: %s", sqlite3_errmsg(dst));
	int rc;
	/* BUSY/LOCKED: another connection holds a lock the copy needs; try again, bounded. */
	for (int attempt = 0; attempt < 500; attempt++) {
		rc = sqlite3_backup_step(b, -1);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		usleep(10000);
	}
	int pages = sqlite3_backup_pagecount(b);
	int finish = sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return pol_fail(POLICY_ERR_DB, "the backup stopped: %s", rc == SQLITE_BUSY || rc == SQLITE_LOCKED
						     ? _("the database stayed locked for 5 s") : sqlite3_errstr(rc));
	if (finish != SQLITE_OK)
		return pol_fail(POLICY_ERR_DB, "the backup did not finish: %s", sqlite3_errstr(finish));
	if (pages_out)
		*pages_out = pages;
	return POLICY_OK;
}

int policy_backup(policy_db *db, const char *path, int *pages_out)
{
	char part[4096];
	if (!path || !*path || snprintf(part, sizeof part, "%s.part", path) >= (int)sizeof part)
		return pol_fail(POLICY_ERR_INVALID, "backup: no usable file name");
	if (access(path, F_OK) == 0)
		return pol_fail(POLICY_ERR_EXISTS, "backup: %s exists already (a backup is never overwritten)", path);
	int fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return pol_fail(errno == EEXIST ? POLICY_ERR_EXISTS : POLICY_ERR_IO, "backup: cannot create %s: %s%s",
				part, strerror(errno),
				errno == EEXIST ? _(" (a backup in progress, or one that was cut short: remove it)") : "");
	close(fd);

	sqlite3 *dst = NULL;
	int status;
	if (sqlite3_open_v2(part, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		status = pol_fail(POLICY_ERR_IO, "backup: cannot open %s: %s", part, dst ? sqlite3_errmsg(dst) : _("out of memory"));
	else {
		pol_lock(db);
		status = copy_pages(db, dst, pages_out);
		pol_unlock(db);
	}
	/* The copy is in WAL mode like its source: fold its log into the file before closing. */
	if (status == POLICY_OK && sqlite3_exec(dst, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
		status = pol_fail(POLICY_ERR_IO, "backup: cannot write %s: %s", part, sqlite3_errmsg(dst));
	if (dst && sqlite3_close(dst) != SQLITE_OK && status == POLICY_OK)
		status = pol_fail(POLICY_ERR_IO, "backup: cannot close %s", part);
	if (status == POLICY_OK) {
		fd = open(part, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) != 0)
			status = pol_fail(POLICY_ERR_IO, "backup: cannot flush %s to disk: %s", part, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	/* link(2) gives the name only if it is still free (no overwrite, even in a race). */
	if (status == POLICY_OK && link(part, path) != 0)
		status = pol_fail(errno == EEXIST ? POLICY_ERR_EXISTS : POLICY_ERR_IO, "backup: cannot name %s: %s", path,
				  strerror(errno));
	if (status == POLICY_OK && sync_parent(path) != 0)
		status = pol_fail(POLICY_ERR_IO, "backup: cannot flush the directory of %s: %s", path, strerror(errno));
	unlink(part);
	char side[4200];
	snprintf(side, sizeof side, "%s-wal", part);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", part);
	unlink(side);
	return status;
}
