# shellcheck shell=bash disable=SC2034
# (SC2034: BENCH_DISPLAY and BENCH_PID are the API, read by the test scripts.)
# X displays: a private Xvfb on a display it picks itself, and running an X
# client on any display, also an xrdp session's Xvnc (with the X authority of
# the test user, whose home is in the run dir: see xrdp.sh).
# Part of the bench: sourced by lib/bench.sh.

# bench_start_xvfb [WxH=1024x768]: starts an Xvfb that picks a free display
# itself (-displayfd) and waits until it accepts clients. Sets BENCH_DISPLAY
# (":N") and BENCH_PID.
bench_start_xvfb() {
    local size=${1:-1024x768} n dfile
    BENCH_SEQ=$((BENCH_SEQ + 1))
    n=$BENCH_SEQ
    dfile=$BENCH_DIR/xvfb-$n.display
    : >"$dfile"
    bench_spawn "xvfb-$n" Xvfb -displayfd 9 -screen 0 "${size}x24" -nolisten tcp -noreset 9>"$dfile"
    local pid=$BENCH_PID deadline
    deadline=$(bench__deadline 20)
    until [ -s "$dfile" ] && grep -q '^[0-9][0-9]*$' "$dfile"; do
        bench_alive "$pid" || bench_die "Xvfb ended at start: $(tail -n 3 "$BENCH_DIR/xvfb-$n.log")"
        bench__past "$deadline" && bench_die "Xvfb gave no display within 20 s"
        sleep 0.05
    done
    BENCH_DISPLAY=:$(cat "$dfile")
    BENCH_PID=$pid
    bench_log "Xvfb $BENCH_DISPLAY ($size) pid $pid"
}

# bench_x DISPLAY CMD...: runs an X client on DISPLAY, also on an xrdp session
# display (Xvnc, which needs the test user's X authority).
bench_x() {
    local d=$1
    shift
    DISPLAY=$d XAUTHORITY=$(bench__xauthority "$d") "$@"
}

# The X authority file for DISPLAY: the xrdp test user's (BENCH_XRDP_HOME,
# set by bench_start_xrdp), which opens its session displays; Xvfb displays
# need none.
bench__xauthority() {
    local f=${BENCH_XRDP_HOME:-/nonexistent}/.Xauthority
    if [ -f "$f" ]; then
        echo "$f"
    else
        echo /dev/null
    fi
}
