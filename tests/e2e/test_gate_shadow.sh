#!/bin/bash
# The gate in front of freerdp-shadow: xfreerdp through the gate shows the target's screen
# with the graphics pipeline (H.264 AVC444 and AVC420), with RemoteFX, and without the pipeline
# (plain bitmaps), and each time the codec the target really used is the one that reached the
# client (the gate's receipt names it; for H.264 the client's own log shows the metablocks).
# Each session ends when the client disconnects, and afterwards the gate holds no more threads
# or file descriptors than before the first client; the same after the target goes away under a
# running session. Under SAN=1 the gate must exit without a
# sanitizer report.
. "$(dirname "$0")/lib/bench.sh"

bench_start_shadow 1024x768
GATE_PORT=$(bench_free_port) || bench_die "no free port"
GATE_LOG=$BENCH_DIR/gate.log
bench_start_gate gate "$GATE_PORT" "target = 127.0.0.1:$BENCH_SHADOW_PORT" "target_cert = ignore"
GATE_PID=$BENCH_PID

count() { ls "/proc/$GATE_PID/$1" 2>/dev/null | wc -l; }
fds0=$(count fd) threads0=$(count task)
session=0

# through_gate NAME GATE-CODEC-REGEX [XFREERDP ARGS...]
through_gate() {
    local name=$1 codec=$2
    shift 2
    session=$((session + 1))
    bench_start_xfreerdp 127.0.0.1 "$GATE_PORT" /u:bench /p:bench "$@"
    bench_check "$name: xfreerdp opens its window" bench_wait_client_window "$BENCH_XFREERDP_DISPLAY" 30
    local client=$BENCH_DIR/client-$session.png target=$BENCH_DIR/target-$session.png
    bench_wait_similar "$BENCH_XFREERDP_DISPLAY" "$BENCH_SHADOW_DISPLAY" "$client" "$target" 0.90 30
    bench_expect_similar "$client" "$target" 0.90 "$name: client shows the target's screen through the gate"
    bench_expect_log "$name: codec used end to end is $codec" "$GATE_LOG" \
        "s$session codec codec=$codec\$" 10
    bench_check "$name: client still connected" bench_alive "$BENCH_XFREERDP_PID"
    bench_stop "$BENCH_XFREERDP_PID"
    bench_expect_log "$name: session ends when the client disconnects" "$GATE_LOG" \
        "s$session end: reason=\"client disconnected\"" 15
}

through_gate "gfx h264 (default)" 'gfx-avc444(v2)?'
# freerdp-shadow offers audio input (AUDIO_INPUT) to every client: the back refuses it.
bench_expect_log "receipt: the target's audio-input dynamic channel was refused" "$GATE_LOG" \
    's1 dvc-denied name=AUDIO_INPUT class="audio input"' 1
bench_expect_log "gfx h264: the client decoded H.264" "$BENCH_XFREERDP_LOG" 'H264_METABLOCK' 5
through_gate "gfx avc420" 'gfx-avc420' /gfx:avc420
through_gate "gfx remotefx" 'remotefx' /gfx:rfx
through_gate "no gfx (bitmaps)" 'bitmap bpp=32 compressed=yes' /bpp:24
bench_expect_log_absent "no frame of the gate's decoder failed" "$GATE_LOG" 'decode-error'
bench_expect_log "the gate's framebuffer saw frames (observer input)" "$GATE_LOG" \
    'end: .* frames=[1-9][0-9]* ' 1

# Every session's threads and descriptors are gone (they leave within the close timeout).
leftover() { [ "$(count fd)" -le "$fds0" ] && [ "$(count task)" -le "$threads0" ]; }
wait_leftover() {
    local i
    for i in $(seq 100); do leftover && return 0; sleep 0.1; done
    echo "fds $(count fd) (before: $fds0), threads $(count task) (before: $threads0)" >&2
    return 1
}
bench_check "no thread or descriptor left after $session sessions" wait_leftover

# Teardown from the target side: the target goes away under a running session.
bench_start_xfreerdp 127.0.0.1 "$GATE_PORT" /u:bench /p:bench /bpp:24
session=$((session + 1))
bench_expect_log "target-side teardown: session up" "$GATE_LOG" "s$session target-connected" 30
bench_check "target-side teardown: client window" bench_wait_client_window "$BENCH_XFREERDP_DISPLAY" 30
bench_stop "$BENCH_SHADOW_PID"
bench_expect_log "target-side teardown: the session ends" "$GATE_LOG" \
    "s$session end: reason=\"target disconnected\"" 20
bench_check "target-side teardown: the client is disconnected" bench_wait_exit "$BENCH_XFREERDP_PID" 20
bench_check "no thread or descriptor left after the target-side teardown" wait_leftover

bench_stop "$GATE_PID"
bench_expect_log "gate shuts down on SIGTERM" "$GATE_LOG" 'signal 15 received' 5
bench_expect_log_absent "no sanitizer report from the gate" "$GATE_LOG" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
