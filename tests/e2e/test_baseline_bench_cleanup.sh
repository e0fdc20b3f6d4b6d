#!/bin/bash
# The bench itself: a test script that is killed (SIGTERM, as the runner's
# timeout does) while an xrdp target with a live session, a shadow target and
# two clients run must leave nothing behind: every process it started (and
# the session's Xvnc and user processes) ends, it reports the interruption as
# a FAIL line, releases the xrdp lock and restores /etc/xrdp/sesman.ini.
. "$(dirname "$0")/lib/bench.sh"

pidfile=$BENCH_DIR/child.pids
bench_spawn child bash "$BENCH_LIB/selftest-child.sh" "$pidfile"
child=$BENCH_PID
bench_check "child started its targets and clients" bench_wait_log "$pidfile" . 120 || exit 1
read -r child_dir pids <"$pidfile"
bench_log "child $child, processes: $pids"

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

# Taking the lock proves the child released it; holding it, sesman.ini is
# stable to compare.
bench__xrdp_lock
bench_check "sesman.ini restored" cmp /etc/xrdp/sesman.ini /etc/xrdp/sesman.ini.rmgate-orig
bench_check "child's run dir kept" test -d "$child_dir/chansrv"
rm -rf "$child_dir"
