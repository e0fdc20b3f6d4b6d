/* report_render.h: one table written as HTML (A4 print CSS), CSV (UTF-8
 * with BOM, CRLF) or JSON, row by row so large reports stream.
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
} rr_column;

typedef struct {
	const char *text; /* shown in HTML and CSV; NULL = "" */
	int64_t num;      /* used in JSON when is_num */
	bool is_num;
} rr_cell;

typedef struct {
	const char *label, *key, *value;
} rr_meta;

typedef struct {
	FILE *out;
	policy_report_format fmt;
	const rr_column *cols;
	int ncols;
	long rows;
} rr_renderer;

/* Starts a document: title (e.g. 利用状況管理簿), form name, metadata lines. */
void rr_begin(rr_renderer *r, FILE *out, policy_report_format fmt, const char *title, const char *form,
              const rr_meta *meta, int nmeta, const rr_column *cols, int ncols, bool landscape);
void rr_row(rr_renderer *r, const rr_cell *cells, bool total);
/* Ends the document; `note` (may be NULL) is printed under the table. */
void rr_end(rr_renderer *r, const char *note);

bool rr_parse_format(const char *text, policy_report_format *out);

#endif
