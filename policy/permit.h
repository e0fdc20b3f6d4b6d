/* permit.h: permits and their legal lifecycle (Arts. 4, 5, 7, 8, 9-2).
 *
 * States and the only legal steps (every step adds a history row with
 * actor, time, reason):
 *
 *   apply                 -> applied
 *   decide --approve      applied -> approved
 *   decide --refuse       applied -> refused                    (final)
 *   order                 approved|ordered -> ordered, suspended -> suspended,
 *                         or with suspend approved|ordered|suspended -> suspended
 *   order-done            closes the open orders; ordered -> approved, others stay
 *   suspend               approved|ordered -> suspended
 *   resume                suspended -> approved
 *   revoke                approved|ordered|suspended -> revoked (final)
 *   end                   approved|ordered|suspended -> ended   (final)
 *
 * A permit lets sessions start only while approved or ordered (a corrective
 * order without suspension keeps it usable) and inside its window: from
 * 00:00 of `from` to 24:00 of `to`, in the display zone.
 *
 * A corrective order (Art. 7) is a row of its own with the measures and a
 * due date; it stays open until order-done. An open order whose due date has
 * passed (in the display zone) is overdue, and a revocation (Art. 8) says so
 * in its history row.
 *
 * Validation at apply (a refusal names the rule in policy_last_error() as
 * "rule NAME: ..."): period-order, period-in-contract, one-fiscal-year,
 * owner-section, class-table, checklist, table2-source, source-cidr,
 * subcontractor-prime. An approval checks them all again against the
 * database as it is then, plus period-ended (a permit whose period is over
 * cannot be approved).
 *
 * A permit in a live state (approved, ordered, suspended) whose window has
 * ended is shown as "expired" (derived, never stored: the stored state is
 * the last decision).
 *
 * Contract: as policy.h.
 */
#ifndef RMGATE_POLICY_PERMIT_H
#define RMGATE_POLICY_PERMIT_H

#include "policy.h"

typedef enum {
	POLICY_PERMIT_APPLIED,
	POLICY_PERMIT_APPROVED,
	POLICY_PERMIT_REFUSED,
	POLICY_PERMIT_ORDERED,
	POLICY_PERMIT_SUSPENDED,
	POLICY_PERMIT_REVOKED,
	POLICY_PERMIT_ENDED,
} policy_permit_state;

const char *policy_permit_state_name(policy_permit_state s);

typedef struct {
	const char *section;   /* applying (owner) section */
	const char *vendor;    /* the company that connects (vendor or subcontractor) */
	const char *prime;     /* required iff vendor is a subcontractor: its prime */
	const char *system;
	const char *purpose;
	const char *from, *to;                   /* permit period, YYYY-MM-DD */
	const char *contract_from, *contract_to; /* contract period, YYYY-MM-DD */
	const char *const *sources;              /* CIDRs; none = any address (Table 1 only) */
	size_t n_sources;
	int table;                               /* 1 or 2 */
	const char *const *confirm;              /* checklist items confirmed */
	size_t n_confirm;
	bool confirm_all;
	bool observe_only;                       /* drop all vendor input */
	const char *applicant;                   /* actor; NULL = the section's officer */
} policy_permit_application;

/* Items of each requirement table (NULL-terminated, static). */
const char *const *policy_table_items(int table);

/* Validates and records an application (state applied). */
int policy_permit_apply(policy_db *db, const policy_permit_application *app, int64_t now_us, int64_t *id_out);

typedef enum {
	POLICY_STEP_APPROVE,
	POLICY_STEP_REFUSE,
	POLICY_STEP_ORDER,
	POLICY_STEP_ORDER_SUSPEND,
	POLICY_STEP_SUSPEND,
	POLICY_STEP_RESUME,
	POLICY_STEP_REVOKE,
	POLICY_STEP_END,
} policy_permit_step;

/* Applies one step. POLICY_ERR_STATE (nothing changed) when the step is not
 * legal from the current state; `actor` is required, `reason` is required
 * for every step but approve. An order has a due date, so the two order
 * steps go through policy_permit_order (here they fail with
 * POLICY_ERR_INVALID). */
int policy_permit_step_apply(policy_db *db, int64_t permit_id, policy_permit_step step, const char *actor,
                             const char *reason, int64_t now_us);

/* Records a corrective order (Art. 7): `measures` (required) are what the
 * section must do by `due` (YYYY-MM-DD, not before the day of the order);
 * with `suspend` the permit is suspended until resumed. */
int policy_permit_order(policy_db *db, int64_t permit_id, const char *actor, const char *measures, const char *due,
                        bool suspend, int64_t now_us, int64_t *order_id);

/* Closes every open order of the permit (POLICY_ERR_STATE if none is open or
 * the permit is revoked, refused or ended); an ordered permit is approved
 * again, a suspended one stays suspended until 'resume'. `note` says what
 * was done (required). *closed gets the number of orders closed. */
int policy_permit_order_done(policy_db *db, int64_t permit_id, const char *actor, const char *note, int64_t now_us,
                             int *closed);

/* The oldest open order of the permit whose due date is before the day of
 * `now_us`: *order_id and due (YYYY-MM-DD) set, *found true. */
int policy_permit_overdue_order(policy_db *db, int64_t permit_id, int64_t now_us, bool *found, int64_t *order_id,
                                char due[11]);

int policy_permit_state_of(policy_db *db, int64_t permit_id, policy_permit_state *state);

#endif
