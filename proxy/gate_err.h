/* gate_err: the proxy's error convention for functions that do not log (configuration, SAM
 * file, first-start files): they return FALSE and leave one sentence in a caller's buffer.
 *
 * gate_err_set() formats into err[errlen] (truncated, always NUL-terminated); a NULL err or a
 * zero errlen is allowed and writes nothing. No state; safe from any thread.
 */
#ifndef RMGATE_GATE_ERR_H
#define RMGATE_GATE_ERR_H

#include <stddef.h>

void gate_err_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for functions that return 0 or -1 (gate_sandbox, gate_ipc): sets err, returns -1. */
int gate_err_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
