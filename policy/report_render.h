/* report_render.h: one table written as HTML (A4 print CSS), CSV (UTF-8
 * with BOM, CRLF) or JSON, row by row so large reports stream.
 *
 * HTML is the city's document (what is printed or turned into PDF, forms.h):
 * its own title and form name (別記様式第N号), era dates where a cell or a
 * metadata line gives an `html` text, and technical identifiers (columns and
 * metadata marked appendix/footer) moved out of the body into an appendix
 * table and a footer. CSV and JSON keep every field under its key.
 *
 * Single-threaded per renderer; the FILE is the caller's. */
#ifndef RMGATE_POLICY_REPORT_RENDER_H
#define RMGATE_POLICY_REPORT_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { POLICY_FMT_HTML, POLICY_FMT_CSV, POLICY_FMT_JSON } policy_report_format;

typedef struct {
	const char *label; /* Japanese column heading (HTML, CSV) */
	const char *key;   /* JSON key */
	bool appendix;     /* HTML: a technical id, shown in the appendix table by row number */
} rr_column;

typedef struct {
	const char *text; /* shown in HTML and CSV; NULL = "" */
	int64_t num;      /* used in JSON when is_num */
	bool is_num;
	const char *html; /* HTML only, instead of text (e.g. an era date); NULL = text */
	bool gap;         /* HTML: a required entry that is missing, marked to be seen */
} rr_cell;

typedef struct {
	const char *label, *key, *value;
	const char *html; /* HTML only, instead of value; NULL = value */
	bool footer;      /* HTML: a technical line, printed in the footer, not the header */
} rr_meta;

typedef struct {
	const char *title, *form;         /* CSV and JSON "title" and "form" */
	const char *doc_title, *doc_form; /* HTML heading and form name; NULL = title, form */
	bool landscape;
	bool continued; /* HTML: a further part of the current document, from a new page */
	bool more;      /* HTML: another part follows (rr_end leaves the document open) */
} rr_doc;

typedef struct {
	FILE *out;
	policy_report_format fmt;
	const rr_column *cols;
	int ncols;
	long rows;
	bool more, continued;
	const rr_meta *meta;
	int nmeta;
	FILE *app; /* HTML appendix rows (open_memstream) while rows come */
	char *app_buf;
	size_t app_len;
} rr_renderer;

/* Starts a document: title (e.g. 利用状況管理簿), form name, metadata lines. */
void rr_begin(rr_renderer *r, FILE *out, policy_report_format fmt, const char *title, const char *form,
              const rr_meta *meta, int nmeta, const rr_column *cols, int ncols, bool landscape);
/* As rr_begin with the HTML document's own title and form (rr_doc). `meta`
 * must live until rr_end (footer lines are written there). */
void rr_begin_doc(rr_renderer *r, FILE *out, policy_report_format fmt, const rr_doc *doc, const rr_meta *meta,
                  int nmeta, const rr_column *cols, int ncols);
void rr_row(rr_renderer *r, const rr_cell *cells, bool total);
/* Ends the document; `note` (may be NULL) is printed under the table. */
void rr_end(rr_renderer *r, const char *note);

/* HTML pieces the forms share (forms.c): text escaped as report cells are,
 * and the document head with the A4 print style. */
void rr_html_text(FILE *f, const char *text);
void rr_html_head(FILE *f, const char *title, bool landscape);

bool rr_parse_format(const char *text, policy_report_format *out);

#endif
