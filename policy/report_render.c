/* report_render.c: HTML / CSV / JSON writers for report tables (see report_render.h). */
#include "report_render.h"
#include "text_escape.h"

#include <stdlib.h>

#include <string.h>

bool rr_parse_format(const char *t, policy_report_format *out)
{
	if (!t || !strcmp(t, "html"))
		*out = POLICY_FMT_HTML;
	else if (!strcmp(t, "csv"))
		*out = POLICY_FMT_CSV;
	else if (!strcmp(t, "json"))
		*out = POLICY_FMT_JSON;
	else
		return false;
	return true;
}

/* Text cells of every format come from the ledger (client names, details the gate wrote from
 * what a client sent): control characters and invalid UTF-8 are first escaped as \xHH
 * (text_escape.h), so no format carries them to a terminal, a spreadsheet or a browser. */
static char *safe(const char *s)
{
	return text_escape_dup(s ? s : "");
}

static void html_text(FILE *f, const char *text)
{
	char *e = safe(text);
	for (const char *s = e ? e : ""; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
	free(e);
}

static void csv_field(FILE *f, const char *text)
{
	char *e = safe(text);
	const char *s = e ? e : "";
	/* a leading = + - @ would be a formula in Excel: quote and prefix */
	bool formula = strchr("=+-@", s[0]) && s[0] && !(s[0] == '-' && s[1] == '\0');
	if (!formula && !strpbrk(s, ",\"")) {
		fputs(s, f);
		free(e);
		return;
	}
	fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
	free(e);
}

static void json_text(FILE *f, const char *s)
{
	text_json_string(s, f);
}

static const char CSS[] =
	"@page { size: A4 %s; margin: 12mm; }\n"
	"body { font-family: 'Noto Sans CJK JP', 'IPAexGothic', 'Yu Gothic', sans-serif; font-size: 9pt; }\n"
	"h1 { font-size: 14pt; text-align: center; margin: 0 0 4mm; }\n"
	".form { text-align: left; font-size: 8pt; }\n"
	"dl.meta { display: grid; grid-template-columns: max-content auto; gap: 1mm 4mm; margin: 0 0 4mm; }\n"
	"dl.meta dt { font-weight: bold; } dl.meta dd { margin: 0; }\n"
	"table { border-collapse: collapse; width: 100%%; }\n"
	"th, td { border: 0.3mm solid #000; padding: 0.8mm 1.2mm; vertical-align: top; }\n"
	"th { background: #eee; } td.n { text-align: right; } tr.total td { font-weight: bold; }\n"
	"thead { display: table-header-group; } tr { page-break-inside: avoid; }\n"
	"p.note { font-size: 8pt; }\n";

void rr_begin(rr_renderer *r, FILE *out, policy_report_format fmt, const char *title, const char *form,
              const rr_meta *meta, int nmeta, const rr_column *cols, int ncols, bool landscape)
{
	*r = (rr_renderer){ out, fmt, cols, ncols, 0 };
	if (fmt == POLICY_FMT_HTML) {
		fputs("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n<title>", out);
		html_text(out, title);
		fputs("</title>\n<style>\n", out);
		fprintf(out, CSS, landscape ? "landscape" : "portrait");
		fputs("</style>\n</head>\n<body>\n<p class=\"form\">", out);
		html_text(out, form);
		fputs("</p>\n<h1>", out);
		html_text(out, title);
		fputs("</h1>\n<dl class=\"meta\">\n", out);
		for (int i = 0; i < nmeta; i++) {
			fputs("<dt>", out);
			html_text(out, meta[i].label);
			fputs("</dt><dd>", out);
			html_text(out, meta[i].value);
			fputs("</dd>\n", out);
		}
		fputs("</dl>\n<table>\n<thead><tr>", out);
		for (int c = 0; c < ncols; c++) {
			fputs("<th>", out);
			html_text(out, cols[c].label);
			fputs("</th>", out);
		}
		fputs("</tr></thead>\n<tbody>\n", out);
	} else if (fmt == POLICY_FMT_CSV) {
		fputs("\xEF\xBB\xBF", out);
		csv_field(out, title);
		fputs("\r\n", out);
		for (int i = 0; i < nmeta; i++) {
			csv_field(out, meta[i].label);
			fputc(',', out);
			csv_field(out, meta[i].value);
			fputs("\r\n", out);
		}
		for (int c = 0; c < ncols; c++) {
			if (c)
				fputc(',', out);
			csv_field(out, cols[c].label);
		}
		fputs("\r\n", out);
	} else {
		fputs("{\"title\": ", out);
		json_text(out, title);
		fputs(", \"form\": ", out);
		json_text(out, form);
		for (int i = 0; i < nmeta; i++) {
			fputs(", ", out);
			json_text(out, meta[i].key);
			fputs(": ", out);
			json_text(out, meta[i].value);
		}
		fputs(", \"rows\": [", out);
	}
}

void rr_row(rr_renderer *r, const rr_cell *cells, bool total)
{
	FILE *out = r->out;
	if (r->fmt == POLICY_FMT_HTML) {
		fputs(total ? "<tr class=\"total\">" : "<tr>", out);
		for (int c = 0; c < r->ncols; c++) {
			fputs(cells[c].is_num ? "<td class=\"n\">" : "<td>", out);
			html_text(out, cells[c].text);
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	} else if (r->fmt == POLICY_FMT_CSV) {
		for (int c = 0; c < r->ncols; c++) {
			if (c)
				fputc(',', out);
			csv_field(out, cells[c].text);
		}
		fputs("\r\n", out);
	} else {
		fputs(r->rows ? ",\n  {" : "\n  {", out);
		if (total)
			fputs("\"total\": true, ", out);
		for (int c = 0; c < r->ncols; c++) {
			if (c)
				fputs(", ", out);
			json_text(out, r->cols[c].key);
			fputs(": ", out);
			if (cells[c].is_num)
				fprintf(out, "%lld", (long long)cells[c].num);
			else if (!cells[c].text)
				fputs("null", out);
			else
				json_text(out, cells[c].text);
		}
		fputc('}', out);
	}
	r->rows++;
}

void rr_end(rr_renderer *r, const char *note)
{
	FILE *out = r->out;
	if (r->fmt == POLICY_FMT_HTML) {
		fputs("</tbody>\n</table>\n", out);
		if (note) {
			fputs("<p class=\"note\">", out);
			html_text(out, note);
			fputs("</p>\n", out);
		}
		fputs("</body>\n</html>\n", out);
	} else if (r->fmt == POLICY_FMT_CSV) {
		if (note) {
			csv_field(out, note);
			fputs("\r\n", out);
		}
	} else {
		fputs(r->rows ? "\n ]" : "]", out);
		if (note) {
			fputs(", \"note\": ", out);
			json_text(out, note);
		}
		fputs("}\n", out);
	}
}
