/* gate_log: the gate's log output, safe to read whatever the clients and targets send.
 *
 * Clients choose their user, domain, host, channel and device names, and FreeRDP 2.11 prints
 * several of them in its own log lines as they came (e.g. "Accepted client: NAME", the rdpdr
 * computer and device names, the mstshash cookie). A newline there forges a log line; an
 * escape sequence reaches the terminal of whoever reads the log. The gate therefore escapes
 * at the output, where no log call can forget it:
 *
 * - Console output (WLog's default appender, and what systemd's journal reads): the gate
 *   replaces the console appender by its own, which writes the same prefix and text as
 *   WLog's console (INFO and below on stdout, WARN and above on stderr), with every message
 *   escaped by the common layer's text_escape (common/text_escape.h: controls, DEL, C1 and
 *   bidi controls and malformed UTF-8 become \xHH; Japanese stays as it is).
 * - Any other appender the operator chose with WLOG_APPENDER (file, syslog, journald, ...)
 *   is left alone; the FreeRDP loggers known to print client data raw are then held at WARN.
 *
 * gate_log_init() runs once in main, after the WLog filters are set and before any other
 * thread starts. The gate's own receipt lines still escape their fields with
 * gate_link_escape(), which also keeps quotes and spaces from ending a key=value field.
 */
#ifndef RMGATE_GATE_LOG_H
#define RMGATE_GATE_LOG_H

void gate_log_init(void);

#endif
