#!/bin/bash
# Each system carries the pin of its own certificate (rmgate-policy system add --cert-pin):
# with no global target_cert at all, a system pinned to the target's real certificate is
# reached, one pinned to another certificate is refused before any logon data is sent, and
# an unpinned system is refused (the default is to trust no certificate).
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

bench_start_shadow 1024x768
cert=$(find "$BENCH_DIR/shadow-home" -name 'shadow.crt' | head -n 1)
[ -n "$cert" ] || bench_die "freerdp-shadow made no certificate"
pin=sha256:$(openssl x509 -in "$cert" -noout -fingerprint -sha256 | cut -d= -f2)
wrong=sha256:$(printf '00%.0s' $(seq 32))
today=$(product_today)
bench_check "ledger, systems and permits set up" eval '
    product_init &&
    product_system pinned "$BENCH_SHADOW_PORT" --cert-pin "$pin" &&
    product_system wrongpin "$BENCH_SHADOW_PORT" --cert-pin "$wrong" &&
    product_system unpinned "$BENCH_SHADOW_PORT" &&
    product_vendor_account Acme acme acme-Pass1 &&
    for sys in pinned wrongpin unpinned; do
        product_permit Acme "$sys" "$today" "$today" >/dev/null || exit 1
    done' || exit 1
PRODUCT_TARGET_CERT=none product_start_gate || bench_die "gate not listening"

# The vendor has three permits: the domain field names the system.
product_probe 2 acme acme-Pass1 /d:pinned >"$BENCH_DIR/probe-pinned.out" 2>&1
bench_expect_eq "pinned system: connected" 0 "$?"
product_probe 2 acme acme-Pass1 /d:wrongpin >"$BENCH_DIR/probe-wrong.out" 2>&1
bench_expect_eq "wrongly pinned system: not connected" 1 "$?"
bench_expect_log "wrongly pinned system: the gate names the certificate it refused" "$PRODUCT_GATE_LOG" \
    "rejected: sha256:[0-9A-F:]+ is not the system's pinned certificate" 10
product_probe 2 acme acme-Pass1 /d:unpinned >"$BENCH_DIR/probe-unpinned.out" 2>&1
bench_expect_eq "unpinned system, no target_cert: not connected" 1 "$?"
bench_expect_log "unpinned system: refused as not pinned" "$PRODUCT_GATE_LOG" \
    'is not pinned in target_cert' 10
bench_expect_eq "only the pinned system's session reached the target" 1 \
    "$(bench_count_log "$PRODUCT_GATE_LOG" 'target-connected')"

bench_stop "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate" "$PRODUCT_GATE_LOG" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
