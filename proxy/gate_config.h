/* gate_config: the gate's configuration (rmgate.conf, section [gate]).
 *
 * Contract:
 * - gate_config_defaults() fills every key with its documented default (docs/gate.md);
 *   gate_config_load() then overrides keys from an INI file (syntax: gate_ini.h), and
 *   gate_config_set_listen()/gate_config_set_target() apply the command-line overrides.
 * - Every string in gate_config is owned by the struct (heap), freed by gate_config_free().
 * - Errors: functions return FALSE and write one human-readable sentence (what is wrong, in
 *   which key, what to do; from a file also on which line) into err[errlen]; nothing is
 *   logged here. The sentence is in the language of LC_MESSAGES (i18n.h): Japanese only
 *   where rmgate-proxy talks to a terminal (--check-config, start-up on a terminal); the
 *   running gate, its workers and a SIGHUP reload keep the C locale, so what they log is
 *   English (docs/gate.md, "Language").
 * - The first-start files (directories, generated certificate) are gate_config_files.h.
 * - After gate_config_validate() succeeds the struct is read-only and may be shared by every
 *   session thread without a lock.
 */
#ifndef RMGATE_GATE_CONFIG_H
#define RMGATE_GATE_CONFIG_H

/* The built-in state directory (the Makefile's VAR_DIR_DEFAULT: ./var for development,
 * /var/lib/rmgate in the Debian package) and the configuration read without -c
 * (CONFIG_DEFAULT; "" = none, the embedded default). */
#ifndef RMGATE_VAR_DIR
#define RMGATE_VAR_DIR "./var"
#endif
#ifndef RMGATE_CONFIG_FILE
#define RMGATE_CONFIG_FILE ""
#endif

#include <stddef.h>
#include <winpr/wtypes.h>

#define GATE_MAX_LISTEN 8
#define GATE_SHA256_LEN 32
#define GATE_MAX_PINS 4

typedef enum { GATE_SEC_TLS = 0, GATE_SEC_NLA = 1 } gate_security;

typedef struct {
	char *host;   /* literal address or name; IPv6 without brackets */
	UINT16 port;
} gate_endpoint;

typedef struct {
	gate_endpoint listen[GATE_MAX_LISTEN];
	size_t n_listen;
	char *var_dir;       /* base of the default paths below; created 0700 */
	char *certificate;   /* PEM certificate of the front (generated if missing) */
	/* The names (DNS names or IP addresses) a generated certificate carries: the first as its
	 * CN, all as its subjectAltName. NULL = the host's short name. The syntax is
	 * tls_cert.h's (common layer). */
	char *certificate_names;
	char *private_key;   /* PEM private key (generated 0600 if missing) */
	char *database;      /* ledger path (used by the policy module) */
	char *recordings;    /* recordings directory (used by the recorder) */
	char *sam_file;      /* NLA: WinPR SAM file (user:domain:LM:NT) */
	gate_security security;
	int max_sessions;
	int refused_rows_per_minute; /* refusals per source and minute listed singly in the ledger */
	UINT64 recordings_min_free_mb;  /* refuse new sessions below this free space (0 = never) */
	UINT64 recordings_warn_free_mb; /* warn below this free space (0 = never) */
	gate_endpoint target; /* lab mode fixed target; host NULL = none */
	BOOL target_cert_ignore;
	BYTE target_pins[GATE_MAX_PINS][GATE_SHA256_LEN];
	size_t n_target_pins;
	UINT32 connect_timeout_ms;
	UINT32 handshake_timeout_ms;
	UINT32 close_timeout_ms;
	BOOL gfx;            /* offer the graphics pipeline to clients */
	BOOL observe_only;   /* default policy: drop all input */
	UINT32 max_channel_message; /* reassembly cap for static channel messages */

	/* Connection admission and TLS profile. */
	int max_handshakes;          /* connections still handshaking; 0 = default (below) */
	int max_source_handshakes;   /* of them from one source address (IPv6: one /64) */
	int source_connects_per_minute; /* new connections of one source (token bucket) */
	char *tls_ciphers;           /* TLS 1.2 suites, front and back (OpenSSL list) */
	char *target_tls_ciphers;    /* back only; NULL = tls_ciphers */

	/* Failures of the gate's screen decoder a session may have; the next ends it
	 * (recording_incomplete). 1..1000, default 3. */
	UINT32 gfx_decode_failures_max;

	/* Heartbeat PDUs to clients that support them, every heartbeat_s seconds of a running
	 * session (0 = none; default 30): idle connections stay open through NAT and firewalls,
	 * and a client notices a dead gate. */
	UINT32 heartbeat_s;

	/* Session workers (docs/process-model.md). */
	char *worker_user;           /* the user a worker runs as (default WORKER_USER_DEFAULT) */
	UINT32 worker_max_rss_mb;    /* resident memory of one worker; above it the session ends */
	UINT32 worker_cpu_per_minute;/* CPU seconds of one worker in any wall-clock minute */
	UINT32 worker_max_files;     /* open descriptors of one worker (RLIMIT_NOFILE) */

	/* The front's certificate and key as PEM text, once gate_config_load_tls()
	 * (gate_config_files.h) read them: a worker does before it gives up root. NULL = FreeRDP
	 * reads the files itself. */
	char *certificate_pem, *private_key_pem;
	/* The back's FreeRDP configuration directory (its certificate store's layout; nothing
	 * is written there). NULL = FreeRDP's default under $HOME. A worker sets it. */
	char *client_config_dir;

	/* The configuration text gate_config_load_buffer() read (NULL: defaults only): the
	 * monitor hands exactly this text to its workers. */
	char *text;
} gate_config;

/* The worker user without a configuration (the Makefile's WORKER_USER_DEFAULT: nobody for
 * development, rmgate in the Debian package, which creates that user). */
#ifndef RMGATE_WORKER_USER
#define RMGATE_WORKER_USER "nobody"
#endif

void gate_config_defaults(gate_config *cfg);
void gate_config_free(gate_config *cfg);

/* Reads FILE over the defaults. Unknown sections or keys are errors (typos must not be silent). */
BOOL gate_config_load(gate_config *cfg, const char *file, char *err, size_t errlen);
/* Same, from a buffer (used by the unit tests and by the embedded default). */
BOOL gate_config_load_buffer(gate_config *cfg, const char *text, char *err, size_t errlen);

/* Parses "ADDR:PORT", "[V6ADDR]:PORT"; a bare port is an error. */
BOOL gate_endpoint_parse(const char *text, gate_endpoint *ep, char *err, size_t errlen);
/* --listen replaces every configured listen address with ADDR:PORT. */
BOOL gate_config_set_listen(gate_config *cfg, const char *text, char *err, size_t errlen);
BOOL gate_config_set_target(gate_config *cfg, const char *text, char *err, size_t errlen);
/* --target-cert: "ignore" or up to GATE_MAX_PINS comma-separated "sha256:HEX". */
BOOL gate_config_set_target_cert(gate_config *cfg, const char *text, char *err, size_t errlen);

/* Checks cross-key consistency (NLA needs a SAM file, ...). */
BOOL gate_config_validate(const gate_config *cfg, char *err, size_t errlen);

/* The handshake pool size: max_handshakes, or when it is 0 the larger of 2 x max_sessions and
 * 4 x max_source_handshakes. gate_config_validate() requires it larger than
 * max_source_handshakes (one address must not be able to fill it). */
int gate_config_handshake_pool(const gate_config *cfg);

/* Parses "sha256:HEX" (colons allowed between bytes). */
BOOL gate_parse_fingerprint(const char *text, BYTE out[GATE_SHA256_LEN]);

#endif
