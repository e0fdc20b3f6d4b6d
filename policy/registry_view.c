/* registry_view.c: vendors and systems for the console's forms (see registry_view.h). */
#include "registry_view.h"
#include "policy_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int policy_registry_list(policy_db *db, const char *kind, int64_t section_id, policy_registry_entry **out, int *n)
{
	*out = NULL;
	*n = 0;
	const char *sql = !strcmp(kind, "vendors")
				  ? "SELECT v.name, IFNULL(p.name, ''), 0 FROM vendors v LEFT JOIN vendors p ON p.id = v.prime_id"
				    " ORDER BY v.name LIMIT ?2"
			  : !strcmp(kind, "systems")
				  ? "SELECT name, class, section_id FROM systems WHERE ?1 = 0 OR section_id = ?1 ORDER BY name LIMIT ?2"
				  : NULL;
	if (!sql)
		return pol_fail(POLICY_ERR_INVALID, "unknown registry '%s'", kind);
	policy_registry_entry *list = calloc(POLICY_REGISTRY_MAX, sizeof *list);
	if (!list)
		return pol_fail(POLICY_ERR_NOMEM, "out of memory");
	pol_lock(db);
	int status = POLICY_OK;
	sqlite3_stmt *st = pol_prepare(db, sql);
	if (!st) {
		status = POLICY_ERR_DB;
	} else {
		sqlite3_bind_int64(st, 1, section_id);
		sqlite3_bind_int(st, 2, POLICY_REGISTRY_MAX);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < POLICY_REGISTRY_MAX) {
			policy_registry_entry *e = &list[(*n)++];
			snprintf(e->name, sizeof e->name, "%s", (const char *)sqlite3_column_text(st, 0));
			snprintf(e->detail, sizeof e->detail, "%s", (const char *)sqlite3_column_text(st, 1));
			e->section_id = sqlite3_column_int64(st, 2);
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			status = pol_sql_fail(db, "reading the registry");
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	if (status)
		free(list);
	else
		*out = list;
	return status;
}
