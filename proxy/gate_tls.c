/* gate_tls: cipher-list check and the FreeRDP 2.11 tls_accept reference leak (gate_tls.h). */
#include "gate_tls.h"
#include "gate_err.h"
#include "i18n.h"

#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <freerdp/crypto/tls.h>
#include <freerdp/freerdp.h>
#include <winpr/wlog.h>

#define TAG "rmgate.proxy.tls"

BOOL gate_tls_check_ciphers(const char *list, char *why, size_t whylen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	if (!ctx) {
		gate_err_set(why, whylen, _("'%s' cannot be checked (OpenSSL has no memory)"), list);
		return FALSE;
	}
	/* The level FreeRDP 2.11 sets (TlsSecLevel 1): what the list selects there is what a
	 * client or target may negotiate. */
	SSL_CTX_set_security_level(ctx, 1);
	BOOL ok = FALSE;
	if (!*list || !SSL_CTX_set_cipher_list(ctx, list)) {
		gate_err_set(why, whylen, _("'%s' is not an OpenSSL cipher list that selects a TLS 1.2 suite"), list);
		goto out;
	}
	STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
	int tls12 = 0;
	for (int i = 0; sk && i < sk_SSL_CIPHER_num(sk); i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
		int kx = SSL_CIPHER_get_kx_nid(c), auth = SSL_CIPHER_get_auth_nid(c);
		if (kx == NID_kx_any)
			continue; /* TLS 1.3: set by OpenSSL, always forward-secret AEAD */
		tls12++;
		/* One whole sentence each, so that it translates as one (i18n.h). */
		const char *name = SSL_CIPHER_get_name(c);
		if (kx != NID_kx_ecdhe && kx != NID_kx_dhe) {
			gate_err_set(why, whylen, _("'%s' selects %s without forward secrecy (key exchange is not ECDHE or "
			                            "DHE); allowed: ECDHE or DHE suites with RSA or ECDSA and 128-bit or "
			                            "stronger ciphers"), list, name);
			goto out;
		}
		if (auth != NID_auth_rsa && auth != NID_auth_ecdsa) {
			gate_err_set(why, whylen, _("'%s' selects %s without RSA or ECDSA authentication; allowed: ECDHE or "
			                            "DHE suites with RSA or ECDSA and 128-bit or stronger ciphers"),
			             list, name);
			goto out;
		}
		if (SSL_CIPHER_get_cipher_nid(c) == NID_undef || SSL_CIPHER_get_bits(c, NULL) < 128) {
			gate_err_set(why, whylen, _("'%s' selects %s without encryption of at least 128 bits; allowed: ECDHE "
			                            "or DHE suites with RSA or ECDSA and 128-bit or stronger ciphers"),
			             list, name);
			goto out;
		}
	}
	if (tls12 == 0) {
		gate_err_set(why, whylen, _("'%s' selects no TLS 1.2 suite"), list);
		goto out;
	}
	ok = TRUE;
out:
	SSL_CTX_free(ctx);
	return ok;
}

/* The first fields of FreeRDP 2.11's private rdpRdp (libfreerdp/core/rdp.h) and rdpTransport
 * (libfreerdp/core/transport.h), down to the pointers needed; checked against the public
 * pointers they must hold before anything is touched. rdpTls itself is public. */
typedef struct {
	int state;
	void *instance, *context, *nla, *mcs, *nego, *bulk, *input, *update, *fastpath, *license,
	    *redirection, *settings, *transport;
} gate_rdp_prefix_2_11;

typedef struct {
	int layer;
	void *front_bio, *rdg, *tsg;
	rdpTls *tls;
	void *context, *nla, *settings;
} gate_transport_prefix_2_11;

static rdpTls *peer_tls(freerdp_peer *peer)
{
	int major = 0, minor = 0, rev = 0;
	freerdp_get_version(&major, &minor, &rev);
	if (major != 2 || minor != 11 || !peer || !peer->context || !peer->context->rdp)
		return NULL;
	rdpContext *ctx = peer->context;
	const gate_rdp_prefix_2_11 *rdp = (const gate_rdp_prefix_2_11 *)ctx->rdp;
	if (rdp->context != (void *)ctx || rdp->settings != (void *)ctx->settings || !rdp->transport)
		return NULL;
	const gate_transport_prefix_2_11 *t = rdp->transport;
	if (t->context != (void *)ctx || t->settings != (void *)ctx->settings)
		return NULL;
	rdpTls *tls = t->tls;
	if (!tls || tls->settings != ctx->settings || !tls->ssl)
		return NULL;
	return tls;
}

BOOL gate_tls_release_accept_refs(freerdp_peer *peer)
{
	/* tls_accept reads the key and the certificate into new objects, gives them to the SSL
	 * (SSL_use_PrivateKey / SSL_use_certificate take their own reference) and never frees its
	 * own: the SSL's objects are exactly those, with one reference too many each. The SSL
	 * keeps its reference until tls_free, so dropping the orphan one here is safe while the
	 * connection lives. The SSL got its key and certificate nowhere else (its SSL_CTX has
	 * none). A certificate that did not match the key made OpenSSL drop the key itself: then
	 * SSL_get_privatekey is NULL and the orphan key stays leaked (the gate checks the pair at
	 * start, so that does not happen). */
	rdpTls *tls = peer_tls(peer);
	if (!tls)
		return FALSE;
	EVP_PKEY *key = SSL_get_privatekey(tls->ssl);
	X509 *cert = SSL_get_certificate(tls->ssl);
	if (key)
		EVP_PKEY_free(key);
	if (cert)
		X509_free(cert);
	return key || cert;
}
