/* bench_clock.h: the two clocks the policy benchmarks share (test support, never shipped):
 * a monotonic stopwatch in seconds, and a Japan-time (JST, UTC+9) instant in µs. */
#ifndef RMGATE_BENCH_CLOCK_H
#define RMGATE_BENCH_CLOCK_H

#include "calendar.h"

#include <stdint.h>
#include <time.h>

static inline double bench_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Local (JST) time of a day and hour, in µs since the epoch. */
static inline int64_t bench_jst_us(int y, int m, int d, int h)
{
	cal_date day = { y, m, d };
	return (cal_to_days(day) * 86400 + (h - 9) * 3600) * (int64_t)1000000;
}

#endif
