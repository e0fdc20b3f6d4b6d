/* gate_sandbox: privilege drop and system-call filter of a session worker (gate_sandbox.h). */
#include "gate_sandbox.h"
#include "gate_err.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The sanitizer build (make SAN=1): LeakSanitizer's exit-time scan stops the threads of the
 * process with ptrace from a helper it clones, then waits for it. That build keeps the worker
 * dumpable and lets it trace itself (ptrace, wait4); everything else is as shipped, execve
 * included. The shipped build never has this. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_LSAN 1
#else
#define SANDBOX_LSAN 0
#endif

int gate_sandbox_drop_user(const char *user, char *err, size_t errlen)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	int rc = getpwnam_r(user, &pw, buf, sizeof buf, &found);
	if (rc != 0 || !found)
		return gate_err_fail(err, errlen, "the worker user \"%s\" does not exist%s%s", user, rc ? ": " : "",
			    rc ? strerror(rc) : "");
	if (pw.pw_uid == 0 || pw.pw_gid == 0)
		return gate_err_fail(err, errlen, "the worker user \"%s\" is root (uid or gid 0): refused", user);
	/* Groups first: after the uid changes the process may no longer change them. */
	if (setgroups(0, NULL) != 0)
		return gate_err_fail(err, errlen, "cannot drop the supplementary groups: %s", strerror(errno));
	if (setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) != 0)
		return gate_err_fail(err, errlen, "cannot take gid %u: %s", (unsigned)pw.pw_gid, strerror(errno));
	if (setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) != 0)
		return gate_err_fail(err, errlen, "cannot take uid %u: %s", (unsigned)pw.pw_uid, strerror(errno));
	/* Not dumpable: /proc/PID/mem, ptrace attach and core files stay closed to the other
	 * workers, which run as the same uid. */
	/* (The change of user has just reset it to the system's suid_dumpable, normally 0; the
	 * sanitizer build sets it back so that LeakSanitizer can trace the worker's threads.) */
	if (prctl(PR_SET_DUMPABLE, SANDBOX_LSAN ? 1L : 0L, 0L, 0L, 0L) != 0)
		return gate_err_fail(err, errlen, "cannot make the worker non-dumpable: %s", strerror(errno));
	/* The drop must be final: every id is the worker's, and root is out of reach. */
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 || ru != pw.pw_uid ||
	    eu != pw.pw_uid || su != pw.pw_uid || rg != pw.pw_gid || eg != pw.pw_gid || sg != pw.pw_gid)
		return gate_err_fail(err, errlen, "the change to user \"%s\" did not take on every id", user);
	if (setuid(0) == 0 || seteuid(0) == 0)
		return gate_err_fail(err, errlen, "root could be taken back after the change to \"%s\"", user);
	if (getgroups(0, NULL) != 0)
		return gate_err_fail(err, errlen, "supplementary groups remain after the change to \"%s\"", user);
	return 0;
}

/* Calls that kill the process: a worker never has a reason to make them, and each one would
 * leave the sandbox or reach beyond its own session. */
static const char *const forbidden[] = {
	"execve", "execveat",                                   /* no program but the gate */
#if !SANDBOX_LSAN
	"ptrace",
#endif
	"process_vm_readv", "process_vm_writev",                /* other processes' memory */
	"kcmp", "pidfd_open", "pidfd_getfd", "pidfd_send_signal",
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
	"setfsgid", "setgroups", "capset",                      /* identity and capabilities */
	"mount", "umount2", "pivot_root", "chroot", "setns", "unshare", "fsopen", "fsmount",
	"fsconfig", "fspick", "move_mount", "open_tree", "mount_setattr",
	"bpf", "perf_event_open", "init_module", "finit_module", "delete_module",
	"kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm",
	"personality", "syslog", "quotactl", "vhangup", "lookup_dcookie",
	"keyctl", "add_key", "request_key", "userfaultfd",
	"open_by_handle_at", "name_to_handle_at", "mknod", "mknodat",
};

/* Calls the gate needs, by family (strace -f of real sessions, and their close relatives). */
static const char *const needed[] = {
	/* files and descriptors: the recording (pwrite, fdatasync), libraries and configuration
	 * read at start (OpenSSL, FreeRDP's channel add-ins, locale), pipes and event fds */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "lseek",
	"close", "close_range", "open", "openat", "newfstatat", "fstat", "stat", "lstat", "statx",
	"statfs", "fstatfs", "access", "faccessat", "faccessat2", "readlink", "readlinkat",
	"getdents64", "getdents", "fcntl", "dup", "dup2", "dup3", "pipe", "pipe2", "ftruncate", "fsync",
	"fdatasync", "ioctl", "umask", "getcwd", "flock",
	/* memory (glibc malloc, FFmpeg's frame pools, FreeRDP's codecs) */
	"mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "membarrier",
	"get_mempolicy", "set_mempolicy",
	/* threads and their synchronisation (WinPR threads and events, the recorder's writer) */
	"futex", "futex_waitv", "set_robust_list", "get_robust_list", "rseq", "set_tid_address",
	"gettid", "getpid", "getppid", "sched_yield", "sched_getaffinity", "sched_getparam",
	"sched_getscheduler", "exit", "exit_group", "restart_syscall",
	/* waiting and time */
	"poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "timerfd_create",
	"timerfd_settime", "timerfd_gettime", "clock_gettime", "clock_getres", "clock_nanosleep",
	"nanosleep", "gettimeofday", "time",
	/* signals (WinPR and the worker's own SIGTERM/SIGPIPE handling) */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "sigaltstack",
	"signalfd", "signalfd4",
	/* network: the target connection and the monitor's socket */
	"connect", "getsockname", "getpeername", "setsockopt", "getsockopt", "shutdown", "sendto",
	"recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
	/* identity queries, entropy, limits (reads), process information */
	"getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid", "uname",
	"sysinfo", "getrandom", "getrlimit", "prlimit64", "getrusage", "prctl", "arch_prctl",
#if SANDBOX_LSAN
	"ptrace", "wait4", "waitid",
#endif
};

/* The namespace flags of clone(2): a worker creates threads, never namespaces. */
#define SANDBOX_CLONE_NEW_FLAGS                                                                    \
	((scmp_datum_t)(CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |   \
			CLONE_NEWUTS | CLONE_NEWCGROUP))

static int add_list(scmp_filter_ctx f, uint32_t action, const char *const *names, size_t n,
		    char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not a system call of this architecture */
		int rc = seccomp_rule_add(f, action, nr, 0);
		if (rc != 0)
			return gate_err_fail(err, errlen, "seccomp rule for %s: %s", names[i], strerror(-rc));
	}
	return 0;
}

int gate_sandbox_restrict_syscalls(char *err, size_t errlen)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0)
		return gate_err_fail(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!f)
		return gate_err_fail(err, errlen, "cannot create the seccomp filter");
	const scmp_datum_t self = (scmp_datum_t)getpid();
	static const int families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
	int rc;

	if ((rc = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1)) != 0)
		goto lib_failed;
	if (add_list(f, SCMP_ACT_KILL_PROCESS, forbidden, sizeof forbidden / sizeof *forbidden, err, errlen) != 0 ||
	    add_list(f, SCMP_ACT_ALLOW, needed, sizeof needed / sizeof *needed, err, errlen) != 0)
		goto out;
	/* Threads yes, namespaces no. clone3 passes its flags behind a pointer, which a seccomp
	 * filter cannot read: it returns ENOSYS, and glibc then falls back to clone, whose flags
	 * (argument 0) the rules below check. */
	if ((rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				   SCMP_A0(SCMP_CMP_MASKED_EQ, SANDBOX_CLONE_NEW_FLAGS, 0))) != 0 ||
	    (rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) != 0)
		goto lib_failed;
	/* One rule per namespace flag (a rule matches all bits of its mask, not any). */
	for (unsigned bit = 0; bit < 64; bit++) {
		const scmp_datum_t flag = (scmp_datum_t)1 << bit;
		if ((SANDBOX_CLONE_NEW_FLAGS & flag) &&
		    (rc = seccomp_rule_add(f, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
					   SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag))) != 0)
			goto lib_failed;
	}
	/* Signals to itself only (raise, abort, thread cancellation); never to another process. */
	if ((rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_EQ, self))) != 0 ||
	    (rc = seccomp_rule_add(f, SCMP_ACT_KILL_PROCESS, SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_NE, self))) != 0 ||
	    (rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_EQ, self))) != 0 ||
	    (rc = seccomp_rule_add(f, SCMP_ACT_KILL_PROCESS, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_NE, self))) != 0)
		goto lib_failed;
	/* Sockets of the families the worker uses; any other family is EPERM. */
	for (size_t i = 0; i < sizeof families / sizeof *families; i++) {
		const scmp_datum_t family = (scmp_datum_t)families[i];
		if ((rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, family))) != 0 ||
		    (rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1, SCMP_A0(SCMP_CMP_EQ, family))) != 0)
			goto lib_failed;
	}
	if ((rc = seccomp_load(f)) != 0)
		goto lib_failed;
	seccomp_release(f);
	return 0;

lib_failed:
	gate_err_set(err, errlen, "cannot build or load the seccomp filter: %s",
	     rc < 0 ? strerror(-rc) : "a thread could not take it");
out:
	seccomp_release(f);
	return -1;
}
