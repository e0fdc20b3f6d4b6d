/* forms.h: the city's Forms 1 and 2 as documents it can file (HTML with A4
 * print CSS), and any of the four forms as PDF from that HTML.
 *
 *   別記様式第1号 リモート保守等利用申請書          policy_form_application()
 *   別記様式第2号 リモート保守等利用許可・不許可通知書 policy_form_notice()
 *   (Forms 3 and 4 are report.h's register and monthly report.)
 *
 * Dates on the forms are era dates (calendar.h, 令和8年12月7日) in the
 * handle's display zone; ISO dates stay in CSV and JSON. Output is
 * deterministic for a given database (no "printed at" time), so a notice can
 * be printed again at any time and reads the same.
 *
 * Contract: as policy.h; output goes to the caller's FILE.
 */
#ifndef RMGATE_POLICY_FORMS_H
#define RMGATE_POLICY_FORMS_H

#include "policy.h"

#include <stdio.h>

#define POLICY_FORM1_TITLE "リモート保守等利用申請書"
#define POLICY_FORM2_TITLE "リモート保守等利用許可・不許可通知書"

/* Form 1 for permit `id` in any state: the applying section and its officer,
 * vendor and prime (再委託の場合), system and class, purpose, period,
 * contract period, connection method and sources, the requirement table with
 * each item's confirmation, and the date of application.
 * POLICY_ERR_NOT_FOUND for an unknown id. */
int policy_form_application(policy_db *db, int64_t id, FILE *out);

/* Form 2 for permit `id`: the decision (approve or refuse step in its
 * history) with its date, the addressee (the section's officer), the
 * decision maker (that step's actor), conditions or the reason, the permit
 * number, period, system, vendor and prime. POLICY_ERR_STATE ("permit N is
 * not decided yet") while the permit is only applied. */
int policy_form_notice(policy_db *db, int64_t id, FILE *out);

/* The Japanese name of a system class (mynumber, lgwan, internet: 個人番号利用事務系システム …),
 * and the requirement of a checklist item (permit.c's codes) in the words of 別表第1/第2; the
 * code itself when unknown. The one wording for the forms and the console. */
const char *policy_class_label(const char *code);
const char *policy_requirement_text(int table, const char *code);

#define POLICY_END_REPORT_TITLE "リモート保守等利用終了報告"

/* The end-of-use report (Art. 9-2: the section's officer reports to the IT division
 * promptly when a use ends; the rules prescribe no form, so it follows Form 2's layout):
 * date of the end step, the destination (report destination setting), the reporter (the
 * section's officer), the permit, its period, the end's date and reason, and its use: sessions,
 * their total time, the first and last, blocked redirections and sessions ended over time.
 * POLICY_ERR_STATE while the permit has not ended. */
int policy_form_end_report(policy_db *db, int64_t id, FILE *out);

/* Sets where Form 4 goes (report.h's POLICY_SETTING_REPORT_DESTINATION, e.g.
 * 企画財政部DX推進室情報システム課): 1-200 bytes of printable text, `actor`
 * named; the change is also a setting_set ledger row (new and old value). */
int policy_report_destination_set(policy_db *db, const char *text, const char *actor, int64_t now_us);
/* The destination in force into buf (the default when unset). */
int policy_report_destination_get(policy_db *db, char *buf, size_t len);

/* Environment variable naming the PDF engine (a Chromium binary); unset =
 * "chromium" looked up in PATH. */
#define POLICY_PDF_ENGINE_ENV "RMGATE_CHROMIUM"

/* Prints the HTML file `html_path` (absolute) to the PDF `pdf_path` with headless
 * Chromium (posix_spawn, no shell; --no-sandbox only when running as root).
 * The PDF is written beside `pdf_path` under a temporary name and renamed
 * into place only when the engine succeeded and the result is a PDF: on any
 * failure nothing is left at `pdf_path` (an existing file stays as it was).
 * POLICY_ERR_IO with the reason (engine missing, its exit status, no PDF). */
int policy_html_to_pdf(const char *html_path, const char *pdf_path);

#endif
