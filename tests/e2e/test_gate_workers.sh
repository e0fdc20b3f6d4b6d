#!/bin/bash
# One process per session (docs/process-model.md), attacked from outside:
# - each vendor session runs in its own worker process, a child of the gate's monitor, under
#   the worker user (all uids and gids, no supplementary groups, no capabilities), with
#   no_new_privs and a seccomp filter; it holds its client socket, its recording and nothing of
#   the monitor's (not the database, not secret.key, not gate.key);
# - with the worker's own credentials the database, secret.key and gate.key cannot be opened;
# - kill -9 of one worker mid-session ends that session only: the ledger closes it as
#   `aborted` with the digest of the readable part of its recording, which still replays; the
#   other session goes on (its recording keeps growing) and a new vendor still gets in;
# - the gate shuts down on SIGTERM and ends the remaining session as gate_shutdown.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

bench_start_shadow 1024x768
today=$(product_today)
bench_check "ledger and permits set up" eval '
    product_init &&
    product_secret_key &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    for v in keep victim late; do
        product_vendor_account "Vendor-$v" "$v" "$v-Pass1" || exit 1
        product_permit "Vendor-$v" shadow "$today" "$today" >/dev/null || exit 1
    done' || exit 1
product_start_gate || bench_die "gate not listening"
GATE_LOG=$PRODUCT_GATE_LOG

probe_session() { # probe_session LOGIN SECONDS: a headless vendor client in the background
    bench_spawn "probe-$1" "$BUILD/bench/rdp_probe" --seconds "$2" -- \
        "/v:127.0.0.1:$PRODUCT_GATE_PORT" "/u:$1" "/p:$1-Pass1" /cert:ignore /timeout:120000
}
started() { product_wait_sql "SELECT COUNT(*) FROM sessions WHERE login = '$1'" 1 60; }
ended_as() { # ended_as LOGIN REASON TIMEOUT
    product_wait_sql "SELECT e.reason FROM session_ends e JOIN sessions s ON s.id = e.session_id WHERE s.login = '$1'" "$2" "$3"
}

probe_session keep 120
KEEP_PROBE=$BENCH_PID
bench_check "keep: session starts" started keep
probe_session victim 120
VICTIM_PROBE=$BENCH_PID
bench_check "victim: session starts" started victim

keep_worker=$(product_worker_of keep)
victim_worker=$(product_worker_of victim)
bench_log "monitor $PRODUCT_GATE_PID, workers: keep $keep_worker, victim $victim_worker"
bench_check "each session has its own worker process" \
    eval '[ -n "$keep_worker" ] && [ -n "$victim_worker" ] && [ "$keep_worker" != "$victim_worker" ] && [ "$keep_worker" != "$PRODUCT_GATE_PID" ]'
bench_expect_eq "the worker is a child of the monitor" "$PRODUCT_GATE_PID" \
    "$(awk '/^PPid:/ {print $2}' "/proc/$keep_worker/status")"

# --- what the worker is -----------------------------------------------------------------------
uid=$(id -u nobody) gid=$(id -g nobody)
status=/proc/$keep_worker/status
bench_expect_eq "worker: every uid is the worker user's" "$uid $uid $uid $uid" \
    "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$status")"
bench_expect_eq "worker: every gid is the worker user's" "$gid $gid $gid $gid" \
    "$(awk '/^Gid:/ {print $2, $3, $4, $5}' "$status")"
bench_expect_eq "worker: no supplementary groups" "" "$(awk '/^Groups:/ {print $2}' "$status")"
bench_expect_eq "worker: no effective capabilities" "0000000000000000" "$(awk '/^CapEff:/ {print $2}' "$status")"
bench_expect_eq "worker: no permitted capabilities" "0000000000000000" "$(awk '/^CapPrm:/ {print $2}' "$status")"
bench_expect_eq "worker: no_new_privs" "1" "$(awk '/^NoNewPrivs:/ {print $2}' "$status")"
bench_expect_eq "worker: seccomp filter mode" "2" "$(awk '/^Seccomp:/ {print $2}' "$status")"
bench_expect_eq "worker: open files limited (worker_max_files)" "256 256" \
    "$(awk '/^Max open files/ {print $4, $5}' "/proc/$keep_worker/limits")"
bench_expect_eq "worker: no core files (they would hold screens)" "0 0" \
    "$(awk '/^Max core file size/ {print $5, $6}' "/proc/$keep_worker/limits")"

worker_files=$(ls -l "/proc/$keep_worker/fd" 2>/dev/null | sed -n 's/.* -> //p')
bench_log "keep worker's descriptors: $(echo "$worker_files" | tr '\n' ' ')"
keep_rec=$(product_sql "SELECT recording_path FROM sessions WHERE login = 'keep'")
bench_check "worker: holds its own recording open" eval 'echo "$worker_files" | grep -qF "$(basename "$keep_rec")"'
bench_check "worker: holds no other session's recording" eval \
    '! echo "$worker_files" | grep -qF "$(basename "$(product_sql "SELECT recording_path FROM sessions WHERE login = '"'"'victim'"'"'")")"'
bench_check "worker: holds neither the database nor a key file" eval \
    '! echo "$worker_files" | grep -Eq "rmgate\.db|secret\.key|gate\.key"'
bench_check "monitor: holds the database" eval 'ls -l /proc/$PRODUCT_GATE_PID/fd | grep -q "rmgate\.db"'

# With the worker's own credentials (what a compromised worker has), the state stays closed.
as_worker() { setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"; }
for f in "$PRODUCT_DB" "$BENCH_DIR/var/secret.key" "$BENCH_DIR/var/gate.key"; do
    bench_check "precondition: $(basename "$f") exists" test -e "$f"
    bench_check "worker user cannot open $(basename "$f")" eval '! as_worker cat "$f" >/dev/null 2>&1'
done
bench_check "worker user cannot list the recordings" eval '! as_worker ls "$BENCH_DIR/var/recordings" >/dev/null 2>&1'
bench_check "worker user cannot write the recordings directory" eval \
    '! as_worker touch "$BENCH_DIR/var/recordings/x.pcap" 2>/dev/null'

# --- kill -9 of one worker --------------------------------------------------------------------
victim_rec=$(product_sql "SELECT recording_path FROM sessions WHERE login = 'victim'")
has_screen() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt 20000 ]; }
bench_check "victim: the recording has screen data" product_wait_true 30 has_screen "$victim_rec"
kill -9 "$victim_worker"
bench_check "victim: the session is closed as aborted" ended_as victim aborted 10
bench_expect_log "monitor: names the worker's end" "$GATE_LOG" \
    "worker $victim_worker ended without ending its session \\(killed by signal 9\\)" 5
bench_check "victim: the client lost its connection" bench_wait_exit "$VICTIM_PROBE" 20
bench_check "victim: the recording still opens" "$BUILD/rmgate-replay" info "$victim_rec"
bench_check "victim: its last screen can be exported" \
    "$BUILD/rmgate-replay" frame "$victim_rec" --at end -o "$BENCH_DIR/victim-end.png"
victim_digest=$(product_sql "SELECT e.recording_digest FROM session_ends e JOIN sessions s ON s.id = e.session_id WHERE s.login = 'victim'")
bench_check "victim: the ledger holds the digest of the readable part" eval \
    '"$BUILD/rmgate-replay" info "$victim_rec" | grep -qi "$victim_digest"'

bench_check "keep: its client is still connected" bench_alive "$KEEP_PROBE"
bench_check "keep: its worker is still alive" test -d "/proc/$keep_worker"
bench_expect_eq "keep: its session is still open" "" \
    "$(product_sql "SELECT e.reason FROM session_ends e JOIN sessions s ON s.id = e.session_id WHERE s.login = 'keep'")"
size1=$(stat -c %s "$keep_rec")
grows() { [ "$(stat -c %s "$keep_rec")" -gt "$size1" ]; }
bench_check "keep: its recording keeps growing" product_wait_true 20 grows

probe_session late 8
LATE_PROBE=$BENCH_PID
bench_check "late: a new vendor still gets in" started late
bench_check "late: ends as client_disconnect" ended_as late client_disconnect 60
bench_wait_exit "$LATE_PROBE" 30

# --- SIGHUP: a new configuration for new sessions; the live one goes on ---------------------------
echo "max_sessions = 1" >>"$BENCH_DIR/gate.conf"
kill -HUP "$PRODUCT_GATE_PID"
bench_expect_log "SIGHUP: the configuration is reloaded" "$GATE_LOG" 'SIGHUP: configuration reloaded' 10
bench_check "SIGHUP: the live session goes on" bench_alive "$KEEP_PROBE"
"$BUILD/bench/rdp_probe" --seconds 3 -- "/v:127.0.0.1:$PRODUCT_GATE_PORT" /u:late /p:late-Pass1 \
    /cert:ignore /timeout:120000 >"$BENCH_DIR/late2.log" 2>&1
bench_expect_log "SIGHUP: the new max_sessions (1) refuses a second session" "$GATE_LOG" \
    'session-refused reason="max_sessions \(1\) reached"' 20
echo "security = nla" >>"$BENCH_DIR/gate.conf"
kill -HUP "$PRODUCT_GATE_PID"
bench_expect_log "SIGHUP: a change of security is refused, naming the key" "$GATE_LOG" \
    'SIGHUP: the configuration was not reloaded: security changes only at a restart' 10
bench_check "SIGHUP: the live session still goes on" bench_alive "$KEEP_PROBE"

# --- shutdown ----------------------------------------------------------------------------------
kill -TERM "$PRODUCT_GATE_PID"
bench_check "gate shuts down on SIGTERM" bench_wait_exit "$PRODUCT_GATE_PID" 30
bench_check "keep: ended as gate_shutdown" ended_as keep gate_shutdown 5
bench_check "no worker left behind" eval '! test -d "/proc/$keep_worker"'
bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify
bench_expect_log_absent "no sanitizer report from the gate or its workers" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
