/* web_config: rmgate-web's configuration (web_config.h). */
#include "web_config.h"

#include "gate_config.h"
#include "gate_ini.h"
#include "tls_cert.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FILE (1024 * 1024)

static bool fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

static bool set_string(char **dst, const char *value, char *err, size_t errlen)
{
	char *copy = strdup(value);
	if (!copy)
		return fail(err, errlen, "out of memory");
	free(*dst);
	*dst = copy;
	return true;
}

bool web_config_defaults(web_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->listen_host = strdup("127.0.0.1");
	cfg->port = 8443;
	cfg->var_dir = strdup(RMGATE_VAR_DIR);
	cfg->idle_timeout_s = 900;
	return cfg->listen_host && cfg->var_dir;
}

bool web_config_set(web_config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
	if (!strcasecmp(key, "listen")) {
		gate_endpoint ep = { 0 };
		char why[300];
		if (!gate_endpoint_parse(value, &ep, why, sizeof why))
			return fail(err, errlen, "listen: %s", why);
		free(cfg->listen_host);
		cfg->listen_host = ep.host;
		cfg->port = ep.port;
		return true;
	}
	if (!strcasecmp(key, "idle_timeout")) {
		char *end;
		errno = 0;
		long s = strtol(value, &end, 10);
		if (errno || end == value || *end || s < 60 || s > 86400)
			return fail(err, errlen, "idle_timeout: give seconds in 60..86400, not '%s'", value);
		cfg->idle_timeout_s = (int)s;
		return true;
	}
	if (!strcasecmp(key, "certificate_names")) {
		char why[300];
		if (!tls_cert_names_valid(value, why, sizeof why))
			return fail(err, errlen, "certificate_names: %s", why);
		return set_string(&cfg->certificate_names, value, err, errlen);
	}
	if (!*value)
		return fail(err, errlen, "%s: empty value", key);
	if (!strcasecmp(key, "certificate"))
		return set_string(&cfg->certificate, value, err, errlen);
	if (!strcasecmp(key, "private_key"))
		return set_string(&cfg->private_key, value, err, errlen);
	if (!strcasecmp(key, "var_dir"))
		return set_string(&cfg->var_dir, value, err, errlen);
	if (!strcasecmp(key, "database"))
		return set_string(&cfg->database, value, err, errlen);
	return fail(err, errlen, "unknown key '%s' in [web] (see rmgate.conf(5))", key);
}

char *web_read_file(const char *path, size_t max)
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
		errno = buf ? EFBIG : ENOMEM;
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

static char *read_text(const char *file, char *err, size_t errlen)
{
	char *text = web_read_file(file, MAX_FILE);
	if (!text && errno == EFBIG)
		fail(err, errlen, "cannot read configuration '%s': larger than 1 MiB", file);
	else if (!text)
		fail(err, errlen, "cannot open configuration '%s': %s", file, strerror(errno));
	return text;
}

/* The keys of one section of rmgate.conf: every key of [web], the shared ones of [gate]. */
static bool load_section(web_config *cfg, const char *file, const char *text, const char *section, char *err,
			 size_t errlen)
{
	gate_ini ini;
	char why[400];
	if (!gate_ini_parse(&ini, text, section, why, sizeof why)) {
		gate_ini_free(&ini);
		return fail(err, errlen, "%s: %s", file, why);
	}
	bool ok = true;
	for (size_t i = 0; ok && i < ini.n_entries; i++) {
		const gate_ini_entry *e = &ini.entries[i];
		bool shared = !strcasecmp(e->key, "var_dir") || !strcasecmp(e->key, "database");
		if (!strcasecmp(section, "gate") && !shared)
			continue; /* the gate's own keys: rmgate-proxy --check-config checks them */
		if (!strcasecmp(section, "web") && shared) {
			ok = fail(err, errlen, "%s: line %u: %s belongs in [gate] (the gate and the console share it)",
				  file, e->line, e->key);
			break;
		}
		if (!web_config_set(cfg, e->key, e->value, why, sizeof why))
			ok = fail(err, errlen, "%s: line %u: %s", file, e->line, why);
	}
	gate_ini_free(&ini);
	return ok;
}

bool web_config_load(web_config *cfg, const char *file, char *err, size_t errlen)
{
	char *text = read_text(file, err, errlen);
	if (!text)
		return false;
	bool ok = load_section(cfg, file, text, "gate", err, errlen) && load_section(cfg, file, text, "web", err, errlen);
	free(text);
	return ok;
}

static bool default_path(char **dst, const char *dir, const char *name, char *err, size_t errlen)
{
	if (*dst)
		return true;
	size_t len = strlen(dir) + strlen(name) + 2;
	*dst = malloc(len);
	if (!*dst)
		return fail(err, errlen, "out of memory");
	snprintf(*dst, len, "%s/%s", dir, name);
	return true;
}

bool web_config_finish(web_config *cfg, char *err, size_t errlen)
{
	if (!cfg->certificate != !cfg->private_key)
		return fail(err, errlen, "give certificate and private_key together (or neither, for a generated one)");
	cfg->generate_certificate = !cfg->certificate;
	return default_path(&cfg->database, cfg->var_dir, "rmgate.db", err, errlen) &&
	       default_path(&cfg->certificate, cfg->var_dir, "web.crt", err, errlen) &&
	       default_path(&cfg->private_key, cfg->var_dir, "web.key", err, errlen);
}

void web_config_free(web_config *cfg)
{
	free(cfg->listen_host);
	free(cfg->var_dir);
	free(cfg->database);
	free(cfg->certificate);
	free(cfg->private_key);
	free(cfg->certificate_names);
	memset(cfg, 0, sizeof *cfg);
}
