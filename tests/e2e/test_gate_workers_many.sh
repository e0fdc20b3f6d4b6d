#!/bin/bash
# Twenty vendor sessions at once through the process model: twenty workers, each admitted by
# its own permit, each recorded; all twenty live at the same moment; each ends as
# client_disconnect with a recording that verifies against the digest in the ledger. The
# memory per session (PSS from /proc/PID/smaps_rollup: the workers' plus a twentieth of the
# monitor's; shared library pages count once across processes) is printed, not judged.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

N=20
bench_start_shadow 1024x768
today=$(product_today)
bench_check "ledger and $N permits set up" eval '
    product_init &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    for i in $(seq $N); do
        product_vendor_account "Vendor-$i" "v$i" "v$i-Pass1" || exit 1
        product_permit "Vendor-$i" shadow "$today" "$today" >/dev/null || exit 1
    done' || exit 1
# All clients come from 127.0.0.1: the per-source handshake limit would (rightly) hold them back.
PRODUCT_GATE_CONF="max_sessions = $N
max_source_handshakes = 8
source_connects_per_minute = 600" product_start_gate || bench_die "gate not listening"

# Probes in waves of 4 (at most 8 handshakes per source), each wave once admitted; every
# probe stays connected until after the count below.
probes=()
for i in $(seq $N); do
    bench_spawn "probe-$i" "$BUILD/bench/rdp_probe" --seconds 600 -- \
        "/v:127.0.0.1:$PRODUCT_GATE_PORT" "/u:v$i" "/p:v$i-Pass1" /cert:ignore /timeout:120000
    probes+=("$BENCH_PID")
    if [ $((i % 4)) = 0 ]; then
        product_wait_sql "SELECT COUNT(*) FROM sessions" "$i" 180 ||
            bench_log "after wave $((i / 4)): $(product_sql 'SELECT COUNT(*) FROM sessions') sessions"
    fi
done
bench_check "all $N sessions admitted and recorded" product_wait_sql "SELECT COUNT(*) FROM sessions" "$N" 180
workers() { bench__descendants "$PRODUCT_GATE_PID" | wc -w; }
bench_expect_eq "$N worker processes at once" "$N" "$(workers)"
bench_expect_eq "no session ended yet" "0" "$(product_sql 'SELECT COUNT(*) FROM session_ends')"
alive=0
for p in "${probes[@]}"; do bench_alive "$p" && alive=$((alive + 1)); done
bench_expect_eq "all $N clients connected" "$N" "$alive"

# Memory per session, the way the issue defines it.
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
total=0
for w in $(bench__descendants "$PRODUCT_GATE_PID"); do total=$((total + $(pss_kb "$w"))); done
monitor=$(pss_kb "$PRODUCT_GATE_PID")
bench_log "PSS: workers $((total / 1024)) MiB for $N sessions, monitor $((monitor / 1024)) MiB;" \
    "per session $(((total + monitor) / N / 1024)) MiB (worker plus its share of the monitor)"

bench_stop "${probes[@]}"
bench_check "all $N sessions end as client_disconnect" product_wait_sql \
    "SELECT COUNT(*) FROM session_ends WHERE reason = 'client_disconnect'" "$N" 120
bench_check "every worker has exited" product_wait_true 30 eval '[ "$(workers)" = 0 ]'
bad=0
while IFS='|' read -r path digest; do
    "$BUILD/rmgate-replay" verify "$path" --digest "$digest" >/dev/null 2>&1 || { bad=$((bad + 1)); bench_log "does not verify: $path"; }
done < <(product_sql "SELECT s.recording_path, e.recording_digest FROM sessions s JOIN session_ends e ON e.session_id = s.id")
bench_expect_eq "every recording verifies against the ledger's digest" "0" "$bad"
bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify
bench_stop "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate or its workers" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
