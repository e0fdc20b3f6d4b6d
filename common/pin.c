/* pin.c: see pin.h. */
#include "pin.h"

#include <string.h>
#include <strings.h>

#include "hex.h"

#define PREFIX_LEN 7 /* "sha256:" */

static cert_pin_status fail(cert_pin_status st, size_t at, uint8_t out[CERT_PIN_LEN], size_t *bad_at)
{
	memset(out, 0, CERT_PIN_LEN);
	if (bad_at)
		*bad_at = at;
	return st;
}

cert_pin_status cert_pin_parse(const char *text, uint8_t out[CERT_PIN_LEN], size_t *bad_at)
{
	if (!text || strncasecmp(text, "sha256:", PREFIX_LEN) != 0)
		return fail(CERT_PIN_NO_PREFIX, 0, out, bad_at);
	const char *hex = text + PREFIX_LEN;
	size_t len = strlen(hex);
	bool colons = len == CERT_PIN_LEN * 3 - 1;
	if (len != CERT_PIN_LEN * 2 && !colons)
		return fail(CERT_PIN_BAD_LENGTH, len, out, bad_at);
	size_t step = colons ? 3 : 2;
	for (size_t i = 0; i < CERT_PIN_LEN; i++) {
		const char *p = hex + i * step;
		if (colons && i > 0 && p[-1] != ':')
			return fail(CERT_PIN_BAD_COLON, PREFIX_LEN + i * step - 1, out, bad_at);
		for (size_t k = 0; k < 2; k++)
			if (hex_digit_value((unsigned char)p[k]) < 0)
				return fail(CERT_PIN_BAD_DIGIT, PREFIX_LEN + i * step + k, out, bad_at);
		hex_decode(p, 2, &out[i], 1);
	}
	return CERT_PIN_OK;
}
