/* db.c: opening the database, schema and forward migrations, shared helpers. */
#include "policy_internal.h"
#include "i18n.h"
#include "ledger_internal.h"

#include <openssl/rand.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Room for the longest message in Japanese (three bytes a character) with its arguments. */
static _Thread_local char last_error[1024] = "no error";

const char *policy_last_error(void)
{
	return last_error;
}

int pol_fail(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(last_error, sizeof last_error, _(fmt), ap); /* translated: i18n.h */
	va_end(ap);
	/* a message cut short ends at a whole UTF-8 character */
	if (n >= (int)sizeof last_error) {
		size_t len = sizeof last_error - 1, lead = len;
		while (lead > 0 && ((unsigned char)last_error[lead - 1] & 0xC0) == 0x80)
			lead--;
		if (lead > 0) { /* last_error[lead - 1] begins the last character: is it whole? */
			unsigned char c = (unsigned char)last_error[lead - 1];
			size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
			if (lead - 1 + need > len)
				last_error[lead - 1] = 0;
		}
	}
	return status;
}

int pol_sql_fail(policy_db *db, const char *what)
{
	int code = db && db->sql ? sqlite3_errcode(db->sql) : SQLITE_ERROR;
	const char *msg = db && db->sql ? sqlite3_errmsg(db->sql) : "no connection";
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return pol_fail(POLICY_ERR_DB, "%s: the database is locked by another process (%s); try again", what, msg);
	if (code == SQLITE_READONLY)
		return pol_fail(POLICY_ERR_DB, "%s: the database is read-only (%s)", what, msg);
	return pol_fail(POLICY_ERR_DB, "%s: %s", what, msg);
}

void pol_lock(policy_db *db)
{
	pthread_mutex_lock(&db->lock);
}

void pol_unlock(policy_db *db)
{
	pthread_mutex_unlock(&db->lock);
}

sqlite3_stmt *pol_prepare(policy_db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
		pol_sql_fail(db, "preparing a query");
		return NULL;
	}
	return st;
}

int pol_exec(policy_db *db, const char *sql)
{
	if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		return pol_sql_fail(db, "database");
	return POLICY_OK;
}

int pol_begin(policy_db *db)
{
	return pol_exec(db, "BEGIN IMMEDIATE");
}

int pol_commit(policy_db *db)
{
	int rc = pol_exec(db, "COMMIT");
	if (rc)
		pol_rollback(db);
	return rc;
}

void pol_rollback(policy_db *db)
{
	if (!sqlite3_get_autocommit(db->sql))
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

void pol_bind_text(sqlite3_stmt *st, int idx, const char *text)
{
	if (text)
		sqlite3_bind_text(st, idx, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, idx);
}

char *pol_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* What a row of `table` is called in a message (translated): "section" for sections. */
static const char *row_kind(const char *table)
{
	if (!strcmp(table, "sections"))
		return _("section");
	if (!strcmp(table, "vendors"))
		return _("vendor");
	if (!strcmp(table, "systems"))
		return _("system");
	return table;
}

int pol_id_by_name(policy_db *db, const char *table, const char *name, int64_t *id)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE name = ?", table);
	sqlite3_stmt *st = pol_prepare(db, sql);
	if (!st)
		return POLICY_ERR_DB;
	pol_bind_text(st, 1, name);
	int rc = sqlite3_step(st);
	int status = POLICY_OK;
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		status = pol_fail(POLICY_ERR_NOT_FOUND, "no %s named '%s'", row_kind(table), name ? name : "");
	else
		status = pol_sql_fail(db, "looking up a name");
	sqlite3_finalize(st);
	return status;
}

int64_t pol_local_midnight_us(const policy_db *db, cal_date d)
{
	return (cal_to_days(d) * 86400 - (int64_t)db->zone_min * 60) * 1000000;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

cal_date pol_local_date(const policy_db *db, int64_t us)
{
	int64_t secs = floor_div(us, 1000000) + (int64_t)db->zone_min * 60;
	return cal_from_days(floor_div(secs, 86400));
}

void pol_format_local(const policy_db *db, int64_t us, char *buf, size_t len)
{
	int64_t secs = floor_div(us, 1000000) + (int64_t)db->zone_min * 60;
	cal_date d = cal_from_days(floor_div(secs, 86400));
	int64_t sod = secs - floor_div(secs, 86400) * 86400;
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d", d.y, d.m, d.d, (int)(sod / 3600),
	         (int)(sod / 60 % 60), (int)(sod % 60));
}

void policy_format_local(policy_db *db, int64_t us, char *buf, size_t len)
{
	pol_format_local(db, us, buf, len);
}

/* SQL local_time(us): pol_format_local for queries (the CLI's listings), NULL for NULL.
 * Registered on every connection so that SQL shows times in the handle's zone too. */
static void sql_local_time(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	char buf[32];
	pol_format_local(sqlite3_user_data(ctx), sqlite3_value_int64(argv[0]), buf, sizeof buf);
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

int pol_load_closed_days(policy_db *db, cal_closed_days *out)
{
	out->days = NULL;
	out->count = 0;
	sqlite3_stmt *st = pol_prepare(db, "SELECT day FROM closed_days ORDER BY day");
	if (!st)
		return POLICY_ERR_DB;
	cal_date *days = NULL;
	int n = 0, cap = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cal_date d;
		if (!cal_parse_date((const char *)sqlite3_column_text(st, 0), &d))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			cal_date *grown = realloc(days, (size_t)cap * sizeof *days);
			if (!grown) {
				free(days);
				sqlite3_finalize(st);
				return pol_fail(POLICY_ERR_NOMEM, "out of memory");
			}
			days = grown;
		}
		days[n++] = d;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(days);
		return pol_sql_fail(db, "reading closed days");
	}
	out->days = days;
	out->count = n;
	return POLICY_OK;
}

int pol_setting_get_locked(policy_db *db, const char *name, const char *fallback, char *buf, size_t len, bool *found)
{
	snprintf(buf, len, "%s", fallback ? fallback : "");
	if (found)
		*found = false;
	sqlite3_stmt *st = pol_prepare(db, "SELECT value FROM settings WHERE name = ?1");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) && *sqlite3_column_text(st, 0)) {
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
		if (found)
			*found = true;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "reading a setting");
}

int pol_setting_put_locked(policy_db *db, const char *name, const char *value, const char *actor, int64_t now_us)
{
	sqlite3_stmt *st = pol_prepare(db, "INSERT INTO settings(name, value, updated_us, updated_by) VALUES (?1, ?2, ?3, ?4)"
					   " ON CONFLICT(name) DO UPDATE SET value = ?2, updated_us = ?3, updated_by = ?4");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now_us);
	sqlite3_bind_text(st, 4, actor, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "storing a setting");
}

int64_t policy_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- schema ---- */

/* Migration N takes the schema from version N to N+1. Never edit a
 * released step; add a new one. */
static const char *const migrations[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE sections(\n"
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, officer TEXT NOT NULL DEFAULT '',\n"
	"  created_us INTEGER NOT NULL);\n"
	"CREATE TABLE vendors(\n"
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,\n"
	"  prime_id INTEGER REFERENCES vendors(id), created_us INTEGER NOT NULL);\n"
	"CREATE TABLE systems(\n"
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,\n"
	"  class TEXT NOT NULL CHECK (class IN ('mynumber','lgwan','internet')),\n"
	"  host TEXT NOT NULL, port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),\n"
	"  section_id INTEGER NOT NULL REFERENCES sections(id),\n"
	"  credentials TEXT NOT NULL DEFAULT 'passthrough' CHECK (credentials IN ('passthrough','inject')),\n"
	"  idle_timeout_s INTEGER NOT NULL DEFAULT 900, max_duration_s INTEGER NOT NULL DEFAULT 14400,\n"
	"  observe_only INTEGER NOT NULL DEFAULT 0, channels INTEGER NOT NULL DEFAULT 0,\n"
	"  created_us INTEGER NOT NULL);\n"
	"CREATE TABLE accounts(\n"
	"  id INTEGER PRIMARY KEY, vendor_id INTEGER NOT NULL REFERENCES vendors(id),\n"
	"  login TEXT NOT NULL UNIQUE COLLATE NOCASE,\n"
	"  pw_salt BLOB NOT NULL, pw_iterations INTEGER NOT NULL, pw_hash BLOB NOT NULL,\n"
	"  nt_hash BLOB NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created_us INTEGER NOT NULL);\n"
	"CREATE TABLE permits(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  state TEXT NOT NULL CHECK (state IN ('applied','approved','refused','ordered','suspended','revoked','ended')),\n"
	"  section_id INTEGER NOT NULL REFERENCES sections(id),\n"
	"  vendor_id INTEGER NOT NULL REFERENCES vendors(id),\n"
	"  prime_vendor_id INTEGER REFERENCES vendors(id),\n"
	"  system_id INTEGER NOT NULL REFERENCES systems(id),\n"
	"  purpose TEXT NOT NULL,\n"
	"  from_date TEXT NOT NULL, to_date TEXT NOT NULL,\n"
	"  contract_from TEXT NOT NULL, contract_to TEXT NOT NULL,\n"
	"  window_start_us INTEGER NOT NULL, window_end_us INTEGER NOT NULL,\n"
	"  table_no INTEGER NOT NULL CHECK (table_no IN (1,2)),\n"
	"  sources TEXT NOT NULL DEFAULT '',\n"
	"  observe_only INTEGER NOT NULL DEFAULT 0,\n"
	"  applied_by TEXT NOT NULL, applied_us INTEGER NOT NULL, updated_us INTEGER NOT NULL);\n"
	"CREATE INDEX permits_vendor ON permits(vendor_id, window_end_us);\n"
	"CREATE INDEX permits_system ON permits(system_id);\n"
	"CREATE TABLE permit_history(\n"
	"  id INTEGER PRIMARY KEY, permit_id INTEGER NOT NULL REFERENCES permits(id),\n"
	"  at_us INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,\n"
	"  from_state TEXT, to_state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '');\n"
	"CREATE INDEX permit_history_permit ON permit_history(permit_id);\n"
	"CREATE TABLE permit_checklist(\n"
	"  permit_id INTEGER NOT NULL REFERENCES permits(id), table_no INTEGER NOT NULL,\n"
	"  item TEXT NOT NULL, confirmed INTEGER NOT NULL, PRIMARY KEY (permit_id, item));\n"
	"CREATE TABLE closed_days(day TEXT PRIMARY KEY, reason TEXT NOT NULL DEFAULT '');\n"
	/* Ledger: three append-only tables, one hash chain ordered by seq. */
	"CREATE TABLE sessions(\n"
	"  id INTEGER PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, start_us INTEGER NOT NULL,\n"
	"  permit_id INTEGER, account_id INTEGER, login TEXT NOT NULL, vendor_id INTEGER,\n"
	"  system_id INTEGER, source TEXT NOT NULL, client_name TEXT NOT NULL,\n"
	"  client_build INTEGER NOT NULL, recording_id TEXT, recording_path TEXT,\n"
	"  prev_hash BLOB NOT NULL, hash BLOB NOT NULL);\n"
	"CREATE INDEX sessions_start ON sessions(start_us);\n"
	"CREATE TABLE session_ends(\n"
	"  session_id INTEGER PRIMARY KEY REFERENCES sessions(id), seq INTEGER NOT NULL UNIQUE,\n"
	"  end_us INTEGER NOT NULL, reason TEXT NOT NULL, bytes INTEGER NOT NULL,\n"
	"  frames INTEGER NOT NULL, idle_us INTEGER NOT NULL, recording_path TEXT,\n"
	"  recording_digest TEXT, prev_hash BLOB NOT NULL, hash BLOB NOT NULL);\n"
	"CREATE TABLE events(\n"
	"  id INTEGER PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, session_id INTEGER,\n"
	"  at_us INTEGER NOT NULL, type TEXT NOT NULL, detail TEXT NOT NULL,\n"
	"  login TEXT, source TEXT, reason TEXT, system_id INTEGER, actor TEXT,\n"
	"  prev_hash BLOB NOT NULL, hash BLOB NOT NULL);\n"
	"CREATE INDEX events_session ON events(session_id, type);\n"
	"CREATE INDEX events_type_at ON events(type, at_us);\n"
	"CREATE INDEX events_login ON events(login COLLATE NOCASE, type, at_us);\n"
	"CREATE TABLE ledger_head(id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,\n"
	"  hash BLOB NOT NULL);\n"
	"CREATE TRIGGER sessions_append_only_u BEFORE UPDATE ON sessions BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END;\n"
	"CREATE TRIGGER sessions_append_only_d BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END;\n"
	"CREATE TRIGGER ends_append_only_u BEFORE UPDATE ON session_ends BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END;\n"
	"CREATE TRIGGER ends_append_only_d BEFORE DELETE ON session_ends BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END;\n"
	"CREATE TRIGGER events_append_only_u BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END;\n"
	"CREATE TRIGGER events_append_only_d BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END;\n",
	/* 1 -> 2: target accounts injected by the gate (secret.h); the password
	 * is sealed (AES-256-GCM), user and domain are its associated data. */
	"CREATE TABLE system_secrets(\n"
	"  system_id INTEGER PRIMARY KEY REFERENCES systems(id),\n"
	"  user TEXT NOT NULL, domain TEXT NOT NULL DEFAULT '',\n"
	"  key_id TEXT NOT NULL, nonce BLOB NOT NULL, sealed BLOB NOT NULL, tag BLOB NOT NULL,\n"
	"  updated_us INTEGER NOT NULL, updated_by TEXT NOT NULL);\n",
	/* 2 -> 3: per-system pin of the target's TLS certificate (admin.h),
	 * normalised: 64 lowercase hex digits of its SHA-256; NULL = none. */
	"ALTER TABLE systems ADD COLUMN cert_pin TEXT;\n",
	/* 3 -> 4: no plain NT hash any more (account.h). An NLA account keeps
	 * its NT hash sealed with the secret key, bound to its id and login;
	 * NULL = Client Info (TLS) logons only. The plain hashes are dropped,
	 * not sealed: the migration has no key, and they may have leaked
	 * already; NLA accounts set their password again ('account passwd
	 * --nla'). secure_delete (set on every connection) overwrites the
	 * dropped bytes. Stored target accounts are now also bound to the
	 * system's host, port and pin (secret.h); rows sealed before keep
	 * binding 1 and must be stored again. */
	"ALTER TABLE accounts DROP COLUMN nt_hash;\n"
	"ALTER TABLE accounts ADD COLUMN nt_key_id TEXT;\n"
	"ALTER TABLE accounts ADD COLUMN nt_sealed BLOB;\n"
	"ALTER TABLE system_secrets ADD COLUMN binding INTEGER NOT NULL DEFAULT 1;\n",
	/* 4 -> 5: settings the city decides (retention.h: how long recordings are kept); each
	 * change is also a ledger row. */
	"CREATE TABLE settings(name TEXT PRIMARY KEY, value TEXT NOT NULL,\n"
	"  updated_us INTEGER NOT NULL, updated_by TEXT NOT NULL);\n",
	/* 5 -> 6: corrective orders (Art. 7, permit.h): each has a due date and stays open until
	 * 'permit order-done' closes it (done_us, done_by, done_note); an open order past its due
	 * date is overdue, which a revocation (Art. 8) states in its history row. */
	"CREATE TABLE permit_orders(\n"
	"  id INTEGER PRIMARY KEY, permit_id INTEGER NOT NULL REFERENCES permits(id),\n"
	"  ordered_us INTEGER NOT NULL, ordered_by TEXT NOT NULL, measures TEXT NOT NULL,\n"
	"  due_date TEXT NOT NULL, suspended INTEGER NOT NULL,\n"
	"  done_us INTEGER, done_by TEXT, done_note TEXT);\n"
	"CREATE INDEX permit_orders_permit ON permit_orders(permit_id, done_us);\n",
	/* 6 -> 7: the console's staff (staff.h), apart from vendor accounts: a role, an
	 * applicant's section, a PBKDF2 record like accounts'. Logons and changes are ledger rows. */
	"CREATE TABLE staff(\n"
	"  id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE COLLATE NOCASE,\n"
	"  display_name TEXT NOT NULL DEFAULT '',\n"
	"  role TEXT NOT NULL CHECK (role IN ('applicant','approver','auditor','admin')),\n"
	"  section_id INTEGER REFERENCES sections(id),\n"
	"  pw_salt BLOB NOT NULL, pw_iterations INTEGER NOT NULL, pw_hash BLOB NOT NULL,\n"
	"  disabled INTEGER NOT NULL DEFAULT 0, created_us INTEGER NOT NULL,\n"
	"  CHECK ((role = 'applicant') = (section_id IS NOT NULL)));\n",
	/* 7 -> 8: sources enforced (issue 14, admin.h, permit.h). systems.networks: the
	 * blocks a Table 1 system's dedicated line / city VPN arrives from (the gate admits a
	 * Table 1 permit only from inside them; '' = none set, every Table 1 connection is
	 * refused). systems.lab_sources: lab ranges in which a Table 2 permit may name
	 * non-global sources. permits.lab_sources: the permit's sources accepted only by that
	 * lab exception ('' = none), shown by 'permit show'. All space-joined canonical CIDRs.
	 * The minimum prefixes of Table 2 sources are settings rows (source_min_prefix4/6). */
	"ALTER TABLE systems ADD COLUMN networks TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE systems ADD COLUMN lab_sources TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE permits ADD COLUMN lab_sources TEXT NOT NULL DEFAULT '';\n",
};

#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

int policy_schema_version(void)
{
	return SCHEMA_VERSION;
}

static int user_version(policy_db *db, int *version)
{
	sqlite3_stmt *st = pol_prepare(db, "PRAGMA user_version");
	if (!st)
		return POLICY_ERR_DB;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? POLICY_OK : pol_sql_fail(db, "reading the schema version");
}

/* COUNT(*) of a query, 0 on any error (for a message only). */
static int count_rows(policy_db *db, const char *sql)
{
	sqlite3_stmt *st = pol_prepare(db, sql);
	int n = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return n;
}

/* What the step to version 4 leaves to the administrator (after it ran). */
static void say_what_version_4_needs(policy_db *db)
{
	int accounts = count_rows(db, "SELECT COUNT(*) FROM accounts");
	int secrets = count_rows(db, "SELECT COUNT(*) FROM system_secrets WHERE binding <> 2");
	if (accounts)
		WLog_WARN(POLICY_TAG, _("schema 4: the plain NT hashes of %d account(s) were dropped; an account that logs"
					" on with NLA needs 'rmgate-policy account passwd LOGIN --nla --password-stdin'"),
			  accounts);
	if (secrets)
		WLog_WARN(POLICY_TAG, _("schema 4: %d stored target account(s) are not bound to their target's host, port"
					" and pin; store them again with 'rmgate-policy system secret'"),
			  secrets);
}

static int migrate(policy_db *db)
{
	int version = 0, status;
	if (pol_begin(db))
		return POLICY_ERR_DB;
	if (user_version(db, &version))
		goto fail;
	if (version > SCHEMA_VERSION) {
		pol_rollback(db);
		return pol_fail(POLICY_ERR_DB, "the database has schema version %d, newer than this program's %d; use a newer rmgate-policy",
		                version, SCHEMA_VERSION);
	}
	for (int v = version; v < SCHEMA_VERSION; v++) {
		if (pol_exec(db, migrations[v]))
			goto fail;
		WLog_INFO(POLICY_TAG, "database schema migrated to version %d", v + 1);
		if (v == 3)
			say_what_version_4_needs(db);
	}
	char pragma[64];
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", SCHEMA_VERSION);
	if (pol_exec(db, pragma))
		goto fail;
	status = pol_commit(db);
	/* Old pages (a dropped plain NT hash) must not wait in the database
	 * file for a later checkpoint: write the migrated pages back now. */
	if (!status && version < SCHEMA_VERSION)
		sqlite3_exec(db->sql, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	return status;
fail:
	pol_rollback(db);
	return POLICY_ERR_DB;
}

/* Creates the parent directory 0700 if missing, and the file 0600. */
static int prepare_file(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return pol_fail(POLICY_ERR_NOMEM, "out of memory");
	const char *dir = dirname(copy);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		int err = errno;
		free(copy);
		return pol_fail(POLICY_ERR_IO, "cannot create directory for database %s: %s", path, strerror(err));
	}
	free(copy);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EACCES || errno == EROFS) {
			/* may still be readable: let SQLite report precisely */
			return POLICY_OK;
		}
		return pol_fail(POLICY_ERR_IO, "cannot create database %s: %s", path, strerror(errno));
	}
	close(fd);
	return POLICY_OK;
}

enum open_mode { OPEN_CREATE, OPEN_EXISTING, OPEN_READONLY };

static policy_db *open_common(const char *path, enum open_mode mode)
{
	if (!path || !*path) {
		pol_fail(POLICY_ERR_INVALID, "no database path given");
		return NULL;
	}
	bool create = mode == OPEN_CREATE;
	if (create && prepare_file(path))
		return NULL;
	policy_db *db = calloc(1, sizeof *db);
	if (!db) {
		pol_fail(POLICY_ERR_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&db->lock, NULL);
	db->zone_min = 540;
	db->lock_failures = 5;
	db->lock_minutes = 15;
	db->pbkdf2_iter = 200000;
	db->lock_total = 20;
	db->refusal_burst = 10;
	db->refusal_window_us = 60 * 1000000LL;
	if (RAND_bytes(db->dummy_salt, sizeof db->dummy_salt) != 1)
		memset(db->dummy_salt, 0x5a, sizeof db->dummy_salt); /* a salt need not be secret */
	/* NOMUTEX: the handle's own mutex serializes all use of the connection. */
	int flags = (mode == OPEN_READONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &db->sql, flags, NULL) != SQLITE_OK) {
		pol_sql_fail(db, path);
		policy_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db->sql, 5000);
	sqlite3_extended_result_codes(db->sql, 0);
	if (sqlite3_create_function_v2(db->sql, "local_time", 1, SQLITE_UTF8 | SQLITE_INNOCUOUS, db,
	                               sql_local_time, NULL, NULL, NULL) != SQLITE_OK) {
		pol_sql_fail(db, "registering local_time");
		policy_close(db);
		return NULL;
	}
	/* secure_delete: deleted secrets (a cleared target account, a replaced
	 * or dropped NT hash) are overwritten, not left in free pages. */
	if (pol_exec(db, "PRAGMA foreign_keys = ON") || (create && pol_exec(db, "PRAGMA journal_mode = WAL")) ||
	    (mode != OPEN_READONLY && pol_exec(db, "PRAGMA synchronous = NORMAL")) ||
	    (mode != OPEN_READONLY && pol_exec(db, "PRAGMA secure_delete = ON"))) {
		policy_close(db);
		return NULL;
	}
	int version = 0;
	if (create ? migrate(db) : user_version(db, &version)) {
		policy_close(db);
		return NULL;
	}
	if (!create && version != SCHEMA_VERSION) {
		pol_fail(POLICY_ERR_DB, "%s has schema version %d, this program needs %d; run 'rmgate-policy init'",
		         path, version, SCHEMA_VERSION);
		policy_close(db);
		return NULL;
	}
	return db;
}

policy_db *policy_open(const char *path)
{
	return open_common(path, OPEN_CREATE);
}

static bool exists(const char *path)
{
	if (path && access(path, F_OK) == 0)
		return true;
	pol_fail(POLICY_ERR_NOT_FOUND, "database %s does not exist; create it with 'rmgate-policy -d %s init'",
		 path ? path : "", path ? path : "DB");
	return false;
}

policy_db *policy_open_existing(const char *path)
{
	return exists(path) ? open_common(path, OPEN_EXISTING) : NULL;
}

policy_db *policy_open_readonly(const char *path)
{
	return exists(path) ? open_common(path, OPEN_READONLY) : NULL;
}

void policy_set_busy_timeout(policy_db *db, int milliseconds)
{
	pol_lock(db);
	sqlite3_busy_timeout(db->sql, milliseconds > 0 ? milliseconds : 0);
	pol_unlock(db);
}

void policy_close(policy_db *db)
{
	if (!db)
		return;
	if (db->sql) {
		pol_lock(db);
		if (pol_ledger_flush_refusals_locked(db, policy_now_us(), true))
			WLog_ERR(POLICY_TAG, "counts of aggregated refusals not written: %s", policy_last_error());
		pol_unlock(db);
		sqlite3_close_v2(db->sql);
	}
	pthread_mutex_destroy(&db->lock);
	free(db);
}

void policy_set_zone_offset(policy_db *db, int minutes_east)
{
	pol_lock(db);
	db->zone_min = minutes_east;
	pol_unlock(db);
}

int policy_zone_offset(const policy_db *db)
{
	return db->zone_min; /* an int read; set once at start-up */
}

void policy_set_lockout(policy_db *db, int failures, int minutes)
{
	pol_lock(db);
	db->lock_failures = failures > 0 ? failures : 1;
	db->lock_minutes = minutes > 0 ? minutes : 1;
	pol_unlock(db);
}

void policy_set_lockout_account(policy_db *db, int failures)
{
	pol_lock(db);
	db->lock_total = failures > 0 ? failures : 1;
	pol_unlock(db);
}

void policy_set_refusal_burst(policy_db *db, int per_minute)
{
	pol_lock(db);
	db->refusal_burst = per_minute > 0 ? per_minute : 1;
	pol_unlock(db);
}

void policy_set_pbkdf2_iterations(policy_db *db, int iterations)
{
	pol_lock(db);
	db->pbkdf2_iter = iterations >= 1000 ? iterations : 1000;
	pol_unlock(db);
}
