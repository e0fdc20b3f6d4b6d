/* rec_keys: turns recorded keyboard input into text for auditors (`keys`).
 *
 * Scancodes (set 1, RDP KBD_FLAGS_*) are mapped through the session's keyboard
 * layout: US (0x409 and any unknown layout) and Japanese 106/109 (any id whose
 * low word is 0x0411). Printable keys become their character (shift and caps
 * lock applied), other keys a name such as "Enter" or "Henkan"; chords with
 * Ctrl, Alt or Win become "<Ctrl+C>". Unicode input (UTF-16 code units) is
 * decoded to UTF-8. A rec_keys_state belongs to one thread. */
#ifndef RMGATE_REC_KEYS_H
#define RMGATE_REC_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rec_layout { REC_LAYOUT_US = 0, REC_LAYOUT_JP = 1 } rec_layout;

rec_layout rec_layout_from_id(uint32_t layout_id);
const char *rec_layout_name(rec_layout l);

typedef struct rec_keys_state {
	rec_layout layout;
	bool lshift, rshift, lctrl, rctrl, lalt, ralt, win, caps;
	uint16_t high_surrogate;
} rec_keys_state;

void rec_keys_init(rec_keys_state *k, rec_layout layout);

/* Feeds one KEY record. Writes what the key typed into out (NUL-terminated):
 * "" for releases and bare modifiers, a character, or "<Name>" / "<Ctrl+X>".
 * Returns true when out is a named key (not plain text). */
bool rec_keys_scancode(rec_keys_state *k, uint16_t flags, uint16_t code, char *out, size_t outlen);
/* Feeds one UNICODE record; out gets the UTF-8 text ("" for releases and the
 * first half of a surrogate pair). */
void rec_keys_unicode(rec_keys_state *k, uint16_t flags, uint16_t unit, char *out, size_t outlen);

#endif
