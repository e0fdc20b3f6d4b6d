#!/bin/bash
# A bad client ends only its own connection and the gate keeps serving: garbage bytes, a half
# handshake (X.224 request, then silence), a client that never sends anything (both cut by the
# handshake deadline), rdesktop (which FreeRDP 2.11 servers cannot accept: refused with a reason
# that names it), a client sending data on a channel the gate never opened (dropped, counted,
# session survives), five concurrent sessions plus a sixth refused by max_sessions at admission,
# and a target that is down (the client gets an error, the gate logs why). After all that a normal client
# still sees the target, and no thread or descriptor is left over.
. "$(dirname "$0")/lib/bench.sh"

bench_start_shadow 1024x768
GATE_PORT=$(bench_free_port) || bench_die "no free port"
DEAD_PORT=$(bench_free_port) || bench_die "no free port"    # reserved, nothing listens
DEAD_GATE_PORT=$(bench_free_port) || bench_die "no free port"
GATE_LOG=$BENCH_DIR/gate.log DEAD_LOG=$BENCH_DIR/gate-dead.log
PROBE=$BUILD/bench/rdp_probe

# start_gate NAME PORT TARGET-PORT: a gate with short handshake deadlines and 5 sessions at most.
start_gate() {
    bench_start_gate "$1" "$2" "target = 127.0.0.1:$3" "target_cert = ignore" \
        "max_sessions = 5" "handshake_timeout = 2" "connect_timeout = 3"
}
start_gate gate "$GATE_PORT" "$BENCH_SHADOW_PORT"
GATE_PID=$BENCH_PID
count() { ls "/proc/$GATE_PID/$1" 2>/dev/null | wc -l; }
fds0=$(count fd) threads0=$(count task)

# s1: garbage bytes.
head -c 4096 /dev/urandom >"$BENCH_DIR/garbage.bin"
python3 - "$GATE_PORT" "$BENCH_DIR/garbage.bin" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
try:
    s.sendall(open(sys.argv[2], "rb").read())
    s.settimeout(5)
    s.recv(100)
except OSError:
    pass
PY
# Random bytes either fail to parse at once or look like the start of a longer PDU, which
# the handshake deadline then ends: both end this connection only.
bench_expect_log "garbage bytes end that connection only" "$GATE_LOG" \
    's1 end: reason="(client left or was rejected during the handshake|handshake deadline passed)"' 20

# s2: half handshake: an X.224 connection request asking for TLS, then silence.
bench_spawn half-handshake python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(bytes.fromhex("030000130ee000000000000100080001000000"))
time.sleep(60)' "$GATE_PORT"
bench_check "half handshake accepted" bench_wait_log "$GATE_LOG" 's2 accepted' 10
# s3: a client that connects and never sends a byte.
bench_spawn silent-client python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(60)' "$GATE_PORT"
bench_expect_log "half handshake cut at the deadline" "$GATE_LOG" \
    's2 end: reason="handshake deadline passed"' 20
bench_expect_log "silent client cut at the deadline" "$GATE_LOG" \
    's3 end: reason="handshake deadline passed"' 20

# s4: rdesktop.
bench_start_rdesktop 127.0.0.1 "$GATE_PORT" -u bench -p bench -r clipboard:off
bench_expect_log "rdesktop refused with a reason naming it" "$GATE_LOG" \
    's4 end: reason="handshake rejected: the client looks like rdesktop' 20
bench_check "rdesktop ends" bench_wait_exit "$BENCH_RDESKTOP_PID" 15

# s5: data on a static channel the gate joined but never opened (cliprdr, denied by policy).
bench_check "a client sending on an unopened channel keeps its session (probe gets frames)" \
    "$PROBE" --seconds 2 --send-channel cliprdr:5 -- "/v:127.0.0.1:$GATE_PORT" /u:bench /p:bench /cert:ignore /bpp:24
bench_expect_log "data on the unopened channel dropped and counted" "$GATE_LOG" \
    's5 channel-data-dropped id=[0-9]+ bytes=64 total=64 count=5' 5
bench_expect_log "that session ended normally" "$GATE_LOG" \
    's5 end: reason="client disconnected" .*dropped_channel_pdus=5 ' 15

# s6: a client with a small maximum request size (16 KiB): updates are split for it, and what it
# decoded equals the target's screen.
bench_check "a client with a 16 KiB request limit gets a correct screen" \
    "$PROBE" --seconds 2 --max-request 16384 --dump "$BENCH_DIR/small.ppm" -- "/v:127.0.0.1:$GATE_PORT" /u:bench /p:bench /cert:ignore /bpp:24
bench_screenshot "$BENCH_SHADOW_DISPLAY" "$BENCH_DIR/small-target.png"
convert "$BENCH_DIR/small.ppm" "$BENCH_DIR/small.png"
bench_expect_similar "$BENCH_DIR/small.png" "$BENCH_DIR/small-target.png" 0.90 \
    "small request limit: the client's screen matches the target"

# s7..s11: five concurrent sessions; a sixth connection is refused by max_sessions.
pids=()
for i in 1 2 3 4 5; do
    bench_start_xfreerdp 127.0.0.1 "$GATE_PORT" /u:bench /p:bench /bpp:24
    pids+=("$BENCH_XFREERDP_PID")
done
wait_sessions() {
    local i
    for i in $(seq 300); do
        [ "$(bench_count_log "$GATE_LOG" 's([7-9]|1[01]) target-connected')" -ge 5 ] && return 0
        sleep 0.2
    done
    return 1
}
bench_check "five concurrent sessions reach the target" wait_sessions
# The sixth vendor finishes its handshake (connections wait in a pool of their own) and is
# refused when it would take a session slot, with an error the client shows.
"$PROBE" --seconds 2 -- "/v:127.0.0.1:$GATE_PORT" /u:bench /p:bench /cert:ignore /bpp:24 \
    >"$BENCH_DIR/sixth.log" 2>&1
bench_expect_log "a sixth session is refused (max_sessions)" "$GATE_LOG" \
    's[0-9]+ session-refused reason="max_sessions \(5\) reached"' 10
alive=0
for p in "${pids[@]}"; do bench_alive "$p" && alive=$((alive + 1)); done
bench_expect_eq "the five clients are still connected" 5 "$alive"
bench_stop "${pids[@]}"
wait_ends() {
    local i
    for i in $(seq 150); do
        [ "$(bench_count_log "$GATE_LOG" 's([7-9]|1[01]) end: reason="client disconnected"')" -ge 5 ] && return 0
        sleep 0.2
    done
    return 1
}
bench_check "the five sessions end" wait_ends

# A target that is down.
start_gate gate-dead "$DEAD_GATE_PORT" "$DEAD_PORT"
DEAD_PID=$BENCH_PID
bench_start_xfreerdp 127.0.0.1 "$DEAD_GATE_PORT" /u:bench /p:bench
bench_check "the client gives up" bench_wait_exit "$BENCH_XFREERDP_PID" 30
bench_expect_log "the gate says the target is unreachable" "$DEAD_LOG" \
    "s1 session-refused reason=\"target 127.0.0.1:$DEAD_PORT (connection failed|did not answer in time)" 5
bench_check "that gate keeps running" bench_alive "$DEAD_PID"

# And the first gate still serves a normal client.
bench_start_xfreerdp 127.0.0.1 "$GATE_PORT" /u:bench /p:bench
bench_check "next client opens its window" bench_wait_client_window "$BENCH_XFREERDP_DISPLAY" 30
bench_wait_similar "$BENCH_XFREERDP_DISPLAY" "$BENCH_SHADOW_DISPLAY" "$BENCH_DIR/client.png" \
    "$BENCH_DIR/target.png" 0.90 30
bench_expect_similar "$BENCH_DIR/client.png" "$BENCH_DIR/target.png" 0.90 \
    "after all that, a client still sees the target"
bench_stop "$BENCH_XFREERDP_PID"

leftover() { [ "$(count fd)" -le "$fds0" ] && [ "$(count task)" -le "$threads0" ]; }
wait_leftover() {
    local i
    for i in $(seq 150); do leftover && return 0; sleep 0.1; done
    echo "fds $(count fd) (before: $fds0), threads $(count task) (before: $threads0)" >&2
    return 1
}
bench_check "no thread or descriptor left over" wait_leftover
bench_stop "$GATE_PID" "$DEAD_PID"
bench_expect_log_absent "no sanitizer report from the gates" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
