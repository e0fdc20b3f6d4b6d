/* gate_sam: parse a WinPR SAM file and look accounts up (see gate_sam.h). */
#include "gate_sam.h"
#include "gate_err.h"
#include "i18n.h"
#include "hex.h"

#include <openssl/crypto.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	char *user, *domain;
	BYTE nt[16];
} sam_entry;

struct gate_sam {
	sam_entry *e;
	size_t n;
};

static BOOL parse_hash(const char *hex, size_t len, BYTE out[16])
{
	return hex_decode(hex, len, out, 16);
}

void gate_sam_free(gate_sam *sam)
{
	if (!sam)
		return;
	for (size_t i = 0; i < sam->n; i++) {
		free(sam->e[i].user);
		free(sam->e[i].domain);
	}
	if (sam->e)
		OPENSSL_cleanse(sam->e, sam->n * sizeof(*sam->e));
	free(sam->e);
	free(sam);
}

/* One line: user:domain:lm:nt[:...]. Fields are split on ':' without copying. */
static BOOL parse_line(gate_sam *sam, const char *line, size_t len, unsigned lineno, char *err,
                       size_t errlen)
{
	const char *f[4];
	size_t flen[4];
	const char *p = line, *end = line + len;
	for (int i = 0; i < 4; i++) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		if (!c && i < 3) {
			gate_err_set(err, errlen, _("line %u: expected user:domain:LM:NT:::"), lineno);
			return FALSE;
		}
		f[i] = p;
		flen[i] = (size_t)((c ? c : end) - p);
		p = c ? c + 1 : end;
	}
	BYTE probe[16];
	if (flen[0] == 0 || !parse_hash(f[3], flen[3], probe)) {
		gate_err_set(err, errlen, _("line %u: missing user or malformed NT hash (32 hex digits)"), lineno);
		return FALSE;
	}
	sam_entry *grown = realloc(sam->e, (sam->n + 1) * sizeof(*sam->e));
	if (!grown) {
		gate_err_set(err, errlen, "out of memory");
		return FALSE;
	}
	sam->e = grown;
	sam_entry *e = &sam->e[sam->n];
	e->user = strndup(f[0], flen[0]);
	e->domain = strndup(f[1], flen[1]);
	if (!e->user || !e->domain) {
		free(e->user);
		free(e->domain);
		gate_err_set(err, errlen, "out of memory");
		return FALSE;
	}
	parse_hash(f[3], flen[3], e->nt);
	sam->n++;
	return TRUE;
}

gate_sam *gate_sam_parse(const char *text, char *err, size_t errlen)
{
	gate_sam *sam = calloc(1, sizeof(*sam));
	unsigned lineno = 0;
	if (!sam) {
		gate_err_set(err, errlen, "out of memory");
		return NULL;
	}
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		while (len && (p[len - 1] == '\r' || p[len - 1] == ' '))
			len--;
		if (len && p[0] != '#' && !parse_line(sam, p, len, lineno, err, errlen)) {
			gate_sam_free(sam);
			return NULL;
		}
		p = nl ? nl + 1 : p + strlen(p);
	}
	if (sam->n == 0) {
		gate_err_set(err, errlen, _("no account in the SAM file"));
		gate_sam_free(sam);
		return NULL;
	}
	return sam;
}

gate_sam *gate_sam_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		gate_err_set(err, errlen, _("cannot open SAM file '%s': %s"), path, strerror(errno));
		return NULL;
	}
	char *buf = calloc(1, 1024 * 1024 + 1);
	size_t n = buf ? fread(buf, 1, 1024 * 1024, f) : 0;
	BOOL too_big = buf && n == 1024 * 1024 && fgetc(f) != EOF;
	fclose(f);
	gate_sam *sam = NULL;
	if (!buf)
		gate_err_set(err, errlen, "out of memory");
	else if (too_big)
		gate_err_set(err, errlen, _("SAM file '%s' is larger than 1 MiB"), path);
	else if (memchr(buf, '\0', n))
		gate_err_set(err, errlen, _("SAM file '%s' contains NUL bytes"), path);
	else {
		char inner[200];
		sam = gate_sam_parse(buf, inner, sizeof(inner));
		if (!sam)
			gate_err_set(err, errlen, _("SAM file '%s': %s"), path, inner);
	}
	if (buf) {
		OPENSSL_cleanse(buf, n); /* hashes are secrets too */
		free(buf);
	}
	return sam;
}

size_t gate_sam_count(const gate_sam *sam)
{
	return sam ? sam->n : 0;
}

BOOL gate_sam_lookup(const gate_sam *sam, const char *user, const char *domain, BYTE nt[16])
{
	for (size_t i = 0; sam && user && i < sam->n; i++) {
		const sam_entry *e = &sam->e[i];
		if (strcasecmp(e->user, user) != 0)
			continue;
		if (e->domain[0] && strcasecmp(e->domain, domain ? domain : "") != 0)
			continue;
		memcpy(nt, e->nt, 16);
		return TRUE;
	}
	return FALSE;
}
