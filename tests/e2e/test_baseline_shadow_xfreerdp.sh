#!/bin/bash
# Baseline: xfreerdp connected directly to freerdp-shadow (no gate) shows the
# target's screen. The client's window content is compared with a screenshot
# of the target's Xvfb (bench pattern, xterm, ticking xclock): at least 90% of
# the pixels must be equal within 10% colour distance (the default codecs,
# RemoteFX then H.264, are lossy). As a negative control, the client must not
# match the target screenshot turned upside down.
. "$(dirname "$0")/lib/bench.sh"

bench_start_shadow 1024x768
bench_start_xfreerdp 127.0.0.1 "$BENCH_SHADOW_PORT" /u:bench /p:bench

bench_check "shadow activates the client" \
    bench_wait_log "$BENCH_SHADOW_LOG" 'Client from 127\.0\.0\.1 is activated' 30 || exit 1
bench_check "xfreerdp opens its window" bench_wait_client_window "$BENCH_XFREERDP_DISPLAY" 30

target=$BENCH_DIR/target.png client=$BENCH_DIR/client.png
bench_wait_similar "$BENCH_XFREERDP_DISPLAY" "$BENCH_SHADOW_DISPLAY" "$client" "$target" 0.90 30
bench_expect_similar "$client" "$target" 0.90 "client shows the shadow target's screen"
convert "$target" -flip "$BENCH_DIR/target-flipped.png"
bench_expect_different "$client" "$BENCH_DIR/target-flipped.png" 0.50 \
    "client screen differs from the target screen upside down"
bench_check "xfreerdp still connected" bench_alive "$BENCH_XFREERDP_PID"
