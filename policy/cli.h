/* cli.h: rmgate-policy's command line (cli.c: global options, opening the database,
 * dispatch to the commands of cli_commands.h). Single-threaded. Exit codes (cli_util.h):
 * 0 ok, 1 refused or invalid request, 2 usage error.
 */
#ifndef RMGATE_POLICY_CLI_H
#define RMGATE_POLICY_CLI_H

#include "cli_util.h"

/* The whole program (rmgate-policy's main calls this). */
int policy_cli_main(int argc, char **argv);

#endif
