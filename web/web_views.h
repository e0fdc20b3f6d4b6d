/* web_views.h: what the console's page files share (web_views.c routes; web_permits.c).
 * Every function runs on the request's thread; nothing here keeps state. */
#ifndef RMGATE_WEB_VIEWS_H
#define RMGATE_WEB_VIEWS_H

#include "staff.h"
#include "web_request.h"

/* The logged-on staff member of a request and the CSRF token of her login session. */
typedef struct {
	policy_staff who;
	char csrf[WEB_TOKEN_LEN + 1];
} web_staff;

const char *web_role_label(policy_staff_role role);
/* The frame of a page for `s` (web_page_begin with her name, role and token). */
void web_begin(web_request *r, const web_staff *s, const char *title);
/* A page with one message (and a link to the dashboard). */
void web_message(web_request *r, const web_staff *s, int status, const char *title, const char *message);

/* Permits: GET /permits (list), GET /permits/ID, POST /permits/ID (an action). Returns false
 * when the path is not theirs. */
bool web_permits_route(web_request *r, const web_staff *s);
/* Sessions: GET /sessions?month=YYYY-MM, GET /sessions/ID, POST /sessions/ID (a work note). */
bool web_sessions_route(web_request *r, const web_staff *s);
/* Reports: GET /reports?month=&section=, GET /reports/monthly.{html,pdf,csv}, /reports/register.csv. */
bool web_reports_route(web_request *r, const web_staff *s);

/* Refusals (拒否): GET /refusals?month=&section=&vendor=&page= (web_refusals.c). */
bool web_refusals_route(web_request *r, const web_staff *s);
/* The Japanese words of a refusal reason (a policy_deny_name), or NULL when it is none of the
 * known ones. */
const char *web_refusal_reason_label(const char *reason);
/* "YYYY-MM" (2000-9999, month 1-12) into year and month; false otherwise. */
bool web_parse_month(const char *text, int *year, int *month);
/* The current month in the display zone. */
void web_this_month(web_request *r, int *year, int *month);
/* Administration (管理, admin only): GET/POST /admin/{sections,vendors,systems,accounts,staff}
 * (web_admin.c). Another role's GET is left to the console's "no such page" (returns false),
 * her POST is refused (403) and recorded. */
bool web_admin_route(web_request *r, const web_staff *s);

#endif
