/* gate_log: escaped console output for WLog (see gate_log.h). */
#include "gate_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <winpr/wlog.h>

/* Length of the valid UTF-8 sequence at p that may be shown as it is, or 0 when its first byte
 * must be escaped (a control, a malformed or overlong sequence, a surrogate, a C1 control or
 * a line/paragraph separator). */
static size_t printable_sequence(const unsigned char *p)
{
	if (p[0] >= 0x20 && p[0] < 0x7f)
		return 1;
	size_t n;
	unsigned cp;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1fu;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0fu;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07u;
	} else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	static const unsigned min_for_length[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min_for_length[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp <= 0x9f || cp == 0x2028 || cp == 0x2029)
		return 0;
	return n;
}

char *gate_log_escape(char *out, size_t outlen, const char *in)
{
	size_t o = 0;
	if (!outlen)
		return out;
	for (const unsigned char *p = (const unsigned char *)(in ? in : ""); *p;) {
		size_t n = printable_sequence(p);
		size_t need = n ? n : 4;
		if (o + need >= outlen)
			break;
		if (n) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		} else {
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02X", *p);
			p++;
		}
	}
	out[o] = '\0';
	return out;
}

static BOOL escaped_console_message(const wLogMessage *msg)
{
	const char *text = msg->TextString ? msg->TextString : "";
	size_t cap = strlen(text) * 4 + 1;
	char small[1024];
	char *buf = cap <= sizeof(small) ? small : malloc(cap);
	if (!buf)
		return FALSE;
	FILE *fp = msg->Level <= WLOG_INFO ? stdout : stderr;
	fprintf(fp, "%s%s\n", msg->PrefixString ? msg->PrefixString : "", gate_log_escape(buf, cap, text));
	if (buf != small)
		free(buf);
	return TRUE;
}

/* FreeRDP 2.11 loggers that print client-chosen names unescaped, for appenders the gate does
 * not write itself. The same facts are in the gate's own receipt lines, escaped. */
static void quiet_unescaped_freerdp_loggers(void)
{
	static const char *const tags[] = { "com.freerdp.core.connection", "com.freerdp.core.nego",
		                            "rdpdr.server" };
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		wLog *log = WLog_Get(tags[i]);
		if (log && WLog_GetLogLevel(log) < WLOG_WARN)
			WLog_SetLogLevel(log, WLOG_WARN);
	}
}

void gate_log_init(void)
{
	const char *chosen = getenv("WLOG_APPENDER");
	wLog *root = WLog_GetRoot();
	if (chosen && *chosen && strcasecmp(chosen, "CONSOLE") != 0) {
		quiet_unescaped_freerdp_loggers();
		return;
	}
	static wLogCallbacks callbacks = { .message = escaped_console_message };
	if (!root || !WLog_SetLogAppenderType(root, WLOG_APPENDER_CALLBACK) ||
	    !WLog_ConfigureAppender(WLog_GetLogAppender(root), "callbacks", &callbacks) ||
	    !WLog_OpenAppender(root)) {
		/* Keep WLog's console; at least the loggers known to echo client data are held back. */
		WLog_SetLogAppenderType(root, WLOG_APPENDER_CONSOLE);
		quiet_unescaped_freerdp_loggers();
	}
}
