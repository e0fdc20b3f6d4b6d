#!/bin/bash
# A client that stops reading cannot make the gate's memory grow. A hostile client
# (rdp_probe --gfx-suspend-stall) acknowledges its first graphics-pipeline frame with queueDepth =
# SUSPEND_FRAME_ACKNOWLEDGEMENT (0xFFFFFFFF, "do not wait for my acknowledgements") and then keeps
# its socket open without reading it for 20 s. The target is tests/bench/gfx_target, which sends
# 256 KB frames, at most 4 unacknowledged, or as fast as it is read once acknowledgements are
# suspended (what a Windows host does).
#   1. The gate never passes the SUSPEND on (the target never sees it) and acknowledges frames
#      itself as they leave towards the client, so the target stays paced.
#   2. Against a target that ignores acknowledgements altogether, the gate stops reading the
#      target while its output to the client is backed up.
# Each time the gate's resident memory stays under baseline + 200 MB (measured on main: +630 MB
# in 20 s, about 31 MB/s), and a second, well-behaved client through the same gate gets frames
# meanwhile.
. "$(dirname "$0")/lib/bench.sh"

STALL_S=20
RSS_GROWTH_MAX_KB=$((200 * 1024))
PROBE=$BUILD/bench/rdp_probe
# Under the sanitizers the gate decodes and forwards about ten times slower (measured: 1-2
# frames/s of 256 KB on the loaded bench): the target is slowed down so that the gate's own
# decoder keeps up (its input queue is not what this test bounds; see docs/gate.md "Known
# limits"), and ASan's quarantine of freed memory, which RSS would count, is kept small.
TARGET_RATE=()
if [ "${SAN:-}" = 1 ]; then
    TARGET_RATE=(--fps 3)
    STALL_S=40
    export BENCH_GATE_ASAN=quarantine_size_mb=16
fi

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$BENCH_DIR/target-key.pem" \
    -out "$BENCH_DIR/target-cert.pem" -days 2 -subj /CN=gfx-target >/dev/null 2>&1 ||
    bench_die "cannot make the target's certificate"

# stall_case NAME [GFX_TARGET-ARGS...]: a target, a gate in front of it, the hostile client and
# a well-behaved one; sets TARGET_LOG and GATE_LOG.
stall_case() {
    local name=$1 tport gport gate_pid worker_pid hostile_pid good_pid rss0 peak r deadline growth
    shift
    tport=$(bench_free_port) || bench_die "no free port"
    gport=$(bench_free_port) || bench_die "no free port"
    bench_spawn "target-$name" "$BUILD/bench/gfx_target" --port "$tport" \
        --cert "$BENCH_DIR/target-cert.pem" --key "$BENCH_DIR/target-key.pem" "${TARGET_RATE[@]}" "$@"
    TARGET_LOG=$BENCH_DIR/target-$name.log
    bench_check "$name: target listens" bench_wait_port "$tport" 20 || exit 1
    bench_start_gate "gate-$name" "$gport" "target = 127.0.0.1:$tport" "target_cert = ignore"
    gate_pid=$BENCH_PID
    GATE_LOG=$BENCH_DIR/gate-$name.log

    bench_spawn "hostile-$name" "$PROBE" --seconds "$STALL_S" --gfx-suspend-stall -- \
        "/v:127.0.0.1:$gport" /u:bench /p:bench /cert:ignore /size:1024x768 /gfx
    hostile_pid=$BENCH_PID
    bench_check "$name: hostile client suspended acknowledgements and stopped reading" \
        bench_wait_log "$BENCH_DIR/hostile-$name.log" 'no longer reading' 40
    # The session runs in its own worker process: its memory is what the client could grow.
    worker_pid=$(bench__descendants "$gate_pid" | awk '{print $1}')
    rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$worker_pid/status" 2>/dev/null)
    bench_log "$name: worker $worker_pid RSS when the client stopped reading: ${rss0:-?} kB"

    bench_spawn "good-$name" "$PROBE" --seconds 5 -- \
        "/v:127.0.0.1:$gport" /u:bench /p:bench /cert:ignore /size:800x600 /gfx
    good_pid=$BENCH_PID

    peak=${rss0:-0}
    deadline=$(( $(date +%s) + STALL_S ))
    while [ "$(date +%s)" -lt "$deadline" ] && bench_alive "$gate_pid"; do
        r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$worker_pid/status" 2>/dev/null)
        [ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
        echo "$(date +%s.%N) $r" >>"$BENCH_DIR/rss-$name.log"
        sleep 0.5
    done
    bench_log "$name: worker RSS peak during the stall: $peak kB (baseline ${rss0:-?} kB)"
    bench_check "$name: the gate survived the stalled client" bench_alive "$gate_pid"
    growth=$(( peak - ${rss0:-0} ))
    if [ -n "$rss0" ] && [ "$growth" -le "$RSS_GROWTH_MAX_KB" ]; then
        bench_pass "$name: the session's memory stays bounded while a client does not read (grew ${growth} kB, bound ${RSS_GROWTH_MAX_KB} kB)"
    else
        bench_fail "$name: the session's memory stays bounded while a client does not read" \
            "grew ${growth} kB in ${STALL_S} s (baseline ${rss0:-?} kB, peak $peak kB), bound ${RSS_GROWTH_MAX_KB} kB"
    fi
    bench_check "$name: well-behaved client measured" bench_wait_exit "$good_pid" 60
    bench_expect_log "$name: well-behaved client got frames meanwhile" "$BENCH_DIR/good-$name.log" \
        'first_frame_ms=[0-9].* frames=[1-9][0-9]*' 1
    bench_expect_log "$name: the gate did not forward the client's SUSPEND_FRAME_ACKNOWLEDGEMENT" \
        "$GATE_LOG" 's1 .*SUSPEND_FRAME_ACKNOWLEDGEMENT not forwarded' 5
    bench_expect_log_absent "$name: the target never saw acknowledgements suspended" "$TARGET_LOG" \
        'SUSPENDED'
    bench_stop "$hostile_pid"
    bench_expect_log "$name: the stalled session ends when its client goes" "$GATE_LOG" \
        's1 end: reason=' 30
    bench_stop "$gate_pid"
    bench_expect_log "$name: gate shuts down on SIGTERM" "$GATE_LOG" 'signal 15 received' 10
    bench_expect_log_absent "$name: no sanitizer report from the gate" "$GATE_LOG" \
        'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
}

# 1. A target that honours acknowledgements: the gate's own keep it paced.
stall_case paced
bench_expect_log "paced: the gate acknowledged frames to the target itself" "$TARGET_LOG" \
    'connection ended after [0-9]+ frames, [1-9][0-9]* acknowledgements' 10

# 2. A target that ignores acknowledgements: the gate stops reading it.
stall_case flood --in-flight 1000000000
bench_expect_log "flood: the gate stopped reading the target while the client's output was backed up" \
    "$GATE_LOG" 's1 the client is not taking its graphics' 1
