#!/bin/bash
# With `security = nla`, the account the gate admits is the one NTLM authenticated, never the
# name the client puts in the CredSSP TSCredentials afterwards. A hostile client
# (tests/bench/nla_impostor) proves NTLM as "mallory", who holds an account but no permit, and
# names "acme", who has a permit, in the TSCredentials: the gate refuses the connection as
# identity_mismatch, contacts no target, and the ledger names mallory and what she claimed.
# The same client with agreeing identities connects, so the refusal is the gate's doing.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

bench_start_shadow 1024x768
today=$(product_today)
bench_check "ledger, accounts and acme's permit set up" eval '
    product_init &&
    product_secret_key &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    product_vendor_account Acme acme acme-Pass1 --nla &&
    product_vendor_account Mallory mallory mal-Pass1 --nla &&
    product_permit Acme shadow "$today" "$today" >/dev/null' || exit 1
# Leak detection off for this gate as in test_product_nla: WinPR 2.11's NTLM server leaks on
# a refused logon inside the stripped library. ASan and UBSan still check everything else.
PRODUCT_GATE_CONF="security = nla" PRODUCT_GATE_ASAN=detect_leaks=0 product_start_gate ||
    bench_die "gate not listening"

impostor() {
    local ntlm=$1
    shift
    "$BUILD/bench/nla_impostor" --seconds 2 --ntlm "$ntlm" -- "/v:127.0.0.1:$PRODUCT_GATE_PORT" \
        /cert:ignore /sec:nla -gfx /timeout:120000 "$@"
}
sessions() { product_sql "SELECT COUNT(*) FROM sessions WHERE login = '$1'"; }
mismatches() { product_sql "SELECT COUNT(*) FROM events WHERE type = 'refused' AND reason = 'identity_mismatch'"; }

impostor acme::acme-Pass1 /u:acme /p:acme-Pass1 >"$BENCH_DIR/control.out" 2>&1
bench_expect_eq "control: the same identity in NTLM and TSCredentials connects" 0 "$?"
bench_check "control: the ledger has acme's session" product_wait_sql "SELECT COUNT(*) FROM sessions" 1

impostor mallory::mal-Pass1 /u:acme /p:acme-Pass1 >"$BENCH_DIR/user.out" 2>&1
bench_expect_eq "NTLM as mallory, TSCredentials as acme: not connected" 1 "$?"
# FreeRDP's client tries a refused NLA connection twice: one row or two per attempt.
bench_check "NTLM as mallory, TSCredentials as acme: refused as identity_mismatch" \
    product_wait_sql "SELECT DISTINCT login FROM events WHERE type = 'refused' AND reason = 'identity_mismatch'" mallory
bench_expect_eq "the refusal says whom she claimed to be" 0 \
    "$(product_sql "SELECT COUNT(*) FROM events WHERE reason = 'identity_mismatch' AND detail NOT LIKE '%TSCredentials named user=acme %'")"
bench_expect_eq "no session was opened in acme's name for mallory" 1 "$(sessions acme)"
bench_expect_eq "nor in mallory's" 0 "$(sessions mallory)"

impostor acme::acme-Pass1 /u:acme /d:shadow /p:acme-Pass1 >"$BENCH_DIR/domain.out" 2>&1
bench_expect_eq "NTLM without a domain, TSCredentials naming a system: not connected" 1 "$?"
bench_check "a domain that differs is refused as identity_mismatch too" product_wait_sql \
    "SELECT COUNT(*) > 0 FROM events WHERE type = 'refused' AND reason = 'identity_mismatch' AND login = 'acme'" 1
bench_expect_eq "still one session in all" 1 "$(product_sql "SELECT COUNT(*) FROM sessions")"
bench_expect_log "the gate log names the mismatch" "$PRODUCT_GATE_LOG" "identity mismatch from"
bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify

bench_stop "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate" "$PRODUCT_GATE_LOG" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
