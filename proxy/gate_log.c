/* gate_log: escaped console output for WLog (see gate_log.h). */
#include "gate_log.h"
#include "text_escape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <winpr/wlog.h>

static BOOL escaped_console_message(const wLogMessage *msg)
{
	FILE *fp = msg->Level <= WLOG_INFO ? stdout : stderr;
	flockfile(fp); /* one line, whole, whatever other session threads log meanwhile */
	fputs(msg->PrefixString ? msg->PrefixString : "", fp);
	text_escape_fputs(msg->TextString, fp);
	fputc('\n', fp);
	funlockfile(fp);
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
