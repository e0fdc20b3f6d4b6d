/* rmgate-policy: command-line entry point (placeholder until its module lands). */
#include <stdio.h>
#include <string.h>

static void print_usage(FILE *out)
{
	fprintf(out, "Usage: rmgate-policy [-d DB] COMMAND ...\n\nPermits, the ledger and reports for rmgate.\n\n  -d, --database DB   the SQLite database\n  -h, --help          show this help\n  -V, --version       show the version\n");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("rmgate-policy %s\n", RMGATE_VERSION);
			return 0;
		}
		fprintf(stderr, "rmgate-policy: unknown option or command '%s' (try --help)\n", argv[i]);
		return 2;
	}
	print_usage(stderr);
	return 2;
}
