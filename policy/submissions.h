/* submissions.h: when a section submitted its monthly report (Form 4, Art. 10: by the 5th of
 * the next month, or the next open day) to the IT division.
 *
 * A submission is a ledger row (report_submitted, detail "Form 4 YYYY-MM section NAME", actor
 * = who marked it): append-only and in the hash chain like every other row. Marking the same
 * month and section again adds another row (a resubmission); the first one counts for the due
 * date. Contract: as policy.h (any thread).
 */
#ifndef RMGATE_POLICY_SUBMISSIONS_H
#define RMGATE_POLICY_SUBMISSIONS_H

#include "policy.h"

/* Records that `section` submitted its report for (year, month), marked by `actor`. The month
 * must be over (no report of a month not yet ended). */
int policy_report_mark_submitted(policy_db *db, int year, int month, const char *section, const char *actor,
                                 int64_t now_us);

typedef struct {
	bool submitted;
	int64_t at_us;      /* the first submission */
	char by[257];       /* who marked it */
	char due[11];       /* the due date (YYYY-MM-DD) */
	bool late;          /* submitted after the due date, or not yet and the due date has passed */
} policy_submission;

/* The state of (year, month, section) at now_us. */
int policy_report_submission(policy_db *db, int year, int month, const char *section, int64_t now_us,
                             policy_submission *out);

#endif
