/* gate_ini: the line reader of rmgate.conf (see gate_ini.h for the syntax and why it is ours). */
#include "gate_ini.h"
#include "gate_err.h"
#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static BOOL is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Drops leading blanks, and trailing blanks and carriage returns, in place. */
static char *trim(char *s)
{
	while (is_blank(*s))
		s++;
	size_t n = strlen(s);
	while (n && (is_blank(s[n - 1]) || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* The value after '=': blanks around it and one quote at either end removed. */
static char *unquote(char *v)
{
	while (is_blank(*v))
		v++;
	if (*v == '"')
		v++;
	size_t n = strlen(v);
	if (n && v[n - 1] == '"')
		v[n - 1] = '\0';
	return trim(v);
}

const gate_ini_entry *gate_ini_find(const gate_ini *ini, const char *key)
{
	for (size_t i = 0; i < ini->n_entries; i++)
		if (!strcasecmp(ini->entries[i].key, key))
			return &ini->entries[i];
	return NULL;
}

static BOOL add_entry(gate_ini *ini, size_t *cap, const char *key, const char *value, unsigned line)
{
	gate_ini_entry *old = (gate_ini_entry *)gate_ini_find(ini, key);
	if (old) {
		old->value = value;
		old->line = line;
		return TRUE;
	}
	if (ini->n_entries == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		gate_ini_entry *grown = realloc(ini->entries, ncap * sizeof(*grown));
		if (!grown)
			return FALSE;
		ini->entries = grown;
		*cap = ncap;
	}
	ini->entries[ini->n_entries++] = (gate_ini_entry){ .key = key, .value = value, .line = line };
	return TRUE;
}

/* The sections of rmgate.conf (gate_ini.h). */
static const char *const conf_sections[] = { "gate", "web" };

static BOOL is_conf_section(const char *name)
{
	for (size_t i = 0; i < sizeof conf_sections / sizeof conf_sections[0]; i++)
		if (!strcasecmp(name, conf_sections[i]))
			return TRUE;
	return FALSE;
}

/* One non-comment line. *in_section: 0 before any section, 1 in the caller's, 2 in the other
 * section of rmgate.conf (its keys skipped). */
static BOOL parse_line(gate_ini *ini, size_t *cap, char *s, unsigned lineno, const char *section,
                       int *in_section, char *err, size_t errlen)
{
	if (*s == '[') {
		char *close = strchr(s, ']');
		if (!close || close[1]) {
			gate_err_set(err, errlen, _("line %u: malformed section header '%s'"), lineno, s);
			return FALSE;
		}
		*close = '\0';
		if (strcasecmp(s + 1, section) != 0 && !is_conf_section(s + 1)) {
			gate_err_set(err, errlen, _("line %u: unknown section [%s] (rmgate.conf has [gate] and [web])"),
			             lineno, s + 1);
			return FALSE;
		}
		*in_section = strcasecmp(s + 1, section) == 0 ? 1 : 2;
		return TRUE;
	}
	char *eq = strchr(s, '=');
	if (!eq || eq == s) {
		gate_err_set(err, errlen, _("line %u: expected 'key = value', got '%s'"), lineno, s);
		return FALSE;
	}
	if (!*in_section) {
		gate_err_set(err, errlen, _("line %u: key outside of the [%s] section"), lineno, section);
		return FALSE;
	}
	if (*in_section == 2)
		return TRUE;
	char *key_end = eq;
	while (key_end > s && is_blank(key_end[-1]))
		key_end--;
	*key_end = '\0';
	char *key = s, *value = unquote(eq + 1);
	if (!add_entry(ini, cap, key, value, lineno)) {
		gate_err_set(err, errlen, _("line %u: out of memory"), lineno);
		return FALSE;
	}
	return TRUE;
}

BOOL gate_ini_parse(gate_ini *ini, const char *text, const char *section, char *err, size_t errlen)
{
	memset(ini, 0, sizeof(*ini));
	ini->text = strdup(text);
	if (!ini->text) {
		gate_err_set(err, errlen, "out of memory");
		return FALSE;
	}
	size_t cap = 0;
	unsigned lineno = 0;
	int in_section = 0;
	char *next = NULL;
	for (char *line = ini->text; line; line = next) {
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (!parse_line(ini, &cap, s, lineno, section, &in_section, err, errlen))
			return FALSE;
	}
	return TRUE;
}

void gate_ini_free(gate_ini *ini)
{
	if (!ini)
		return;
	free(ini->entries);
	free(ini->text);
	memset(ini, 0, sizeof(*ini));
}
