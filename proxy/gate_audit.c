/* gate_audit: the monitor's half of one admitted session: the recording file, the ledger
 * rows and the time rules (see gate_audit.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <winpr/crypto.h>
#include <winpr/wlog.h>
#include <freerdp/error.h>

#include "gate_audit.h"
#include "gate_limits.h"
#include "hex.h"
#include "ledger.h"
#include "rec_reader.h"

#define TAG "rmgate.proxy.audit"
#define US_PER_S 1000000LL
/* Input gaps longer than this count as idle time in the register (Form 4 "active vs idle"). */
#define IDLE_GRACE_US (60 * US_PER_S)
/* Ledger rows of one session's receipt events: a client announcing tens of thousands of
 * devices, or any other flood of events, must not fill the ledger. The first
 * AUDIT_DEVICE_ROWS devices are listed, then one row counts the rest; at most
 * AUDIT_EVENT_ROWS receipt events in all, then one "events_suppressed" row counts the rest.
 * Both count rows are written at the session's end. The recording keeps every event. */
#define AUDIT_DEVICE_ROWS 32
#define AUDIT_EVENT_ROWS 1000

struct gate_audit {
	policy_db *db;
	int64_t session_id, permit_id, vendor_id, system_id, account_id;
	int64_t start_us;
	char recording_path[1024];
	char recording_id[64];
	gate_limits limits;
	int64_t permit_poll_us;
	int64_t next_permit_check_us;
	int64_t last_input_us;   /* time of the vendor's last input (start if none) */
	int64_t idle_us;         /* sum of input gaps beyond the grace */
	int64_t warned_for_input_at; /* the idle stretch already warned (its last input), -1 none */
	bool ended;              /* an end was decided here (tick or end_now) */
	policy_end_reason end_reason;
	char end_message[160];
	unsigned devices_listed, events_written;     /* ledger rows of receipt events */
	uint64_t devices_unlisted, events_unwritten; /* counted, for the rows at the end */
};

/* ---- start ------------------------------------------------------------------------------- */

static void make_recording_id(char *out, size_t len, int64_t now_us)
{
	BYTE rnd[6];
	winpr_RAND(rnd, sizeof(rnd));
	time_t t = (time_t)(now_us / US_PER_S);
	struct tm tm;
	gmtime_r(&t, &tm);
	char rhex[2 * sizeof(rnd) + 1];
	hex_encode(rnd, sizeof(rnd), rhex);
	snprintf(out, len, "%04d%02d%02dT%02d%02d%02dZ-%s", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rhex);
}

static bool ensure_private_dir(const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the recordings directory %s: %s", dir, strerror(errno));
		return false;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "the recordings directory %s is not a directory", dir);
		return false;
	}
	if (st.st_mode & 077)
		WLog_WARN(TAG, "recordings directory %s has mode %03o; it should be 0700", dir,
		          (unsigned)(st.st_mode & 0777));
	return true;
}

gate_audit *gate_audit_start(const gate_audit_params *p, int *recording_fd, char *err, size_t errlen)
{
	const policy_decision *d = p->decision;
	int64_t now = policy_now_us();
	*recording_fd = -1;
	gate_audit *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->db = p->db;
	a->permit_id = d->permit_id;
	a->vendor_id = d->vendor_id;
	a->system_id = d->system_id;
	a->account_id = d->account_id;
	a->start_us = now;
	a->last_input_us = now;
	a->permit_poll_us = (p->permit_poll_ms > 0 ? p->permit_poll_ms : 2000) * 1000LL;
	a->next_permit_check_us = now + a->permit_poll_us;
	a->limits = (gate_limits){ .start_us = now,
		                   .idle_timeout_s = d->rules.idle_timeout_s,
		                   .idle_warning_s = p->idle_warning_s,
		                   .max_duration_s = d->rules.max_duration_s,
		                   .window_end_us = d->rules.window_end_us };
	a->warned_for_input_at = -1;

	if (!ensure_private_dir(p->recordings_dir, err, errlen))
		goto fail;
	uint64_t free_mb;
	switch (gate_disk_check(p->recordings_dir, &p->disk, &free_mb, err, errlen)) {
	case GATE_DISK_FULL: goto fail;
	case GATE_DISK_LOW: WLog_WARN(TAG, "%s", err); break;
	case GATE_DISK_OK: break;
	}
	make_recording_id(a->recording_id, sizeof(a->recording_id), now);
	snprintf(a->recording_path, sizeof(a->recording_path), "%s/%s.pcap", p->recordings_dir,
	         a->recording_id);
	int fd = open(a->recording_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "the session cannot be recorded: cannot create %s: %s",
		         a->recording_path, strerror(errno));
		goto fail;
	}

	policy_session_start start = { .permit_id = d->permit_id,
		                       .account_id = d->account_id,
		                       .vendor_id = d->vendor_id,
		                       .system_id = d->system_id,
		                       .login = p->login,
		                       .source = p->source,
		                       .client_name = p->client_name,
		                       .client_build = p->client_build,
		                       .recording_id = a->recording_id,
		                       .recording_path = a->recording_path };
	if (policy_ledger_session_start(p->db, now, &start, &a->session_id) != POLICY_OK) {
		snprintf(err, errlen, "the ledger cannot record the session: %s", policy_last_error());
		close(fd);
		unlink(a->recording_path);
		goto fail;
	}
	*recording_fd = fd;
	WLog_INFO(TAG, "session %lld: recording %s", (long long)a->session_id, a->recording_path);
	return a;

fail:
	free(a);
	return NULL;
}

gate_audit_recording gate_audit_recording_of(const gate_audit *a)
{
	return (gate_audit_recording){ .recording_id = a->recording_id,
		                       .session_id = a->session_id,
		                       .permit_id = a->permit_id,
		                       .vendor_id = a->vendor_id,
		                       .system_id = a->system_id,
		                       .account_id = a->account_id,
		                       .start_ns = (uint64_t)a->start_us * 1000u };
}

int64_t gate_audit_session_id(const gate_audit *a)
{
	return a->session_id;
}

const char *gate_audit_recording_path(const gate_audit *a)
{
	return a->recording_path;
}

/* ---- what the worker reports ------------------------------------------------------------- */

void gate_audit_input(gate_audit *a)
{
	int64_t now = policy_now_us();
	int64_t gap = now - a->last_input_us;
	if (gap > IDLE_GRACE_US)
		a->idle_us += gap - IDLE_GRACE_US;
	a->last_input_us = now;
}

/* The ledger's event types (policy/ledger.h) for the gate's receipt events. Blocked
 * redirection attempts are what reports count as "channel_denied". */
static const char *ledger_type_for(gate_event_type type)
{
	switch (type) {
	case GATE_EV_CHANNEL_OFFERED: return POLICY_EV_CHANNEL_OFFERED;
	case GATE_EV_CHANNEL_DENIED:
	case GATE_EV_DVC_DENIED: return POLICY_EV_CHANNEL_DENIED;
	case GATE_EV_CLIENT_INFO_FLAG: return "feature_denied";
	case GATE_EV_DEVICE_ANNOUNCED: return "device_announced";
	case GATE_EV_CHANNEL_DATA_DROPPED: return "channel_data_dropped";
	case GATE_EV_INPUT_DROPPED: return "input_dropped";
	case GATE_EV_TARGET_CONNECTED: return "target_connected";
	case GATE_EV_DECODE_ERROR: return "decode_error";
	case GATE_EV_SESSION_START: return "client";
	case GATE_EV_CHANNEL_ALLOWED: return "channel_allowed";
	case GATE_EV_SESSION_REFUSED: return "refused";
	case GATE_EV_CODEC: return NULL; /* kept in the recording only */
	}
	return NULL;
}

void gate_audit_event(gate_audit *a, gate_event_type type, const char *detail)
{
	const char *ledger_type = ledger_type_for(type);
	if (!ledger_type)
		return;
	if (type == GATE_EV_DEVICE_ANNOUNCED && a->devices_listed >= AUDIT_DEVICE_ROWS) {
		a->devices_unlisted++;
		return;
	}
	if (a->events_written >= AUDIT_EVENT_ROWS) {
		a->events_unwritten++;
		return;
	}
	a->events_written++;
	if (type == GATE_EV_DEVICE_ANNOUNCED)
		a->devices_listed++;
	if (policy_ledger_event(a->db, a->session_id, policy_now_us(), ledger_type, detail) != POLICY_OK)
		WLog_ERR(TAG, "session %lld: ledger event %s not written: %s", (long long)a->session_id,
		         ledger_type, policy_last_error());
}

/* ---- the time rules ---------------------------------------------------------------------- */

/* Polls the database at most every permit_poll_us; returns true when the session must end:
 * staff ordered it ended (terminated), or its permit no longer allows it. */
static bool permit_withdrawn(gate_audit *a, int64_t now, policy_end_reason *reason)
{
	if (now < a->next_permit_check_us)
		return false;
	a->next_permit_check_us = now + a->permit_poll_us;
	bool ordered = false;
	if (policy_session_end_requested(a->db, a->session_id, &ordered) == POLICY_OK && ordered) {
		*reason = POLICY_END_TERMINATED;
		return true;
	}
	if (a->permit_id == 0)
		return false; /* lab mode has no permit */
	policy_deny_reason deny = POLICY_DENY_NONE;
	if (policy_permit_still_valid(a->db, a->permit_id, now, &deny) != POLICY_OK) {
		/* A database we cannot read is no reason to cut a vendor off mid-work; it is
		 * logged and the next poll tries again. The time limits still apply. */
		WLog_ERR(TAG, "session %lld: permit check failed: %s", (long long)a->session_id,
		         policy_last_error());
		return false;
	}
	switch (deny) {
	case POLICY_DENY_NONE: return false;
	case POLICY_DENY_SUSPENDED: *reason = POLICY_END_SUSPENDED; return true;
	case POLICY_DENY_REVOKED: *reason = POLICY_END_REVOKED; return true;
	case POLICY_DENY_OUTSIDE_WINDOW: *reason = POLICY_END_WINDOW_END; return true;
	default: *reason = POLICY_END_REVOKED; return true; /* permit ended or gone */
	}
}

uint32_t gate_audit_error_info(const gate_audit *a)
{
	if (!a->ended)
		return 0;
	switch (a->end_reason) {
	case POLICY_END_IDLE_TIMEOUT: return ERRINFO_IDLE_TIMEOUT;
	case POLICY_END_MAX_DURATION:
	case POLICY_END_WINDOW_END: return ERRINFO_LOGON_TIMEOUT;
	default: return ERRINFO_RPC_INITIATED_DISCONNECT;
	}
}

void gate_audit_end_now(gate_audit *a, policy_end_reason reason, const char *message)
{
	if (a->ended)
		return;
	a->ended = true;
	a->end_reason = reason;
	snprintf(a->end_message, sizeof(a->end_message), "%s", message);
}

const char *gate_audit_tick(gate_audit *a, gate_audit_note *note)
{
	int64_t now = policy_now_us();
	note->name = NULL;
	if (a->ended)
		return a->end_message;
	policy_end_reason withdrawn;
	if (permit_withdrawn(a, now, &withdrawn)) {
		gate_audit_end_now(a, withdrawn,
		                   withdrawn == POLICY_END_TERMINATED ? "Session ended on an order of the city's staff."
		                   : withdrawn == POLICY_END_SUSPENDED ? "Session ended: the permit was suspended."
		                   : withdrawn == POLICY_END_WINDOW_END
		                           ? "Session ended: the permit was outside its window."
		                           : "Session ended: the permit was revoked.");
		return a->end_message;
	}
	gate_limit_verdict v;
	gate_limits_check(&a->limits, now, a->last_input_us, &v);
	if (v.end) {
		gate_audit_end_now(a, v.reason, v.message);
		return a->end_message;
	}
	int64_t stretch = a->last_input_us / US_PER_S;
	if (v.warn_idle && a->warned_for_input_at != stretch) {
		a->warned_for_input_at = stretch;
		note->name = POLICY_EV_IDLE_WARNING;
		snprintf(note->detail, sizeof(note->detail), "%s", v.message);
		policy_ledger_event(a->db, a->session_id, now, POLICY_EV_IDLE_WARNING, v.message);
	}
	return NULL;
}

/* ---- the end ----------------------------------------------------------------------------- */

/* The worker's close reasons are sentences; the ledger wants one of its end reasons. A
 * reason decided here wins over what the worker saw (it closed because of it). */
static policy_end_reason end_reason_for(const gate_audit *a, const char *worker_reason)
{
	if (a->ended)
		return a->end_reason;
	if (!worker_reason)
		return POLICY_END_ERROR;
	/* First: the sentence may name the target too. */
	if (strstr(worker_reason, "recording_incomplete"))
		return POLICY_END_RECORDING_INCOMPLETE;
	if (strstr(worker_reason, "client disconnected"))
		return POLICY_END_CLIENT_DISCONNECT;
	if (strstr(worker_reason, "target"))
		return POLICY_END_TARGET_DISCONNECT;
	if (strstr(worker_reason, "shut"))
		return POLICY_END_GATE_SHUTDOWN;
	return POLICY_END_ERROR;
}

/* The counts of what the caps kept out of the ledger, before the session's end. */
static void write_count_rows(gate_audit *a, int64_t now)
{
	char text[160];
	if (a->devices_unlisted) {
		snprintf(text, sizeof(text),
		         "%llu more device(s) announced, not listed singly (all are in the recording)",
		         (unsigned long long)a->devices_unlisted);
		policy_ledger_event(a->db, a->session_id, now, "device_announced", text);
	}
	if (a->events_unwritten) {
		snprintf(text, sizeof(text),
		         "%llu more event(s) of this session suppressed in the ledger (all are in the recording)",
		         (unsigned long long)a->events_unwritten);
		policy_ledger_event(a->db, a->session_id, now, "events_suppressed", text);
	}
}

/* Reads the recording back and writes the ledger's end. normal: the worker said the session
 * ended, so a file without its end record is recorded as an error. */
static void finish(gate_audit *a, policy_end_reason end, const char *why, uint64_t frames, bool normal)
{
	int64_t now = policy_now_us();
	int64_t gap = now - a->last_input_us;
	if (gap > IDLE_GRACE_US)
		a->idle_us += gap - IDLE_GRACE_US;
	write_count_rows(a, now);

	policy_session_end e = { .end_us = now, .reason = end, .idle_us = a->idle_us,
		                 .recording_path = a->recording_path };
	char digest_hex[65] = "";
	rec_summary sum;
	char err[256];
	if (rec_reader_check_file(a->recording_path, &sum, err, sizeof(err)) == 0) {
		rec_digest_hex(sum.digest, digest_hex);
		e.recording_digest_hex = digest_hex;
		e.bytes = sum.file_bytes;
		e.frames = frames ? frames : sum.keyframes + sum.tiles;
		if (normal && !(sum.has_end && sum.has_trailer)) {
			WLog_ERR(TAG, "session %lld: the recording %s is incomplete: %s", (long long)a->session_id,
			         a->recording_path, sum.problem[0] ? sum.problem : "no end record");
			e.reason = POLICY_END_ERROR;
		}
		if (!normal && sum.end_ns / 1000 > (uint64_t)a->start_us)
			e.end_us = (int64_t)(sum.end_ns / 1000);
	} else {
		WLog_ERR(TAG, "session %lld: recording %s unreadable: %s", (long long)a->session_id,
		         a->recording_path, err);
		if (normal)
			e.reason = POLICY_END_ERROR;
	}
	if (policy_ledger_session_end(a->db, a->session_id, &e) != POLICY_OK)
		WLog_ERR(TAG, "session %lld: ledger end not written: %s", (long long)a->session_id,
		         policy_last_error());
	WLog_INFO(TAG, "session %lld ended: %s (%s); recording %s, %llu bytes, digest %s",
	          (long long)a->session_id, policy_end_name(e.reason), why ? why : "", a->recording_path,
	          (unsigned long long)e.bytes, digest_hex[0] ? digest_hex : "none");
}

void gate_audit_end(gate_audit *a, const char *worker_reason, uint64_t frames)
{
	finish(a, end_reason_for(a, worker_reason), worker_reason, frames, true);
}

void gate_audit_abort(gate_audit *a, const char *why)
{
	/* A session the monitor had decided to end (its window, a revocation, a limit, the
	 * shutdown) keeps that reason even when its worker had to be killed; any other death of a
	 * worker is `aborted`. */
	finish(a, a->ended ? a->end_reason : POLICY_END_ABORTED, why, 0, false);
}

void gate_audit_free(gate_audit *a)
{
	free(a);
}

/* ---- crash recovery ---------------------------------------------------------------------- */

static void close_aborted(policy_db *db, const policy_open_session *o)
{
	policy_session_end e = { .end_us = o->start_us, .reason = POLICY_END_ABORTED,
		                 .recording_path = o->recording_path };
	char digest_hex[65] = "";
	rec_reader *r = NULL;
	rec_summary sum;
	char err[256] = "no recording path";
	if (o->recording_path && rec_reader_open(&r, o->recording_path, err, sizeof(err)) == 0 &&
	    rec_reader_scan(r, &sum) == 0) {
		rec_digest_hex(sum.digest, digest_hex);
		e.recording_digest_hex = digest_hex;
		e.bytes = sum.file_bytes;
		e.frames = sum.keyframes + sum.tiles;
		if (sum.end_ns / 1000 > (uint64_t)o->start_us)
			e.end_us = (int64_t)(sum.end_ns / 1000);
	} else {
		WLog_WARN(TAG, "session %lld: recording %s unreadable: %s", (long long)o->session_id,
		          o->recording_path ? o->recording_path : "(none)", err);
	}
	if (r)
		rec_reader_close(r);
	if (policy_ledger_session_end(db, o->session_id, &e) != POLICY_OK)
		WLog_ERR(TAG, "session %lld: cannot close as aborted: %s", (long long)o->session_id,
		         policy_last_error());
	else
		WLog_WARN(TAG, "session %lld was left open by a crash: closed as aborted (digest %s)",
		          (long long)o->session_id, digest_hex[0] ? digest_hex : "none");
}

int gate_audit_recover(policy_db *db)
{
	policy_open_session *list = NULL;
	size_t n = 0;
	if (policy_sessions_open(db, &list, &n) != POLICY_OK)
		return -1;
	for (size_t i = 0; i < n; i++)
		close_aborted(db, &list[i]);
	policy_open_sessions_free(list, n);
	return (int)n;
}
