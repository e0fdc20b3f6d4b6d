/* gate_config_files: the files the gate needs before its first connection.
 *
 * Contract: gate_config_prepare_files() creates var_dir and the recordings directory (0700)
 * and, when both are missing, a self-signed RSA 2048 certificate (below) and its key (key 0600,
 * O_EXCL). It fails if exactly one of the two exists, or if they do not load or do not belong
 * together. Errors: FALSE with one sentence in err[errlen]; nothing is logged. Called once at
 * start, before any session thread exists.
 */
#ifndef RMGATE_GATE_CONFIG_FILES_H
#define RMGATE_GATE_CONFIG_FILES_H

#include <stddef.h>
#include <winpr/wtypes.h>

#include "gate_config.h"

BOOL gate_config_prepare_files(const gate_config *cfg, char *err, size_t errlen);

/* The generated certificate is tls_cert.h's (common layer), named by cfg->certificate_names.
 * gate_config_cert_names_valid checks a certificate_names value (tls_cert_names_valid).
 * gate_config_cert_names_missing: for a certificate that exists, the first configured name it
 * does not cover, in missing[len]; FALSE when it covers them all, when certificate_names is
 * unset, or when the file does not load (prepare_files reports that). The gate does not replace
 * a certificate clients may already trust; the caller warns. */
BOOL gate_config_cert_names_valid(const char *names, char *why, size_t len);
BOOL gate_config_cert_names_missing(const gate_config *cfg, char *missing, size_t len);

/* Reads the front's certificate and key (PEM, at most 64 KiB each) into
 * cfg->certificate_pem / cfg->private_key_pem, so that the front's TLS needs no file after a
 * session worker has given up root. FALSE with a sentence naming the file. */
BOOL gate_config_load_tls(gate_config *cfg, char *err, size_t errlen);

#endif
