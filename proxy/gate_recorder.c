/* gate_recorder: the worker's observer: recording + reports to the monitor (gate_recorder.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <winpr/wlog.h>

#include "gate_recorder.h"

#define TAG "rmgate.proxy.recorder"

struct gate_recorder {
	gate_recorder_report report; /* read-only */
	/* NULL once on_close has closed it (or without recording). Callbacks use it under
	 * rec_lock held for reading; on_close takes it for writing. Normally no callback runs
	 * after on_close (gate_observer.h); the lock keeps the recorder safe on the abnormal path
	 * where the gate could not stop its back thread and leaves the observer allocated. */
	pthread_rwlock_t rec_lock;
	rec_writer *rec;
	char name[64];
	atomic_llong next_input_report_ms; /* input reports: at most one a second */
	atomic_bool closed;               /* on_close has run: no report after the end */
};

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

gate_recorder *gate_recorder_new(int fd, const rec_session_info *info, int64_t ledger_session,
                                 const gate_recorder_report *report, char *err, size_t errlen)
{
	gate_recorder *r = calloc(1, sizeof(*r));
	if (!r) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->report = *report;
	pthread_rwlock_init(&r->rec_lock, NULL);
	atomic_init(&r->next_input_report_ms, 0);
	atomic_init(&r->closed, false);
	if (fd >= 0) {
		snprintf(r->name, sizeof(r->name), "recording %s", info->session_id);
		char rec_err[256];
		if (rec_writer_open_fd(&r->rec, fd, r->name, info, rec_err, sizeof(rec_err)) != 0) {
			snprintf(err, errlen, "the session cannot be recorded: %s", rec_err);
			pthread_rwlock_destroy(&r->rec_lock);
			free(r);
			return NULL;
		}
		char detail[32];
		snprintf(detail, sizeof(detail), "%lld", (long long)ledger_session);
		rec_writer_event(r->rec, "ledger_session", detail);
	}
	return r;
}

/* The recorder for one call, or NULL; pair with rec_put(). */
static rec_writer *rec_get(gate_recorder *r)
{
	pthread_rwlock_rdlock(&r->rec_lock);
	rec_writer *w = r->rec;
	if (!w)
		pthread_rwlock_unlock(&r->rec_lock);
	return w;
}

static void rec_put(gate_recorder *r)
{
	pthread_rwlock_unlock(&r->rec_lock);
}

static void note_input(gate_recorder *r)
{
	long long now = mono_ms();
	long long due = atomic_load(&r->next_input_report_ms);
	if (atomic_load(&r->closed) || now < due ||
	    !atomic_compare_exchange_strong(&r->next_input_report_ms, &due, now + 1000))
		return;
	if (r->report.input)
		r->report.input(r->report.ctx);
}

static void on_frame(void *ctx, const BYTE *bgra, UINT32 stride, UINT32 width, UINT32 height,
                     const gate_rect *rects, size_t nrects)
{
	gate_recorder *r = ctx;
	/* The recorder coalesces dirty regions itself; beyond this many rectangles one
	 * whole-screen update is as good and needs no allocation on the paint path. */
	enum { MAX_RECTS = 128 };
	rec_rect rr[MAX_RECTS];
	if (nrects > MAX_RECTS)
		nrects = 0; /* the whole screen */
	for (size_t i = 0; i < nrects; i++)
		rr[i] = (rec_rect){ (int32_t)rects[i].x, (int32_t)rects[i].y, (int32_t)rects[i].w,
			            (int32_t)rects[i].h };
	rec_writer *w = rec_get(r);
	if (!w)
		return;
	rec_writer_frame(w, bgra, stride, width, height, nrects ? rr : NULL, nrects);
	rec_put(r);
}

static void on_pointer_position(void *ctx, UINT32 x, UINT32 y)
{
	gate_recorder *r = ctx;
	rec_writer *w = rec_get(r);
	if (!w)
		return;
	rec_writer_pointer_position(w, (int32_t)x, (int32_t)y);
	rec_put(r);
}

static void on_pointer_shape(void *ctx, const gate_pointer_shape *shape)
{
	gate_recorder *r = ctx;
	rec_writer *w = rec_get(r);
	if (!w)
		return;
	switch (shape->kind) {
	case GATE_POINTER_HIDDEN: rec_writer_pointer_hidden(w); break;
	case GATE_POINTER_SYSTEM_DEFAULT: rec_writer_pointer_default(w); break;
	case GATE_POINTER_BITMAP:
		rec_writer_pointer_shape(w, shape->bgra, shape->width * 4, shape->width, shape->height,
		                         shape->hotspot_x, shape->hotspot_y);
		break;
	}
	rec_put(r);
}

static void on_key(void *ctx, UINT16 flags, UINT16 scancode)
{
	gate_recorder *r = ctx;
	rec_writer *w = rec_get(r);
	if (w) {
		rec_writer_key(w, flags, scancode);
		rec_put(r);
	}
	note_input(r);
}

static void on_unicode(void *ctx, UINT16 flags, UINT16 code)
{
	gate_recorder *r = ctx;
	rec_writer *w = rec_get(r);
	if (w) {
		rec_writer_unicode(w, flags, code);
		rec_put(r);
	}
	note_input(r);
}

static void on_mouse(void *ctx, UINT16 flags, UINT16 x, UINT16 y)
{
	gate_recorder *r = ctx;
	rec_writer *w = rec_get(r);
	if (w) {
		rec_writer_mouse(w, flags, x, y);
		rec_put(r);
	}
	note_input(r);
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

static void on_event(void *ctx, gate_event_type type, const char *detail)
{
	gate_recorder *r = ctx;
	char rec_type[64];
	recording_event_type(type, rec_type, sizeof(rec_type));
	rec_writer *w = rec_get(r);
	if (w) {
		rec_writer_event(w, rec_type, detail);
		rec_put(r);
	}
	if (r->report.event && !atomic_load(&r->closed))
		r->report.event(r->report.ctx, type, detail);
}

static void on_resize(void *ctx, UINT32 width, UINT32 height)
{
	gate_recorder *r = ctx;
	rec_writer *w = rec_get(r);
	if (!w)
		return;
	rec_writer_resize(w, width, height);
	rec_put(r);
}

void gate_recorder_note(gate_recorder *r, const char *name, const char *detail)
{
	rec_writer *w = rec_get(r);
	if (!w)
		return;
	rec_writer_event(w, name, detail);
	rec_put(r);
}

static const char *on_tick(void *ctx, UINT32 *error_info)
{
	gate_recorder *r = ctx;
	if (atomic_load(&r->closed))
		return NULL;
	const char *verdict = r->report.tick ? r->report.tick(r->report.ctx, error_info) : NULL;
	if (verdict)
		return verdict;
	rec_writer *w = rec_get(r);
	if (!w)
		return NULL;
	bool failed = rec_writer_failed(w);
	rec_put(r);
	return failed ? "Session ended: the recording failed." : NULL;
}

static void on_close(void *ctx, const char *reason)
{
	gate_recorder *r = ctx;
	/* Take the recorder away from every other callback first. */
	pthread_rwlock_wrlock(&r->rec_lock);
	rec_writer *w = r->rec;
	r->rec = NULL;
	atomic_store(&r->closed, true);
	pthread_rwlock_unlock(&r->rec_lock);
	uint64_t frames = 0;
	if (w) {
		rec_writer_event(w, "end_detail", reason ? reason : "");
		rec_writer_stats stats = { 0 };
		/* The end record names the gate's sentence; the ledger's end reason is the monitor's. */
		if (rec_writer_close(w, reason ? reason : "", NULL, &stats) != 0)
			WLog_ERR(TAG, "%s is incomplete", r->name);
		frames = stats.updates;
	}
	if (r->report.end)
		r->report.end(r->report.ctx, reason, frames);
}

static void on_release(void *ctx)
{
	gate_recorder *r = ctx;
	if (r->rec) /* the session never reached on_close */
		rec_writer_close(r->rec, "error", NULL, NULL);
	pthread_rwlock_destroy(&r->rec_lock);
	free(r);
}

gate_observer gate_recorder_observer(gate_recorder *r)
{
	return (gate_observer){ .ctx = r,
		                .on_frame = on_frame,
		                .on_pointer_position = on_pointer_position,
		                .on_pointer_shape = on_pointer_shape,
		                .on_key = on_key,
		                .on_unicode = on_unicode,
		                .on_mouse = on_mouse,
		                .on_event = on_event,
		                .on_resize = on_resize,
		                .on_tick = on_tick,
		                .on_close = on_close,
		                .release = on_release };
}
