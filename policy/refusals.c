/* refusals.c: refused logons in the ledger, aggregated per source address
 * (policy_internal.h describes the slot table, ledger.h the rows). A source's
 * first refusals of a window are appended singly, the rest are counted in its
 * slot and appended as one "refused_summary" row when the window ends.
 * Failed passwords of existing accounts are never aggregated (account.h).
 * The slot table lives in policy_db and is touched only with the db lock held;
 * rows go through ledger.c's chain (ledger_internal.h). */
#include "ledger.h"
#include "ledger_internal.h"

#include <stdio.h>
#include <string.h>

/* Writes the summary of one slot if it counted anything, then frees it. */
static int refusal_slot_flush(policy_db *db, pol_refusal_slot *slot, int64_t now_us)
{
	int status = POLICY_OK;
	if (slot->used && slot->suppressed_total > 0) {
		char from[24], to[24], detail[512];
		pol_format_local(db, slot->first_suppressed_us, from, sizeof from);
		pol_format_local(db, slot->last_suppressed_us, to, sizeof to);
		int n = snprintf(detail, sizeof detail, "%llu refused logon(s) from %s not listed singly (%s to %s):",
				 (unsigned long long)slot->suppressed_total, slot->source, from, to);
		for (int r = 1; r < POLICY_DENY_COUNT && n > 0 && (size_t)n < sizeof detail; r++)
			if (slot->suppressed[r])
				n += snprintf(detail + n, sizeof detail - (size_t)n, " %s=%llu",
					      policy_deny_name((policy_deny_reason)r),
					      (unsigned long long)slot->suppressed[r]);
		bool other = !strcmp(slot->source, POL_OTHER_SOURCES);
		status = pol_ledger_append_event_locked(db, 0, now_us, POLICY_EV_REFUSED_SUMMARY, detail, NULL,
				      other ? NULL : slot->source, NULL, 0, NULL);
	}
	if (!status)
		memset(slot, 0, sizeof *slot);
	return status;
}

int pol_ledger_flush_refusals_locked(policy_db *db, int64_t now_us, bool all)
{
	int status = POLICY_OK;
	for (int i = 0; i < POL_REFUSAL_SLOTS; i++) {
		pol_refusal_slot *slot = &db->refusals[i];
		if (slot->used && (all || now_us >= slot->window_start_us + db->refusal_window_us)) {
			int rc = refusal_slot_flush(db, slot, now_us);
			if (rc && !status)
				status = rc;
		}
	}
	return status;
}

int policy_ledger_flush_refusals(policy_db *db, int64_t now_us, bool all)
{
	pol_lock(db);
	int status = pol_ledger_flush_refusals_locked(db, now_us, all);
	pol_unlock(db);
	return status;
}

/* The slot of `source`, a free one, or when the table is full the last slot, shared by every
 * address that found no place (so a flood from many addresses stays bounded too). */
static pol_refusal_slot *refusal_slot(policy_db *db, const char *source, int64_t now_us)
{
	pol_refusal_slot *free_slot = NULL;
	for (int i = 0; i < POL_REFUSAL_SLOTS - 1; i++) {
		pol_refusal_slot *slot = &db->refusals[i];
		if (!slot->used) {
			if (!free_slot)
				free_slot = slot;
		} else if (!strncmp(slot->source, source, sizeof slot->source - 1)) {
			return slot;
		}
	}
	pol_refusal_slot *slot = free_slot;
	if (!slot) {
		slot = &db->refusals[POL_REFUSAL_SLOTS - 1];
		if (slot->used)
			return slot;
		source = POL_OTHER_SOURCES;
	}
	memset(slot, 0, sizeof *slot);
	slot->used = true;
	snprintf(slot->source, sizeof slot->source, "%s", source);
	slot->window_start_us = now_us;
	return slot;
}

/* Failed passwords of existing accounts are always written singly: the lock-out counts them,
 * and the lock-out itself bounds them (account.h). Every other refusal is aggregated. */
int pol_ledger_refused_locked(policy_db *db, int64_t at_us, policy_deny_reason reason, const char *login,
                              const char *source, int64_t system_id, const char *detail)
{
	if (reason != POLICY_DENY_BAD_PASSWORD && (unsigned)reason < POLICY_DENY_COUNT) {
		const char *key = source ? source : "";
		int status = pol_ledger_flush_refusals_locked(db, at_us, false);
		pol_refusal_slot *slot = status ? NULL : refusal_slot(db, key, at_us);
		if (slot && slot->written >= db->refusal_burst) {
			if (!slot->suppressed_total)
				slot->first_suppressed_us = at_us;
			slot->last_suppressed_us = at_us;
			slot->suppressed[reason]++;
			slot->suppressed_total++;
			return POLICY_OK;
		}
		if (slot)
			slot->written++;
		/* No slot (the ledger could not take a summary): the row is written singly. */
	}
	return pol_ledger_append_event_locked(db, 0, at_us, POLICY_EV_REFUSED, detail, login, source, policy_deny_name(reason),
			    system_id, NULL);
}

int policy_ledger_refused(policy_db *db, int64_t at_us, policy_deny_reason reason, const char *login,
                          const char *source, const char *requested_system, const char *detail)
{
	if ((unsigned)reason >= POLICY_DENY_COUNT || reason == POLICY_DENY_NONE)
		return pol_fail(POLICY_ERR_INVALID, "a refused attempt needs a reason");
	pol_lock(db);
	int64_t system_id = 0;
	if (requested_system && *requested_system &&
	    pol_id_by_name(db, "systems", requested_system, &system_id) != POLICY_OK)
		system_id = 0;
	int status = pol_ledger_refused_locked(db, at_us, reason, login, source, system_id, detail);
	pol_unlock(db);
	return status;
}

