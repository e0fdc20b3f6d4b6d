/* text_width.c: display width of UTF-8 text (text_width.h). */
#include "text_width.h"

#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <wchar.h>

static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void open_utf8_locale(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

int text_display_width(const char *utf8)
{
	if (!utf8)
		return 0;
	pthread_once(&utf8_once, open_utf8_locale);
	if (!utf8_locale) { /* no C.UTF-8 (not glibc >= 2.35): count characters */
		int w = 0;
		for (const unsigned char *p = (const unsigned char *)utf8; *p; p++)
			w += (*p & 0xC0) != 0x80;
		return w;
	}
	locale_t previous = uselocale(utf8_locale);
	mbstate_t state;
	memset(&state, 0, sizeof state);
	int width = 0;
	size_t left = strlen(utf8);
	const char *p = utf8;
	while (left > 0) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, p, left, &state);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) { /* a byte that is not UTF-8 */
			memset(&state, 0, sizeof state);
			width++;
			p++;
			left--;
			continue;
		}
		int w = wcwidth(wc);
		width += w < 0 ? 1 : w;
		p += n;
		left -= n;
	}
	uselocale(previous);
	return width;
}

void text_print_padded(FILE *out, const char *utf8, int columns)
{
	fputs(utf8 ? utf8 : "", out);
	for (int w = text_display_width(utf8); w < columns; w++)
		fputc(' ', out);
}
