/* web_server.c: HTTPS transport of the console: libmicrohttpd, the headers every response
 * carries, cookies, the request body, and the shared verification cache (see web_server.h). */
#include "web_server.h"
#include "web_ledger_check.h"
#include "web_assets.h"
#include "web_request.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct web_app {
	policy_db *db;
	web_auth *auth;
	web_ledger_check *ledger; /* its own thread and handle: web_ledger_check.h */
};

void web_app_ledger_status(web_app *app, web_ledger_status *out)
{
	web_ledger_check_result(app->ledger, out);
}

/* ---- form bodies ---- */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes src[0..len) in place into dst (never longer); false on a bad escape or a NUL. */
static bool url_decode(char *dst, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= len)
				return false;
			int hi = hexval(src[i + 1]), lo = hexval(src[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (!c)
			return false;
		*dst++ = c;
	}
	*dst = 0;
	return true;
}

bool web_form_parse(web_form *f, const char *body, size_t len)
{
	memset(f, 0, sizeof *f);
	f->storage = malloc(len + 1);
	if (!f->storage)
		return false;
	f->storage_len = len;
	memcpy(f->storage, body, len);
	f->storage[len] = 0;
	char *p = f->storage;
	while (*p) {
		char *amp = strchr(p, '&');
		if (amp)
			*amp = 0;
		if (*p) {
			if (f->n == WEB_FORM_FIELDS)
				return false;
			char *eq = strchr(p, '=');
			char *value = eq ? eq + 1 : p + strlen(p);
			if (eq)
				*eq = 0;
			if (!url_decode(p, p, strlen(p)) || !url_decode(value, value, strlen(value)))
				return false;
			f->names[f->n] = p;
			f->values[f->n++] = value;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	return true;
}

const char *web_form_get(const web_form *f, const char *name)
{
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->names[i], name))
			return f->values[i];
	return NULL;
}

void web_form_free(web_form *f)
{
	if (f->storage) /* it may hold a password */
		OPENSSL_cleanse(f->storage, f->storage_len);
	free(f->storage);
	memset(f, 0, sizeof *f);
}

void web_request_cookie(web_request *r, const char *name, const char *value)
{
	if (r->n_cookies >= 2)
		return;
	snprintf(r->cookies[r->n_cookies++], sizeof r->cookies[0], "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict%s",
		 name, value ? value : "", value ? "" : "; Max-Age=0");
}

const char *web_request_query(const web_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* ---- the transport ---- */

typedef struct {
	char *body;
	size_t len;
	bool too_big;
} upload;

static const char *const common_headers[][2] = {
	{ "Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
				     "frame-ancestors 'none'; base-uri 'none'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
	{ "Referrer-Policy", "no-referrer" },
	{ "Strict-Transport-Security", "max-age=31536000" },
};

static enum MHD_Result send_answer(struct MHD_Connection *c, int status, const char *type, const char *body, size_t len,
				   const char *cache, const web_request *r)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	bool form = r && r->form_document; /* then common_headers[0], the console's own CSP, gives way */
	for (size_t i = form ? 1 : 0; i < sizeof common_headers / sizeof *common_headers; i++)
		MHD_add_response_header(resp, common_headers[i][0], common_headers[i][1]);
	if (form)
		MHD_add_response_header(resp, "Content-Security-Policy",
					"default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
					"base-uri 'none'; form-action 'none'");
	if (r && r->filename[0]) {
		char disposition[160];
		snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"", r->filename);
		MHD_add_response_header(resp, "Content-Disposition", disposition);
	}
	MHD_add_response_header(resp, "Cache-Control", cache);
	if (type)
		MHD_add_response_header(resp, "Content-Type", type);
	if (r) {
		for (int i = 0; i < r->n_cookies; i++)
			MHD_add_response_header(resp, "Set-Cookie", r->cookies[i]);
		if (r->location)
			MHD_add_response_header(resp, "Location", r->location);
		/* The standard header browsers' tools show; tests/bench/web_pages.sh reads it. */
		char timing[48];
		snprintf(timing, sizeof timing, "app;dur=%.1f", (double)r->handler_ns / 1e6);
		MHD_add_response_header(resp, "Server-Timing", timing);
	}
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void client_address(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, len, "?");
	if (!ci || !ci->client_addr)
		return;
	socklen_t sl = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (getnameinfo(ci->client_addr, sl, out, (socklen_t)len, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(out, len, "?");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version;
	web_app *app = cls;
	bool post = !strcmp(method, "POST");
	if (!*con_cls) {
		upload *u = calloc(1, sizeof *u);
		if (!u)
			return MHD_NO;
		*con_cls = u;
		return MHD_YES;
	}
	upload *u = *con_cls;
	if (*upload_data_size) {
		/* The body arrives in pieces; past the bound it is dropped and the request refused. */
		if (!u->too_big && u->len + *upload_data_size <= WEB_BODY_MAX) {
			char *grown = realloc(u->body, u->len + *upload_data_size + 1);
			if (grown) {
				memcpy(grown + u->len, upload_data, *upload_data_size);
				u->body = grown;
				u->len += *upload_data_size;
			} else {
				u->too_big = true;
			}
		} else {
			u->too_big = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!post && strcmp(method, "GET") && strcmp(method, "HEAD")) {
		static const char msg[] = "許可されていないメソッドです。\n";
		return send_answer(c, 405, "text/plain; charset=utf-8", msg, sizeof msg - 1, "no-store", NULL);
	}
	if (!strcmp(url, "/static/style.css"))
		return send_answer(c, 200, "text/css; charset=utf-8", web_asset_style_css, strlen(web_asset_style_css),
				   "max-age=3600", NULL);
	if (u->too_big) {
		static const char msg[] = "送信された内容が大きすぎます。\n";
		return send_answer(c, 413, "text/plain; charset=utf-8", msg, sizeof msg - 1, "no-store", NULL);
	}
	web_request r = { .app = app, .db = app->db, .auth = app->auth, .method = post ? "POST" : "GET", .path = url,
			  .conn = c, .now_us = policy_now_us(), .status = 200 };
	client_address(c, r.source, sizeof r.source);
	r.session_cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "rmgate_session");
	r.login_cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "rmgate_login");
	if (post && !web_form_parse(&r.form, u->body ? u->body : "", u->len)) {
		web_form_free(&r.form);
		static const char msg[] = "送信された内容を読み取れません。\n";
		return send_answer(c, 400, "text/plain; charset=utf-8", msg, sizeof msg - 1, "no-store", NULL);
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	web_views_handle(&r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r.handler_ns = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
	enum MHD_Result ret;
	if (r.page.failed) {
		static const char msg[] = "ページを作成できませんでした。\n";
		ret = send_answer(c, 500, "text/plain; charset=utf-8", msg, sizeof msg - 1, "no-store", NULL);
	} else if (r.location) {
		ret = send_answer(c, 303, NULL, "", 0, "no-store", &r);
	} else {
		ret = send_answer(c, r.status, r.content_type ? r.content_type : "text/html; charset=utf-8",
				  r.page.buf ? r.page.buf : "", r.page.len, "no-store", &r);
	}
	web_page_free(&r.page);
	web_form_free(&r.form);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode code)
{
	(void)cls;
	(void)c;
	(void)code;
	upload *u = *con_cls;
	if (u) {
		if (u->body) /* a form's body may hold a password */
			OPENSSL_cleanse(u->body, u->len);
		free(u->body);
		free(u);
		*con_cls = NULL;
	}
}

int web_server_run(policy_db *db, const web_server_config *cfg)
{
	web_app app = { .db = db };
	app.auth = web_auth_new(cfg->idle_timeout_s, cfg->max_session_s);
	if (!app.auth) {
		fprintf(stderr, "rmgate-web: out of memory\n");
		return 1;
	}
	char err[400];
	app.ledger = web_ledger_check_start(cfg->database_path, err, sizeof err);
	if (!app.ledger) {
		fprintf(stderr, "rmgate-web: %s\n", err);
		web_auth_free(app.auth);
		return 1;
	}
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	unsigned int flags = MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	if (inet_pton(AF_INET6, cfg->listen_host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(cfg->port);
		flags |= MHD_USE_IPv6;
	} else if (inet_pton(AF_INET, cfg->listen_host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(cfg->port);
	} else {
		fprintf(stderr, "rmgate-web: --listen: '%s' is not an IP address\n", cfg->listen_host);
		web_ledger_check_stop(app.ledger);
		web_auth_free(app.auth);
		return 1;
	}
	/* The signals end the wait below; the server's own threads never see them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, cfg->port, NULL, NULL, on_request, &app, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_HTTPS_MEM_CERT, cfg->cert_pem, MHD_OPTION_HTTPS_MEM_KEY, cfg->key_pem,
		MHD_OPTION_HTTPS_PRIORITIES, "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)2, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)16, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "rmgate-web: cannot listen on %s port %u (in use, or the certificate or key does not load)\n",
			cfg->listen_host, cfg->port);
		web_ledger_check_stop(app.ledger);
		web_auth_free(app.auth);
		return 1;
	}
	printf("rmgate-web: https://%s%s%s:%u/ (stop with Ctrl-C)\n", strchr(cfg->listen_host, ':') ? "[" : "",
	       cfg->listen_host, strchr(cfg->listen_host, ':') ? "]" : "", cfg->port);
	fflush(stdout);
	int sig = 0;
	while (sigwait(&stop, &sig) != 0)
		;
	MHD_stop_daemon(d);
	web_ledger_check_stop(app.ledger);
	web_auth_free(app.auth);
	return 0;
}
