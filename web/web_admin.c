/* web_admin.c: the administration pages of the console (管理): sections, vendors, systems,
 * vendor accounts and staff, for the admin role only.
 *
 * Every other role gets "no such page" (404) on GET, the answer for a page that does not
 * exist, and on POST a refusal (403) that changes nothing and is a staff_action ledger row.
 * The role is checked here on every request, whatever the page showed.
 *
 * Each change goes through the library call the matching `rmgate-policy` command makes
 * (admin.h, account.h, staff.h), with the staff login as the actor where the library takes
 * one (networks, lab ranges, pin, unlock, staff), and is a staff_action ledger row "admin
 * KIND ACTION NAME" naming her. A refused change (a rule of the library, a field of ours) is
 * shown on the page again with the values she typed, passwords excepted: a password is never
 * written into a page, a URL or a log (web_form_free wipes the request's copy). Vendor
 * accounts are added for TLS logons only: the NLA sealing key stays with the gate and
 * rmgate-policy (docs/web.md). */
#include "web_views.h"

#include "account.h"
#include "admin.h"
#include "admin_view.h"
#include "forms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- pieces of the pages ---- */

static const char *field(const web_request *r, const char *name)
{
	const char *v = web_form_get(&r->form, name);
	return v ? v : "";
}

static void cell(web_page *p, const char *text)
{
	web_page_raw(p, "<td>");
	web_page_text(p, text && *text ? text : "—");
	web_page_raw(p, "</td>");
}

static void csrf_field(web_page *p, const web_staff *s)
{
	web_page_raw(p, "<input type=\"hidden\" name=\"csrf\" value=\"");
	web_page_text(p, s->csrf);
	web_page_raw(p, "\">");
}

static void hidden(web_page *p, const char *name, const char *value)
{
	web_page_raw(p, "<input type=\"hidden\" name=\"");
	web_page_text(p, name);
	web_page_raw(p, "\" value=\"");
	web_page_text(p, value);
	web_page_raw(p, "\">");
}

/* A labelled text input; `id` is also its name. type NULL = text. */
static void text_row(web_page *p, const char *label, const char *id, const char *value, const char *type, const char *hint)
{
	web_page_raw(p, "<tr><th><label for=\"");
	web_page_text(p, id);
	web_page_raw(p, "\">");
	web_page_text(p, label);
	web_page_raw(p, "</label></th><td><input id=\"");
	web_page_text(p, id);
	web_page_raw(p, "\" name=\"");
	web_page_text(p, id);
	web_page_raw(p, "\" type=\"");
	web_page_text(p, type ? type : "text");
	web_page_raw(p, "\"");
	if (type && !strcmp(type, "password")) {
		web_page_raw(p, " autocomplete=\"new-password\"");
	} else {
		web_page_raw(p, " value=\"");
		web_page_text(p, value ? value : "");
		web_page_raw(p, "\"");
	}
	if (hint) {
		web_page_raw(p, " placeholder=\"");
		web_page_text(p, hint);
		web_page_raw(p, "\"");
	}
	web_page_raw(p, "></td></tr>");
}

static void option(web_page *p, const char *value, const char *label, const char *chosen)
{
	web_page_raw(p, chosen && !strcmp(chosen, value) ? "<option selected value=\"" : "<option value=\"");
	web_page_text(p, value);
	web_page_raw(p, "\">");
	web_page_text(p, label);
	web_page_raw(p, "</option>");
}

static void select_open(web_page *p, const char *label, const char *id)
{
	web_page_raw(p, "<tr><th><label for=\"");
	web_page_text(p, id);
	web_page_raw(p, "\">");
	web_page_text(p, label);
	web_page_raw(p, "</label></th><td><select id=\"");
	web_page_text(p, id);
	web_page_raw(p, "\" name=\"");
	web_page_text(p, id);
	web_page_raw(p, "\">");
}

static void select_close(web_page *p)
{
	web_page_raw(p, "</select></td></tr>");
}

static void checkbox_row(web_page *p, const char *label, const char *id, bool checked)
{
	web_page_raw(p, "<tr><th></th><td><label><input type=\"checkbox\" value=\"1\" id=\"");
	web_page_text(p, id);
	web_page_raw(p, "\" name=\"");
	web_page_text(p, id);
	web_page_raw(p, checked ? "\" checked> " : "\"> ");
	web_page_text(p, label);
	web_page_raw(p, "</label></td></tr>");
}

/* A one-button form posting `action` for `name` (a row's disable, enable, unlock). */
static void row_button(web_page *p, const web_staff *s, const char *path, const char *action, const char *key,
		       const char *name, const char *label)
{
	web_page_raw(p, "<form method=\"post\" class=\"inline\" action=\"");
	web_page_text(p, path);
	web_page_raw(p, "\">");
	csrf_field(p, s);
	hidden(p, "action", action);
	hidden(p, key, name);
	web_page_raw(p, "<button type=\"submit\" id=\"");
	web_page_text(p, action);
	web_page_raw(p, "-");
	web_page_text(p, name);
	web_page_raw(p, "\">");
	web_page_text(p, label);
	web_page_raw(p, "</button></form> ");
}

/* A refused change: what the page says and which form it concerns. */
typedef struct {
	const char *lead;   /* NULL = nothing went wrong */
	const char *detail; /* the library's message, or NULL */
	const char *target; /* the system whose settings form failed (its typed values are kept) */
	const char *action;
} admin_error;

/* At the top of the page: done, or a pointer to the refused form below. */
static void notice(web_request *r, const admin_error *e)
{
	web_page *p = &r->page;
	if (e && e->lead)
		web_page_raw(p, "<p class=\"error\">変更できませんでした。理由は入力欄の上に示しています。</p>");
	else if (web_request_query(r, "done"))
		web_page_raw(p, "<p class=\"ok\" id=\"done\">変更を記録しました。</p>");
}

/* Beside the refused form: our lead, then the library's own sentence, if any, as it came. */
static void error_box(web_page *p, const admin_error *e)
{
	if (e && e->lead) {
		web_page_raw(p, "<div class=\"error\" id=\"error\"><p>");
		web_page_text(p, e->lead);
		web_page_raw(p, "</p>");
		if (e->detail && *e->detail) {
			web_page_raw(p, "<p class=\"detail\" id=\"error-detail\">");
			web_page_text(p, e->detail);
			web_page_raw(p, "</p>");
		}
		web_page_raw(p, "</div>");
	}
}

static void admin_nav(web_page *p)
{
	web_page_raw(p, "<p class=\"subnav\"><a href=\"/admin/sections\">所属</a> | <a href=\"/admin/vendors\">事業者</a> | "
		        "<a href=\"/admin/systems\">情報システム</a> | <a href=\"/admin/accounts\">アカウント</a> | "
		        "<a href=\"/admin/staff\">職員</a></p>");
}

static void more_rows(web_page *p, int n, int total)
{
	if (total > n)
		web_page_textf(p, "全%d件のうち先頭の%d件を表示しています（rmgate-policy の list で全件）。", total, n);
}

/* Splits a list of CIDRs (spaces, commas or lines between them) into buf/out. */
static size_t split_list(const char *text, char *buf, size_t len, const char **out, size_t max)
{
	snprintf(buf, len, "%s", text ? text : "");
	size_t n = 0;
	for (char *save = NULL, *tok = strtok_r(buf, " ,\t\r\n", &save); tok && n < max; tok = strtok_r(NULL, " ,\t\r\n", &save))
		out[n++] = tok;
	return n;
}

static void failed(web_request *r, admin_error *e, const char *lead, bool library)
{
	r->status = 400;
	e->lead = lead;
	e->detail = library ? policy_last_error() : NULL;
}

/* A staff_action ledger row "admin KIND ACTION NAME[ EXTRA]" for a change made (the library's
 * own rows, where it writes any, come besides). */
static void record(web_request *r, const web_staff *s, const char *kind, const char *action, const char *name,
		   const char *extra)
{
	char what[800];
	snprintf(what, sizeof what, "admin %s %s %.300s%s%.300s", kind, action, name, extra ? " " : "", extra ? extra : "");
	policy_staff_record_action(r->db, s->who.login, what, r->now_us);
}

static void done(web_request *r, const char *path)
{
	snprintf(r->location_buf, sizeof r->location_buf, "%s?done=1", path);
	r->location = r->location_buf;
}

/* ---- 所属 (sections) ---- */

static void sections_page(web_request *r, const web_staff *s, const admin_error *e)
{
	policy_section_entry *list = NULL;
	int n = 0, total = 0;
	if (policy_admin_sections(r->db, &list, &n, &total)) {
		web_message(r, s, 500, "所属", "所属の一覧を読み込めませんでした（データベースの障害）。");
		return;
	}
	web_page *p = &r->page;
	web_begin(r, s, "管理：所属");
	admin_nav(p);
	notice(r, e);
	web_page_raw(p, "<table id=\"sections\"><tr><th>番号</th><th>所属</th><th>情報セキュリティ責任者</th><th>情報システム数</th></tr>");
	for (int i = 0; i < n; i++) {
		char num[48];
		web_page_raw(p, "<tr>");
		snprintf(num, sizeof num, "%lld", (long long)list[i].id);
		cell(p, num);
		cell(p, list[i].name);
		cell(p, list[i].officer);
		snprintf(num, sizeof num, "%d", list[i].systems);
		cell(p, num);
		web_page_raw(p, "</tr>");
	}
	web_page_raw(p, "</table>");
	more_rows(p, n, total);
	bool keep = e && e->lead;
	web_page_raw(p, "<h2>所属の登録</h2>");
	error_box(p, e);
	web_page_raw(p, "<form method=\"post\" action=\"/admin/sections\">");
	csrf_field(p, s);
	hidden(p, "action", "add");
	web_page_raw(p, "<table>");
	text_row(p, "所属の名称", "name", keep ? field(r, "name") : "", NULL, "例：税務課");
	text_row(p, "情報セキュリティ責任者", "officer", keep ? field(r, "officer") : "", NULL, "例：税務課長 山田 一郎");
	web_page_raw(p, "</table><button type=\"submit\" id=\"add-section\">登録する</button></form>");
	web_page_end(p);
	free(list);
}

static void sections_post(web_request *r, const web_staff *s)
{
	admin_error e = { 0 };
	const char *action = field(r, "action"), *name = field(r, "name"), *officer = field(r, "officer");
	if (strcmp(action, "add")) {
		failed(r, &e, "この操作はできません。", false);
	} else if (!*name) {
		failed(r, &e, "所属の名称を入力してください。", false);
	} else if (policy_section_add(r->db, name, *officer ? officer : NULL, NULL)) {
		failed(r, &e, "所属を登録できませんでした。", true);
	} else {
		record(r, s, "section", "add", name, NULL);
		done(r, "/admin/sections");
		return;
	}
	sections_page(r, s, &e);
}

/* ---- 事業者 (vendors) ---- */

static void vendors_page(web_request *r, const web_staff *s, const admin_error *e)
{
	policy_vendor_entry *list = NULL;
	int n = 0, total = 0;
	if (policy_admin_vendors(r->db, &list, &n, &total)) {
		web_message(r, s, 500, "事業者", "事業者の一覧を読み込めませんでした（データベースの障害）。");
		return;
	}
	web_page *p = &r->page;
	web_begin(r, s, "管理：事業者");
	admin_nav(p);
	notice(r, e);
	web_page_raw(p, "<table id=\"vendors\"><tr><th>番号</th><th>事業者</th><th>元請事業者（再委託の場合）</th></tr>");
	for (int i = 0; i < n; i++) {
		char num[24];
		snprintf(num, sizeof num, "%lld", (long long)list[i].id);
		web_page_raw(p, "<tr>");
		cell(p, num);
		cell(p, list[i].name);
		cell(p, list[i].prime[0] ? list[i].prime : "（元請）");
		web_page_raw(p, "</tr>");
	}
	web_page_raw(p, "</table>");
	more_rows(p, n, total);
	bool keep = e && e->lead;
	web_page_raw(p, "<h2>事業者の登録</h2>");
	error_box(p, e);
	web_page_raw(p, "<form method=\"post\" action=\"/admin/vendors\">");
	csrf_field(p, s);
	hidden(p, "action", "add");
	web_page_raw(p, "<table>");
	text_row(p, "事業者の名称", "name", keep ? field(r, "name") : "", NULL, "例：株式会社〇〇システム");
	select_open(p, "元請事業者（再委託の場合）", "prime");
	web_page_raw(p, "<option value=\"\">（なし：元請）</option>");
	for (int i = 0; i < n; i++)
		if (!list[i].prime[0])
			option(p, list[i].name, list[i].name, keep ? field(r, "prime") : NULL);
	select_close(p);
	web_page_raw(p, "</table><button type=\"submit\" id=\"add-vendor\">登録する</button></form>");
	web_page_end(p);
	free(list);
}

static void vendors_post(web_request *r, const web_staff *s)
{
	admin_error e = { 0 };
	const char *action = field(r, "action"), *name = field(r, "name"), *prime = field(r, "prime");
	if (strcmp(action, "add")) {
		failed(r, &e, "この操作はできません。", false);
	} else if (!*name) {
		failed(r, &e, "事業者の名称を入力してください。", false);
	} else if (policy_vendor_add(r->db, name, *prime ? prime : NULL, NULL)) {
		failed(r, &e, "事業者を登録できませんでした。", true);
	} else {
		record(r, s, "vendor", "add", name, *prime ? prime : NULL);
		done(r, "/admin/vendors");
		return;
	}
	vendors_page(r, s, &e);
}

/* ---- 情報システム (systems) ---- */

static void limits_text(const policy_system_entry *y, char *buf, size_t len)
{
	snprintf(buf, len, "無操作 %d分・最長 %d分%s%s", y->idle_timeout_s / 60, y->max_duration_s / 60,
		 y->observe_only ? "・閲覧のみ" : "", y->channels & POLICY_CHANNEL_AUDIO_OUT ? "・音声可" : "");
}

/* One system's settings form: networks, lab ranges or pin. The value shown is the stored one,
 * or what she typed when this very form was refused. */
static void setting_form(web_request *r, const web_staff *s, const admin_error *e, const policy_system_entry *y,
			 const char *action, const char *label, const char *stored, const char *hint, const char *button)
{
	web_page *p = &r->page;
	bool typed = e && e->lead && e->target && !strcmp(e->target, y->name) && e->action && !strcmp(e->action, action);
	web_page_raw(p, "<form method=\"post\" class=\"setting\" action=\"/admin/systems\">");
	csrf_field(p, s);
	hidden(p, "action", action);
	hidden(p, "system", y->name);
	web_page_raw(p, "<label>");
	web_page_text(p, label);
	web_page_raw(p, " <input size=\"50\" name=\"value\" id=\"");
	web_page_text(p, action);
	web_page_raw(p, "-");
	web_page_text(p, y->name);
	web_page_raw(p, "\" value=\"");
	web_page_text(p, typed ? field(r, "value") : stored);
	web_page_raw(p, "\" placeholder=\"");
	web_page_text(p, hint);
	web_page_raw(p, "\"></label> <button type=\"submit\" id=\"do-");
	web_page_text(p, action);
	web_page_raw(p, "-");
	web_page_text(p, y->name);
	web_page_raw(p, "\">");
	web_page_text(p, button);
	web_page_raw(p, "</button></form>");
}

static void systems_page(web_request *r, const web_staff *s, const admin_error *e)
{
	policy_system_entry *list = NULL;
	policy_section_entry *sections = NULL;
	int n = 0, total = 0, ns = 0, ns_total = 0;
	if (policy_admin_systems(r->db, &list, &n, &total) || policy_admin_sections(r->db, &sections, &ns, &ns_total)) {
		free(list);
		web_message(r, s, 500, "情報システム", "情報システムの一覧を読み込めませんでした（データベースの障害）。");
		return;
	}
	web_page *p = &r->page;
	web_begin(r, s, "管理：情報システム");
	admin_nav(p);
	notice(r, e);
	web_page_raw(p, "<table id=\"systems\"><tr><th>名称</th><th>分類</th><th>接続先</th><th>所属</th>"
		        "<th>接続元ネットワーク（別表第1）</th><th>試験環境の接続元</th><th>証明書のピン</th><th>上限</th>"
		        "<th>資格情報</th></tr>");
	for (int i = 0; i < n; i++) {
		const policy_system_entry *y = &list[i];
		char host[POLICY_VIEW_TEXT + 16], limits[200];
		snprintf(host, sizeof host, "%s:%d", y->host, y->port);
		limits_text(y, limits, sizeof limits);
		web_page_raw(p, "<tr>");
		cell(p, y->name);
		cell(p, policy_class_label(y->cls));
		cell(p, host);
		cell(p, y->section);
		cell(p, y->networks);
		cell(p, y->lab_sources);
		web_page_raw(p, "<td class=\"hash\">");
		web_page_text(p, y->cert_pin[0] ? y->cert_pin : "—");
		web_page_raw(p, "</td>");
		cell(p, limits);
		cell(p, y->inject_credentials ? "ゲートが入力" : "事業者が入力");
		web_page_raw(p, "</tr>");
	}
	web_page_raw(p, "</table>");
	more_rows(p, n, total);

	web_page_raw(p, "<h2>設定の変更</h2><p>アドレスの範囲は 10.1.0.0/16 のように、空白で区切って入力します。"
		        "空欄で送信すると設定を消去します。</p>");
	for (int i = 0; i < n; i++) {
		const policy_system_entry *y = &list[i];
		web_page_raw(p, "<h3>");
		web_page_text(p, y->name);
		web_page_raw(p, "</h3>");
		if (e && e->lead && e->target && !strcmp(e->target, y->name))
			error_box(p, e);
		setting_form(r, s, e, y, "networks", "接続元ネットワーク（別表第1）", y->networks, "10.1.0.0/16", "設定する");
		setting_form(r, s, e, y, "lab-sources", "試験環境の接続元", y->lab_sources, "192.168.10.0/24", "設定する");
		setting_form(r, s, e, y, "pin", "証明書のピン", y->cert_pin, "sha256:（64桁の16進数）", "設定する");
	}

	bool keep = e && e->lead && !e->target;
	web_page_raw(p, "<h2>情報システムの登録</h2>");
	if (keep)
		error_box(p, e);
	web_page_raw(p, "<form method=\"post\" action=\"/admin/systems\">");
	csrf_field(p, s);
	hidden(p, "action", "add");
	web_page_raw(p, "<table id=\"system-form\">");
	text_row(p, "名称", "name", keep ? field(r, "name") : "", NULL, "例：tax-db");
	select_open(p, "分類", "class");
	static const char *const classes[] = { "mynumber", "lgwan", "internet" };
	for (int i = 0; i < 3; i++)
		option(p, classes[i], policy_class_label(classes[i]), keep ? field(r, "class") : "lgwan");
	select_close(p);
	text_row(p, "接続先のホスト", "host", keep ? field(r, "host") : "", NULL, "10.4.0.5");
	text_row(p, "ポート番号", "port", keep ? field(r, "port") : "3389", NULL, NULL);
	select_open(p, "所管する所属", "section");
	for (int i = 0; i < ns; i++)
		option(p, sections[i].name, sections[i].name, keep ? field(r, "section") : NULL);
	select_close(p);
	text_row(p, "接続元ネットワーク（別表第1）", "networks", keep ? field(r, "networks") : "", NULL, "10.1.0.0/16");
	text_row(p, "試験環境の接続元", "lab-sources", keep ? field(r, "lab-sources") : "", NULL, "192.168.10.0/24");
	text_row(p, "証明書のピン", "cert-pin", keep ? field(r, "cert-pin") : "", NULL, "sha256:（64桁の16進数）");
	text_row(p, "無操作で切断するまで（分）", "idle-timeout", keep ? field(r, "idle-timeout") : "", NULL, "15");
	text_row(p, "接続の最長時間（分）", "max-duration", keep ? field(r, "max-duration") : "", NULL, "240");
	select_open(p, "ログオンの資格情報", "credentials");
	option(p, "passthrough", "事業者が入力（パススルー）", keep ? field(r, "credentials") : "passthrough");
	option(p, "inject", "ゲートが入力（登録した資格情報）", keep ? field(r, "credentials") : NULL);
	select_close(p);
	checkbox_row(p, "閲覧のみ（事業者の入力をすべて遮断する）", "observe-only", keep && *field(r, "observe-only"));
	checkbox_row(p, "音声を事業者へ送る", "allow-audio", keep && *field(r, "allow-audio"));
	web_page_raw(p, "</table><button type=\"submit\" id=\"add-system\">登録する</button></form>");
	web_page_end(p);
	free(list);
	free(sections);
}

/* Minutes of a limit field ("" = the default); false when not 1-10080. */
static bool minutes(const char *text, int *seconds)
{
	*seconds = 0;
	if (!*text)
		return true;
	char *end;
	long m = strtol(text, &end, 10);
	if (*end || m < 1 || m > 7 * 24 * 60)
		return false;
	*seconds = (int)m * 60;
	return true;
}

static void systems_post(web_request *r, const web_staff *s)
{
	admin_error e = { 0 };
	const char *action = field(r, "action");
	char nbuf[2048], lbuf[2048];
	const char *networks[64], *lab[64];
	if (!strcmp(action, "add")) {
		policy_system_spec spec = { .name = field(r, "name"), .host = field(r, "host"), .section = field(r, "section"),
					    .observe_only = *field(r, "observe-only") != 0,
					    .channels = *field(r, "allow-audio") ? POLICY_CHANNEL_AUDIO_OUT : 0u,
					    .inject_credentials = !strcmp(field(r, "credentials"), "inject") };
		const char *pin = field(r, "cert-pin");
		spec.cert_pin = *pin ? pin : NULL;
		spec.networks = networks;
		spec.n_networks = split_list(field(r, "networks"), nbuf, sizeof nbuf, networks, 64);
		spec.lab_sources = lab;
		spec.n_lab_sources = split_list(field(r, "lab-sources"), lbuf, sizeof lbuf, lab, 64);
		char *end = NULL;
		long port = strtol(field(r, "port"), &end, 10);
		bool port_ok = *field(r, "port") && !*end && port >= 1 && port <= 65535;
		spec.port = port_ok ? (int)port : 0;
		if (!*spec.name || !*spec.host || !*spec.section)
			failed(r, &e, "名称、接続先のホスト、所管する所属を入力してください。", false);
		else if (!policy_class_parse(field(r, "class"), &spec.cls))
			failed(r, &e, "分類を選んでください。", false);
		else if (!port_ok)
			failed(r, &e, "ポート番号は1から65535までの数字で入力してください。", false);
		else if (!minutes(field(r, "idle-timeout"), &spec.idle_timeout_s) ||
			 !minutes(field(r, "max-duration"), &spec.max_duration_s))
			failed(r, &e, "時間は1分から10080分（7日）までの分数で入力してください。", false);
		else if (policy_system_add(r->db, &spec, NULL))
			failed(r, &e, "情報システムを登録できませんでした。", true);
		if (!e.lead) {
			record(r, s, "system", "add", spec.name, spec.section);
			done(r, "/admin/systems");
			return;
		}
		systems_page(r, s, &e);
		return;
	}
	const char *system = field(r, "system"), *value = field(r, "value");
	e.target = system;
	e.action = action;
	int status = POLICY_OK;
	const char *what = NULL;
	if (!strcmp(action, "networks") || !strcmp(action, "lab-sources")) {
		size_t n = split_list(value, nbuf, sizeof nbuf, networks, 64);
		bool net = !strcmp(action, "networks");
		status = net ? policy_system_set_networks(r->db, system, networks, n, s->who.login, r->now_us)
			     : policy_system_set_lab_sources(r->db, system, networks, n, s->who.login, r->now_us);
		what = net ? "接続元ネットワークを設定できませんでした。" : "試験環境の接続元を設定できませんでした。";
	} else if (!strcmp(action, "pin")) {
		status = policy_system_set_cert_pin(r->db, system, *value ? value : NULL, s->who.login, r->now_us);
		what = "証明書のピンを設定できませんでした。";
	} else {
		e.target = NULL;
		failed(r, &e, "この操作はできません。", false);
		systems_page(r, s, &e);
		return;
	}
	if (status) {
		failed(r, &e, what, true);
		systems_page(r, s, &e);
		return;
	}
	record(r, s, "system", action, system, *value ? value : "(cleared)");
	done(r, "/admin/systems");
}

/* ---- アカウント (vendor accounts) ---- */

static void accounts_page(web_request *r, const web_staff *s, const admin_error *e)
{
	policy_account_entry *list = NULL;
	policy_vendor_entry *vendors = NULL;
	int n = 0, total = 0, nv = 0, nv_total = 0;
	if (policy_admin_accounts(r->db, r->now_us, &list, &n, &total) ||
	    policy_admin_vendors(r->db, &vendors, &nv, &nv_total)) {
		free(list);
		web_message(r, s, 500, "アカウント", "アカウントの一覧を読み込めませんでした（データベースの障害）。");
		return;
	}
	web_page *p = &r->page;
	web_begin(r, s, "管理：事業者のアカウント");
	admin_nav(p);
	notice(r, e);
	web_page_raw(p, "<table id=\"accounts\"><tr><th>事業者</th><th>ログイン名</th><th>状態</th><th>NLA</th><th>操作</th></tr>");
	for (int i = 0; i < n; i++) {
		const policy_account_entry *a = &list[i];
		web_page_raw(p, "<tr>");
		cell(p, a->vendor);
		cell(p, a->login);
		web_page_raw(p, "<td class=\"state\">");
		web_page_text(p, a->disabled ? "無効" : "有効");
		if (a->locked)
			web_page_raw(p, "・ロック中");
		web_page_raw(p, "</td>");
		cell(p, a->nla ? "可" : "不可");
		web_page_raw(p, "<td>");
		row_button(p, s, "/admin/accounts", a->disabled ? "enable" : "disable", "login", a->login,
			   a->disabled ? "有効にする" : "無効にする");
		if (a->locked)
			row_button(p, s, "/admin/accounts", "unlock", "login", a->login, "ロックを解除する");
		web_page_raw(p, "</td></tr>");
	}
	web_page_raw(p, "</table>");
	more_rows(p, n, total);
	bool keep = e && e->lead;
	web_page_raw(p, "<h2>アカウントの登録</h2><p>ここで登録するアカウントは TLS によるログオン専用です。"
		        "NLA でログオンするアカウントは、暗号鍵を扱う rmgate-policy account add --nla で登録してください。</p>");
	error_box(p, e);
	web_page_raw(p, "<form method=\"post\" action=\"/admin/accounts\">");
	csrf_field(p, s);
	hidden(p, "action", "add");
	web_page_raw(p, "<table>");
	select_open(p, "事業者", "vendor");
	for (int i = 0; i < nv; i++)
		option(p, vendors[i].name, vendors[i].name, keep ? field(r, "vendor") : NULL);
	select_close(p);
	text_row(p, "ログイン名", "login", keep ? field(r, "login") : "", NULL, NULL);
	text_row(p, "パスワード", "password", NULL, "password", NULL);
	text_row(p, "パスワード（確認）", "again", NULL, "password", NULL);
	web_page_raw(p, "</table><button type=\"submit\" id=\"add-account\">登録する</button></form>");
	web_page_end(p);
	free(list);
	free(vendors);
}

static void accounts_post(web_request *r, const web_staff *s)
{
	admin_error e = { 0 };
	const char *action = field(r, "action"), *login = field(r, "login");
	if (!strcmp(action, "add")) {
		const char *password = field(r, "password"), *again = field(r, "again");
		if (!*login || !*field(r, "vendor"))
			failed(r, &e, "事業者とログイン名を入力してください。", false);
		else if (!*password || strcmp(password, again))
			failed(r, &e, "パスワードが確認欄と一致しません。", false);
		else if (policy_account_add(r->db, field(r, "vendor"), login, password, NULL))
			failed(r, &e, "アカウントを登録できませんでした。", true);
		if (!e.lead) {
			record(r, s, "account", "add", login, field(r, "vendor"));
			done(r, "/admin/accounts");
			return;
		}
	} else if (!strcmp(action, "disable") || !strcmp(action, "enable")) {
		if (policy_account_set_disabled(r->db, login, action[0] == 'd'))
			failed(r, &e, "アカウントの状態を変更できませんでした。", true);
	} else if (!strcmp(action, "unlock")) {
		if (policy_account_unlock(r->db, login, s->who.login, r->now_us))
			failed(r, &e, "ロックを解除できませんでした。", true);
	} else {
		failed(r, &e, "この操作はできません。", false);
	}
	if (e.lead) {
		accounts_page(r, s, &e);
		return;
	}
	record(r, s, "account", action, login, NULL);
	done(r, "/admin/accounts");
}

/* ---- 職員 (staff) ---- */

static void staff_page(web_request *r, const web_staff *s, const admin_error *e)
{
	policy_staff_entry *list = NULL;
	policy_section_entry *sections = NULL;
	int n = 0, total = 0, ns = 0, ns_total = 0;
	if (policy_admin_staff(r->db, &list, &n, &total) || policy_admin_sections(r->db, &sections, &ns, &ns_total)) {
		free(list);
		web_message(r, s, 500, "職員", "職員の一覧を読み込めませんでした（データベースの障害）。");
		return;
	}
	web_page *p = &r->page;
	web_begin(r, s, "管理：職員");
	admin_nav(p);
	notice(r, e);
	web_page_raw(p, "<table id=\"staff\"><tr><th>ログイン名</th><th>氏名</th><th>役割</th><th>所属</th><th>状態</th><th>操作</th></tr>");
	for (int i = 0; i < n; i++) {
		const policy_staff_entry *m = &list[i];
		web_page_raw(p, "<tr>");
		cell(p, m->login);
		cell(p, m->display_name);
		cell(p, web_role_label(m->role));
		cell(p, m->section);
		cell(p, m->disabled ? "無効" : "有効");
		web_page_raw(p, "<td>");
		if (strcasecmp(m->login, s->who.login))
			row_button(p, s, "/admin/staff", m->disabled ? "enable" : "disable", "login", m->login,
				   m->disabled ? "有効にする" : "無効にする");
		web_page_raw(p, "</td></tr>");
	}
	web_page_raw(p, "</table>");
	more_rows(p, n, total);
	bool keep = e && e->lead;
	web_page_raw(p, "<h2>職員の登録</h2>");
	error_box(p, e);
	web_page_raw(p, "<form method=\"post\" action=\"/admin/staff\">");
	csrf_field(p, s);
	hidden(p, "action", "add");
	web_page_raw(p, "<table>");
	text_row(p, "ログイン名", "login", keep ? field(r, "login") : "", NULL, NULL);
	text_row(p, "氏名", "display-name", keep ? field(r, "display-name") : "", NULL, "例：山田 花子");
	select_open(p, "役割", "role");
	static const policy_staff_role roles[] = { POLICY_ROLE_APPLICANT, POLICY_ROLE_APPROVER, POLICY_ROLE_AUDITOR,
						   POLICY_ROLE_ADMIN };
	for (int i = 0; i < 4; i++)
		option(p, policy_staff_role_name(roles[i]), web_role_label(roles[i]), keep ? field(r, "role") : NULL);
	select_close(p);
	select_open(p, "所属（申請担当のみ）", "section");
	web_page_raw(p, "<option value=\"\">（なし）</option>");
	for (int i = 0; i < ns; i++)
		option(p, sections[i].name, sections[i].name, keep ? field(r, "section") : NULL);
	select_close(p);
	text_row(p, "パスワード（12文字以上）", "password", NULL, "password", NULL);
	text_row(p, "パスワード（確認）", "again", NULL, "password", NULL);
	web_page_raw(p, "</table><button type=\"submit\" id=\"add-staff\">登録する</button></form>");
	web_page_end(p);
	free(list);
	free(sections);
}

static void staff_post(web_request *r, const web_staff *s)
{
	admin_error e = { 0 };
	const char *action = field(r, "action"), *login = field(r, "login");
	if (!strcmp(action, "add")) {
		const char *password = field(r, "password"), *again = field(r, "again"), *section = field(r, "section");
		const char *name = field(r, "display-name");
		policy_staff_role role;
		if (!*login)
			failed(r, &e, "ログイン名を入力してください。", false);
		else if (!policy_staff_role_parse(field(r, "role"), &role))
			failed(r, &e, "役割を選んでください。", false);
		else if (role == POLICY_ROLE_APPLICANT && !*section)
			failed(r, &e, "申請担当には所属を選んでください。", false);
		else if (strcmp(password, again))
			failed(r, &e, "パスワードが確認欄と一致しません。", false);
		else if (strlen(password) < POLICY_STAFF_MIN_PASSWORD)
			failed(r, &e, "パスワードは12文字以上にしてください。", false);
		else if (policy_staff_add(r->db, login, *name ? name : NULL, role,
					  role == POLICY_ROLE_APPLICANT ? section : NULL, password, s->who.login, r->now_us))
			failed(r, &e, "職員を登録できませんでした。", true);
	} else if (!strcmp(action, "disable") || !strcmp(action, "enable")) {
		if (!strcasecmp(login, s->who.login))
			failed(r, &e, "自分のログインは無効にできません。", false);
		else if (policy_staff_set_disabled(r->db, login, action[0] == 'd', s->who.login, r->now_us))
			failed(r, &e, "職員の状態を変更できませんでした。", true);
	} else {
		failed(r, &e, "この操作はできません。", false);
	}
	if (e.lead) {
		staff_page(r, s, &e);
		return;
	}
	record(r, s, "staff", action, login, NULL);
	done(r, "/admin/staff");
}

/* ---- routing ---- */

static void index_page(web_request *r, const web_staff *s)
{
	web_page *p = &r->page;
	web_begin(r, s, "管理");
	web_page_raw(p, "<ul id=\"admin-pages\">"
		        "<li><a href=\"/admin/sections\">所属</a>：所属と情報セキュリティ責任者</li>"
		        "<li><a href=\"/admin/vendors\">事業者</a>：事業者と元請事業者</li>"
		        "<li><a href=\"/admin/systems\">情報システム</a>：分類、接続先、接続元ネットワーク、証明書のピン、上限</li>"
		        "<li><a href=\"/admin/accounts\">アカウント</a>：事業者のアカウントの登録、無効化、ロックの解除</li>"
		        "<li><a href=\"/admin/staff\">職員</a>：コンソールを使う職員と役割</li></ul>");
	web_page_end(p);
}

bool web_admin_route(web_request *r, const web_staff *s)
{
	if (strcmp(r->path, "/admin") && strncmp(r->path, "/admin/", 7))
		return false;
	bool post = !strcmp(r->method, "POST");
	static const struct {
		const char *path;
		void (*page)(web_request *, const web_staff *, const admin_error *);
		void (*post)(web_request *, const web_staff *);
	} pages[] = {
		{ "/admin/sections", sections_page, sections_post }, { "/admin/vendors", vendors_page, vendors_post },
		{ "/admin/systems", systems_page, systems_post },    { "/admin/accounts", accounts_page, accounts_post },
		{ "/admin/staff", staff_page, staff_post },
	};
	int which = -1;
	for (int i = 0; i < (int)(sizeof pages / sizeof *pages); i++)
		if (!strcmp(r->path, pages[i].path))
			which = i;
	bool known = which >= 0 || !strcmp(r->path, "/admin");
	if (s->who.role != POLICY_ROLE_ADMIN) {
		/* The same answers as for any page she may not have: a GET falls through to the
		 * console's "no such page" (web_views.c), so nothing tells what is here; a POST is
		 * refused and recorded. */
		if (!post)
			return false;
		{
			char what[300];
			snprintf(what, sizeof what, "%.100s: %.40s refused: the role %s may not do it", r->path,
				 web_form_get(&r->form, "action") ? web_form_get(&r->form, "action") : "a change",
				 policy_staff_role_name(s->who.role));
			policy_staff_record_action(r->db, s->who.login, what, r->now_us);
			web_message(r, s, 403, "操作できません", "この操作を行う権限がありません。");
		}
		return true;
	}
	if (!known)
		return false; /* the console's "no such page" */
	if (which < 0) {
		if (post)
			web_message(r, s, 405, "管理", "この画面には送信できません。");
		else
			index_page(r, s);
	} else if (post) {
		pages[which].post(r, s);
	} else {
		pages[which].page(r, s, NULL);
	}
	return true;
}
