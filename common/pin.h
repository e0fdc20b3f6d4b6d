/* pin.h: the one parser of a certificate pin "sha256:<digest>" (common layer), used by
 * rmgate-policy (a system's pin) and the gate configuration (target_cert).
 *
 * Accepted: "sha256:" (either case), then the 32 bytes of the SHA-256 either as 64 hex digits
 * or as 32 two-digit pairs with exactly one ':' between pairs (95 characters, as openssl
 * x509 -fingerprint prints them); hex digits in either case; nothing before or after.
 * No state, no allocation; safe from any thread.
 */
#ifndef RMGATE_PIN_H
#define RMGATE_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CERT_PIN_LEN 32 /* bytes of a SHA-256 */

/* Why a pin text was refused (for one clear error line). */
typedef enum {
	CERT_PIN_OK = 0,
	CERT_PIN_NO_PREFIX, /* does not start with "sha256:" (or text is NULL) */
	CERT_PIN_BAD_LENGTH, /* neither 64 nor 95 characters after the prefix */
	CERT_PIN_BAD_COLON, /* 95 characters, but not ':' between each pair */
	CERT_PIN_BAD_DIGIT, /* a character that is not a hex digit */
} cert_pin_status;

/* Parses text into out (32 bytes). On error returns the reason and, when bad_at is not NULL,
 * the 0-based index in text of the offending character (BAD_COLON/BAD_DIGIT) or the length
 * after the prefix (BAD_LENGTH); out is then all zero. */
cert_pin_status cert_pin_parse(const char *text, uint8_t out[CERT_PIN_LEN], size_t *bad_at);

#endif
