/* ledger.c: appending hash-chained rows and verifying the chain (see ledger.h).
 * Refused logons and their aggregation per source are in refusals.c. */
#include "ledger.h"
#include "ledger_internal.h"
#include "hex.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_LEN 32
#define MAX_TEXT 4096 /* longer texts from the network are cut */

static const char *const end_names[] = {
	"client_disconnect", "target_disconnect", "idle_timeout", "max_duration", "window_end",
	"suspended",         "revoked",           "gate_shutdown", "aborted",     "error",
	"recording_incomplete", "resource_limit", "terminated",
};

const char *policy_end_name(policy_end_reason r)
{
	return (unsigned)r < POLICY_END_COUNT ? end_names[r] : "error";
}

/* Column lists: the hashed columns of each ledger table, in hash order. */
static const char SESSION_COLS[] = "id, seq, start_us, permit_id, account_id, login, vendor_id, system_id,"
				   " source, client_name, client_build, recording_id, recording_path";
static const char END_COLS[] = "session_id, seq, end_us, reason, bytes, frames, idle_us, recording_path,"
			       " recording_digest";
static const char EVENT_COLS[] = "id, seq, session_id, at_us, type, detail, login, source, reason,"
				 " system_id, actor";

/* A value to bind and to hash: integer, text or NULL. */
typedef struct {
	char kind; /* 'i', 't', 'n' */
	int64_t i;
	const char *t;
} lval;

static lval vi(int64_t i) { return (lval){ 'i', i, NULL }; }
static lval vt(const char *t) { return t ? (lval){ 't', 0, t } : (lval){ 'n', 0, NULL }; }
static lval vid(int64_t id) { return id > 0 ? vi(id) : (lval){ 'n', 0, NULL }; }

/* Canonical encoding of one value into the running digest. */
static void hash_int(EVP_MD_CTX *md, int64_t v)
{
	uint8_t b[9] = { 'i' };
	for (int k = 0; k < 8; k++)
		b[1 + k] = (uint8_t)((uint64_t)v >> (56 - 8 * k));
	EVP_DigestUpdate(md, b, sizeof b);
}

static void hash_bytes(EVP_MD_CTX *md, char kind, const void *p, size_t n)
{
	uint8_t h[5] = { (uint8_t)kind, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
	EVP_DigestUpdate(md, h, sizeof h);
	EVP_DigestUpdate(md, p, n);
}

static EVP_MD_CTX *hash_begin(const uint8_t prev[HASH_LEN], const char *table)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		return NULL;
	}
	EVP_DigestUpdate(md, "rmgate-ledger-v1", 16);
	EVP_DigestUpdate(md, prev, HASH_LEN);
	hash_bytes(md, 'T', table, strlen(table));
	return md;
}

static void hash_end(EVP_MD_CTX *md, uint8_t out[HASH_LEN])
{
	unsigned len = HASH_LEN;
	EVP_DigestFinal_ex(md, out, &len);
	EVP_MD_CTX_free(md);
}

/* Reads the head of the chain (seq 0 and zero hash when empty). */
static int read_head(policy_db *db, int64_t *seq, uint8_t hash[HASH_LEN])
{
	*seq = 0;
	memset(hash, 0, HASH_LEN);
	sqlite3_stmt *st = pol_prepare(db, "SELECT seq, hash FROM ledger_head WHERE id = 1");
	if (!st)
		return POLICY_ERR_DB;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == HASH_LEN)
			memcpy(hash, sqlite3_column_blob(st, 1), HASH_LEN);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "reading the ledger head");
}

static int next_id(policy_db *db, const char *table, int64_t *id)
{
	char sql[80];
	snprintf(sql, sizeof sql, "SELECT IFNULL(MAX(id), 0) + 1 FROM %s", table);
	sqlite3_stmt *st = pol_prepare(db, sql);
	if (!st)
		return POLICY_ERR_DB;
	int rc = sqlite3_step(st);
	*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? POLICY_OK : pol_sql_fail(db, "ledger");
}

/* Appends one row: vals[1] must be the seq placeholder (filled here). With
 * new_id, vals[0] is the row's id, chosen here as MAX(id) + 1 and returned.
 * The caller holds the lock; this runs its own transaction unless the caller
 * has one open (then the caller commits or rolls back). The id and the seq
 * are read inside that write transaction (BEGIN IMMEDIATE): another process
 * appending to the same file waits for it, so both never pick the same id. */
static int chain_append(policy_db *db, const char *table, const char *cols, lval *vals, int n, int64_t *new_id)
{
	bool own = sqlite3_get_autocommit(db->sql);
	if (own && pol_begin(db))
		return POLICY_ERR_DB;
	int64_t seq;
	uint8_t prev[HASH_LEN], hash[HASH_LEN];
	if (new_id) {
		if (next_id(db, table, new_id))
			goto fail;
		vals[0] = vi(*new_id);
	}
	if (read_head(db, &seq, prev))
		goto fail;
	vals[1] = vi(seq + 1);
	EVP_MD_CTX *md = hash_begin(prev, table);
	if (!md) {
		pol_fail(POLICY_ERR_NOMEM, "cannot start SHA-256");
		goto fail;
	}
	for (int k = 0; k < n; k++) {
		if (vals[k].kind == 'i')
			hash_int(md, vals[k].i);
		else if (vals[k].kind == 't')
			hash_bytes(md, 't', vals[k].t, strlen(vals[k].t));
		else
			EVP_DigestUpdate(md, "n", 1);
	}
	hash_end(md, hash);

	char sql[512];
	char marks[64] = "";
	for (int k = 0; k < n + 2; k++)
		strcat(marks, k ? ",?" : "?");
	snprintf(sql, sizeof sql, "INSERT INTO %s(%s, prev_hash, hash) VALUES (%s)", table, cols, marks);
	sqlite3_stmt *st = pol_prepare(db, sql);
	if (!st)
		goto fail;
	for (int k = 0; k < n; k++) {
		if (vals[k].kind == 'i')
			sqlite3_bind_int64(st, k + 1, vals[k].i);
		else if (vals[k].kind == 't')
			sqlite3_bind_text(st, k + 1, vals[k].t, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_blob(st, n + 1, prev, HASH_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, n + 2, hash, HASH_LEN, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		pol_sql_fail(db, "appending to the ledger");
		goto fail;
	}
	st = pol_prepare(db, "INSERT INTO ledger_head(id, seq, hash) VALUES (1, ?, ?)"
			     " ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, seq + 1);
	sqlite3_bind_blob(st, 2, hash, HASH_LEN, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		pol_sql_fail(db, "updating the ledger head");
		goto fail;
	}
	return own ? pol_commit(db) : POLICY_OK;
fail:
	if (own)
		pol_rollback(db);
	return POLICY_ERR_DB;
}

/* Texts from the network are bounded before they are stored. */
static char *bounded(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strnlen(s, MAX_TEXT);
	char *c = malloc(n + 1);
	if (c) {
		memcpy(c, s, n);
		c[n] = '\0';
	}
	return c;
}

int policy_ledger_session_start(policy_db *db, int64_t start_us, const policy_session_start *s,
                                int64_t *session_id)
{
	if (!s || !s->login || !s->source)
		return pol_fail(POLICY_ERR_INVALID, "a session start needs a login and a source address");
	char *login = bounded(s->login), *source = bounded(s->source), *client = bounded(s->client_name);
	char *rid = bounded(s->recording_id), *rpath = bounded(s->recording_path);
	pol_lock(db);
	int64_t id = 0;
	lval v[] = { vi(0), vi(0), vi(start_us), vid(s->permit_id), vid(s->account_id), vt(login),
		     vid(s->vendor_id), vid(s->system_id), vt(source), vt(client ? client : ""),
		     vi(s->client_build), vt(rid), vt(rpath) };
	int status = chain_append(db, "sessions", SESSION_COLS, v, (int)(sizeof v / sizeof v[0]), &id);
	pol_unlock(db);
	free(login); free(source); free(client); free(rid); free(rpath);
	if (!status && session_id)
		*session_id = id;
	return status;
}

/* 0 = open session, NOT_FOUND, STATE (already ended). Lock held. */
static int session_is_open(policy_db *db, int64_t session_id)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT (SELECT COUNT(*) FROM session_ends WHERE session_id = s.id)"
					   " FROM sessions s WHERE s.id = ?");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, session_id);
	int rc = sqlite3_step(st);
	int status;
	if (rc == SQLITE_ROW)
		status = sqlite3_column_int(st, 0) ? pol_fail(POLICY_ERR_STATE, "session %lld has already ended", (long long)session_id)
						   : POLICY_OK;
	else if (rc == SQLITE_DONE)
		status = pol_fail(POLICY_ERR_NOT_FOUND, "no session %lld", (long long)session_id);
	else
		status = pol_sql_fail(db, "looking up a session");
	sqlite3_finalize(st);
	return status;
}

int policy_ledger_session_end(policy_db *db, int64_t session_id, const policy_session_end *e)
{
	if (!e || (unsigned)e->reason >= POLICY_END_COUNT)
		return pol_fail(POLICY_ERR_INVALID, "a session end needs a known reason");
	if (e->bytes > INT64_MAX || e->frames > INT64_MAX || e->idle_us < 0)
		return pol_fail(POLICY_ERR_INVALID, "session end counters out of range");
	char *rpath = bounded(e->recording_path), *digest = bounded(e->recording_digest_hex);
	pol_lock(db);
	/* the check and the append in one write transaction: another process
	 * ending the same session meanwhile gives STATE, not a constraint error */
	int status = pol_begin(db);
	if (!status)
		status = session_is_open(db, session_id);
	if (!status) {
		lval v[] = { vi(session_id), vi(0), vi(e->end_us), vt(policy_end_name(e->reason)),
			     vi((int64_t)e->bytes), vi((int64_t)e->frames), vi(e->idle_us), vt(rpath), vt(digest) };
		status = chain_append(db, "session_ends", END_COLS, v, (int)(sizeof v / sizeof v[0]), NULL);
	}
	if (!status)
		status = pol_commit(db);
	else
		pol_rollback(db);
	pol_unlock(db);
	free(rpath);
	free(digest);
	return status;
}

int pol_ledger_append_event_locked(policy_db *db, int64_t session_id, int64_t at_us, const char *type,
                                   const char *detail, const char *login, const char *source,
                                   const char *reason, int64_t system_id, const char *actor)
{
	int64_t id = 0;
	char *d = bounded(detail ? detail : ""), *l = bounded(login), *s = bounded(source), *a = bounded(actor);
	lval v[] = { vi(0), vi(0), vid(session_id), vi(at_us), vt(type), vt(d ? d : ""), vt(l), vt(s), vt(reason),
		     vid(system_id), vt(a) };
	int status = chain_append(db, "events", EVENT_COLS, v, (int)(sizeof v / sizeof v[0]), &id);
	free(d); free(l); free(s); free(a);
	return status;
}

int pol_ledger_event_locked(policy_db *db, int64_t session_id, int64_t at_us, const char *type,
                            const char *detail, const char *login)
{
	return pol_ledger_append_event_locked(db, session_id, at_us, type, detail, login, NULL, NULL, 0, NULL);
}

int pol_ledger_admin_event_locked(policy_db *db, int64_t at_us, const char *type, const char *detail,
                                  int64_t system_id, const char *actor)
{
	return pol_ledger_append_event_locked(db, 0, at_us, type, detail, NULL, NULL, NULL, system_id, actor ? actor : "");
}

int policy_ledger_event(policy_db *db, int64_t session_id, int64_t at_us, const char *type, const char *detail)
{
	if (!type || !*type)
		return pol_fail(POLICY_ERR_INVALID, "an event needs a type");
	pol_lock(db);
	int status = session_id ? session_is_open(db, session_id) : POLICY_OK;
	if (status == POLICY_ERR_STATE)
		status = POLICY_OK; /* late events (e.g. recording closed) are still kept */
	if (!status)
		status = pol_ledger_append_event_locked(db, session_id, at_us, type, detail, NULL, NULL, NULL, 0, NULL);
	pol_unlock(db);
	return status;
}

int policy_ledger_note(policy_db *db, int64_t session_id, int64_t at_us, const char *actor, const char *text)
{
	if (!text || !*text)
		return pol_fail(POLICY_ERR_INVALID, "a work note needs a text");
	pol_lock(db);
	int status = session_is_open(db, session_id);
	if (status == POLICY_ERR_STATE)
		status = POLICY_OK; /* notes are normally written after the session */
	if (!status)
		status = pol_ledger_append_event_locked(db, session_id, at_us, POLICY_EV_NOTE, text, NULL, NULL, NULL, 0,
				      actor ? actor : "");
	pol_unlock(db);
	return status;
}

int policy_ledger_request_end(policy_db *db, int64_t session_id, int64_t at_us, const char *actor,
                              const char *reason)
{
	if (!actor || !*actor || !reason || !*reason)
		return pol_fail(POLICY_ERR_INVALID, "ending a session needs who orders it (--by) and why (--reason)");
	pol_lock(db);
	int status = session_is_open(db, session_id);
	if (!status)
		status = pol_ledger_append_event_locked(db, session_id, at_us, POLICY_EV_END_REQUESTED, reason, NULL,
		                                        NULL, NULL, 0, actor);
	pol_unlock(db);
	return status;
}

int policy_session_end_requested(policy_db *db, int64_t session_id, bool *requested)
{
	*requested = false;
	pol_lock(db);
	sqlite3_stmt *st = pol_prepare(db, "SELECT 1 FROM events WHERE session_id = ? AND type = '" POLICY_EV_END_REQUESTED
	                                   "' LIMIT 1");
	int status = st ? POLICY_OK : POLICY_ERR_DB;
	if (st) {
		sqlite3_bind_int64(st, 1, session_id);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*requested = true;
		else if (rc != SQLITE_DONE)
			status = pol_sql_fail(db, "looking up an order to end a session");
		sqlite3_finalize(st);
	}
	pol_unlock(db);
	return status;
}

int policy_sessions_open(policy_db *db, policy_open_session **list, size_t *count)
{
	*list = NULL;
	*count = 0;
	pol_lock(db);
	sqlite3_stmt *st = pol_prepare(db, "SELECT s.id, s.start_us, IFNULL(s.permit_id, 0), s.login, s.recording_id,"
					   " s.recording_path FROM sessions s LEFT JOIN session_ends e"
					   " ON e.session_id = s.id WHERE e.session_id IS NULL ORDER BY s.id");
	int status = st ? POLICY_OK : POLICY_ERR_DB;
	size_t cap = 0;
	int rc = SQLITE_DONE;
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*count == cap) {
			cap = cap ? cap * 2 : 8;
			policy_open_session *grown = realloc(*list, cap * sizeof **list);
			if (!grown) {
				status = pol_fail(POLICY_ERR_NOMEM, "out of memory");
				break;
			}
			*list = grown;
		}
		policy_open_session *o = &(*list)[(*count)++];
		o->session_id = sqlite3_column_int64(st, 0);
		o->start_us = sqlite3_column_int64(st, 1);
		o->permit_id = sqlite3_column_int64(st, 2);
		o->login = pol_strdup((const char *)sqlite3_column_text(st, 3));
		o->recording_id = pol_strdup((const char *)sqlite3_column_text(st, 4));
		o->recording_path = pol_strdup((const char *)sqlite3_column_text(st, 5));
	}
	if (st && !status && rc != SQLITE_DONE)
		status = pol_sql_fail(db, "listing open sessions");
	sqlite3_finalize(st);
	pol_unlock(db);
	if (status) {
		policy_open_sessions_free(*list, *count);
		*list = NULL;
		*count = 0;
	}
	return status;
}

void policy_open_sessions_free(policy_open_session *list, size_t count)
{
	for (size_t i = 0; list && i < count; i++) {
		free(list[i].login);
		free(list[i].recording_id);
		free(list[i].recording_path);
	}
	free(list);
}

/* ---- verification ---- */

typedef struct {
	const char *table;
	sqlite3_stmt *st;
	int ncols; /* hashed columns; then prev_hash, hash */
	bool has_row;
} cursor;

/* The table's rows after seq `after` (0 = all), in chain order. */
static int cursor_open(policy_db *db, cursor *c, const char *table, const char *cols, int64_t after)
{
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT %s, prev_hash, hash FROM %s WHERE seq > ?1 ORDER BY seq", cols, table);
	c->table = table;
	c->st = pol_prepare(db, sql);
	if (!c->st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(c->st, 1, after);
	c->ncols = sqlite3_column_count(c->st) - 2;
	return POLICY_OK;
}

/* The stored hash of the row at `seq` in any of the three tables: true and filled when that
 * row exists with a well-formed hash. Lock held. */
static int stored_hash_at(policy_db *db, int64_t seq, uint8_t out[HASH_LEN], bool *found)
{
	*found = false;
	sqlite3_stmt *st = pol_prepare(db, "SELECT hash FROM sessions WHERE seq = ?1 UNION ALL"
					   " SELECT hash FROM session_ends WHERE seq = ?1 UNION ALL"
					   " SELECT hash FROM events WHERE seq = ?1");
	if (!st)
		return POLICY_ERR_DB;
	sqlite3_bind_int64(st, 1, seq);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == HASH_LEN) {
		memcpy(out, sqlite3_column_blob(st, 0), HASH_LEN);
		*found = true;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "reading the ledger");
}

static int cursor_step(policy_db *db, cursor *c)
{
	int rc = sqlite3_step(c->st);
	c->has_row = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? POLICY_OK : pol_sql_fail(db, "reading the ledger");
}

/* Hash of the cursor's current row computed from its stored columns. */
static void row_hash(cursor *c, const uint8_t prev[HASH_LEN], uint8_t out[HASH_LEN])
{
	EVP_MD_CTX *md = hash_begin(prev, c->table);
	if (!md) {
		memset(out, 0xff, HASH_LEN);
		return;
	}
	for (int k = 0; k < c->ncols; k++) {
		switch (sqlite3_column_type(c->st, k)) {
		case SQLITE_INTEGER:
			hash_int(md, sqlite3_column_int64(c->st, k));
			break;
		case SQLITE_NULL:
			EVP_DigestUpdate(md, "n", 1);
			break;
		case SQLITE_TEXT: {
			const unsigned char *t = sqlite3_column_text(c->st, k);
			hash_bytes(md, 't', t, (size_t)sqlite3_column_bytes(c->st, k));
			break;
		}
		default: { /* REAL or BLOB never written by us: hashed distinctly */
			const void *b = sqlite3_column_blob(c->st, k);
			hash_bytes(md, 'b', b ? b : "", (size_t)sqlite3_column_bytes(c->st, k));
		}
		}
	}
	hash_end(md, out);
}

static bool stored_hash(sqlite3_stmt *st, int col, uint8_t out[HASH_LEN])
{
	if (sqlite3_column_bytes(st, col) != HASH_LEN || sqlite3_column_type(st, col) != SQLITE_BLOB)
		return false;
	memcpy(out, sqlite3_column_blob(st, col), HASH_LEN);
	return true;
}

static void describe(cursor *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s row %s=%lld (seq %lld)", c->table, sqlite3_column_name(c->st, 0),
		 (long long)sqlite3_column_int64(c->st, 0), (long long)sqlite3_column_int64(c->st, 1));
}

static void anchor_mismatch(const policy_ledger_anchor *anchor, const uint8_t running[HASH_LEN],
                            policy_verify_result *out)
{
	char have[2 * HASH_LEN + 1], want[2 * HASH_LEN + 1];
	hex_encode(running, HASH_LEN, have);
	hex_encode(anchor->hash, HASH_LEN, want);
	snprintf(out->problem, sizeof out->problem,
		 "the chain's hash at seq %lld is %s but the anchor says %s: the ledger was rewritten at or before"
		 " that row", (long long)anchor->seq, have, want);
}

/* Checks rows in seq order across the cursors, and the anchor (may be
 * NULL) when its row is reached. Lock held. */
static int verify_rows(policy_db *db, cursor *cur, int ncur, const policy_ledger_anchor *anchor,
                       policy_verify_result *out, uint8_t running[HASH_LEN], int64_t *seq)
{
	char where[128];
	for (;;) {
		cursor *c = NULL;
		for (int k = 0; k < ncur; k++)
			if (cur[k].has_row && (!c || sqlite3_column_int64(cur[k].st, 1) < sqlite3_column_int64(c->st, 1)))
				c = &cur[k];
		if (!c)
			return POLICY_OK;
		describe(c, where, sizeof where);
		int64_t s = sqlite3_column_int64(c->st, 1);
		uint8_t prev[HASH_LEN], hash[HASH_LEN], want[HASH_LEN];
		if (s != *seq + 1) {
			snprintf(out->problem, sizeof out->problem, s <= *seq ? "%s: sequence number repeated (row inserted)"
					   : "%s: rows before it are missing (deleted), expected seq %lld", where,
				 (long long)(*seq + 1));
			return POLICY_OK;
		}
		if (!stored_hash(c->st, c->ncols, prev) || memcmp(prev, running, HASH_LEN)) {
			snprintf(out->problem, sizeof out->problem, "%s: does not link to the row before it (inserted or previous row edited)", where);
			return POLICY_OK;
		}
		row_hash(c, prev, want);
		if (!stored_hash(c->st, c->ncols + 1, hash) || memcmp(hash, want, HASH_LEN)) {
			snprintf(out->problem, sizeof out->problem, "%s: content does not match its hash (edited)", where);
			return POLICY_OK;
		}
		memcpy(running, hash, HASH_LEN);
		*seq = s;
		out->rows++;
		if (anchor && s == anchor->seq && memcmp(running, anchor->hash, HASH_LEN)) {
			anchor_mismatch(anchor, running, out);
			return POLICY_OK;
		}
		if (cursor_step(db, c))
			return POLICY_ERR_DB;
	}
}

static const char *const guard_triggers[] = {
	"sessions_append_only_u", "sessions_append_only_d", "ends_append_only_u",
	"ends_append_only_d",     "events_append_only_u",   "events_append_only_d",
};

static int check_triggers(policy_db *db, policy_verify_result *out)
{
	sqlite3_stmt *st = pol_prepare(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?");
	if (!st)
		return POLICY_ERR_DB;
	for (size_t k = 0; k < sizeof guard_triggers / sizeof guard_triggers[0] && !out->problem[0]; k++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, guard_triggers[k], -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0)
			snprintf(out->problem, sizeof out->problem, "append-only guard trigger %s was removed", guard_triggers[k]);
	}
	sqlite3_finalize(st);
	return POLICY_OK;
}

int policy_ledger_anchor_parse(const char *text, policy_ledger_anchor *out)
{
	memset(out, 0, sizeof *out);
	const char *p = text ? text : "";
	int64_t seq = 0;
	for (; *p >= '0' && *p <= '9' && seq <= (INT64_MAX - 9) / 10; p++)
		seq = seq * 10 + (*p - '0');
	const char *hex = p + 1;
	bool ok = p != text && *p == ':' && seq >= 1 && hex_decode(hex, strlen(hex), out->hash, HASH_LEN);
	if (!ok)
		return pol_fail(POLICY_ERR_INVALID,
		                "'%.80s' is not a ledger anchor: give SEQ:HASH as printed by a report or verify,"
		                " e.g. 42:<64 hex digits>", text ? text : "");
	out->seq = seq;
	return POLICY_OK;
}

int policy_ledger_verify(policy_db *db, policy_verify_result *out)
{
	return policy_ledger_verify_anchor(db, NULL, out);
}

/* The chain from `from` (NULL = its start) to the head, with an optional anchor to meet. */
static int verify_chain(policy_db *db, const policy_ledger_anchor *from, const policy_ledger_anchor *anchor,
                        policy_verify_result *out)
{
	memset(out, 0, sizeof *out);
	uint8_t running[HASH_LEN] = { 0 }, head[HASH_LEN];
	int64_t seq = 0, head_seq = 0;
	cursor cur[3] = { 0 };
	pol_lock(db);
	/* one read transaction: a consistent snapshot while the gate appends */
	int status = pol_exec(db, "BEGIN");
	if (!status)
		status = read_head(db, &head_seq, head);
	if (!status && from && from->seq > 0) {
		/* the row at from->seq must still carry the hash the earlier check ended on */
		bool found;
		status = stored_hash_at(db, from->seq, running, &found);
		if (!status && (!found || memcmp(running, from->hash, HASH_LEN)))
			snprintf(out->problem, sizeof out->problem,
				 found ? "the row at seq %lld no longer has the hash an earlier check ended on (rewritten)"
				       : "the row at seq %lld, where an earlier check ended, is gone (deleted)",
				 (long long)from->seq);
		memcpy(running, from->hash, HASH_LEN);
		seq = from->seq;
	}
	int64_t after = from ? from->seq : 0;
	if (!status && !out->problem[0] && !(status = cursor_open(db, &cur[0], "sessions", SESSION_COLS, after)) &&
	    !(status = cursor_open(db, &cur[1], "session_ends", END_COLS, after)) &&
	    !(status = cursor_open(db, &cur[2], "events", EVENT_COLS, after))) {
		for (int k = 0; k < 3 && !status; k++)
			status = cursor_step(db, &cur[k]);
		if (!status)
			status = verify_rows(db, cur, 3, anchor, out, running, &seq);
	}
	if (!status && !out->problem[0] && (seq != head_seq || memcmp(running, head, HASH_LEN)))
		snprintf(out->problem, sizeof out->problem,
			 "the chain ends at seq %lld but the ledger head records seq %lld: rows at the end were deleted or the head was edited",
			 (long long)seq, (long long)head_seq);
	if (!status && !out->problem[0] && anchor && seq < anchor->seq)
		snprintf(out->problem, sizeof out->problem,
			 "the anchor is at seq %lld but the ledger has only %lld rows: rows were removed, or the anchor is"
			 " from another ledger", (long long)anchor->seq, (long long)seq);
	if (!status && !out->problem[0])
		status = check_triggers(db, out);
	for (int k = 0; k < 3; k++)
		sqlite3_finalize(cur[k].st);
	pol_rollback(db);
	pol_unlock(db);
	hex_encode(running, HASH_LEN, out->head_hex);
	out->head_seq = seq;
	out->ok = !status && !out->problem[0];
	if (!status && !out->ok)
		WLog_WARN(POLICY_TAG, "ledger verification failed: %s", out->problem);
	return status;
}

int policy_ledger_verify_anchor(policy_db *db, const policy_ledger_anchor *anchor, policy_verify_result *out)
{
	return verify_chain(db, NULL, anchor, out);
}

int policy_ledger_verify_since(policy_db *db, const policy_ledger_anchor *from, policy_verify_result *out)
{
	return verify_chain(db, from, NULL, out);
}
