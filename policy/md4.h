/* md4.h: MD4 (RFC 1320), only for the NT hash that NTLM requires.
 * OpenSSL 3 hides MD4 in its legacy provider, so we carry our own. Pure. */
#ifndef RMGATE_POLICY_MD4_H
#define RMGATE_POLICY_MD4_H

#include <stddef.h>
#include <stdint.h>

void pol_md4(const uint8_t *data, size_t len, uint8_t digest[16]);

#endif
