/* i18n.c: where the message catalogues are found (i18n.h). */
#include "i18n.h"

#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RMGATE_LOCALE_DIR
#define RMGATE_LOCALE_DIR "/usr/local/share/locale"
#endif

/* A program run from its build directory (build/rmgate-policy) uses the catalogues built
 * next to it (build/locale), so the tests and `make run` see the translations of the tree
 * they run; an installed program uses the compiled-in directory. */
static void bind_catalogues(void)
{
	char exe[PATH_MAX], dir[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	const char *chosen = RMGATE_LOCALE_DIR;
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		struct stat st;
		if (slash) {
			*slash = 0;
			snprintf(dir, sizeof dir, "%s/locale", exe);
			if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
				chosen = dir;
		}
	}
	bindtextdomain(RMGATE_TEXT_DOMAIN, chosen);
	bind_textdomain_codeset(RMGATE_TEXT_DOMAIN, "UTF-8");
	/* strerror() and the other texts of glibc follow LC_MESSAGES too; LC_CTYPE stays "C"
	 * (ASCII), so without this their Japanese would print as "?". */
	bind_textdomain_codeset("libc", "UTF-8");
}

/* Only the messages follow the locale: numbers, times and character classes stay those of
 * the C locale, so JSON, CSV and every parsed value read the same in any language. */
void i18n_init(void)
{
	setlocale(LC_MESSAGES, "");
	bind_catalogues();
}

void i18n_init_japanese(void)
{
	setlocale(LC_MESSAGES, "ja_JP.UTF-8");
	bind_catalogues();
}
