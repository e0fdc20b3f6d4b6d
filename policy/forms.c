/* forms.c: Forms 1 and 2 as HTML documents, and HTML to PDF (see forms.h). */
#include "forms.h"
#include "ledger.h"
#include "ledger_internal.h"
#include "report.h"
#include "permit.h"
#include "policy_internal.h"
#include "i18n.h"
#include "report_render.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define html rr_html_text

const char *policy_class_label(const char *c)
{
	if (!c)
		return "";
	if (!strcmp(c, "mynumber"))
		return "個人番号利用事務系システム";
	if (!strcmp(c, "lgwan"))
		return "LGWAN接続系システム";
	if (!strcmp(c, "internet"))
		return "インターネット接続系システム";
	return c;
}

/* The requirement of each checklist item as 別表第1 / 別表第2 words it (permit.c's codes). */
const char *policy_requirement_text(int table, const char *code)
{
	static const struct {
		int table;
		const char *code, *text;
	} items[] = {
		{ 1, "line", "北見市が指定する光回線を業務委託事業者 (再委託者を含む。) が整備して利用すること。" },
		{ 1, "vpn", "北見市が契約するVPNサービスが利用可能なこと。" },
		{ 1, "equipment", "北見市が指定する機器及びライセンスについて、北見市から貸出しを受ける又は業務委託事業者 (再委託者を含む。) が整備して利用すること。" },
		{ 1, "lent-terminal", "北見市から貸出しを受けた機器を利用すること。" },
		{ 0, "view-only", "リモート接続した端末は、情報システムの参照のみとし、データの保存及びプリンタ等への印刷を行わないこと。" },
		{ 2, "ssl-vpn", "SSL-VPNを利用して接続すること。" },
		{ 2, "ip-restriction", "グローバルIPアドレスによる接続制限を実施すること。" },
		{ 2, "antivirus", "ウィルス対策を実施すること。" },
		{ 2, "windows-update", "Windows Updateを実施すること。" },
		{ 2, "certificate", "北見市が指定する電子証明書をインストールすること。" },
		{ 2, "maintenance-tool", "北見市が指定する保守用ツールをインストールすること。" },
	};
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
		if ((items[i].table == table || !items[i].table) && code && !strcmp(items[i].code, code))
			return items[i].text;
	return code;
}

/* "YYYY-MM-DD" as an era date; the ISO text itself if it does not parse. */
static const char *era_iso(const char *iso, char *buf, size_t len)
{
	cal_date d;
	if (iso && cal_parse_date(iso, &d) && cal_format_era_date(d, buf, len))
		return buf;
	snprintf(buf, len, "%s", iso ? iso : "");
	return buf;
}

static const char *era_us(const policy_db *db, int64_t us, char *buf, size_t len)
{
	if (!cal_format_era_date(pol_local_date(db, us), buf, len))
		snprintf(buf, len, "-");
	return buf;
}

static void row(FILE *f, const char *label, const char *value)
{
	fputs("<tr><th>", f);
	html(f, label);
	fputs("</th><td>", f);
	html(f, value && *value ? value : "-");
	fputs("</td></tr>\n", f);
}

static void period_row(FILE *f, const char *label, const char *from, const char *to)
{
	char a[CAL_ERA_DATE_LEN], b[CAL_ERA_DATE_LEN], text[2 * CAL_ERA_DATE_LEN + 16];
	snprintf(text, sizeof text, "%s から %s まで", era_iso(from, a, sizeof a), era_iso(to, b, sizeof b));
	row(f, label, text);
}

static const char PERMIT_SQL[] =
	"SELECT p.id, p.state, c.name, c.officer, v.name, pv.name, y.name, y.class, p.purpose,"
	" p.from_date, p.to_date, p.contract_from, p.contract_to, p.table_no, p.sources, p.observe_only,"
	" p.applied_us, p.applied_by"
	" FROM permits p JOIN sections c ON c.id = p.section_id JOIN vendors v ON v.id = p.vendor_id"
	" LEFT JOIN vendors pv ON pv.id = p.prime_vendor_id JOIN systems y ON y.id = p.system_id WHERE p.id = ?1";
enum { P_ID, P_STATE, P_SECTION, P_OFFICER, P_VENDOR, P_PRIME, P_SYSTEM, P_CLASS, P_PURPOSE, P_FROM, P_TO,
       P_CFROM, P_CTO, P_TABLE, P_SOURCES, P_OBSERVE, P_APPLIED_US, P_APPLIED_BY };

#define COL(i) ((const char *)sqlite3_column_text(st, (i)))

/* The permit's row (lock held); NULL with the error set. */
static sqlite3_stmt *permit_row(policy_db *db, int64_t id, int *status)
{
	sqlite3_stmt *st = pol_prepare(db, PERMIT_SQL);
	if (!st) {
		*status = POLICY_ERR_DB;
		return NULL;
	}
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return st;
	sqlite3_finalize(st);
	*status = rc == SQLITE_DONE ? pol_fail(POLICY_ERR_NOT_FOUND, "permit %lld not found", (long long)id)
				    : pol_sql_fail(db, "reading the permit");
	return NULL;
}

static void connection_rows(FILE *f, sqlite3_stmt *st)
{
	int table = sqlite3_column_int(st, P_TABLE);
	row(f, "接続方法",
	    table == 1 ? "北見市が指定する光回線及び北見市が契約するVPNサービスによる接続 (別表第1)。"
			 "リモート保守等用ゲートウェイ (RDP) を経由"
		       : "SSL-VPNによる接続 (別表第2)。リモート保守等用ゲートウェイ (RDP) を経由");
	const char *src = COL(P_SOURCES);
	row(f, "接続元", src && *src ? src : (table == 1 ? "指定回線 (接続元アドレスの制限なし)" : "-"));
	if (sqlite3_column_int(st, P_OBSERVE))
		row(f, "操作の制限", "参照のみ (保守事業者の入力はすべて遮断)");
}

int policy_form_application(policy_db *db, int64_t id, FILE *out)
{
	int status = POLICY_OK;
	pol_lock(db);
	sqlite3_stmt *st = permit_row(db, id, &status);
	if (!st) {
		pol_unlock(db);
		return status;
	}
	sqlite3_stmt *ck = pol_prepare(db, "SELECT table_no, item, confirmed FROM permit_checklist WHERE permit_id = ?1 ORDER BY rowid");
	if (!ck) {
		sqlite3_finalize(st);
		pol_unlock(db);
		return POLICY_ERR_DB;
	}
	sqlite3_bind_int64(ck, 1, id);
	char date[CAL_ERA_DATE_LEN], num[32];
	rr_html_head(out, POLICY_FORM1_TITLE, false);
	fputs("<p class=\"form\">別記様式第1号(第4条関係)</p>\n", out);
	fprintf(out, "<p class=\"right\">申請番号 第%lld号<br>", (long long)id);
	html(out, era_us(db, sqlite3_column_int64(st, P_APPLIED_US), date, sizeof date));
	fputs("</p>\n<p class=\"addr\">副統括情報セキュリティ責任者 様</p>\n<p class=\"right\">", out);
	html(out, COL(P_SECTION));
	fputs("<br>情報セキュリティ責任者 ", out);
	html(out, COL(P_OFFICER) && *COL(P_OFFICER) ? COL(P_OFFICER) : "(未設定)");
	fputs("</p>\n<h1>" POLICY_FORM1_TITLE "</h1>\n"
	      "<p>北見市リモート保守等の許可等に関する要領第4条第1項の規定により、次のとおりリモート保守等の利用を申請します。</p>\n"
	      "<table class=\"form-table\">\n", out);
	row(out, "業務委託事業者", COL(P_VENDOR));
	row(out, "元請事業者 (再委託の場合)", COL(P_PRIME) ? COL(P_PRIME) : "該当なし");
	row(out, "情報システム", COL(P_SYSTEM));
	row(out, "システムの区分", policy_class_label(COL(P_CLASS)));
	row(out, "利用目的 (作業内容)", COL(P_PURPOSE));
	period_row(out, "利用期間", COL(P_FROM), COL(P_TO));
	period_row(out, "契約期間", COL(P_CFROM), COL(P_CTO));
	connection_rows(out, st);
	fputs("</table>\n", out);
	int table = sqlite3_column_int(st, P_TABLE);
	snprintf(num, sizeof num, "%d", table);
	fprintf(out, "<h2 class=\"sub\">要件の確認 (別表第%d)</h2>\n<table>\n<thead><tr><th class=\"no\">No.</th><th>要件</th>"
		"<th>確認</th></tr></thead>\n<tbody>\n", table);
	int rc, n = 0;
	while ((rc = sqlite3_step(ck)) == SQLITE_ROW) {
		bool ok = sqlite3_column_int(ck, 2) != 0;
		fprintf(out, "<tr><td class=\"n\">%d</td><td>", ++n);
		html(out, policy_requirement_text(sqlite3_column_int(ck, 0), (const char *)sqlite3_column_text(ck, 1)));
		fputs(ok ? "</td><td class=\"c\">確認済</td></tr>\n" : "</td><td class=\"gap\">未確認</td></tr>\n", out);
	}
	fputs("</tbody>\n</table>\n<p class=\"note\">業務委託事業者 (再委託者を含む。) が上記の要件のいずれにも適合していることを確認しました"
	      " (要領第4条第2項)。</p>\n", out);
	fputs("<footer class=\"tech\">申請者 (記録上の操作者): ", out);
	html(out, COL(P_APPLIED_BY));
	fputs("</footer>\n</body>\n</html>\n", out);
	sqlite3_finalize(ck);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		status = pol_sql_fail(db, "reading the checklist");
	pol_unlock(db);
	return status;
}

/* The permit's first history step whose action is `a` or `b` (at_us, actor, action, reason),
 * positioned on its row; NULL with *status set when there is none ("permit N <missing> (state
 * S): <why>", POLICY_ERR_STATE) or on a database error. Lock held. */
static sqlite3_stmt *history_step(policy_db *db, int64_t id, const char *a, const char *b, const char *state,
				  const char *missing, const char *why, int *status)
{
	sqlite3_stmt *h = pol_prepare(db, "SELECT at_us, actor, action, reason FROM permit_history"
					  " WHERE permit_id = ?1 AND action IN (?2, ?3) ORDER BY id LIMIT 1");
	if (!h) {
		*status = POLICY_ERR_DB;
		return NULL;
	}
	sqlite3_bind_int64(h, 1, id);
	sqlite3_bind_text(h, 2, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(h, 3, b, -1, SQLITE_STATIC);
	int rc = sqlite3_step(h);
	if (rc == SQLITE_ROW)
		return h;
	*status = rc == SQLITE_DONE ? pol_fail(POLICY_ERR_STATE, "permit %lld %s (state %s): %s", (long long)id, _(missing), state, _(why))
				    : pol_sql_fail(db, "reading the permit history");
	sqlite3_finalize(h);
	return NULL;
}

int policy_form_notice(policy_db *db, int64_t id, FILE *out)
{
	int status = POLICY_OK;
	pol_lock(db);
	sqlite3_stmt *st = permit_row(db, id, &status);
	if (!st) {
		pol_unlock(db);
		return status;
	}
	/* the decision: the first approve or refuse step (a permit is decided once) */
	sqlite3_stmt *h = history_step(db, id, "approve", "refuse", COL(P_STATE), N_("is not decided yet"),
				       N_("no notice (Form 2) before 'permit decide'"), &status);
	if (!h) {
		sqlite3_finalize(st);
		pol_unlock(db);
		return status;
	}
	bool approved = !strcmp((const char *)sqlite3_column_text(h, 2), "approve");
	const char *reason = (const char *)sqlite3_column_text(h, 3);
	char date[CAL_ERA_DATE_LEN], applied[CAL_ERA_DATE_LEN];
	rr_html_head(out, POLICY_FORM2_TITLE, false);
	fputs("<p class=\"form\">別記様式第2号(第5条関係)</p>\n", out);
	fprintf(out, "<p class=\"right\">許可番号 第%lld号<br>", (long long)id);
	html(out, era_us(db, sqlite3_column_int64(h, 0), date, sizeof date));
	fputs("</p>\n<p class=\"addr\">", out);
	html(out, COL(P_SECTION));
	fputs("<br>情報セキュリティ責任者 ", out);
	html(out, COL(P_OFFICER) && *COL(P_OFFICER) ? COL(P_OFFICER) : "(未設定)");
	fputs(" 様</p>\n<p class=\"right\">副統括情報セキュリティ責任者 ", out);
	html(out, (const char *)sqlite3_column_text(h, 1));
	fputs("</p>\n<h1>" POLICY_FORM2_TITLE "</h1>\n<p>", out);
	html(out, era_us(db, sqlite3_column_int64(st, P_APPLIED_US), applied, sizeof applied));
	fprintf(out, "付け申請番号第%lld号で申請のあったリモート保守等の利用について、%s"
		"北見市リモート保守等の許可等に関する要領第5条の規定により通知します。</p>\n<table class=\"form-table\">\n",
		(long long)id, approved ? "次のとおり許可したので、" : "次のとおり許可しないこととしたので、");
	row(out, "決定", approved ? "許可" : "不許可");
	fprintf(out, "<tr><th>許可番号</th><td>第%lld号</td></tr>\n", (long long)id);
	row(out, "情報システム", COL(P_SYSTEM));
	row(out, "システムの区分", policy_class_label(COL(P_CLASS)));
	row(out, "業務委託事業者", COL(P_VENDOR));
	row(out, "元請事業者 (再委託の場合)", COL(P_PRIME) ? COL(P_PRIME) : "該当なし");
	row(out, "利用目的 (作業内容)", COL(P_PURPOSE));
	period_row(out, "利用期間", COL(P_FROM), COL(P_TO));
	connection_rows(out, st);
	if (approved) {
		char cond[1024];
		snprintf(cond, sizeof cond, "要領第6条各号に掲げる事項を業務委託事業者 (再委託者を含む。) に遵守させること。%s%s",
			 reason && *reason ? " " : "", reason ? reason : "");
		row(out, "許可の条件", cond);
	} else {
		row(out, "不許可の理由", reason);
	}
	fputs("</table>\n</body>\n</html>\n", out);
	sqlite3_finalize(h);
	sqlite3_finalize(st);
	pol_unlock(db);
	return status;
}

/* ---- the end-of-use report (Art. 9-2) ---- */

int policy_form_end_report(policy_db *db, int64_t id, FILE *out)
{
	int status = POLICY_OK;
	pol_lock(db);
	sqlite3_stmt *st = permit_row(db, id, &status);
	if (!st) {
		pol_unlock(db);
		return status;
	}
	sqlite3_stmt *h = history_step(db, id, "end", "end", COL(P_STATE), N_("has not ended"),
				       N_("no end-of-use report before 'permit end'"), &status);
	sqlite3_stmt *use = pol_prepare(db,
		"SELECT COUNT(*), IFNULL(SUM(e.end_us - s.start_us), 0), MIN(s.start_us), MAX(s.start_us),"
		" (SELECT COUNT(*) FROM events ev JOIN sessions s2 ON s2.id = ev.session_id"
		"  WHERE s2.permit_id = ?1 AND ev.type = 'channel_denied'),"
		" SUM(e.reason IN ('max_duration', 'window_end'))"
		" FROM sessions s LEFT JOIN session_ends e ON e.session_id = s.id WHERE s.permit_id = ?1");
	char dest[512];
	if (h && !use)
		status = POLICY_ERR_DB;
	if (!status)
		status = pol_setting_get_locked(db, POLICY_SETTING_REPORT_DESTINATION, POLICY_REPORT_DESTINATION_DEFAULT, dest,
						sizeof dest, NULL);
	if (!status) {
		sqlite3_bind_int64(use, 1, id);
		if (sqlite3_step(use) != SQLITE_ROW)
			status = pol_sql_fail(db, "reading the permit's sessions");
	}
	if (!status) {
		char ended[CAL_ERA_DATE_LEN], first[CAL_ERA_DATE_LEN], last[CAL_ERA_DATE_LEN], text[256];
		int64_t n = sqlite3_column_int64(use, 0), total_s = sqlite3_column_int64(use, 1) / 1000000;
		rr_html_head(out, POLICY_END_REPORT_TITLE, false);
		fputs("<p class=\"form\">(要領第9条第2項関係)</p>\n<p class=\"right\">", out);
		html(out, era_us(db, sqlite3_column_int64(h, 0), ended, sizeof ended));
		fputs("</p>\n<p class=\"addr\">", out);
		html(out, dest);
		fputs(" 様</p>\n<p class=\"right\">", out);
		html(out, COL(P_SECTION));
		fputs("<br>情報セキュリティ責任者 ", out);
		html(out, COL(P_OFFICER) && *COL(P_OFFICER) ? COL(P_OFFICER) : "(未設定)");
		fputs("</p>\n<h1>" POLICY_END_REPORT_TITLE "</h1>\n<p>", out);
		fprintf(out, "許可番号第%lld号のリモート保守等の利用を終了したので、"
			"北見市リモート保守等の許可等に関する要領第9条第2項の規定により報告します。</p>\n"
			"<table class=\"form-table\">\n", (long long)id);
		fprintf(out, "<tr><th>許可番号</th><td>第%lld号</td></tr>\n", (long long)id);
		row(out, "情報システム", COL(P_SYSTEM));
		row(out, "業務委託事業者", COL(P_VENDOR));
		row(out, "元請事業者 (再委託の場合)", COL(P_PRIME) ? COL(P_PRIME) : "該当なし");
		row(out, "利用目的 (作業内容)", COL(P_PURPOSE));
		period_row(out, "許可した利用期間", COL(P_FROM), COL(P_TO));
		row(out, "利用の終了日", ended);
		row(out, "終了の理由", (const char *)sqlite3_column_text(h, 3));
		if (n) {
			snprintf(text, sizeof text, "%lld回、合計 %lld時間%02lld分 (初回 %s、最終 %s)", (long long)n,
				 (long long)(total_s / 3600), (long long)(total_s / 60 % 60),
				 era_us(db, sqlite3_column_int64(use, 2), first, sizeof first),
				 era_us(db, sqlite3_column_int64(use, 3), last, sizeof last));
		} else {
			snprintf(text, sizeof text, "利用なし");
		}
		row(out, "利用の実績", text);
		snprintf(text, sizeof text, "遮断した経路 %lld件、上限時間・許可期間による終了 %lld件",
			 (long long)sqlite3_column_int64(use, 4), (long long)sqlite3_column_int64(use, 5));
		row(out, "違反等", text);
		row(out, "報告を受けた操作者", (const char *)sqlite3_column_text(h, 1));
		fputs("</table>\n<p class=\"note\">利用の記録 (利用状況管理簿、録画、台帳) はゲートに保存されています。</p>\n"
		      "</body>\n</html>\n", out);
	}
	if (h)
		sqlite3_finalize(h);
	if (use)
		sqlite3_finalize(use);
	sqlite3_finalize(st);
	pol_unlock(db);
	return status;
}

/* ---- Form 4's destination ---- */

#define DESTINATION_MAX 200

static int destination_locked(policy_db *db, char *buf, size_t len, bool *set)
{
	return pol_setting_get_locked(db, POLICY_SETTING_REPORT_DESTINATION, POLICY_REPORT_DESTINATION_DEFAULT, buf, len,
				      set);
}

int policy_report_destination_get(policy_db *db, char *buf, size_t len)
{
	bool set;
	pol_lock(db);
	int status = destination_locked(db, buf, len, &set);
	pol_unlock(db);
	return status;
}

int policy_report_destination_set(policy_db *db, const char *text, const char *actor, int64_t now_us)
{
	size_t n = text ? strlen(text) : 0;
	if (!n || n > DESTINATION_MAX)
		return pol_fail(POLICY_ERR_INVALID, "the report destination must be 1 to %d bytes", DESTINATION_MAX);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return pol_fail(POLICY_ERR_INVALID, "the report destination must be one line of text");
	if (!actor || !*actor)
		return pol_fail(POLICY_ERR_INVALID, "who sets the report destination must be named");
	char before[512];
	bool was_set;
	pol_lock(db);
	int status = pol_begin(db);
	if (!status)
		status = destination_locked(db, before, sizeof before, &was_set);
	if (!status) {
		status = pol_setting_put_locked(db, POLICY_SETTING_REPORT_DESTINATION, text, actor, now_us);
	}
	if (!status) {
		char detail[1024];
		snprintf(detail, sizeof detail, "%s: %s (was %s%s)", POLICY_SETTING_REPORT_DESTINATION, text, before,
			 was_set ? "" : ", the default");
		status = pol_ledger_admin_event_locked(db, now_us, POLICY_EV_SETTING_SET, detail, 0, actor);
	}
	if (!status)
		status = pol_commit(db);
	else
		pol_rollback(db);
	pol_unlock(db);
	return status;
}

/* ---- PDF ---- */

int policy_html_to_pdf(const char *html_path, const char *pdf_path)
{
	if (html_path[0] != '/')
		return pol_fail(POLICY_ERR_INVALID, "the HTML to print must be an absolute path, not '%s'", html_path);
	const char *engine = getenv(POLICY_PDF_ENGINE_ENV);
	if (!engine || !*engine)
		engine = "chromium";
	size_t n = strlen(pdf_path);
	char *tmp = malloc(n + 16), *url = malloc(strlen(html_path) + 16), *arg = malloc(n + 32);
	if (!tmp || !url || !arg) {
		free(tmp), free(url), free(arg);
		return pol_fail(POLICY_ERR_NOMEM, "out of memory");
	}
	/* the engine writes to a private name beside the target; renamed only when it is a PDF */
	snprintf(tmp, n + 16, "%s.XXXXXX", pdf_path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int err = errno;
		free(tmp), free(url), free(arg);
		return pol_fail(POLICY_ERR_IO, "cannot write the PDF %s: %s", pdf_path, strerror(err));
	}
	close(fd);
	snprintf(url, strlen(html_path) + 16, "file://%s", html_path);
	snprintf(arg, n + 32, "--print-to-pdf=%s", tmp);
	char *argv[12];
	int a = 0;
	argv[a++] = (char *)engine;
	argv[a++] = "--headless";
	if (geteuid() == 0)
		argv[a++] = "--no-sandbox"; /* Chromium refuses to run as root with its sandbox */
	argv[a++] = "--disable-gpu";
	argv[a++] = "--no-pdf-header-footer";
	argv[a++] = arg;
	argv[a++] = url;
	argv[a] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	/* the engine's chatter is not ours to print; errors are reported by exit status */
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int err = posix_spawnp(&pid, engine, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	int status = POLICY_OK, ws = 0;
	if (err)
		status = pol_fail(POLICY_ERR_IO, "PDF engine '%s' cannot be run: %s (install chromium: make deps, or set %s)",
				  engine, strerror(err), POLICY_PDF_ENGINE_ENV);
	else {
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			status = pol_fail(POLICY_ERR_IO, "PDF engine '%s' failed (%s %d) printing %s", engine,
					  WIFEXITED(ws) ? "exit status" : "signal", WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws),
					  html_path);
	}
	if (!status) {
		char magic[5] = { 0 };
		FILE *f = fopen(tmp, "rb");
		if (!f || fread(magic, 1, 4, f) != 4 || memcmp(magic, "%PDF", 4))
			status = pol_fail(POLICY_ERR_IO, "PDF engine '%s' wrote no PDF for %s", engine, html_path);
		if (f)
			fclose(f);
	}
	if (!status && (chmod(tmp, 0600) != 0 || rename(tmp, pdf_path) != 0))
		status = pol_fail(POLICY_ERR_IO, "cannot write the PDF %s: %s", pdf_path, strerror(errno));
	if (status)
		unlink(tmp);
	free(tmp), free(url), free(arg);
	return status;
}
