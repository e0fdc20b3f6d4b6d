/* sources.c: the minimum prefixes of Table 2 sources (sources.h). */
#include "sources.h"
#include "ledger.h"
#include "ledger_internal.h"
#include "policy_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define MIN4_KEY "source_min_prefix4"
#define MIN6_KEY "source_min_prefix6"

static int read_one(policy_db *db, const char *key, int fallback, int *out)
{
	char text[16], def[16];
	snprintf(def, sizeof def, "%d", fallback);
	int status = pol_setting_get_locked(db, key, def, text, sizeof text, NULL);
	*out = status ? fallback : atoi(text);
	return status;
}

int pol_sources_get_locked(policy_db *db, int *min4, int *min6)
{
	int status = read_one(db, MIN4_KEY, POLICY_SOURCE_MIN4_DEFAULT, min4);
	return status ? status : read_one(db, MIN6_KEY, POLICY_SOURCE_MIN6_DEFAULT, min6);
}

int policy_sources_get(policy_db *db, int *min4, int *min6)
{
	pol_lock(db);
	int status = pol_sources_get_locked(db, min4, min6);
	pol_unlock(db);
	return status;
}

static int write_one(policy_db *db, const char *key, int value, const char *actor, int64_t now_us)
{
	char text[16];
	snprintf(text, sizeof text, "%d", value);
	return pol_setting_put_locked(db, key, text, actor, now_us);
}

int policy_sources_set(policy_db *db, int min4, int min6, const char *actor, int64_t now_us)
{
	if (!min4 && !min6)
		return pol_fail(POLICY_ERR_INVALID, "give a minimum prefix to set (--min-prefix4 and/or --min-prefix6)");
	if (min4 && (min4 < POLICY_SOURCE_MIN4_LOW || min4 > 32))
		return pol_fail(POLICY_ERR_INVALID, "the IPv4 minimum prefix must be %d to 32, not %d", POLICY_SOURCE_MIN4_LOW, min4);
	if (min6 && (min6 < POLICY_SOURCE_MIN6_LOW || min6 > 128))
		return pol_fail(POLICY_ERR_INVALID, "the IPv6 minimum prefix must be %d to 128, not %d", POLICY_SOURCE_MIN6_LOW, min6);
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who sets the minimum prefixes must be named (--by)");
	pol_lock(db);
	int old4 = 0, old6 = 0, status = pol_begin(db);
	if (!status)
		status = pol_sources_get_locked(db, &old4, &old6);
	if (!status && min4)
		status = write_one(db, MIN4_KEY, min4, actor, now_us);
	if (!status && min6)
		status = write_one(db, MIN6_KEY, min6, actor, now_us);
	if (!status) {
		char detail[128];
		snprintf(detail, sizeof detail, "minimum prefix of Table 2 sources IPv4 /%d IPv6 /%d (was /%d /%d)",
			 min4 ? min4 : old4, min6 ? min6 : old6, old4, old6);
		status = pol_ledger_admin_event_locked(db, now_us, POLICY_EV_SOURCES_SET, detail, 0, actor);
	}
	if (!status)
		status = pol_commit(db);
	else
		pol_rollback(db);
	pol_unlock(db);
	return status;
}
