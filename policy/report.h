/* report.h: the usage register (Form 3, 利用状況管理簿) and the monthly
 * report (Form 4, 利用状況報告), rendered from the ledger.
 *
 * Contract: as policy.h; output goes to the caller's FILE. A month is the
 * calendar month in the display zone; a session belongs to the month in
 * which it started. Reports carry the ledger head hash at the time they were
 * made so a printed report anchors the chain. Output is deterministic for a
 * given database (no "printed at" time).
 */
#ifndef RMGATE_POLICY_REPORT_H
#define RMGATE_POLICY_REPORT_H

#include "policy.h"
#include "report_render.h"

/* Form 3: one row per session of the month (optionally one system). */
int policy_report_register(policy_db *db, int year, int month, const char *system, policy_report_format fmt,
                           FILE *out);

/* Form 4: per system and permit, with the due date (5th of the next month
 * or the next open day). `section` limits it to one owner section. In HTML
 * (the city's document, 別記様式第4号) each section's report is followed by
 * its Form 3 register in the same document (Art. 10 「管理簿を添えて」); with
 * no section, one such pair per section that owns a system. The reporter is
 * the section's officer; the destination the setting below. */
int policy_report_monthly(policy_db *db, int year, int month, const char *section, policy_report_format fmt,
                          FILE *out);

/* Where Form 4 goes (settings table); unset = 企画財政部DX推進室情報システム課. */
#define POLICY_SETTING_REPORT_DESTINATION "report_destination"
#define POLICY_REPORT_DESTINATION_DEFAULT "企画財政部DX推進室情報システム課"

typedef struct {
	const char *report_date; /* 報告日, YYYY-MM-DD; NULL = left blank to write by hand */
} policy_report_opts;

/* policy_report_monthly with options (opts may be NULL). */
int policy_report_monthly_opts(policy_db *db, int year, int month, const char *section, const policy_report_opts *opts,
                               policy_report_format fmt, FILE *out);

#endif
