/* session_view.h: sessions as the console shows them: a month's page of the list and one
 * session with its ledger rows (rmgate-web).
 *
 * `section_id` > 0 limits to the sessions on that section's systems (an applicant's); another
 * section's session is POLICY_ERR_NOT_FOUND, as a missing one. Texts are cut to
 * POLICY_VIEW_TEXT bytes. Contract: as policy.h (any thread).
 */
#ifndef RMGATE_POLICY_SESSION_VIEW_H
#define RMGATE_POLICY_SESSION_VIEW_H

#include "permit_view.h"

#define POLICY_VIEW_EVENTS 200

typedef struct {
	int64_t id, start_us, end_us; /* end_us 0 = running */
	int64_t permit_id, idle_us, bytes, frames;
	char login[POLICY_VIEW_TEXT], vendor[POLICY_VIEW_TEXT], system[POLICY_VIEW_TEXT], source[64];
	char client_name[POLICY_VIEW_TEXT], end_reason[32];
	char recording[POLICY_VIEW_TEXT], digest[80];
	int64_t system_section_id;
} policy_session_row;

typedef struct {
	int64_t at_us;
	char type[32], detail[POLICY_VIEW_TEXT], actor[POLICY_VIEW_TEXT];
} policy_session_event_row;

typedef struct {
	policy_session_row session;
	policy_session_event_row events[POLICY_VIEW_EVENTS];
	int n_events, events_total;
} policy_session_detail;

/* Which sessions a list shows: the section by id (an applicant's scope; 0 = any) or by name,
 * the vendor and the system by name (NULL or "" = any; a name that matches nothing lists
 * nothing). */
typedef struct {
	int64_t section_id;
	const char *section, *vendor, *system;
} policy_session_filter;

/* A page (POLICY_VIEW_PAGE rows, the latest start first) of the sessions that started in the month
 * (display zone) and match the filter (NULL = all); *total counts them all. */
int policy_session_list_page(policy_db *db, int year, int month, const policy_session_filter *filter, int page,
                             policy_session_row *rows, int *n, int *total);

/* One session with its events (allocated: free with free()). */
int policy_session_detail_load(policy_db *db, int64_t id, int64_t section_id, policy_session_detail **out);

/* The Japanese label of an end reason code (利用者切断, 強制終了, ...); "接続中" for NULL or "". */
const char *policy_end_label(const char *code);

#endif
