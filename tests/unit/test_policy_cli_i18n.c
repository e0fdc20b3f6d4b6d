/* rmgate-policy in Japanese (common/i18n.h), run in-process: column labels translated for
 * people and kept for JSON, "name value" records aligned by display width in both languages,
 * the rule texts of a refusal in Japanese, and the English of the C locale unchanged. The
 * catalogue is the one the build compiled (build/locale, beside this test's directory). */
#include "test_policy_common.h"
#include "cli.h"
#include "cli_util.h"
#include "i18n.h"
#include "policy_internal.h"
#include "text_width.h"

#include <limits.h>
#include <locale.h>
#include <time.h>

static char dir[64], db[128];
static char out[1 << 16], err[4096];

static int cli(const char *input, ...)
{
	char *argv[64] = { "rmgate-policy", "-d", db };
	int argc = 3;
	va_list ap;
	va_start(ap, input);
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 63;)
		argv[argc++] = (char *)a;
	va_end(ap);
	return run_policy_cli(dir, argc, argv, input, out, sizeof out, err, sizeof err);
}

/* Messages in Japanese (true) or in the C locale, with the catalogue of this build. */
static void speak_japanese(bool ja)
{
	if (!ja) {
		setlocale(LC_MESSAGES, "C");
		return;
	}
	char exe[PATH_MAX], locale_dir[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	assert_true(n > 0);
	exe[n] = 0;
	*strrchr(exe, '/') = 0; /* build/tests */
	*strrchr(exe, '/') = 0; /* build */
	snprintf(locale_dir, sizeof locale_dir, "%s/locale", exe);
	assert_non_null(bindtextdomain(RMGATE_TEXT_DOMAIN, locale_dir));
	bind_textdomain_codeset(RMGATE_TEXT_DOMAIN, "UTF-8");
	assert_non_null(setlocale(LC_MESSAGES, "ja_JP.UTF-8")); /* installed by tests/deps.sh */
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/rmgate-policy-i18n-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(db, sizeof db, "%s/var/rmgate.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	speak_japanese(false);
	rm_tree(dir);
	return 0;
}

/* A section, a vendor, a system and one approved permit of today (Tokyo); its id is 1. */
static void seed(void)
{
	time_t now = time(NULL) + 9 * 3600;
	struct tm tm;
	char today[16];
	gmtime_r(&now, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	assert_int_equal(cli(NULL, "init", NULL), 0);
	assert_int_equal(cli(NULL, "section", "add", "情報政策課", "--officer", "山田", NULL), 0);
	assert_int_equal(cli(NULL, "vendor", "add", "株式会社サンプル", NULL), 0);
	assert_int_equal(cli(NULL, "system", "add", "住基", "--class", "lgwan", "--host", "10.3.0.5", "--port", "3389",
			     "--section", "情報政策課", "--networks", "10.9.0.0/16", NULL), 0);
	assert_int_equal(cli(NULL, "permit", "apply", "--vendor", "株式会社サンプル", "--system", "住基", "--section",
			     "情報政策課", "--purpose", "保守", "--from", today, "--to", today, "--contract-from", today,
			     "--contract-to", today, "--table", "1", "--confirm-all", "--by", "申請者", NULL), 0);
	assert_string_equal(out, "1\n");
	assert_int_equal(cli(NULL, "permit", "decide", "1", "--approve", "--by", "副統括", NULL), 0);
}

/* The display column where the value of each line of the record (the text up to the first
 * empty line) starts: the same on every line, returned; -1 when two lines differ. */
static int value_column(const char *text, int *lines)
{
	int column = 0;
	*lines = 0;
	for (const char *line = text; *line && *line != '\n';) {
		const char *end = strchr(line, '\n');
		assert_non_null(end);
		const char *gap = strstr(line, "  "); /* the label ends at its first two spaces */
		assert_true(gap && gap < end);
		const char *value = gap;
		while (*value == ' ')
			value++;
		char prefix[512];
		snprintf(prefix, sizeof prefix, "%.*s", (int)(value - line), line);
		int c = text_display_width(prefix);
		if (*lines && c != column)
			return -1;
		column = c;
		(*lines)++;
		line = end + 1;
	}
	return column;
}

static void labels_stay_english_in_the_c_locale(void **state)
{
	(void)state;
	speak_japanese(false);
	assert_string_equal(cli_label("state"), "state");
	assert_string_equal(cli_label("system_networks"), "system_networks");
	assert_string_equal(cli_label("not_a_column"), "not_a_column");
	assert_null(cli_label(NULL));
}

static void labels_are_japanese_under_ja_jp(void **state)
{
	(void)state;
	speak_japanese(true);
	assert_string_equal(cli_label("state"), "状態");
	assert_string_equal(cli_label("vendor"), "事業者");
	assert_string_equal(cli_label("not_a_column"), "not_a_column"); /* unknown: as it is */
}

static void record_is_english_and_aligned_in_the_c_locale(void **state)
{
	(void)state;
	speak_japanese(false);
	seed();
	assert_int_equal(cli(NULL, "permit", "show", "1", NULL), 0);
	assert_true(!strncmp(out, "id               1\nstate            approved\n", 44));
	assert_non_null(strstr(out, "\nchecklist (all confirmed):\n"));
	assert_non_null(strstr(out, "\nhistory:\nat  "));
	int lines, column = value_column(out, &lines);
	assert_int_equal(column, 17);
	assert_int_equal(lines, 21);
}

static void record_is_japanese_and_aligned_by_display_width(void **state)
{
	(void)state;
	seed();
	speak_japanese(true);
	assert_int_equal(cli(NULL, "permit", "show", "1", NULL), 0);
	assert_true(!strncmp(out, "番号 ", strlen("番号 ")));
	assert_non_null(strstr(out, "\n状態 "));
	assert_non_null(strstr(out, "\n事業者 "));
	assert_non_null(strstr(out, "\n確認項目（すべて確認済み）:\n"));
	assert_non_null(strstr(out, "\n履歴:\n日時 "));
	assert_null(strstr(out, "\nstate "));
	/* the widest label, 情報システムのネットワーク, is 26 columns: values start two after it */
	int lines, column = value_column(out, &lines);
	assert_int_equal(lines, 21);
	assert_int_equal(column, 28);
	/* values are data: the state stays the word a script reads */
	assert_non_null(strstr(out, "approved\n"));
}

static void json_is_the_same_in_both_languages(void **state)
{
	(void)state;
	static char english[sizeof out];
	seed();
	speak_japanese(false);
	assert_int_equal(cli(NULL, "permit", "show", "1", "--json", NULL), 0);
	snprintf(english, sizeof english, "%s", out);
	assert_non_null(strstr(english, "\"state\": \"approved\""));
	speak_japanese(true);
	assert_int_equal(cli(NULL, "permit", "show", "1", "--json", NULL), 0);
	assert_string_equal(out, english);
}

static void a_refused_application_gives_the_rule_in_japanese(void **state)
{
	(void)state;
	seed();
	speak_japanese(true);
	assert_int_equal(cli(NULL, "permit", "apply", "--vendor", "株式会社サンプル", "--system", "住基", "--section",
			     "情報政策課", "--purpose", "保守", "--from", "2026-12-10", "--to", "2026-12-09",
			     "--contract-from", "2026-12-01", "--contract-to", "2027-03-31", "--table", "1",
			     "--confirm-all", NULL),
			 1);
	assert_string_equal(err, "rmgate-policy: 規則 period-order: 期間の終了日が開始日より前です\n");
	speak_japanese(false);
	assert_int_equal(cli(NULL, "permit", "apply", "--vendor", "株式会社サンプル", "--system", "住基", "--section",
			     "情報政策課", "--purpose", "保守", "--from", "2026-12-10", "--to", "2026-12-09",
			     "--contract-from", "2026-12-01", "--contract-to", "2027-03-31", "--table", "1",
			     "--confirm-all", NULL),
			 1);
	assert_string_equal(err, "rmgate-policy: rule period-order: the period ends before it starts\n");
}

static void confirmations_and_usage_are_japanese(void **state)
{
	(void)state;
	seed();
	speak_japanese(true);
	assert_int_equal(cli(NULL, "permit", "suspend", "1", "--by", "副統括", "--reason", "調査のため", NULL), 0);
	assert_string_equal(out, "許可 1 の状態は suspended になりました\n");
	assert_int_equal(cli(NULL, "permit", "show", "x", NULL), 2);
	static const char first[] = "rmgate-policy: 許可番号 'x' は正の整数ではありません（rmgate-policy --help を参照してください）\n";
	assert_true(!strncmp(err, first, strlen(first)));
	/* what the ledger keeps stays as given: the reason, and English event names */
	speak_japanese(false);
	assert_int_equal(cli(NULL, "permit", "show", "1", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"action\": \"suspend\""));
	assert_non_null(strstr(out, "\"reason\": \"調査のため\""));
}

/* A message longer than its buffer (a Japanese one with long arguments) is cut at a whole
 * UTF-8 character, never inside one. */
static void a_long_message_ends_at_a_whole_character(void **state)
{
	(void)state;
	char text[1400] = "x"; /* one ASCII byte, then three-byte characters: a cut at 1023 falls inside one */
	for (size_t i = 1; i + 3 < sizeof text; i += 3)
		memcpy(text + i, "あ", 4);
	assert_int_equal(pol_fail(POLICY_ERR_INVALID, "%s", text), POLICY_ERR_INVALID);
	const char *e = policy_last_error();
	size_t n = strlen(e);
	assert_true(n > 900 && n < 1023);
	assert_int_equal((n - 1) % 3, 0);
	assert_int_equal(memcmp(e + n - 3, "あ", 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(labels_stay_english_in_the_c_locale, setup, teardown),
		cmocka_unit_test_setup_teardown(labels_are_japanese_under_ja_jp, setup, teardown),
		cmocka_unit_test_setup_teardown(record_is_english_and_aligned_in_the_c_locale, setup, teardown),
		cmocka_unit_test_setup_teardown(record_is_japanese_and_aligned_by_display_width, setup, teardown),
		cmocka_unit_test_setup_teardown(json_is_the_same_in_both_languages, setup, teardown),
		cmocka_unit_test_setup_teardown(a_refused_application_gives_the_rule_in_japanese, setup, teardown),
		cmocka_unit_test_setup_teardown(confirmations_and_usage_are_japanese, setup, teardown),
		cmocka_unit_test(a_long_message_ends_at_a_whole_character),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
