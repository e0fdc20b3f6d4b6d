/* gate_config_files: first-start directories and the generated certificate (see
 * gate_config_files.h); apart from gate_config.c because it is OpenSSL work, not parsing. */
#include "gate_config_files.h"
#include "gate_err.h"
#include "i18n.h"
#include "tls_cert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static BOOL mkdir_0700(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return TRUE;
	gate_err_set(err, errlen, _("cannot create directory '%s': %s"), path, strerror(errno));
	return FALSE;
}

static BOOL generate_pair(const gate_config *cfg, char *err, size_t errlen)
{
	return tls_cert_generate(cfg->certificate, cfg->private_key, cfg->certificate_names, err, errlen);
}

BOOL gate_config_cert_names_valid(const char *names, char *why, size_t len)
{
	return tls_cert_names_valid(names, why, len);
}

BOOL gate_config_cert_names_missing(const gate_config *cfg, char *missing, size_t len)
{
	return tls_cert_names_missing(cfg->certificate, cfg->certificate_names, missing, len);
}

/* Checks that the certificate and key load and belong together. */
static BOOL check_pair(const gate_config *cfg, char *err, size_t errlen)
{
	BOOL ok = FALSE;
	X509 *x = NULL;
	EVP_PKEY *key = NULL;
	FILE *f = fopen(cfg->certificate, "rb");
	if (f) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	f = fopen(cfg->private_key, "rb");
	if (f) {
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (!x)
		gate_err_set(err, errlen, _("certificate '%s' does not load as PEM X.509"), cfg->certificate);
	else if (!key)
		gate_err_set(err, errlen, _("private key '%s' does not load as PEM"), cfg->private_key);
	else if (X509_check_private_key(x, key) != 1)
		gate_err_set(err, errlen, _("private key '%s' does not match certificate '%s'"), cfg->private_key,
		       cfg->certificate);
	else
		ok = TRUE;
	X509_free(x);
	EVP_PKEY_free(key);
	return ok;
}

BOOL gate_config_prepare_files(const gate_config *cfg, char *err, size_t errlen)
{
	if (!mkdir_0700(cfg->var_dir, err, errlen) || !mkdir_0700(cfg->recordings, err, errlen))
		return FALSE;
	BOOL have_cert = access(cfg->certificate, F_OK) == 0;
	BOOL have_key = access(cfg->private_key, F_OK) == 0;
	if (!have_cert && !have_key) {
		if (!generate_pair(cfg, err, errlen))
			return FALSE;
	} else if (have_cert != have_key) {
		gate_err_set(err, errlen, _("'%s' exists but '%s' does not: provide both or neither"),
		       have_cert ? cfg->certificate : cfg->private_key,
		       have_cert ? cfg->private_key : cfg->certificate);
		return FALSE;
	}
	return check_pair(cfg, err, errlen);
}

/* The whole of a small text file, NUL-terminated; NULL with errno on failure. */
static char *read_small_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
	int failed = !buf || ferror(f) || n > max || memchr(buf, 0, n);
	fclose(f);
	if (failed) {
		if (buf)
			OPENSSL_cleanse(buf, max + 1);
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

BOOL gate_config_load_tls(gate_config *cfg, char *err, size_t errlen)
{
	enum { PEM_MAX = 64 * 1024 };
	char *cert = read_small_file(cfg->certificate, PEM_MAX);
	if (!cert) {
		gate_err_set(err, errlen, _("cannot read the certificate '%s': %s"), cfg->certificate, strerror(errno));
		return FALSE;
	}
	char *key = read_small_file(cfg->private_key, PEM_MAX);
	if (!key) {
		gate_err_set(err, errlen, _("cannot read the private key '%s': %s"), cfg->private_key, strerror(errno));
		free(cert);
		return FALSE;
	}
	free(cfg->certificate_pem);
	cfg->certificate_pem = cert;
	if (cfg->private_key_pem) {
		OPENSSL_cleanse(cfg->private_key_pem, strlen(cfg->private_key_pem));
		free(cfg->private_key_pem);
	}
	cfg->private_key_pem = key;
	return TRUE;
}
