/* hex.h: hexadecimal text of bytes, the one way rmgate writes and reads it (common layer).
 *
 * hex_encode writes lowercase digits; hex_decode is strict: exactly 2*n hex digits (either
 * case), nothing else. No state, no allocation; safe from any thread.
 */
#ifndef RMGATE_HEX_H
#define RMGATE_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes the 2*n lowercase hex digits of in[0..n) and a NUL to out (2*n + 1 bytes). */
void hex_encode(const uint8_t *in, size_t n, char *out);

/* Reads exactly 2*n hex digits (0-9, a-f, A-F) from text[0..len) into out[0..n): false when
 * len != 2*n or a character is not a hex digit (out is then unspecified). text need not be
 * NUL-terminated. */
bool hex_decode(const char *text, size_t len, uint8_t *out, size_t n);

/* The value of one hex digit, or -1 when c is not one. */
int hex_digit_value(int c);

#endif
