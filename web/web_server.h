/* web_server: rmgate-web's HTTPS server (libmicrohttpd with GnuTLS), its routes and the
 * rules every response follows.
 *
 * Every response carries a Content-Security-Policy without script (the console has none),
 * nosniff, no framing, no referrer and no caching (the style sheet may be cached). The
 * login session is a cookie (HttpOnly; Secure; SameSite=Strict); every POST must carry the
 * session's CSRF token (the login form its own, bound to a cookie of its own). Requests are
 * bounded: 64 KiB of body, 64 connections, 30 s idle per connection.
 *
 * Contract: web_server_run() serves until SIGINT or SIGTERM, then returns 0 (or 1 with a
 * message on stderr when it cannot start). The policy_db handle is shared by the server's
 * threads (it has its own lock); the login table is the web_auth's.
 */
#ifndef RMGATE_WEB_SERVER_H
#define RMGATE_WEB_SERVER_H

#include <stdint.h>

#include "policy.h"

typedef struct {
	const char *listen_host; /* literal address */
	uint16_t port;
	const char *cert_pem, *key_pem; /* the certificate and key, PEM text */
	int idle_timeout_s;             /* a login session ends after this long without a request */
	int max_session_s;              /* and this long after its logon */
	const char *database_path;      /* db's file, for the ledger checker's own handle */
} web_server_config;

int web_server_run(policy_db *db, const web_server_config *cfg);

#endif
