/* The online backup of the permit database (backup.h):
 * - the copy is a database of its own, mode 0600, whose ledger verifies with the same head as
 *   the source's;
 * - an existing file is never replaced (its bytes stay as they were), and no ".part" is left;
 * - copies taken while another connection (as the gate's) keeps appending ledger rows are each
 *   one consistent state: every copy's ledger verifies;
 * - `rmgate-policy backup FILE` writes the copy and reports its verified ledger head. */
#include "test_policy_common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "backup.h"

static void head_of(const char *path, policy_verify_result *r)
{
	policy_db *db = policy_open_readonly(path);
	assert_non_null(db);
	assert_int_equal(policy_ledger_verify(db, r), POLICY_OK);
	policy_close(db);
	assert_true(r->ok);
}

static void copy_verifies_with_the_same_head(void **state)
{
	(void)state;
	tdb *t = tdb_new();
	assert_int_equal(policy_section_add(t->db, "情報政策課", "課長", NULL), POLICY_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(policy_account_logon_failed(t->db, "nobody", "192.0.2.1", jst_us(2025, 5, 1, 10, i), NULL),
				 POLICY_OK);
	char copy[200];
	snprintf(copy, sizeof copy, "%s/backup.db", t->dir);
	int pages = 0;
	assert_int_equal(policy_backup(t->db, copy, &pages), POLICY_OK);
	assert_true(pages > 0);
	struct stat st;
	assert_int_equal(stat(copy, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char part[210];
	snprintf(part, sizeof part, "%s.part", copy);
	assert_int_not_equal(access(part, F_OK), 0);

	policy_verify_result live, saved;
	assert_int_equal(policy_ledger_verify(t->db, &live), POLICY_OK);
	head_of(copy, &saved);
	assert_int_equal(saved.rows, live.rows);
	assert_int_equal(saved.head_seq, live.head_seq);
	assert_string_equal(saved.head_hex, live.head_hex);
	tdb_free(t);
}

static void an_existing_file_is_never_replaced(void **state)
{
	(void)state;
	tdb *t = tdb_new();
	char copy[200];
	snprintf(copy, sizeof copy, "%s/evidence.db", t->dir);
	FILE *f = fopen(copy, "w");
	assert_non_null(f);
	fputs("earlier evidence", f);
	fclose(f);
	assert_int_equal(policy_backup(t->db, copy, NULL), POLICY_ERR_EXISTS);
	assert_non_null(strstr(policy_last_error(), "never overwritten"));
	char buf[64] = "";
	f = fopen(copy, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	assert_string_equal(buf, "earlier evidence");
	tdb_free(t);
}

typedef struct {
	const char *path;
	atomic_bool stop;
	int rows;
} writer_arg;

/* Another connection, as the gate's: appends refusal rows until told to stop. */
static void *writer(void *p)
{
	writer_arg *w = p;
	policy_db *db = policy_open_existing(w->path);
	assert_non_null(db);
	int64_t us = jst_us(2025, 6, 1, 9, 0);
	while (!atomic_load(&w->stop)) {
		char login[32];
		snprintf(login, sizeof login, "probe%d", w->rows);
		if (policy_account_logon_failed(db, login, "198.51.100.7", us, NULL) == POLICY_OK)
			w->rows++;
		us += 1000000;
	}
	policy_close(db);
	return NULL;
}

static void copies_during_writes_are_consistent(void **state)
{
	(void)state;
	tdb *t = tdb_new();
	writer_arg w = { .path = t->path };
	atomic_init(&w.stop, false);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, writer, &w), 0);
	int64_t last_rows = -1;
	for (int i = 0; i < 5; i++) {
		usleep(50000);
		char copy[200];
		snprintf(copy, sizeof copy, "%s/during-%d.db", t->dir, i);
		assert_int_equal(policy_backup(t->db, copy, NULL), POLICY_OK);
		policy_verify_result r;
		head_of(copy, &r);
		assert_true(r.rows >= last_rows);
		last_rows = r.rows;
	}
	atomic_store(&w.stop, true);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(w.rows > 0);
	print_message("5 copies while %d rows were appended; the last copy held %lld ledger rows\n", w.rows,
		      (long long)last_rows);
	tdb_free(t);
}

static void cli_backup_reports_the_verified_head(void **state)
{
	(void)state;
	tdb *t = tdb_new();
	assert_int_equal(policy_section_add(t->db, "情報政策課", "課長", NULL), POLICY_OK);
	char copy[200], out[4096], err[4096];
	snprintf(copy, sizeof copy, "%s/cli.db", t->dir);
	char *argv[] = { "rmgate-policy", "-d", t->path, "backup", copy };
	int rc = run_policy_cli(t->dir, 5, argv, NULL, out, sizeof out, err, sizeof err);
	if (rc != CLI_OK)
		fail_msg("exit %d: %s", rc, err);
	assert_non_null(strstr(out, "backup written: "));
	assert_non_null(strstr(out, " pages; its ledger ok: "));
	/* again: refused (exit 1) with the reason */
	assert_int_equal(run_policy_cli(t->dir, 5, argv, NULL, out, sizeof out, err, sizeof err), CLI_REFUSED);
	assert_non_null(strstr(err, "never overwritten"));
	tdb_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(copy_verifies_with_the_same_head),
		cmocka_unit_test(an_existing_file_is_never_replaced),
		cmocka_unit_test(copies_during_writes_are_consistent),
		cmocka_unit_test(cli_backup_reports_the_verified_head),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
