/* gate_limits: when a live session must end, so that connection time is kept to the
 * necessary minimum (Art. 6-3 of the rules): no vendor input for too long, too long in
 * total, or the end of the permit window.
 *
 * Contract: pure functions on plain values (no lock, no I/O, any thread). Times are µs
 * since the epoch (UTC); a limit of 0 means "no such limit". The suspension or revocation
 * of the permit is not decided here: that needs the database (gate_audit polls it).
 */
#ifndef RMGATE_GATE_LIMITS_H
#define RMGATE_GATE_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#include "ledger.h"

typedef struct {
	int64_t start_us;       /* when the session started */
	int idle_timeout_s;     /* end after this long without vendor input */
	int idle_warning_s;     /* warn this long before the idle end (0 = no warning) */
	int max_duration_s;     /* end after this long in total */
	int64_t window_end_us;  /* end when the permit window closes */
} gate_limits;

typedef struct {
	bool end;                  /* the session must end now */
	policy_end_reason reason;  /* why (when end) */
	bool warn_idle;            /* inside the warning period before an idle end */
	int seconds_left;          /* with warn_idle: seconds until the idle end */
	char message[160];         /* one sentence for the vendor, the log and the ledger */
} gate_limit_verdict;

/* Decides at now_us, given the time of the vendor's last input (the start if none).
 * The earliest limit wins when several have passed. */
void gate_limits_check(const gate_limits *l, int64_t now_us, int64_t last_input_us,
                       gate_limit_verdict *v);

#endif
