/* The product's admission (gate_permits) and session audit (gate_audit) on a real SQLite
 * ledger and real recording files: who is let in, what the ledger and the recording keep,
 * and when a live session must end.
 *
 * One process per session: the monitor decides (gate_permits_decide) and keeps the audit;
 * the worker writes the recording on the descriptor it is given (gate_recorder) and reports
 * events, input, ticks and its end over a socket. Here the two halves are composed directly:
 * the recorder's report table calls the audit as the monitor does on those messages
 * (gate_monitor.c: a report after the end is outside the session and never reaches it). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "account.h"
#include "admin.h"
#include "gate_audit.h"
#include "gate_limits.h"
#include "gate_permits.h"
#include "gate_recorder.h"
#include "ledger.h"
#include "permit.h"
#include "rec_reader.h"
#include "secret.h"

#define US_PER_S 1000000LL

typedef struct {
	char dir[256], db_path[300], rec_dir[300];
	policy_db *db;
	int64_t permit_id;
	gate_permits permits;
} fixture;

/* The networks of the Table 1 test systems: the tests connect from loopback. */
static const char *const LOOPBACK_NETWORKS[] = { "127.0.0.0/8", "::1" };

static void today_jst(char *out, size_t len, int days_from_now)
{
	time_t t = time(NULL) + 9 * 3600 + days_from_now * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d", &tm);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/rmgate-test-admission-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db_path, sizeof(f->db_path), "%s/rmgate.db", f->dir);
	snprintf(f->rec_dir, sizeof(f->rec_dir), "%s/recordings", f->dir);
	f->db = policy_open(f->db_path);
	assert_non_null(f->db);
	policy_set_pbkdf2_iterations(f->db, 1000);

	assert_int_equal(policy_section_add(f->db, "Resident Services", "Officer Sato", NULL), 0);
	assert_int_equal(policy_vendor_add(f->db, "Acme Systems", NULL, NULL), 0);
	policy_system_spec sys = { .name = "juki", .cls = POLICY_CLASS_LGWAN, .host = "127.0.0.1",
		                   .port = 3390, .section = "Resident Services",
		                   .networks = LOOPBACK_NETWORKS, .n_networks = 2 };
	assert_int_equal(policy_system_add(f->db, &sys, NULL), 0);
	assert_int_equal(policy_account_add(f->db, "Acme Systems", "acme1", "s3cret!", NULL), 0);

	/* A permit for today only, inside the fiscal year and the contract. */
	char today[16];
	today_jst(today, sizeof(today), 0);
	policy_permit_application app = { .section = "Resident Services", .vendor = "Acme Systems",
		                          .system = "juki", .purpose = "monthly maintenance",
		                          .from = today, .to = today, .contract_from = today,
		                          .contract_to = today, .table = 1, .confirm_all = true };
	assert_int_equal(policy_permit_apply(f->db, &app, policy_now_us(), &f->permit_id), 0);
	assert_int_equal(policy_permit_step_apply(f->db, f->permit_id, POLICY_STEP_APPROVE,
	                                          "Deputy CISO", "ok", policy_now_us()), 0);

	f->permits = (gate_permits){ .db = f->db, .recordings_dir = f->rec_dir,
		                     .permit_poll_ms = 1 };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	policy_close(f->db);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static gate_admission_request request(const char *user, const char *password)
{
	return (gate_admission_request){ .user = user, .domain = "", .password = password,
		                         .client_address = "127.0.0.1", .client_name = "VENDOR-PC",
		                         .client_build = 2600, .width = 64, .height = 48,
		                         .keyboard_layout = 0x409 };
}

/* Reads one text column of the single row a query returns ("" when none). */
static void query_text(const char *db_path, const char *sql, char *out, size_t len)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	out[0] = 0;
	assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* ---- the monitor's and the worker's halves of one session ---- */

/* The monitor's side: what gate_monitor.c does with the worker's reports while the session
 * is admitted. After the worker's end a report is outside the session: the monitor refuses it
 * (and kills the worker), so it never reaches the audit; it is counted here. */
typedef struct {
	gate_audit *audit;
	bool ended;
	unsigned events, inputs, ends;
	unsigned late_reports;
} monitor_side;

static void report_event(void *ctx, gate_event_type type, const char *detail)
{
	monitor_side *m = ctx;
	if (m->ended) {
		m->late_reports++;
		return;
	}
	m->events++;
	gate_audit_event(m->audit, type, detail);
}

static void report_input(void *ctx)
{
	monitor_side *m = ctx;
	if (m->ended) {
		m->late_reports++;
		return;
	}
	m->inputs++;
	gate_audit_input(m->audit);
}

/* The worker asks for the monitor's verdict; the monitor stops ticking a session that ended. */
static const char *report_tick(void *ctx, UINT32 *error_info)
{
	monitor_side *m = ctx;
	if (m->ended)
		return NULL;
	gate_audit_note note; /* the idle warning for the recording: not used here */
	const char *why = gate_audit_tick(m->audit, &note);
	*error_info = gate_audit_error_info(m->audit);
	return why;
}

static void report_end(void *ctx, const char *reason, uint64_t frames)
{
	monitor_side *m = ctx;
	if (m->ended) {
		m->late_reports++;
		return;
	}
	m->ends++;
	m->ended = true;
	gate_audit_end(m->audit, reason, frames);
}

/* The worker's side: the recorder on the descriptor of the decision, as gate_worker.c builds
 * it from the decision message. s must stay where it is while the session runs. */
typedef struct {
	monitor_side mon;
	gate_recorder *rec;
	gate_observer obs;
	char recording_path[1024];
} worker_session;

static void worker_start(worker_session *s, gate_audit *audit, int fd, const gate_admission_request *req)
{
	memset(s, 0, sizeof(*s));
	s->mon.audit = audit;
	snprintf(s->recording_path, sizeof(s->recording_path), "%s", gate_audit_recording_path(audit));
	gate_audit_recording r = gate_audit_recording_of(audit);
	rec_session_info info = { .session_id = r.recording_id,
		                  .permit_id = r.permit_id,
		                  .vendor_id = r.vendor_id,
		                  .system_id = r.system_id,
		                  .account_id = r.account_id,
		                  .width = req->width,
		                  .height = req->height,
		                  .keyboard_layout = req->keyboard_layout,
		                  .start_ns = r.start_ns };
	gate_recorder_report report = { .ctx = &s->mon, .event = report_event, .input = report_input,
		                        .tick = report_tick, .end = report_end };
	char err[256];
	s->rec = gate_recorder_new(fd, &info, r.session_id, &report, err, sizeof(err));
	assert_non_null(s->rec);
	s->obs = gate_recorder_observer(s->rec);
}

static void worker_close(worker_session *s, const char *reason)
{
	s->obs.on_close(s->obs.ctx, reason);
	assert_true(s->mon.ended);
	assert_int_equal(s->mon.ends, 1);
}

/* The session is over on both sides: the worker's observer released, the monitor's audit freed. */
static void worker_release(worker_session *s)
{
	s->obs.release(s->obs.ctx);
	gate_audit_free(s->mon.audit);
	s->mon.audit = NULL;
}

static void decide(fixture *f, const gate_admission_request *req, gate_admission_decision *d,
                   gate_audit **audit, int *fd)
{
	*audit = (gate_audit *)(uintptr_t)1; /* must be overwritten */
	*fd = -2;
	assert_true(gate_permits_decide(&f->permits, req, d, audit, fd));
}

static void assert_refused_without_a_session(const gate_admission_decision *d, const gate_audit *audit,
                                             int fd)
{
	assert_false(d->allow);
	assert_true(d->reason[0] != 0);
	assert_null(audit);
	assert_int_equal(fd, -1);
}

static void paint_and_type(const gate_observer *obs)
{
	static BYTE screen[64 * 48 * 4];
	for (size_t i = 0; i < sizeof(screen); i++)
		screen[i] = (BYTE)(i * 7);
	gate_rect all = { 0, 0, 64, 48 };
	obs->on_frame(obs->ctx, screen, 64 * 4, 64, 48, &all, 1);
	obs->on_key(obs->ctx, 0x0000, 0x1E); /* 'a' down */
	obs->on_key(obs->ctx, 0x8000, 0x1E); /* 'a' up */
	obs->on_event(obs->ctx, GATE_EV_CHANNEL_DENIED, "name=cliprdr class=clipboard");
}

static void permitted_account_gets_the_permitted_system_and_a_recorded_ledger_session(void **state)
{
	fixture *f = *state;
	gate_admission_request req = request("acme1", "s3cret!");
	gate_admission_decision d = { 0 };
	gate_audit *audit;
	int fd;
	decide(f, &req, &d, &audit, &fd);
	assert_true(d.allow);
	assert_string_equal(d.target_host, "127.0.0.1");
	assert_int_equal(d.target_port, 3390);
	assert_false(d.policy.observe_only);
	/* The monitor keeps the session's audit and hands the worker the recording it created:
	 * a new, private, still empty file (the worker writes even the header). */
	assert_non_null(audit);
	assert_true(fd >= 0);
	struct stat fst, pst;
	assert_int_equal(fstat(fd, &fst), 0);
	assert_int_equal(stat(gate_audit_recording_path(audit), &pst), 0);
	assert_int_equal(fst.st_ino, pst.st_ino);
	assert_int_equal(fst.st_dev, pst.st_dev);
	assert_int_equal(fst.st_size, 0);

	worker_session s;
	worker_start(&s, audit, fd, &req);
	paint_and_type(&s.obs);
	UINT32 error_info = 0;
	assert_null(s.obs.on_tick(s.obs.ctx, &error_info));
	assert_int_equal(error_info, 0);
	assert_true(s.mon.inputs >= 1);
	worker_close(&s, "client disconnected");
	worker_release(&s);
	gate_admission_decision_clear(&d);

	char reason[64], digest[80], path[512], denied[16];
	query_text(f->db_path, "SELECT reason FROM session_ends", reason, sizeof(reason));
	assert_string_equal(reason, "client_disconnect");
	query_text(f->db_path, "SELECT recording_digest FROM session_ends", digest, sizeof(digest));
	query_text(f->db_path, "SELECT recording_path FROM sessions", path, sizeof(path));
	assert_string_equal(path, s.recording_path);
	query_text(f->db_path, "SELECT COUNT(*) FROM events WHERE type = 'channel_denied'", denied,
	           sizeof(denied));
	assert_string_equal(denied, "1");

	/* The recording is complete, private, and its digest is the ledger's. */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	rec_reader *r;
	char err[256];
	assert_int_equal(rec_reader_open(&r, path, err, sizeof(err)), 0);
	rec_summary sum;
	assert_int_equal(rec_reader_scan(r, &sum), 0);
	assert_int_equal(sum.integrity, REC_COMPLETE);
	assert_int_equal(sum.keys, 2);
	char hex[65];
	rec_digest_hex(sum.digest, hex);
	assert_string_equal(hex, digest);
	assert_int_equal(rec_reader_header(r)->permit_id, f->permit_id);
	rec_reader_close(r);

	policy_verify_result v;
	assert_int_equal(policy_ledger_verify(f->db, &v), 0);
	assert_true(v.ok);
}

static void wrong_password_is_refused_and_ledgered_as_bad_password(void **state)
{
	fixture *f = *state;
	gate_admission_request req = request("acme1", "guess");
	gate_admission_decision d = { 0 };
	gate_audit *audit;
	int fd;
	decide(f, &req, &d, &audit, &fd);
	assert_refused_without_a_session(&d, audit, fd);
	char reason[64];
	query_text(f->db_path, "SELECT reason FROM events WHERE type = 'refused'", reason,
	           sizeof(reason));
	assert_string_equal(reason, "bad_password");
	gate_admission_decision_clear(&d);
}

static void account_without_a_permit_is_refused_with_no_permit(void **state)
{
	fixture *f = *state;
	assert_int_equal(policy_account_add(f->db, "Acme Systems", "acme2", "other-pass", NULL), 0);
	assert_int_equal(policy_permit_step_apply(f->db, f->permit_id, POLICY_STEP_END, "Officer Sato",
	                                          "work done", policy_now_us()), 0);
	gate_admission_request req = request("acme2", "other-pass");
	gate_admission_decision d = { 0 };
	gate_audit *audit;
	int fd;
	decide(f, &req, &d, &audit, &fd);
	assert_refused_without_a_session(&d, audit, fd);
	char reason[64];
	query_text(f->db_path, "SELECT reason FROM events WHERE type = 'refused' AND login = 'acme2'",
	           reason, sizeof(reason));
	assert_string_equal(reason, "no_permit");
	gate_admission_decision_clear(&d);
}

/* The monitor's verdict (gate_audit_tick) reaches the worker through the recorder's on_tick. */
static void revoking_the_permit_ends_the_live_session_as_revoked(void **state)
{
	fixture *f = *state;
	gate_admission_request req = request("acme1", "s3cret!");
	gate_admission_decision d = { 0 };
	gate_audit *audit;
	int fd;
	decide(f, &req, &d, &audit, &fd);
	assert_true(d.allow);
	worker_session s;
	worker_start(&s, audit, fd, &req);
	paint_and_type(&s.obs);
	assert_int_equal(policy_permit_step_apply(f->db, f->permit_id, POLICY_STEP_REVOKE,
	                                          "Deputy CISO", "order not followed",
	                                          policy_now_us()), 0);
	usleep(2000); /* past the 1 ms permit poll period of the fixture */
	UINT32 error_info = 0;
	const char *why = s.obs.on_tick(s.obs.ctx, &error_info);
	assert_non_null(why);
	assert_non_null(strstr(why, "revoked"));
	/* The client is told it was an administrative end ("by an administrative tool"). */
	assert_int_equal(error_info, 0x00000001 /* ERRINFO_RPC_INITIATED_DISCONNECT */);
	worker_close(&s, why);
	worker_release(&s);
	gate_admission_decision_clear(&d);
	char reason[64];
	query_text(f->db_path, "SELECT reason FROM session_ends", reason, sizeof(reason));
	assert_string_equal(reason, "revoked");
}

static void assert_not_recordable_and_no_session(fixture *f)
{
	gate_admission_request req = request("acme1", "s3cret!");
	gate_admission_decision d = { 0 };
	gate_audit *audit;
	int fd;
	decide(f, &req, &d, &audit, &fd);
	assert_refused_without_a_session(&d, audit, fd);
	char n[16], reason[64];
	query_text(f->db_path, "SELECT COUNT(*) FROM sessions", n, sizeof(n));
	assert_string_equal(n, "0");
	query_text(f->db_path, "SELECT reason FROM events WHERE type = 'refused'", reason, sizeof(reason));
	assert_string_equal(reason, "not_recordable");
	gate_admission_decision_clear(&d);
}

/* The recordings directory cannot be created. */
static void no_recording_possible_means_no_session(void **state)
{
	fixture *f = *state;
	f->permits.recordings_dir = "/proc/rmgate-cannot-be-here";
	assert_not_recordable_and_no_session(f);
}

/* The directory passes (it "exists") but the recording file cannot be created in it. */
static void no_recording_file_possible_means_no_session(void **state)
{
	fixture *f = *state;
	FILE *file = fopen(f->rec_dir, "w");
	assert_non_null(file);
	fclose(file);
	assert_not_recordable_and_no_session(f);
	struct stat st;
	assert_int_equal(stat(f->rec_dir, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
}

static void injected_credentials_go_to_the_target_not_from_the_vendor(void **state)
{
	fixture *f = *state;
	char key_path[400];
	snprintf(key_path, sizeof(key_path), "%s/secret.key", f->dir);
	char key_id[17];
	assert_int_equal(policy_secret_key_create(key_path, key_id), 0);
	policy_secret_key *key = NULL;
	assert_int_equal(policy_secret_key_load(key_path, &key), 0);
	policy_system_spec sys = { .name = "zeimu", .cls = POLICY_CLASS_LGWAN, .host = "127.0.0.1",
		                   .port = 3391, .section = "Resident Services",
		                   .inject_credentials = true, .networks = LOOPBACK_NETWORKS, .n_networks = 2 };
	assert_int_equal(policy_system_add(f->db, &sys, NULL), 0);
	assert_int_equal(policy_system_secret_set(f->db, key, "zeimu", "Administrator", "CITY",
	                                          "target-Pa55", "tester", policy_now_us()), 0);
	char today[16];
	today_jst(today, sizeof(today), 0);
	policy_permit_application app = { .section = "Resident Services", .vendor = "Acme Systems",
		                          .system = "zeimu", .purpose = "tax system fix",
		                          .from = today, .to = today, .contract_from = today,
		                          .contract_to = today, .table = 1, .confirm_all = true };
	int64_t permit;
	assert_int_equal(policy_permit_apply(f->db, &app, policy_now_us(), &permit), 0);
	assert_int_equal(policy_permit_step_apply(f->db, permit, POLICY_STEP_APPROVE, "Deputy CISO",
	                                          "ok", policy_now_us()), 0);

	/* Two usable permits: the vendor names the system in the domain field. */
	gate_admission_request req = request("acme1", "s3cret!");
	req.domain = "zeimu";
	gate_admission_decision d = { 0 };
	gate_audit *audit;
	int fd;

	/* Without the key the gate cannot inject, so it refuses. */
	decide(f, &req, &d, &audit, &fd);
	assert_refused_without_a_session(&d, audit, fd);
	gate_admission_decision_clear(&d);

	/* Nor when the target's certificate is not checked: the secret could reach an impostor. */
	f->permits.secret_key = key;
	f->permits.target_cert_ignored = true;
	decide(f, &req, &d, &audit, &fd);
	assert_refused_without_a_session(&d, audit, fd);
	gate_admission_decision_clear(&d);

	f->permits.target_cert_ignored = false;
	decide(f, &req, &d, &audit, &fd);
	assert_true(d.allow);
	assert_int_equal(d.target_port, 3391);
	assert_string_equal(d.user, "Administrator");
	assert_string_equal(d.domain, "CITY");
	assert_string_equal(d.password, "target-Pa55");
	worker_session s;
	worker_start(&s, audit, fd, &req);
	worker_close(&s, "client disconnected");
	worker_release(&s);
	gate_admission_decision_clear(&d);
	policy_secret_key_free(key);
}

/* If the gate cannot stop its back thread, late callbacks may still come after on_close:
 * they must do nothing (the recording is closed and its digest is in the ledger). */
static void callbacks_after_close_do_nothing(void **state)
{
	fixture *f = *state;
	gate_admission_request req = request("acme1", "s3cret!");
	gate_admission_decision d = { 0 };
	gate_audit *audit;
	int fd;
	decide(f, &req, &d, &audit, &fd);
	assert_true(d.allow);
	worker_session s;
	worker_start(&s, audit, fd, &req);
	worker_close(&s, "client disconnected");
	struct stat closed;
	assert_int_equal(stat(s.recording_path, &closed), 0);

	paint_and_type(&s.obs);
	s.obs.on_resize(s.obs.ctx, 800, 600);
	UINT32 error_info = 0;
	assert_null(s.obs.on_tick(s.obs.ctx, &error_info));
	worker_release(&s);
	gate_admission_decision_clear(&d);

	char denied[16], ends[16], reason[64], digest[80];
	query_text(f->db_path, "SELECT COUNT(*) FROM events WHERE type = 'channel_denied'", denied,
	           sizeof(denied));
	assert_string_equal(denied, "0");
	query_text(f->db_path, "SELECT COUNT(*) FROM session_ends", ends, sizeof(ends));
	assert_string_equal(ends, "1");
	query_text(f->db_path, "SELECT reason FROM session_ends", reason, sizeof(reason));
	assert_string_equal(reason, "client_disconnect");

	/* The file is what it was at the close, and still the ledger's digest. */
	struct stat now;
	assert_int_equal(stat(s.recording_path, &now), 0);
	assert_int_equal(now.st_size, closed.st_size);
	query_text(f->db_path, "SELECT recording_digest FROM session_ends", digest, sizeof(digest));
	rec_reader *r;
	char err[256];
	assert_int_equal(rec_reader_open(&r, s.recording_path, err, sizeof(err)), 0);
	rec_summary sum;
	assert_int_equal(rec_reader_scan(r, &sum), 0);
	assert_int_equal(sum.integrity, REC_COMPLETE);
	assert_int_equal(sum.keys, 0);
	char hex[65];
	rec_digest_hex(sum.digest, hex);
	assert_string_equal(hex, digest);
	rec_reader_close(r);
}

/* A system's own certificate pin reaches the session; with it, injection no longer needs
 * the global target_cert. */
static void the_system_pin_travels_with_the_decision(void **state)
{
	fixture *f = *state;
	const char *pin = "sha256:00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
	assert_int_equal(policy_system_set_cert_pin(f->db, "juki", pin, "tester", policy_now_us()), 0);
	f->permits.target_cert_ignored = true;
	gate_admission_request req = request("acme1", "s3cret!");
	gate_admission_decision d = { 0 };
	gate_audit *audit;
	int fd;
	decide(f, &req, &d, &audit, &fd);
	assert_true(d.allow);
	assert_true(d.has_target_pin);
	assert_int_equal(d.target_pin[0], 0x00);
	assert_int_equal(d.target_pin[1], 0x11);
	assert_int_equal(d.target_pin[31], 0xFF);
	worker_session s;
	worker_start(&s, audit, fd, &req);
	worker_close(&s, "client disconnected");
	worker_release(&s);
	gate_admission_decision_clear(&d);
}

/* The ledger's end is what the file holds, not the worker's word: a worker that says the
 * session ended normally but left no end record gets `error`. */
static void a_normal_end_without_the_end_record_is_an_error(void **state)
{
	fixture *f = *state;
	gate_admission_request req = request("acme1", "s3cret!");
	gate_admission_decision d = { 0 };
	gate_audit *audit;
	int fd;
	decide(f, &req, &d, &audit, &fd);
	assert_true(d.allow);
	assert_true(fd >= 0);
	close(fd); /* the worker wrote nothing */
	gate_audit_end(audit, "client disconnected", 0);
	gate_audit_free(audit);
	gate_admission_decision_clear(&d);
	char reason[64];
	query_text(f->db_path, "SELECT reason FROM session_ends", reason, sizeof(reason));
	assert_string_equal(reason, "error");
}

/* ---- gate_limits: pure time rules ---- */

static const int64_t T0 = 1764000000LL * US_PER_S;

static void idle_vendor_is_warned_then_ended_at_the_idle_timeout(void **state)
{
	(void)state;
	gate_limits l = { .start_us = T0, .idle_timeout_s = 600, .idle_warning_s = 60 };
	gate_limit_verdict v;
	gate_limits_check(&l, T0 + 500 * US_PER_S, T0, &v);
	assert_false(v.end);
	assert_false(v.warn_idle);
	gate_limits_check(&l, T0 + 545 * US_PER_S, T0, &v);
	assert_true(v.warn_idle);
	assert_int_equal(v.seconds_left, 55);
	gate_limits_check(&l, T0 + 600 * US_PER_S, T0, &v);
	assert_true(v.end);
	assert_int_equal(v.reason, POLICY_END_IDLE_TIMEOUT);
	/* input resets the clock */
	gate_limits_check(&l, T0 + 600 * US_PER_S, T0 + 300 * US_PER_S, &v);
	assert_false(v.end);
}

static void maximum_duration_and_window_end_end_the_session(void **state)
{
	(void)state;
	gate_limits l = { .start_us = T0, .max_duration_s = 3600, .window_end_us = T0 + 1800 * US_PER_S };
	gate_limit_verdict v;
	gate_limits_check(&l, T0 + 1799 * US_PER_S, T0 + 1799 * US_PER_S, &v);
	assert_false(v.end);
	gate_limits_check(&l, T0 + 1800 * US_PER_S, T0 + 1800 * US_PER_S, &v);
	assert_true(v.end);
	assert_int_equal(v.reason, POLICY_END_WINDOW_END);
	l.window_end_us = 0;
	gate_limits_check(&l, T0 + 3600 * US_PER_S, T0 + 3600 * US_PER_S, &v);
	assert_true(v.end);
	assert_int_equal(v.reason, POLICY_END_MAX_DURATION);
}

static void earliest_passed_limit_is_the_reason(void **state)
{
	(void)state;
	gate_limits l = { .start_us = T0, .idle_timeout_s = 100, .max_duration_s = 50 };
	gate_limit_verdict v;
	gate_limits_check(&l, T0 + 200 * US_PER_S, T0, &v);
	assert_true(v.end);
	assert_int_equal(v.reason, POLICY_END_MAX_DURATION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(permitted_account_gets_the_permitted_system_and_a_recorded_ledger_session, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_password_is_refused_and_ledgered_as_bad_password, setup, teardown),
		cmocka_unit_test_setup_teardown(account_without_a_permit_is_refused_with_no_permit, setup, teardown),
		cmocka_unit_test_setup_teardown(revoking_the_permit_ends_the_live_session_as_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(no_recording_possible_means_no_session, setup, teardown),
		cmocka_unit_test_setup_teardown(no_recording_file_possible_means_no_session, setup, teardown),
		cmocka_unit_test_setup_teardown(injected_credentials_go_to_the_target_not_from_the_vendor, setup, teardown),
		cmocka_unit_test_setup_teardown(callbacks_after_close_do_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(the_system_pin_travels_with_the_decision, setup, teardown),
		cmocka_unit_test_setup_teardown(a_normal_end_without_the_end_record_is_an_error, setup, teardown),
		cmocka_unit_test(idle_vendor_is_warned_then_ended_at_the_idle_timeout),
		cmocka_unit_test(maximum_duration_and_window_end_end_the_session),
		cmocka_unit_test(earliest_passed_limit_is_the_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
