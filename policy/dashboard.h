/* dashboard.h: what the console's first page shows (rmgate-web), read in one call.
 *
 * Lists are the newest or soonest first and cut at POLICY_DASH_MAX rows (the counts say how
 * many there are in all). Times are µs since the epoch; the caller formats them in the
 * display zone (policy_format_local). `section_id` > 0 limits everything to one section's
 * systems and permits (an applicant's view); 0 = every section.
 *
 * Contract: as policy.h (any thread). The ledger verification (`verify_ledger` true) reads the
 * whole chain, so the caller decides how often to ask for it.
 */
#ifndef RMGATE_POLICY_DASHBOARD_H
#define RMGATE_POLICY_DASHBOARD_H

#include "ledger.h"
#include "policy.h"
#include "submissions.h"

#define POLICY_DASH_MAX 50
#define POLICY_DASH_TEXT 160

typedef struct {
	int64_t session_id, start_us;
	char login[POLICY_DASH_TEXT], vendor[POLICY_DASH_TEXT], system[POLICY_DASH_TEXT], source[64];
} policy_dash_session;

typedef struct {
	int64_t permit_id, end_us; /* end_us: the end of its window (exclusive) */
	char vendor[POLICY_DASH_TEXT], system[POLICY_DASH_TEXT], to_date[11];
} policy_dash_permit;

typedef struct {
	int64_t order_id, permit_id;
	char due_date[11], measures[POLICY_DASH_TEXT], vendor[POLICY_DASH_TEXT];
	bool overdue;
} policy_dash_order;

typedef struct {
	/* Sessions running now: started and not ended, and started recently enough to be running
	 * (the gate ends every session after its system's max_duration_s: only sessions younger
	 * than the largest of those, plus a day, are looked at; a start row older than that without
	 * an end is a gate that stopped without ending it, closed by its crash recovery, not a
	 * running session). Every session is looked at when a system has no maximum. */
	policy_dash_session live[POLICY_DASH_MAX];
	int n_live, live_total;
	int sessions_today;
	policy_dash_permit expiring[POLICY_DASH_MAX];
	int n_expiring, expiring_total; /* live permits whose window ends within 30 days */
	policy_dash_order orders[POLICY_DASH_MAX];
	int n_orders, orders_total;     /* open corrective orders */
	int report_year, report_month;  /* the month whose report is due next (the previous one) */
	char report_due[11];
	struct {
		char section[POLICY_DASH_TEXT];
		policy_submission state;
	} submissions[POLICY_DASH_MAX]; /* that report, per section (the applicant's only) */
	int n_submissions;
	bool verified;                  /* verify_ledger was asked */
	policy_verify_result verify;
} policy_dashboard;

int policy_dashboard_load(policy_db *db, int64_t now_us, int64_t section_id, bool verify_ledger, policy_dashboard *out);

#endif
