#!/bin/bash
# Display-control resize through the gate: xfreerdp /dynamic-resolution through the gate to
# xrdp; the client's window is resized to 800x600; the gate forwards the client's monitor
# layout to the target's display control channel, the session's X display takes the new size,
# the target reactivates the gate's back at that size, the gate reactivates the client, and the
# client again shows the session's screen.
. "$(dirname "$0")/lib/bench.sh"

bench_start_xrdp
GATE_PORT=$(bench_free_port) || bench_die "no free port"
# Leak detection is off for this one gate: after xrdp's Deactivate-Reactivate, LSan reports one
# 64-byte block allocated inside libfreerdp2 under freerdp_connect (no frame of the gate in its
# stack; Debian's stripped library names no function to suppress). Every other sanitizer check
# stays on, and the same gate code runs with leak detection in test_gate_xrdp_viewonly.sh.
BENCH_GATE_ASAN=detect_leaks=0 bench_start_gate gate "$GATE_PORT" \
    "target = 127.0.0.1:$BENCH_XRDP_PORT" "target_cert = ignore"
GATE_PID=$BENCH_PID GATE_LOG=$BENCH_DIR/gate.log

bench_start_xfreerdp 127.0.0.1 "$GATE_PORT" "/u:$BENCH_XRDP_USER" "/p:$BENCH_XRDP_PASS" \
    -clipboard /dynamic-resolution
bench_check "session starts" bench_xrdp_wait_session 40 || exit 1
session=$(bench_xrdp_session_display)
bench_check "client window is up" bench_wait_client_window "$BENCH_XFREERDP_DISPLAY" 30

size_of() { bench_x "$1" xdpyinfo 2>/dev/null | awk '/dimensions:/ { print $2; exit }'; }
bench_expect_eq "session starts at 1024x768" 1024x768 "$(size_of "$session")"
win=$(bench_client_window "$BENCH_XFREERDP_DISPLAY")
bench_x "$BENCH_XFREERDP_DISPLAY" xdotool windowsize "$win" 800 600
bench_expect_log "the gate forwards the client's layout" "$GATE_LOG" \
    'display layout from the client: 1 monitor\(s\), first 800x600, forwarded' 20
wait_size() {
    local i
    for i in $(seq 100); do [ "$(size_of "$session")" = "$1" ] && return 0; sleep 0.2; done
    echo "session display is $(size_of "$session")" >&2
    return 1
}
bench_check "the session display becomes 800x600" wait_size 800x600
bench_expect_log "the gate reactivates the client at 800x600" "$GATE_LOG" \
    'reactivating the front at 800x600' 20
pattern=$BENCH_DIR/pattern.png
bench_make_pattern "$pattern" 800x600
bench_x "$session" display -window root "$pattern" 2>/dev/null
bench_wait_similar "$BENCH_XFREERDP_DISPLAY" "$session" "$BENCH_DIR/client.png" "$BENCH_DIR/target.png" 0.95 30
bench_expect_similar "$BENCH_DIR/client.png" "$BENCH_DIR/target.png" 0.95 "client shows the resized session"
bench_expect_eq "client content is 800x600" "800 600" "$(identify -format '%w %h' "$BENCH_DIR/client.png")"
bench_check "client still connected" bench_alive "$BENCH_XFREERDP_PID"
bench_stop "$BENCH_XFREERDP_PID"
bench_expect_log "session ends" "$GATE_LOG" 's1 end: reason="client disconnected"' 15
bench_stop "$GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate" "$GATE_LOG" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
