/* gate_sandbox: what a session worker process gives up before it reads a byte of its client.
 *
 * The process model (docs/process-model.md) hands each vendor connection to its own worker
 * process. A worker parses untrusted RDP from the client and from the target, so it runs with
 * nothing an exploited parser could use against the gate, the other sessions or the host.
 * Two irreversible steps, in this order, both before the worker starts any thread:
 *
 * 1. gate_sandbox_drop_user(): the whole process takes the worker user's uid and primary gid,
 *    no supplementary groups, and stops being dumpable (so that another worker of the same
 *    uid cannot read its memory through /proc/PID/mem or attach to it). It then checks that
 *    root cannot be taken back. From then on file modes decide what it may open: the monitor's
 *    database and keys (root, 0600, in a 0700 directory) are out of reach.
 *
 * 2. gate_sandbox_restrict_syscalls(): no_new_privs, then one seccomp filter, synchronised to
 *    every thread of the process:
 *    - FORBIDDEN calls kill the whole process (SIGSYS): running programs (execve, execveat),
 *      reaching other processes (ptrace, process_vm_*, kill/tgkill of another process),
 *      changing identity or capabilities (set*uid, set*gid, setgroups, capset), namespaces
 *      and mounts (mount, umount2, pivot_root, chroot, setns, unshare, clone with a CLONE_NEW*
 *      flag), kernel and system state (bpf, perf_event_open, *_module, kexec_*, reboot,
 *      swapon/off, acct, clock and time setting, iopl/ioperm, personality, syslog, quotactl),
 *      key rings, userfaultfd, file handles (open_by_handle_at), mknod.
 *    - NEEDED calls are allowed: the set that FreeRDP, WinPR, OpenSSL, FFmpeg, glibc and the
 *      recorder were seen to use in strace runs of real sessions (H.264, RemoteFX, bitmaps),
 *      plus their close relatives (readv for read, ppoll for poll, ...). The list is in
 *      gate_sandbox.c, one line per family, with why each is there.
 *    - Anything else fails with EPERM: an unusual but harmless call in a library degrades one
 *      feature rather than ending the session. clone3 fails with ENOSYS, so that glibc falls
 *      back to clone, whose flags the filter can check.
 *    Sockets: AF_UNIX (the monitor), AF_INET/AF_INET6 (the target), AF_NETLINK (glibc's name
 *    resolution asks the kernel for the local addresses); any other family is EPERM.
 *
 * Both return 0 on success, or -1 with one sentence in err (the worker must then end: fail
 * closed). Neither can be undone; a test that calls them does so in a child process.
 */
#ifndef RMGATE_GATE_SANDBOX_H
#define RMGATE_GATE_SANDBOX_H

#include <stddef.h>

/* Takes the identity of `user` (a name from the password database) for the whole process.
 * Must be called as root (or with CAP_SETUID and CAP_SETGID) and before any thread starts. */
int gate_sandbox_drop_user(const char *user, char *err, size_t errlen);

/* Sets no_new_privs and loads the seccomp filter described above (all threads). */
int gate_sandbox_restrict_syscalls(char *err, size_t errlen);

#endif
