/* i18n.h: messages in the user's language (the common layer of rmgate).
 *
 * English is the text in the sources and what every program prints in the C locale. When
 * the locale is Japanese (LANG=ja_JP.UTF-8) the translations of po/ja.po are used, through
 * GNU gettext, one text domain "rmgate" for all four programs and their libraries.
 *
 * Marking: _("text") translates at the call; N_("text") only marks a text that is
 * translated later with _(variable) (tables of labels). The functions that take a format
 * (pol_fail, cli_error, cli_usage) translate their format themselves: their callers pass a
 * plain literal, and `make po` extracts it (the keywords are in the Makefile).
 *
 * Rules for a translator (po/ja.po): keep every printf conversion in order and of the same
 * type (msgfmt -c checks it at build time); never translate what a program reads back
 * (option names, ledger event names, JSON keys, CSV headers, words in configuration files).
 *
 * i18n_init() once at the start of main, before any thread: it sets LC_MESSAGES (only) from
 * the environment and binds the domain to the catalogue directory (i18n.c says where). Safe to
 * call when the locale does not exist (then everything stays English).
 */
#ifndef RMGATE_I18N_H
#define RMGATE_I18N_H

#include <libintl.h>

#define RMGATE_TEXT_DOMAIN "rmgate"

#define _(text) dgettext(RMGATE_TEXT_DOMAIN, text)
#define N_(text) (text)

void i18n_init(void);

/* For a program whose readers are Japanese whatever its environment (rmgate-web): messages
 * in Japanese when the ja_JP.UTF-8 locale is installed, else English. Instead of i18n_init. */
void i18n_init_japanese(void);

#endif
