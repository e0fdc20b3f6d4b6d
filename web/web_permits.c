/* web_permits.c: the permit pages of the console: the list, one permit (the Form 1 fields,
 * its checklist, history and corrective orders) and the actions its reader's role allows.
 *
 * Who may act (checked here on every POST, whatever the page showed):
 *   approver   decide (approve / refuse), order, order-done, suspend, resume, revoke, end;
 *   applicant  end (the end-of-use report, Art. 9-2) of her own section's permits;
 *   auditor, admin: nothing here.
 * An applicant sees her own section's permits only; another section's is "no such page", the
 * same answer as a missing one. Every action is a ledger row naming the staff member
 * (staff_action), besides the permit's own history row with her login as the actor; a refused
 * one is a ledger row too. */
#include "web_views.h"

#include "forms.h"
#include "permit_view.h"
#include "registry_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *state_label(policy_permit_state s, bool expired)
{
	if (expired)
		return "期間満了";
	switch (s) {
	case POLICY_PERMIT_APPLIED: return "申請中";
	case POLICY_PERMIT_APPROVED: return "許可";
	case POLICY_PERMIT_REFUSED: return "不許可";
	case POLICY_PERMIT_ORDERED: return "是正命令中";
	case POLICY_PERMIT_SUSPENDED: return "停止中";
	case POLICY_PERMIT_REVOKED: return "取消";
	case POLICY_PERMIT_ENDED: return "利用終了";
	}
	return "?";
}

static const char *action_label(const char *action)
{
	static const char *const labels[][2] = {
		{ "apply", "申請" },         { "approve", "許可" },        { "refuse", "不許可" },
		{ "order", "是正命令" },     { "order+suspend", "是正命令（停止）" },
		{ "order-done", "是正完了" }, { "suspend", "停止" },        { "resume", "再開" },
		{ "revoke", "取消" },        { "end", "利用終了" },
	};
	for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
		if (!strcmp(labels[i][0], action))
			return labels[i][1];
	return action;
}

static void cell(web_page *p, const char *text)
{
	web_page_raw(p, "<td>");
	web_page_text(p, text);
	web_page_raw(p, "</td>");
}

static void row(web_page *p, const char *label, const char *value)
{
	web_page_raw(p, "<tr><th>");
	web_page_text(p, label);
	web_page_raw(p, "</th>");
	cell(p, value);
	web_page_raw(p, "</tr>");
}

static int64_t section_scope(const web_staff *s)
{
	return s->who.role == POLICY_ROLE_APPLICANT ? s->who.section_id : 0;
}

/* ---- list ---- */

static void list_page(web_request *r, const web_staff *s)
{
	static const char *const states[] = { "applied", "approved", "ordered", "suspended", "expired",
					      "refused", "revoked", "ended", NULL };
	const char *state = web_request_query(r, "state");
	bool known = !state || !*state;
	for (int i = 0; states[i] && !known; i++)
		known = !strcmp(states[i], state);
	if (!known) {
		web_message(r, s, 400, "許可", "状態の指定が正しくありません。");
		return;
	}
	const char *page_arg = web_request_query(r, "page");
	long page = page_arg ? strtol(page_arg, NULL, 10) : 0;
	if (page < 0 || page > 100000)
		page = 0;
	policy_permit_filter f = { .state = state && *state ? state : NULL, .section_id = section_scope(s), .page = (int)page };
	policy_permit_row *rows = calloc(POLICY_VIEW_PAGE, sizeof *rows);
	int n = 0, total = 0;
	if (!rows || policy_permit_list_page(r->db, &f, r->now_us, rows, &n, &total)) {
		free(rows);
		web_message(r, s, 500, "許可", "許可の一覧を読み込めませんでした（データベースの障害）。");
		return;
	}
	web_page *p = &r->page;
	web_begin(r, s, "許可");
	if (s->who.role == POLICY_ROLE_APPLICANT)
		web_page_raw(p, "<p><a href=\"/permits/new\" id=\"apply\">新しく申請する（様式第1号）</a></p>");
	web_page_raw(p, "<p>状態で絞り込む：<a href=\"/permits\">すべて</a>");
	for (int i = 0; states[i]; i++) {
		policy_permit_state st = POLICY_PERMIT_APPLIED;
		bool expired = !strcmp(states[i], "expired");
		for (int k = POLICY_PERMIT_APPLIED; k <= POLICY_PERMIT_ENDED; k++)
			if (!strcmp(policy_permit_state_name((policy_permit_state)k), states[i]))
				st = (policy_permit_state)k;
		web_page_raw(p, " | <a href=\"/permits?state=");
		web_page_text(p, states[i]);
		web_page_raw(p, "\">");
		web_page_text(p, state_label(st, expired));
		web_page_raw(p, "</a>");
	}
	web_page_raw(p, "</p><p id=\"count\">");
	web_page_textf(p, "%d件", total);
	if (total > POLICY_VIEW_PAGE)
		web_page_textf(p, "（%ld〜%ld件目）", page * POLICY_VIEW_PAGE + 1, page * POLICY_VIEW_PAGE + n);
	web_page_raw(p, "</p>");
	if (n) {
		web_page_raw(p, "<table id=\"permits\"><tr><th>許可番号</th><th>状態</th><th>申請課</th><th>事業者</th>"
			        "<th>システム</th><th>許可期間</th></tr>");
		for (int i = 0; i < n; i++) {
			web_page_raw(p, "<tr><td>");
			web_page_id_link(p, "/permits/", rows[i].id);
			web_page_raw(p, "</td>");
			cell(p, state_label(rows[i].state, rows[i].expired));
			cell(p, rows[i].section);
			cell(p, rows[i].vendor);
			cell(p, rows[i].system);
			web_page_raw(p, "<td>");
			web_page_textf(p, "%s〜%s", rows[i].from, rows[i].to);
			web_page_raw(p, "</td></tr>");
		}
		web_page_raw(p, "</table>");
	}
	if (total > (page + 1) * POLICY_VIEW_PAGE || page > 0) {
		web_page_raw(p, "<p>");
		if (page > 0) {
			web_page_raw(p, "<a href=\"/permits?page=");
			web_page_textf(p, "%ld&state=%s", page - 1, f.state ? f.state : "");
			web_page_raw(p, "\">前へ</a> ");
		}
		if (total > (page + 1) * POLICY_VIEW_PAGE) {
			web_page_raw(p, "<a href=\"/permits?page=");
			web_page_textf(p, "%ld&state=%s", page + 1, f.state ? f.state : "");
			web_page_raw(p, "\">次へ</a>");
		}
		web_page_raw(p, "</p>");
	}
	web_page_end(p);
	free(rows);
}

/* ---- one permit ---- */

static bool may_decide(const web_staff *s)
{
	return s->who.role == POLICY_ROLE_APPROVER;
}

static bool may_end(const web_staff *s, const policy_permit_row *pr)
{
	return s->who.role == POLICY_ROLE_APPROVER ||
	       (s->who.role == POLICY_ROLE_APPLICANT && s->who.section_id == pr->section_id);
}

static void action_form(web_page *p, const web_staff *s, int64_t id, const char *action, const char *button,
			bool reason, bool due)
{
	web_page_raw(p, "<form method=\"post\" class=\"action\" action=\"/permits/");
	web_page_textf(p, "%lld", (long long)id);
	web_page_raw(p, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
	web_page_text(p, s->csrf);
	web_page_raw(p, "\"><input type=\"hidden\" name=\"action\" value=\"");
	web_page_text(p, action);
	web_page_raw(p, "\">");
	if (reason) {
		web_page_raw(p, "<label>理由・内容 <input name=\"reason\" id=\"reason-");
		web_page_text(p, action);
		web_page_raw(p, "\"></label> ");
	}
	if (due) {
		web_page_raw(p, "<label>期限 <input name=\"due\" placeholder=\"2026-12-31\" pattern=\"[0-9]{4}-[0-9]{2}-[0-9]{2}\" id=\"due-");
		web_page_text(p, action);
		web_page_raw(p, "\"></label> <label><input type=\"checkbox\" name=\"suspend\" value=\"1\"> 停止を伴う</label> ");
	}
	web_page_raw(p, "<button type=\"submit\" id=\"do-");
	web_page_text(p, action);
	web_page_raw(p, "\">");
	web_page_text(p, button);
	web_page_raw(p, "</button></form>");
}

static void detail_page(web_request *r, const web_staff *s, int64_t id, const char *notice, bool notice_error)
{
	policy_permit_detail *d = NULL;
	int status = policy_permit_detail_load(r->db, id, section_scope(s), r->now_us, &d);
	if (status == POLICY_ERR_NOT_FOUND) {
		web_message(r, s, 404, "ページがありません", "指定された許可はありません。");
		return;
	}
	if (status) {
		web_message(r, s, 500, "許可", "許可を読み込めませんでした（データベースの障害）。");
		return;
	}
	const policy_permit_row *pr = &d->permit;
	web_page *p = &r->page;
	char title[64], buf[600], t[32];
	snprintf(title, sizeof title, "許可 %lld", (long long)pr->id);
	web_begin(r, s, title);
	if (notice) {
		web_page_raw(p, notice_error ? "<p class=\"error\" id=\"error\">" : "<p class=\"ok\" id=\"done\">");
		web_page_text(p, notice);
		web_page_raw(p, "</p>");
	}
	web_page_raw(p, "<table id=\"permit\">");
	snprintf(buf, sizeof buf, "%lld", (long long)pr->id);
	row(p, "許可番号", buf);
	row(p, "状態", state_label(pr->state, pr->expired));
	row(p, "申請課", pr->section);
	row(p, "情報セキュリティ責任者", pr->officer);
	row(p, "事業者", pr->vendor);
	row(p, "元請事業者（再委託の場合）", pr->prime[0] ? pr->prime : "—");
	snprintf(buf, sizeof buf, "%s（%s）", pr->system, policy_class_label(pr->system_class));
	row(p, "システム", buf);
	row(p, "目的", pr->purpose);
	snprintf(buf, sizeof buf, "%s〜%s", pr->from, pr->to);
	row(p, "許可期間", buf);
	snprintf(buf, sizeof buf, "%s〜%s", pr->contract_from, pr->contract_to);
	row(p, "契約期間", buf);
	row(p, "接続方法", pr->table == 1 ? "別表第1（専用回線・VPN）" : "別表第2（SSL-VPN・IPアドレス制限）");
	row(p, "接続元", pr->sources[0] ? pr->sources : "指定なし（専用回線）");
	row(p, "操作", pr->observe_only ? "閲覧のみ（入力を遮断）" : "参照のみ（保存・印刷の経路を遮断）");
	policy_format_local(r->db, pr->applied_us, t, sizeof t);
	snprintf(buf, sizeof buf, "%s（%s）", t, pr->applied_by);
	row(p, "申請日時（申請者）", buf);
	web_page_raw(p, "</table><p id=\"documents\">書類：");
	web_page_id_link_text(p, "/permits/", pr->id, "/form1", "様式第1号 申請書");
	if (pr->state != POLICY_PERMIT_APPLIED) {
		web_page_raw(p, " | ");
		web_page_id_link_text(p, "/permits/", pr->id, "/notice", "様式第2号 許可・不許可通知書");
	}
	if (pr->state == POLICY_PERMIT_ENDED) {
		web_page_raw(p, " | ");
		web_page_id_link_text(p, "/permits/", pr->id, "/end-report", "利用終了報告（要領第9条第2項）");
	}
	web_page_raw(p, "</p><h2>確認事項</h2><ul id=\"checklist\">");
	for (int i = 0; i < d->n_checklist; i++) {
		web_page_raw(p, "<li>");
		web_page_text(p, policy_requirement_text(pr->table, d->checklist[i]));
		web_page_raw(p, "：確認済み</li>");
	}
	web_page_raw(p, "</ul><h2>経過</h2><table id=\"history\"><tr><th>日時</th><th>操作</th><th>実施者</th><th>理由・内容</th></tr>");
	for (int i = 0; i < d->n_history; i++) {
		policy_format_local(r->db, d->history[i].at_us, t, sizeof t);
		web_page_raw(p, "<tr>");
		cell(p, t);
		cell(p, action_label(d->history[i].action));
		cell(p, d->history[i].actor);
		cell(p, d->history[i].reason);
		web_page_raw(p, "</tr>");
	}
	web_page_raw(p, "</table>");
	if (d->n_orders) {
		web_page_raw(p, "<h2>是正命令</h2><table id=\"orders\"><tr><th>命令日時</th><th>措置</th><th>期限</th><th>状況</th></tr>");
		for (int i = 0; i < d->n_orders; i++) {
			const policy_permit_order_row *o = &d->orders[i];
			policy_format_local(r->db, o->ordered_us, t, sizeof t);
			web_page_raw(p, o->overdue ? "<tr class=\"overdue\">" : "<tr>");
			cell(p, t);
			cell(p, o->measures);
			cell(p, o->due);
			cell(p, o->done_us ? "完了" : o->overdue ? "期限超過" : "未完了");
			web_page_raw(p, "</tr>");
		}
		web_page_raw(p, "</table>");
	}

	/* The actions this reader may take in this state; the POST checks again. */
	bool live = pr->state == POLICY_PERMIT_APPROVED || pr->state == POLICY_PERMIT_ORDERED;
	bool open_order = false;
	for (int i = 0; i < d->n_orders; i++)
		open_order |= d->orders[i].done_us == 0;
	bool any = false;
	web_page_raw(p, "<h2>操作</h2><div id=\"actions\">");
	if (may_decide(s) && pr->state == POLICY_PERMIT_APPLIED) {
		action_form(p, s, pr->id, "approve", "許可する", false, false);
		action_form(p, s, pr->id, "refuse", "許可しない", true, false);
		any = true;
	}
	if (may_decide(s) && (live || pr->state == POLICY_PERMIT_SUSPENDED)) {
		action_form(p, s, pr->id, "order", "是正を命じる", true, true);
		if (open_order)
			action_form(p, s, pr->id, "order-done", "是正の完了を確認する", true, false);
		if (live)
			action_form(p, s, pr->id, "suspend", "停止する", true, false);
		else
			action_form(p, s, pr->id, "resume", "再開する", true, false);
		action_form(p, s, pr->id, "revoke", "取り消す", true, false);
		any = true;
	}
	if (may_end(s, pr) && (live || pr->state == POLICY_PERMIT_SUSPENDED)) {
		action_form(p, s, pr->id, "end", "利用終了を報告する", true, false);
		any = true;
	}
	if (!any)
		web_page_raw(p, "<p>この許可に対して行える操作はありません。</p>");
	web_page_raw(p, "</div>");
	web_page_end(p);
	free(d);
}

/* Runs the action of a POST /permits/ID for a reader allowed to take it. */
static void action_post(web_request *r, const web_staff *s, int64_t id)
{
	const char *action = web_form_get(&r->form, "action");
	const char *reason = web_form_get(&r->form, "reason");
	const char *due = web_form_get(&r->form, "due");
	bool suspend = web_form_get(&r->form, "suspend") != NULL;
	if (reason && !*reason)
		reason = NULL;
	policy_permit_detail *d = NULL;
	int status = policy_permit_detail_load(r->db, id, section_scope(s), r->now_us, &d);
	if (status) {
		web_message(r, s, status == POLICY_ERR_NOT_FOUND ? 404 : 500, "許可",
			    status == POLICY_ERR_NOT_FOUND ? "指定された許可はありません。" : "許可を読み込めませんでした。");
		return;
	}
	static const char *const steps[] = { "approve", "refuse", "order", "order-done", "suspend", "resume", "revoke", "end" };
	bool known = false;
	for (size_t i = 0; action && i < sizeof steps / sizeof *steps; i++)
		known |= !strcmp(action, steps[i]);
	bool allowed = known && (!strcmp(action, "end") ? may_end(s, &d->permit) : may_decide(s));
	char what[300];
	if (!allowed) {
		snprintf(what, sizeof what, "permit %lld: %s refused: the role %s may not do it", (long long)id,
			 known ? action : "an unknown action", policy_staff_role_name(s->who.role));
		policy_staff_record_action(r->db, s->who.login, what, r->now_us);
		free(d);
		web_message(r, s, 403, "操作できません", "この操作を行う権限がありません。");
		return;
	}
	const char *actor = s->who.login;
	if (!strcmp(action, "approve"))
		status = policy_permit_step_apply(r->db, id, POLICY_STEP_APPROVE, actor, reason, r->now_us);
	else if (!strcmp(action, "refuse"))
		status = policy_permit_step_apply(r->db, id, POLICY_STEP_REFUSE, actor, reason, r->now_us);
	else if (!strcmp(action, "order"))
		status = policy_permit_order(r->db, id, actor, reason, due && *due ? due : NULL, suspend, r->now_us, NULL);
	else if (!strcmp(action, "order-done"))
		status = policy_permit_order_done(r->db, id, actor, reason, r->now_us, NULL);
	else if (!strcmp(action, "suspend"))
		status = policy_permit_step_apply(r->db, id, POLICY_STEP_SUSPEND, actor, reason, r->now_us);
	else if (!strcmp(action, "resume"))
		status = policy_permit_step_apply(r->db, id, POLICY_STEP_RESUME, actor, reason, r->now_us);
	else if (!strcmp(action, "revoke"))
		status = policy_permit_step_apply(r->db, id, POLICY_STEP_REVOKE, actor, reason, r->now_us);
	else
		status = policy_permit_step_apply(r->db, id, POLICY_STEP_END, actor, reason, r->now_us);
	free(d);
	if (status) {
		/* The rule's own sentence (English, from the policy library) follows a Japanese lead. */
		char msg[700];
		snprintf(msg, sizeof msg, "操作できませんでした：%s", policy_last_error());
		r->status = status == POLICY_ERR_DB ? 500 : 400;
		detail_page(r, s, id, msg, true);
		return;
	}
	snprintf(what, sizeof what, "permit %lld: %s%s%s", (long long)id, action, reason ? ": " : "", reason ? reason : "");
	policy_staff_record_action(r->db, actor, what, r->now_us);
	/* Post/redirect/get: reloading the page shows it again, it does not repeat the action. */
	snprintf(r->location_buf, sizeof r->location_buf, "/permits/%lld?done=1", (long long)id);
	r->location = r->location_buf;
}

/* ---- the permit's documents: Form 1, Form 2, the end-of-use report ---- */

static void form_document(web_request *r, const web_staff *s, int64_t id, const char *which)
{
	/* the reader must see the permit at all (an applicant: her own section's) */
	policy_permit_detail *d = NULL;
	int status = policy_permit_detail_load(r->db, id, section_scope(s), r->now_us, &d);
	free(d);
	if (status) {
		web_message(r, s, status == POLICY_ERR_NOT_FOUND ? 404 : 500, "ページがありません", "指定された許可はありません。");
		return;
	}
	int (*render)(policy_db *, int64_t, FILE *) = !strcmp(which, "/form1")        ? policy_form_application
						     : !strcmp(which, "/notice")       ? policy_form_notice
						     : !strcmp(which, "/end-report")   ? policy_form_end_report
										       : NULL;
	if (!render) {
		web_message(r, s, 404, "ページがありません", "指定された書類はありません。");
		return;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	status = out ? render(r->db, id, out) : POLICY_ERR_NOMEM;
	if (out && fclose(out) != 0 && !status)
		status = POLICY_ERR_IO;
	if (status) {
		char msg[600];
		snprintf(msg, sizeof msg, "書類を作成できませんでした：%s", policy_last_error());
		free(buf);
		web_message(r, s, status == POLICY_ERR_STATE ? 409 : 500, "書類", msg);
		return;
	}
	r->content_type = "text/html; charset=utf-8";
	r->form_document = true;
	web_page_bytes(&r->page, buf, len);
	free(buf);
	char what[120];
	snprintf(what, sizeof what, "permit %lld: document %s", (long long)id, which + 1);
	policy_staff_record_action(r->db, s->who.login, what, r->now_us);
}

/* ---- applying (Form 1) ---- */

/* The Japanese of a rule's refusal. The policy library names the rule, "rule NAME: ..." in
 * English and "規則 NAME: ..." in Japanese (the console's language): matched by "NAME:". */
static const char *rule_explanation(const char *error)
{
	static const char *const rules[][2] = {
		{ "period-order:", "期間の終わりが始まりより前になっています。" },
		{ "period-in-contract:", "許可期間は契約期間の内側にしてください（第4条第3項）。" },
		{ "one-fiscal-year:", "許可期間は一の会計年度（4月1日から翌年3月31日まで）を超えられません（第4条第3項）。" },
		{ "owner-section:", "このシステムを所管する課が申請してください（第4条第1項）。" },
		{ "class-table:", "マイナンバー利用事務系・LGWAN接続系のシステムは別表第1によります（第4条第2項）。" },
		{ "checklist:", "選んだ別表の確認事項をすべて確認してください。" },
		{ "table2-source:", "別表第2では接続元のグローバルIPアドレスを指定してください。" },
		{ "table2-source-global:", "別表第2では接続元のグローバルIPアドレスを指定してください。" },
		{ "source-cidr:", "接続元は 203.0.113.0/24 のようなアドレスの範囲で指定してください。" },
		{ "subcontractor-prime:", "再委託の場合は元請事業者を指定してください（第4条第4項）。" },
		{ "period-ended:", "許可期間が既に終わっています。" },
	};
	for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
		if (strstr(error, rules[i][0]))
			return rules[i][1];
	return "申請の内容が規程に合いません。";
}

static void input(web_page *p, const char *label, const char *name, const char *value, const char *hint)
{
	web_page_raw(p, "<tr><th><label for=\"");
	web_page_text(p, name);
	web_page_raw(p, "\">");
	web_page_text(p, label);
	web_page_raw(p, "</label></th><td><input id=\"");
	web_page_text(p, name);
	web_page_raw(p, "\" name=\"");
	web_page_text(p, name);
	web_page_raw(p, "\" value=\"");
	web_page_text(p, value ? value : "");
	web_page_raw(p, "\"");
	if (hint) {
		web_page_raw(p, " placeholder=\"");
		web_page_text(p, hint);
		web_page_raw(p, "\"");
	}
	web_page_raw(p, "></td></tr>");
}

static void select_of(web_page *p, const char *label, const char *name, const policy_registry_entry *list, int n,
		      const char *chosen, bool optional)
{
	web_page_raw(p, "<tr><th><label for=\"");
	web_page_text(p, name);
	web_page_raw(p, "\">");
	web_page_text(p, label);
	web_page_raw(p, "</label></th><td><select id=\"");
	web_page_text(p, name);
	web_page_raw(p, "\" name=\"");
	web_page_text(p, name);
	web_page_raw(p, "\">");
	if (optional)
		web_page_raw(p, "<option value=\"\">（なし）</option>");
	for (int i = 0; i < n; i++) {
		web_page_raw(p, chosen && !strcmp(chosen, list[i].name) ? "<option selected value=\"" : "<option value=\"");
		web_page_text(p, list[i].name);
		web_page_raw(p, "\">");
		web_page_text(p, list[i].name);
		if (list[i].detail[0]) {
			web_page_raw(p, "（");
			web_page_text(p, !strcmp(name, "system") ? policy_class_label(list[i].detail) : list[i].detail);
			web_page_raw(p, "）");
		}
		web_page_raw(p, "</option>");
	}
	web_page_raw(p, "</select></td></tr>");
}

static bool form_checked(const web_request *r, const char *name, const char *value)
{
	const web_form *f = &r->form;
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->names[i], name) && !strcmp(f->values[i], value))
			return true;
	return false;
}

static void apply_page(web_request *r, const web_staff *s, const char *error)
{
	policy_registry_entry *vendors = NULL, *systems = NULL;
	int nv = 0, ns = 0;
	if (policy_registry_list(r->db, "vendors", 0, &vendors, &nv) ||
	    policy_registry_list(r->db, "systems", s->who.section_id, &systems, &ns)) {
		free(vendors);
		web_message(r, s, 500, "申請", "申請画面を作れませんでした（データベースの障害）。");
		return;
	}
	web_page *p = &r->page;
	const web_form *f = &r->form;
	web_begin(r, s, "リモート保守等利用申請（様式第1号）");
	if (error) {
		web_page_raw(p, "<div class=\"error\" id=\"error\"><p>");
		web_page_text(p, rule_explanation(error));
		web_page_raw(p, "</p><p class=\"detail\">");
		web_page_text(p, error);
		web_page_raw(p, "</p></div>");
	}
	web_page_raw(p, "<form method=\"post\" action=\"/permits/new\"><input type=\"hidden\" name=\"csrf\" value=\"");
	web_page_text(p, s->csrf);
	web_page_raw(p, "\"><table id=\"application\"><tr><th>申請課</th><td>");
	web_page_text(p, s->who.section);
	web_page_raw(p, "</td></tr>");
	select_of(p, "事業者", "vendor", vendors, nv, web_form_get(f, "vendor"), false);
	select_of(p, "元請事業者（再委託の場合）", "prime", vendors, nv, web_form_get(f, "prime"), true);
	select_of(p, "システム", "system", systems, ns, web_form_get(f, "system"), false);
	input(p, "目的", "purpose", web_form_get(f, "purpose"), "例：定期保守");
	input(p, "許可期間（から）", "from", web_form_get(f, "from"), "2026-04-01");
	input(p, "許可期間（まで）", "to", web_form_get(f, "to"), "2027-03-31");
	input(p, "契約期間（から）", "contract-from", web_form_get(f, "contract-from"), "2026-04-01");
	input(p, "契約期間（まで）", "contract-to", web_form_get(f, "contract-to"), "2027-03-31");
	const char *table = web_form_get(f, "table");
	web_page_raw(p, "<tr><th>接続方法</th><td><label><input type=\"radio\" name=\"table\" value=\"1\" id=\"table1\"");
	web_page_raw(p, !table || !strcmp(table, "1") ? " checked" : "");
	web_page_raw(p, "> 別表第1（専用回線・VPN）</label> <label><input type=\"radio\" name=\"table\" value=\"2\" id=\"table2\"");
	web_page_raw(p, table && !strcmp(table, "2") ? " checked" : "");
	web_page_raw(p, "> 別表第2（SSL-VPN・IPアドレス制限）</label></td></tr>");
	input(p, "接続元（別表第2、空白区切り）", "sources", web_form_get(f, "sources"), "203.0.113.0/24");
	web_page_raw(p, "</table><h2>確認事項（選んだ別表の項目をすべて確認）</h2>");
	for (int t = 1; t <= 2; t++) {
		web_page_textf(p, "%s", t == 1 ? "別表第1" : "別表第2");
		web_page_raw(p, "<ul>");
		for (const char *const *it = policy_table_items(t); *it; it++) {
			char value[48];
			snprintf(value, sizeof value, "%d:%s", t, *it);
			web_page_raw(p, "<li><label><input type=\"checkbox\" name=\"confirm\" value=\"");
			web_page_text(p, value);
			web_page_raw(p, "\" id=\"confirm-");
			web_page_textf(p, "%d-%s", t, *it);
			web_page_raw(p, form_checked(r, "confirm", value) ? "\" checked> " : "\"> ");
			web_page_text(p, policy_requirement_text(t, *it));
			web_page_raw(p, "</label></li>");
		}
		web_page_raw(p, "</ul>");
	}
	web_page_raw(p, "<p><label><input type=\"checkbox\" name=\"observe-only\" value=\"1\"");
	web_page_raw(p, web_form_get(f, "observe-only") ? " checked" : "");
	web_page_raw(p, "> 閲覧のみ（事業者の入力をすべて遮断する）</label></p>"
		        "<button type=\"submit\" id=\"submit-application\">申請する</button></form>");
	web_page_end(p);
	free(vendors);
	free(systems);
}

static void apply_post(web_request *r, const web_staff *s)
{
	const web_form *f = &r->form;
	const char *table = web_form_get(f, "table");
	int t = table && !strcmp(table, "2") ? 2 : 1;
	/* the confirmed items of the chosen table ("T:item"); another table's ticks are ignored */
	const char *confirm[32];
	size_t n_confirm = 0;
	for (int i = 0; i < f->n && n_confirm < 32; i++)
		if (!strcmp(f->names[i], "confirm") && f->values[i][0] == '0' + t && f->values[i][1] == ':')
			confirm[n_confirm++] = f->values[i] + 2;
	char sources_buf[1024];
	const char *sources[64];
	size_t n_sources = 0;
	snprintf(sources_buf, sizeof sources_buf, "%s", web_form_get(f, "sources") ? web_form_get(f, "sources") : "");
	for (char *save = NULL, *tok = strtok_r(sources_buf, " ,\t\r\n", &save); tok && n_sources < 64;
	     tok = strtok_r(NULL, " ,\t\r\n", &save))
		sources[n_sources++] = tok;
	const char *prime = web_form_get(f, "prime");
	policy_permit_application app = {
		.section = s->who.section, .vendor = web_form_get(f, "vendor"), .prime = prime && *prime ? prime : NULL,
		.system = web_form_get(f, "system"), .purpose = web_form_get(f, "purpose"), .from = web_form_get(f, "from"),
		.to = web_form_get(f, "to"), .contract_from = web_form_get(f, "contract-from"),
		.contract_to = web_form_get(f, "contract-to"), .sources = sources, .n_sources = n_sources, .table = t,
		.confirm = confirm, .n_confirm = n_confirm, .observe_only = web_form_get(f, "observe-only") != NULL,
		.applicant = s->who.login,
	};
	if (!app.vendor || !app.system) {
		r->status = 400;
		apply_page(r, s, "事業者とシステムを選んでください。");
		return;
	}
	int64_t id = 0;
	if (policy_permit_apply(r->db, &app, r->now_us, &id)) {
		r->status = 400;
		apply_page(r, s, policy_last_error());
		return;
	}
	char what[200];
	snprintf(what, sizeof what, "permit %lld: apply", (long long)id);
	policy_staff_record_action(r->db, s->who.login, what, r->now_us);
	snprintf(r->location_buf, sizeof r->location_buf, "/permits/%lld?done=1", (long long)id);
	r->location = r->location_buf;
}

bool web_permits_route(web_request *r, const web_staff *s)
{
	bool post = !strcmp(r->method, "POST");
	if (!strcmp(r->path, "/permits/new")) {
		/* Applying is the section's: its applicant only (Art. 4). */
		if (s->who.role != POLICY_ROLE_APPLICANT) {
			if (post) {
				policy_staff_record_action(r->db, s->who.login, "permit application refused: not an applicant",
							   r->now_us);
			}
			web_message(r, s, 403, "操作できません", "申請は所管課の申請担当が行います。");
		} else if (post) {
			apply_post(r, s);
		} else {
			apply_page(r, s, NULL);
		}
		return true;
	}
	if (!strcmp(r->path, "/permits")) {
		if (post)
			web_message(r, s, 405, "許可", "この画面には送信できません。");
		else
			list_page(r, s);
		return true;
	}
	if (strncmp(r->path, "/permits/", 9))
		return false;
	char *end = NULL;
	long long id = strtoll(r->path + 9, &end, 10);
	if (!r->path[9] || id <= 0 || (*end && post)) {
		web_message(r, s, 404, "ページがありません", "指定された許可はありません。");
		return true;
	}
	if (*end) {
		form_document(r, s, id, end);
		return true;
	}
	if (post)
		action_post(r, s, id);
	else
		detail_page(r, s, id, web_request_query(r, "done") ? "操作を記録しました。" : NULL, false);
	return true;
}
