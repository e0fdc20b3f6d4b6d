/* The session worker's sandbox (gate_sandbox.h), each step in a child process (both are
 * irreversible):
 * - after the drop to an unprivileged user, a file of root's with mode 0600 (as the ledger
 *   database and secret.key are) cannot be opened, root cannot be taken back, no
 *   supplementary group is left, and the process is not dumpable;
 * - a root or unknown worker user is refused with a sentence;
 * - under the system-call filter, execve, ptrace, mount, unshare, a thread-creating clone
 *   with a namespace flag and a signal to another process each kill the child with SIGSYS;
 *   a socket of a family the worker does not use fails with EPERM;
 * - what a worker does all day still works under the filter: files, a socket pair, a
 *   thread, memory, the clock, a TCP socket connected on loopback.
 * Needs root (the drop); the tests run as root (tests/e2e/README.md).
 * The sanitizer build (make SAN=1) keeps the worker dumpable and lets it trace itself, so that
 * LeakSanitizer can scan it at exit (gate_sandbox.c); there these two checks expect that build's
 * rule, and the normal pass checks the shipped one.
 * The children end with _exit: LeakSanitizer's exit-time scan (it uses ptrace) is not run
 * under the filter. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>

#if defined(__SANITIZE_ADDRESS__)
#define SHIPPED_RULES 0
#else
#define SHIPPED_RULES 1
#endif
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gate_sandbox.h"

/* The unprivileged user the drop tests take: Debian's `nobody` (the worker's own `rmgate`
 * user exists only where the package is installed). */
#define TEST_USER "nobody"

/* Runs child() in a forked process; returns its wait status. */
static int in_child(int (*child)(void *), void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child(arg));
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_exit_code(int status, int code)
{
	if (!WIFEXITED(status))
		fail_msg("child did not exit: %s %d", WIFSIGNALED(status) ? "signal" : "status",
			 WIFSIGNALED(status) ? WTERMSIG(status) : status);
	assert_int_equal(WEXITSTATUS(status), code);
}

static void assert_killed_by_sigsys(int status)
{
	if (!WIFSIGNALED(status))
		fail_msg("child was not killed: exit %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

/* ---- the drop ---------------------------------------------------------------------------- */

static char secret_path[64];

static int drop_then_open_secret(void *arg)
{
	(void)arg;
	char err[256] = "";
	if (gate_sandbox_drop_user(TEST_USER, err, sizeof err) != 0) {
		fprintf(stderr, "drop: %s\n", err);
		return 10;
	}
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0)
		return 11;
	if (getgroups(0, NULL) != 0)
		return 12;
	if (setuid(0) == 0 || setgid(0) == 0)
		return 13;
	if (prctl(PR_GET_DUMPABLE, 0L, 0L, 0L, 0L) != (SHIPPED_RULES ? 0 : 1))
		return 14;
	int fd = open(secret_path, O_RDONLY);
	if (fd >= 0)
		return 15; /* the worker read root's 0600 file */
	return errno == EACCES ? 0 : 16;
}

static void drop_user_cannot_open_root_files(void **state)
{
	(void)state;
	strcpy(secret_path, "/tmp/rmgate-sandbox-XXXXXX");
	int fd = mkstemp(secret_path);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0600), 0);
	assert_int_equal(write(fd, "key", 3), 3);
	close(fd);
	int status = in_child(drop_then_open_secret, NULL);
	unlink(secret_path);
	assert_exit_code(status, 0);
}

static int drop_to(void *user)
{
	char err[256] = "";
	int rc = gate_sandbox_drop_user(user, err, sizeof err);
	/* exit 0: refused with a sentence naming the user */
	return rc == -1 && strstr(err, (const char *)user) ? 0 : 1;
}

static void drop_refuses_root_and_unknown_users(void **state)
{
	(void)state;
	assert_exit_code(in_child(drop_to, "root"), 0);
	assert_exit_code(in_child(drop_to, "rmgate-no-such-user"), 0);
}

/* ---- the filter -------------------------------------------------------------------------- */

static int filtered(void)
{
	char err[256] = "";
	if (gate_sandbox_restrict_syscalls(err, sizeof err) != 0) {
		fprintf(stderr, "filter: %s\n", err);
		_exit(20);
	}
	return 0;
}

static int try_execve(void *arg)
{
	(void)arg;
	filtered();
	char *argv[] = { "/bin/true", NULL };
	execve("/bin/true", argv, NULL);
	return 21; /* not killed */
}

static int try_ptrace(void *arg)
{
	(void)arg;
	filtered();
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	return 21;
}

static int try_mount(void *arg)
{
	(void)arg;
	filtered();
	mount("none", "/tmp", "tmpfs", 0, NULL);
	return 21;
}

static int try_unshare(void *arg)
{
	(void)arg;
	filtered();
	unshare(CLONE_NEWUSER);
	return 21;
}

static int try_clone_namespace(void *arg)
{
	(void)arg;
	filtered();
	/* raw clone with a namespace flag (as a thread library would never ask) */
	syscall(SYS_clone, (unsigned long)(CLONE_NEWNET | SIGCHLD), NULL, NULL, NULL, 0UL);
	return 21;
}

static int try_kill_other(void *arg)
{
	pid_t other = *(pid_t *)arg;
	filtered();
	kill(other, 0);
	return 21;
}

static void forbidden_calls_kill_the_worker(void **state)
{
	(void)state;
	assert_killed_by_sigsys(in_child(try_execve, NULL));
	if (SHIPPED_RULES)
		assert_killed_by_sigsys(in_child(try_ptrace, NULL));
	assert_killed_by_sigsys(in_child(try_mount, NULL));
	assert_killed_by_sigsys(in_child(try_unshare, NULL));
	assert_killed_by_sigsys(in_child(try_clone_namespace, NULL));
	pid_t parent = getpid();
	assert_killed_by_sigsys(in_child(try_kill_other, &parent));
}

static int try_packet_socket(void *arg)
{
	(void)arg;
	filtered();
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	return fd < 0 && errno == EPERM ? 0 : 22;
}

static void other_socket_families_fail_with_eperm(void **state)
{
	(void)state;
	assert_exit_code(in_child(try_packet_socket, NULL), 0);
}

static void *thread_body(void *arg)
{
	*(int *)arg = 42;
	return NULL;
}

static int daily_work(void *arg)
{
	int listener = *(int *)arg;
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;
	if (getsockname(listener, (struct sockaddr *)&addr, &len) != 0)
		return 30;
	filtered();
	/* a file: write, read back, sync (the recorder) */
	char path[] = "/tmp/rmgate-sandbox-work-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || pwrite(fd, "frame", 5, 0) != 5 || fdatasync(fd) != 0)
		return 31;
	char buf[8] = { 0 };
	if (pread(fd, buf, 5, 0) != 5 || memcmp(buf, "frame", 5) != 0)
		return 32;
	close(fd);
	unlink(path); /* harmless if the filter refused it: the parent removes it too */
	/* a socket pair (the monitor's channel) */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0 || send(sv[0], "hi", 2, 0) != 2 ||
	    recv(sv[1], buf, sizeof buf, 0) != 2)
		return 33;
	close(sv[0]);
	close(sv[1]);
	/* a thread (WinPR, the recorder's writer) */
	pthread_t t;
	int value = 0;
	if (pthread_create(&t, NULL, thread_body, &value) != 0 || pthread_join(t, NULL) != 0 || value != 42)
		return 34;
	/* memory, the clock, a nap */
	void *big = malloc(64 << 20);
	if (!big)
		return 35;
	memset(big, 1, 64 << 20);
	free(big);
	struct timespec ts = { 0, 1000000 };
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0 || nanosleep(&(struct timespec){ 0, 1000000 }, NULL) != 0)
		return 36;
	/* a TCP connection (the target) */
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) != 0)
		return 37;
	close(s);
	/* a signal to itself */
	signal(SIGUSR1, SIG_IGN);
	if (raise(SIGUSR1) != 0)
		return 38;
	return 0;
}

static void daily_work_passes_the_filter(void **state)
{
	(void)state;
	int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_true(listener >= 0);
	assert_int_equal(bind(listener, (struct sockaddr *)&addr, sizeof addr), 0);
	assert_int_equal(listen(listener, 1), 0);
	int status = in_child(daily_work, &listener);
	close(listener);
	assert_exit_code(status, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drop_user_cannot_open_root_files),
		cmocka_unit_test(drop_refuses_root_and_unknown_users),
		cmocka_unit_test(forbidden_calls_kill_the_worker),
		cmocka_unit_test(other_socket_families_fail_with_eperm),
		cmocka_unit_test(daily_work_passes_the_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
