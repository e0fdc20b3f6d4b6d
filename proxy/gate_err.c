/* gate_err: one sentence into the caller's error buffer (see gate_err.h). */
#include "gate_err.h"

#include <stdarg.h>
#include <stdio.h>

void gate_err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
