# shellcheck shell=bash disable=SC2034
# (SC2034: the BENCH_CUPS_* variables are the API, read by the test scripts.)
# Printing: a private cupsd whose configuration, state, spool and socket live
# in the run dir, so clients have a printer to redirect without the system's
# cups being touched. Part of the bench: sourced by lib/bench.sh.

# bench_start_cups [QUEUE=rmgate-test]: a private cupsd in the foreground, its
# configuration, state, spool and socket under $BENCH_DIR/cups (no TCP port,
# nothing in /etc/cups or /run/cups), with one raw queue QUEUE printing to
# /dev/null. Exports CUPS_SERVER (its socket), so the clients started after it
# (xfreerdp /printer) see that queue and only it. Sets BENCH_CUPS_PID,
# BENCH_CUPS_SERVER, BENCH_CUPS_QUEUE, BENCH_CUPS_LOG.
bench_start_cups() {
    local name=${1:-rmgate-test} d=$BENCH_DIR/cups deadline
    BENCH_CUPS_SERVER=$d/cups.sock
    # A Unix socket path holds at most 107 bytes.
    [ "${#BENCH_CUPS_SERVER}" -lt 100 ] || bench_die "cups socket path too long: $BENCH_CUPS_SERVER"
    mkdir -p "$d/conf" "$d/state" "$d/cache" "$d/spool" "$d/tmp" || bench_die "cannot create $d"
    cat >"$d/conf/cups-files.conf" <<EOF
ServerRoot $d/conf
StateDir $d/state
CacheDir $d/cache
RequestRoot $d/spool
TempDir $d/tmp
Printcap $d/printcap
ErrorLog stderr
AccessLog $d/access_log
PageLog $d/page_log
SystemGroup root
EOF
    cat >"$d/conf/cupsd.conf" <<EOF
LogLevel info
Listen $BENCH_CUPS_SERVER
Browsing No
WebInterface No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
    bench_spawn cupsd cupsd -f -c "$d/conf/cupsd.conf" -s "$d/conf/cups-files.conf"
    BENCH_CUPS_PID=$BENCH_PID
    BENCH_CUPS_LOG=$BENCH_DIR/cupsd.log
    deadline=$(bench__deadline 20)
    # lpstat -r exits 0 either way; only its words tell whether cupsd listens yet.
    until [ "$(lpstat -h "$BENCH_CUPS_SERVER" -r 2>/dev/null)" = "scheduler is running" ]; do
        bench__past "$deadline" && bench_die "cupsd not answering on $BENCH_CUPS_SERVER: $(tail -n 3 "$BENCH_CUPS_LOG")"
        sleep 0.1
    done
    if ! lpadmin -h "$BENCH_CUPS_SERVER" -p "$name" -E -v file:///dev/null >>"$BENCH_CUPS_LOG" 2>&1 ||
        ! lpstat -h "$BENCH_CUPS_SERVER" -v "$name" >/dev/null 2>&1; then
        bench_die "cannot add the cups queue $name: $(tail -n 3 "$BENCH_CUPS_LOG")"
    fi
    BENCH_CUPS_QUEUE=$name
    export CUPS_SERVER=$BENCH_CUPS_SERVER
    bench_log "cupsd on $BENCH_CUPS_SERVER pid $BENCH_CUPS_PID, queue $name"
}
