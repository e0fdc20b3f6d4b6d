/* ledger_internal.h: appending to the chain from other policy files (lock held). */
#ifndef RMGATE_POLICY_LEDGER_INTERNAL_H
#define RMGATE_POLICY_LEDGER_INTERNAL_H

#include "policy_internal.h"

/* Attribution of a refused attempt (docs/policy.md, "Refusals"): the permits a
 * refusal counts against, as the tail of a subquery over `permits p`
 * ("SELECT ... " POL_REFUSAL_PERMITS("ev") ...), where EV names the events
 * row. Only single "refused" rows whose login is an account's (any case):
 * that account's vendor's permits for the system the attempt named; when it
 * named none (or none known), the vendor's permits whose window
 * [window_start_us, window_end_us) holds the attempt's time, and when none
 * does (an expired or future permit: outside_window), all the vendor's
 * permits. Any state: a refusal against a suspended or revoked permit is
 * that permit's record. A "refused_summary" row has no login: never
 * attributed. Form 4 counts a refusal once, under the lowest such permit id
 * (within the section when a section is asked for); `refusal list` shows all
 * their sections. */
#define POL_REFUSAL_PERMITS(ev)                                                                           \
	" FROM permits p WHERE " ev ".type = 'refused' AND p.vendor_id ="                                 \
	" (SELECT a_.vendor_id FROM accounts a_ WHERE a_.login = " ev ".login) AND (CASE WHEN IFNULL("      \
	ev ".system_id, 0) > 0 THEN p.system_id = " ev ".system_id"                                          \
	" WHEN EXISTS (SELECT 1 FROM permits q_ WHERE q_.vendor_id = p.vendor_id AND q_.window_start_us <= " \
	ev ".at_us AND " ev ".at_us < q_.window_end_us) THEN p.window_start_us <= " ev ".at_us"              \
	" AND " ev ".at_us < p.window_end_us ELSE 1 END)"

/* The refused attempts of the ledger as `refusal list` and the console show them
 * (cli_refusal.c, refusal_view.c): one row per ledger row, a single refusal (count 1)
 * or a "refused_summary" (count = the number its detail begins with, login and
 * account empty), with the vendor of the account it named, the system it asked
 * for, the permits it counts against (POL_REFUSAL_PERMITS) and their sections
 * (else the requested system's section).
 * POL_REFUSAL_ROWS is the rows ("SELECT ... " POL_REFUSAL_ROWS): the tables (events
 * ev, accounts a, vendors v, systems y) and the filter. Binds: ?1 <= ev.at_us < ?2;
 * ?3 a vendor's name or NULL; ?4 a section's name or NULL: the rows whose section
 * column lists it (tested without building that column). Unordered: order by ev.seq.
 * POL_REFUSAL_FROM is its tables alone (for the columns of rows already chosen).
 * POL_REFUSAL_COLUMNS is what a row shows: seq, at_us, at (local text), kind, count,
 * source, login, account, vendor, system, reason, permits, section, detail; the
 * attribution columns cost most, so a page selects its rows' seq first. */
#define POL_REFUSAL_COUNT "CASE WHEN ev.type = 'refused' THEN 1 ELSE MAX(CAST(ev.detail AS INTEGER), 0) END"
#define POL_REFUSAL_COLUMNS                                                                                   \
	"ev.seq, ev.at_us, local_time(ev.at_us) AS at, ev.type AS kind, " POL_REFUSAL_COUNT " AS count,"       \
	" ev.source, ev.login, a.login AS account, v.name AS vendor, y.name AS system, ev.reason,"          \
	" (SELECT group_concat(id, ',') FROM (SELECT p.id" POL_REFUSAL_PERMITS("ev") " ORDER BY p.id)) AS permits," \
	" IFNULL((SELECT group_concat(name, ',') FROM (SELECT DISTINCT c.name FROM sections c WHERE c.id IN"  \
	" (SELECT p.section_id" POL_REFUSAL_PERMITS("ev") ") ORDER BY c.name)),"                             \
	" (SELECT c.name FROM sections c WHERE c.id = y.section_id)) AS section, ev.detail"
#define POL_REFUSAL_FROM                                                                                      \
	" FROM events ev LEFT JOIN accounts a ON a.login = ev.login AND ev.type = 'refused'"                  \
	" LEFT JOIN vendors v ON v.id = a.vendor_id LEFT JOIN systems y ON y.id = ev.system_id"
#define POL_REFUSAL_ROWS                                                                                      \
	POL_REFUSAL_FROM " WHERE ev.type IN ('refused', 'refused_summary') AND ev.at_us >= ?1 AND ev.at_us < ?2"              \
	" AND (?3 IS NULL OR v.name = ?3) AND (?4 IS NULL OR CASE WHEN EXISTS (SELECT 1"                     \
	POL_REFUSAL_PERMITS("ev") ") THEN EXISTS (SELECT 1" POL_REFUSAL_PERMITS("ev")                         \
	" AND p.section_id = (SELECT c.id FROM sections c WHERE c.name = ?4))"                                \
	" ELSE y.section_id = (SELECT c.id FROM sections c WHERE c.name = ?4) END)"

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
