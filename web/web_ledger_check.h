/* web_ledger_check: the console's view of the ledger's integrity, kept fresh in the
 * background so that no page waits for it.
 *
 * A full check (policy_ledger_verify: every row recomputed; seconds on a city's ledger of
 * millions of rows) runs once before the console serves its first page and then every hour;
 * every minute in between, a check of the rows appended since (policy_ledger_verify_since,
 * in proportion to the new rows) moves the head forward. A broken chain stays reported until
 * a full check passes again; a check that could not read the database keeps the last result
 * and says so.
 *
 * Ownership: the checker thread owns its own read-only database handle and does every check;
 * the result is copied out under the checker's mutex (web_ledger_check_result), from any
 * request thread. start and stop from the main thread only.
 */
#ifndef RMGATE_WEB_LEDGER_CHECK_H
#define RMGATE_WEB_LEDGER_CHECK_H

#include "ledger.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct web_ledger_check web_ledger_check;

typedef struct {
	policy_verify_result last; /* the latest check; last.head_seq = rows of the chain checked */
	bool broken;               /* a check found the chain broken (last.problem says where) */
	char unreadable[320];      /* "" or why the latest check could not run (result kept) */
	int64_t checked_us;        /* wall-clock time of the latest check */
	int64_t full_us;           /* of the latest full check */
} web_ledger_status;

/* Opens database_path read-only, runs the first full check (printing one line with its
 * time), then starts the thread. NULL with err on failure. */
web_ledger_check *web_ledger_check_start(const char *database_path, char *err, size_t errlen);
void web_ledger_check_result(web_ledger_check *c, web_ledger_status *out);
/* Runs one check now in the caller's thread, as the thread does on its timer: full, or of the
 * rows since the last head reached (a full one after a broken chain). For tests. */
void web_ledger_check_run(web_ledger_check *c, bool full);
/* Ends the thread (waiting for a check under way) and frees everything; NULL is fine. */
void web_ledger_check_stop(web_ledger_check *c);

#endif
