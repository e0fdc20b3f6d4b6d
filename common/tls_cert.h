/* tls_cert.h: the self-signed TLS certificate a server of ours generates on first start
 * (common layer): rmgate-proxy's front (gate.crt) and rmgate-web's console (web.crt).
 *
 * The certificate: RSA 2048, SHA-256, valid from an hour ago for 10 years, subject
 * "O=rmgate, CN=<first name>", subjectAltName with every name (DNS or IP entry), extended key
 * usage serverAuth, key usage digitalSignature + keyEncipherment (what Microsoft clients and
 * browsers check beside trust).
 *
 * Names: 1..TLS_CERT_MAX_NAMES DNS names (letters, digits, '-', '.'; labels 1..63 characters,
 * at most 253) or IP addresses, separated by spaces or commas; NULL = the host's short name.
 *
 * Errors: false with one sentence in err[len] (truncated, NUL-terminated). No global state;
 * any thread.
 */
#ifndef RMGATE_TLS_CERT_H
#define RMGATE_TLS_CERT_H

#include <stdbool.h>
#include <stddef.h>

#define TLS_CERT_MAX_NAMES 8

/* true if `names` is a valid list (above). */
bool tls_cert_names_valid(const char *names, char *err, size_t len);

/* Writes a new key to key_path (0600) and its certificate to cert_path (0644), both created
 * O_EXCL: an existing file is never replaced. On failure neither file is left behind. */
bool tls_cert_generate(const char *cert_path, const char *key_path, const char *names, char *err, size_t len);

/* The first of `names` the certificate at cert_path does not cover, into missing[len]; false
 * when it covers them all, when names is NULL, or when the file does not load. */
bool tls_cert_names_missing(const char *cert_path, const char *names, char *missing, size_t len);

#endif
