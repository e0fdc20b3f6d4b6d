/* The city calendar: national holidays against the published list
 * 2000-2030 (fixture), the special years, closed days, next open day,
 * fiscal years and the monthly report's due date. */
#include "test_policy_common.h"

#define FIXTURE "tests/fixtures/policy/holidays-2000-2030.txt"
#define MAX_FIX 800

static cal_date fixture[MAX_FIX];
static int nfixture;

static int load_fixture(void **state)
{
	(void)state;
	FILE *f = fopen(FIXTURE, "r");
	if (!f)
		return -1;
	char line[256];
	nfixture = 0;
	while (fgets(line, sizeof line, f) && nfixture < MAX_FIX) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[10] = '\0';
		if (!cal_parse_date(line, &fixture[nfixture]))
			return -1;
		nfixture++;
	}
	fclose(f);
	return nfixture > 500 ? 0 : -1;
}

static bool in_fixture(cal_date d)
{
	for (int i = 0; i < nfixture; i++)
		if (!cal_compare(fixture[i], d))
			return true;
	return false;
}

static cal_date D(int y, int m, int d)
{
	return (cal_date){ y, m, d };
}

static void every_day_2000_to_2030_matches_the_published_list(void **state)
{
	(void)state;
	int holidays = 0;
	for (cal_date d = D(2000, 1, 1); d.y <= 2030; d = cal_add_days(d, 1)) {
		bool want = in_fixture(d), got = cal_is_holiday(d);
		if (want != got) {
			char buf[11];
			cal_format_date(d, buf);
			fail_msg("%s: list says %s, calendar says %s", buf, want ? "holiday" : "not", got ? "holiday" : "not");
		}
		holidays += got;
	}
	assert_int_equal(holidays, nfixture);
}

static void year_lists_are_sorted_and_complete(void **state)
{
	(void)state;
	cal_date days[32];
	const char *names[32];
	int total = 0;
	for (int y = 2000; y <= 2030; y++) {
		int n = cal_year_holidays(y, days, names, 32);
		for (int i = 1; i < n; i++)
			assert_true(cal_compare(days[i - 1], days[i]) < 0);
		for (int i = 0; i < n; i++)
			assert_non_null(names[i]);
		total += n;
	}
	assert_int_equal(total, nfixture);
}

static void the_2019_enthronement_days_and_no_emperors_birthday(void **state)
{
	(void)state;
	assert_string_equal(cal_holiday_name(D(2019, 5, 1)), "天皇の即位の日");
	assert_string_equal(cal_holiday_name(D(2019, 10, 22)), "即位礼正殿の儀");
	assert_string_equal(cal_holiday_name(D(2019, 4, 30)), "国民の休日");
	assert_string_equal(cal_holiday_name(D(2019, 5, 2)), "国民の休日");
	assert_null(cal_holiday_name(D(2019, 12, 23)));
	assert_null(cal_holiday_name(D(2019, 2, 23)));
	assert_string_equal(cal_holiday_name(D(2018, 12, 23)), "天皇誕生日");
	assert_string_equal(cal_holiday_name(D(2020, 2, 23)), "天皇誕生日");
	assert_string_equal(cal_holiday_name(D(2020, 2, 24)), "休日");
}

static void olympic_years_move_marine_sports_and_mountain_days(void **state)
{
	(void)state;
	assert_string_equal(cal_holiday_name(D(2020, 7, 23)), "海の日");
	assert_string_equal(cal_holiday_name(D(2020, 7, 24)), "スポーツの日");
	assert_string_equal(cal_holiday_name(D(2020, 8, 10)), "山の日");
	assert_null(cal_holiday_name(D(2020, 7, 20)));
	assert_null(cal_holiday_name(D(2020, 8, 11)));
	assert_null(cal_holiday_name(D(2020, 10, 12)));
	assert_string_equal(cal_holiday_name(D(2021, 7, 22)), "海の日");
	assert_string_equal(cal_holiday_name(D(2021, 7, 23)), "スポーツの日");
	assert_string_equal(cal_holiday_name(D(2021, 8, 8)), "山の日");
	assert_string_equal(cal_holiday_name(D(2021, 8, 9)), "休日");
	assert_null(cal_holiday_name(D(2021, 10, 11)));
	assert_string_equal(cal_holiday_name(D(2022, 7, 18)), "海の日");
	assert_string_equal(cal_holiday_name(D(2022, 10, 10)), "スポーツの日");
}

static void showa_and_greenery_days_change_in_2007(void **state)
{
	(void)state;
	assert_string_equal(cal_holiday_name(D(2006, 4, 29)), "みどりの日");
	assert_string_equal(cal_holiday_name(D(2006, 5, 4)), "国民の休日");
	assert_string_equal(cal_holiday_name(D(2007, 4, 29)), "昭和の日");
	assert_string_equal(cal_holiday_name(D(2007, 4, 30)), "休日");
	assert_string_equal(cal_holiday_name(D(2007, 5, 4)), "みどりの日");
	/* from 2007 a substitute skips over following holidays */
	assert_string_equal(cal_holiday_name(D(2008, 5, 6)), "休日");
}

static void mountain_day_starts_in_2016(void **state)
{
	(void)state;
	assert_null(cal_holiday_name(D(2015, 8, 11)));
	assert_string_equal(cal_holiday_name(D(2016, 8, 11)), "山の日");
}

static void citizens_holidays_in_september(void **state)
{
	(void)state;
	assert_string_equal(cal_holiday_name(D(2009, 9, 22)), "国民の休日");
	assert_string_equal(cal_holiday_name(D(2015, 9, 22)), "国民の休日");
	assert_string_equal(cal_holiday_name(D(2026, 9, 22)), "国民の休日");
	assert_null(cal_holiday_name(D(2020, 9, 23)));
}

static void special_days_of_the_1990s_and_the_range_ends(void **state)
{
	(void)state;
	assert_non_null(cal_holiday_name(D(1990, 11, 12)));
	assert_non_null(cal_holiday_name(D(1993, 6, 9)));
	assert_string_equal(cal_holiday_name(D(1999, 10, 11)), "休日"); /* 10/10 Sunday */
	assert_string_equal(cal_holiday_name(D(1999, 1, 15)), "成人の日");
	assert_string_equal(cal_holiday_name(D(2099, 1, 1)), "元日");
	assert_null(cal_holiday_name(D(2100, 1, 1))); /* outside the supported range */
}

static void dates_parse_strictly_and_weekdays_are_right(void **state)
{
	(void)state;
	cal_date d;
	assert_true(cal_parse_date("2024-02-29", &d));
	assert_false(cal_parse_date("2023-02-29", &d));
	assert_false(cal_parse_date("2100-02-29", &d));
	assert_true(cal_parse_date("2000-02-29", &d));
	assert_false(cal_parse_date("2025-1-01", &d));
	assert_false(cal_parse_date("2025/01/01", &d));
	assert_int_equal(cal_weekday(D(2025, 11, 26)), 3); /* a Wednesday */
	assert_int_equal(cal_weekday(D(1970, 1, 1)), 4);
	int y, m;
	assert_true(cal_parse_month("2025-12", &y, &m));
	assert_false(cal_parse_month("2025-13", &y, &m));
	assert_false(cal_parse_month("2025-1", &y, &m));
}

static void fiscal_year_runs_april_to_march(void **state)
{
	(void)state;
	assert_int_equal(cal_fiscal_year(D(2025, 3, 31)), 2024);
	assert_int_equal(cal_fiscal_year(D(2025, 4, 1)), 2025);
	assert_int_equal(cal_fiscal_year(D(2025, 12, 31)), 2025);
	assert_int_equal(cal_fiscal_year(D(2026, 1, 1)), 2025);
}

static void year_end_closure_and_extra_days_are_closed(void **state)
{
	(void)state;
	assert_true(cal_is_closed(D(2025, 12, 29), NULL)); /* a Monday */
	assert_true(cal_is_closed(D(2026, 1, 2), NULL));
	assert_false(cal_is_closed(D(2025, 12, 26), NULL));
	assert_false(cal_is_closed(D(2026, 1, 5), NULL));
	cal_date extra_days[] = { D(2026, 1, 5) };
	cal_closed_days extra = { extra_days, 1 };
	assert_true(cal_is_closed(D(2026, 1, 5), &extra));
	char buf[11];
	cal_format_date(cal_next_open_day(D(2025, 12, 27), &extra), buf);
	assert_string_equal(buf, "2026-01-06");
	cal_format_date(cal_next_open_day(D(2025, 12, 27), NULL), buf);
	assert_string_equal(buf, "2026-01-05");
}

/* Oracle from the fixture: the first day from the 5th that is a weekday,
 * not in the published list and not in the year-end closure. */
static cal_date due_from_fixture(int y, int m)
{
	cal_date d = { m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 5 };
	for (;;) {
		int wd = cal_weekday(d);
		bool closed = wd == 0 || wd == 6 || in_fixture(d) || (d.m == 12 && d.d >= 29) || (d.m == 1 && d.d <= 3);
		if (!closed)
			return d;
		d = cal_add_days(d, 1);
	}
}

static void due_dates_for_every_month_2000_to_2029(void **state)
{
	(void)state;
	for (int y = 2000; y <= 2029; y++)
		for (int m = 1; m <= 12; m++) {
			cal_date want = due_from_fixture(y, m), got = cal_report_due(y, m, NULL);
			if (cal_compare(want, got)) {
				char a[11], b[11];
				cal_format_date(want, a);
				cal_format_date(got, b);
				fail_msg("report for %04d-%02d: due %s expected, got %s", y, m, a, b);
			}
		}
}

static void due_dates_known_by_hand(void **state)
{
	(void)state;
	struct { int y, m; const char *due; } cases[] = {
		{ 2025, 12, "2026-01-05" }, /* 5 January is a Monday after the closure */
		{ 2026, 4, "2026-05-07" },  /* 5/5 holiday, 5/6 substitute */
		{ 2025, 4, "2025-05-07" },  /* 5/5 and 5/6 (substitute) */
		{ 2025, 9, "2025-10-06" },  /* 5 October 2025 is a Sunday */
		{ 2025, 5, "2025-06-05" },
		{ 2019, 12, "2020-01-06" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[11];
		cal_format_date(cal_report_due(cases[i].y, cases[i].m, NULL), buf);
		assert_string_equal(buf, cases[i].due);
	}
	cal_date extra_days[] = { D(2025, 6, 5) };
	cal_closed_days extra = { extra_days, 1 };
	char buf[11];
	cal_format_date(cal_report_due(2025, 5, &extra), buf);
	assert_string_equal(buf, "2025-06-06");
}

static void era_is(int y, int m, int d, const char *want)
{
	char buf[CAL_ERA_DATE_LEN];
	assert_true(cal_format_era_date(D(y, m, d), buf, sizeof buf));
	assert_string_equal(buf, want);
}

static void era_dates_at_every_boundary(void **state)
{
	(void)state;
	era_is(2026, 12, 7, "令和8年12月7日");
	era_is(2019, 5, 1, "令和元年5月1日");
	era_is(2019, 12, 31, "令和元年12月31日");
	era_is(2020, 1, 1, "令和2年1月1日");
	era_is(2019, 4, 30, "平成31年4月30日");
	era_is(1989, 1, 7, "昭和64年1月7日");
	era_is(1989, 1, 8, "平成元年1月8日");
	era_is(1990, 1, 1, "平成2年1月1日");
	era_is(1926, 12, 24, "大正15年12月24日");
	era_is(1926, 12, 25, "昭和元年12月25日");
	era_is(1927, 1, 1, "昭和2年1月1日");
	era_is(1912, 7, 29, "明治45年7月29日");
	era_is(1912, 7, 30, "大正元年7月30日");
	era_is(1900, 1, 1, "明治33年1月1日");
	era_is(2099, 12, 31, "令和81年12月31日");
}

static void era_dates_refuse_what_they_cannot_write(void **state)
{
	(void)state;
	char buf[CAL_ERA_DATE_LEN] = "x";
	assert_false(cal_format_era_date(D(1899, 12, 31), buf, sizeof buf)); /* outside cal_valid */
	assert_string_equal(buf, "");
	assert_false(cal_format_era_date(D(2025, 2, 29), buf, sizeof buf));
	assert_false(cal_format_era_date(D(2025, 13, 1), buf, sizeof buf));
	char small[8] = "x";
	assert_false(cal_format_era_date(D(2026, 12, 7), small, sizeof small)); /* never truncated */
	assert_string_equal(small, "");
	/* exactly enough: 令和8年12月7日 is 19 bytes + NUL */
	char exact[20];
	assert_true(cal_format_era_date(D(2026, 12, 7), exact, sizeof exact));
	assert_false(cal_format_era_date(D(2026, 12, 17), exact, sizeof exact));
}

static void era_months_take_the_era_of_the_month_end(void **state)
{
	(void)state;
	char buf[CAL_ERA_DATE_LEN];
	assert_true(cal_format_era_month(2025, 6, buf, sizeof buf));
	assert_string_equal(buf, "令和7年6月");
	assert_true(cal_format_era_month(2019, 4, buf, sizeof buf));
	assert_string_equal(buf, "平成31年4月");
	assert_true(cal_format_era_month(2019, 5, buf, sizeof buf));
	assert_string_equal(buf, "令和元年5月");
	assert_true(cal_format_era_month(1989, 1, buf, sizeof buf));
	assert_string_equal(buf, "平成元年1月");
	assert_true(cal_format_era_month(1988, 12, buf, sizeof buf));
	assert_string_equal(buf, "昭和63年12月");
	assert_false(cal_format_era_month(2025, 0, buf, sizeof buf));
	assert_false(cal_format_era_month(2025, 13, buf, sizeof buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_day_2000_to_2030_matches_the_published_list),
		cmocka_unit_test(year_lists_are_sorted_and_complete),
		cmocka_unit_test(the_2019_enthronement_days_and_no_emperors_birthday),
		cmocka_unit_test(olympic_years_move_marine_sports_and_mountain_days),
		cmocka_unit_test(showa_and_greenery_days_change_in_2007),
		cmocka_unit_test(mountain_day_starts_in_2016),
		cmocka_unit_test(citizens_holidays_in_september),
		cmocka_unit_test(special_days_of_the_1990s_and_the_range_ends),
		cmocka_unit_test(dates_parse_strictly_and_weekdays_are_right),
		cmocka_unit_test(fiscal_year_runs_april_to_march),
		cmocka_unit_test(year_end_closure_and_extra_days_are_closed),
		cmocka_unit_test(due_dates_for_every_month_2000_to_2029),
		cmocka_unit_test(due_dates_known_by_hand),
		cmocka_unit_test(era_dates_at_every_boundary),
		cmocka_unit_test(era_dates_refuse_what_they_cannot_write),
		cmocka_unit_test(era_months_take_the_era_of_the_month_end),
	};
	return cmocka_run_group_tests(tests, load_fixture, NULL);
}
