/* Recordings' retention and removal (retention.h), attacked the ways evidence could be lost:
 * - with no retention set, nothing is removed (refused with a sentence);
 * - an age below the retention is refused, and nothing is removed;
 * - a recording of a session still open in the ledger is never removed, however old;
 * - a recording younger than the age asked for stays;
 * - a symbolic link with a recording's name, and files that are no recording of the ledger,
 *   are left alone;
 * - a dry run lists exactly what a real run then removes, and writes and deletes nothing;
 * - every removed file has its ledger row (session id, file, digest) and the ledger verifies;
 * - setting the retention is a ledger row naming who set it;
 * - `rmgate-policy retention set` and `recordings prune` do the same from the command line. */
#include "test_policy_common.h"

#include <sys/stat.h>

#include "retention.h"

#define DAY_US (86400LL * 1000000)

typedef struct {
	tdb *t;
	char rec_dir[200];
	int64_t now;
} fixture;

static void touch(const char *dir, const char *name)
{
	char path[400];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("pcap", f);
	fclose(f);
}

static bool exists(const char *dir, const char *name)
{
	char path[400];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

/* A session that started `age_days` ago with recording NAME; ended unless open. */
static int64_t session(fixture *f, const char *name, int age_days, bool open)
{
	char path[300];
	snprintf(path, sizeof path, "./var/recordings/%s", name); /* as the gate stores it */
	policy_session_start s = { .login = "acme", .source = "192.0.2.10", .recording_id = name, .recording_path = path };
	int64_t id = 0, start = f->now - (int64_t)age_days * DAY_US;
	assert_int_equal(policy_ledger_session_start(f->t->db, start, &s, &id), POLICY_OK);
	if (!open) {
		policy_session_end e = { .end_us = start + 3600LL * 1000000, .reason = POLICY_END_CLIENT_DISCONNECT,
					 .recording_path = path, .recording_digest_hex = "ab12" };
		assert_int_equal(policy_ledger_session_end(f->t->db, id, &e), POLICY_OK);
	}
	touch(f->rec_dir, name);
	return id;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	f->t = tdb_new();
	snprintf(f->rec_dir, sizeof f->rec_dir, "%s/db/recordings", f->t->dir);
	mkdir(f->rec_dir, 0700);
	f->now = jst_us(2026, 12, 1, 12, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tdb_free(f->t);
	free(f);
	return 0;
}

static int listed;
static void count_each(void *ctx, const policy_pruned_recording *r)
{
	(void)ctx;
	(void)r;
	listed++;
}

static void nothing_is_removed_without_a_retention(void **state)
{
	fixture *f = *state;
	session(f, "old.pcap", 400, false);
	int n = -1;
	assert_int_equal(policy_recordings_prune(f->t->db, f->rec_dir, 365, f->now, false, "Ito", NULL, NULL, &n),
			 POLICY_ERR_INVALID);
	assert_non_null(strstr(policy_last_error(), "no retention is set"));
	assert_true(exists(f->rec_dir, "old.pcap"));
}

static void an_age_below_the_retention_is_refused(void **state)
{
	fixture *f = *state;
	session(f, "old.pcap", 400, false);
	assert_int_equal(policy_retention_set(f->t->db, 365, "情報政策課 伊藤", f->now), POLICY_OK);
	assert_int_equal(tdb_raw_count(f->t->path, "SELECT COUNT(*) FROM events WHERE type = 'retention_set'"
						   " AND actor = '情報政策課 伊藤' AND detail = 'recordings 365 days (none before)'"),
			 1);
	assert_int_equal(policy_recordings_prune(f->t->db, f->rec_dir, 364, f->now, false, "Ito", NULL, NULL, NULL),
			 POLICY_ERR_INVALID);
	assert_non_null(strstr(policy_last_error(), "kept 365 days"));
	assert_true(exists(f->rec_dir, "old.pcap"));
}

static void only_old_ended_recordings_go_each_with_its_row(void **state)
{
	fixture *f = *state;
	int64_t old1 = session(f, "old1.pcap", 400, false);
	session(f, "old2.pcap", 500, false);
	session(f, "young.pcap", 100, false);
	session(f, "open-old.pcap", 600, true); /* never ended: crash before recovery */
	session(f, "linked.pcap", 700, false);
	touch(f->rec_dir, "stray.pcap"); /* no session names it */
	/* linked.pcap becomes a symbolic link to a file outside */
	char target[300], link_path[300];
	snprintf(target, sizeof target, "%s/outside.txt", f->t->dir);
	snprintf(link_path, sizeof link_path, "%s/linked.pcap", f->rec_dir);
	FILE *o = fopen(target, "w");
	fputs("keep", o);
	fclose(o);
	unlink(link_path);
	assert_int_equal(symlink(target, link_path), 0);
	assert_int_equal(policy_retention_set(f->t->db, 365, "Ito", f->now), POLICY_OK);

	/* dry run: lists the two old ended ones, changes nothing */
	int n = 0;
	listed = 0;
	int rows_before = tdb_raw_count(f->t->path, "SELECT COUNT(*) FROM events");
	assert_int_equal(policy_recordings_prune(f->t->db, f->rec_dir, 365, f->now, true, NULL, count_each, NULL, &n),
			 POLICY_OK);
	assert_int_equal(n, 2);
	assert_int_equal(listed, 2);
	assert_true(exists(f->rec_dir, "old1.pcap") && exists(f->rec_dir, "old2.pcap"));
	assert_int_equal(tdb_raw_count(f->t->path, "SELECT COUNT(*) FROM events"), rows_before);

	/* the real run removes those two and nothing else */
	assert_int_equal(policy_recordings_prune(f->t->db, f->rec_dir, 365, f->now, false, "Ito", NULL, NULL, &n),
			 POLICY_OK);
	assert_int_equal(n, 2);
	assert_false(exists(f->rec_dir, "old1.pcap"));
	assert_false(exists(f->rec_dir, "old2.pcap"));
	assert_true(exists(f->rec_dir, "young.pcap"));
	assert_true(exists(f->rec_dir, "open-old.pcap"));
	assert_true(exists(f->rec_dir, "linked.pcap"));
	assert_true(exists(f->t->dir, "outside.txt"));
	assert_true(exists(f->rec_dir, "stray.pcap"));
	char sql[300];
	snprintf(sql, sizeof sql,
		 "SELECT COUNT(*) FROM events WHERE type = 'recording_pruned' AND actor = 'Ito'"
		 " AND detail = 'session %lld: old1.pcap (digest ab12)'",
		 (long long)old1);
	assert_int_equal(tdb_raw_count(f->t->path, sql), 1);
	assert_int_equal(tdb_raw_count(f->t->path, "SELECT COUNT(*) FROM events WHERE type = 'recording_pruned'"), 2);
	/* the sessions stay in the ledger, and it verifies */
	assert_int_equal(tdb_raw_count(f->t->path, "SELECT COUNT(*) FROM sessions"), 5);
	policy_verify_result r;
	assert_int_equal(policy_ledger_verify(f->t->db, &r), POLICY_OK);
	assert_true(r.ok);
	/* again: nothing left to remove */
	assert_int_equal(policy_recordings_prune(f->t->db, f->rec_dir, 365, f->now, false, "Ito", NULL, NULL, &n),
			 POLICY_OK);
	assert_int_equal(n, 0);
}

static void the_command_line_does_the_same(void **state)
{
	fixture *f = *state;
	/* sessions ended long ago by the real clock, so the CLI's "now" removes them */
	f->now = policy_now_us();
	session(f, "cli-old.pcap", 800, false);
	session(f, "cli-young.pcap", 1, false);
	char out[4096], err[4096];
	char *set[] = { "rmgate-policy", "-d", f->t->path, "retention", "set", "730", "--by", "Ito" };
	assert_int_equal(run_policy_cli(f->t->dir, 8, set, NULL, out, sizeof out, err, sizeof err), CLI_OK);
	assert_non_null(strstr(out, "kept 730 days"));
	char *young[] = { "rmgate-policy", "-d", f->t->path, "recordings", "prune", "--older-than=30", "--by", "Ito" };
	assert_int_equal(run_policy_cli(f->t->dir, 8, young, NULL, out, sizeof out, err, sizeof err), CLI_REFUSED);
	assert_non_null(strstr(err, "too young"));
	char *dry[] = { "rmgate-policy", "-d", f->t->path, "recordings", "prune", "--older-than", "730", "--dry-run" };
	assert_int_equal(run_policy_cli(f->t->dir, 8, dry, NULL, out, sizeof out, err, sizeof err), CLI_OK);
	assert_non_null(strstr(out, "would remove session"));
	assert_non_null(strstr(out, "cli-old.pcap"));
	assert_true(exists(f->rec_dir, "cli-old.pcap"));
	char *real[] = { "rmgate-policy", "-d", f->t->path, "recordings", "prune", "--older-than", "730", "--by", "Ito" };
	assert_int_equal(run_policy_cli(f->t->dir, 9, real, NULL, out, sizeof out, err, sizeof err), CLI_OK);
	assert_non_null(strstr(out, "1 recording(s) removed"));
	assert_false(exists(f->rec_dir, "cli-old.pcap"));
	assert_true(exists(f->rec_dir, "cli-young.pcap"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(nothing_is_removed_without_a_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(an_age_below_the_retention_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(only_old_ended_recordings_go_each_with_its_row, setup, teardown),
		cmocka_unit_test_setup_teardown(the_command_line_does_the_same, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
