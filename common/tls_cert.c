/* tls_cert.c: the generated self-signed certificate (see tls_cert.h). */
#include "tls_cert.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define NAME_MAX_LEN 253

static void set_err(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t len, const char *fmt, ...)
{
	if (!err || !len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* Splits the names (space or comma separated) into out[max]; returns the count, or -1 when a
 * name is too long or there are more than max. */
static int split_names(const char *text, char out[][NAME_MAX_LEN + 1], int max)
{
	int n = 0;
	for (const char *p = text; *p;) {
		p += strspn(p, " \t,");
		size_t len = strcspn(p, " \t,");
		if (!len)
			break;
		if (n == max || len > NAME_MAX_LEN)
			return -1;
		memcpy(out[n], p, len);
		out[n++][len] = 0;
		p += len;
	}
	return n;
}

static bool is_ip(const char *name)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

static bool dns_name_valid(const char *name)
{
	size_t label = 0, total = strlen(name);
	if (!total || total > NAME_MAX_LEN || name[0] == '.' || name[total - 1] == '.' || name[0] == '-' ||
	    name[total - 1] == '-')
		return false;
	for (const char *p = name; *p; p++) {
		if (*p == '.') {
			if (!label || p[-1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*p) || (*p == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

bool tls_cert_names_valid(const char *names, char *err, size_t len)
{
	char list[TLS_CERT_MAX_NAMES][NAME_MAX_LEN + 1];
	int n = split_names(names ? names : "", list, TLS_CERT_MAX_NAMES);
	if (n < 0) {
		set_err(err, len, "more than %d names, or a name longer than %d characters", TLS_CERT_MAX_NAMES, NAME_MAX_LEN);
		return false;
	}
	if (n == 0) {
		set_err(err, len, "no name (give the DNS names or addresses clients connect to)");
		return false;
	}
	for (int i = 0; i < n; i++)
		if (!is_ip(list[i]) && !dns_name_valid(list[i])) {
			set_err(err, len, "'%s' is neither a DNS name nor an IP address", list[i]);
			return false;
		}
	return true;
}

/* Adds one X.509v3 extension given in OpenSSL's configuration syntax. */
static bool add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	bool ok = ext && X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

static X509 *make_self_signed(EVP_PKEY *key, const char *names_text)
{
	char names[TLS_CERT_MAX_NAMES][NAME_MAX_LEN + 1];
	int n = names_text ? split_names(names_text, names, TLS_CERT_MAX_NAMES) : 0;
	if (n <= 0) {
		snprintf(names[0], sizeof names[0], "rmgate");
		gethostname(names[0], sizeof(names[0]) - 1);
		n = 1;
	}
	char san[TLS_CERT_MAX_NAMES * (NAME_MAX_LEN + 5)] = ""; /* "DNS:a,IP:192.0.2.1,..." */
	for (int i = 0; i < n; i++)
		snprintf(san + strlen(san), sizeof san - strlen(san), "%s%s:%s", i ? "," : "", is_ip(names[i]) ? "IP" : "DNS",
		         names[i]);
	X509 *x = X509_new();
	if (!x)
		return NULL;
	bool ok = X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL)) &&
	          X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	          X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600) && X509_set_pubkey(x, key);
	X509_NAME *subject = X509_get_subject_name(x);
	ok = ok && X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC, (const unsigned char *)"rmgate", -1, -1, 0);
	ok = ok && X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, (const unsigned char *)names[0], -1, -1, 0);
	ok = ok && X509_set_issuer_name(x, subject);
	ok = ok && add_ext(x, NID_subject_alt_name, san) && add_ext(x, NID_ext_key_usage, "serverAuth") &&
	     add_ext(x, NID_key_usage, "critical,digitalSignature,keyEncipherment");
	ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Writes PEM produced by emit into a new file (O_EXCL) with the given mode. */
static bool write_new_pem(const char *path, mode_t mode, bool (*emit)(BIO *, void *), void *arg, char *err, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		set_err(err, len, "cannot create '%s': %s", path, strerror(errno));
		return false;
	}
	BIO *mem = BIO_new(BIO_s_mem());
	bool ok = mem && emit(mem, arg);
	char *data = NULL;
	long n = ok ? BIO_get_mem_data(mem, &data) : 0;
	ok = ok && n > 0 && write(fd, data, (size_t)n) == (ssize_t)n;
	ok = (close(fd) == 0) && ok;
	BIO_free(mem);
	if (!ok) {
		unlink(path);
		set_err(err, len, "cannot write '%s'", path);
	}
	return ok;
}

static bool emit_key(BIO *b, void *arg)
{
	return PEM_write_bio_PrivateKey(b, arg, NULL, NULL, 0, NULL, NULL) == 1;
}

static bool emit_cert(BIO *b, void *arg)
{
	return PEM_write_bio_X509(b, arg) == 1;
}

bool tls_cert_generate(const char *cert_path, const char *key_path, const char *names, char *err, size_t len)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	X509 *x = key ? make_self_signed(key, names) : NULL;
	bool ok = x != NULL;
	if (!ok)
		set_err(err, len, "cannot generate a self-signed certificate (OpenSSL)");
	ok = ok && write_new_pem(key_path, 0600, emit_key, key, err, len);
	if (ok && !write_new_pem(cert_path, 0644, emit_cert, x, err, len)) {
		unlink(key_path);
		ok = false;
	}
	X509_free(x);
	EVP_PKEY_free(key);
	return ok;
}

bool tls_cert_names_missing(const char *cert_path, const char *names_text, char *missing, size_t len)
{
	char names[TLS_CERT_MAX_NAMES][NAME_MAX_LEN + 1];
	int n = names_text ? split_names(names_text, names, TLS_CERT_MAX_NAMES) : 0;
	if (n <= 0)
		return false;
	FILE *f = fopen(cert_path, "rb");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	bool found = false;
	for (int i = 0; x && i < n && !found; i++) {
		bool covered = is_ip(names[i]) ? X509_check_ip_asc(x, names[i], 0) == 1
		                               : X509_check_host(x, names[i], 0, 0, NULL) == 1;
		if (!covered) {
			snprintf(missing, len, "%s", names[i]);
			found = true;
		}
	}
	X509_free(x);
	return found;
}
