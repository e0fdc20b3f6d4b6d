/* cli_util.h: what the rmgate-policy command files (cli_*.c) share: exit codes,
 * option parsing (getopt_long), error lines, table/JSON output (cli_util.c).
 *
 * Dependencies run one way: cli.c (the dispatcher) calls the commands
 * (cli_commands.h), the commands use this header, and nothing here calls back.
 * Single-threaded (the CLI's main thread). Exit codes: 0 ok, 1 refused or
 * invalid request (the failing rule on stderr), 2 usage error.
 */
#ifndef RMGATE_POLICY_CLI_UTIL_H
#define RMGATE_POLICY_CLI_UTIL_H

#include "i18n.h"
#include "policy_internal.h"

#include <stdio.h>

enum { CLI_OK = 0, CLI_REFUSED = 1, CLI_USAGE = 2 };

/* Kinds of options a command accepts. */
enum { OPT_FLAG, OPT_VALUE, OPT_MULTI /* takes every following non-option word */ };
typedef struct {
	const char *name; /* without the leading "--" */
	int kind;
	char letter; /* a short spelling ('o' for -o), or 0 */
} cli_optspec;

#define CLI_MAX_POS 8
#define CLI_MAX_OPTS 128
typedef struct {
	const char *pos[CLI_MAX_POS];
	int npos;
	struct {
		const char *name, *value;
	} opt[CLI_MAX_OPTS];
	int nopt;
} cli_args;

/* Parses argv[0..argc) (the words after the command's name) against spec with
 * getopt_long: --opt=value and --opt value, options and operands in any order, "--"
 * ends the options. An OPT_MULTI option given as "--opt A B" also takes the words
 * after its value up to the next option. Prints one usage line naming the option
 * and returns CLI_USAGE on an unknown option, a missing value (a separate value may
 * not start with "--") or a value given to a flag. */
int cli_parse(const char *cmd, int argc, char **argv, const cli_optspec *spec, cli_args *out);
const char *cli_get(const cli_args *a, const char *name);
bool cli_has(const cli_args *a, const char *name);
/* All values of a repeated option (pointers into argv), count returned. */
size_t cli_all(const cli_args *a, const char *name, const char **out, size_t max);

/* Who acts: --by NAME, else the login name of the user running the tool
 * (written into buf, len bytes). */
const char *cli_actor(const cli_args *a, char *buf, size_t len);

int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "rmgate-policy: <policy_last_error()>" and returns CLI_REFUSED. */
int cli_fail(void);
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses a --month value "YYYY-MM" (month 01-12, a year of the calendar) into *y and *m, and
 * when range is not NULL the month's bounds in µs (local midnights of its first day and of the
 * next month's first day, range[0] <= t < range[1]). A NULL text is "CMD: --month YYYY-MM is
 * required"; anything else wrong is "CMD: --month: TEXT is not a month (YYYY-MM)". Returns
 * CLI_OK or CLI_USAGE (the line printed). The one parser of --month for every command. */
int cli_month(policy_db *db, const char *cmd, const char *text, int *y, int *m, int64_t range[2]);

/* Parses a positive integer id; CLI_USAGE message on failure. */
int cli_id(const char *text, const char *what, int64_t *id);

/* Runs a query and prints its rows as an aligned table or a JSON array of
 * objects (INTEGER columns as numbers, NULL as null). Parameters: `nbind`
 * texts bound as ?1..?n (an int64 is bound when the text is all digits). */
int cli_print_query(policy_db *db, FILE *out, bool json, const char *sql, int nbind, const char *const *binds);
/* The header of a column in human output: the translation of a known column name (cli_util.c's
 * table of N_() names), else the name itself. JSON and CSV keep the names. */
const char *cli_label(const char *name);
/* As cli_print_query but prints one object (JSON) or "name value" lines: the labels (cli_label)
 * padded by display width, the values starting at one column (17, or two after the widest label
 * when one is wider than 16). */
int cli_print_record(policy_db *db, FILE *out, bool json, const char *sql, int nbind, const char *const *binds);

/* JSON string literal of s (text_json_string: valid UTF-8 passed through, controls and
 * invalid bytes as \u00XX). Table and record output escape every cell for the terminal
 * (text_escape), and so do the error lines of cli_usage and cli_error. */
void cli_json_string(FILE *out, const char *s);

/* SQL expression for a µs column shown in the handle's display zone: local_time() is
 * the library's formatter (db.c, pol_format_local), so the CLI, the reports and the
 * ledger show times in the one zone set with policy_set_zone_offset. */
#define CLI_LOCAL(col) "local_time(" col ")"

#endif
