# shellcheck shell=bash
# What the xrdp target saw, from its DEBUG logs: the channels xrdp added per
# connection, the devices and the clipboard chansrv saw, and the wait for a
# session to be up. Part of the bench: sourced by lib/bench.sh (after xrdp.sh).

# bench_xrdp_channels [N]: the static channels xrdp added for the Nth client
# connection (default: the latest), in order, space separated ("rdpdr rdpsnd
# cliprdr drdynvc"), from the DEBUG lines "Adding channel: name X".
bench_xrdp_channels() {
    awk -v want="${1:-0}" '
        /AF_INET connection received/ { conn++ }
        /Adding channel: name / {
            s = $0; sub(/.*Adding channel: name /, "", s); sub(/[ ,].*/, "", s)
            names[conn] = names[conn] (names[conn] == "" ? "" : " ") s
        }
        END { n = (want > 0) ? want : conn; print names[n] }' "$BENCH_XRDP_LOG" 2>/dev/null
}

# bench_xrdp_devices: the rdpdr devices chansrv saw announced, one per line:
# "drive tmp", "printer PRN1", "serial COM1", "parallel LPT1", "smartcard SCARD".
bench_xrdp_devices() {
    cat "$BENCH_CHANSRV_DIR"/* 2>/dev/null |
        grep -a -o -E "Detected remote (drive|printer|serial port|parallel port|smartcard) '[^']*'" |
        sed -E "s/Detected remote (serial|parallel) port/Detected remote \1/; s/^Detected remote //; s/'//g" |
        awk '!seen[$0]++'
}

# bench_xrdp_wait_device KIND NAME [TIMEOUT=15]: waits for a device line.
bench_xrdp_wait_device() {
    local kind=$1
    case "$kind" in serial | parallel) kind="$kind port" ;; esac
    bench_wait_log "$BENCH_CHANSRV_DIR" "Detected remote $kind '$2'" "${3:-15}"
}

# bench_xrdp_clipboard_reached: true if cliprdr reached chansrv (clipboard_init).
bench_xrdp_clipboard_reached() {
    [ "$(bench_count_log "$BENCH_CHANSRV_DIR" 'clipboard_init')" -gt 0 ]
}

# bench_xrdp_wait_session [TIMEOUT=30] [N=1]: waits until the Nth client
# session of this xrdp is up (xrdp logged the user in and connected to the
# session's Xvnc: "VNC connection complete, connected ok"; counted, so after
# bench_xrdp_end_sessions a second connection waits with N=2). Clipboard and
# device lines in chansrv's log follow within about 2 s: wait for those with
# bench_wait_log / bench_xrdp_wait_device.
bench_xrdp_wait_session() {
    local t=${1:-30} n=${2:-1} deadline
    deadline=$(bench__deadline "$t")
    until [ "$(bench_count_log "$BENCH_XRDP_LOG" 'VNC connection complete, connected ok')" -ge "$n" ]; do
        bench__past "$deadline" && {
            echo "xrdp session $n not up after $t s: $(grep -a -E '\[(ERROR|WARN) *\]' "$BENCH_XRDP_LOG" | tail -n 1)" >&2
            return 1
        }
        sleep 0.2
    done
    bench_xrdp_session_display "$t" >/dev/null
}
