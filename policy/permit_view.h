/* permit_view.h: permits as the console shows them: a page of the list, and one permit with
 * its checklist, history and corrective orders, read in one call each (rmgate-web).
 *
 * Texts are cut to POLICY_VIEW_TEXT bytes (names, purpose, reasons). `expired` is derived as
 * in permit.h (a live state past its window, at now_us). `section_id` > 0 limits to one
 * section (an applicant's); a permit of another section is POLICY_ERR_NOT_FOUND, exactly as a
 * missing one, so a URL does not tell whether it exists.
 *
 * Contract: as policy.h (any thread).
 */
#ifndef RMGATE_POLICY_PERMIT_VIEW_H
#define RMGATE_POLICY_PERMIT_VIEW_H

#include "permit.h"

#define POLICY_VIEW_TEXT 256
#define POLICY_VIEW_PAGE 100   /* rows of a list page */
#define POLICY_VIEW_HISTORY 100
#define POLICY_VIEW_ORDERS 50

typedef struct {
	int64_t id;
	policy_permit_state state;
	bool expired;
	int64_t section_id;
	char section[POLICY_VIEW_TEXT], officer[POLICY_VIEW_TEXT], vendor[POLICY_VIEW_TEXT], prime[POLICY_VIEW_TEXT];
	char system[POLICY_VIEW_TEXT], system_class[16];
	char purpose[POLICY_VIEW_TEXT];
	char from[11], to[11], contract_from[11], contract_to[11];
	int table;
	char sources[POLICY_VIEW_TEXT];
	bool observe_only;
	char applied_by[POLICY_VIEW_TEXT];
	int64_t applied_us;
} policy_permit_row;

typedef struct {
	int64_t at_us;
	char actor[POLICY_VIEW_TEXT], action[32], from_state[16], to_state[16], reason[POLICY_VIEW_TEXT];
} policy_permit_step_row;

typedef struct {
	int64_t id, ordered_us, done_us;
	char ordered_by[POLICY_VIEW_TEXT], measures[POLICY_VIEW_TEXT], due[11], done_by[POLICY_VIEW_TEXT];
	char done_note[POLICY_VIEW_TEXT];
	bool suspended, overdue;
} policy_permit_order_row;

typedef struct {
	policy_permit_row permit;
	char checklist[16][32]; /* the confirmed items of its table */
	int n_checklist;
	policy_permit_step_row history[POLICY_VIEW_HISTORY];
	int n_history;
	policy_permit_order_row orders[POLICY_VIEW_ORDERS];
	int n_orders;
} policy_permit_detail;

typedef struct {
	const char *state;   /* a state name, "expired", or NULL = any */
	int64_t section_id;  /* 0 = every section */
	int page;            /* 0-based, POLICY_VIEW_PAGE rows each */
} policy_permit_filter;

/* A page of permits, newest first; *total counts every match. */
int policy_permit_list_page(policy_db *db, const policy_permit_filter *f, int64_t now_us, policy_permit_row *rows,
                            int *n, int *total);

/* One permit with its checklist, history and orders (allocated: free with free()). */
int policy_permit_detail_load(policy_db *db, int64_t id, int64_t section_id, int64_t now_us,
                              policy_permit_detail **out);

#endif
