/* gate_config_files: first-start directories and the generated certificate (see
 * gate_config_files.h); apart from gate_config.c because it is OpenSSL work, not parsing. */
#include "gate_config_files.h"
#include "gate_err.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static BOOL mkdir_0700(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return TRUE;
	gate_err_set(err, errlen, "cannot create directory '%s': %s", path, strerror(errno));
	return FALSE;
}

/* Writes PEM data produced by the callback into a new file with the given mode (O_EXCL). */
static BOOL write_new_pem(const char *path, mode_t mode, BOOL (*emit)(BIO *, void *), void *arg,
                          char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		gate_err_set(err, errlen, "cannot create '%s': %s", path, strerror(errno));
		return FALSE;
	}
	BIO *mem = BIO_new(BIO_s_mem());
	BOOL ok = mem && emit(mem, arg);
	char *data = NULL;
	long n = ok ? BIO_get_mem_data(mem, &data) : 0;
	ok = ok && n > 0 && write(fd, data, (size_t)n) == (ssize_t)n;
	ok = (close(fd) == 0) && ok;
	BIO_free(mem);
	if (!ok) {
		unlink(path);
		gate_err_set(err, errlen, "cannot write '%s'", path);
	}
	return ok;
}

static BOOL emit_key(BIO *b, void *arg)
{
	return PEM_write_bio_PrivateKey(b, arg, NULL, NULL, 0, NULL, NULL) == 1;
}

static BOOL emit_cert(BIO *b, void *arg)
{
	return PEM_write_bio_X509(b, arg) == 1;
}

/* Splits certificate names (space or comma separated) into out[max]; returns the count, or -1
 * when a name is too long or there are more than max. */
static int split_names(const char *text, char out[][254], int max)
{
	int n = 0;
	for (const char *p = text; *p;) {
		size_t skip = strspn(p, " \t,");
		p += skip;
		size_t len = strcspn(p, " \t,");
		if (!len)
			break;
		if (n == max || len > 253)
			return -1;
		memcpy(out[n], p, len);
		out[n++][len] = 0;
		p += len;
	}
	return n;
}

static BOOL is_ip(const char *name)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

static BOOL dns_name_valid(const char *name)
{
	size_t label = 0, total = strlen(name);
	if (!total || total > 253 || name[0] == '.' || name[total - 1] == '.' || name[0] == '-')
		return FALSE;
	for (const char *p = name; *p; p++) {
		if (*p == '.') {
			if (!label || p[-1] == '-')
				return FALSE;
			label = 0;
		} else if (isalnum((unsigned char)*p) || (*p == '-' && label > 0)) {
			if (++label > 63)
				return FALSE;
		} else {
			return FALSE;
		}
	}
	return name[total - 1] != '-';
}

BOOL gate_config_cert_names_valid(const char *names, char *why, size_t len)
{
	char list[GATE_MAX_CERT_NAMES][254];
	int n = split_names(names, list, GATE_MAX_CERT_NAMES);
	if (n < 0) {
		gate_err_set(why, len, "more than %d names, or a name longer than 253 characters", GATE_MAX_CERT_NAMES);
		return FALSE;
	}
	if (n == 0) {
		gate_err_set(why, len, "no name (give the DNS names or addresses vendors connect to)");
		return FALSE;
	}
	for (int i = 0; i < n; i++)
		if (!is_ip(list[i]) && !dns_name_valid(list[i])) {
			gate_err_set(why, len, "'%s' is neither a DNS name nor an IP address", list[i]);
			return FALSE;
		}
	return TRUE;
}

/* Adds one X.509v3 extension given in OpenSSL's configuration syntax. */
static BOOL add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	BOOL ok = ext && X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

static X509 *make_self_signed(EVP_PKEY *key, const char *names_text)
{
	char names[GATE_MAX_CERT_NAMES][254];
	int n = 0;
	if (names_text)
		n = split_names(names_text, names, GATE_MAX_CERT_NAMES);
	if (n <= 0) {
		snprintf(names[0], sizeof names[0], "rmgate");
		gethostname(names[0], sizeof(names[0]) - 1);
		n = 1;
	}
	/* "DNS:a,IP:192.0.2.1,...": at most 8 names of 253 bytes */
	char san[GATE_MAX_CERT_NAMES * 260] = "";
	for (int i = 0; i < n; i++)
		snprintf(san + strlen(san), sizeof san - strlen(san), "%s%s:%s", i ? "," : "", is_ip(names[i]) ? "IP" : "DNS",
		         names[i]);
	X509 *x = X509_new();
	if (!x)
		return NULL;
	BOOL ok = X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL)) &&
	          X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	          X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600) && X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"rmgate", -1, -1, 0);
	ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)names[0], -1, -1, 0);
	ok = ok && X509_set_issuer_name(x, name);
	ok = ok && add_ext(x, NID_subject_alt_name, san) && add_ext(x, NID_ext_key_usage, "serverAuth") &&
	     add_ext(x, NID_key_usage, "critical,digitalSignature,keyEncipherment");
	ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

BOOL gate_config_cert_names_missing(const gate_config *cfg, char *missing, size_t len)
{
	char names[GATE_MAX_CERT_NAMES][254];
	int n = cfg->certificate_names ? split_names(cfg->certificate_names, names, GATE_MAX_CERT_NAMES) : 0;
	if (n <= 0)
		return FALSE;
	FILE *f = fopen(cfg->certificate, "rb");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	BOOL found = FALSE;
	for (int i = 0; x && i < n && !found; i++) {
		BOOL covered = is_ip(names[i]) ? X509_check_ip_asc(x, names[i], 0) == 1
		                               : X509_check_host(x, names[i], 0, 0, NULL) == 1;
		if (!covered) {
			snprintf(missing, len, "%s", names[i]);
			found = TRUE;
		}
	}
	X509_free(x);
	return found;
}

static BOOL generate_pair(const gate_config *cfg, char *err, size_t errlen)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	X509 *x = key ? make_self_signed(key, cfg->certificate_names) : NULL;
	BOOL ok = x != NULL;
	if (!ok)
		gate_err_set(err, errlen, "cannot generate a self-signed certificate (OpenSSL)");
	ok = ok && write_new_pem(cfg->private_key, 0600, emit_key, key, err, errlen);
	if (ok && !write_new_pem(cfg->certificate, 0644, emit_cert, x, err, errlen)) {
		unlink(cfg->private_key);
		ok = FALSE;
	}
	X509_free(x);
	EVP_PKEY_free(key);
	return ok;
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
		gate_err_set(err, errlen, "certificate '%s' does not load as PEM X.509", cfg->certificate);
	else if (!key)
		gate_err_set(err, errlen, "private key '%s' does not load as PEM", cfg->private_key);
	else if (X509_check_private_key(x, key) != 1)
		gate_err_set(err, errlen, "private key '%s' does not match certificate '%s'", cfg->private_key,
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
		gate_err_set(err, errlen, "'%s' exists but '%s' does not: provide both or neither",
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
		gate_err_set(err, errlen, "cannot read the certificate '%s': %s", cfg->certificate, strerror(errno));
		return FALSE;
	}
	char *key = read_small_file(cfg->private_key, PEM_MAX);
	if (!key) {
		gate_err_set(err, errlen, "cannot read the private key '%s': %s", cfg->private_key, strerror(errno));
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
