#!/bin/bash
# The bench itself: a test script that is killed (SIGTERM, as the runner's
# timeout does) while an xrdp target with a live session, a shadow target and
# two clients run must leave nothing behind: every process it started (and
# the session's Xvnc and user processes) ends, it reports the interruption as
# a FAIL line and releases the xrdp lock; and the machine never saw the test
# user or the bench's sesman.ini (they lived in the xrdp target's mount
# namespace): /etc/passwd, /etc/group and /etc/xrdp are as before, the test
# user is unknown, and the test UID owns nothing in /tmp.
. "$(dirname "$0")/lib/bench.sh"

# The machine's files, taken holding the xrdp lock: no xrdp test is running,
# so none is changing them (an older bench edited /etc/xrdp/sesman.ini).
host_state() {
    md5sum /etc/passwd /etc/group /etc/xrdp/* 2>/dev/null
    ls -A /home
}
bench__xrdp_lock
before=$(host_state)
bench__xrdp_unlock

pidfile=$BENCH_DIR/child.pids
bench_spawn child bash "$BENCH_LIB/selftest-child.sh" "$pidfile"
child=$BENCH_PID
bench_check "child started its targets and clients" bench_wait_log "$pidfile" . 120 || exit 1
read -r child_dir child_uid pids <"$pidfile"
bench_log "child $child, test UID $child_uid, processes: $pids"
bench_check "the test user is unknown to the machine while its session runs" \
    bash -c "! getent passwd '$BENCH_XRDP_USER' && ! getent passwd '$child_uid'"

kill -TERM "$child"
bench_check "child ends after SIGTERM" bench_wait_exit "$child" 30
wait "$child"
bench_expect_eq "child exit status" 143 "$?"
bench_expect_log "child reports the interruption" "$BENCH_DIR/child.log" \
    '^FAIL: bench_cleanup_child: interrupted \(SIGTERM\)' 5

alive=
for p in $pids; do
    bench_alive "$p" && alive="$alive $p($(cat "/proc/$p/comm" 2>/dev/null))"
done
bench_expect_eq "every process of the child ended" "" "$alive"

# Taking the lock proves the child released it.
bench__xrdp_lock
bench_expect_eq "/etc/passwd, /etc/group, /etc/xrdp and /home unchanged" "$before" "$(host_state)"
bench_expect_eq "nothing of the test UID in /tmp" "" \
    "$(find /tmp -mindepth 1 -maxdepth 2 -uid "$child_uid" 2>/dev/null)"
bench_check "child's run dir kept" test -d "$child_dir/chansrv"
rm -rf "$child_dir"
