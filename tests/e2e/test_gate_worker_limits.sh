#!/bin/bash
# A worker over its memory limit ends its own session, with the reason in the ledger: with
# worker_max_rss_mb = 100 a 1920x1080 session (its worker holds about 120 MiB resident in
# the normal build, more under the sanitizers) ends as `resource_limit` with an event naming
# the limit; the client is cut off, the recording verifies against the ledger's digest, and
# the gate serves on.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

bench_start_shadow 1920x1080
today=$(product_today)
bench_check "ledger and permit set up" eval '
    product_init &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    product_vendor_account Vendor-big big big-Pass1 &&
    product_permit Vendor-big shadow "$today" "$today" >/dev/null' || exit 1
PRODUCT_GATE_CONF="worker_max_rss_mb = 100" product_start_gate || bench_die "gate not listening"

bench_spawn probe "$BUILD/bench/rdp_probe" --seconds 120 -- "/v:127.0.0.1:$PRODUCT_GATE_PORT" \
    /u:big /p:big-Pass1 /cert:ignore /size:1920x1080 /timeout:120000
PROBE=$BENCH_PID
bench_check "the session starts" product_wait_sql "SELECT COUNT(*) FROM sessions WHERE login = 'big'" 1 60
bench_check "it ends as resource_limit" product_wait_sql \
    "SELECT e.reason FROM session_ends e JOIN sessions s ON s.id = e.session_id WHERE s.login = 'big'" \
    resource_limit 60
bench_expect_eq "the ledger names the limit" "1" "$(product_sql "SELECT COUNT(*) FROM events e JOIN sessions s ON s.id = e.session_id WHERE s.login = 'big' AND e.detail LIKE '%worker_max_rss_mb = 100%'")"
bench_expect_log "the monitor logs it" "$PRODUCT_GATE_LOG" 'Session ended: its worker used [0-9]+ MiB of memory \(worker_max_rss_mb = 100\)' 5
bench_check "the client is cut off" bench_wait_exit "$PROBE" 30
rec=$(product_sql "SELECT recording_path FROM sessions WHERE login = 'big'")
digest=$(product_sql "SELECT e.recording_digest FROM session_ends e JOIN sessions s ON s.id = e.session_id WHERE s.login = 'big'")
bench_check "the recording opens" "$BUILD/rmgate-replay" info "$rec"
bench_check "the ledger's digest is the readable recording's" eval \
    '"$BUILD/rmgate-replay" info "$rec" | grep -qi "$digest"'
bench_check "the gate serves on" bench_alive "$PRODUCT_GATE_PID"
bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify
bench_stop "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate or its worker" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
