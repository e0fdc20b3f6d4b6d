/* admin_view.h: the registry as the console's administration pages list it (rmgate-web):
 * sections, vendors, systems, vendor accounts and staff, the same columns as the CLI's
 * `section|vendor|system|account|staff list`, read in one call each.
 *
 * Each list is allocated (free with free()), ordered by id, at most POLICY_ADMIN_MAX rows;
 * *total counts every row (the page says when it shows the first POLICY_ADMIN_MAX only).
 * Texts are cut to POLICY_VIEW_TEXT bytes. Contract: as policy.h (any thread).
 */
#ifndef RMGATE_POLICY_ADMIN_VIEW_H
#define RMGATE_POLICY_ADMIN_VIEW_H

#include "admin.h"
#include "permit_view.h"
#include "staff.h"

#define POLICY_ADMIN_MAX 1000

typedef struct {
	int64_t id;
	char name[POLICY_VIEW_TEXT], officer[POLICY_VIEW_TEXT];
	int systems; /* systems it owns */
} policy_section_entry;

typedef struct {
	int64_t id;
	char name[POLICY_VIEW_TEXT], prime[POLICY_VIEW_TEXT]; /* prime "" = a prime vendor */
} policy_vendor_entry;

typedef struct {
	int64_t id;
	char name[POLICY_VIEW_TEXT], cls[16], host[POLICY_VIEW_TEXT], section[POLICY_VIEW_TEXT];
	int port, idle_timeout_s, max_duration_s; /* 0 = the defaults */
	bool inject_credentials, observe_only;
	unsigned channels;
	char cert_pin[8 + POLICY_CERT_PIN_HEX]; /* "sha256:HEX", "" = none */
	char networks[POLICY_VIEW_TEXT * 2], lab_sources[POLICY_VIEW_TEXT * 2]; /* space-joined CIDRs */
} policy_system_entry;

typedef struct {
	int64_t id;
	char login[POLICY_VIEW_TEXT], vendor[POLICY_VIEW_TEXT];
	bool disabled, nla, locked; /* locked: now, for some address or every address (account.h) */
} policy_account_entry;

typedef struct {
	int64_t id;
	char login[POLICY_VIEW_TEXT], display_name[POLICY_VIEW_TEXT], section[POLICY_VIEW_TEXT];
	policy_staff_role role;
	bool disabled;
} policy_staff_entry;

int policy_admin_sections(policy_db *db, policy_section_entry **out, int *n, int *total);
int policy_admin_vendors(policy_db *db, policy_vendor_entry **out, int *n, int *total);
int policy_admin_systems(policy_db *db, policy_system_entry **out, int *n, int *total);
/* `now_us` decides the lock state. */
int policy_admin_accounts(policy_db *db, int64_t now_us, policy_account_entry **out, int *n, int *total);
int policy_admin_staff(policy_db *db, policy_staff_entry **out, int *n, int *total);

#endif
