/* calendar.c: civil-date arithmetic and the Japanese holiday rules (see calendar.h). */
#include "calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- civil dates (proleptic Gregorian, days since 1970-01-01) ---- */

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int cal_days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12)
		return 0;
	return days[m - 1] + (m == 2 && is_leap(y));
}

bool cal_valid(cal_date d)
{
	return d.y >= 1900 && d.y <= 2999 && d.m >= 1 && d.m <= 12 && d.d >= 1 &&
	       d.d <= cal_days_in_month(d.y, d.m);
}

int64_t cal_to_days(cal_date d)
{
	/* Howard Hinnant's days_from_civil. */
	int64_t y = d.y - (d.m <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (d.m + (d.m > 2 ? -3 : 9)) + 2) / 5 + d.d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

cal_date cal_from_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	cal_date r;
	r.d = (int)(doy - (153 * mp + 2) / 5 + 1);
	r.m = (int)(mp < 10 ? mp + 3 : mp - 9);
	r.y = (int)(yoe + era * 400 + (r.m <= 2));
	return r;
}

cal_date cal_add_days(cal_date d, int n)
{
	return cal_from_days(cal_to_days(d) + n);
}

int cal_weekday(cal_date d)
{
	int64_t days = cal_to_days(d); /* 1970-01-01 was a Thursday (4) */
	return (int)(((days % 7) + 11) % 7);
}

int cal_compare(cal_date a, cal_date b)
{
	if (a.y != b.y)
		return a.y < b.y ? -1 : 1;
	if (a.m != b.m)
		return a.m < b.m ? -1 : 1;
	if (a.d != b.d)
		return a.d < b.d ? -1 : 1;
	return 0;
}

static bool parse_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool cal_parse_date(const char *t, cal_date *out)
{
	cal_date d;
	if (!t || strlen(t) != 10 || t[4] != '-' || t[7] != '-')
		return false;
	if (!parse_digits(t, 4, &d.y) || !parse_digits(t + 5, 2, &d.m) || !parse_digits(t + 8, 2, &d.d))
		return false;
	if (!cal_valid(d))
		return false;
	*out = d;
	return true;
}

bool cal_parse_month(const char *t, int *year, int *month)
{
	int y, m;
	if (!t || strlen(t) != 7 || t[4] != '-')
		return false;
	if (!parse_digits(t, 4, &y) || !parse_digits(t + 5, 2, &m) || m < 1 || m > 12 || y < 1900 || y > 2999)
		return false;
	*year = y;
	*month = m;
	return true;
}

/* ---- era dates (和暦) ---- */

/* Each era from its first day; newest first. */
static const struct {
	cal_date first;
	const char *name;
} eras[] = {
	{ { 2019, 5, 1 }, "令和" },
	{ { 1989, 1, 8 }, "平成" },
	{ { 1926, 12, 25 }, "昭和" },
	{ { 1912, 7, 30 }, "大正" },
	{ { 1868, 1, 25 }, "明治" },
};

/* The era of d and its year in that era (1 = 元年); false before 明治. */
static bool era_of(cal_date d, const char **name, int *year)
{
	for (size_t i = 0; i < sizeof eras / sizeof eras[0]; i++)
		if (cal_compare(d, eras[i].first) >= 0) {
			*name = eras[i].name;
			*year = d.y - eras[i].first.y + 1;
			return true;
		}
	return false;
}

static bool era_text(cal_date d, bool with_day, char *buf, size_t len)
{
	const char *name;
	int year;
	if (len > 0)
		buf[0] = '\0';
	if (!cal_valid(d) || !era_of(d, &name, &year))
		return false;
	char ytext[12];
	if (year == 1)
		snprintf(ytext, sizeof ytext, "元");
	else
		snprintf(ytext, sizeof ytext, "%d", year);
	int n = with_day ? snprintf(buf, len, "%s%s年%d月%d日", name, ytext, d.m, d.d)
			 : snprintf(buf, len, "%s%s年%d月", name, ytext, d.m);
	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			buf[0] = '\0';
		return false;
	}
	return true;
}

bool cal_format_era_date(cal_date d, char *buf, size_t len)
{
	return era_text(d, true, buf, len);
}

bool cal_format_era_month(int y, int m, char *buf, size_t len)
{
	if (m < 1 || m > 12) {
		if (len > 0)
			buf[0] = '\0';
		return false;
	}
	/* the era in force at the month's end: 1989-01 is 平成元年1月, 2019-05 令和元年5月 */
	return era_text((cal_date){ y, m, cal_days_in_month(y, m) }, false, buf, len);
}

void cal_format_date(cal_date d, char *buf)
{
	unsigned y = (unsigned)d.y % 10000, m = (unsigned)d.m % 100, day = (unsigned)d.d % 100;
	char *p = buf;
	*p++ = (char)('0' + y / 1000);
	*p++ = (char)('0' + y / 100 % 10);
	*p++ = (char)('0' + y / 10 % 10);
	*p++ = (char)('0' + y % 10);
	*p++ = '-';
	*p++ = (char)('0' + m / 10);
	*p++ = (char)('0' + m % 10);
	*p++ = '-';
	*p++ = (char)('0' + day / 10);
	*p++ = (char)('0' + day % 10);
	*p = '\0';
}

/* ---- holidays ---- */

/* The n-th Monday (n >= 1) of month m. */
static cal_date nth_monday(int y, int m, int n)
{
	cal_date first = { y, m, 1 };
	int wd = cal_weekday(first);
	int offset = (8 - wd) % 7; /* days to the first Monday */
	first.d = 1 + offset + 7 * (n - 1);
	return first;
}

/* Equinox days by the usual approximation, valid 1980-2099. */
static int vernal_equinox_day(int y)
{
	return (int)(20.8431 + 0.242194 * (y - 1980)) - (y - 1980) / 4;
}

static int autumnal_equinox_day(int y)
{
	return (int)(23.2488 + 0.242194 * (y - 1980)) - (y - 1980) / 4;
}

/* One-off holidays set by special laws (kept as data). */
static const struct {
	cal_date day;
	const char *name;
} special_days[] = {
	{ { 1990, 11, 12 }, "即位礼正殿の儀" },
	{ { 1993, 6, 9 }, "結婚の儀" },
	{ { 2019, 5, 1 }, "天皇の即位の日" },
	{ { 2019, 10, 22 }, "即位礼正殿の儀" },
};

/* Holidays moved for the Tokyo Olympics by special law (kept as data). */
enum moved { MOVED_MARINE, MOVED_SPORTS, MOVED_MOUNTAIN };
static const struct {
	int year;
	enum moved which;
	int m, d;
} moved_days[] = {
	{ 2020, MOVED_MARINE, 7, 23 },   { 2020, MOVED_SPORTS, 7, 24 },
	{ 2020, MOVED_MOUNTAIN, 8, 10 }, { 2021, MOVED_MARINE, 7, 22 },
	{ 2021, MOVED_SPORTS, 7, 23 },   { 2021, MOVED_MOUNTAIN, 8, 8 },
};

static bool moved_day(int y, enum moved which, cal_date *out)
{
	for (size_t i = 0; i < sizeof moved_days / sizeof moved_days[0]; i++) {
		if (moved_days[i].year == y && moved_days[i].which == which) {
			*out = (cal_date){ y, moved_days[i].m, moved_days[i].d };
			return true;
		}
	}
	return false;
}

#define MAX_HOLIDAYS 32
typedef struct {
	cal_date day[MAX_HOLIDAYS];
	const char *name[MAX_HOLIDAYS];
	int n;
} holiday_list;

static void add(holiday_list *l, cal_date d, const char *name)
{
	if (l->n < MAX_HOLIDAYS) {
		l->day[l->n] = d;
		l->name[l->n] = name;
		l->n++;
	}
}

static int find(const holiday_list *l, cal_date d)
{
	for (int i = 0; i < l->n; i++)
		if (!cal_compare(l->day[i], d))
			return i;
	return -1;
}

/* The 国民の祝日 of year y (no substitute or citizens' days yet). */
static void national_holidays(int y, holiday_list *l)
{
	cal_date d;
	add(l, (cal_date){ y, 1, 1 }, "元日");
	add(l, y < 2000 ? (cal_date){ y, 1, 15 } : nth_monday(y, 1, 2), "成人の日");
	add(l, (cal_date){ y, 2, 11 }, "建国記念の日");
	if (y >= 2020)
		add(l, (cal_date){ y, 2, 23 }, "天皇誕生日");
	add(l, (cal_date){ y, 3, vernal_equinox_day(y) }, "春分の日");
	add(l, (cal_date){ y, 4, 29 }, y >= 2007 ? "昭和の日" : "みどりの日");
	add(l, (cal_date){ y, 5, 3 }, "憲法記念日");
	if (y >= 2007)
		add(l, (cal_date){ y, 5, 4 }, "みどりの日");
	add(l, (cal_date){ y, 5, 5 }, "こどもの日");
	if (moved_day(y, MOVED_MARINE, &d))
		add(l, d, "海の日");
	else if (y >= 2003)
		add(l, nth_monday(y, 7, 3), "海の日");
	else if (y >= 1996)
		add(l, (cal_date){ y, 7, 20 }, "海の日");
	if (moved_day(y, MOVED_MOUNTAIN, &d))
		add(l, d, "山の日");
	else if (y >= 2016)
		add(l, (cal_date){ y, 8, 11 }, "山の日");
	add(l, y < 2003 ? (cal_date){ y, 9, 15 } : nth_monday(y, 9, 3), "敬老の日");
	add(l, (cal_date){ y, 9, autumnal_equinox_day(y) }, "秋分の日");
	const char *sports = y >= 2020 ? "スポーツの日" : "体育の日";
	if (moved_day(y, MOVED_SPORTS, &d))
		add(l, d, sports);
	else
		add(l, y < 2000 ? (cal_date){ y, 10, 10 } : nth_monday(y, 10, 2), sports);
	add(l, (cal_date){ y, 11, 3 }, "文化の日");
	add(l, (cal_date){ y, 11, 23 }, "勤労感謝の日");
	if (y <= 2018)
		add(l, (cal_date){ y, 12, 23 }, "天皇誕生日");
	for (size_t i = 0; i < sizeof special_days / sizeof special_days[0]; i++)
		if (special_days[i].day.y == y)
			add(l, special_days[i].day, special_days[i].name);
}

/* Substitute holidays (振替休日): a national holiday on a Sunday makes the
 * next day a holiday; from 2007 the next day that is not itself one. */
static void add_substitutes(int y, holiday_list *l)
{
	int base = l->n;
	for (int i = 0; i < base; i++) {
		if (cal_weekday(l->day[i]) != 0)
			continue;
		cal_date next = cal_add_days(l->day[i], 1);
		if (y >= 2007) {
			while (find(l, next) >= 0)
				next = cal_add_days(next, 1);
		} else if (find(l, next) >= 0) {
			continue;
		}
		add(l, next, "休日");
	}
}

/* Citizens' holidays (国民の休日): a day between two national holidays.
 * Before 2007 the law excluded Sundays and substitute days. */
static void add_citizens(int y, holiday_list *l, int national_count)
{
	holiday_list nat = *l;
	nat.n = national_count;
	for (int i = 0; i < national_count; i++) {
		cal_date mid = cal_add_days(l->day[i], 1);
		if (mid.y != y || find(l, mid) >= 0)
			continue;
		if (find(&nat, cal_add_days(mid, 1)) < 0)
			continue;
		if (y < 2007 && cal_weekday(mid) == 0)
			continue;
		add(l, mid, "国民の休日");
	}
}

static int cmp_entry(const void *a, const void *b)
{
	return cal_compare(*(const cal_date *)a, *(const cal_date *)b);
}

static void year_list(int y, holiday_list *l)
{
	l->n = 0;
	national_holidays(y, l);
	if (y < CAL_FIRST_YEAR || y > CAL_LAST_YEAR) {
		l->n = 0; /* outside the supported range: rules unknown */
		return;
	}
	int national = l->n;
	add_substitutes(y, l);
	add_citizens(y, l, national);
}

int cal_year_holidays(int y, cal_date *out, const char **names, int max)
{
	holiday_list l;
	year_list(y, &l);
	/* sort (day, name) pairs together by day */
	struct pair { cal_date d; const char *n; } p[MAX_HOLIDAYS];
	for (int i = 0; i < l.n; i++)
		p[i] = (struct pair){ l.day[i], l.name[i] };
	qsort(p, (size_t)l.n, sizeof p[0], cmp_entry);
	int n = l.n < max ? l.n : max;
	for (int i = 0; i < n; i++) {
		out[i] = p[i].d;
		if (names)
			names[i] = p[i].n;
	}
	return n;
}

const char *cal_holiday_name(cal_date d)
{
	holiday_list l;
	year_list(d.y, &l);
	int i = find(&l, d);
	return i >= 0 ? l.name[i] : NULL;
}

/* ---- open days ---- */

bool cal_is_year_end_closure(cal_date d)
{
	return (d.m == 12 && d.d >= 29) || (d.m == 1 && d.d <= 3);
}

bool cal_is_closed(cal_date d, const cal_closed_days *extra)
{
	int wd = cal_weekday(d);
	if (wd == 0 || wd == 6 || cal_is_year_end_closure(d) || cal_is_holiday(d))
		return true;
	for (int i = 0; extra && i < extra->count; i++)
		if (!cal_compare(extra->days[i], d))
			return true;
	return false;
}

cal_date cal_next_open_day(cal_date d, const cal_closed_days *extra)
{
	/* Bounded: no stretch of closed days is longer than a few weeks even
	 * with a generous extra list; 400 days guards against a bad config. */
	for (int i = 0; i < 400 && cal_is_closed(d, extra); i++)
		d = cal_add_days(d, 1);
	return d;
}

int cal_fiscal_year(cal_date d)
{
	return d.m >= 4 ? d.y : d.y - 1;
}

cal_date cal_report_due(int year, int month, const cal_closed_days *extra)
{
	cal_date fifth = { month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 5 };
	return cal_next_open_day(fifth, extra);
}
