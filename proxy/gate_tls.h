/* gate_tls: the gate's TLS profile and a FreeRDP 2.11 server TLS leak repair.
 *
 * Contract:
 * - GATE_TLS_CIPHERS_DEFAULT is the TLS 1.2 cipher list of both sides (front: the vendors'
 *   clients; back: the targets), a current "intermediate" profile: forward-secret AEAD suites
 *   only (ECDHE with ECDSA or RSA, AES-GCM or ChaCha20-Poly1305; DHE-RSA with AES-GCM, which
 *   only the back can use: the front has no DH parameters). TLS 1.3 suites are OpenSSL's own
 *   (all forward-secret AEAD) and not affected by the list.
 * - gate_tls_check_ciphers() accepts an OpenSSL cipher list only if it selects at least one
 *   TLS 1.2 suite and every suite it selects is forward-secret (ECDHE or DHE key exchange) and
 *   authenticated (RSA or ECDSA). Pure; any thread.
 * - gate_tls_release_accept_refs() drops the references to the server key and certificate that
 *   FreeRDP 2.11's tls_accept takes for every accepted connection and never drops (about 8 KB
 *   per connection). Peer thread, once, after the front handshake can no longer run and before
 *   peer->Disconnect (which frees the TLS object). It acts only on FreeRDP 2.11 and when the
 *   library's private layout checks out (see gate_tls.c); otherwise it does nothing.
 */
#ifndef RMGATE_GATE_TLS_H
#define RMGATE_GATE_TLS_H

#include <stddef.h>
#include <winpr/wtypes.h>
#include <freerdp/peer.h>

#define GATE_TLS_CIPHERS_DEFAULT                                                                   \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"     \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"       \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"

/* FALSE with one sentence in why (the first offending suite, or the parse error). */
BOOL gate_tls_check_ciphers(const char *list, char *why, size_t whylen);

/* Returns TRUE when references were dropped (for the tests' and the log's sake). */
BOOL gate_tls_release_accept_refs(freerdp_peer *peer);

#endif
