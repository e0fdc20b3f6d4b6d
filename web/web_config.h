/* web_config: rmgate-web's configuration: the [web] section of rmgate.conf, the two keys of
 * [gate] it shares with the gate, and the command line (docs/web.md, rmgate.conf(5)).
 *
 * Keys of [web]: listen (ADDR:PORT or [V6]:PORT, default 127.0.0.1:8443), certificate and
 * private_key (PEM; both or neither; default web.crt/web.key in var_dir, generated on first
 * start), certificate_names (the names a generated certificate carries, tls_cert.h's syntax),
 * idle_timeout (seconds without a request before a staff logon ends, 60..86400, default 900).
 * Shared with the gate, read from [gate] with the gate's meaning: var_dir (default the build's
 * RMGATE_VAR_DIR) and database (default var_dir/rmgate.db). The file is read with the gate's
 * reader (gate_ini.h): the keys of [gate] other than those two are the gate's to check.
 *
 * Precedence: built-in defaults, then the file, then the command line (web_config_set). Paths
 * not given explicitly follow the final var_dir (web_config_finish).
 *
 * Contract: every string is owned by the struct and freed by web_config_free(). Errors return
 * false with one sentence in err[errlen] (from the file: "FILE: line N: ..."), nothing logged.
 * Single-threaded (rmgate-web's main, before the server starts).
 */
#ifndef RMGATE_WEB_CONFIG_H
#define RMGATE_WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	char *listen_host; /* IPv6 without brackets */
	uint16_t port;
	char *var_dir;
	char *database;          /* NULL until web_config_finish: var_dir/rmgate.db */
	char *certificate;       /* NULL until web_config_finish: var_dir/web.crt */
	char *private_key;       /* NULL until web_config_finish: var_dir/web.key */
	bool generate_certificate; /* neither certificate nor private_key was given */
	char *certificate_names; /* NULL = the host's short name */
	int idle_timeout_s;
} web_config;

bool web_config_defaults(web_config *cfg);
/* Reads FILE's [web] section and [gate]'s var_dir and database. */
bool web_config_load(web_config *cfg, const char *file, char *err, size_t errlen);
/* One key from the command line (the [web] names, plus var_dir and database). */
bool web_config_set(web_config *cfg, const char *key, const char *value, char *err, size_t errlen);
/* Fills the paths not given from var_dir and checks what needs every key (certificate and
 * private_key together). */
bool web_config_finish(web_config *cfg, char *err, size_t errlen);
void web_config_free(web_config *cfg);

/* The whole of a small file (configuration, PEM) as a NUL-terminated string, at most max
 * bytes; NULL with errno set (EFBIG: longer than max). The caller frees it. */
char *web_read_file(const char *path, size_t max);

#endif
