/* web_views.c: the console's pages: logon, logout, dashboard, password change (see
 * web_request.h). Every page but the logon needs a live login session; every POST its CSRF
 * token. Staff-facing text is Japanese. */
#include "web_views.h"

#include "dashboard.h"
#include "refusal_view.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

const char *web_role_label(policy_staff_role role)
{
	switch (role) {
	case POLICY_ROLE_APPLICANT: return "申請担当";
	case POLICY_ROLE_APPROVER: return "承認者";
	case POLICY_ROLE_AUDITOR: return "監査担当";
	case POLICY_ROLE_ADMIN: return "管理者";
	}
	return "?";
}

void web_begin(web_request *r, const web_staff *s, const char *title)
{
	char who_text[600];
	snprintf(who_text, sizeof who_text, "%s%s%s", s->who.display_name[0] ? s->who.display_name : s->who.login,
		 s->who.section[0] ? "・" : "", s->who.section);
	web_page_begin(&r->page, title, who_text, web_role_label(s->who.role), s->csrf, s->who.role == POLICY_ROLE_ADMIN);
}

void web_message(web_request *r, const web_staff *s, int status, const char *title, const char *message)
{
	r->status = status;
	if (s)
		web_begin(r, s, title);
	else
		web_page_begin(&r->page, title, NULL, NULL, NULL, false);
	web_page_raw(&r->page, "<p id=\"message\">");
	web_page_text(&r->page, message);
	web_page_raw(&r->page, "</p><p><a href=\"/\">ダッシュボードへ</a></p>");
	web_page_end(&r->page);
}

static void redirect(web_request *r, const char *to)
{
	r->location = to;
}

static void simple_page(web_request *r, int status, const char *title, const char *message)
{
	r->status = status;
	web_page_begin(&r->page, title, NULL, NULL, NULL, false);
	web_page_raw(&r->page, "<p>");
	web_page_text(&r->page, message);
	web_page_raw(&r->page, "</p><p><a href=\"/\">ダッシュボードへ</a></p>");
	web_page_end(&r->page);
}

/* ---- logon ---- */

static bool is_token(const char *t)
{
	if (!t || strlen(t) != WEB_TOKEN_LEN)
		return false;
	for (; *t; t++)
		if (!((*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'f')))
			return false;
	return true;
}

static void login_page(web_request *r, const char *error)
{
	/* The form's CSRF token is the browser's rmgate_login cookie; one already set is kept, so a
	 * second tab or a background request (favicon) does not spoil the form of the first. */
	char token[WEB_TOKEN_LEN + 1];
	if (is_token(r->login_cookie)) {
		memcpy(token, r->login_cookie, sizeof token);
	} else if (!web_auth_random_token(token)) {
		r->page.failed = true;
		return;
	} else {
		web_request_cookie(r, "rmgate_login", token);
	}
	web_page *p = &r->page;
	web_page_begin(p, "ログイン", NULL, NULL, NULL, false);
	if (error) {
		web_page_raw(p, "<p class=\"error\" id=\"error\">");
		web_page_text(p, error);
		web_page_raw(p, "</p>");
	}
	web_page_raw(p, "<form method=\"post\" action=\"/login\" class=\"login\"><input type=\"hidden\" name=\"csrf\" value=\"");
	web_page_text(p, token);
	web_page_raw(p, "\"><label for=\"login\">ログイン名</label><input id=\"login\" name=\"login\" autocomplete=\"username\" required>"
		        "<label for=\"password\">パスワード</label><input id=\"password\" name=\"password\" type=\"password\""
		        " autocomplete=\"current-password\" required><button type=\"submit\" id=\"submit\">ログイン</button></form>");
	web_page_end(p);
}

static void login_post(web_request *r)
{
	const char *login = web_form_get(&r->form, "login"), *password = web_form_get(&r->form, "password");
	if (!web_auth_token_equal(web_form_get(&r->form, "csrf"), r->login_cookie)) {
		r->status = 403;
		login_page(r, "画面の有効期限が切れました。もう一度ログインしてください。");
		return;
	}
	int64_t now_s = r->now_us / 1000000;
	if (!web_auth_source_may_try(r->auth, r->source, now_s)) {
		r->status = 429;
		login_page(r, "ログインの失敗が続いたため、この端末からのログインを一時的に停止しています。しばらくしてからお試しください。");
		return;
	}
	bool ok = false;
	policy_staff who;
	if (!login || !password || policy_staff_check_password(r->db, login, password, r->source, r->now_us, &ok, &who)) {
		r->status = 500;
		login_page(r, "ログインを確認できませんでした（データベースの障害）。管理者に連絡してください。");
		return;
	}
	if (!ok) {
		web_auth_source_failed(r->auth, r->source, now_s);
		r->status = 401;
		/* One message for every reason: the page must not tell which logins exist. */
		login_page(r, "ログイン名またはパスワードが正しくないか、アカウントがロックされています。");
		return;
	}
	char token[WEB_TOKEN_LEN + 1], csrf[WEB_TOKEN_LEN + 1];
	if (!web_auth_open(r->auth, who.id, now_s, token, csrf)) {
		r->page.failed = true;
		return;
	}
	web_request_cookie(r, "rmgate_session", token);
	web_request_cookie(r, "rmgate_login", NULL);
	OPENSSL_cleanse(token, sizeof token);
	redirect(r, "/");
}

/* The staff member of the request's login session, as the database has it now (a disabled
 * or removed member is logged out). */
static bool current_staff(web_request *r, policy_staff *who, char csrf[WEB_TOKEN_LEN + 1])
{
	int64_t id = 0;
	if (!web_auth_lookup(r->auth, r->session_cookie, r->now_us / 1000000, &id, csrf))
		return false;
	if (policy_staff_get(r->db, id, who) != POLICY_OK) {
		web_auth_close(r->auth, r->session_cookie);
		return false;
	}
	return true;
}

static bool csrf_ok(const web_request *r, const char *csrf)
{
	return web_auth_token_equal(web_form_get(&r->form, "csrf"), csrf);
}

static void logout_post(web_request *r, const policy_staff *who)
{
	web_auth_close(r->auth, r->session_cookie);
	policy_staff_record_action(r->db, who->login, "console logout", r->now_us);
	web_request_cookie(r, "rmgate_session", NULL);
	redirect(r, "/login");
}

/* ---- dashboard ---- */

static void local_time(web_request *r, int64_t us, char *buf, size_t len)
{
	policy_format_local(r->db, us, buf, len);
	buf[len > 16 ? 16 : len - 1] = 0; /* minutes are enough here */
}

/* Who may mark a section's monthly report submitted: its own applicant, the approver, the
 * admin (the IT division receiving it); not the auditor. */
static bool may_mark_submitted(const policy_staff *who, const char *section)
{
	return who->role == POLICY_ROLE_APPROVER || who->role == POLICY_ROLE_ADMIN ||
	       (who->role == POLICY_ROLE_APPLICANT && !strcmp(who->section, section));
}

static void submission_post(web_request *r, const policy_staff *who)
{
	const char *month = web_form_get(&r->form, "month"), *section = web_form_get(&r->form, "section");
	int y = 0, m = 0;
	char extra, what[400];
	web_staff s = { .who = *who };
	if (!month || !section || sscanf(month, "%4d-%2d%c", &y, &m, &extra) != 2) {
		web_message(r, &s, 400, "月次報告", "送信された内容が正しくありません。");
		return;
	}
	if (!may_mark_submitted(who, section)) {
		snprintf(what, sizeof what, "report %s section %.200s: submission mark refused: the role %s may not set it", month,
			 section, policy_staff_role_name(who->role));
		policy_staff_record_action(r->db, who->login, what, r->now_us);
		web_message(r, &s, 403, "操作できません", "この操作を行う権限がありません。");
		return;
	}
	if (policy_report_mark_submitted(r->db, y, m, section, who->login, r->now_us)) {
		char msg[600];
		snprintf(msg, sizeof msg, "記録できませんでした：%s", policy_last_error());
		web_message(r, &s, 400, "月次報告", msg);
		return;
	}
	r->location = "/";
}

static void dashboard(web_request *r, const policy_staff *who, const char *csrf)
{
	policy_dashboard d;
	int64_t section = who->role == POLICY_ROLE_APPLICANT ? who->section_id : 0;
	if (policy_dashboard_load(r->db, r->now_us, section, false, &d)) {
		simple_page(r, 500, "エラー", "ダッシュボードを読み込めませんでした（データベースの障害）。");
		return;
	}
	web_ledger_status ledger;
	web_app_ledger_status(r->app, &ledger);
	web_page *p = &r->page;
	char t[32];
	web_staff s = { .who = *who };
	memcpy(s.csrf, csrf, sizeof s.csrf);
	web_begin(r, &s, "ダッシュボード");
	if (section) {
		web_page_raw(p, "<p>表示は");
		web_page_text(p, who->section);
		web_page_raw(p, "の分に限ります。</p>");
	}

	web_page_raw(p, "<h2 id=\"live\">実行中のセッション</h2>");
	web_page_raw(p, "<p id=\"live-count\">");
	web_page_textf(p, "%d件（本日開始 %d件）", d.live_total, d.sessions_today);
	web_page_raw(p, "</p>");
	if (d.n_live) {
		web_page_raw(p, "<table id=\"live-table\"><tr><th>セッション</th><th>開始</th><th>事業者</th><th>アカウント</th>"
			        "<th>システム</th><th>接続元</th></tr>");
		for (int i = 0; i < d.n_live; i++) {
			const policy_dash_session *ls = &d.live[i];
			local_time(r, ls->start_us, t, sizeof t);
			web_page_raw(p, "<tr><td>");
			web_page_id_link(p, "/sessions/", ls->session_id);
			web_page_raw(p, "</td><td>");
			web_page_text(p, t);
			web_page_raw(p, "</td><td>");
			web_page_text(p, ls->vendor);
			web_page_raw(p, "</td><td>");
			web_page_text(p, ls->login);
			web_page_raw(p, "</td><td>");
			web_page_text(p, ls->system);
			web_page_raw(p, "</td><td>");
			web_page_text(p, ls->source);
			web_page_raw(p, "</td></tr>");
		}
		web_page_raw(p, "</table>");
	}

	web_page_raw(p, "<h2 id=\"expiring\">30日以内に期間が終わる許可</h2>");
	web_page_raw(p, "<p id=\"expiring-count\">");
	web_page_textf(p, "%d件", d.expiring_total);
	web_page_raw(p, "</p>");
	if (d.n_expiring) {
		web_page_raw(p, "<table id=\"expiring-table\"><tr><th>許可番号</th><th>事業者</th><th>システム</th><th>期間の終わり</th></tr>");
		for (int i = 0; i < d.n_expiring; i++) {
			const policy_dash_permit *e = &d.expiring[i];
			web_page_raw(p, "<tr><td>");
			web_page_textf(p, "%lld", (long long)e->permit_id);
			web_page_raw(p, "</td><td>");
			web_page_text(p, e->vendor);
			web_page_raw(p, "</td><td>");
			web_page_text(p, e->system);
			web_page_raw(p, "</td><td>");
			web_page_text(p, e->to_date);
			web_page_raw(p, "</td></tr>");
		}
		web_page_raw(p, "</table>");
	}

	web_page_raw(p, "<h2 id=\"orders\">未完了の是正命令</h2>");
	web_page_raw(p, "<p id=\"orders-count\">");
	web_page_textf(p, "%d件", d.orders_total);
	web_page_raw(p, "</p>");
	if (d.n_orders) {
		web_page_raw(p, "<table id=\"orders-table\"><tr><th>許可番号</th><th>事業者</th><th>措置</th><th>期限</th></tr>");
		for (int i = 0; i < d.n_orders; i++) {
			const policy_dash_order *o = &d.orders[i];
			web_page_raw(p, o->overdue ? "<tr class=\"overdue\"><td>" : "<tr><td>");
			web_page_textf(p, "%lld", (long long)o->permit_id);
			web_page_raw(p, "</td><td>");
			web_page_text(p, o->vendor);
			web_page_raw(p, "</td><td>");
			web_page_text(p, o->measures);
			web_page_raw(p, "</td><td>");
			web_page_text(p, o->due_date);
			if (o->overdue)
				web_page_raw(p, "（期限超過）");
			web_page_raw(p, "</td></tr>");
		}
		web_page_raw(p, "</table>");
	}

	/* This month's refusals (an applicant: those attributed to her section). */
	int ry = 0, rm = 0, refusals = 0, no_rows = 0;
	int64_t attempts = 0;
	web_this_month(r, &ry, &rm);
	policy_refusal_filter rf = { .year = ry, .month = rm, .section = section ? who->section : NULL };
	web_page_raw(p, "<h2 id=\"refusals\">今月の拒否された接続</h2><p>");
	if (policy_refusal_list_page(r->db, &rf, NULL, &no_rows, &refusals, &attempts)) {
		web_page_raw(p, "<span class=\"error\">読み込めませんでした（データベースの障害）</span>");
	} else {
		web_page_raw(p, "<a href=\"/refusals\" id=\"refusal-count\">");
		web_page_textf(p, "%d件（試行 %lld回）", refusals, (long long)attempts);
		web_page_raw(p, "</a>");
	}
	web_page_raw(p, "</p>");

	web_page_raw(p, "<h2 id=\"report\">月次報告（様式第4号）</h2><p>");
	web_page_textf(p, "%d年%d月分の報告期限：%s", d.report_year, d.report_month, d.report_due);
	web_page_raw(p, "</p>");
	if (d.n_submissions) {
		web_page_raw(p, "<table id=\"submissions\"><tr><th>課</th><th>提出</th></tr>");
		for (int i = 0; i < d.n_submissions; i++) {
			const policy_submission *sub = &d.submissions[i].state;
			web_page_raw(p, sub->late ? "<tr class=\"overdue\"><td>" : "<tr><td>");
			web_page_text(p, d.submissions[i].section);
			web_page_raw(p, "</td><td>");
			if (sub->submitted) {
				policy_format_local(r->db, sub->at_us, t, sizeof t);
				t[10] = 0;
				web_page_textf(p, "提出済み（%s、%s）%s", t, sub->by, sub->late ? "期限後" : "");
			} else {
				web_page_text(p, sub->late ? "未提出（期限超過）" : "未提出");
				if (may_mark_submitted(who, d.submissions[i].section)) {
					web_page_raw(p, " <form method=\"post\" action=\"/submissions\" class=\"inline\">"
						        "<input type=\"hidden\" name=\"csrf\" value=\"");
					web_page_text(p, csrf);
					web_page_raw(p, "\"><input type=\"hidden\" name=\"month\" value=\"");
					web_page_textf(p, "%04d-%02d", d.report_year, d.report_month);
					web_page_raw(p, "\"><input type=\"hidden\" name=\"section\" value=\"");
					web_page_text(p, d.submissions[i].section);
					web_page_raw(p, "\"><button type=\"submit\" class=\"mark-submitted\">提出済みにする</button></form>");
				}
			}
			web_page_raw(p, "</td></tr>");
		}
		web_page_raw(p, "</table>");
	}

	web_page_raw(p, "<h2 id=\"ledger\">台帳の完全性</h2>");
	const policy_verify_result *v = &ledger.last;
	char full[32];
	policy_format_local(r->db, ledger.checked_us, t, sizeof t);
	policy_format_local(r->db, ledger.full_us, full, sizeof full);
	if (!ledger.broken) {
		web_page_raw(p, "<p class=\"ok\" id=\"ledger-ok\">正常</p><p>");
		web_page_textf(p, "%lld行を検証（%s 時点。全行の再計算は %s）。控えとして末尾の値を記録してください：",
			       (long long)v->head_seq, t, full);
		web_page_raw(p, "</p><p class=\"hash\" id=\"ledger-head\">");
		web_page_textf(p, "%lld:%s", (long long)v->head_seq, v->head_hex);
		web_page_raw(p, "</p>");
	} else {
		web_page_raw(p, "<p class=\"error\" id=\"ledger-bad\">異常があります：");
		web_page_text(p, v->problem);
		web_page_raw(p, "</p>");
		web_page_raw(p, "<p>");
		web_page_textf(p, "（%s の検証で検出）", t);
		web_page_raw(p, "</p>");
	}
	if (ledger.unreadable[0]) {
		web_page_raw(p, "<p class=\"error\" id=\"ledger-unreadable\">最新の検証を実行できませんでした：");
		web_page_text(p, ledger.unreadable);
		web_page_raw(p, "</p>");
	}
	web_page_end(p);
}

/* ---- password ---- */

static void password_page(web_request *r, const policy_staff *who, const char *csrf, const char *message, bool error)
{
	web_page *p = &r->page;
	web_page_begin(p, "パスワード変更", who->display_name[0] ? who->display_name : who->login, web_role_label(who->role), csrf,
		       who->role == POLICY_ROLE_ADMIN);
	if (message) {
		web_page_raw(p, error ? "<p class=\"error\" id=\"error\">" : "<p class=\"ok\" id=\"done\">");
		web_page_text(p, message);
		web_page_raw(p, "</p>");
	}
	web_page_raw(p, "<form method=\"post\" action=\"/password\" class=\"login\"><input type=\"hidden\" name=\"csrf\" value=\"");
	web_page_text(p, csrf);
	web_page_raw(p, "\"><label for=\"current\">現在のパスワード</label><input id=\"current\" name=\"current\" type=\"password\""
		        " autocomplete=\"current-password\" required>"
		        "<label for=\"new\">新しいパスワード（12文字以上）</label><input id=\"new\" name=\"new\" type=\"password\""
		        " autocomplete=\"new-password\" required>"
		        "<label for=\"again\">新しいパスワード（確認）</label><input id=\"again\" name=\"again\" type=\"password\""
		        " autocomplete=\"new-password\" required><button type=\"submit\" id=\"submit\">変更する</button></form>");
	web_page_end(p);
}

static void password_post(web_request *r, const policy_staff *who, const char *csrf)
{
	const char *current = web_form_get(&r->form, "current"), *fresh = web_form_get(&r->form, "new"),
		   *again = web_form_get(&r->form, "again");
	if (!current || !fresh || !again || strcmp(fresh, again)) {
		r->status = 400;
		password_page(r, who, csrf, "新しいパスワードが確認欄と一致しません。", true);
		return;
	}
	if (strlen(fresh) < POLICY_STAFF_MIN_PASSWORD) {
		r->status = 400;
		password_page(r, who, csrf, "新しいパスワードは12文字以上にしてください。", true);
		return;
	}
	if (policy_staff_set_password(r->db, who->login, current, fresh, who->login, r->now_us)) {
		r->status = 400;
		password_page(r, who, csrf, "現在のパスワードが正しくありません。", true);
		return;
	}
	password_page(r, who, csrf, "パスワードを変更しました。", false);
}

/* ---- routing ---- */

void web_views_handle(web_request *r)
{
	bool post = !strcmp(r->method, "POST");
	if (!strcmp(r->path, "/login")) {
		if (post)
			login_post(r);
		else
			login_page(r, NULL);
		return;
	}
	policy_staff who;
	char csrf[WEB_TOKEN_LEN + 1];
	if (!current_staff(r, &who, csrf)) {
		if (!post && strcmp(r->path, "/") && strcmp(r->path, "/password")) {
			simple_page(r, 404, "ページがありません", "指定されたページはありません。");
		} else if (post) {
			r->status = 403;
			simple_page(r, 403, "ログインが必要です", "ログインの有効期限が切れたか、ログインしていません。");
		} else {
			redirect(r, "/login");
		}
		return;
	}
	if (post && !csrf_ok(r, csrf)) {
		/* A form of ours always carries the token: a POST without it came from elsewhere. */
		policy_staff_record_action(r->db, who.login, "console request refused: missing or wrong CSRF token", r->now_us);
		simple_page(r, 403, "操作を受け付けられません", "この操作は画面から行ってください（確認用の値が一致しません）。");
		return;
	}
	web_staff staff = { .who = who };
	memcpy(staff.csrf, csrf, sizeof staff.csrf);
	if (web_permits_route(r, &staff) || web_sessions_route(r, &staff) || web_reports_route(r, &staff) ||
	    web_refusals_route(r, &staff) || web_admin_route(r, &staff))
		;
	else if (!strcmp(r->path, "/logout") && post)
		logout_post(r, &who);
	else if (!strcmp(r->path, "/submissions") && post)
		submission_post(r, &who);
	else if (!strcmp(r->path, "/") && !post)
		dashboard(r, &who, csrf);
	else if (!strcmp(r->path, "/password"))
		post ? password_post(r, &who, csrf) : password_page(r, &who, csrf, NULL, false);
	else
		simple_page(r, 404, "ページがありません", "指定されたページはありません。");
	OPENSSL_cleanse(csrf, sizeof csrf);
	OPENSSL_cleanse(staff.csrf, sizeof staff.csrf);
}
