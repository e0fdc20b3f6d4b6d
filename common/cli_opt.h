/* cli_opt.h: the small rules the three command lines share around getopt_long (common layer).
 *
 * rmgate-proxy, rmgate-replay and rmgate-policy call getopt_long with opterr = 0 and word
 * their own one-line errors; these helpers decide what such a line names, the same way in
 * all three. They read getopt's globals (optarg, optind, optopt), so call them on the
 * main thread right after getopt_long returned, with the argv given to it.
 */
#ifndef RMGATE_CLI_OPT_H
#define RMGATE_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>

/* The option getopt_long just refused ('?' or ':'), as it was written, without any
 * "=value": "--listen", "-o", "--frob". Writes into buf (len bytes) and returns buf. */
const char *cli_opt_refused(char **argv, char *buf, size_t len);

/* After '?': true when the option exists but takes no value and was given one
 * ("--json=yes"); false for an unknown or ambiguous option. */
bool cli_opt_refused_value(char **argv);

/* After an option that takes a value: true when the value was a separate word starting
 * with "--". Such a word is an option, so the value is missing: "--by --reason x" lacks the
 * --by value rather than naming someone "--reason". A value given with "=" may start with
 * anything. */
bool cli_opt_value_missing(char **argv);

#endif
