/* registry_view.h: the names the console's forms offer (vendors, systems), read in one call.
 * At most POLICY_REGISTRY_MAX of each, ordered by name. Contract: as policy.h (any thread). */
#ifndef RMGATE_POLICY_REGISTRY_VIEW_H
#define RMGATE_POLICY_REGISTRY_VIEW_H

#include "policy.h"

#define POLICY_REGISTRY_MAX 500
#define POLICY_REGISTRY_TEXT 160

typedef struct {
	char name[POLICY_REGISTRY_TEXT];
	char detail[POLICY_REGISTRY_TEXT]; /* vendors: the prime's name ("" = a prime); systems: the class */
	int64_t section_id;                /* systems: the owner section */
} policy_registry_entry;

/* kind "vendors" or "systems"; systems of one section when section_id > 0. *out is allocated
 * (free with free()). */
int policy_registry_list(policy_db *db, const char *kind, int64_t section_id, policy_registry_entry **out, int *n);

#endif
