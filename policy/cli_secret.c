/* cli_secret.c: the key file (`secret-key`) and the target accounts that the
 * gate injects (`system secret`, `system secret-clear`); see secret.h. */
#include "cli_commands.h"
#include "ledger.h"
#include "ledger_internal.h"
#include "secret.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* --key FILE or the default beside the database (heap, caller frees). */
static char *key_path(const cli_args *a, const char *db_path)
{
	const char *k = cli_get(a, "key");
	char *path = k ? strdup(k) : policy_secret_key_default_path(db_path);
	if (!path)
		cli_error("out of memory");
	return path;
}

int cli_load_key(const cli_args *a, const char *db_path, policy_secret_key **key)
{
	*key = NULL;
	char *path = key_path(a, db_path);
	if (!path)
		return CLI_REFUSED;
	int rc = policy_secret_key_load(path, key) ? cli_fail() : CLI_OK;
	free(path);
	return rc;
}

static int key_init(policy_db *db, const char *db_path, const cli_args *a)
{
	char *path = key_path(a, db_path);
	if (!path)
		return CLI_REFUSED;
	char id[17], who[64], detail[512];
	int rc = CLI_OK;
	if (policy_secret_key_create(path, id)) {
		rc = cli_fail();
	} else {
		snprintf(detail, sizeof detail, "key file %s, key id %s", path, id);
		pol_lock(db);
		int status = pol_ledger_admin_event_locked(db, policy_now_us(), POLICY_EV_SECRET_KEY_CREATED, detail, 0,
							   cli_actor(a, who, sizeof who));
		pol_unlock(db);
		if (status)
			rc = cli_error("key file %s was created (key id %s) but the ledger event failed: %s", path, id,
				       policy_last_error());
		else
			printf(_("key file %s created (key id %s); keep a copy offline: without it no stored secret can be read\n"),
			       path, id);
	}
	free(path);
	return rc;
}

static int key_show_id(const char *db_path, const cli_args *a)
{
	char *path = key_path(a, db_path);
	if (!path)
		return CLI_REFUSED;
	policy_secret_key *key;
	int rc = policy_secret_key_load(path, &key) ? cli_fail() : CLI_OK;
	if (!rc)
		printf("%s\n", policy_secret_key_id(key));
	policy_secret_key_free(key);
	free(path);
	return rc;
}

int cli_secret_key(policy_db *db, const char *db_path, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "key", OPT_VALUE, 0 }, { "by", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	if (argc < 1 || (strcmp(argv[0], "init") && strcmp(argv[0], "id")))
		return cli_usage("secret-key: use 'secret-key init [--key FILE] [--by NAME]' or 'secret-key id [--key FILE]'");
	cli_args a;
	if (cli_parse(!strcmp(argv[0], "init") ? "secret-key init" : "secret-key id", argc - 1, argv + 1, spec, &a))
		return CLI_USAGE;
	if (a.npos)
		return cli_usage("secret-key %s: unexpected argument '%s'", argv[0], a.pos[0]);
	return !strcmp(argv[0], "init") ? key_init(db, db_path, &a) : key_show_id(db_path, &a);
}

/* One line of standard input by read(2), without its line end. */
static int read_line(const char *cmd, char *buf, size_t len)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(STDIN_FILENO, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cli_error("%s: cannot read the password from standard input: %s", cmd, strerror(errno));
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= len)
			return cli_error("%s: the password is longer than %zu bytes", cmd, len - 2);
		buf[n++] = c;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (!n)
		return cli_error("%s: no password on standard input (give it as one line)", cmd);
	if (strlen(buf) != n)
		return cli_error("%s: the password contains a NUL byte", cmd);
	return CLI_OK;
}

/* On a terminal: prompt on stderr and turn echo off (restored by the caller
 * through *saved when this returns true). */
static bool quiet_terminal(const char *prompt, struct termios *saved)
{
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, saved) != 0)
		return false;
	struct termios quiet = *saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	fprintf(stderr, "%s: ", prompt);
	fflush(stderr);
	return tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
}

int cli_read_password(const char *cmd, const char *prompt, char *buf, size_t len)
{
	struct termios saved;
	bool tty = prompt && quiet_terminal(prompt, &saved);
	int rc = read_line(cmd, buf, len);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	return rc;
}

/* A stored account is only used in inject mode: say so for the others. */
static void warn_if_passthrough(policy_db *db, const char *system)
{
	pol_lock(db);
	sqlite3_stmt *st = pol_prepare(db, "SELECT credentials FROM systems WHERE name = ?");
	if (st) {
		pol_bind_text(st, 1, system);
		if (sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "inject"))
			fprintf(stderr, _("rmgate-policy: note: system %s passes the vendor's credentials through;"
					  " the stored account is used only in inject mode\n"), system);
		sqlite3_finalize(st);
	}
	pol_unlock(db);
}

static int secret_set(policy_db *db, const char *db_path, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "user", OPT_VALUE, 0 }, { "domain", OPT_VALUE, 0 },
					    { "password-stdin", OPT_FLAG, 0 }, { "key", OPT_VALUE, 0 },
					    { "by", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	cli_args a;
	if (cli_parse("system secret", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1 || !cli_get(&a, "user") || !cli_has(&a, "password-stdin"))
		return cli_usage("system secret: use 'system secret SYSTEM --user USER [--domain DOMAIN] --password-stdin"
				 " [--key FILE] [--by NAME]'");
	char *path = key_path(&a, db_path);
	if (!path)
		return CLI_REFUSED;
	policy_secret_key *key = NULL;
	int rc = policy_secret_key_load(path, &key) ? cli_fail() : CLI_OK;
	free(path);
	char pw[POLICY_SECRET_MAX + 2], who[64], prompt[300];
	snprintf(prompt, sizeof prompt, _("password of the target account of %s"), a.pos[0]);
	if (!rc)
		rc = cli_read_password("system secret", prompt, pw, sizeof pw);
	if (!rc && policy_system_secret_set(db, key, a.pos[0], cli_get(&a, "user"), cli_get(&a, "domain"), pw,
					    cli_actor(&a, who, sizeof who), policy_now_us()))
		rc = cli_fail();
	OPENSSL_cleanse(pw, sizeof pw);
	if (!rc) {
		printf(_("target account of system %s stored (key id %s)\n"), a.pos[0], policy_secret_key_id(key));
		warn_if_passthrough(db, a.pos[0]);
	}
	policy_secret_key_free(key);
	return rc;
}

static int secret_clear(policy_db *db, int argc, char **argv)
{
	static const cli_optspec spec[] = { { "by", OPT_VALUE, 0 }, { NULL, 0, 0 } };
	cli_args a;
	if (cli_parse("system secret-clear", argc, argv, spec, &a))
		return CLI_USAGE;
	if (a.npos != 1)
		return cli_usage("system secret-clear: use 'system secret-clear SYSTEM [--by NAME]'");
	char who[64];
	if (policy_system_secret_clear(db, a.pos[0], cli_actor(&a, who, sizeof who), policy_now_us()))
		return cli_fail();
	printf(_("target account of system %s cleared\n"), a.pos[0]);
	return CLI_OK;
}

int cli_system_secret(policy_db *db, const char *db_path, int argc, char **argv)
{
	if (!strcmp(argv[0], "secret"))
		return secret_set(db, db_path, argc - 1, argv + 1);
	return secret_clear(db, argc - 1, argv + 1);
}
