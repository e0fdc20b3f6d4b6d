/* admin_view.c: the registry's lists for the console's administration pages (see admin_view.h). */
#include "admin_view.h"
#include "account.h"
#include "policy_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void text_col(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(out, len, "%s", t ? (const char *)t : "");
}

typedef void (*row_fn)(sqlite3_stmt *st, void *row);

/* Runs `count_sql` and `sql` (ordered, bound ?1 = the limit) under the lock; fills an array of
 * POLICY_ADMIN_MAX rows of `size` bytes by `fill`. */
static int run_list(policy_db *db, const char *what, const char *count_sql, const char *sql, size_t size, row_fn fill,
		    void **out, int *n, int *total)
{
	*out = NULL;
	*n = 0;
	*total = 0;
	char *rows = calloc(POLICY_ADMIN_MAX, size);
	if (!rows)
		return pol_fail(POLICY_ERR_NOMEM, "out of memory");
	pol_lock(db);
	int status = POLICY_OK;
	sqlite3_stmt *st = pol_prepare(db, count_sql);
	if (!st) {
		status = POLICY_ERR_DB;
	} else {
		if (sqlite3_step(st) == SQLITE_ROW)
			*total = sqlite3_column_int(st, 0);
		else
			status = pol_sql_fail(db, what);
		sqlite3_finalize(st);
	}
	st = status ? NULL : pol_prepare(db, sql);
	if (!status && !st)
		status = POLICY_ERR_DB;
	if (st) {
		sqlite3_bind_int(st, 1, POLICY_ADMIN_MAX);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < POLICY_ADMIN_MAX)
			fill(st, rows + size * (size_t)(*n)++);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			status = pol_sql_fail(db, what);
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	if (status) {
		free(rows);
		*n = 0;
	} else {
		*out = rows;
	}
	return status;
}

static void fill_section(sqlite3_stmt *st, void *row)
{
	policy_section_entry *e = row;
	e->id = sqlite3_column_int64(st, 0);
	text_col(st, 1, e->name, sizeof e->name);
	text_col(st, 2, e->officer, sizeof e->officer);
	e->systems = sqlite3_column_int(st, 3);
}

int policy_admin_sections(policy_db *db, policy_section_entry **out, int *n, int *total)
{
	return run_list(db, "reading sections", "SELECT COUNT(*) FROM sections",
			"SELECT id, name, officer, (SELECT COUNT(*) FROM systems WHERE section_id = s.id) FROM sections s"
			" ORDER BY id LIMIT ?1",
			sizeof **out, fill_section, (void **)out, n, total);
}

static void fill_vendor(sqlite3_stmt *st, void *row)
{
	policy_vendor_entry *e = row;
	e->id = sqlite3_column_int64(st, 0);
	text_col(st, 1, e->name, sizeof e->name);
	text_col(st, 2, e->prime, sizeof e->prime);
}

int policy_admin_vendors(policy_db *db, policy_vendor_entry **out, int *n, int *total)
{
	return run_list(db, "reading vendors", "SELECT COUNT(*) FROM vendors",
			"SELECT v.id, v.name, p.name FROM vendors v LEFT JOIN vendors p ON p.id = v.prime_id ORDER BY v.id LIMIT ?1",
			sizeof **out, fill_vendor, (void **)out, n, total);
}

static void fill_system(sqlite3_stmt *st, void *row)
{
	policy_system_entry *e = row;
	e->id = sqlite3_column_int64(st, 0);
	text_col(st, 1, e->name, sizeof e->name);
	text_col(st, 2, e->cls, sizeof e->cls);
	text_col(st, 3, e->host, sizeof e->host);
	e->port = sqlite3_column_int(st, 4);
	text_col(st, 5, e->section, sizeof e->section);
	e->inject_credentials = sqlite3_column_text(st, 6) && !strcmp((const char *)sqlite3_column_text(st, 6), "inject");
	e->idle_timeout_s = sqlite3_column_int(st, 7);
	e->max_duration_s = sqlite3_column_int(st, 8);
	e->observe_only = sqlite3_column_int(st, 9) != 0;
	e->channels = (unsigned)sqlite3_column_int(st, 10);
	text_col(st, 11, e->cert_pin, sizeof e->cert_pin);
	text_col(st, 12, e->networks, sizeof e->networks);
	text_col(st, 13, e->lab_sources, sizeof e->lab_sources);
}

int policy_admin_systems(policy_db *db, policy_system_entry **out, int *n, int *total)
{
	return run_list(db, "reading systems", "SELECT COUNT(*) FROM systems",
			"SELECT s.id, s.name, s.class, s.host, s.port, c.name, s.credentials, s.idle_timeout_s,"
			" s.max_duration_s, s.observe_only, s.channels, IFNULL('sha256:' || s.cert_pin, ''), s.networks,"
			" s.lab_sources FROM systems s JOIN sections c ON c.id = s.section_id ORDER BY s.id LIMIT ?1",
			sizeof **out, fill_system, (void **)out, n, total);
}

static void fill_account(sqlite3_stmt *st, void *row)
{
	policy_account_entry *e = row;
	e->id = sqlite3_column_int64(st, 0);
	text_col(st, 1, e->login, sizeof e->login);
	text_col(st, 2, e->vendor, sizeof e->vendor);
	e->disabled = sqlite3_column_int(st, 3) != 0;
	e->nla = sqlite3_column_int(st, 4) != 0;
}

int policy_admin_accounts(policy_db *db, int64_t now_us, policy_account_entry **out, int *n, int *total)
{
	int status = run_list(db, "reading accounts", "SELECT COUNT(*) FROM accounts",
			      "SELECT a.id, a.login, v.name, a.disabled, a.nt_sealed IS NOT NULL FROM accounts a"
			      " JOIN vendors v ON v.id = a.vendor_id ORDER BY a.id LIMIT ?1",
			      sizeof **out, fill_account, (void **)out, n, total);
	for (int i = 0; !status && i < *n; i++)
		status = policy_account_lock_state(db, (*out)[i].login, now_us, &(*out)[i].locked);
	if (status) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return status;
}

static void fill_staff(sqlite3_stmt *st, void *row)
{
	policy_staff_entry *e = row;
	e->id = sqlite3_column_int64(st, 0);
	text_col(st, 1, e->login, sizeof e->login);
	text_col(st, 2, e->display_name, sizeof e->display_name);
	if (!policy_staff_role_parse((const char *)sqlite3_column_text(st, 3), &e->role))
		e->role = POLICY_ROLE_AUDITOR; /* the CHECK constraint allows no other */
	text_col(st, 4, e->section, sizeof e->section);
	e->disabled = sqlite3_column_int(st, 5) != 0;
}

int policy_admin_staff(policy_db *db, policy_staff_entry **out, int *n, int *total)
{
	return run_list(db, "reading staff", "SELECT COUNT(*) FROM staff",
			"SELECT s.id, s.login, s.display_name, s.role, c.name, s.disabled FROM staff s"
			" LEFT JOIN sections c ON c.id = s.section_id ORDER BY s.id LIMIT ?1",
			sizeof **out, fill_staff, (void **)out, n, total);
}
