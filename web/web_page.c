/* web_page.c: HTML pages with every value escaped (see web_page.h). */
#include "web_page.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_MAX (32u * 1024 * 1024) /* a month's Form 4 with its register as PDF */

static void append(web_page *p, const char *s, size_t n)
{
	if (p->failed)
		return;
	if (p->len + n + 1 > p->cap) {
		size_t cap = p->cap ? p->cap : 8192;
		while (cap < p->len + n + 1)
			cap *= 2;
		char *nb = cap <= PAGE_MAX ? realloc(p->buf, cap) : NULL;
		if (!nb) {
			p->failed = true;
			return;
		}
		p->buf = nb;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = 0;
}

void web_page_bytes(web_page *p, const void *data, size_t n)
{
	append(p, data, n);
}

void web_page_raw(web_page *p, const char *markup)
{
	append(p, markup, strlen(markup));
}

void web_page_text(web_page *p, const char *text)
{
	if (!text)
		return;
	for (const char *s = text; *s; s++) {
		switch (*s) {
		case '&': append(p, "&amp;", 5); break;
		case '<': append(p, "&lt;", 4); break;
		case '>': append(p, "&gt;", 4); break;
		case '"': append(p, "&quot;", 6); break;
		case '\'': append(p, "&#39;", 5); break;
		default: append(p, s, 1);
		}
	}
}

void web_page_textf(web_page *p, const char *fmt, ...)
{
	char small[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		p->failed = true;
		return;
	}
	if ((size_t)n < sizeof small) {
		web_page_text(p, small);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		p->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	web_page_text(p, big);
	free(big);
}

void web_page_id_link(web_page *p, const char *prefix, long long id)
{
	char num[24];
	snprintf(num, sizeof num, "%lld", id);
	web_page_raw(p, "<a href=\"");
	web_page_text(p, prefix);
	web_page_raw(p, num);
	web_page_raw(p, "\">");
	web_page_raw(p, num);
	web_page_raw(p, "</a>");
}

void web_page_id_link_text(web_page *p, const char *prefix, long long id, const char *suffix, const char *label)
{
	char num[24];
	snprintf(num, sizeof num, "%lld", id);
	web_page_raw(p, "<a href=\"");
	web_page_text(p, prefix);
	web_page_raw(p, num);
	web_page_text(p, suffix);
	web_page_raw(p, "\">");
	web_page_text(p, label);
	web_page_raw(p, "</a>");
}

void web_page_url_value(web_page *p, const char *value)
{
	char enc[4];
	for (const unsigned char *c = (const unsigned char *)(value ? value : ""); *c; c++) {
		if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		    *c == '_' || *c == '.' || *c == '~') {
			enc[0] = (char)*c;
			enc[1] = 0;
		} else {
			snprintf(enc, sizeof enc, "%%%02X", *c);
		}
		web_page_raw(p, enc);
	}
}

void web_page_free(web_page *p)
{
	free(p->buf);
	memset(p, 0, sizeof *p);
}

void web_page_begin(web_page *p, const char *title, const char *who, const char *role, const char *csrf, bool admin)
{
	web_page_raw(p, "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
		        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	web_page_text(p, title);
	web_page_raw(p, " - rmgate リモート保守管理</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\n<body>");
	web_page_raw(p, "<header><span class=\"product\">rmgate リモート保守管理</span>");
	if (who && role && csrf) {
		web_page_raw(p, "<span class=\"who\">");
		web_page_text(p, who);
		web_page_raw(p, "（");
		web_page_text(p, role);
		web_page_raw(p, "）</span><a href=\"/password\">パスワード変更</a>"
			        "<form method=\"post\" action=\"/logout\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"");
		web_page_text(p, csrf);
		web_page_raw(p, "\"><button type=\"submit\" id=\"logout\">ログアウト</button></form></header>\n"
			        "<nav><a href=\"/\">ダッシュボード</a><a href=\"/permits\">許可</a><a href=\"/sessions\">セッション</a>"
			        "<a href=\"/refusals\" id=\"nav-refusals\">拒否</a><a href=\"/reports\">帳票</a>");
		if (admin)
			web_page_raw(p, "<a href=\"/admin\" id=\"nav-admin\">管理</a>");
		web_page_raw(p, "</nav>\n");
	} else {
		web_page_raw(p, "</header>\n");
	}
	web_page_raw(p, "<main><h1>");
	web_page_text(p, title);
	web_page_raw(p, "</h1>\n");
}

void web_page_end(web_page *p)
{
	web_page_raw(p, "</main></body></html>\n");
}
