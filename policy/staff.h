/* staff.h: the city's staff who use the web console (rmgate-web), apart from
 * the vendors' accounts (account.h).
 *
 * Roles (Arts. 3-5, 7-10 of the rules):
 *   applicant  a section's security officer or her staff: applies and reports for
 *              her own section only (section required);
 *   approver   the deputy CISO: decides, orders, suspends, revokes;
 *   auditor    reads everything, changes nothing;
 *   admin      sections, vendors, systems, vendor accounts, pins and staff.
 *
 * Passwords: PBKDF2-HMAC-SHA256 like vendor accounts (16-byte salt, the handle's
 * iteration count), 12-256 bytes. Lock-out: lock_failures (5) failed logons of a
 * login within lock_minutes (15) lock it until the oldest of them is older than
 * the window. Every logon (success, failure, lock) and every change is a ledger
 * row naming the staff member: staff_logon, staff_logon_failed, staff_locked,
 * staff_added, staff_changed.
 *
 * Contract: as policy.h (any thread; POLICY_OK or a negative status with
 * policy_last_error()).
 */
#ifndef RMGATE_POLICY_STAFF_H
#define RMGATE_POLICY_STAFF_H

#include "policy.h"

typedef enum {
	POLICY_ROLE_APPLICANT,
	POLICY_ROLE_APPROVER,
	POLICY_ROLE_AUDITOR,
	POLICY_ROLE_ADMIN,
} policy_staff_role;

#define POLICY_STAFF_MIN_PASSWORD 12

const char *policy_staff_role_name(policy_staff_role r);
bool policy_staff_role_parse(const char *text, policy_staff_role *out);

/* Adds a staff member; `section` is required for an applicant and refused for
 * the other roles; `display_name` (氏名) may be NULL. `actor` (who adds) goes
 * into the ledger row. */
int policy_staff_add(policy_db *db, const char *login, const char *display_name, policy_staff_role role,
                     const char *section, const char *password, const char *actor, int64_t now_us);

/* A new password; with `old_password` non-NULL (the console's own change) the
 * old one must be right (a wrong one counts as a failed logon). */
int policy_staff_set_password(policy_db *db, const char *login, const char *old_password, const char *password,
                              const char *actor, int64_t now_us);

/* Disables or enables a login (a disabled login is refused like an unknown one). */
int policy_staff_set_disabled(policy_db *db, const char *login, bool disabled, const char *actor, int64_t now_us);

typedef struct {
	int64_t id;
	char login[257];
	char display_name[257];
	policy_staff_role role;
	int64_t section_id;    /* 0 = none */
	char section[257];     /* "" = none */
} policy_staff;

/* Checks a console logon from `source`. POLICY_OK with *ok true and *who
 * filled when the password is right; *ok false for an unknown, disabled or
 * locked login or a wrong password (one ledger row says which; the reason is
 * not told to the caller, so the console cannot leak which logins exist).
 * Every call runs PBKDF2 once. */
int policy_staff_check_password(policy_db *db, const char *login, const char *password, const char *source,
                                int64_t now_us, bool *ok, policy_staff *who);

/* The staff member `id` as now (a disabled one is POLICY_ERR_NOT_FOUND): the
 * console reloads it on every request so a role change or a disable takes
 * effect at once. */
int policy_staff_get(policy_db *db, int64_t id, policy_staff *out);

/* A ledger row (staff_action) for something a staff member did in the console that changes
 * nothing else (a logout, a download): `login` is the actor, `what` the detail. */
int policy_staff_record_action(policy_db *db, const char *login, const char *what, int64_t now_us);

#endif
