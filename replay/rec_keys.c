/* rec_keys: scancode -> key text for the US and Japanese 106/109 layouts. */
#include "rec_keys.h"

#include <stdio.h>
#include <string.h>

#define KBD_EXT 0x0100
#define KBD_RELEASE 0x8000

/* Non-extended set-1 scancodes 0x00..0x7F: normal / shifted text (US).
 * A name starting with '<' is a non-printing key. */
static const char *const us[0x80][2] = {
	[0x01] = { "<Esc>", 0 }, [0x02] = { "1", "!" }, [0x03] = { "2", "@" }, [0x04] = { "3", "#" },
	[0x05] = { "4", "$" }, [0x06] = { "5", "%" }, [0x07] = { "6", "^" }, [0x08] = { "7", "&" },
	[0x09] = { "8", "*" }, [0x0A] = { "9", "(" }, [0x0B] = { "0", ")" }, [0x0C] = { "-", "_" },
	[0x0D] = { "=", "+" }, [0x0E] = { "<BS>", 0 }, [0x0F] = { "<Tab>", 0 },
	[0x10] = { "q", "Q" }, [0x11] = { "w", "W" }, [0x12] = { "e", "E" }, [0x13] = { "r", "R" },
	[0x14] = { "t", "T" }, [0x15] = { "y", "Y" }, [0x16] = { "u", "U" }, [0x17] = { "i", "I" },
	[0x18] = { "o", "O" }, [0x19] = { "p", "P" }, [0x1A] = { "[", "{" }, [0x1B] = { "]", "}" },
	[0x1C] = { "<Enter>", 0 }, [0x1E] = { "a", "A" }, [0x1F] = { "s", "S" },
	[0x20] = { "d", "D" }, [0x21] = { "f", "F" }, [0x22] = { "g", "G" }, [0x23] = { "h", "H" },
	[0x24] = { "j", "J" }, [0x25] = { "k", "K" }, [0x26] = { "l", "L" }, [0x27] = { ";", ":" },
	[0x28] = { "'", "\"" }, [0x29] = { "`", "~" }, [0x2B] = { "\\", "|" },
	[0x2C] = { "z", "Z" }, [0x2D] = { "x", "X" }, [0x2E] = { "c", "C" }, [0x2F] = { "v", "V" },
	[0x30] = { "b", "B" }, [0x31] = { "n", "N" }, [0x32] = { "m", "M" }, [0x33] = { ",", "<" },
	[0x34] = { ".", ">" }, [0x35] = { "/", "?" }, [0x37] = { "*", "*" }, [0x39] = { " ", " " },
	[0x3A] = { "<CapsLock>", 0 }, [0x3B] = { "<F1>", 0 }, [0x3C] = { "<F2>", 0 }, [0x3D] = { "<F3>", 0 }, [0x3E] = { "<F4>", 0 },
	[0x3F] = { "<F5>", 0 }, [0x40] = { "<F6>", 0 }, [0x41] = { "<F7>", 0 }, [0x42] = { "<F8>", 0 },
	[0x43] = { "<F9>", 0 }, [0x44] = { "<F10>", 0 }, [0x45] = { "<NumLock>", 0 },
	[0x46] = { "<ScrollLock>", 0 }, [0x47] = { "7", "7" }, [0x48] = { "8", "8" },
	[0x49] = { "9", "9" }, [0x4A] = { "-", "-" }, [0x4B] = { "4", "4" }, [0x4C] = { "5", "5" },
	[0x4D] = { "6", "6" }, [0x4E] = { "+", "+" }, [0x4F] = { "1", "1" }, [0x50] = { "2", "2" },
	[0x51] = { "3", "3" }, [0x52] = { "0", "0" }, [0x53] = { ".", "." }, [0x56] = { "\\", "|" },
	[0x57] = { "<F11>", 0 }, [0x58] = { "<F12>", 0 },
};

/* Japanese 106/109: only the differences from US. */
static const struct {
	uint8_t code;
	const char *normal, *shifted;
} jp[] = {
	{ 0x03, "2", "\"" }, { 0x07, "6", "&" }, { 0x08, "7", "'" }, { 0x09, "8", "(" },
	{ 0x0A, "9", ")" }, { 0x0B, "0", "0" }, { 0x0C, "-", "=" }, { 0x0D, "^", "~" },
	{ 0x1A, "@", "`" }, { 0x1B, "[", "{" }, { 0x27, ";", "+" }, { 0x28, ":", "*" },
	{ 0x29, "<Hankaku/Zenkaku>", 0 }, { 0x2B, "]", "}" }, { 0x70, "<Katakana/Hiragana>", 0 },
	{ 0x73, "\\", "_" }, { 0x79, "<Henkan>", 0 }, { 0x7B, "<Muhenkan>", 0 },
	{ 0x7D, "\xC2\xA5", "|" }, /* Yen sign */
	{ 0x3A, "<CapsLock/Eisu>", 0 },
};

static const char *extended_name(uint16_t code)
{
	switch (code) {
	case 0x1C: return "<KP-Enter>";
	case 0x35: return "/";
	case 0x37: return "<PrintScreen>";
	case 0x47: return "<Home>";
	case 0x48: return "<Up>";
	case 0x49: return "<PgUp>";
	case 0x4B: return "<Left>";
	case 0x4D: return "<Right>";
	case 0x4F: return "<End>";
	case 0x50: return "<Down>";
	case 0x51: return "<PgDn>";
	case 0x52: return "<Insert>";
	case 0x53: return "<Delete>";
	case 0x5D: return "<Menu>";
	default: return NULL;
	}
}

rec_layout rec_layout_from_id(uint32_t layout_id)
{
	return (layout_id & 0xFFFF) == 0x0411 ? REC_LAYOUT_JP : REC_LAYOUT_US;
}

const char *rec_layout_name(rec_layout l)
{
	return l == REC_LAYOUT_JP ? "Japanese 106/109" : "US";
}

void rec_keys_init(rec_keys_state *k, rec_layout layout)
{
	memset(k, 0, sizeof *k);
	k->layout = layout;
}

/* Tracks modifiers; returns true if the key is a modifier (prints nothing). */
static bool modifier(rec_keys_state *k, uint16_t code, bool ext, bool down)
{
	switch (code) {
	case 0x2A: k->lshift = down; return true;
	case 0x36: k->rshift = down; return true;
	case 0x1D: *(ext ? &k->rctrl : &k->lctrl) = down; return true;
	case 0x38: *(ext ? &k->ralt : &k->lalt) = down; return true;
	case 0x5B:
	case 0x5C:
		if (ext) {
			k->win = down;
			return true;
		}
		return false;
	default: return false;
	}
}

static void key_text(const rec_keys_state *k, uint16_t code, bool ext, bool shift,
                     const char **normal, const char **shifted)
{
	*normal = *shifted = NULL;
	if (ext) {
		*normal = extended_name(code);
		return;
	}
	if (code < 0x80) {
		*normal = us[code][0];
		*shifted = us[code][1];
	}
	if (k->layout == REC_LAYOUT_JP)
		for (size_t i = 0; i < sizeof jp / sizeof jp[0]; i++)
			if (jp[i].code == code) {
				*normal = jp[i].normal;
				*shifted = jp[i].shifted;
			}
	(void)shift;
}

bool rec_keys_scancode(rec_keys_state *k, uint16_t flags, uint16_t code, char *out, size_t outlen)
{
	bool ext = flags & KBD_EXT, down = !(flags & KBD_RELEASE);
	out[0] = '\0';
	if (modifier(k, code, ext, down) || !down)
		return false;
	if (code == 0x3A && !ext)
		k->caps = !k->caps;
	bool shift = k->lshift || k->rshift;
	const char *normal, *shifted;
	key_text(k, code, ext, shift, &normal, &shifted);
	char unknown[24];
	if (!normal) {
		snprintf(unknown, sizeof unknown, "<%sSC%02X>", ext ? "E0-" : "", code);
		normal = unknown;
	}
	bool named = normal[0] == '<' && normal[1] != '\0';
	const char *txt = normal;
	if (!named) {
		bool letter = normal[1] == '\0' && normal[0] >= 'a' && normal[0] <= 'z';
		bool up = letter ? shift != k->caps : shift;
		if (up && shifted)
			txt = shifted;
	}
	bool ctrl = k->lctrl || k->rctrl, alt = k->lalt || k->ralt;
	if (ctrl || alt || k->win || (named && shift)) {
		/* A chord: show the unshifted key in capitals, modifiers first. */
		char base[32];
		snprintf(base, sizeof base, "%s", named ? normal + 1 : normal);
		size_t n = strlen(base);
		if (named && n && base[n - 1] == '>')
			base[n - 1] = '\0';
		if (!named && n == 1 && base[0] >= 'a' && base[0] <= 'z')
			base[0] = (char)(base[0] - 'a' + 'A');
		snprintf(out, outlen, "<%s%s%s%s%s>", ctrl ? "Ctrl+" : "", alt ? "Alt+" : "",
		         k->win ? "Win+" : "", shift ? "Shift+" : "", base);
		return true;
	}
	snprintf(out, outlen, "%s", txt);
	return named;
}

static void utf8(uint32_t cp, char *out, size_t outlen)
{
	unsigned char b[5] = { 0 };
	if (cp < 0x80)
		b[0] = (unsigned char)cp;
	else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
	} else {
		b[0] = (unsigned char)(0xF0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (cp & 0x3F));
	}
	snprintf(out, outlen, "%s", (const char *)b);
}

void rec_keys_unicode(rec_keys_state *k, uint16_t flags, uint16_t unit, char *out, size_t outlen)
{
	out[0] = '\0';
	if (flags & KBD_RELEASE)
		return;
	if (unit >= 0xD800 && unit < 0xDC00) {
		k->high_surrogate = unit;
		return;
	}
	uint32_t cp = unit;
	if (unit >= 0xDC00 && unit < 0xE000) {
		if (!k->high_surrogate) {
			snprintf(out, outlen, "\xEF\xBF\xBD"); /* lone low surrogate */
			return;
		}
		cp = 0x10000 + (((uint32_t)k->high_surrogate - 0xD800) << 10) + (unit - 0xDC00);
	}
	k->high_surrogate = 0;
	if (cp == '\r')
		snprintf(out, outlen, "<Enter>");
	else if (cp < 0x20 || cp == 0x7F)
		snprintf(out, outlen, "<U+%04X>", cp);
	else
		utf8(cp, out, outlen);
}
