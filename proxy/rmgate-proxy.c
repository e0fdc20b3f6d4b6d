/* rmgate-proxy: command line of the RDP gate (configuration, checks, then the server loop). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winpr/wlog.h>

#include "gate_config.h"
#include "gate_server.h"

static void print_usage(FILE *out)
{
	fprintf(out,
	        "Usage: rmgate-proxy [-c FILE] [--check-config] [--listen ADDR:PORT] [--target HOST:PORT]\n"
	        "\n"
	        "The rmgate RDP gate: vendors' RDP clients connect here; the gate connects them to the\n"
	        "target, view only, and keeps its own decoded copy of the screen for the recorder.\n"
	        "\n"
	        "  -c, --config FILE       configuration file (default: embedded default, see rmgate-proxy(1))\n"
	        "      --check-config      check the configuration (and create the default files) and exit\n"
	        "      --listen ADDR:PORT  listen on this address only (IPv6 as [ADDR]:PORT)\n"
	        "      --target HOST:PORT  lab mode: connect every admitted client to this target\n"
	        "      --target-cert ignore|sha256:HEX\n"
	        "                          how the target's certificate is checked (default: refuse)\n"
	        "  -h, --help              show this help\n"
	        "  -V, --version           show the version\n");
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "rmgate-proxy: %s '%s' (try --help)\n", what, arg);
	return 2;
}

int main(int argc, char **argv)
{
	const char *file = NULL, *listen = NULL, *target = NULL, *target_cert = NULL;
	BOOL check = FALSE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_usage(stdout);
			return 0;
		}
		if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("rmgate-proxy %s\n", RMGATE_VERSION);
			return 0;
		}
		if (!strcmp(a, "--check-config"))
			check = TRUE;
		else if (!strcmp(a, "-c") || !strcmp(a, "--config") || !strcmp(a, "--listen") ||
		         !strcmp(a, "--target") || !strcmp(a, "--target-cert")) {
			if (i + 1 >= argc)
				return usage_error("missing value for option", a);
			const char *v = argv[++i];
			if (!strcmp(a, "-c") || !strcmp(a, "--config"))
				file = v;
			else if (!strcmp(a, "--listen"))
				listen = v;
			else if (!strcmp(a, "--target"))
				target = v;
			else
				target_cert = v;
		} else
			return usage_error("unknown option or argument", a);
	}

	gate_config cfg;
	char err[512];
	setvbuf(stdout, NULL, _IOLBF, 0); /* WLog's console lines reach log files promptly */
	int rc = 1;
	gate_config_defaults(&cfg);
	if (file && !gate_config_load(&cfg, file, err, sizeof(err))) {
		fprintf(stderr, "rmgate-proxy: %s\n", err);
		goto out;
	}
	if (listen && !gate_config_set_listen(&cfg, listen, err, sizeof(err))) {
		fprintf(stderr, "rmgate-proxy: --listen %s\n", err);
		rc = 2;
		goto out;
	}
	if (target && !gate_config_set_target(&cfg, target, err, sizeof(err))) {
		fprintf(stderr, "rmgate-proxy: --target %s\n", err);
		rc = 2;
		goto out;
	}
	if (target_cert && !gate_config_set_target_cert(&cfg, target_cert, err, sizeof(err))) {
		fprintf(stderr, "rmgate-proxy: --target-cert: %s\n", err);
		rc = 2;
		goto out;
	}
	if (!gate_config_validate(&cfg, err, sizeof(err)) ||
	    !gate_config_prepare_files(&cfg, err, sizeof(err))) {
		fprintf(stderr, "rmgate-proxy: %s%s%s\n", file ? file : "", file ? ": " : "", err);
		goto out;
	}
	gate_sam *sam = NULL;
	if (cfg.security == GATE_SEC_NLA && !(sam = gate_sam_load(cfg.sam_file, err, sizeof(err)))) {
		fprintf(stderr, "rmgate-proxy: %s\n", err);
		goto out;
	}
	if (check) {
		gate_sam_free(sam);
		printf("configuration OK: %zu listen address(es), target %s%s%u, security %s, max_sessions %d\n",
		       cfg.n_listen, cfg.target.host ? cfg.target.host : "(none)", cfg.target.host ? ":" : "",
		       cfg.target.port, cfg.security == GATE_SEC_NLA ? "nla" : "tls", cfg.max_sessions);
		rc = 0;
		goto out;
	}
	/* The gate's own session lines are INFO; FreeRDP's stay at its default unless the operator
	 * configures WLog (WLOG_LEVEL / WLOG_FILTER). */
	if (!getenv("WLOG_LEVEL") && !getenv("WLOG_FILTER"))
		WLog_AddStringLogFilters("rmgate.*:INFO");
	if (!gate_global_init()) {
		gate_sam_free(sam);
		fprintf(stderr, "rmgate-proxy: cannot initialise the RDP libraries\n");
		goto out;
	}
	gate_server *srv = gate_server_new(&cfg, NULL);
	if (!srv) {
		gate_sam_free(sam);
		fprintf(stderr, "rmgate-proxy: out of memory\n");
		goto out;
	}
	gate_server_set_sam(srv, sam);
	rc = gate_server_run(srv, TRUE);
	if (rc != 0)
		fprintf(stderr, "rmgate-proxy: cannot listen on every configured address (see the log)\n");
	gate_server_free(srv);
out:
	gate_config_free(&cfg);
	return rc;
}
