/* web_auth: the console's login sessions and its per-address limit on failed logons.
 *
 * A login session is a random 256-bit token (the cookie, 64 hex digits) bound to a staff id,
 * with its own random CSRF token that every form posts back. It ends at logout, after
 * `idle_s` without a request, or `max_s` after the logon, whichever comes first. At most
 * WEB_AUTH_SESSIONS live at once; a new logon beyond that replaces the one idle longest. The
 * table lives in memory only: a restart of rmgate-web logs everybody out.
 *
 * Failed logons are limited per source address (besides the per-login lock-out of staff.h):
 * WEB_AUTH_SOURCE_FAILURES failures within WEB_AUTH_SOURCE_WINDOW_S seconds, and the address is
 * refused without a password check (so a sweep over many logins costs no PBKDF2 and writes no
 * ledger rows) until the window has passed. At most WEB_AUTH_SOURCES addresses are tracked;
 * beyond that the oldest entry is reused.
 *
 * Threads: every function may be called from any of the server's threads; the table has one
 * mutex, owned by the web_auth. Tokens are compared in constant time.
 */
#ifndef RMGATE_WEB_AUTH_H
#define RMGATE_WEB_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#define WEB_AUTH_SESSIONS 256
#define WEB_AUTH_SOURCES 1024
#define WEB_AUTH_SOURCE_FAILURES 10
#define WEB_AUTH_SOURCE_WINDOW_S 600
#define WEB_TOKEN_LEN 64 /* hex digits */

typedef struct web_auth web_auth;

web_auth *web_auth_new(int idle_s, int max_s);
void web_auth_free(web_auth *a);

/* A new login session of staff_id; its token and CSRF token into the buffers. false when no
 * random bytes were available. */
bool web_auth_open(web_auth *a, int64_t staff_id, int64_t now_s, char token[WEB_TOKEN_LEN + 1],
                   char csrf[WEB_TOKEN_LEN + 1]);
/* The staff id and CSRF token of a live session (its idle time starts again); false if the
 * token names none or it has timed out (it is then removed). */
bool web_auth_lookup(web_auth *a, const char *token, int64_t now_s, int64_t *staff_id, char csrf[WEB_TOKEN_LEN + 1]);
void web_auth_close(web_auth *a, const char *token);

bool web_auth_source_may_try(web_auth *a, const char *source, int64_t now_s);
void web_auth_source_failed(web_auth *a, const char *source, int64_t now_s);

/* A fresh random token (for the login form's own CSRF cookie). */
bool web_auth_random_token(char out[WEB_TOKEN_LEN + 1]);
/* Constant-time equality of two tokens (false if either is NULL or not WEB_TOKEN_LEN long). */
bool web_auth_token_equal(const char *a, const char *b);

#endif
