/* cli_opt.c: see cli_opt.h. */
#include "cli_opt.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* The word getopt_long was reading: it has moved optind past it, except inside a cluster of
 * short options ("-xy"), where optopt names the letter. */
static const char *last_word(char **argv)
{
	return optind > 0 ? argv[optind - 1] : "";
}

const char *cli_opt_refused(char **argv, char *buf, size_t len)
{
	const char *word = last_word(argv);
	if (strncmp(word, "--", 2) != 0 && optopt > 0 && optopt < 256)
		snprintf(buf, len, "-%c", optopt);
	else
		snprintf(buf, len, "%.*s", (int)strcspn(word, "="), word);
	return buf;
}

bool cli_opt_refused_value(char **argv)
{
	/* an unknown or ambiguous long option leaves optopt 0; a known one sets its value */
	return optopt != 0 && !strncmp(last_word(argv), "--", 2) && strchr(last_word(argv), '=');
}

bool cli_opt_value_missing(char **argv)
{
	return optarg && optarg == last_word(argv) && !strncmp(optarg, "--", 2);
}
