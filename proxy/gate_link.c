/* gate_link: the receipt-event formatter, the field escape and the secret wipe every room of a
 * session uses (the table itself is filled by gate_session). */
#include "gate_link.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

void gate_link_event(const gate_link *l, gate_event_type type, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	l->event(l->ctx, type, detail);
}

const char *gate_link_escape(char *out, size_t outlen, const char *in)
{
	size_t o = 0;
	if (!outlen)
		return out;
	for (const unsigned char *p = (const unsigned char *)(in ? in : ""); *p; p++) {
		BOOL esc = *p <= ' ' || *p == 0x7f || *p == '"' || *p == '\\';
		size_t need = esc ? 4 : 1;
		if (o + need >= outlen)
			break;
		if (esc)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02X", *p);
		else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
	return out;
}

void gate_link_free_secret(char **p)
{
	if (*p) {
		OPENSSL_cleanse(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}
