#!/bin/bash
# Child of test_baseline_bench_cleanup.sh: starts an xrdp target with a
# session, a shadow target and two clients, writes its run dir, the test
# user's UID and every PID it knows to $1 (one line), then waits until it is
# killed.
BENCH_NAME=bench_cleanup_child
. "$(dirname "$0")/bench.sh"

bench_start_xrdp
bench_start_xfreerdp 127.0.0.1 "$BENCH_XRDP_PORT" "/u:$BENCH_XRDP_USER" "/p:$BENCH_XRDP_PASS" /smartcard
bench_start_shadow
bench_start_xfreerdp 127.0.0.1 "$BENCH_SHADOW_PORT" /u:a /p:b
bench_check "child: xrdp session up" bench_xrdp_wait_session 40 || exit 1
bench_check "child: shadow client up" \
    bench_wait_log "$BENCH_SHADOW_LOG" 'Client from 127\.0\.0\.1 is activated' 30 || exit 1
echo "$BENCH_DIR $BENCH_XRDP_UID ${BENCH_PIDS[*]} $(bench_xrdp_xvnc_pids) $(bench__xrdp_user_pids | tr '\n' ' ')" >"$1.tmp"
mv "$1.tmp" "$1"
bench_wait_log /dev/null 'never' 600
