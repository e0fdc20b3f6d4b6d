/* rmgate-web: the console for the city's staff (docs/web.md). Reads the same database as the
 * gate and rmgate-policy; serves HTTPS only, with a certificate generated on first start unless
 * one is given. */
#include "cli_opt.h"
#include "i18n.h"
#include "policy.h"
#include "tls_cert.h"
#include "web_config.h"
#include "web_server.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What -c defaults to, for the help text. */
#define CONFIG_DEFAULT_TEXT (RMGATE_CONFIG_FILE[0] ? RMGATE_CONFIG_FILE : "none: built-in defaults, files in " RMGATE_VAR_DIR)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: rmgate-web [-c FILE] [--check-config] [--listen ADDRESS:PORT] [--database FILE] [--var-dir DIR]\n"
		"                  [--certificate FILE --private-key FILE] [--certificate-names NAMES]\n"
		"                  [--idle-timeout SECONDS]\n"
		"The staff console over HTTPS (default 127.0.0.1:8443). Staff accounts: 'rmgate-policy staff add'.\n"
		"  -c, --config FILE   rmgate.conf: its [web] section and [gate]'s var_dir and database\n"
		"                      (default %s); the options below override it\n"
		"      --check-config  check the configuration (and create the certificate) and exit\n",
		CONFIG_DEFAULT_TEXT);
}

static int usage_error(const char *what, const char *detail)
{
	fprintf(stderr, "rmgate-web: %s%s%s (try rmgate-web --help)\n", what, detail ? " " : "", detail ? detail : "");
	return 2;
}

/* The configuration: built-in defaults, then the file, then the command line (web_config.h).
 * Returns 0, or the exit status after printing why. */
static int configure(int argc, char **argv, web_config *cfg, bool *check_only)
{
	enum { OPT_CERT = 256, OPT_KEY, OPT_NAMES, OPT_IDLE, OPT_VAR, OPT_CHECK };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },     { "check-config", no_argument, NULL, OPT_CHECK },
		{ "listen", required_argument, NULL, 'l' },     { "database", required_argument, NULL, 'd' },
		{ "var-dir", required_argument, NULL, OPT_VAR }, { "certificate", required_argument, NULL, OPT_CERT },
		{ "private-key", required_argument, NULL, OPT_KEY }, { "certificate-names", required_argument, NULL, OPT_NAMES },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },          { NULL, 0, NULL, 0 },
	};
	/* The command line is applied after the file: keep the pairs (key, value) in order. */
	struct { const char *key, *value; } given[16];
	size_t ngiven = 0;
	const char *file = RMGATE_CONFIG_FILE[0] ? RMGATE_CONFIG_FILE : NULL;
	char what[80];
	opterr = 0; /* the errors are ours, one line each (cli_opt.h) */
	int c;
	while ((c = getopt_long(argc, argv, ":c:l:d:hV", opts, NULL)) != -1) {
		if (c != '?' && c != ':' && c != 'h' && c != 'V' && c != OPT_CHECK && cli_opt_value_missing(argv))
			return usage_error("missing value for option", cli_opt_refused(argv, what, sizeof what));
		const char *key = NULL;
		switch (c) {
		case 'c': file = optarg; break;
		case OPT_CHECK: *check_only = true; break;
		case 'l': key = "listen"; break;
		case 'd': key = "database"; break;
		case OPT_VAR: key = "var_dir"; break;
		case OPT_CERT: key = "certificate"; break;
		case OPT_KEY: key = "private_key"; break;
		case OPT_NAMES: key = "certificate_names"; break;
		case OPT_IDLE: key = "idle_timeout"; break;
		case 'h': usage(stdout); return -1;
		case 'V': printf("rmgate-web %s\n", RMGATE_VERSION); return -1;
		case ':': return usage_error("missing value for option", cli_opt_refused(argv, what, sizeof what));
		default:
			return usage_error(cli_opt_refused_value(argv) ? "no value allowed for option" : "unknown option",
					   cli_opt_refused(argv, what, sizeof what));
		}
		if (key && ngiven < sizeof given / sizeof given[0])
			given[ngiven++] = (typeof(given[0])){ key, optarg };
		else if (key)
			return usage_error("too many options", NULL);
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	char err[600];
	if (!web_config_defaults(cfg)) {
		fprintf(stderr, "rmgate-web: out of memory\n");
		return 1;
	}
	if (file && !web_config_load(cfg, file, err, sizeof err)) {
		fprintf(stderr, "rmgate-web: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < ngiven; i++)
		if (!web_config_set(cfg, given[i].key, given[i].value, err, sizeof err))
			return usage_error(err, NULL);
	if (!web_config_finish(cfg, err, sizeof err)) {
		fprintf(stderr, "rmgate-web: %s\n", err);
		return 1;
	}
	return 0;
}

/* The certificate and key in memory, generated on the first start when none was configured. */
static int load_certificate(const web_config *cfg, char **cert_pem, char **key_pem)
{
	char err[400];
	if (cfg->generate_certificate && access(cfg->certificate, F_OK) != 0 && access(cfg->private_key, F_OK) != 0) {
		if (mkdir(cfg->var_dir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "rmgate-web: cannot create '%s': %s\n", cfg->var_dir, strerror(errno));
			return 1;
		}
		if (!tls_cert_generate(cfg->certificate, cfg->private_key, cfg->certificate_names, err, sizeof err)) {
			fprintf(stderr, "rmgate-web: %s\n", err);
			return 1;
		}
		printf("rmgate-web: generated a self-signed certificate %s\n", cfg->certificate);
	}
	*cert_pem = web_read_file(cfg->certificate, 64 * 1024);
	*key_pem = *cert_pem ? web_read_file(cfg->private_key, 64 * 1024) : NULL;
	if (!*cert_pem || !*key_pem) {
		fprintf(stderr, "rmgate-web: cannot read '%s': %s\n", *cert_pem ? cfg->private_key : cfg->certificate,
			strerror(errno));
		free(*cert_pem);
		*cert_pem = NULL;
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	i18n_init_japanese(); /* the console is Japanese: so are the policy messages it shows */
	web_config cfg = { 0 };
	bool check_only = false;
	int rc = configure(argc, argv, &cfg, &check_only);
	if (rc != 0) {
		web_config_free(&cfg);
		return rc < 0 ? 0 : rc;
	}
	char *cert_pem = NULL, *key_pem = NULL;
	rc = load_certificate(&cfg, &cert_pem, &key_pem);
	policy_db *db = NULL;
	if (rc == 0) {
		db = policy_open_existing(cfg.database);
		if (!db) {
			fprintf(stderr, "rmgate-web: %s\n", policy_last_error());
			rc = 1;
		}
	}
	if (rc == 0 && check_only)
		printf("rmgate-web: configuration ok: https://%s%s%s:%u/, database %s, certificate %s\n",
		       strchr(cfg.listen_host, ':') ? "[" : "", cfg.listen_host, strchr(cfg.listen_host, ':') ? "]" : "",
		       (unsigned)cfg.port, cfg.database, cfg.certificate);
	else if (rc == 0) {
		web_server_config server = { .listen_host = cfg.listen_host, .port = cfg.port, .cert_pem = cert_pem,
					     .key_pem = key_pem, .idle_timeout_s = cfg.idle_timeout_s,
					     .max_session_s = 8 * 3600, .database_path = cfg.database };
		rc = web_server_run(db, &server);
	}
	policy_close(db);
	free(cert_pem);
	if (key_pem) {
		OPENSSL_cleanse(key_pem, strlen(key_pem));
		free(key_pem);
	}
	web_config_free(&cfg);
	return rc;
}
