/* gate_recorder: the session worker's observer: it writes the session into its recording
 * (replay/rec_writer, on the descriptor the monitor gave) and reports what the monitor must
 * know (receipt events, "the vendor gave input", the end) through a report table.
 *
 * Contract
 * - gate_recorder_new(fd, ...) starts the recorder on fd (taken, also on failure; -1 = lab
 *   mode without recording: only the reports). NULL with a sentence in err when the recording
 *   cannot start: the session must then be refused (fail closed).
 * - gate_recorder_observer() is the gate_observer the session holds; its release() frees the
 *   recorder. Input callbacks call report.input at most once a second.
 * - on_tick asks report.tick (the monitor's verdict) and ends the session when the recording
 *   failed; on_close writes the end record and index, closes the file, then calls
 *   report.end(reason, screen updates written).
 * - gate_recorder_note() writes an event the monitor decided (the idle warning) into the
 *   recording; any session thread.
 *
 * Threads: the callbacks come from the session's threads as gate_observer.h says; the
 * recorder calls are thread-safe; `rec` is taken away by on_close under rec_lock (written),
 * every other use holds it for reading; the input throttle is atomic.
 */
#ifndef RMGATE_GATE_RECORDER_H
#define RMGATE_GATE_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "gate_observer.h"
#include "rec_writer.h"

typedef struct gate_recorder gate_recorder;

typedef struct {
	void *ctx;
	void (*event)(void *ctx, gate_event_type type, const char *detail);
	void (*input)(void *ctx);
	/* The sentence why the session must end now, or NULL; *error_info as gate_observer's
	 * on_tick. */
	const char *(*tick)(void *ctx, UINT32 *error_info);
	void (*end)(void *ctx, const char *reason, uint64_t frames);
} gate_recorder_report;

gate_recorder *gate_recorder_new(int fd, const rec_session_info *info, int64_t ledger_session,
                                 const gate_recorder_report *report, char *err, size_t errlen);
gate_observer gate_recorder_observer(gate_recorder *r);
void gate_recorder_note(gate_recorder *r, const char *name, const char *detail);

#endif
