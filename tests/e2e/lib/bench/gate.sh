# shellcheck shell=bash disable=SC2034
# (SC2034: BENCH_PID is the API, read by the test scripts.)
# The gate under test: rmgate-proxy from $BUILD on a configuration written
# into the run dir. Part of the bench: sourced by lib/bench.sh.

# bench_start_gate NAME PORT [CONFIG-LINE...]: rmgate-proxy from $BUILD on the configuration
# $BENCH_DIR/NAME.conf ([gate], var_dir = $BENCH_DIR/var, listen = 127.0.0.1:PORT, then the
# CONFIG-LINEs), log $BENCH_DIR/NAME.log. BENCH_GATE_ASAN adds ASan options (e.g.
# detect_leaks=0). Under ASan the gate keeps the fast unwinder on malloc: full unwinding
# (fast_unwind_on_malloc=0) makes OpenSSL's PBKDF2, which allocates on every round, about
# seven times slower, so one logon took 10 s and clients timed out waiting for activation.
# Reports the check "NAME listens" and ends the script if it does not. Sets BENCH_PID.
bench_start_gate() {
    local name=$1 port=$2 line pid
    shift 2
    {
        printf '[gate]\nvar_dir = %s\nlisten = 127.0.0.1:%s\n' "$BENCH_DIR/var" "$port"
        for line in "$@"; do printf '%s\n' "$line"; done
    } >"$BENCH_DIR/$name.conf"
    ASAN_OPTIONS="${ASAN_OPTIONS:-}${BENCH_GATE_ASAN:+${ASAN_OPTIONS:+:}$BENCH_GATE_ASAN}" \
        bench_spawn "$name" "$BUILD/rmgate-proxy" -c "$BENCH_DIR/$name.conf"
    pid=$BENCH_PID
    bench_check "$name listens" bench_wait_port "$port" 20 || exit 1
    BENCH_PID=$pid
}
