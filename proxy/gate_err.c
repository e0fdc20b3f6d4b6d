/* gate_err: one sentence into the caller's error buffer (see gate_err.h). */
#include "gate_err.h"

#include <stdarg.h>
#include <stdio.h>

static void vset(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
}

void gate_err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, errlen, fmt, ap);
	va_end(ap);
}

int gate_err_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}
