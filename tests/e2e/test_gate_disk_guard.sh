#!/bin/bash
# No recording, no session, before the disk is full: the gate refuses a new session while the
# recordings directory's file system has less free space than recordings_min_free_mb (the
# client is not connected; the ledger refuses it as not_recordable, naming the free space and
# the threshold; no session row, no recording file), and it warns in its log, while sessions
# still start, once the space is below recordings_warn_free_mb (at admission and from its
# periodic check). The thresholds are set just above the test machine's real free space, so
# the same statvfs path a full disk takes runs here.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

bench_start_shadow 800x600
today=$(product_today)
bench_check "ledger and permit set up" eval '
    product_init &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    product_vendor_account Vendor-A acme acme-Pass1 &&
    product_permit Vendor-A shadow "$today" "$today" >/dev/null' || exit 1
mkdir -p -m 0700 "$BENCH_DIR/var/recordings"
free_mb=$(df -Pm "$BENCH_DIR/var/recordings" | awk 'NR == 2 { print $4 }')
bench_log "the recordings directory's file system has $free_mb MB free"

# --- below the minimum: refused ------------------------------------------------------------
PRODUCT_GATE_CONF="recordings_min_free_mb = $((free_mb + 100000))"
product_start_gate full
product_probe 3 acme acme-Pass1 >"$BENCH_DIR/probe-full.out" 2>&1
bench_expect_eq "below the minimum: the client is not connected" 1 "$?"
bench_check "below the minimum: the ledger refuses it as not_recordable" product_wait_sql \
    "SELECT reason FROM events WHERE type = 'refused' AND login = 'acme' ORDER BY id DESC LIMIT 1" not_recordable 10
bench_check "the refusal names the free space and the threshold" product_wait_sql \
    "SELECT detail LIKE '%MB free, less than recordings_min_free_mb%' FROM events WHERE type = 'refused' AND login = 'acme' ORDER BY id DESC LIMIT 1" 1 5
bench_expect_eq "no session was opened" 0 "$(product_sql 'SELECT COUNT(*) FROM sessions')"
bench_expect_eq "no recording was started" 0 "$(find "$BENCH_DIR/var/recordings" -type f | wc -l)"
bench_expect_log "the gate logs the refusal" "$BENCH_DIR/full.log" 'new sessions are refused' 5
bench_stop "$PRODUCT_GATE_PID"

# --- below the warning level: sessions go on, the log warns ---------------------------------
PRODUCT_GATE_CONF=$'recordings_min_free_mb = 0\nrecordings_warn_free_mb = '"$((free_mb + 100000))"
product_start_gate low
bench_expect_log "below the warning level: the periodic check warns without any session" \
    "$BENCH_DIR/low.log" 'WARN.*less than recordings_warn_free_mb' 10
product_probe 3 acme acme-Pass1 >"$BENCH_DIR/probe-low.out" 2>&1
bench_expect_eq "below the warning level: the session runs" 0 "$?"
bench_expect_eq "the session is in the ledger" 1 "$(product_sql 'SELECT COUNT(*) FROM sessions')"
bench_check "the ledger verifies" "${PRODUCT_POLICY[@]}" verify
bench_stop "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
