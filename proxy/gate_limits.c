/* gate_limits: the time rules of a live session (see gate_limits.h). */
#include <stdio.h>
#include <string.h>

#include "gate_limits.h"

#define US_PER_S 1000000LL

typedef struct {
	int64_t at_us;
	policy_end_reason reason;
	const char *what;
} limit_deadline;

void gate_limits_check(const gate_limits *l, int64_t now_us, int64_t last_input_us,
                       gate_limit_verdict *v)
{
	memset(v, 0, sizeof(*v));
	if (last_input_us < l->start_us)
		last_input_us = l->start_us;

	limit_deadline deadlines[3];
	int n = 0;
	if (l->idle_timeout_s > 0)
		deadlines[n++] = (limit_deadline){ last_input_us + l->idle_timeout_s * US_PER_S,
		                                   POLICY_END_IDLE_TIMEOUT, "no input for the idle timeout" };
	if (l->max_duration_s > 0)
		deadlines[n++] = (limit_deadline){ l->start_us + l->max_duration_s * US_PER_S,
		                                   POLICY_END_MAX_DURATION, "the maximum session duration was reached" };
	if (l->window_end_us > 0)
		deadlines[n++] = (limit_deadline){ l->window_end_us, POLICY_END_WINDOW_END,
		                                   "the permit window has ended" };

	const limit_deadline *first = NULL;
	for (int i = 0; i < n; i++)
		if (deadlines[i].at_us <= now_us && (!first || deadlines[i].at_us < first->at_us))
			first = &deadlines[i];
	if (first) {
		v->end = true;
		v->reason = first->reason;
		snprintf(v->message, sizeof(v->message), "Session ended: %s.", first->what);
		return;
	}

	if (l->idle_timeout_s > 0 && l->idle_warning_s > 0) {
		int64_t idle_end = last_input_us + l->idle_timeout_s * US_PER_S;
		int64_t left = idle_end - now_us;
		if (left <= l->idle_warning_s * US_PER_S) {
			v->warn_idle = true;
			v->seconds_left = (int)((left + US_PER_S - 1) / US_PER_S);
			snprintf(v->message, sizeof(v->message),
			         "No input: the session ends in %d seconds.", v->seconds_left);
		}
	}
}
