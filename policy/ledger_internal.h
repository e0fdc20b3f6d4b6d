/* ledger_internal.h: appending to the chain from other policy files (lock held). */
#ifndef RMGATE_POLICY_LEDGER_INTERNAL_H
#define RMGATE_POLICY_LEDGER_INTERNAL_H

#include "policy_internal.h"

/* Appends one row to the events chain. session_id and system_id 0 = none;
 * login, source, reason (a policy_deny_name) and actor may be NULL; texts are
 * cut at 4096 bytes. Lock held; runs inside the caller's transaction if one is
 * open. */
int pol_ledger_append_event_locked(policy_db *db, int64_t session_id, int64_t at_us, const char *type,
                                   const char *detail, const char *login, const char *source,
                                   const char *reason, int64_t system_id, const char *actor);

/* Appends a refused attempt (refusals.c, aggregated per source); the caller
 * holds the lock and no transaction. */
int pol_ledger_refused_locked(policy_db *db, int64_t at_us, policy_deny_reason reason, const char *login,
                              const char *source, int64_t system_id, const char *detail);
int pol_ledger_event_locked(policy_db *db, int64_t session_id, int64_t at_us, const char *type,
                            const char *detail, const char *login);

/* Appends an administrative event (no session) by `actor` about system_id
 * (0 = none). Lock held; runs inside the caller's transaction if one is
 * open, so the change it records and the event commit together. */
int pol_ledger_admin_event_locked(policy_db *db, int64_t at_us, const char *type, const char *detail,
                                  int64_t system_id, const char *actor);

#endif
