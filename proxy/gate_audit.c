/* gate_audit: recording + ledger + time rules of one admitted session (see gate_audit.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <winpr/crypto.h>
#include <winpr/wlog.h>

#include "gate_audit.h"
#include "gate_limits.h"
#include "hex.h"
#include "ledger.h"
#include "rec_reader.h"
#include "rec_writer.h"

#define TAG "rmgate.proxy.audit"
#define US_PER_S 1000000LL
/* Input gaps longer than this count as idle time in the register (Form 4 "active vs idle"). */
#define IDLE_GRACE_US (60 * US_PER_S)
/* Ledger rows of one session's receipt events: a client announcing tens
 * of thousands of devices, or any other flood of events, must not fill the ledger. The first
 * AUDIT_DEVICE_ROWS devices are listed, then one row counts the rest; at most
 * AUDIT_EVENT_ROWS receipt events in all, then one "events_suppressed" row counts the rest.
 * Both count rows are written at the session's end. The recording keeps every event. */
#define AUDIT_DEVICE_ROWS 32
#define AUDIT_EVENT_ROWS 1000

struct gate_audit {
	/* Set at start, read-only afterwards (any thread). */
	policy_db *db;
	/* The recorder, NULL once on_close has closed it. Callbacks use it under rec_lock held
	 * for reading; on_close takes it for writing. Normally no callback runs after on_close
	 * (gate_observer.h); the lock keeps the audit safe on the abnormal path where the gate
	 * could not stop its back thread and leaves the audit allocated. */
	pthread_rwlock_t rec_lock;
	rec_writer *rec;
	int64_t session_id, permit_id;
	char recording_path[1024];
	char recording_id[64];
	gate_limits limits;
	int64_t permit_poll_us;

	/* Guarded by lock. */
	pthread_mutex_t lock;
	int64_t last_input_us;   /* time of the vendor's last input (start if none) */
	int64_t idle_us;         /* sum of input gaps beyond the grace */
	int64_t next_permit_check_us;
	int warned_for_input_at; /* the idle stretch already warned (its last_input, in s) */
	policy_end_reason tick_reason; /* reason chosen by on_tick, valid when tick_ended */
	bool tick_ended;
	char tick_message[160];
	unsigned devices_listed, events_written;  /* ledger rows of receipt events */
	uint64_t devices_unlisted, events_unwritten; /* counted, for the rows at the end */
};

/* ---- recording file ---------------------------------------------------------------------- */

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
	return true;
}

/* ---- start ------------------------------------------------------------------------------- */

gate_audit *gate_audit_start(const gate_audit_params *p, char *err, size_t errlen)
{
	const policy_decision *d = p->decision;
	int64_t now = policy_now_us();
	gate_audit *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_rwlock_init(&a->rec_lock, NULL);
	a->db = p->db;
	a->permit_id = d->permit_id;
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

	rec_session_info info = { .session_id = a->recording_id,
		                  .permit_id = d->permit_id,
		                  .vendor_id = d->vendor_id,
		                  .system_id = d->system_id,
		                  .account_id = d->account_id,
		                  .width = p->width ? p->width : 1024,
		                  .height = p->height ? p->height : 768,
		                  .keyboard_layout = p->keyboard_layout,
		                  .start_ns = (uint64_t)now * 1000 };
	char rec_err[256];
	if (rec_writer_open(&a->rec, a->recording_path, &info, rec_err, sizeof(rec_err)) != 0) {
		snprintf(err, errlen, "the session cannot be recorded: %s", rec_err);
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
		rec_writer_close(a->rec, "ledger_failed", NULL, NULL);
		a->rec = NULL;
		goto fail;
	}
	char detail[64];
	snprintf(detail, sizeof(detail), "%lld", (long long)a->session_id);
	rec_writer_event(a->rec, "ledger_session", detail);
	WLog_INFO(TAG, "session %lld: recording %s", (long long)a->session_id, a->recording_path);
	return a;

fail:
	pthread_rwlock_destroy(&a->rec_lock);
	pthread_mutex_destroy(&a->lock);
	free(a);
	return NULL;
}

int64_t gate_audit_session_id(const gate_audit *a)
{
	return a->session_id;
}

const char *gate_audit_recording_path(const gate_audit *a)
{
	return a->recording_path;
}

/* ---- observer callbacks ------------------------------------------------------------------ */

/* The recorder for one call, or NULL after on_close; pair with rec_put(). */
static rec_writer *rec_get(gate_audit *a)
{
	pthread_rwlock_rdlock(&a->rec_lock);
	rec_writer *w = a->rec;
	if (!w)
		pthread_rwlock_unlock(&a->rec_lock);
	return w;
}

static void rec_put(gate_audit *a)
{
	pthread_rwlock_unlock(&a->rec_lock);
}

static void note_input(gate_audit *a)
{
	int64_t now = policy_now_us();
	pthread_mutex_lock(&a->lock);
	int64_t gap = now - a->last_input_us;
	if (gap > IDLE_GRACE_US)
		a->idle_us += gap - IDLE_GRACE_US;
	a->last_input_us = now;
	pthread_mutex_unlock(&a->lock);
}

static void audit_on_frame(void *ctx, const BYTE *bgra, UINT32 stride, UINT32 width,
                           UINT32 height, const gate_rect *rects, size_t nrects)
{
	gate_audit *a = ctx;
	/* The recorder coalesces dirty regions itself; beyond this many rectangles one
	 * whole-screen update is as good and needs no allocation on the paint path. */
	enum { MAX_RECTS = 128 };
	rec_rect rr[MAX_RECTS];
	if (nrects > MAX_RECTS)
		nrects = 0; /* the whole screen */
	for (size_t i = 0; i < nrects; i++)
		rr[i] = (rec_rect){ (int32_t)rects[i].x, (int32_t)rects[i].y, (int32_t)rects[i].w,
			            (int32_t)rects[i].h };
	rec_writer *w = rec_get(a);
	if (!w)
		return;
	rec_writer_frame(w, bgra, stride, width, height, nrects ? rr : NULL, nrects);
	rec_put(a);
}

static void audit_on_pointer_position(void *ctx, UINT32 x, UINT32 y)
{
	gate_audit *a = ctx;
	rec_writer *w = rec_get(a);
	if (!w)
		return;
	rec_writer_pointer_position(w, (int32_t)x, (int32_t)y);
	rec_put(a);
}

static void audit_on_pointer_shape(void *ctx, const gate_pointer_shape *shape)
{
	gate_audit *a = ctx;
	rec_writer *w = rec_get(a);
	if (!w)
		return;
	switch (shape->kind) {
	case GATE_POINTER_HIDDEN:
		rec_writer_pointer_hidden(w);
		break;
	case GATE_POINTER_SYSTEM_DEFAULT:
		rec_writer_pointer_default(w);
		break;
	case GATE_POINTER_BITMAP:
		rec_writer_pointer_shape(w, shape->bgra, shape->width * 4, shape->width, shape->height,
		                         shape->hotspot_x, shape->hotspot_y);
		break;
	}
	rec_put(a);
}

static void audit_on_key(void *ctx, UINT16 flags, UINT16 scancode)
{
	gate_audit *a = ctx;
	rec_writer *w = rec_get(a);
	if (!w)
		return;
	rec_writer_key(w, flags, scancode);
	rec_put(a);
	note_input(a);
}

static void audit_on_unicode(void *ctx, UINT16 flags, UINT16 code)
{
	gate_audit *a = ctx;
	rec_writer *w = rec_get(a);
	if (!w)
		return;
	rec_writer_unicode(w, flags, code);
	rec_put(a);
	note_input(a);
}

static void audit_on_mouse(void *ctx, UINT16 flags, UINT16 x, UINT16 y)
{
	gate_audit *a = ctx;
	rec_writer *w = rec_get(a);
	if (!w)
		return;
	rec_writer_mouse(w, flags, x, y);
	rec_put(a);
	note_input(a);
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

/* Recording event types are the gate's event names in the format's spelling
 * (docs/recording-format.md: lower case with underscores, e.g. channel_denied). */
static void recording_event_type(gate_event_type type, char *out, size_t len)
{
	snprintf(out, len, "%s", gate_event_name(type));
	for (char *c = out; *c; c++)
		if (*c == '-')
			*c = '_';
}

static void audit_on_event(void *ctx, gate_event_type type, const char *detail)
{
	gate_audit *a = ctx;
	char rec_type[64];
	recording_event_type(type, rec_type, sizeof(rec_type));
	rec_writer *w = rec_get(a);
	if (!w)
		return;
	rec_writer_event(w, rec_type, detail);
	rec_put(a);
	const char *ledger_type = ledger_type_for(type);
	if (!ledger_type)
		return;
	pthread_mutex_lock(&a->lock);
	bool write = true;
	if (type == GATE_EV_DEVICE_ANNOUNCED && a->devices_listed >= AUDIT_DEVICE_ROWS) {
		a->devices_unlisted++;
		write = false;
	} else if (a->events_written >= AUDIT_EVENT_ROWS) {
		a->events_unwritten++;
		write = false;
	} else {
		a->events_written++;
		if (type == GATE_EV_DEVICE_ANNOUNCED)
			a->devices_listed++;
	}
	pthread_mutex_unlock(&a->lock);
	if (write &&
	    policy_ledger_event(a->db, a->session_id, policy_now_us(), ledger_type, detail) != POLICY_OK)
		WLog_ERR(TAG, "session %lld: ledger event %s not written: %s", (long long)a->session_id,
		         ledger_type, policy_last_error());
}

static void audit_on_resize(void *ctx, UINT32 width, UINT32 height)
{
	gate_audit *a = ctx;
	rec_writer *w = rec_get(a);
	if (!w)
		return;
	rec_writer_resize(w, width, height);
	rec_put(a);
}

/* Polls the permit at most every permit_poll_us; returns true when it no longer allows
 * the session, with the end reason. Called with a->lock held. */
static bool permit_withdrawn(gate_audit *a, int64_t now, policy_end_reason *reason)
{
	if (a->permit_id == 0 || now < a->next_permit_check_us)
		return false; /* lab mode has no permit */
	a->next_permit_check_us = now + a->permit_poll_us;
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

static const char *audit_on_tick(void *ctx)
{
	gate_audit *a = ctx;
	int64_t now = policy_now_us();
	gate_limit_verdict v;
	policy_end_reason withdrawn;
	bool warn = false;
	const char *result = NULL;

	pthread_mutex_lock(&a->lock);
	if (a->tick_ended) {
		result = a->tick_message;
	} else if (permit_withdrawn(a, now, &withdrawn)) {
		a->tick_ended = true;
		a->tick_reason = withdrawn;
		snprintf(a->tick_message, sizeof(a->tick_message), "Session ended: the permit was %s.",
		         withdrawn == POLICY_END_SUSPENDED ? "suspended"
		         : withdrawn == POLICY_END_WINDOW_END ? "outside its window" : "revoked");
		result = a->tick_message;
	} else {
		gate_limits_check(&a->limits, now, a->last_input_us, &v);
		if (v.end) {
			a->tick_ended = true;
			a->tick_reason = v.reason;
			snprintf(a->tick_message, sizeof(a->tick_message), "%s", v.message);
			result = a->tick_message;
		} else if (v.warn_idle && a->warned_for_input_at != (int)(a->last_input_us / US_PER_S)) {
			a->warned_for_input_at = (int)(a->last_input_us / US_PER_S);
			warn = true;
		}
	}
	pthread_mutex_unlock(&a->lock);

	rec_writer *w = rec_get(a);
	if (!w)
		return result;
	if (warn) {
		rec_writer_event(w, POLICY_EV_IDLE_WARNING, v.message);
		policy_ledger_event(a->db, a->session_id, now, POLICY_EV_IDLE_WARNING, v.message);
	}
	if (!result && rec_writer_failed(w))
		result = "Session ended: the recording failed.";
	rec_put(a);
	return result;
}

/* The gate's close reasons are sentences; the ledger wants one of its end reasons. A
 * reason decided by on_tick wins over what the gate saw (it closed because of it). */
static policy_end_reason end_reason_for(gate_audit *a, rec_writer *w, const char *gate_reason)
{
	if (a->tick_ended)
		return a->tick_reason;
	if (rec_writer_failed(w))
		return POLICY_END_ERROR;
	if (!gate_reason)
		return POLICY_END_ERROR;
	/* First: the sentence may name the target too. */
	if (strstr(gate_reason, "recording_incomplete"))
		return POLICY_END_RECORDING_INCOMPLETE;
	if (strstr(gate_reason, "client disconnected"))
		return POLICY_END_CLIENT_DISCONNECT;
	if (strstr(gate_reason, "target"))
		return POLICY_END_TARGET_DISCONNECT;
	if (strstr(gate_reason, "shut"))
		return POLICY_END_GATE_SHUTDOWN;
	return POLICY_END_ERROR;
}

static void audit_on_close(void *ctx, const char *reason)
{
	gate_audit *a = ctx;
	int64_t now = policy_now_us();

	/* Take the recorder away from every other callback first. */
	pthread_rwlock_wrlock(&a->rec_lock);
	rec_writer *w = a->rec;
	a->rec = NULL;
	pthread_rwlock_unlock(&a->rec_lock);
	if (!w)
		return;

	pthread_mutex_lock(&a->lock);
	policy_end_reason end = end_reason_for(a, w, reason);
	int64_t gap = now - a->last_input_us;
	if (gap > IDLE_GRACE_US)
		a->idle_us += gap - IDLE_GRACE_US;
	int64_t idle = a->idle_us;
	uint64_t devices_unlisted = a->devices_unlisted, events_unwritten = a->events_unwritten;
	pthread_mutex_unlock(&a->lock);

	/* The counts of what the caps kept out of the ledger, before the session's end. */
	char count_text[160];
	if (devices_unlisted) {
		snprintf(count_text, sizeof(count_text),
		         "%llu more device(s) announced, not listed singly (all are in the recording)",
		         (unsigned long long)devices_unlisted);
		rec_writer_event(w, "device_announced_unlisted", count_text);
		policy_ledger_event(a->db, a->session_id, now, "device_announced", count_text);
	}
	if (events_unwritten) {
		snprintf(count_text, sizeof(count_text),
		         "%llu more event(s) of this session suppressed in the ledger (all are in the recording)",
		         (unsigned long long)events_unwritten);
		rec_writer_event(w, "events_suppressed", count_text);
		policy_ledger_event(a->db, a->session_id, now, "events_suppressed", count_text);
	}

	char end_text[256];
	snprintf(end_text, sizeof(end_text), "%s", policy_end_name(end));
	rec_writer_event(w, "end_detail", reason ? reason : "");
	uint8_t digest[32];
	rec_writer_stats stats = { 0 };
	bool rec_ok = rec_writer_close(w, end_text, digest, &stats) == 0;
	char digest_hex[65];
	rec_digest_hex(digest, digest_hex);
	if (!rec_ok) {
		WLog_ERR(TAG, "session %lld: the recording %s is incomplete", (long long)a->session_id,
		         a->recording_path);
		end = POLICY_END_ERROR;
	}

	policy_session_end e = { .end_us = now,
		                 .reason = end,
		                 .bytes = stats.bytes,
		                 .frames = stats.updates,
		                 .idle_us = idle,
		                 .recording_path = a->recording_path,
		                 .recording_digest_hex = digest_hex };
	if (policy_ledger_session_end(a->db, a->session_id, &e) != POLICY_OK)
		WLog_ERR(TAG, "session %lld: ledger end not written: %s", (long long)a->session_id,
		         policy_last_error());
	WLog_INFO(TAG, "session %lld ended: %s (%s); recording %s, %llu bytes, digest %s",
	          (long long)a->session_id, policy_end_name(end), reason ? reason : "",
	          a->recording_path, (unsigned long long)stats.bytes, digest_hex);
}

static void audit_release(void *ctx)
{
	gate_audit *a = ctx;
	if (a->rec) /* the session never reached on_close */
		rec_writer_close(a->rec, "error", NULL, NULL);
	pthread_rwlock_destroy(&a->rec_lock);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

gate_observer gate_audit_observer(gate_audit *a)
{
	return (gate_observer){ .ctx = a,
		                .on_frame = audit_on_frame,
		                .on_pointer_position = audit_on_pointer_position,
		                .on_pointer_shape = audit_on_pointer_shape,
		                .on_key = audit_on_key,
		                .on_unicode = audit_on_unicode,
		                .on_mouse = audit_on_mouse,
		                .on_event = audit_on_event,
		                .on_resize = audit_on_resize,
		                .on_tick = audit_on_tick,
		                .on_close = audit_on_close,
		                .release = audit_release };
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
