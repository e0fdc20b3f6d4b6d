/* web_refusals.c: the refusal page of the console (拒否): the refused attempts of a month, the
 * rows of `rmgate-policy refusal list` (policy/refusal_view.h), filtered by section and vendor,
 * in pages of POLICY_VIEW_PAGE.
 *
 * Every role reads it; an applicant sees only the refusals attributed to her own section (the
 * section of the URL is ignored for her). A known reason is shown in Japanese with the
 * ledger's own word beside it; a summary of a flood shows its count and the ledger's detail. */
#include "web_views.h"

#include "admin_view.h"
#include "ledger.h"
#include "refusal_view.h"
#include "registry_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *web_refusal_reason_label(const char *reason)
{
	static const char *const labels[][2] = {
		{ "unknown_account", "登録のないアカウント" },
		{ "bad_password", "パスワードの誤り" },
		{ "locked_out", "アカウントのロック中" },
		{ "no_permit", "許可なし" },
		{ "outside_window", "許可期間外" },
		{ "suspended", "許可の一時停止中" },
		{ "revoked", "許可の取消し済み" },
		{ "source_not_allowed", "許可されていない接続元" },
		{ "too_many_sessions", "同時接続数の超過" },
		{ "unknown_system", "登録のない情報システム" },
		{ "ambiguous_system", "情報システムの特定不可" },
		{ "identity_mismatch", "認証情報の不一致（NLA）" },
		{ "not_recordable", "記録（録画）不可" },
	};
	for (size_t i = 0; reason && i < sizeof labels / sizeof *labels; i++)
		if (!strcmp(labels[i][0], reason))
			return labels[i][1];
	return NULL;
}

bool web_parse_month(const char *text, int *year, int *month)
{
	char extra;
	return text && sscanf(text, "%4d-%2d%c", year, month, &extra) == 2 && *month >= 1 && *month <= 12 &&
	       *year >= 2000 && *year <= 9999;
}

void web_this_month(web_request *r, int *year, int *month)
{
	char now_text[32];
	policy_format_local(r->db, r->now_us, now_text, sizeof now_text);
	if (sscanf(now_text, "%4d-%2d", year, month) != 2)
		*year = 2000, *month = 1;
}

static void cell(web_page *p, const char *text)
{
	web_page_raw(p, "<td>");
	web_page_text(p, text && *text ? text : "—");
	web_page_raw(p, "</td>");
}

static void option(web_page *p, const char *value, const char *label, const char *chosen)
{
	web_page_raw(p, chosen && !strcmp(chosen, value) ? "<option selected value=\"" : "<option value=\"");
	web_page_text(p, value);
	web_page_raw(p, "\">");
	web_page_text(p, label);
	web_page_raw(p, "</option>");
}

/* The link to another page of the same filter. */
static void page_link(web_page *p, const char *month, const char *section, const char *vendor, long page,
		      const char *label)
{
	web_page_raw(p, "<a href=\"/refusals?month=");
	web_page_text(p, month);
	web_page_raw(p, "&amp;section=");
	web_page_url_value(p, section);
	web_page_raw(p, "&amp;vendor=");
	web_page_url_value(p, vendor);
	web_page_textf(p, "&page=%ld", page);
	web_page_raw(p, "\">");
	web_page_text(p, label);
	web_page_raw(p, "</a> ");
}

static void list_page(web_request *r, const web_staff *s)
{
	bool applicant = s->who.role == POLICY_ROLE_APPLICANT;
	const char *month = web_request_query(r, "month");
	const char *section = applicant ? s->who.section : web_request_query(r, "section");
	const char *vendor = web_request_query(r, "vendor");
	int year = 0, mon = 0;
	if (month && *month) {
		if (!web_parse_month(month, &year, &mon)) {
			web_message(r, s, 400, "拒否", "月の指定が正しくありません（例：2026-12）。");
			return;
		}
	} else {
		web_this_month(r, &year, &mon);
	}
	char this_month[8];
	snprintf(this_month, sizeof this_month, "%04d-%02d", year, mon);
	const char *page_arg = web_request_query(r, "page");
	long page = page_arg ? strtol(page_arg, NULL, 10) : 0;
	if (page < 0 || page > 100000)
		page = 0;
	policy_refusal_filter f = { .year = year, .month = mon, .section = section && *section ? section : NULL,
				    .vendor = vendor && *vendor ? vendor : NULL, .page = (int)page };
	policy_refusal_row *rows = calloc(POLICY_VIEW_PAGE, sizeof *rows);
	policy_section_entry *sections = NULL;
	policy_registry_entry *vendors = NULL;
	int n = 0, total = 0, n_sections = 0, n_all_sections = 0, n_vendors = 0;
	int64_t attempts = 0;
	if (!rows || policy_refusal_list_page(r->db, &f, rows, &n, &total, &attempts) ||
	    (!applicant && policy_admin_sections(r->db, &sections, &n_sections, &n_all_sections)) ||
	    policy_registry_list(r->db, "vendors", 0, &vendors, &n_vendors)) {
		free(rows);
		free(sections);
		free(vendors);
		web_message(r, s, 500, "拒否", "拒否の一覧を読み込めませんでした（データベースの障害）。");
		return;
	}
	web_page *p = &r->page;
	web_begin(r, s, "拒否された接続");
	if (applicant) {
		web_page_raw(p, "<p>表示は");
		web_page_text(p, s->who.section);
		web_page_raw(p, "に係る分に限ります。</p>");
	}
	web_page_raw(p, "<form method=\"get\" action=\"/refusals\" id=\"filter\"><label>月 <input name=\"month\" id=\"month\" value=\"");
	web_page_text(p, this_month);
	web_page_raw(p, "\" pattern=\"[0-9]{4}-[0-9]{2}\"></label> ");
	if (!applicant) {
		web_page_raw(p, "<label>所属 <select name=\"section\" id=\"section\"><option value=\"\">すべて</option>");
		for (int i = 0; i < n_sections; i++)
			option(p, sections[i].name, sections[i].name, f.section);
		web_page_raw(p, "</select></label> ");
	}
	web_page_raw(p, "<label>事業者 <select name=\"vendor\" id=\"vendor\"><option value=\"\">すべて</option>");
	for (int i = 0; i < n_vendors; i++)
		option(p, vendors[i].name, vendors[i].name, f.vendor);
	web_page_raw(p, "</select></label> <button type=\"submit\" id=\"show\">表示</button></form><p id=\"count\">");
	web_page_textf(p, "%d年%d月の拒否：%d件（試行 %lld回）", year, mon, total, (long long)attempts);
	if (total > POLICY_VIEW_PAGE)
		web_page_textf(p, "（%ld〜%ld件目）", page * POLICY_VIEW_PAGE + 1, page * POLICY_VIEW_PAGE + n);
	web_page_raw(p, "</p>");
	if (n) {
		web_page_raw(p, "<table id=\"refusals\"><tr><th>日時</th><th>接続元</th><th>入力されたログイン名</th>"
			        "<th>アカウント</th><th>事業者</th><th>要求した情報システム</th><th>理由</th><th>回数</th>"
			        "<th>許可番号</th><th>所属</th><th>台帳の記録</th></tr>");
		for (int i = 0; i < n; i++) {
			const policy_refusal_row *row = &rows[i];
			char t[32], reason[200], count[24];
			policy_format_local(r->db, row->at_us, t, sizeof t);
			const char *label = web_refusal_reason_label(row->reason);
			if (row->summary)
				snprintf(reason, sizeof reason, "短時間に続いた拒否のまとめ");
			else if (label)
				snprintf(reason, sizeof reason, "%s（%s）", label, row->reason);
			else
				snprintf(reason, sizeof reason, "%s", row->reason);
			snprintf(count, sizeof count, "%lld", (long long)row->count);
			web_page_raw(p, row->summary ? "<tr class=\"summary\">" : "<tr>");
			cell(p, t);
			cell(p, row->source);
			cell(p, row->login);
			cell(p, row->account);
			cell(p, row->vendor);
			cell(p, row->system);
			cell(p, reason);
			cell(p, count);
			cell(p, row->permits);
			cell(p, row->section);
			cell(p, row->detail);
			web_page_raw(p, "</tr>");
		}
		web_page_raw(p, "</table>");
	}
	if (page > 0 || total > (page + 1) * POLICY_VIEW_PAGE) {
		web_page_raw(p, "<p>");
		if (page > 0)
			page_link(p, this_month, applicant ? NULL : f.section, f.vendor, page - 1, "前へ");
		if (total > (page + 1) * POLICY_VIEW_PAGE)
			page_link(p, this_month, applicant ? NULL : f.section, f.vendor, page + 1, "次へ");
		web_page_raw(p, "</p>");
	}
	web_page_end(p);
	free(rows);
	free(sections);
	free(vendors);
}

bool web_refusals_route(web_request *r, const web_staff *s)
{
	if (strcmp(r->path, "/refusals"))
		return false;
	if (!strcmp(r->method, "POST"))
		web_message(r, s, 405, "拒否", "この画面には送信できません。");
	else
		list_page(r, s);
	return true;
}
