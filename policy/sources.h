/* sources.h: the city's minimum prefixes for the sources of Table 2 permits
 * (Art. 3, Table 2 row 1(2): connections restricted by global IP address).
 *
 * A Table 2 permit source must be a global block at least /min4 (IPv4) or
 * /min6 (IPv6) long (permit.h, rule table2-source-global). The minimums are a
 * decision of the city, kept in the settings table (source_min_prefix4,
 * source_min_prefix6); each change is a ledger row (sources_set) naming who
 * made it. Defaults when never set: /24 and /48. Ranges: IPv4 8-32, IPv6
 * 16-128 (a shorter block is no restriction of anyone).
 *
 * Contract: as policy.h.
 */
#ifndef RMGATE_POLICY_SOURCES_H
#define RMGATE_POLICY_SOURCES_H

#include <stdint.h>

#include "policy.h"

#define POLICY_SOURCE_MIN4_DEFAULT 24
#define POLICY_SOURCE_MIN6_DEFAULT 48
#define POLICY_SOURCE_MIN4_LOW 8
#define POLICY_SOURCE_MIN6_LOW 16

/* The minimums in force (the defaults when never set). */
int policy_sources_get(policy_db *db, int *min4, int *min6);
/* Sets them by actor (required), with one ledger row; 0 keeps that one as it
 * is. INVALID (nothing changed) when out of range or both 0. */
int policy_sources_set(policy_db *db, int min4, int min6, const char *actor, int64_t now_us);

#endif
