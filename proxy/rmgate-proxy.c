/* rmgate-proxy: command line of the RDP gate (configuration, checks, then the server loop). */
#include <getopt.h>
#include <locale.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <winpr/wlog.h>

#include "cli_opt.h"
#include "gate_config.h"
#include "gate_config_files.h"
#include "gate_log.h"
#include "gate_audit.h"
#include "gate_permits.h"
#include "gate_monitor.h"
#include "gate_lab.h"
#include "gate_session.h"
#include "gate_worker.h"
#include "i18n.h"
#include "secret.h"
#include "text_escape.h"

static void print_usage(FILE *out)
{
	/* What -c defaults to. */
	char config_default[300];
	if (RMGATE_CONFIG_FILE[0])
		snprintf(config_default, sizeof config_default, "%s", RMGATE_CONFIG_FILE);
	else
		snprintf(config_default, sizeof config_default, _("none: the embedded default, files in %s"),
		         RMGATE_VAR_DIR);
	/* TRANSLATORS: keep the option names, ADDR:PORT, HOST:PORT, FILE and ignore|sha256:HEX */
	fprintf(out,
	        _("Usage: rmgate-proxy [-c FILE] [--check-config] [--listen ADDR:PORT] [--target HOST:PORT]\n"
	        "\n"
	        "The rmgate RDP gate: vendors' RDP clients connect here; the gate connects them to the\n"
	        "target, view only, and keeps its own decoded copy of the screen for the recorder.\n"
	        "\n"
	        "  -c, --config FILE       configuration file (default: %s)\n"
	        "      --check-config      check the configuration (and create the default files) and exit\n"
	        "      --listen ADDR:PORT  listen on this address only (IPv6 as [ADDR]:PORT)\n"
	        "      --target HOST:PORT  lab mode: connect every admitted client to this target\n"
	        "      --target-cert ignore|sha256:HEX\n"
	        "                          how the target's certificate is checked (default: refuse)\n"
	        "      --no-record         lab mode only: neither record sessions nor write them to the\n"
	        "                          ledger (to measure the recorder's cost)\n"
	        "  -h, --help              show this help\n"
	        "  -V, --version           show the version\n"),
	        config_default);
}

/* One line for the operator's terminal: what the line quotes (configuration values, file
 * names, arguments) may hold control characters, so the whole line is escaped
 * (text_escape.h) and ends with one newline. */
static void say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(FILE *f, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	text_escape_fputs(line, f);
	fputc('\n', f);
}

static int usage_error(const char *what, const char *arg)
{
	say(stderr, _("rmgate-proxy: %s '%s' (try --help)"), _(what), arg);
	return 2;
}

/* Loads the key of injected target credentials when the operator created one (beside the
 * database). A key file that exists but cannot be used stops the gate: a silent fallback
 * would refuse every injecting system later with a vaguer reason. */
static int load_secret_key(const gate_config *cfg, policy_secret_key **key)
{
	*key = NULL;
	char *path = policy_secret_key_default_path(cfg->database);
	if (!path)
		return -1;
	int rc = 0;
	if (access(path, F_OK) == 0 && policy_secret_key_load(path, key) != POLICY_OK) {
		say(stderr, "rmgate-proxy: %s", policy_last_error());
		rc = -1;
	}
	free(path);
	return rc;
}

/* With permits, NLA opens the accounts' sealed NT hashes with the key file (policy/account.h):
 * without it no NLA logon can succeed, so the gate does not start. */
static void say_nla_needs_key(const gate_config *cfg)
{
	char *path = policy_secret_key_default_path(cfg->database);
	fprintf(stderr, _("rmgate-proxy: security = nla needs the key file %s: the accounts' NT hashes are "
	        "stored sealed with it; create it with 'rmgate-policy -d %s secret-key init' and set the "
	        "NLA accounts' passwords with 'account passwd LOGIN --nla --password-stdin' (or use "
	        "security = tls)\n"),
	        path ? path : "secret.key", cfg->database);
	free(path);
}

static BOOL nla_key_present(const gate_config *cfg)
{
	if (cfg->security != GATE_SEC_NLA || cfg->target.host)
		return TRUE;
	char *path = policy_secret_key_default_path(cfg->database);
	BOOL ok = path && access(path, F_OK) == 0;
	free(path);
	if (!ok)
		say_nla_needs_key(cfg);
	return ok;
}

/* Lab mode checks no account or permit, so it must not be reachable from the network. */
static BOOL lab_listens_on_loopback_only(const gate_config *cfg)
{
	for (size_t i = 0; i < cfg->n_listen; i++) {
		const char *h = cfg->listen[i].host;
		if (strncmp(h, "127.", 4) != 0 && strcmp(h, "::1") != 0 && strcmp(h, "localhost") != 0) {
			say(stderr, "rmgate-proxy: lab mode (a fixed target, no permit checks) listens "
			                "on loopback only, not on %s; remove 'target' to use permits", h);
			return FALSE;
		}
	}
	return TRUE;
}

/* What the command line asked for (strings point into argv). */
typedef struct {
	const char *file, *listen, *target, *target_cert;
	BOOL check, no_record;
	const char *worker_id; /* --session-worker ID: this process is a session worker */
	BOOL config_fd;        /* --config-fd: the worker reads its configuration from fd 5 */
	char **argv;           /* the whole command line, for the monitor's workers */
	int argc;
} proxy_args;

/* The configuration as the command line gives it: defaults, the file (or, in a worker, the
 * monitor's copy of its text on descriptor 5), the overrides, validated. The exit status
 * for an error (2: a bad option value, 1: otherwise), 0 when good. */
static int load_config(const proxy_args *a, gate_config *cfg, char *err, size_t errlen)
{
	gate_config_defaults(cfg);
	if (a->worker_id && a->config_fd) {
		char text[1024 * 1024 + 1];
		size_t len = 0;
		ssize_t n;
		while (len < sizeof text - 1 && (n = pread(5, text + len, sizeof text - 1 - len, (off_t)len)) > 0)
			len += (size_t)n;
		close(5);
		text[len] = 0;
		if (!gate_config_load_buffer(cfg, text, err, errlen))
			return 1;
	} else if (a->file && !a->worker_id && !gate_config_load(cfg, a->file, err, errlen))
		return 1;
	char inner[400];
	if (a->listen && !gate_config_set_listen(cfg, a->listen, inner, sizeof inner)) {
		snprintf(err, errlen, "--listen %s", inner);
		return 2;
	}
	if (a->target && !gate_config_set_target(cfg, a->target, inner, sizeof inner)) {
		snprintf(err, errlen, "--target %s", inner);
		return 2;
	}
	if (a->target_cert && !gate_config_set_target_cert(cfg, a->target_cert, inner, sizeof inner)) {
		snprintf(err, errlen, "--target-cert: %s", inner);
		return 2;
	}
	if (!gate_config_validate(cfg, inner, sizeof inner) ||
	    (!a->worker_id && !gate_config_prepare_files(cfg, inner, sizeof inner))) {
		snprintf(err, errlen, "%s%s%s", a->file ? a->file : "", a->file ? ": " : "", inner);
		return 1;
	}
	return 0;
}

/* SIGHUP (gate_monitor_params.reload). */
static BOOL reload_config(void *ctx, gate_config *fresh, char *err, size_t errlen)
{
	const proxy_args *a = ctx;
	if (load_config(a, fresh, err, errlen) == 0)
		return TRUE;
	gate_config_free(fresh);
	return FALSE;
}

/* Opens the ledger, closes what a crash left open, and serves until a signal. */
static int serve(gate_config *cfg, const proxy_args *run, BOOL no_record, gate_sam *sam)
{
	policy_db *db = policy_open(cfg->database);
	if (!db) {
		say(stderr, "rmgate-proxy: cannot open the database %s: %s", cfg->database,
		        policy_last_error());
		gate_sam_free(sam);
		return 1;
	}
	policy_set_refusal_burst(db, cfg->refused_rows_per_minute);
	int recovered = gate_audit_recover(db);
	if (recovered < 0)
		say(stderr, "rmgate-proxy: crash recovery failed: %s", policy_last_error());
	else if (recovered > 0)
		WLog_Print(WLog_Get("rmgate.proxy"), WLOG_WARN,
		           "%d session(s) left open by a crash were closed as aborted", recovered);

	policy_secret_key *key = NULL;
	int rc = 1;
	if (load_secret_key(cfg, &key) != 0)
		goto out;
	if (cfg->security == GATE_SEC_NLA && !cfg->target.host && !key) {
		say_nla_needs_key(cfg);
		goto out;
	}

	if (cfg->target.host && !lab_listens_on_loopback_only(cfg))
		goto out;
	gate_admission lab = gate_admission_fixed(cfg);
	gate_permits permits = { .db = db,
		                 .secret_key = key,
		                 .recordings_dir = cfg->recordings,
		                 .idle_warning_s = 60,
		                 .permit_poll_ms = 2000,
		                 .disk = { .min_free_mb = cfg->recordings_min_free_mb,
		                           .warn_free_mb = cfg->recordings_warn_free_mb },
		                 .lab = cfg->target.host ? &lab : NULL,
		                 .lab_no_record = no_record,
		                 .target_cert_ignored = cfg->target_cert_ignore };
	char uncovered[256];
	if (gate_config_cert_names_missing(cfg, uncovered, sizeof uncovered))
		WLog_Print(WLog_Get("rmgate.proxy"), WLOG_WARN,
		           "certificate '%s' does not name '%s' (certificate_names); clients that connect by "
		           "that name report a name mismatch. To generate a new one, stop the gate and move "
		           "'%s' and '%s' away (vendors must then trust the new certificate)",
		           cfg->certificate, uncovered, cfg->certificate, cfg->private_key);
	if (no_record)
		WLog_Print(WLog_Get("rmgate.proxy"), WLOG_WARN,
		           "LAB MODE without recording (--no-record): sessions leave no trace");
	if (permits.lab)
		WLog_Print(WLog_Get("rmgate.proxy"), WLOG_WARN,
		           "LAB MODE: every client goes to %s:%u; no account or permit is checked "
		           "(sessions are still recorded and written to the ledger)",
		           cfg->target.host, cfg->target.port);
	gate_sam_free(sam); /* lab mode's NLA accounts are the workers' (each loads the file) */
	sam = NULL;
	const gate_monitor_params mp = { .cfg = cfg, .permits = &permits, .argv = run->argv,
		                         .argc = run->argc, .reload = run->file ? reload_config : NULL,
		                         .reload_ctx = (void *)run };
	rc = gate_monitor_run(&mp);
	if (rc != 0)
		say(stderr, "rmgate-proxy: cannot listen on every configured address or start workers (see the log)");
out:
	gate_sam_free(sam);
	policy_secret_key_free(key);
	policy_close(db);
	return rc;
}

/* getopt_long; returns 0 to run, 2 on a usage error (one line naming the option), 3 when
 * --help or --version was answered. */
static int parse_args(int argc, char **argv, proxy_args *a)
{
	enum { OPT_CHECK = 256, OPT_LISTEN, OPT_TARGET, OPT_TARGET_CERT, OPT_NO_RECORD, OPT_WORKER, OPT_CONFIG_FD };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "target", required_argument, NULL, OPT_TARGET },
		{ "target-cert", required_argument, NULL, OPT_TARGET_CERT },
		{ "no-record", no_argument, NULL, OPT_NO_RECORD },
		/* internal: how the monitor starts a session worker (gate_worker.h) */
		{ "session-worker", required_argument, NULL, OPT_WORKER },
		{ "config-fd", no_argument, NULL, OPT_CONFIG_FD },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof *a);
	a->argv = argv;
	a->argc = argc;
	char what[64];
	opterr = 0; /* the errors are ours, one line each (cli_opt.h) */
	int c;
	/* "-": a word that is not an option comes back in place (1) and is refused there */
	while ((c = getopt_long(argc, argv, "-:c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': print_usage(stdout); return 3;
		case 'V': printf("rmgate-proxy %s\n", RMGATE_VERSION); return 3;
		case OPT_CHECK: a->check = TRUE; break;
		case OPT_NO_RECORD: a->no_record = TRUE; break;
		case OPT_WORKER: a->worker_id = optarg; break;
		case OPT_CONFIG_FD: a->config_fd = TRUE; break;
		case 'c':
		case OPT_LISTEN:
		case OPT_TARGET:
		case OPT_TARGET_CERT:
			if (cli_opt_value_missing(argv))
				return usage_error(N_("missing value for option"), argv[optind - 2]);
			if (c == 'c')
				a->file = optarg;
			else if (c == OPT_LISTEN)
				a->listen = optarg;
			else if (c == OPT_TARGET)
				a->target = optarg;
			else
				a->target_cert = optarg;
			break;
		case 1: return usage_error(N_("unexpected argument"), optarg);
		case ':': return usage_error(N_("missing value for option"), cli_opt_refused(argv, what, sizeof what));
		default: /* '?' */
			return usage_error(cli_opt_refused_value(argv) ? N_("no value allowed for option") : N_("unknown option"),
			                   cli_opt_refused(argv, what, sizeof what));
		}
	}
	if (optind < argc) /* a word after "--" */
		return usage_error(N_("unexpected argument"), argv[optind]);
	return 0;
}

/* The gate's own session lines are INFO; FreeRDP's stay at its default unless the operator
 * configures WLog (WLOG_LEVEL / WLOG_FILTER). Before any other thread: it replaces the
 * console appender. */
static void init_logging(void)
{
	if (!getenv("WLOG_LEVEL") && !getenv("WLOG_FILTER"))
		WLog_AddStringLogFilters("rmgate.*:INFO");
	gate_log_init();
}

/* --session-worker ID: one connection, in the process the monitor started for it. */
static int run_worker(const proxy_args *a)
{
	char *end = NULL;
	unsigned long long id = strtoull(a->worker_id, &end, 10);
	gate_config cfg;
	char err[512];
	if (!*a->worker_id || *end || load_config(a, &cfg, err, sizeof err) != 0) {
		say(stderr, "rmgate-proxy: session worker %s: %s", a->worker_id, *end ? "bad id" : err);
		gate_config_free(&cfg);
		return 1;
	}
	gate_sam *sam = NULL;
	if (cfg.security == GATE_SEC_NLA && cfg.target.host &&
	    !(sam = gate_sam_load(cfg.sam_file, err, sizeof(err)))) {
		say(stderr, "rmgate-proxy: %s", err);
		gate_config_free(&cfg);
		return 1;
	}
	init_logging();
	int rc = gate_worker_main(&cfg, sam, (UINT64)id);
	gate_config_free(&cfg);
	return rc;
}

/* Language (docs/gate.md, "Language"): the terminal side follows the locale (i18n.h): --help,
 * --version, usage errors, --check-config, and the start-up checks when stderr is a terminal.
 * A session worker, a start under a service manager (stderr not a terminal: the journal) and
 * the running gate keep the C locale, so every log line, ledger row and recording is English;
 * the messages they share with the terminal side (gate_config's errors) follow that choice. */
int main(int argc, char **argv)
{
	i18n_init();
	proxy_args args;
	int parsed = parse_args(argc, argv, &args);
	if (parsed)
		return parsed == 3 ? 0 : parsed;
	if (args.worker_id || (!args.check && !isatty(STDERR_FILENO)))
		setlocale(LC_MESSAGES, "C");
	setvbuf(stdout, NULL, _IOLBF, 0); /* WLog's console lines reach log files promptly */
	if (!args.file && RMGATE_CONFIG_FILE[0])
		args.file = RMGATE_CONFIG_FILE; /* the installed default (/etc/rmgate/rmgate.conf) */
	if (args.worker_id)
		return run_worker(&args);
	const char *file = args.file;

	gate_config cfg;
	char err[512];
	int rc = load_config(&args, &cfg, err, sizeof err);
	if (rc != 0) {
		say(stderr, "rmgate-proxy: %s", err);
		goto out;
	}
	rc = 1;
	/* Every session runs as worker_user: without it no session could start. */
	if (geteuid() == 0 && !getpwnam(cfg.worker_user)) {
		say(stderr, _("rmgate-proxy: %s%sworker_user '%s' does not exist: create it (adduser --system %s) "
		              "or set worker_user to an unprivileged user"),
		    file ? file : "", file ? ": " : "", cfg.worker_user, cfg.worker_user);
		goto out;
	}
	/* Lab mode's NLA accounts; with permits, NLA uses the database's accounts. */
	gate_sam *sam = NULL;
	if (cfg.security == GATE_SEC_NLA && cfg.target.host &&
	    !(sam = gate_sam_load(cfg.sam_file, err, sizeof(err)))) {
		say(stderr, "rmgate-proxy: %s", err);
		goto out;
	}
	if (!nla_key_present(&cfg)) {
		gate_sam_free(sam);
		goto out;
	}
	if (args.check) {
		gate_sam_free(sam);
		char target_text[300];
		snprintf(target_text, sizeof target_text, "%s", _("(none)"));
		if (cfg.target.host)
			snprintf(target_text, sizeof target_text, "%s:%u", cfg.target.host, cfg.target.port);
		say(stdout, _("configuration OK (%s): %zu listen address(es), files in %s, target %s, security %s, max_sessions %d, sessions run as %s"),
		    file ? file : _("embedded default"), cfg.n_listen, cfg.var_dir, target_text,
		    cfg.security == GATE_SEC_NLA ? "nla" : "tls", cfg.max_sessions, cfg.worker_user);
		rc = 0;
		goto out;
	}
	if (args.no_record && !cfg.target.host) {
		gate_sam_free(sam);
		say(stderr, _("rmgate-proxy: --no-record is only for lab mode (a fixed target): "
		              "with permits every session is recorded"));
		rc = 2;
		goto out;
	}
	/* From here on the gate runs: its logs, the ledger and the recordings are evidence that is
	 * read and grepped in English, whatever the operator's locale. */
	setlocale(LC_MESSAGES, "C");
	init_logging();
	if (!gate_global_init()) {
		gate_sam_free(sam);
		say(stderr, "rmgate-proxy: cannot initialise the RDP libraries");
		goto out;
	}
	rc = serve(&cfg, &args, args.no_record, sam);
out:
	gate_config_free(&cfg);
	return rc;
}
