/* mdwe_exec: runs a program with the kernel's "memory-deny-write-execute" (PR_SET_MDWE,
 * Linux 6.3+) switched on, the same rule as systemd's MemoryDenyWriteExecute=yes: no mapping
 * may be writable and executable, and none may become executable later. The setting is kept
 * across execve and inherited by every thread and child. Test-only: test_gate_hardening runs
 * the gate under it for a live H.264 session, the evidence that rmgate.service may set
 * MemoryDenyWriteExecute=yes.
 *
 *   mdwe_exec PROGRAM [ARG...]
 *
 * Exits 3 with one line if the kernel has no PR_SET_MDWE; otherwise it becomes PROGRAM. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN (1UL << 0)
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mdwe_exec PROGRAM [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L) != 0) {
		fprintf(stderr, "mdwe_exec: PR_SET_MDWE: %s (the kernel needs 6.3 or later)\n", strerror(errno));
		return 3;
	}
	execv(argv[1], argv + 1);
	fprintf(stderr, "mdwe_exec: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
