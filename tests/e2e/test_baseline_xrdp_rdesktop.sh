#!/bin/bash
# Baseline: rdesktop with a drive and a printer, clipboard off, connected
# directly to xrdp (no gate). The target must add rdpdr but not cliprdr, and
# chansrv must see the drive and the printer announced (a drive name is cut
# to 7 characters in the announce; a printer is announced as PRN1, PRN2...),
# and the client window must show the session screen (95% of pixels equal).
. "$(dirname "$0")/lib/bench.sh"

mkdir -p "$BENCH_DIR/share"
bench_start_xrdp
bench_start_rdesktop 127.0.0.1 "$BENCH_XRDP_PORT" -u "$BENCH_XRDP_USER" -p "$BENCH_XRDP_PASS" \
    -r "disk:bdrive=$BENCH_DIR/share" -r printer:bprn -r clipboard:off

bench_check "xrdp session starts" bench_xrdp_wait_session 40 || exit 1
# The "Adding channel" lines come from the connect data, before the session.
channels=$(bench_xrdp_channels)
bench_expect_word "xrdp added rdpdr" rdpdr "$channels"
bench_expect_no_word "xrdp did not add cliprdr (clipboard:off)" cliprdr "$channels"
bench_check "chansrv detected the drive" bench_xrdp_wait_device drive bdrive 20
bench_check "chansrv detected the printer" bench_xrdp_wait_device printer PRN1 20
# Negative check, after a barrier: chansrv's log has been quiet for 2 s.
bench_check "chansrv log settles" bench_wait_quiet "$BENCH_CHANSRV_DIR" 2 30
bench_expect_log_absent "clipboard never reached chansrv" "$BENCH_CHANSRV_DIR" 'clipboard_init'
bench_check "rdesktop connected rdpdr" \
    bench_wait_log "$BENCH_RDESKTOP_LOG" 'rdpdr_process\(\), server connected to resource' 20
bench_check "rdesktop still connected" bench_alive "$BENCH_RDESKTOP_PID"

# Screen: the session shows the bench pattern; rdesktop's window must too.
session=$(bench_xrdp_session_display)
bench_make_pattern "$BENCH_DIR/pattern.png" 1024x768
bench_x "$session" display -window root "$BENCH_DIR/pattern.png" 2>/dev/null
target=$BENCH_DIR/target.png client=$BENCH_DIR/client.png
bench_wait_similar "$BENCH_RDESKTOP_DISPLAY" "$session" "$client" "$target" 0.95 30
bench_expect_similar "$client" "$target" 0.95 "rdesktop shows the xrdp session's screen"
