/* rmgate-proxy: command-line entry point (placeholder until its module lands). */
#include <stdio.h>
#include <string.h>

static void print_usage(FILE *out)
{
	fprintf(out, "Usage: rmgate-proxy [-c FILE] [--check-config]\n\nThe rmgate RDP gate. (Under construction: the gate itself lands with issue 3.)\n\n  -c, --config FILE   configuration file (default: embedded default)\n      --check-config  check the configuration and exit\n  -h, --help          show this help\n  -V, --version       show the version\n");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("rmgate-proxy %s\n", RMGATE_VERSION);
			return 0;
		}
		fprintf(stderr, "rmgate-proxy: unknown option or command '%s' (try --help)\n", argv[i]);
		return 2;
	}
	print_usage(stderr);
	return 2;
}
