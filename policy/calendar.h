/* calendar.h: civil dates, Japanese national holidays, the city's open days.
 *
 * Pure functions (no handle, no locks; safe from any thread). Holidays are
 * computed by the rules of the 国民の祝日に関する法律 as amended over time
 * (fixed days, Happy Monday days, equinoxes by the astronomical
 * approximation, substitute holidays, citizens' holidays) plus the one-off
 * days set by special laws, which are kept as data in calendar.c.
 * Valid for 1990-2099; outside that range cal_holiday_name() returns NULL
 * for every day except fixed-date holidays, which is documented, not hidden.
 */
#ifndef RMGATE_POLICY_CALENDAR_H
#define RMGATE_POLICY_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	int y, m, d; /* e.g. 2025, 4, 1 */
} cal_date;

#define CAL_FIRST_YEAR 1990
#define CAL_LAST_YEAR 2099

/* Parses "YYYY-MM-DD" strictly (zero padded, a real date, 1900-2999). */
bool cal_parse_date(const char *text, cal_date *out);
/* Parses "YYYY-MM" (month 1-12). */
bool cal_parse_month(const char *text, int *year, int *month);
/* Writes "YYYY-MM-DD" into buf (at least 11 bytes). */
void cal_format_date(cal_date d, char *buf);

/* Writes the date in the Japanese era style the city's forms use, e.g.
 * 令和8年12月7日, with the first year of an era as 元年 (令和元年5月1日).
 * Each era begins on its first day (昭和64年1月7日, then 平成元年1月8日;
 * 平成31年4月30日, then 令和元年5月1日); 明治 to 令和 for the dates cal_valid()
 * accepts (1900-2999). Returns false (and writes "" when len > 0) for an
 * invalid date or a buffer too small (never truncates); CAL_ERA_DATE_LEN is
 * always enough. */
#define CAL_ERA_DATE_LEN 40
bool cal_format_era_date(cal_date d, char *buf, size_t len);
/* As cal_format_era_date for a month: 令和7年6月. */
bool cal_format_era_month(int y, int m, char *buf, size_t len);

int cal_days_in_month(int y, int m);
bool cal_valid(cal_date d);
/* Days since 1970-01-01 and back. */
int64_t cal_to_days(cal_date d);
cal_date cal_from_days(int64_t days);
cal_date cal_add_days(cal_date d, int n);
/* 0 = Sunday ... 6 = Saturday. */
int cal_weekday(cal_date d);
int cal_compare(cal_date a, cal_date b);

/* The name of the national holiday on `d` (Japanese, static storage), or
 * NULL when it is not one. Substitute days are "休日", citizens' holidays
 * "国民の休日". */
const char *cal_holiday_name(cal_date d);
static inline bool cal_is_holiday(cal_date d) { return cal_holiday_name(d) != 0; }

/* Fills `out` with the holidays of year y in date order; returns how many
 * (at most `max`). */
int cal_year_holidays(int y, cal_date *out, const char **names, int max);

/* Extra closed days configured by the city (sorted or not; copied by the
 * caller into this small value type, not owned). */
typedef struct {
	const cal_date *days;
	int count;
} cal_closed_days;

/* Year-end closure: 29 December - 3 January. */
bool cal_is_year_end_closure(cal_date d);
/* Closed = Saturday, Sunday, national holiday, year-end closure or extra. */
bool cal_is_closed(cal_date d, const cal_closed_days *extra);
/* The first open day on or after d. */
cal_date cal_next_open_day(cal_date d, const cal_closed_days *extra);
/* Japanese fiscal year (April-March) that contains d, e.g. 2025-03-31 -> 2024. */
int cal_fiscal_year(cal_date d);
/* Due date of the monthly report for (year, month): the 5th of the next
 * month, or the next open day when the 5th is closed (Art. 10). */
cal_date cal_report_due(int year, int month, const cal_closed_days *extra);

#endif
