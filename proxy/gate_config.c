/* gate_config: defaults, the keys of [gate], command-line overrides and first-start files.
 * The text is read once, by gate_ini (the syntax, and why it is not WinPR's IniFile, are in
 * gate_ini.h); this file gives each key its meaning, and every error names the line. */
#include "gate_config.h"
#include "gate_config_files.h"
#include "gate_err.h"
#include "i18n.h"
#include "gate_ini.h"
#include "gate_tls.h"
#include "pin.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>


#define SECTION "gate"

static BOOL set_str(char **dst, const char *val)
{
	char *copy = strdup(val);
	if (!copy)
		return FALSE;
	free(*dst);
	*dst = copy;
	return TRUE;
}

static char *join_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

void gate_config_defaults(gate_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen[0].host = strdup("127.0.0.1");
	cfg->listen[0].port = 3389;
	cfg->n_listen = 1;
	cfg->var_dir = strdup(RMGATE_VAR_DIR);
	cfg->certificate = join_path(RMGATE_VAR_DIR, "gate.crt");
	cfg->private_key = join_path(RMGATE_VAR_DIR, "gate.key");
	cfg->database = join_path(RMGATE_VAR_DIR, "rmgate.db");
	cfg->recordings = join_path(RMGATE_VAR_DIR, "recordings");
	cfg->security = GATE_SEC_TLS;
	cfg->max_sessions = 20;
	cfg->refused_rows_per_minute = 10;
	cfg->recordings_min_free_mb = 512;
	cfg->recordings_warn_free_mb = 2048;
	cfg->connect_timeout_ms = 10000;
	cfg->handshake_timeout_ms = 15000;
	cfg->close_timeout_ms = 5000;
	cfg->gfx = TRUE;
	cfg->max_channel_message = 4u * 1024u * 1024u;
	/* Connection admission and TLS profile. */
	cfg->max_handshakes = 0; /* 2 x max_sessions */
	cfg->max_source_handshakes = 8;
	cfg->source_connects_per_minute = 60;
	cfg->tls_ciphers = strdup(GATE_TLS_CIPHERS_DEFAULT);
	cfg->target_tls_ciphers = NULL;
	cfg->gfx_decode_failures_max = 3;
	cfg->heartbeat_s = 30;
	cfg->worker_user = strdup(RMGATE_WORKER_USER);
	cfg->worker_max_rss_mb = 1024;
	cfg->worker_cpu_per_minute = 90;
	cfg->worker_max_files = 256;
}

int gate_config_handshake_pool(const gate_config *cfg)
{
	if (cfg->max_handshakes > 0)
		return cfg->max_handshakes;
	/* Twice the sessions, and room for four sources at their limit. */
	int pool = 2 * cfg->max_sessions, sources = 4 * cfg->max_source_handshakes;
	return pool > sources ? pool : sources;
}

static void free_endpoint(gate_endpoint *ep)
{
	free(ep->host);
	ep->host = NULL;
	ep->port = 0;
}

void gate_config_free(gate_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_listen; i++)
		free_endpoint(&cfg->listen[i]);
	free_endpoint(&cfg->target);
	free(cfg->var_dir);
	free(cfg->certificate);
	free(cfg->private_key);
	free(cfg->database);
	free(cfg->recordings);
	free(cfg->sam_file);
	free(cfg->certificate_names);
	free(cfg->tls_ciphers);
	free(cfg->target_tls_ciphers);
	free(cfg->worker_user);
	free(cfg->text);
	free(cfg->client_config_dir);
	free(cfg->certificate_pem);
	if (cfg->private_key_pem) {
		OPENSSL_cleanse(cfg->private_key_pem, strlen(cfg->private_key_pem));
		free(cfg->private_key_pem);
	}
	memset(cfg, 0, sizeof(*cfg));
}

BOOL gate_endpoint_parse(const char *text, gate_endpoint *ep, char *err, size_t errlen)
{
	const char *host = text, *colon;
	size_t hlen;
	if (!text || !*text) {
		gate_err_set(err, errlen, _("empty address (expected ADDR:PORT)"));
		return FALSE;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':') {
			gate_err_set(err, errlen, _("'%s': expected [IPV6]:PORT"), text);
			return FALSE;
		}
		host = text + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || strchr(text, ':') != colon) {
			gate_err_set(err, errlen, _("'%s': expected ADDR:PORT (write IPv6 as [ADDR]:PORT)"), text);
			return FALSE;
		}
		hlen = (size_t)(colon - text);
	}
	if (hlen == 0 || hlen > 255) {
		gate_err_set(err, errlen, _("'%s': missing or too long host"), text);
		return FALSE;
	}
	char *end = NULL;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (errno || !end || *end || end == colon + 1 || port < 1 || port > 65535) {
		gate_err_set(err, errlen, _("'%s': port must be 1..65535"), text);
		return FALSE;
	}
	char *h = strndup(host, hlen);
	if (!h) {
		gate_err_set(err, errlen, "out of memory");
		return FALSE;
	}
	free(ep->host);
	ep->host = h;
	ep->port = (UINT16)port;
	return TRUE;
}

BOOL gate_config_set_listen(gate_config *cfg, const char *text, char *err, size_t errlen)
{
	gate_endpoint ep = { 0 };
	if (!gate_endpoint_parse(text, &ep, err, errlen))
		return FALSE;
	for (size_t i = 0; i < cfg->n_listen; i++)
		free_endpoint(&cfg->listen[i]);
	cfg->listen[0] = ep;
	cfg->n_listen = 1;
	return TRUE;
}

BOOL gate_config_set_target(gate_config *cfg, const char *text, char *err, size_t errlen)
{
	return gate_endpoint_parse(text, &cfg->target, err, errlen);
}

BOOL gate_parse_fingerprint(const char *text, BYTE out[GATE_SHA256_LEN])
{
	return cert_pin_parse(text, out, NULL) == CERT_PIN_OK;
}

static BOOL parse_bool(const char *v, BOOL *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1") || !strcasecmp(v, "on"))
		*out = TRUE;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0") || !strcasecmp(v, "off"))
		*out = FALSE;
	else
		return FALSE;
	return TRUE;
}

static BOOL parse_uint(const char *v, long min, long max, long *out)
{
	char *end = NULL;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || !end || *end || end == v || n < min || n > max)
		return FALSE;
	*out = n;
	return TRUE;
}

static BOOL parse_listen_list(gate_config *cfg, const char *v, char *err, size_t errlen)
{
	char *copy = strdup(v), *save = NULL;
	gate_endpoint eps[GATE_MAX_LISTEN] = { 0 };
	size_t n = 0;
	BOOL ok = copy != NULL;
	for (char *tok = copy ? strtok_r(copy, ", \t", &save) : NULL; ok && tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (n == GATE_MAX_LISTEN) {
			gate_err_set(err, errlen, _("key 'listen': at most %d addresses"), GATE_MAX_LISTEN);
			ok = FALSE;
		} else if (!gate_endpoint_parse(tok, &eps[n++], err, errlen))
			ok = FALSE;
	}
	if (ok && n == 0) {
		gate_err_set(err, errlen, _("key 'listen': no address given"));
		ok = FALSE;
	}
	free(copy);
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			free_endpoint(&eps[i]);
		return FALSE;
	}
	for (size_t i = 0; i < cfg->n_listen; i++)
		free_endpoint(&cfg->listen[i]);
	memcpy(cfg->listen, eps, sizeof(eps));
	cfg->n_listen = n;
	return TRUE;
}

static BOOL parse_target_cert(gate_config *cfg, const char *v, char *err, size_t errlen)
{
	if (!strcasecmp(v, "ignore")) {
		cfg->target_cert_ignore = TRUE;
		cfg->n_target_pins = 0;
		return TRUE;
	}
	char *copy = strdup(v), *save = NULL;
	size_t n = 0;
	BOOL ok = copy != NULL;
	for (char *tok = copy ? strtok_r(copy, ", \t", &save) : NULL; ok && tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (n == GATE_MAX_PINS || !gate_parse_fingerprint(tok, cfg->target_pins[n])) {
			gate_err_set(err, errlen,
			       _("key 'target_cert': '%s' is not 'ignore' or up to %d 'sha256:HEX' fingerprints"),
			       tok, GATE_MAX_PINS);
			ok = FALSE;
		} else
			n++;
	}
	free(copy);
	if (!ok)
		return FALSE;
	cfg->n_target_pins = n;
	cfg->target_cert_ignore = FALSE;
	return TRUE;
}

BOOL gate_config_set_target_cert(gate_config *cfg, const char *text, char *err, size_t errlen)
{
	return parse_target_cert(cfg, text, err, errlen);
}

/* Connection admission and TLS profile keys. Returns -1 when the key is not one of
 * them, else TRUE or FALSE (err set). */
static int apply_admission_key(gate_config *cfg, const char *key, const char *v, char *err,
                               size_t errlen)
{
	struct { const char *name; int *dst; long min, max; const char *what; } ints[] = {
		{ "max_handshakes", &cfg->max_handshakes, 1, 2000, N_("a number of connections") },
		{ "max_source_handshakes", &cfg->max_source_handshakes, 1, 1000, N_("a number of connections") },
		{ "source_connects_per_minute", &cfg->source_connects_per_minute, 1, 100000,
		  N_("a number of connections per minute") },
	};
	struct { const char *name; char **dst; } lists[] = {
		{ "tls_ciphers", &cfg->tls_ciphers }, { "target_tls_ciphers", &cfg->target_tls_ciphers },
	};
	long n = 0;
	for (size_t i = 0; i < ARRAYSIZE(ints); i++) {
		if (strcasecmp(key, ints[i].name))
			continue;
		if (!parse_uint(v, ints[i].min, ints[i].max, &n)) {
			gate_err_set(err, errlen, _("key '%s': '%s' is not %s in %ld..%ld"), key, v, _(ints[i].what),
			       ints[i].min, ints[i].max);
			return FALSE;
		}
		*ints[i].dst = (int)n;
		return TRUE;
	}
	for (size_t i = 0; i < ARRAYSIZE(lists); i++) {
		if (strcasecmp(key, lists[i].name))
			continue;
		char why[400];
		if (!gate_tls_check_ciphers(v, why, sizeof(why))) {
			gate_err_set(err, errlen, _("key '%s': %s"), key, why);
			return FALSE;
		}
		return set_str(lists[i].dst, v);
	}
	return -1;
}

/* One key of [gate]. Returns FALSE with err set when the value is invalid or the key unknown. */
static BOOL apply_key(gate_config *cfg, const char *key, const char *v, char *err, size_t errlen)
{
	long n = 0;
	BOOL b = FALSE;
	struct { const char *name; char **dst; } paths[] = {
		{ "var_dir", &cfg->var_dir },         { "certificate", &cfg->certificate },
		{ "private_key", &cfg->private_key }, { "database", &cfg->database },
		{ "recordings", &cfg->recordings },   { "sam_file", &cfg->sam_file },
	};
	struct { const char *name; BOOL *dst; } bools[] = {
		{ "gfx", &cfg->gfx }, { "observe_only", &cfg->observe_only },
	};
	struct { const char *name; UINT32 *dst; long min, max; } ms[] = {
		{ "connect_timeout", &cfg->connect_timeout_ms, 1, 300 },
		{ "handshake_timeout", &cfg->handshake_timeout_ms, 1, 300 },
		{ "close_timeout", &cfg->close_timeout_ms, 1, 60 },
	};

	for (size_t i = 0; i < ARRAYSIZE(paths); i++) {
		if (!strcasecmp(key, paths[i].name)) {
			if (!*v) {
				gate_err_set(err, errlen, _("key '%s': empty path"), key);
				return FALSE;
			}
			return set_str(paths[i].dst, v);
		}
	}
	for (size_t i = 0; i < ARRAYSIZE(bools); i++) {
		if (!strcasecmp(key, bools[i].name)) {
			if (!parse_bool(v, &b)) {
				gate_err_set(err, errlen, _("key '%s': '%s' is not true or false"), key, v);
				return FALSE;
			}
			*bools[i].dst = b;
			return TRUE;
		}
	}
	for (size_t i = 0; i < ARRAYSIZE(ms); i++) {
		if (!strcasecmp(key, ms[i].name)) {
			if (!parse_uint(v, ms[i].min, ms[i].max, &n)) {
				gate_err_set(err, errlen, _("key '%s': '%s' is not a number of seconds in %ld..%ld"),
				       key, v, ms[i].min, ms[i].max);
				return FALSE;
			}
			*ms[i].dst = (UINT32)n * 1000u;
			return TRUE;
		}
	}
	if (!strcasecmp(key, "listen"))
		return parse_listen_list(cfg, v, err, errlen);
	if (!strcasecmp(key, "certificate_names")) {
		char why[300];
		if (!gate_config_cert_names_valid(v, why, sizeof why)) {
			gate_err_set(err, errlen, _("key 'certificate_names': %s"), why);
			return FALSE;
		}
		return set_str(&cfg->certificate_names, v);
	}
	if (!strcasecmp(key, "target")) {
		if (!*v) {
			free_endpoint(&cfg->target);
			return TRUE;
		}
		char inner[300];
		if (!gate_endpoint_parse(v, &cfg->target, inner, sizeof(inner))) {
			gate_err_set(err, errlen, _("key 'target': %s"), inner);
			return FALSE;
		}
		return TRUE;
	}
	if (!strcasecmp(key, "target_cert"))
		return parse_target_cert(cfg, v, err, errlen);
	if (!strcasecmp(key, "security")) {
		if (!strcasecmp(v, "nla"))
			cfg->security = GATE_SEC_NLA;
		else if (!strcasecmp(v, "tls"))
			cfg->security = GATE_SEC_TLS;
		else {
			gate_err_set(err, errlen, _("key 'security': '%s' is not nla or tls"), v);
			return FALSE;
		}
		return TRUE;
	}
	if (!strcasecmp(key, "refused_rows_per_minute")) {
		if (!parse_uint(v, 1, 1000, &n)) {
			gate_err_set(err, errlen, _("key 'refused_rows_per_minute': '%s' is not a number in 1..1000"), v);
			return FALSE;
		}
		cfg->refused_rows_per_minute = (int)n;
		return TRUE;
	}
	if (!strcasecmp(key, "recordings_min_free_mb") || !strcasecmp(key, "recordings_warn_free_mb")) {
		if (!parse_uint(v, 0, 100000000, &n)) {
			gate_err_set(err, errlen, _("key '%s': '%s' is not a number of megabytes in 0..100000000"), key, v);
			return FALSE;
		}
		if (!strcasecmp(key, "recordings_min_free_mb"))
			cfg->recordings_min_free_mb = (UINT64)n;
		else
			cfg->recordings_warn_free_mb = (UINT64)n;
		return TRUE;
	}
	if (!strcasecmp(key, "max_sessions")) {
		if (!parse_uint(v, 1, 1000, &n)) {
			gate_err_set(err, errlen, _("key 'max_sessions': '%s' is not a number in 1..1000"), v);
			return FALSE;
		}
		cfg->max_sessions = (int)n;
		return TRUE;
	}
	if (!strcasecmp(key, "max_channel_message")) {
		if (!parse_uint(v, 1600, 64L * 1024 * 1024, &n)) {
			gate_err_set(err, errlen, _("key 'max_channel_message': '%s' is not a byte count in 1600..67108864"), v);
			return FALSE;
		}
		cfg->max_channel_message = (UINT32)n;
		return TRUE;
	}
	/* Recording completeness. */
	if (!strcasecmp(key, "gfx_decode_failures_max")) {
		if (!parse_uint(v, 1, 1000, &n)) {
			gate_err_set(err, errlen, _("key 'gfx_decode_failures_max': '%s' is not a number in 1..1000"), v);
			return FALSE;
		}
		cfg->gfx_decode_failures_max = (UINT32)n;
		return TRUE;
	}
	/* Session workers. */
	if (!strcasecmp(key, "worker_user")) {
		if (!*v || strlen(v) > 32 || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-.") != strlen(v)) {
			gate_err_set(err, errlen, _("key 'worker_user': '%s' is not a user name"), v);
			return FALSE;
		}
		return set_str(&cfg->worker_user, v);
	}
	struct { const char *name; long min, max; UINT32 *dst; const char *unit; } worker_keys[] = {
		{ "worker_max_rss_mb", 64, 65536, &cfg->worker_max_rss_mb, N_("megabytes") },
		{ "worker_cpu_per_minute", 1, 600, &cfg->worker_cpu_per_minute, N_("CPU seconds") },
		{ "worker_max_files", 64, 65536, &cfg->worker_max_files, N_("descriptors") },
		{ "heartbeat_s", 0, 255, &cfg->heartbeat_s, N_("seconds") },
	};
	for (size_t i = 0; i < ARRAYSIZE(worker_keys); i++) {
		if (strcasecmp(key, worker_keys[i].name))
			continue;
		if (!parse_uint(v, worker_keys[i].min, worker_keys[i].max, &n)) {
			gate_err_set(err, errlen, _("key '%s': '%s' is not a number of %s in %ld..%ld"), key, v,
			             _(worker_keys[i].unit), worker_keys[i].min, worker_keys[i].max);
			return FALSE;
		}
		*worker_keys[i].dst = (UINT32)n;
		return TRUE;
	}
	int r = apply_admission_key(cfg, key, v, err, errlen);
	if (r >= 0)
		return r;
	gate_err_set(err, errlen, _("unknown key '%s' in [gate] (see rmgate-proxy(1))"), key);
	return FALSE;
}

/* Paths not given explicitly follow var_dir. */
static BOOL derive_paths(gate_config *cfg, const gate_ini *ini, char *err, size_t errlen)
{
	struct { const char *key, *file; char **dst; } d[] = {
		{ "certificate", "gate.crt", &cfg->certificate },
		{ "private_key", "gate.key", &cfg->private_key },
		{ "database", "rmgate.db", &cfg->database },
		{ "recordings", "recordings", &cfg->recordings },
	};
	for (size_t i = 0; i < ARRAYSIZE(d); i++) {
		if (gate_ini_find(ini, d[i].key))
			continue;
		char *p = join_path(cfg->var_dir, d[i].file);
		if (!p) {
			gate_err_set(err, errlen, "out of memory");
			return FALSE;
		}
		free(*d[i].dst);
		*d[i].dst = p;
	}
	return TRUE;
}

BOOL gate_config_load_buffer(gate_config *cfg, const char *text, char *err, size_t errlen)
{
	gate_ini ini;
	if (!set_str(&cfg->text, text)) {
		gate_err_set(err, errlen, "out of memory");
		return FALSE;
	}
	BOOL ok = gate_ini_parse(&ini, text, SECTION, err, errlen);
	for (size_t i = 0; ok && i < ini.n_entries; i++) {
		const gate_ini_entry *e = &ini.entries[i];
		char why[400] = "out of memory";
		ok = apply_key(cfg, e->key, e->value, why, sizeof(why));
		if (!ok)
			gate_err_set(err, errlen, _("line %u: %s"), e->line, why);
	}
	if (ok && gate_ini_find(&ini, "var_dir"))
		ok = derive_paths(cfg, &ini, err, errlen);
	gate_ini_free(&ini);
	return ok;
}

BOOL gate_config_load(gate_config *cfg, const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "rb");
	if (!f) {
		gate_err_set(err, errlen, _("cannot open configuration '%s': %s"), file, strerror(errno));
		return FALSE;
	}
	char *buf = NULL;
	size_t cap = 0, len = 0;
	BOOL ok = TRUE;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			if (cap > 1024 * 1024) {
				gate_err_set(err, errlen, _("configuration '%s' is larger than 1 MiB"), file);
				ok = FALSE;
				break;
			}
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			if (!nb) {
				ok = FALSE;
				break;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, 4096, f);
		len += n;
		if (n < 4096)
			break;
	}
	fclose(f);
	if (ok && memchr(buf, '\0', len)) {
		gate_err_set(err, errlen, _("configuration '%s' contains NUL bytes"), file);
		ok = FALSE;
	}
	if (ok) {
		buf[len] = '\0';
		char inner[400];
		ok = gate_config_load_buffer(cfg, buf, inner, sizeof(inner));
		if (!ok)
			gate_err_set(err, errlen, "%s: %s", file, inner);
	}
	free(buf);
	return ok;
}

BOOL gate_config_validate(const gate_config *cfg, char *err, size_t errlen)
{
	/* With permits, NLA checks the accounts of the database; only lab mode (a fixed target,
	 * no accounts) needs a SAM file. */
	BOOL lab = cfg->target.host != NULL;
	if (lab && cfg->security == GATE_SEC_NLA && !cfg->sam_file) {
		gate_err_set(err, errlen, _("security = nla in lab mode (a fixed target) needs sam_file (create it with winpr-hash)"));
		return FALSE;
	}
	if (cfg->sam_file && cfg->security == GATE_SEC_NLA && access(cfg->sam_file, R_OK) != 0) {
		gate_err_set(err, errlen, _("sam_file '%s' is not readable: %s"), cfg->sam_file, strerror(errno));
		return FALSE;
	}
	if (cfg->n_listen == 0) {
		gate_err_set(err, errlen, _("no listen address"));
		return FALSE;
	}
	if (cfg->max_source_handshakes >= gate_config_handshake_pool(cfg)) {
		gate_err_set(err, errlen,
		       _("max_source_handshakes (%d) must be smaller than max_handshakes (%d): one address "
		       "could fill the handshake pool"),
		       cfg->max_source_handshakes, gate_config_handshake_pool(cfg));
		return FALSE;
	}
	if (!cfg->tls_ciphers) {
		gate_err_set(err, errlen, _("key 'tls_ciphers': no cipher list (out of memory)"));
		return FALSE;
	}
	return TRUE;
}
