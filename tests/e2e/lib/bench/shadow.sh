# shellcheck shell=bash disable=SC2034
# (SC2034: the BENCH_SHADOW_* variables are the API, read by the test scripts.)
# The freerdp-shadow target: freerdp-shadow-cli on its own Xvfb showing the
# bench pattern, an xterm and a clock; a graphics target (no clipboard, no
# devices). Part of the bench: sourced by lib/bench.sh.

# bench_start_shadow [WxH=1024x768]: freerdp-shadow-cli (no authentication,
# TLS) on its own Xvfb, on 127.0.0.1 and a free port. The screen shows the
# bench pattern as background, an xterm and a ticking xclock. Sets
# BENCH_SHADOW_PORT, BENCH_SHADOW_DISPLAY, BENCH_SHADOW_PID, BENCH_SHADOW_LOG,
# BENCH_SHADOW_PATTERN (the background picture).
bench_start_shadow() {
    local size=${1:-1024x768}
    bench_start_xvfb "$size"
    BENCH_SHADOW_DISPLAY=$BENCH_DISPLAY
    BENCH_SHADOW_PATTERN=$BENCH_DIR/shadow-pattern.png
    bench_make_pattern "$BENCH_SHADOW_PATTERN" "$size" || bench_die "cannot make the test pattern"
    # display(1) exits 1 after setting the root window; the screenshot shows it worked.
    bench_x "$BENCH_SHADOW_DISPLAY" display -window root "$BENCH_SHADOW_PATTERN" 2>/dev/null
    DISPLAY=$BENCH_SHADOW_DISPLAY bench_spawn shadow-xterm \
        xterm -geometry 50x8+40+300 -fa '' -bg black -fg green -T bench-xterm \
        -e sh -c 'echo rmgate bench shadow target; exec sleep 86400'
    DISPLAY=$BENCH_SHADOW_DISPLAY bench_spawn shadow-xclock \
        xclock -geometry 120x120+880+20 -update 1
    mkdir -p "$BENCH_DIR/shadow-home"
    BENCH_SHADOW_PORT=$(bench_free_port) || bench_die "no free port"
    BENCH_SHADOW_LOG=$BENCH_DIR/shadow.log
    HOME=$BENCH_DIR/shadow-home DISPLAY=$BENCH_SHADOW_DISPLAY bench_spawn shadow \
        stdbuf -oL -eL freerdp-shadow-cli /bind-address:127.0.0.1 \
        "/port:$BENCH_SHADOW_PORT" -auth /sec:tls
    BENCH_SHADOW_PID=$BENCH_PID
    bench_wait_port "$BENCH_SHADOW_PORT" 20 ||
        bench_die "freerdp-shadow-cli not listening: $(tail -n 3 "$BENCH_SHADOW_LOG")"
    bench_log "freerdp-shadow on 127.0.0.1:$BENCH_SHADOW_PORT, display $BENCH_SHADOW_DISPLAY"
}
