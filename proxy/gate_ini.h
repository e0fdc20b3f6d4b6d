/* gate_ini: the syntax of rmgate.conf (one INI section of "key = value" lines), read once.
 *
 * Why our own reader and not WinPR's IniFile (which gate_config used to run after a line
 * pre-check of its own, so the text was parsed twice): the product requires one clear message
 * for a bad configuration, and WinPR 2's IniFile_ReadBuffer() only returns -1 (no line, no
 * reason), refuses comments that do not start with ';', and stops reading without an error
 * at a line that holds only "\r" (a blank line of a CRLF file). This reader names the line of
 * every error, and gate_config names the line of every bad value through gate_ini_entry.line.
 *
 * Syntax (the one WinPR accepted after the pre-check, unchanged):
 * - Lines end at "\n"; spaces, tabs and a trailing "\r" around a line are ignored; blank lines
 *   and lines starting with '#' or ';' are comments.
 * - "[NAME]" opens a section. rmgate.conf has two: [gate] (rmgate-proxy, gate_config.h) and
 *   [web] (rmgate-web, web_config.h), each read by its program through this reader. The caller
 *   names the section it reads (any case; it may appear more than once); the keys of the other
 *   section of rmgate.conf are skipped unread (its program checks them); any other section
 *   name is an error. Every key must be inside a section.
 * - "key = value": the key is the text before the first '=' (not empty; trailing blanks
 *   dropped); the value is the rest without surrounding blanks, and without one leading and
 *   one trailing '"' if present.
 * - A key given twice (any case) keeps its first position and takes the later value and line,
 *   as WinPR's IniFile did.
 *
 * Contract: gate_ini_parse() fills a gate_ini whose strings point into its own copy of the
 * text; everything is freed by gate_ini_free() (also after a failed parse). Errors return FALSE
 * with one sentence starting "line N: " in err[errlen]; nothing is logged. No global state:
 * any thread may parse its own gate_ini.
 */
#ifndef RMGATE_GATE_INI_H
#define RMGATE_GATE_INI_H

#include <stddef.h>
#include <winpr/wtypes.h>

typedef struct {
	const char *key;   /* as written at its first occurrence */
	const char *value; /* as written at its last occurrence, unquoted and trimmed */
	unsigned line;     /* 1-based line of the value */
} gate_ini_entry;

typedef struct {
	char *text;              /* owned copy of the input; key and value point into it */
	gate_ini_entry *entries; /* owned; in order of first occurrence */
	size_t n_entries;
} gate_ini;

/* Reads TEXT (NUL-terminated) whose keys must all be in [SECTION]. */
BOOL gate_ini_parse(gate_ini *ini, const char *text, const char *section, char *err, size_t errlen);
/* The entry of KEY (any case), or NULL. */
const gate_ini_entry *gate_ini_find(const gate_ini *ini, const char *key);
void gate_ini_free(gate_ini *ini);

#endif
