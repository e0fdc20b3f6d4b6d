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

void rr_html_text(FILE *f, const char *text)
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

#define html_text rr_html_text

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

/* A4, Mincho as the city's printed forms are; Gothic for the tables' small print. The fonts are
 * Debian's (fonts-ipafont-*, fonts-noto-cjk), which the PDF engine finds through fontconfig. */
static const char CSS[] =
	"@page { size: A4 %s; margin: 15mm 12mm; }\n"
	"body { font-family: 'IPAMincho', 'IPAexMincho', 'Noto Serif CJK JP', serif; font-size: 10pt; color: #000; }\n"
	"h1 { font-size: 16pt; text-align: center; letter-spacing: 0.1em; margin: 2mm 0 5mm; }\n"
	".form { text-align: left; font-size: 10pt; margin: 0; }\n"
	".part { break-before: page; }\n"
	"dl.meta { display: grid; grid-template-columns: max-content auto; gap: 1mm 4mm; margin: 0 0 4mm; }\n"
	"dl.meta dt { font-weight: bold; } dl.meta dd { margin: 0; }\n"
	"table { border-collapse: collapse; width: 100%%; font-family: 'IPAGothic', 'IPAexGothic', 'Noto Sans CJK JP', sans-serif; font-size: 8.5pt; }\n"
	"th, td { border: 0.3mm solid #000; padding: 0.8mm 1.2mm; vertical-align: top; }\n"
	"th { background: #eee; font-weight: bold; } td.n { text-align: right; } tr.total td { font-weight: bold; }\n"
	"td.gap { background: #fde8e8; color: #a00; font-weight: bold; border: 0.6mm solid #a00; }\n"
	"thead { display: table-header-group; } tr { break-inside: avoid; }\n"
	"table.form-table th { width: 32%%; text-align: left; }\n"
	".right { text-align: right; } .addr { margin: 4mm 0; }\n"
	"p.note { font-size: 8pt; } td.c { text-align: center; } th.no { width: 8mm; } h2.sub { font-size: 11pt; margin: 6mm 0 2mm; }\n"
	"section.appendix { margin-top: 6mm; } section.appendix h2 { font-size: 10pt; margin: 0 0 2mm; }\n"
	"footer.tech { margin-top: 6mm; border-top: 0.2mm solid #666; font-size: 7pt; color: #333; word-break: break-all; }\n";

void rr_html_head(FILE *out, const char *title, bool landscape)
{
	fputs("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n<title>", out);
	html_text(out, title);
	fputs("</title>\n<style>\n", out);
	fprintf(out, CSS, landscape ? "landscape" : "portrait");
	fputs("</style>\n</head>\n<body>\n", out);
}

void rr_begin(rr_renderer *r, FILE *out, policy_report_format fmt, const char *title, const char *form,
              const rr_meta *meta, int nmeta, const rr_column *cols, int ncols, bool landscape)
{
	rr_doc doc = { .title = title, .form = form, .landscape = landscape };
	rr_begin_doc(r, out, fmt, &doc, meta, nmeta, cols, ncols);
}

static bool has_appendix(const rr_renderer *r)
{
	for (int c = 0; c < r->ncols; c++)
		if (r->cols[c].appendix)
			return true;
	return false;
}

void rr_begin_doc(rr_renderer *r, FILE *out, policy_report_format fmt, const rr_doc *doc, const rr_meta *meta,
                  int nmeta, const rr_column *cols, int ncols)
{
	const char *title = doc->title, *form = doc->form;
	*r = (rr_renderer){ .out = out, .fmt = fmt, .cols = cols, .ncols = ncols, .more = doc->more, .continued = doc->continued, .meta = meta, .nmeta = nmeta };
	if (fmt == POLICY_FMT_HTML) {
		const char *dtitle = doc->doc_title ? doc->doc_title : title;
		if (doc->continued)
			fputs("<div class=\"part\">\n", out);
		else
			rr_html_head(out, dtitle, doc->landscape);
		fputs("<p class=\"form\">", out);
		html_text(out, doc->doc_form ? doc->doc_form : form);
		fputs("</p>\n<h1>", out);
		html_text(out, dtitle);
		fputs("</h1>\n<dl class=\"meta\">\n", out);
		for (int i = 0; i < nmeta; i++) {
			if (meta[i].footer)
				continue;
			fputs("<dt>", out);
			html_text(out, meta[i].label);
			fputs("</dt><dd>", out);
			html_text(out, meta[i].html ? meta[i].html : meta[i].value);
			fputs("</dd>\n", out);
		}
		fputs("</dl>\n<table>\n<thead><tr>", out);
		/* technical ids go to the appendix; without memory for it they stay in the table */
		if (has_appendix(r) && (r->app = open_memstream(&r->app_buf, &r->app_len)))
			fputs("<th>No.</th>", out);
		for (int c = 0; c < ncols; c++) {
			if (cols[c].appendix && r->app)
				continue;
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
		if (r->app) {
			fprintf(out, "<td class=\"n\">%ld</td>", r->rows + 1);
			fprintf(r->app, "<tr><td class=\"n\">%ld</td>", r->rows + 1);
		}
		for (int c = 0; c < r->ncols; c++) {
			FILE *f = r->cols[c].appendix && r->app ? r->app : out;
			fputs(cells[c].gap ? "<td class=\"gap\">" : cells[c].is_num ? "<td class=\"n\">" : "<td>", f);
			html_text(f, cells[c].html ? cells[c].html : cells[c].text);
			fputs("</td>", f);
		}
		fputs("</tr>\n", out);
		if (r->app)
			fputs("</tr>\n", r->app);
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
		if (r->app) {
			fclose(r->app);
			r->app = NULL;
			fputs("<section class=\"appendix\">\n<h2>付表 記録の識別子</h2>\n<table>\n<thead><tr><th>No.</th>", out);
			for (int c = 0; c < r->ncols; c++)
				if (r->cols[c].appendix) {
					fputs("<th>", out);
					html_text(out, r->cols[c].label);
					fputs("</th>", out);
				}
			fputs("</tr></thead>\n<tbody>\n", out);
			if (r->app_buf)
				fwrite(r->app_buf, 1, r->app_len, out);
			fputs("</tbody>\n</table>\n</section>\n", out);
			free(r->app_buf);
			r->app_buf = NULL;
		}
		bool footer = false;
		for (int i = 0; i < r->nmeta; i++)
			if (r->meta[i].footer) {
				fputs(footer ? "<br>" : "<footer class=\"tech\">", out);
				footer = true;
				html_text(out, r->meta[i].label);
				fputs(": ", out);
				html_text(out, r->meta[i].value);
			}
		if (footer)
			fputs("</footer>\n", out);
		if (r->continued)
			fputs("</div>\n", out);
		if (!r->more)
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
