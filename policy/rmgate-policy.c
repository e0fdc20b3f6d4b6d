/* rmgate-policy: command-line entry point; the commands live in policy/cli*.c. */
#include "cli.h"
#include "i18n.h"

int main(int argc, char **argv)
{
	i18n_init();
	return policy_cli_main(argc, argv);
}
