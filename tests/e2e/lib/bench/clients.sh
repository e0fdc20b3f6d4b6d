# shellcheck shell=bash disable=SC2034
# (SC2034: the BENCH_XFREERDP_* and BENCH_RDESKTOP_* variables are the API.)
# Clients: xfreerdp and rdesktop, each on its own Xvfb with its HOME in the
# run dir and the debug logs the checks read.
# Part of the bench: sourced by lib/bench.sh.

# bench_start_xfreerdp HOST PORT [ARGS...]: xfreerdp on its own Xvfb
# (1024x768 window unless ARGS has /size), /cert:ignore, channel DEBUG logs.
# ARGS come last (e.g. /u:user /p:pass +clipboard /smartcard). Sets
# BENCH_XFREERDP_PID, BENCH_XFREERDP_DISPLAY, BENCH_XFREERDP_LOG.
bench_start_xfreerdp() {
    local host=$1 port=$2 n
    shift 2
    bench__client_screen XFREERDP
    n=$BENCH_SEQ
    local size=/size:1024x768 a
    for a in "$@"; do case "$a" in /size:*) size= ;; esac; done
    HOME=$BENCH_DIR/client-home DISPLAY=$BENCH_XFREERDP_DISPLAY bench_spawn "xfreerdp-$n" \
        stdbuf -oL -eL xfreerdp "/v:$host:$port" /cert:ignore $size /log-level:INFO \
        /log-filters:com.freerdp.channels.*:DEBUG,com.freerdp.core.connection:DEBUG,com.freerdp.client.common.cmdline:DEBUG \
        "$@"
    BENCH_XFREERDP_PID=$BENCH_PID
    BENCH_XFREERDP_LOG=$BENCH_DIR/xfreerdp-$n.log
    bench_log "xfreerdp to $host:$port on $BENCH_XFREERDP_DISPLAY pid $BENCH_PID: $*"
}

# bench_xfreerdp_channels [LOG=$BENCH_XFREERDP_LOG]: the static channels the
# xfreerdp client loaded (asked for), in order ("rdpdr rdpsnd cliprdr drdynvc").
bench_xfreerdp_channels() {
    grep -a -o -E 'loading channelEx [^ ]+' "${1:-$BENCH_XFREERDP_LOG}" 2>/dev/null |
        awk '{ print $3 }' | awk '!seen[$0]++' | tr '\n' ' ' | sed 's/ $//'
}

# bench_start_rdesktop HOST PORT [ARGS...]: rdesktop on its own Xvfb,
# 1024x768, trusting the certificate ("yes" on stdin), with Protocol and
# Clipboard debug logs. Sets BENCH_RDESKTOP_PID, BENCH_RDESKTOP_DISPLAY,
# BENCH_RDESKTOP_LOG.
bench_start_rdesktop() {
    local host=$1 port=$2 n
    shift 2
    bench__client_screen RDESKTOP
    n=$BENCH_SEQ
    printf 'yes\n' >"$BENCH_DIR/yes"
    BENCH_RDESKTOP_LOG=$BENCH_DIR/rdesktop-$n.log
    HOME=$BENCH_DIR/client-home DISPLAY=$BENCH_RDESKTOP_DISPLAY RDESKTOP_DEBUG=Protocol,Clipboard \
        BENCH_STDIN=$BENCH_DIR/yes bench_spawn "rdesktop-$n" \
        rdesktop -g 1024x768 "$@" "$host:$port"
    BENCH_RDESKTOP_PID=$BENCH_PID
    bench_log "rdesktop to $host:$port on $BENCH_RDESKTOP_DISPLAY pid $BENCH_RDESKTOP_PID: $*"
}

# bench__client_screen NAME: a client's own 1280x1024 Xvfb, in
# BENCH_<NAME>_DISPLAY and BENCH_<NAME>_XVFB_PID, and its HOME,
# $BENCH_DIR/client-home (shared by the clients of a script).
bench__client_screen() {
    bench_start_xvfb 1280x1024
    printf -v "BENCH_$1_DISPLAY" %s "$BENCH_DISPLAY"
    printf -v "BENCH_$1_XVFB_PID" %s "$BENCH_PID"
    mkdir -p "$BENCH_DIR/client-home"
}

# bench_stop_xfreerdp / bench_stop_rdesktop: stop the latest xfreerdp (or
# rdesktop) and its Xvfb now, e.g. to disconnect before the next client.
bench_stop_xfreerdp() {
    bench_stop "${BENCH_XFREERDP_PID:-}" "${BENCH_XFREERDP_XVFB_PID:-}"
}

bench_stop_rdesktop() {
    bench_stop "${BENCH_RDESKTOP_PID:-}" "${BENCH_RDESKTOP_XVFB_PID:-}"
}
