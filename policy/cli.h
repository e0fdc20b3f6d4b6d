/* cli.h: pieces shared by the rmgate-policy command files (cli_*.c).
 *
 * Single-threaded (the CLI's main thread). Exit codes: 0 ok, 1 refused or
 * invalid request (the failing rule on stderr), 2 usage error.
 */
#ifndef RMGATE_POLICY_CLI_H
#define RMGATE_POLICY_CLI_H

#include "policy_internal.h"
#include "secret.h"

#include <stdio.h>

enum { CLI_OK = 0, CLI_REFUSED = 1, CLI_USAGE = 2 };

/* Kinds of options a command accepts. */
enum { OPT_FLAG, OPT_VALUE, OPT_MULTI /* takes every following non-option word */ };
typedef struct {
	const char *name; /* without the leading "--" */
	int kind;
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

/* Parses argv[0..argc) against spec; prints a usage error and returns
 * CLI_USAGE on an unknown option or a missing value. */
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

/* Parses a positive integer id; CLI_USAGE message on failure. */
int cli_id(const char *text, const char *what, int64_t *id);

/* Runs a query and prints its rows as an aligned table or a JSON array of
 * objects (INTEGER columns as numbers, NULL as null). Parameters: `nbind`
 * texts bound as ?1..?n (an int64 is bound when the text is all digits). */
int cli_print_query(policy_db *db, FILE *out, bool json, const char *sql, int nbind, const char *const *binds);
/* As cli_print_query but prints one object (JSON) or "name: value" lines. */
int cli_print_record(policy_db *db, FILE *out, bool json, const char *sql, int nbind, const char *const *binds);

/* JSON string literal of s (text_json_string: valid UTF-8 passed through, controls and
 * invalid bytes as \u00XX). Table and record output escape every cell for the terminal
 * (text_escape), and so do the error lines of cli_usage and cli_error. */
void cli_json_string(FILE *out, const char *s);

/* SQL expression for a µs column shown in the handle's display zone (policy_zone_offset;
 * rmgate_local_time is pol_format_local, registered on every connection in db.c). */
#define CLI_LOCAL(col) "rmgate_local_time(" col ")"

int cli_admin(policy_db *db, const char *path, int argc, char **argv);
int cli_account(policy_db *db, const char *db_path, int argc, char **argv);
int cli_permit(policy_db *db, int argc, char **argv);
int cli_session(policy_db *db, int argc, char **argv);
int cli_report(policy_db *db, int argc, char **argv);
int cli_calendar(policy_db *db, int argc, char **argv);
int cli_verify(policy_db *db, int argc, char **argv);
/* secret-key init|id; system secret|secret-clear (cli_secret.c). `db_path`
 * locates the default key file beside the database. */
int cli_secret_key(policy_db *db, const char *db_path, int argc, char **argv);
int cli_system_secret(policy_db *db, const char *db_path, int argc, char **argv);
/* Loads the key file named by --key, else the default beside db_path, into
 * *key (caller frees with policy_secret_key_free); prints the error. */
int cli_load_key(const cli_args *a, const char *db_path, policy_secret_key **key);
/* The one way a password is read (--password-stdin): one line of standard input by read(2),
 * so no copy stays in a stdio buffer, without its "\n" or "\r\n"; at most len - 2 bytes.
 * Refused (CLI_REFUSED, message naming cmd): empty, too long, a NUL byte, a read error.
 * With a prompt and a terminal on stdin: the prompt goes to stderr and echo is off. The
 * caller wipes buf (OPENSSL_cleanse). */
int cli_read_password(const char *cmd, const char *prompt, char *buf, size_t len);

/* The whole program (rmgate-policy's main calls this). */
int policy_cli_main(int argc, char **argv);

#endif
