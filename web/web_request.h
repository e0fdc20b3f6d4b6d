/* web_request: one HTTP request as the console's pages see it, and what they answer
 * (web_server.c fills the request and sends the answer; web_views.c decides it).
 *
 * The form is the request body (application/x-www-form-urlencoded, at most WEB_BODY_MAX
 * bytes), decoded into at most WEB_FORM_FIELDS name/value pairs. Strings live as long as the
 * request. One thread owns a request.
 */
#ifndef RMGATE_WEB_REQUEST_H
#define RMGATE_WEB_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger.h"
#include "policy.h"
#include "web_auth.h"
#include "web_ledger_check.h"
#include "web_page.h"

#define WEB_BODY_MAX (64 * 1024)
#define WEB_FORM_FIELDS 64

typedef struct {
	char *names[WEB_FORM_FIELDS], *values[WEB_FORM_FIELDS];
	int n;
	char *storage; /* the decoded copy of the body all names and values point into */
	size_t storage_len; /* its bytes, wiped by web_form_free (a password may be among them) */
} web_form;

/* The value of the first field `name`, or NULL. */
const char *web_form_get(const web_form *f, const char *name);
/* Decodes a body (percent escapes, '+' = space); false when malformed (a bad escape, a NUL,
 * too many fields). */
bool web_form_parse(web_form *f, const char *body, size_t len);
/* Wipes the decoded copy (it may hold a password) and frees it. */
void web_form_free(web_form *f);

typedef struct web_app web_app; /* the server's shared state (web_server.c) */

typedef struct {
	web_app *app;
	policy_db *db;
	web_auth *auth;
	const char *method, *path;
	char source[64];            /* the client's address, numeric */
	void *conn;                 /* the transport's connection (web_request_query) */
	const char *session_cookie; /* rmgate_session, or NULL */
	const char *login_cookie;   /* rmgate_login (the login form's CSRF), or NULL */
	web_form form;
	int64_t now_us;

	/* The answer: a status with a page, or a redirect (location set). */
	int status;
	int64_t handler_ns; /* time the page took to build (the Server-Timing header; benchmarks) */
	web_page page;
	const char *location;
	char location_buf[128]; /* for a location built by the page */
	/* A document to download instead of a page of the console: its type (NULL = a page,
	 * text/html), its file name (Content-Disposition: attachment), and whether it is one of
	 * the city's forms, whose own HTML carries its print styles inline (its CSP then allows
	 * inline style; never script). */
	const char *content_type;
	char filename[96];
	bool form_document;
	char cookies[2][200]; /* Set-Cookie values */
	int n_cookies;
} web_request;

/* Sets a cookie in the answer: value NULL clears it. Always Path=/; Secure; HttpOnly;
 * SameSite=Strict. */
void web_request_cookie(web_request *r, const char *name, const char *value);

/* The value of query argument `name` (?name=value), or NULL (web_server.c). */
const char *web_request_query(const web_request *r, const char *name);

/* Decides the answer (web_views.c). */
void web_views_handle(web_request *r);

/* The ledger's integrity for the dashboard: the background checker's latest result
 * (web_ledger_check.h), never computed in the request. */
void web_app_ledger_status(web_app *app, web_ledger_status *out);

#endif
