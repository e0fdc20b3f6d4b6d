/* rmgate-policy: command-line entry point; the commands live in policy/cli*.c. */
#include "cli.h"

int main(int argc, char **argv)
{
	return policy_cli_main(argc, argv);
}
