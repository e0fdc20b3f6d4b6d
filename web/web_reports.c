/* web_reports.c: the report pages of the console (帳票): for a month and a section, Form 4
 * with its Form 3 register attached as the city files it (HTML on screen, PDF, CSV), and the
 * register's CSV.
 *
 * Who may read: every role; an applicant her own section's only (the section is hers whatever
 * the URL says), and not the register of every section. Each download is a ledger row naming
 * the staff member (staff_action). PDF is printed by the same engine as rmgate-policy's
 * (forms.h, headless Chromium), a few seconds per document. */
#include "web_views.h"

#include "forms.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	int year, month;
	char month_text[24];
	const char *section; /* NULL = every section */
} report_choice;

/* The month (default: the previous one, whose report is due now) and section of the request. */
static bool choose(web_request *r, const web_staff *s, report_choice *c)
{
	const char *month = web_request_query(r, "month");
	char extra;
	if (month && *month) {
		if (sscanf(month, "%4d-%2d%c", &c->year, &c->month, &extra) != 2 || c->month < 1 || c->month > 12 ||
		    c->year < 2000 || c->year > 9999)
			return false;
	} else {
		char now[32];
		policy_format_local(r->db, r->now_us, now, sizeof now);
		sscanf(now, "%4d-%2d", &c->year, &c->month);
		if (--c->month == 0) {
			c->month = 12;
			c->year--;
		}
	}
	snprintf(c->month_text, sizeof c->month_text, "%04d-%02d", c->year, c->month);
	const char *section = web_request_query(r, "section");
	c->section = s->who.role == POLICY_ROLE_APPLICANT ? s->who.section : section && *section ? section : NULL;
	return true;
}

/* Renders one document into the answer's body. */
static bool render(web_request *r, const report_choice *c, bool form3_csv, policy_report_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		return false;
	int status = form3_csv ? policy_report_register(r->db, c->year, c->month, NULL, fmt, out)
			       : policy_report_monthly(r->db, c->year, c->month, c->section, fmt, out);
	bool ok = fclose(out) == 0 && status == POLICY_OK;
	if (ok)
		web_page_bytes(&r->page, buf, len);
	free(buf);
	return ok;
}

/* Form 4 (with Form 3) as PDF: the HTML to a private temporary file, printed by the engine. */
static bool render_pdf(web_request *r, const report_choice *c)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || dir[0] != '/')
		dir = "/tmp";
	char html[512], pdf[512];
	snprintf(html, sizeof html, "%s/rmgate-web-XXXXXX.html", dir);
	snprintf(pdf, sizeof pdf, "%s/rmgate-web-XXXXXX.pdf", dir);
	int hfd = mkstemps(html, 5), pfd = mkstemps(pdf, 4);
	FILE *out = hfd >= 0 ? fdopen(hfd, "w") : NULL;
	bool ok = out && pfd >= 0;
	if (pfd >= 0)
		close(pfd); /* only its unique name is needed: the engine writes the file anew */
	if (ok)
		ok = policy_report_monthly(r->db, c->year, c->month, c->section, POLICY_FMT_HTML, out) == POLICY_OK;
	if (out)
		ok = fclose(out) == 0 && ok;
	else if (hfd >= 0)
		close(hfd);
	if (ok)
		ok = policy_html_to_pdf(html, pdf) == POLICY_OK;
	if (ok) {
		FILE *in = fopen(pdf, "rb");
		char chunk[65536];
		size_t n;
		while (in && (n = fread(chunk, 1, sizeof chunk, in)) > 0)
			web_page_bytes(&r->page, chunk, n);
		ok = in && !ferror(in) && !r->page.failed;
		if (in)
			fclose(in);
	}
	if (hfd >= 0)
		unlink(html);
	if (pfd >= 0)
		unlink(pdf);
	return ok;
}

static void download(web_request *r, const web_staff *s, const char *what)
{
	report_choice c;
	if (!choose(r, s, &c)) {
		web_message(r, s, 400, "帳票", "月の指定が正しくありません（例：2026-11）。");
		return;
	}
	bool form3_csv = !strcmp(what, "register.csv");
	if (form3_csv && s->who.role == POLICY_ROLE_APPLICANT) {
		/* the register of every section: not for one section's applicant */
		web_message(r, s, 403, "操作できません", "全課の管理簿は所管課の画面からは取得できません。");
		return;
	}
	bool ok;
	const char *section_name = c.section ? c.section : "all";
	if (!strcmp(what, "monthly.html")) {
		r->content_type = "text/html; charset=utf-8";
		r->form_document = true;
		ok = render(r, &c, false, POLICY_FMT_HTML);
	} else if (!strcmp(what, "monthly.pdf")) {
		r->content_type = "application/pdf";
		snprintf(r->filename, sizeof r->filename, "form4-%s.pdf", c.month_text);
		ok = render_pdf(r, &c);
	} else if (!strcmp(what, "monthly.csv") || form3_csv) {
		r->content_type = "text/csv; charset=utf-8";
		snprintf(r->filename, sizeof r->filename, "%s-%s.csv", form3_csv ? "form3" : "form4", c.month_text);
		ok = render(r, &c, form3_csv, POLICY_FMT_CSV);
	} else {
		web_message(r, s, 404, "ページがありません", "指定された帳票はありません。");
		return;
	}
	if (!ok) {
		web_page_free(&r->page);
		r->content_type = NULL;
		r->filename[0] = 0;
		r->form_document = false;
		char msg[600];
		snprintf(msg, sizeof msg, "帳票を作成できませんでした：%s", policy_last_error());
		web_message(r, s, 500, "帳票", msg);
		return;
	}
	char detail[300];
	snprintf(detail, sizeof detail, "report %s %s section %.120s", what, c.month_text, section_name);
	policy_staff_record_action(r->db, s->who.login, detail, r->now_us);
}

static void link_to(web_page *p, const report_choice *c, const char *what, const char *label)
{
	web_page_raw(p, "<li><a id=\"");
	web_page_text(p, what);
	web_page_raw(p, "\" href=\"/reports/");
	web_page_text(p, what);
	web_page_raw(p, "?month=");
	web_page_text(p, c->month_text);
	if (c->section) {
		web_page_raw(p, "&amp;section=");
		web_page_url_value(p, c->section);
	}
	web_page_raw(p, "\">");
	web_page_text(p, label);
	web_page_raw(p, "</a></li>");
}

static void reports_page(web_request *r, const web_staff *s)
{
	report_choice c;
	if (!choose(r, s, &c)) {
		web_message(r, s, 400, "帳票", "月の指定が正しくありません（例：2026-11）。");
		return;
	}
	web_page *p = &r->page;
	web_begin(r, s, "帳票");
	web_page_raw(p, "<form method=\"get\" action=\"/reports\"><label>月 <input name=\"month\" id=\"month\" value=\"");
	web_page_text(p, c.month_text);
	web_page_raw(p, "\" pattern=\"[0-9]{4}-[0-9]{2}\"></label> ");
	if (s->who.role != POLICY_ROLE_APPLICANT) {
		web_page_raw(p, "<label>課 <input name=\"section\" id=\"section\" placeholder=\"（全課）\" value=\"");
		web_page_text(p, c.section ? c.section : "");
		web_page_raw(p, "\"></label> ");
	}
	web_page_raw(p, "<button type=\"submit\" id=\"show\">表示</button></form><h2>");
	web_page_textf(p, "%d年%d月分・%s", c.year, c.month, c.section ? c.section : "全課");
	web_page_raw(p, "</h2><ul id=\"documents\">");
	link_to(p, &c, "monthly.html", "様式第4号 リモート保守等利用状況報告（管理簿を添えて）：画面で見る・印刷する");
	link_to(p, &c, "monthly.pdf", "同 PDF（A4）");
	link_to(p, &c, "monthly.csv", "様式第4号 CSV");
	if (s->who.role != POLICY_ROLE_APPLICANT)
		link_to(p, &c, "register.csv", "様式第3号 リモート保守等利用状況管理簿 CSV（全課）");
	web_page_raw(p, "</ul><p>提出の記録はダッシュボードから行います。</p>");
	web_page_end(p);
}

bool web_reports_route(web_request *r, const web_staff *s)
{
	if (strcmp(r->path, "/reports") && strncmp(r->path, "/reports/", 9))
		return false;
	if (!strcmp(r->method, "POST"))
		web_message(r, s, 405, "帳票", "この画面には送信できません。");
	else if (!strcmp(r->path, "/reports"))
		reports_page(r, s);
	else
		download(r, s, r->path + 9);
	return true;
}
