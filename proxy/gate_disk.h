/* gate_disk: the free space of the recordings directory, the guard in front of "no recording,
 * no session".
 *
 * A recording that stops for a full disk leaves a session without evidence. So the gate
 * refuses new sessions while the recordings directory's file system has less than
 * `recordings_min_free_mb` free (the refusal is a ledger row naming the space), and warns in
 * its log while it has less than `recordings_warn_free_mb`, well before that: at each
 * admission, and about once a minute from the listener (gate_permits' tick) whether sessions
 * start or not.
 *
 * Stateless apart from the caller's gate_disk_watch; any thread.
 */
#ifndef RMGATE_GATE_DISK_H
#define RMGATE_GATE_DISK_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	GATE_DISK_OK = 0,
	GATE_DISK_LOW,  /* below the warning threshold: sessions go on; warn */
	GATE_DISK_FULL, /* below the minimum: refuse new sessions */
} gate_disk_state;

typedef struct {
	uint64_t min_free_mb;  /* refuse below this (0: never) */
	uint64_t warn_free_mb; /* warn below this (0: never) */
} gate_disk_limits;

/* The state of dir's file system; *free_mb receives its free space (available to an
 * unprivileged writer). A directory that cannot be examined counts as FULL (fail closed),
 * with the reason in err. For FULL and LOW, err holds one sentence for the log and ledger. */
gate_disk_state gate_disk_check(const char *dir, const gate_disk_limits *limits, uint64_t *free_mb, char *err,
				size_t errlen);

/* The listener's periodic check: logs a warning (or, when full, an error) at most once a
 * minute while the space is low, and one line when it is back above the warning level.
 * Owned by the monitor's loop (gate_permits_tick). */
typedef struct {
	int64_t next_check_us;
	gate_disk_state last;
} gate_disk_watch;

void gate_disk_watch_tick(gate_disk_watch *w, const char *dir, const gate_disk_limits *limits, int64_t now_us);

#endif
