/* web_sessions.c: the session pages of the console: a month's sessions, and one session
 * with its ledger rows (what the client offered, what the gate denied, warnings, notes, its
 * end and recording digest) and the work-content note of Form 3 (作業内容).
 *
 * Who may write the note: the approver, and an applicant for her own section's sessions.
 * An applicant sees her own section's sessions only (another section's is "no such page").
 * A note is a ledger row with the staff login as its actor. */
#include "web_views.h"

#include "ledger.h"
#include "rec_reader.h"
#include "session_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t section_scope(const web_staff *s)
{
	return s->who.role == POLICY_ROLE_APPLICANT ? s->who.section_id : 0;
}

static const char *event_label(const char *type)
{
	static const char *const labels[][2] = {
		{ "channel_offered", "クライアントが要求した経路" }, { "channel_denied", "遮断した経路" },
		{ "idle_warning", "無操作の警告" },                   { "note", "作業内容" },
		{ "end_requested", "終了の指示" },                   { "input_dropped", "入力の遮断（閲覧のみ）" },
	};
	for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
		if (!strcmp(labels[i][0], type))
			return labels[i][1];
	return type;
}

static void cell(web_page *p, const char *text)
{
	web_page_raw(p, "<td>");
	web_page_text(p, text);
	web_page_raw(p, "</td>");
}

static void duration(int64_t us, char *buf, size_t len)
{
	int64_t s = us / 1000000;
	snprintf(buf, len, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
}

static bool may_note(const web_staff *s, const policy_session_row *row)
{
	return s->who.role == POLICY_ROLE_APPROVER ||
	       (s->who.role == POLICY_ROLE_APPLICANT && s->who.section_id == row->system_section_id);
}

/* Ending a running session (the gate cuts it off within 5 s: gate_audit polls the ledger's
 * end_requested rows): the approver and the admin, as `rmgate-policy session end` does. */
static bool may_end(const web_staff *s)
{
	return s->who.role == POLICY_ROLE_APPROVER || s->who.role == POLICY_ROLE_ADMIN;
}

static void list_page(web_request *r, const web_staff *s)
{
	const char *month = web_request_query(r, "month");
	int year = 0, mon = 0;
	char this_month[8];
	if (month && *month) {
		char extra;
		if (sscanf(month, "%4d-%2d%c", &year, &mon, &extra) != 2 || mon < 1 || mon > 12 || year < 2000 || year > 9999) {
			web_message(r, s, 400, "セッション", "月の指定が正しくありません（例：2026-12）。");
			return;
		}
	} else {
		char now_text[32];
		policy_format_local(r->db, r->now_us, now_text, sizeof now_text);
		sscanf(now_text, "%4d-%2d", &year, &mon);
	}
	snprintf(this_month, sizeof this_month, "%04d-%02d", year, mon);
	const char *page_arg = web_request_query(r, "page");
	long page = page_arg ? strtol(page_arg, NULL, 10) : 0;
	if (page < 0 || page > 100000)
		page = 0;
	/* An applicant's list is her section's whatever the URL names. */
	bool applicant = s->who.role == POLICY_ROLE_APPLICANT;
	policy_session_filter filter = { .section_id = section_scope(s),
					 .section = applicant ? NULL : web_request_query(r, "section"),
					 .vendor = web_request_query(r, "vendor"),
					 .system = web_request_query(r, "system") };
	policy_session_row *rows = calloc(POLICY_VIEW_PAGE, sizeof *rows);
	int n = 0, total = 0;
	if (!rows || policy_session_list_page(r->db, year, mon, &filter, (int)page, rows, &n, &total)) {
		free(rows);
		web_message(r, s, 500, "セッション", "セッションの一覧を読み込めませんでした（データベースの障害）。");
		return;
	}
	web_page *p = &r->page;
	web_begin(r, s, "セッション");
	web_page_raw(p, "<form method=\"get\" action=\"/sessions\"><label>月 <input name=\"month\" id=\"month\" value=\"");
	web_page_text(p, this_month);
	web_page_raw(p, "\" pattern=\"[0-9]{4}-[0-9]{2}\"></label> ");
	if (!applicant) {
		web_page_raw(p, "<label>課 <input name=\"section\" id=\"section\" placeholder=\"（全課）\" value=\"");
		web_page_text(p, filter.section ? filter.section : "");
		web_page_raw(p, "\"></label> ");
	}
	web_page_raw(p, "<label>事業者 <input name=\"vendor\" id=\"vendor\" value=\"");
	web_page_text(p, filter.vendor ? filter.vendor : "");
	web_page_raw(p, "\"></label> <label>システム <input name=\"system\" id=\"system\" value=\"");
	web_page_text(p, filter.system ? filter.system : "");
	web_page_raw(p, "\"></label> <button type=\"submit\" id=\"show\">表示</button></form><p id=\"count\">");
	web_page_textf(p, "%d年%d月に開始したセッション：%d件", year, mon, total);
	web_page_raw(p, "</p>");
	if (n) {
		web_page_raw(p, "<table id=\"sessions\"><tr><th>セッション</th><th>開始</th><th>時間</th><th>無操作</th>"
			        "<th>事業者</th><th>アカウント</th><th>システム</th><th>接続元</th><th>終了理由</th></tr>");
		for (int i = 0; i < n; i++) {
			const policy_session_row *row = &rows[i];
			char t[32], d[32], idle[48];
			policy_format_local(r->db, row->start_us, t, sizeof t);
			duration(row->end_us ? row->end_us - row->start_us : r->now_us - row->start_us, d, sizeof d);
			duration(row->idle_us, idle, sizeof idle);
			int64_t length = row->end_us - row->start_us;
			if (row->end_us && length > 0) { /* the idle share: how much of the connection time was idle */
				size_t used = strlen(idle);
				snprintf(idle + used, sizeof idle - used, "（%d%%）",
					 (int)((row->idle_us < length ? row->idle_us : length) * 100 / length));
			}
			web_page_raw(p, "<tr><td>");
			web_page_id_link(p, "/sessions/", row->id);
			web_page_raw(p, "</td>");
			cell(p, t);
			cell(p, d);
			cell(p, row->end_us ? idle : "—");
			cell(p, row->vendor);
			cell(p, row->login);
			cell(p, row->system);
			cell(p, row->source);
			cell(p, policy_end_label(row->end_reason));
			web_page_raw(p, "</tr>");
		}
		web_page_raw(p, "</table>");
	}
	if (total > (page + 1) * POLICY_VIEW_PAGE) {
		web_page_raw(p, "<p><a id=\"next\" href=\"/sessions?month=");
		web_page_text(p, this_month);
		const char *names[] = { "section", "vendor", "system" }, *values[] = { filter.section, filter.vendor, filter.system };
		for (int i = 0; i < 3; i++) {
			if (values[i] && *values[i]) {
				web_page_textf(p, "&%s=", names[i]);
				web_page_url_value(p, values[i]);
			}
		}
		web_page_textf(p, "&page=%ld", page + 1);
		web_page_raw(p, "\">次へ</a></p>");
	}
	web_page_end(p);
	free(rows);
}

/* The recording's integrity, checked on request (it reads the whole file): the hash chain of
 * its packets (rec_reader_check_file, as `rmgate-replay verify`) and its digest against the
 * one the ledger recorded at the session's end. A relative path in the ledger (a development
 * gate's ./var) is read from the console's working directory. Returns true when all is well;
 * the verdict in Japanese in out. */
static bool check_recording(const policy_session_row *row, char *out, size_t len)
{
	if (!row->recording[0]) {
		snprintf(out, len, "この接続には記録ファイルがありません。");
		return false;
	}
	rec_summary sum;
	char err[300], hex[65];
	if (rec_reader_check_file(row->recording, &sum, err, sizeof err) != 0) {
		snprintf(out, len, "記録ファイルを読めません：%s", err);
		return false;
	}
	rec_digest_hex(sum.digest, hex);
	bool digest_known = row->digest[0] != 0, digest_matches = digest_known && !strcasecmp(hex, row->digest);
	if (sum.integrity == REC_CORRUPT) {
		snprintf(out, len, "記録が壊れています（パケット %u、位置 %llu）：%s", sum.bad_seq,
			 (unsigned long long)sum.bad_offset, sum.problem);
		return false;
	}
	if (sum.integrity != REC_COMPLETE && !row->end_us) {
		snprintf(out, len, "記録は書き込み中です。ここまでの %llu パケットは正常です。",
			 (unsigned long long)sum.packets);
		return true;
	}
	if (sum.integrity != REC_COMPLETE) {
		snprintf(out, len, "記録が途中で切れています（%s）。%s", sum.problem,
			 digest_matches ? "読める部分の要約値は台帳と一致します（ゲートの異常終了の後に記録された終了です）。"
					: "読める部分の要約値は台帳と一致しません。");
		return digest_matches;
	}
	if (digest_known && !digest_matches) {
		snprintf(out, len, "記録ファイルの要約値 %s が台帳の %s と一致しません。台帳に記録されたファイルではありません。", hex,
			 row->digest);
		return false;
	}
	snprintf(out, len, "記録は完全で、ハッシュの連鎖は途切れていません（%llu パケット）。%s",
		 (unsigned long long)sum.packets, digest_known ? "要約値は台帳と一致します。" : "台帳の要約値は終了時に記録されます。");
	return true;
}

static void detail_page(web_request *r, const web_staff *s, int64_t id, const char *notice, bool verify)
{
	policy_session_detail *d = NULL;
	int status = policy_session_detail_load(r->db, id, section_scope(s), &d);
	if (status) {
		web_message(r, s, status == POLICY_ERR_NOT_FOUND ? 404 : 500,
			    status == POLICY_ERR_NOT_FOUND ? "ページがありません" : "セッション",
			    status == POLICY_ERR_NOT_FOUND ? "指定されたセッションはありません。"
							   : "セッションを読み込めませんでした（データベースの障害）。");
		return;
	}
	const policy_session_row *row = &d->session;
	web_page *p = &r->page;
	char title[64], t[32], buf[600];
	snprintf(title, sizeof title, "セッション %lld", (long long)row->id);
	web_begin(r, s, title);
	if (notice) {
		web_page_raw(p, "<p class=\"ok\" id=\"done\">");
		web_page_text(p, notice);
		web_page_raw(p, "</p>");
	}
	web_page_raw(p, "<table id=\"session\">");
	policy_format_local(r->db, row->start_us, t, sizeof t);
	web_page_raw(p, "<tr><th>開始</th>");
	cell(p, t);
	web_page_raw(p, "</tr><tr><th>終了</th>");
	if (row->end_us) {
		policy_format_local(r->db, row->end_us, t, sizeof t);
		char d1[32];
		duration(row->end_us - row->start_us, d1, sizeof d1);
		snprintf(buf, sizeof buf, "%s（%s、%s）", t, d1, policy_end_label(row->end_reason));
		cell(p, buf);
	} else {
		cell(p, "接続中");
	}
	web_page_raw(p, "</tr><tr><th>事業者・アカウント</th>");
	snprintf(buf, sizeof buf, "%s・%s", row->vendor, row->login);
	cell(p, buf);
	web_page_raw(p, "</tr><tr><th>システム</th>");
	cell(p, row->system);
	web_page_raw(p, "</tr><tr><th>接続元（端末名）</th>");
	snprintf(buf, sizeof buf, "%s（%s）", row->source, row->client_name);
	cell(p, buf);
	web_page_raw(p, "</tr><tr><th>許可番号</th><td>");
	if (row->permit_id) {
		web_page_id_link(p, "/permits/", row->permit_id);
	}
	web_page_raw(p, "</td></tr><tr><th>記録</th>");
	cell(p, row->recording);
	web_page_raw(p, "</tr><tr><th>記録の要約値（SHA-256）</th><td class=\"hash\">");
	web_page_text(p, row->digest[0] ? row->digest : "（終了時に記録）");
	web_page_raw(p, "</td></tr></table>");
	if (verify) {
		char verdict[1200], what[200];
		bool ok = check_recording(row, verdict, sizeof verdict);
		web_page_raw(p, ok ? "<p class=\"ok\" id=\"recording-verdict\">" : "<p class=\"error\" id=\"recording-verdict\">");
		web_page_text(p, verdict);
		web_page_raw(p, "</p>");
		snprintf(what, sizeof what, "session %lld: recording checked: %s", (long long)row->id, ok ? "ok" : "problem");
		policy_staff_record_action(r->db, s->who.login, what, r->now_us);
	} else if (row->recording[0]) {
		web_page_raw(p, "<p><a id=\"verify-recording\" href=\"/sessions/");
		web_page_textf(p, "%lld/verify", (long long)row->id);
		web_page_raw(p, "\">記録を検証する</a>（ファイル全体を読むため、長い記録では時間がかかります）</p>");
	}

	web_page_raw(p, "<h2>台帳の記録</h2><table id=\"events\"><tr><th>日時</th><th>種類</th><th>内容</th><th>記録者</th></tr>");
	for (int i = 0; i < d->n_events; i++) {
		const policy_session_event_row *e = &d->events[i];
		policy_format_local(r->db, e->at_us, t, sizeof t);
		web_page_raw(p, "<tr>");
		cell(p, t);
		cell(p, event_label(e->type));
		cell(p, e->detail);
		cell(p, e->actor);
		web_page_raw(p, "</tr>");
	}
	web_page_raw(p, "</table>");
	if (d->events_total > d->n_events)
		web_page_textf(p, "ほか%d件（rmgate-policy session show で全件）", d->events_total - d->n_events);
	bool end_requested = false; /* the ledger's answer, not the page's capped list of rows */
	if (!row->end_us && policy_session_end_requested(r->db, row->id, &end_requested) == POLICY_OK && end_requested) {
		web_page_raw(p, "<p class=\"ok\" id=\"end-requested\">終了が指示されています。ゲートが5秒以内に接続を切断します。</p>");
	} else if (!row->end_us && may_end(s)) {
		web_page_raw(p, "<h2>このセッションを終了させる</h2><form method=\"post\" action=\"/sessions/");
		web_page_textf(p, "%lld/end", (long long)row->id);
		web_page_raw(p, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
		web_page_text(p, s->csrf);
		web_page_raw(p, "\"><label>理由 <input name=\"reason\" id=\"end-reason\" size=\"60\" required></label> "
			        "<button type=\"submit\" id=\"end-session\">終了させる</button></form>"
			        "<p>事業者の接続は5秒以内に切断され、指示した職員と理由が台帳に記録されます。</p>");
	}
	if (may_note(s, row)) {
		web_page_raw(p, "<h2>作業内容の記録（様式第3号）</h2><form method=\"post\" action=\"/sessions/");
		web_page_textf(p, "%lld", (long long)row->id);
		web_page_raw(p, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
		web_page_text(p, s->csrf);
		web_page_raw(p, "\"><label>作業内容 <input name=\"note\" id=\"note\" size=\"60\" required></label> "
			        "<button type=\"submit\" id=\"save-note\">記録する</button></form>");
	}
	web_page_end(p);
	free(d);
}

static void note_post(web_request *r, const web_staff *s, int64_t id)
{
	policy_session_detail *d = NULL;
	int status = policy_session_detail_load(r->db, id, section_scope(s), &d);
	if (status) {
		web_message(r, s, status == POLICY_ERR_NOT_FOUND ? 404 : 500, "セッション", "指定されたセッションはありません。");
		return;
	}
	bool allowed = may_note(s, &d->session);
	free(d);
	const char *note = web_form_get(&r->form, "note");
	char what[200];
	if (!allowed) {
		snprintf(what, sizeof what, "session %lld: note refused: the role %s may not write it", (long long)id,
			 policy_staff_role_name(s->who.role));
		policy_staff_record_action(r->db, s->who.login, what, r->now_us);
		web_message(r, s, 403, "操作できません", "この操作を行う権限がありません。");
		return;
	}
	if (!note || !*note || strlen(note) > 2000) {
		web_message(r, s, 400, "セッション", "作業内容を入力してください（2000バイトまで）。");
		return;
	}
	if (policy_ledger_note(r->db, id, r->now_us, s->who.login, note)) {
		web_message(r, s, 500, "セッション", "作業内容を記録できませんでした（データベースの障害）。");
		return;
	}
	snprintf(r->location_buf, sizeof r->location_buf, "/sessions/%lld?done=1", (long long)id);
	r->location = r->location_buf;
}

static void end_post(web_request *r, const web_staff *s, int64_t id)
{
	policy_session_detail *d = NULL;
	int status = policy_session_detail_load(r->db, id, section_scope(s), &d);
	if (status) {
		web_message(r, s, status == POLICY_ERR_NOT_FOUND ? 404 : 500, "セッション", "指定されたセッションはありません。");
		return;
	}
	bool ended = d->session.end_us != 0;
	free(d);
	char what[200];
	if (!may_end(s)) {
		snprintf(what, sizeof what, "session %lld: end refused: the role %s may not end a session", (long long)id,
			 policy_staff_role_name(s->who.role));
		policy_staff_record_action(r->db, s->who.login, what, r->now_us);
		web_message(r, s, 403, "操作できません", "この操作を行う権限がありません。");
		return;
	}
	const char *reason = web_form_get(&r->form, "reason");
	if (!reason || !*reason || strlen(reason) > 500) {
		web_message(r, s, 400, "セッション", "終了させる理由を入力してください（500バイトまで）。");
		return;
	}
	if (ended || policy_ledger_request_end(r->db, id, r->now_us, s->who.login, reason)) {
		web_message(r, s, 409, "セッション", "このセッションはすでに終了しています。");
		return;
	}
	snprintf(r->location_buf, sizeof r->location_buf, "/sessions/%lld?ended=1", (long long)id);
	r->location = r->location_buf;
}

bool web_sessions_route(web_request *r, const web_staff *s)
{
	bool post = !strcmp(r->method, "POST");
	if (!strcmp(r->path, "/sessions")) {
		if (post)
			web_message(r, s, 405, "セッション", "この画面には送信できません。");
		else
			list_page(r, s);
		return true;
	}
	if (strncmp(r->path, "/sessions/", 10))
		return false;
	char *end = NULL;
	long long id = strtoll(r->path + 10, &end, 10);
	bool end_action = end && !strcmp(end, "/end"), verify = end && !strcmp(end, "/verify");
	if (!r->path[10] || (*end && !end_action && !verify) || id <= 0 || (end_action && !post) || (verify && post)) {
		web_message(r, s, 404, "ページがありません", "指定されたセッションはありません。");
		return true;
	}
	if (end_action)
		end_post(r, s, id);
	else if (post)
		note_post(r, s, id);
	else
		detail_page(r, s, id,
			    web_request_query(r, "done")    ? "作業内容を記録しました。"
			    : web_request_query(r, "ended") ? "終了を指示しました。ゲートが5秒以内に接続を切断します。"
							    : NULL,
			    verify);
	return true;
}
