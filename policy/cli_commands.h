/* cli_commands.h: the rmgate-policy commands that cli.c dispatches to, one
 * cli_*.c file each (argv starts at the word after the command's name unless
 * noted). Each returns an exit code (cli_util.h). */
#ifndef RMGATE_POLICY_CLI_COMMANDS_H
#define RMGATE_POLICY_CLI_COMMANDS_H

#include "cli_util.h"
#include "secret.h"

/* section|vendor|system ...: argv starts at the command's own name. */
int cli_admin(policy_db *db, const char *path, int argc, char **argv);
int cli_account(policy_db *db, const char *db_path, int argc, char **argv);
int cli_permit(policy_db *db, int argc, char **argv);
/* The web console's staff (cli_staff.c). */
int cli_staff(policy_db *db, int argc, char **argv);
int cli_session(policy_db *db, int argc, char **argv);
int cli_report(policy_db *db, int argc, char **argv);
/* refusal list (cli_refusal.c). */
int cli_refusal(policy_db *db, int argc, char **argv);
/* Writes one document (cli_report.c): `render` writes it (HTML when pdf) to a FILE; the result
 * goes to stdout, or to `path` (0600) by a temporary file renamed into place so that a failure
 * leaves nothing half-written there. With pdf the HTML goes to a private temporary file and
 * is printed by the PDF engine (forms.h; -o is required). Returns an exit code. */
typedef int (*cli_render_fn)(policy_db *db, const void *ctx, FILE *out);
int cli_write_document(policy_db *db, const char *cmd, const char *path, bool pdf, cli_render_fn render, const void *ctx);
int cli_calendar(policy_db *db, int argc, char **argv);
int cli_verify(policy_db *db, int argc, char **argv);
int cli_backup(policy_db *db, int argc, char **argv);
/* retention show|set; recordings prune (cli_retention.c). */
int cli_retention(policy_db *db, int argc, char **argv);
/* sources show|set: the minimum prefixes of Table 2 sources (cli_retention.c). */
int cli_sources(policy_db *db, int argc, char **argv);
int cli_recordings(policy_db *db, const char *db_path, int argc, char **argv);
/* secret-key init|id; system secret|secret-clear (cli_secret.c). `db_path`
 * locates the default key file beside the database. */
int cli_secret_key(policy_db *db, const char *db_path, int argc, char **argv);
int cli_system_secret(policy_db *db, const char *db_path, int argc, char **argv);
/* Loads the key file named by --key, else the default beside db_path, into
 * *key (caller frees with policy_secret_key_free); prints the error. */
int cli_load_key(const cli_args *a, const char *db_path, policy_secret_key **key);
/* The one way a password is read (--password-stdin; cli_secret.c): one line of standard input
 * by read(2), so no copy stays in a stdio buffer, without its "\n" or "\r\n"; at most len - 2
 * bytes. Refused (CLI_REFUSED, message naming cmd): empty, too long, a NUL byte, a read error.
 * With a prompt and a terminal on stdin: the prompt goes to stderr and echo is off. The
 * caller wipes buf (OPENSSL_cleanse). */
int cli_read_password(const char *cmd, const char *prompt, char *buf, size_t len);

#endif
