/* The ledger: session start/events/end, refused attempts, open sessions for
 * crash recovery, and the hash chain finding rows edited, deleted or
 * inserted directly in the database file (as with the sqlite3 tool). */
#include "test_policy_common.h"

#include <pthread.h>
#include <sqlite3.h>

static int setup(void **state)
{
	tdb *t = tdb_new();
	tdb_seed(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tdb_free(*state);
	return 0;
}

/* Two sessions (one ended), events, a refused attempt and a note. */
static void fill(tdb *t, int64_t *s1, int64_t *s2)
{
	int64_t permit = tpermit(t, tapp("Acme", "web", 2));
	policy_session_start s = { .permit_id = permit, .account_id = 1, .vendor_id = 1, .system_id = 3,
				   .login = "acme1", .source = "203.0.113.9", .client_name = "WS-01",
				   .client_build = 19041, .recording_id = "rec-1", .recording_path = "/var/rec/1.rec" };
	int64_t t0 = jst_us(2025, 6, 2, 10, 0);
	assert_int_equal(policy_ledger_session_start(t->db, t0, &s, s1), POLICY_OK);
	assert_int_equal(policy_ledger_event(t->db, *s1, t0 + 1000, POLICY_EV_CHANNEL_OFFERED, "cliprdr"), POLICY_OK);
	assert_int_equal(policy_ledger_event(t->db, *s1, t0 + 2000, POLICY_EV_CHANNEL_DENIED, "cliprdr"), POLICY_OK);
	policy_session_end e = { .end_us = t0 + 3600000000LL, .reason = POLICY_END_IDLE_TIMEOUT, .bytes = 123456,
				 .frames = 789, .idle_us = 900000000LL, .recording_path = "/var/rec/1.rec",
				 .recording_digest_hex = "ab12" };
	assert_int_equal(policy_ledger_session_end(t->db, *s1, &e), POLICY_OK);
	assert_int_equal(policy_ledger_refused(t->db, t0 + 5000, POLICY_DENY_SOURCE_NOT_ALLOWED, "acme1", "198.51.100.1",
					       "web", "source not allowed"), POLICY_OK);
	s.recording_id = "rec-2";
	assert_int_equal(policy_ledger_session_start(t->db, t0 + 7200000000LL, &s, s2), POLICY_OK);
	assert_int_equal(policy_ledger_note(t->db, *s1, t0 + 7300000000LL, "山田", "パッチ適用"), POLICY_OK);
}

static policy_verify_result verify(tdb *t)
{
	policy_verify_result v;
	assert_int_equal(policy_ledger_verify(t->db, &v), POLICY_OK);
	return v;
}

/* Runs SQL on the file through a separate connection, as an attacker would. */
static void tamper(tdb *t, const char *sql)
{
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
	char *err = NULL;
	int rc = sqlite3_exec(raw, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fail_msg("tamper SQL failed: %s", err ? err : "?");
	sqlite3_close(raw);
}

static const char DROP_GUARDS[] = "DROP TRIGGER sessions_append_only_u; DROP TRIGGER sessions_append_only_d;"
				  "DROP TRIGGER ends_append_only_u; DROP TRIGGER ends_append_only_d;"
				  "DROP TRIGGER events_append_only_u; DROP TRIGGER events_append_only_d;";

static void an_untouched_ledger_verifies(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	policy_verify_result v = verify(t);
	assert_true(v.ok);
	assert_int_equal(v.rows, 7);
	assert_int_equal(strlen(v.head_hex), 64);
}

static void an_empty_ledger_verifies(void **state)
{
	tdb *t = *state;
	policy_verify_result v = verify(t);
	assert_true(v.ok);
	assert_int_equal(v.rows, 0);
}

static void the_database_refuses_updates_and_deletes_of_ledger_rows(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(raw, "UPDATE sessions SET login = 'x'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(raw, "DELETE FROM events", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_true(verify(t).ok);
}

static void an_edited_row_is_found_and_named(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	tamper(t, DROP_GUARDS);
	tamper(t, "UPDATE session_ends SET end_us = end_us - 1800000000");
	policy_verify_result v = verify(t);
	assert_false(v.ok);
	assert_non_null(strstr(v.problem, "session_ends row session_id=1"));
	assert_non_null(strstr(v.problem, "edited"));
}

static void an_edited_stored_hash_is_found(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	tamper(t, DROP_GUARDS);
	tamper(t, "UPDATE sessions SET hash = zeroblob(32) WHERE id = 1");
	policy_verify_result v = verify(t);
	assert_false(v.ok);
	assert_non_null(strstr(v.problem, "sessions row id=1"));
}

static void a_deleted_row_in_the_middle_is_found(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	tamper(t, DROP_GUARDS);
	tamper(t, "DELETE FROM events WHERE type = 'refused'");
	policy_verify_result v = verify(t);
	assert_false(v.ok);
	assert_non_null(strstr(v.problem, "deleted"));
}

static void a_deleted_last_row_is_found(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	tamper(t, DROP_GUARDS);
	tamper(t, "DELETE FROM events WHERE type = 'note'");
	policy_verify_result v = verify(t);
	assert_false(v.ok);
	assert_non_null(strstr(v.problem, "ledger head"));
}

static void an_inserted_row_is_found(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	/* a forged event copied from a real one, given a new id and the next seq */
	tamper(t, "INSERT INTO events(id, seq, session_id, at_us, type, detail, prev_hash, hash)"
		  " SELECT 99, (SELECT seq FROM ledger_head) + 1, session_id, at_us, 'note', 'forged', hash, hash"
		  " FROM events ORDER BY seq DESC LIMIT 1");
	policy_verify_result v = verify(t);
	assert_false(v.ok);
	assert_non_null(strstr(v.problem, "events row id=99"));
}

static void an_inserted_row_with_a_reused_sequence_number_is_found(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	tamper(t, "INSERT INTO session_ends(session_id, seq, end_us, reason, bytes, frames, idle_us, prev_hash, hash)"
		  " SELECT 2, 3, 1, 'client_disconnect', 0, 0, 0, prev_hash, hash FROM sessions WHERE id = 1");
	policy_verify_result v = verify(t);
	assert_false(v.ok);
}

static void removing_the_guard_triggers_is_reported(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	tamper(t, "DROP TRIGGER events_append_only_d");
	policy_verify_result v = verify(t);
	assert_false(v.ok);
	assert_non_null(strstr(v.problem, "events_append_only_d"));
}

static void a_session_ends_once(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	policy_session_end e = { .end_us = 1, .reason = POLICY_END_CLIENT_DISCONNECT };
	assert_int_equal(policy_ledger_session_end(t->db, s1, &e), POLICY_ERR_STATE);
	assert_int_equal(policy_ledger_session_end(t->db, 777, &e), POLICY_ERR_NOT_FOUND);
	e.reason = POLICY_END_COUNT;
	assert_int_equal(policy_ledger_session_end(t->db, s2, &e), POLICY_ERR_INVALID);
	assert_true(verify(t).ok);
}

/* An officer's order to end a live session: only an open session, only with who and why;
 * the gate's poll sees it; the order is a chained ledger row. */
static void an_end_order_needs_an_open_session_an_actor_and_a_reason(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	bool requested = true;
	assert_int_equal(policy_session_end_requested(t->db, s2, &requested), POLICY_OK);
	assert_false(requested);
	assert_int_equal(policy_ledger_request_end(t->db, s2, 10, "", "scope"), POLICY_ERR_INVALID);
	assert_int_equal(policy_ledger_request_end(t->db, s2, 10, "CISO", NULL), POLICY_ERR_INVALID);
	assert_int_equal(policy_ledger_request_end(t->db, s1, 10, "CISO", "scope"), POLICY_ERR_STATE);
	assert_int_equal(policy_ledger_request_end(t->db, 777, 10, "CISO", "scope"), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_session_end_requested(t->db, s2, &requested), POLICY_OK);
	assert_false(requested);
	assert_int_equal(policy_ledger_request_end(t->db, s2, 10, "副CISO 佐藤", "作業範囲外の操作"), POLICY_OK);
	assert_int_equal(policy_session_end_requested(t->db, s2, &requested), POLICY_OK);
	assert_true(requested);
	assert_int_equal(policy_session_end_requested(t->db, s1, &requested), POLICY_OK);
	assert_false(requested);
	assert_true(verify(t).ok);
	assert_string_equal(policy_end_name(POLICY_END_TERMINATED), "terminated");
}

static void open_sessions_are_listed_for_crash_recovery(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	policy_open_session *open;
	size_t n;
	assert_int_equal(policy_sessions_open(t->db, &open, &n), POLICY_OK);
	assert_int_equal(n, 1);
	assert_int_equal(open[0].session_id, s2);
	assert_string_equal(open[0].recording_id, "rec-2");
	assert_string_equal(open[0].login, "acme1");
	policy_open_sessions_free(open, n);
	policy_session_end e = { .end_us = jst_us(2025, 6, 2, 13, 0), .reason = POLICY_END_ABORTED };
	assert_int_equal(policy_ledger_session_end(t->db, s2, &e), POLICY_OK);
	assert_int_equal(policy_sessions_open(t->db, &open, &n), POLICY_OK);
	assert_int_equal(n, 0);
	policy_open_sessions_free(open, n);
}

static void session_start_needs_login_and_source(void **state)
{
	tdb *t = *state;
	policy_session_start s = { .login = "acme1" };
	int64_t id;
	assert_int_equal(policy_ledger_session_start(t->db, 1, &s, &id), POLICY_ERR_INVALID);
	assert_int_equal(policy_ledger_event(t->db, 0, 1, "", NULL), POLICY_ERR_INVALID);
	assert_int_equal(policy_ledger_refused(t->db, 1, POLICY_DENY_NONE, "x", "::1", NULL, NULL), POLICY_ERR_INVALID);
	assert_int_equal(policy_ledger_event(t->db, 4711, 1, "x", NULL), POLICY_ERR_NOT_FOUND);
	assert_int_equal(verify(t).rows, 0);
}

static void over_long_texts_from_the_network_are_cut(void **state)
{
	tdb *t = *state;
	size_t n = 100000;
	char *big = malloc(n + 1);
	memset(big, 'A', n);
	big[n] = '\0';
	policy_session_start s = { .login = big, .source = "::1", .client_name = big };
	int64_t id;
	assert_int_equal(policy_ledger_session_start(t->db, 1, &s, &id), POLICY_OK);
	free(big);
	assert_true(verify(t).ok);
}

static void a_read_only_database_gives_a_clear_error_and_changes_nothing(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	policy_db *ro = policy_open_readonly(t->path);
	assert_non_null(ro);
	assert_int_equal(policy_vendor_add(ro, "Blocked", NULL, NULL), POLICY_ERR_DB);
	assert_non_null(strstr(policy_last_error(), "read-only"));
	assert_int_equal(policy_ledger_event(ro, 0, 1, "x", NULL), POLICY_ERR_DB);
	policy_verify_result v;
	assert_int_equal(policy_ledger_verify(ro, &v), POLICY_OK); /* reading still works */
	assert_true(v.ok);
	policy_close(ro);
	assert_int_equal(verify(t).rows, 7);
	assert_int_equal(policy_vendor_add(t->db, "Blocked", NULL, NULL), POLICY_OK); /* it was not added before */
}

static void a_locked_database_gives_a_clear_error_and_changes_nothing(void **state)
{
	tdb *t = *state;
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	policy_set_busy_timeout(t->db, 10);
	int64_t id;
	assert_int_equal(policy_vendor_add(t->db, "Blocked", NULL, &id), POLICY_ERR_DB);
	assert_non_null(strstr(policy_last_error(), "locked"));
	assert_int_equal(policy_ledger_event(t->db, 0, 1, "x", NULL), POLICY_ERR_DB);
	sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(raw);
	assert_int_equal(verify(t).rows, 0);
	assert_int_equal(policy_vendor_add(t->db, "Blocked", NULL, &id), POLICY_OK);
}

/* Two handles on one file stand for the gate and a concurrent rmgate-policy
 * process (separate connections, no shared mutex). */
#define RACE_ROWS 300

typedef struct {
	policy_db *db;
	int failures;
	char error[256];
} racer;

static void *race_appends(void *arg)
{
	racer *r = arg;
	policy_session_start s = { .login = "acme1", .source = "203.0.113.9" };
	for (int i = 0; i < RACE_ROWS; i++) {
		int64_t id;
		char source[32]; /* 50 sources, 2 refusals each: none is aggregated (policy_ledger_refused) */
		snprintf(source, sizeof source, "198.51.100.%d", i / 3 % 50);
		int rc = i % 3 == 0 ? policy_ledger_session_start(r->db, i, &s, &id)
			 : i % 3 == 1 ? policy_ledger_event(r->db, 0, i, "race", NULL)
				      : policy_ledger_refused(r->db, i, POLICY_DENY_UNKNOWN_ACCOUNT, "x", source, NULL, NULL);
		if (rc != POLICY_OK && r->failures++ == 0)
			snprintf(r->error, sizeof r->error, "%s", policy_last_error());
	}
	return NULL;
}

static void two_processes_appending_at_once_lose_nothing(void **state)
{
	tdb *t = *state;
	racer r[2] = { { .db = t->db }, { .db = policy_open_existing(t->path) } };
	assert_non_null(r[1].db);
	for (int k = 0; k < 2; k++)
		policy_set_busy_timeout(r[k].db, 60000);
	pthread_t th[2];
	for (int k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&th[k], NULL, race_appends, &r[k]), 0);
	for (int k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	policy_close(r[1].db);
	for (int k = 0; k < 2; k++)
		if (r[k].failures)
			fail_msg("handle %d: %d appends failed, first: %s", k, r[k].failures, r[k].error);
	policy_verify_result v = verify(t);
	assert_true(v.ok);
	assert_int_equal(v.rows, 2 * RACE_ROWS);
}

/* The anchor a report prints for the current head. */
static policy_ledger_anchor anchor_now(tdb *t)
{
	policy_verify_result v = verify(t);
	assert_true(v.ok);
	char text[96];
	snprintf(text, sizeof text, "%lld:%s", (long long)v.head_seq, v.head_hex);
	policy_ledger_anchor a;
	assert_int_equal(policy_ledger_anchor_parse(text, &a), POLICY_OK);
	assert_int_equal(a.seq, v.head_seq);
	return a;
}

static void anchors_are_parsed_strictly(void **state)
{
	(void)state;
	policy_ledger_anchor a;
	char good[80] = "12:0aF0";
	for (int i = 4; i < 64; i++)
		strcat(good, "0");
	assert_int_equal(policy_ledger_anchor_parse(good, &a), POLICY_OK);
	assert_int_equal(a.seq, 12);
	assert_int_equal(a.hash[0], 0x0a);
	assert_int_equal(a.hash[1], 0xf0);
	const char *bad[] = { NULL, "", "12", "12:", ":00", "0:" , "-1:00", "x:00", "12:abc" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(policy_ledger_anchor_parse(bad[i], &a), POLICY_ERR_INVALID);
	char text[80];
	snprintf(text, sizeof text, "0%s", good + 2); /* seq 0 */
	assert_int_equal(policy_ledger_anchor_parse(text, &a), POLICY_ERR_INVALID);
	snprintf(text, sizeof text, "%sg", good); /* 65 digits */
	assert_int_equal(policy_ledger_anchor_parse(text, &a), POLICY_ERR_INVALID);
	good[40] = 'g';
	assert_int_equal(policy_ledger_anchor_parse(good, &a), POLICY_ERR_INVALID);
	assert_non_null(strstr(policy_last_error(), "SEQ:HASH"));
}

static void a_printed_anchor_verifies_after_later_appends(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	policy_ledger_anchor a = anchor_now(t);
	assert_int_equal(a.seq, 7);
	assert_int_equal(policy_ledger_event(t->db, s2, 1, "later", NULL), POLICY_OK);
	policy_verify_result v;
	assert_int_equal(policy_ledger_verify_anchor(t->db, &a, &v), POLICY_OK);
	assert_true(v.ok);
	assert_int_equal(v.head_seq, 8);
	a.hash[31] ^= 1;
	assert_int_equal(policy_ledger_verify_anchor(t->db, &a, &v), POLICY_OK);
	assert_false(v.ok);
	assert_non_null(strstr(v.problem, "at seq 7"));
}

static void an_anchor_past_the_end_fails(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	policy_ledger_anchor a = anchor_now(t);
	a.seq = 8;
	policy_verify_result v;
	assert_int_equal(policy_ledger_verify_anchor(t->db, &a, &v), POLICY_OK);
	assert_false(v.ok);
	assert_non_null(strstr(v.problem, "only 7 rows"));
}

static void a_fully_rewritten_chain_passes_verify_but_not_its_anchor(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	policy_ledger_anchor a = anchor_now(t);
	/* the forger writes another history of 8 rows with the real code */
	tdb *f = tdb_new();
	policy_session_start s = { .login = "acme1", .source = "203.0.113.9" };
	for (int i = 0; i < 8; i++)
		assert_int_equal(policy_ledger_session_start(f->db, i, &s, &s1), POLICY_OK);
	tledger_rewrite(t->path, f->path);
	tdb_free(f);
	policy_verify_result v = verify(t);
	assert_true(v.ok); /* the chain alone cannot tell */
	assert_int_equal(v.rows, 8);
	assert_int_equal(policy_ledger_verify_anchor(t->db, &a, &v), POLICY_OK);
	assert_false(v.ok);
	assert_non_null(strstr(v.problem, "rewritten"));
}

/* ---- incremental checks (policy_ledger_verify_since: the console every minute) ---- */

static policy_ledger_anchor anchor_of(const policy_verify_result *v)
{
	policy_ledger_anchor a;
	char text[96];
	snprintf(text, sizeof text, "%lld:%s", (long long)v->head_seq, v->head_hex);
	assert_int_equal(policy_ledger_anchor_parse(text, &a), POLICY_OK);
	return a;
}

static void a_check_since_reads_only_the_new_rows_and_reaches_the_same_head(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	policy_verify_result before = verify(t);
	policy_ledger_anchor from = anchor_of(&before);
	policy_verify_result v;
	assert_int_equal(policy_ledger_verify_since(t->db, &from, &v), POLICY_OK);
	assert_true(v.ok);
	assert_int_equal(v.rows, 0);
	assert_string_equal(v.head_hex, before.head_hex);
	assert_int_equal(policy_ledger_event(t->db, s2, jst_us(2025, 6, 2, 13, 0), POLICY_EV_CHANNEL_DENIED, "rdpdr"),
			 POLICY_OK);
	assert_int_equal(policy_ledger_verify_since(t->db, &from, &v), POLICY_OK);
	assert_true(v.ok);
	assert_int_equal(v.rows, 1);
	assert_int_equal(v.head_seq, before.head_seq + 1);
	assert_string_equal(v.head_hex, verify(t).head_hex);
	/* seq 0: from the start, as a full check */
	policy_ledger_anchor start = { .seq = 0 };
	assert_int_equal(policy_ledger_verify_since(t->db, &start, &v), POLICY_OK);
	assert_true(v.ok);
	assert_int_equal(v.rows, 8);
}

static void a_check_since_finds_a_new_row_edited(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	policy_verify_result before = verify(t);
	policy_ledger_anchor from = anchor_of(&before);
	assert_int_equal(policy_ledger_event(t->db, s2, jst_us(2025, 6, 2, 13, 0), POLICY_EV_CHANNEL_DENIED, "rdpdr"),
			 POLICY_OK);
	tamper(t, DROP_GUARDS);
	tamper(t, "UPDATE events SET detail = 'cliprdr' WHERE detail = 'rdpdr'");
	policy_verify_result v;
	assert_int_equal(policy_ledger_verify_since(t->db, &from, &v), POLICY_OK);
	assert_false(v.ok);
	assert_non_null(strstr(v.problem, "edited"));
}

static void a_check_since_finds_the_rows_it_started_from_rewritten_or_deleted(void **state)
{
	tdb *t = *state;
	int64_t s1, s2;
	fill(t, &s1, &s2);
	policy_verify_result before = verify(t);
	policy_ledger_anchor from = anchor_of(&before);
	tamper(t, DROP_GUARDS);
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE events SET hash = zeroblob(32) WHERE seq = %lld;"
				  "UPDATE sessions SET hash = zeroblob(32) WHERE seq = %lld",
		 (long long)from.seq, (long long)from.seq);
	tamper(t, sql);
	policy_verify_result v;
	assert_int_equal(policy_ledger_verify_since(t->db, &from, &v), POLICY_OK);
	assert_false(v.ok);
	assert_non_null(strstr(v.problem, "rewritten"));
	snprintf(sql, sizeof sql, "DELETE FROM events WHERE seq = %lld; DELETE FROM sessions WHERE seq = %lld",
		 (long long)from.seq, (long long)from.seq);
	tamper(t, sql);
	assert_int_equal(policy_ledger_verify_since(t->db, &from, &v), POLICY_OK);
	assert_false(v.ok);
	assert_non_null(strstr(v.problem, "deleted"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(an_untouched_ledger_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(an_end_order_needs_an_open_session_an_actor_and_a_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(an_empty_ledger_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(the_database_refuses_updates_and_deletes_of_ledger_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(an_edited_row_is_found_and_named, setup, teardown),
		cmocka_unit_test_setup_teardown(an_edited_stored_hash_is_found, setup, teardown),
		cmocka_unit_test_setup_teardown(a_deleted_row_in_the_middle_is_found, setup, teardown),
		cmocka_unit_test_setup_teardown(a_deleted_last_row_is_found, setup, teardown),
		cmocka_unit_test_setup_teardown(an_inserted_row_is_found, setup, teardown),
		cmocka_unit_test_setup_teardown(an_inserted_row_with_a_reused_sequence_number_is_found, setup, teardown),
		cmocka_unit_test_setup_teardown(removing_the_guard_triggers_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(a_session_ends_once, setup, teardown),
		cmocka_unit_test_setup_teardown(open_sessions_are_listed_for_crash_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(session_start_needs_login_and_source, setup, teardown),
		cmocka_unit_test_setup_teardown(over_long_texts_from_the_network_are_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(a_read_only_database_gives_a_clear_error_and_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(a_locked_database_gives_a_clear_error_and_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(two_processes_appending_at_once_lose_nothing, setup, teardown),
		cmocka_unit_test(anchors_are_parsed_strictly),
		cmocka_unit_test_setup_teardown(a_printed_anchor_verifies_after_later_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(an_anchor_past_the_end_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(a_fully_rewritten_chain_passes_verify_but_not_its_anchor, setup, teardown),
		cmocka_unit_test_setup_teardown(a_check_since_reads_only_the_new_rows_and_reaches_the_same_head, setup, teardown),
		cmocka_unit_test_setup_teardown(a_check_since_finds_a_new_row_edited, setup, teardown),
		cmocka_unit_test_setup_teardown(a_check_since_finds_the_rows_it_started_from_rewritten_or_deleted, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
