/* refusal_view.h: the refused attempts of a month as the console shows them (rmgate-web), the
 * same rows as `rmgate-policy refusal list` (one query, POL_REFUSAL_ROWS in ledger_internal.h).
 *
 * A row is one ledger row: a single refused attempt (count 1), or a "refused_summary" of a
 * flood from one source (count = the attempts it stands for; no login). The vendor is the one
 * of the account the attempt named; the sections are those of the permits it counts against
 * (else the requested system's), comma-separated. Texts are cut to POLICY_VIEW_TEXT bytes.
 * Contract: as policy.h (any thread).
 */
#ifndef RMGATE_POLICY_REFUSAL_VIEW_H
#define RMGATE_POLICY_REFUSAL_VIEW_H

#include "permit_view.h"

typedef struct {
	int64_t at_us;
	int64_t count;
	bool summary; /* a refused_summary row */
	char source[64], login[POLICY_VIEW_TEXT], account[POLICY_VIEW_TEXT], vendor[POLICY_VIEW_TEXT];
	char system[POLICY_VIEW_TEXT], reason[32], permits[POLICY_VIEW_TEXT], section[POLICY_VIEW_TEXT];
	char detail[POLICY_VIEW_TEXT];
} policy_refusal_row;

typedef struct {
	int year, month;     /* the month (display zone), required */
	const char *section; /* a section's name (an applicant: hers), or NULL for every section */
	const char *vendor;  /* a vendor's name, or NULL */
	int page;            /* 0-based, POLICY_VIEW_PAGE rows each, in ledger order */
} policy_refusal_filter;

/* A page of the month's refusals (rows: room for POLICY_VIEW_PAGE, or NULL to count only);
 * *total counts the rows of every page and *attempts (may be NULL) the attempts they stand
 * for. INVALID for a month out of range. */
int policy_refusal_list_page(policy_db *db, const policy_refusal_filter *f, policy_refusal_row *rows, int *n,
                             int *total, int64_t *attempts);

#endif
