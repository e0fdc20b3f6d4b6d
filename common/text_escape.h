/* text_escape.h: showing untrusted text safely (the common layer of rmgate).
 *
 * Text that came from outside (a vendor client's host name, device names, a recording file, a
 * configuration file, ledger rows) must never reach an officer's terminal as raw control
 * bytes: an ESC sequence can clear the screen, move the cursor, rewrite earlier lines or set
 * the window title; a bidi override can reorder what is shown. Every text output of
 * rmgate-policy, rmgate-replay and rmgate-proxy --check-config goes through these functions.
 *
 * Contract (all functions): `in` is a NUL-terminated byte string (NULL is taken as "").
 * - Valid UTF-8 sequences of printable characters are copied unchanged (Japanese stays
 *   Japanese), and so is every printable ASCII byte (backslash included).
 * - Escaped, one \xHH (two upper-case hex digits) per byte: C0 controls 0x00-0x1F (tab,
 *   newline and ESC too), DEL 0x7F, the C1 controls U+0080-U+009F (two bytes each, C2 80 ..
 *   C2 9F), the bidi controls U+200E-U+200F, U+202A-U+202E, U+2066-U+2069 (three bytes each),
 *   and every byte that is not part of a valid UTF-8 sequence (stray continuation bytes,
 *   overlong forms, surrogates, values above U+10FFFF, sequences cut short).
 * The result therefore contains no byte below 0x20, no 0x7F, and only valid UTF-8.
 *
 * No state, no allocation except text_escape_dup; safe from any thread.
 */
#ifndef RMGATE_TEXT_ESCAPE_H
#define RMGATE_TEXT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Writes the escaped text into out (always NUL-terminated when outlen > 0; cut at a whole
 * character or escape when it does not fit). Returns the length the whole escaped text
 * needs, without the NUL (like snprintf): the result was cut when it is >= outlen. */
size_t text_escape(char *out, size_t outlen, const char *in);

/* The escaped text in a new buffer (free() it), or NULL when out of memory. */
char *text_escape_dup(const char *in);

/* Writes the escaped text to f. */
void text_escape_fputs(const char *in, FILE *f);

/* Writes `in` as a JSON string literal, quotes included: '"' and '\' escaped with a
 * backslash, \n \r \t as such, every other byte the terminal contract above escapes as
 * \u00XX (C0, DEL, C1 and bidi controls as their code points: \u001b, \u007f, \u0085,
 * \u202e; a byte of invalid UTF-8 as \u00XX of the byte's value). */
void text_json_string(const char *in, FILE *f);

#endif
