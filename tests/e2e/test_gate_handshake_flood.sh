#!/bin/bash
# Idle or fast connections from one address cannot lock vendors out: a
# connection waits for its handshake in a pool of its own, separate from max_sessions; one
# address may hold max_source_handshakes (default 8) of that pool and open at most
# source_connects_per_minute (default 60) new connections a minute; refusals at accept name
# the limit. On a gate with max_sessions = 2: 90 quick connections from 127.0.0.4, about 60
# taken; then 50 idle sockets from 127.0.0.3, 8 taken and the rest refused, while a vendor
# from 127.0.0.1 gets its session; the 8 are cut at the handshake deadline. Only keys known
# before the fix are set, so the same script runs against an old gate.
. "$(dirname "$0")/lib/bench.sh"
RDPTLS=$BENCH_ROOT/tests/e2e/lib/rdp_tls.py

bench_start_shadow 1024x768
PORT=$(bench_free_port) || bench_die "no free port"
# max_sessions = 2: a gate counting raw connections would be full with two idle sockets.
bench_start_gate gate "$PORT" "target = 127.0.0.1:$BENCH_SHADOW_PORT" "target_cert = ignore" \
    "max_sessions = 2"
GATE_PID=$BENCH_PID LOG=$BENCH_DIR/gate.log
bench_expect_log "the gate reports its pools" "$LOG" \
    'ready \(max_sessions=2 max_handshakes=32 max_source_handshakes=8 source_connects_per_minute=60\)' 10
accepted_from() { bench_count_log "$LOG" "s[0-9]+ accepted from $1\$"; }

# 90 connections from 127.0.0.4, 50 ms apart (each ends before the next on the client's side).
# The budget refills one a second: 60 plus one per second the loop takes (about 5 s; 75 leaves
# a wide margin). Each connection holds its handshake slot until its worker process has
# ended, which takes longer than the client's 50 ms: some are refused by
# max_source_handshakes first, so fewer than 60 may be taken, never more than 75.
python3 "$RDPTLS" connects 127.0.0.1 "$PORT" 90 --source 127.0.0.4 >"$BENCH_DIR/fast.out" 2>&1
bench_expect_log "fast source: refused with a per-source limit named" "$LOG" \
    'refused connection from 127\.0\.0\.4: (source_connects_per_minute \(60\) reached|max_source_handshakes \(8\) connections of this source are handshaking)' 10
n=$(accepted_from 127.0.0.4)
bench_check "fast source: at most 60 (+ refill) of its 90 connections taken (took $n)" \
    test "$n" -ge 8 -a "$n" -le 75

# 50 idle sockets from 127.0.0.3, held up to 60 s; at once a vendor from 127.0.0.1.
bench_spawn idle python3 "$RDPTLS" hold 127.0.0.1 "$PORT" 50 60 --source 127.0.0.3
IDLE_PID=$BENCH_PID
bench_check "50 idle sockets connected" bench_wait_log "$BENCH_DIR/idle.log" '^holding 50$' 20
bench_start_xfreerdp 127.0.0.1 "$PORT" /u:bench /p:bench
bench_check "the vendor's session opens its window" bench_wait_client_window "$BENCH_XFREERDP_DISPLAY" 30
bench_expect_log "the vendor is admitted (a session slot was free)" "$LOG" \
    's[0-9]+ admitted: user="bench"' 10
bench_expect_log "the vendor reaches the target" "$LOG" 's[0-9]+ target-connected' 10
bench_check "the idle sockets are still held meanwhile" bench_alive "$IDLE_PID"
bench_expect_log "idle source: refused with the limit named" "$LOG" \
    'refused connection from 127\.0\.0\.3: max_source_handshakes \(8\) connections of this source are handshaking' 10
eight_taken() {
    local i
    for i in $(seq 50); do [ "$(accepted_from 127.0.0.3)" -ge 8 ] && break; sleep 0.2; done
    [ "$(accepted_from 127.0.0.3)" -eq 8 ]
}
bench_check "idle source: exactly 8 of its 50 sockets taken" eight_taken

# The idle ones leave at the handshake deadline (handshake_timeout + connect_timeout, 25 s).
cut() {
    local i
    for i in $(seq 200); do
        [ "$(bench_count_log "$LOG" 'end: reason="handshake deadline passed"')" -ge 8 ] && return 0
        sleep 0.2
    done
    return 1
}
bench_check "the 8 idle connections are cut at the handshake deadline" cut
bench_check "the vendor's session outlives them" bench_alive "$BENCH_XFREERDP_PID"
bench_stop "$BENCH_XFREERDP_PID" "$IDLE_PID"
bench_check "the gate keeps running" bench_alive "$GATE_PID"
bench_stop "$GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
