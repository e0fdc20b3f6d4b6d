/* web_page: an HTML page being written, for one response (rmgate-web).
 *
 * Text from the database or the request goes through web_page_text()/web_page_textf(), which
 * escape & < > " ' so no value can open a tag or leave an attribute; web_page_raw() is for the
 * page's own markup only (string literals of ours). Memory grows as needed up to 4 MiB; past
 * that (or when malloc fails) the page is marked failed and the server answers 500.
 *
 * Contract: one thread owns a page; web_page_free() releases it (also after a failure).
 */
#ifndef RMGATE_WEB_PAGE_H
#define RMGATE_WEB_PAGE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	char *buf;
	size_t len, cap;
	bool failed;
} web_page;

void web_page_raw(web_page *p, const char *markup);
/* Bytes as they are (a downloaded document: CSV, PDF). */
void web_page_bytes(web_page *p, const void *data, size_t n);
void web_page_text(web_page *p, const char *text);
void web_page_textf(web_page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void web_page_free(web_page *p);
/* A value inside a link's query string (?name=VALUE): every byte but the unreserved ones
 * (A-Z a-z 0-9 - _ . ~) percent-encoded, so the result is also safe in an HTML attribute. */
void web_page_url_value(web_page *p, const char *value);
/* <a href="PREFIX<id>">id</a>: a link to a record of ours by its number. */
void web_page_id_link(web_page *p, const char *prefix, long long id);
/* <a href="PREFIX<id>SUFFIX">label</a> (label escaped). */
void web_page_id_link_text(web_page *p, const char *prefix, long long id, const char *suffix, const char *label);

/* The frame every page of the console shares: <head> with the title and the style sheet
 * (no script), the header with the staff member and a logout form carrying the CSRF token,
 * and the navigation (ダッシュボード, 許可, セッション, 拒否, 帳票 for every role; 管理 only when
 * `admin`). `who`/`role`/`csrf` NULL = the login page (no header, no navigation).
 * web_page_end() closes it. */
void web_page_begin(web_page *p, const char *title, const char *who, const char *role, const char *csrf, bool admin);
void web_page_end(web_page *p);

#endif
