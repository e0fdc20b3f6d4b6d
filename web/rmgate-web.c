/* rmgate-web: the console for the city's staff (docs/web.md). Reads the same database as the
 * gate and rmgate-policy; serves HTTPS only, with a certificate generated on first start unless
 * one is given. */
#include "cli_opt.h"
#include "i18n.h"
#include "policy.h"
#include "tls_cert.h"
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

static void usage(FILE *out)
{
	fputs("usage: rmgate-web [--listen ADDRESS:PORT] [--database FILE] [--var-dir DIR]\n"
	      "                  [--certificate FILE --private-key FILE] [--certificate-names NAMES]\n"
	      "                  [--idle-timeout SECONDS]\n"
	      "The staff console over HTTPS (default 127.0.0.1:8443). Staff accounts: 'rmgate-policy staff add'.\n",
	      out);
}

static int usage_error(const char *what, const char *detail)
{
	fprintf(stderr, "rmgate-web: %s%s%s\n", what, detail ? " " : "", detail ? detail : "");
	fprintf(stderr, "Try 'rmgate-web --help'.\n");
	return 2;
}

/* "ADDRESS:PORT", "[V6]:PORT" or ":PORT" (127.0.0.1). */
static bool parse_listen(const char *text, char *host, size_t len, unsigned *port)
{
	const char *colon = strrchr(text, ':');
	if (!colon)
		return false;
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (*end || p < 1 || p > 65535 || colon[1] == 0)
		return false;
	size_t hl = (size_t)(colon - text);
	if (hl >= 2 && text[0] == '[' && text[hl - 1] == ']') {
		text++;
		hl -= 2;
	}
	if (hl >= len)
		return false;
	memcpy(host, hl ? text : "127.0.0.1", hl ? hl : 10);
	host[hl ? hl : 9] = 0;
	*port = (unsigned)p;
	return true;
}

static char *read_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
	bool bad = !buf || ferror(f) || n > max;
	fclose(f);
	if (bad) {
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

int main(int argc, char **argv)
{
	i18n_init_japanese(); /* the console is Japanese: so are the policy messages it shows */
	enum { OPT_CERT = 256, OPT_KEY, OPT_NAMES, OPT_IDLE, OPT_VAR };
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },    { "database", required_argument, NULL, 'd' },
		{ "var-dir", required_argument, NULL, OPT_VAR }, { "certificate", required_argument, NULL, OPT_CERT },
		{ "private-key", required_argument, NULL, OPT_KEY }, { "certificate-names", required_argument, NULL, OPT_NAMES },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },         { NULL, 0, NULL, 0 },
	};
	const char *listen = "127.0.0.1:8443", *database = NULL, *var_dir = RMGATE_VAR_DIR, *cert = NULL, *key = NULL,
		   *names = NULL;
	long idle = 900;
	char what[80];
	opterr = 0; /* the errors are ours, one line each (cli_opt.h) */
	int c;
	while ((c = getopt_long(argc, argv, ":l:d:hV", opts, NULL)) != -1) {
		if (c != '?' && c != ':' && c != 'h' && c != 'V' && cli_opt_value_missing(argv))
			return usage_error("missing value for option", cli_opt_refused(argv, what, sizeof what));
		switch (c) {
		case 'l': listen = optarg; break;
		case 'd': database = optarg; break;
		case OPT_VAR: var_dir = optarg; break;
		case OPT_CERT: cert = optarg; break;
		case OPT_KEY: key = optarg; break;
		case OPT_NAMES: names = optarg; break;
		case OPT_IDLE: {
			char *end;
			idle = strtol(optarg, &end, 10);
			if (*end || idle < 60 || idle > 86400)
				return usage_error("--idle-timeout: give seconds in 60..86400, not", optarg);
			break;
		}
		case 'h': usage(stdout); return 0;
		case 'V': printf("rmgate-web %s\n", RMGATE_VERSION); return 0;
		case ':': return usage_error("missing value for option", cli_opt_refused(argv, what, sizeof what));
		default:
			return usage_error(cli_opt_refused_value(argv) ? "no value allowed for option" : "unknown option",
					   cli_opt_refused(argv, what, sizeof what));
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	char host[64];
	unsigned port = 0;
	if (!parse_listen(listen, host, sizeof host, &port))
		return usage_error("--listen: give ADDRESS:PORT, not", listen);
	if (!cert != !key)
		return usage_error("give --certificate and --private-key together", NULL);
	char err[400];
	if (names && !tls_cert_names_valid(names, err, sizeof err))
		return usage_error("--certificate-names:", err);

	char db_path[PATH_MAX], cert_path[PATH_MAX], key_path[PATH_MAX];
	snprintf(db_path, sizeof db_path, "%s%s", database ? database : var_dir, database ? "" : "/rmgate.db");
	snprintf(cert_path, sizeof cert_path, "%s%s", cert ? cert : var_dir, cert ? "" : "/web.crt");
	snprintf(key_path, sizeof key_path, "%s%s", key ? key : var_dir, key ? "" : "/web.key");
	if (!cert && access(cert_path, F_OK) != 0 && access(key_path, F_OK) != 0) {
		if (mkdir(var_dir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "rmgate-web: cannot create '%s': %s\n", var_dir, strerror(errno));
			return 1;
		}
		if (!tls_cert_generate(cert_path, key_path, names, err, sizeof err)) {
			fprintf(stderr, "rmgate-web: %s\n", err);
			return 1;
		}
		printf("rmgate-web: generated a self-signed certificate %s\n", cert_path);
	}
	char *cert_pem = read_file(cert_path, 64 * 1024), *key_pem = read_file(key_path, 64 * 1024);
	if (!cert_pem || !key_pem) {
		fprintf(stderr, "rmgate-web: cannot read '%s': %s\n", cert_pem ? key_path : cert_path, strerror(errno));
		free(cert_pem);
		free(key_pem);
		return 1;
	}
	policy_db *db = policy_open_existing(db_path);
	if (!db) {
		fprintf(stderr, "rmgate-web: %s\n", policy_last_error());
		free(cert_pem);
		OPENSSL_cleanse(key_pem, strlen(key_pem));
		free(key_pem);
		return 1;
	}
	web_server_config cfg = { .listen_host = host, .port = (uint16_t)port, .cert_pem = cert_pem, .key_pem = key_pem,
				  .idle_timeout_s = (int)idle, .max_session_s = 8 * 3600 };
	int rc = web_server_run(db, &cfg);
	policy_close(db);
	free(cert_pem);
	OPENSSL_cleanse(key_pem, strlen(key_pem));
	free(key_pem);
	return rc;
}
