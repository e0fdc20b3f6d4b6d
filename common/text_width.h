/* text_width.h: how many terminal columns a UTF-8 text takes (the common layer of rmgate).
 *
 * Aligned output (rmgate-policy's tables and "name: value" records, rmgate-replay's lists)
 * pads by display width, not by bytes or characters: a full-width character (漢字, かな,
 * full-width Latin) takes two columns, half-width katakana (ｶﾅ) and ASCII one, combining
 * marks none. Widths are those of wcwidth(3) under glibc's built-in C.UTF-8 locale, so they
 * do not depend on the user's locale. A byte that is not valid UTF-8, or a character
 * wcwidth calls unprintable, counts as one column (the escaped text shown for it is wider,
 * so callers measure the text they print, after text_escape).
 *
 * Safe from any thread (the locale object is created once, under pthread_once).
 */
#ifndef RMGATE_TEXT_WIDTH_H
#define RMGATE_TEXT_WIDTH_H

#include <stdio.h>

int text_display_width(const char *utf8);

/* Prints text, then spaces up to `columns` display columns (none when it is wider). */
void text_print_padded(FILE *out, const char *utf8, int columns);

#endif
