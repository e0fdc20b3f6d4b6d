#!/bin/bash
# Baseline: xfreerdp +clipboard /smartcard connected directly to xrdp (no
# gate). The target must see the cliprdr and rdpdr channels, the smart card
# announce and the clipboard reaching chansrv; text copied on either side
# must paste on the other; and the client's window must show the session's
# screen (at least 95% of the pixels equal; the session shows the bench
# pattern as its background).
. "$(dirname "$0")/lib/bench.sh"

bench_start_xrdp
bench_start_xfreerdp 127.0.0.1 "$BENCH_XRDP_PORT" \
    "/u:$BENCH_XRDP_USER" "/p:$BENCH_XRDP_PASS" +clipboard /smartcard

bench_check "xrdp session starts" bench_xrdp_wait_session 40 || exit 1
session=$(bench_xrdp_session_display)

bench_expect_word "xfreerdp asked for cliprdr" cliprdr "$(bench_xfreerdp_channels)"
channels=$(bench_xrdp_channels)
bench_expect_word "xrdp added cliprdr" cliprdr "$channels"
bench_expect_word "xrdp added rdpdr" rdpdr "$channels"
bench_check "clipboard reached chansrv (clipboard_init)" \
    bench_wait_log "$BENCH_CHANSRV_DIR" 'clipboard_init' 20
bench_check "chansrv detected the smart card" bench_xrdp_wait_device smartcard SCARD 20
bench_check "xfreerdp got cliprdr MonitorReady" \
    bench_wait_log "$BENCH_XFREERDP_LOG" 'cliprdr.client\] - MonitorReady' 20

bench_check "clipboard client -> target" \
    bench_clipboard_roundtrip "$BENCH_XFREERDP_DISPLAY" "$session" 20
bench_check "clipboard target -> client" \
    bench_clipboard_roundtrip "$session" "$BENCH_XFREERDP_DISPLAY" 20

# Screen: the session shows the bench pattern; the client must show the same.
pattern=$BENCH_DIR/pattern.png
bench_make_pattern "$pattern" 1024x768
bench_x "$session" display -window root "$pattern" 2>/dev/null
target=$BENCH_DIR/target.png client=$BENCH_DIR/client.png
bench_wait_similar "$BENCH_XFREERDP_DISPLAY" "$session" "$client" "$target" 0.95 30
bench_expect_similar "$client" "$target" 0.95 "client shows the xrdp session's screen"
convert "$target" -flip "$BENCH_DIR/target-flipped.png"
bench_expect_different "$client" "$BENCH_DIR/target-flipped.png" 0.50 \
    "client screen differs from the session screen upside down"
