#!/bin/bash
# With `security = nla`, the gate authenticates vendors by NLA (CredSSP/NTLM) against the
# accounts of the permit database (mstsc's usual way): the right password connects; a wrong
# one is refused before any target is contacted and counted as a failed logon in the ledger
# (xfreerdp tries twice per attempt, so an attempt may count two); after five failures the
# account is locked, and even the right password is refused, as locked_out.
# The NT hash NLA needs is stored sealed with the key file (policy/account.h): the gate does
# not start with security = nla and no key file, and says why; an account added without
# --nla (TLS only) has no NT hash and cannot log on with NLA.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

bench_start_shadow 1024x768
today=$(product_today)
bench_check "ledger and system set up" eval 'product_init && product_system shadow "$BENCH_SHADOW_PORT"' ||
    exit 1

# No key file yet: the gate refuses to start and names the key file it needs.
NOKEY_PORT=$(bench_free_port) || bench_die "no free port"
printf '[gate]\nvar_dir = %s\nlisten = 127.0.0.1:%s\nsecurity = nla\ntarget_cert = ignore\n' \
    "$BENCH_DIR/var" "$NOKEY_PORT" >"$BENCH_DIR/gate-nokey.conf"
timeout 60 "$BUILD/rmgate-proxy" -c "$BENCH_DIR/gate-nokey.conf" --check-config >/dev/null 2>&1
bench_expect_eq "no key file: --check-config refuses the nla configuration" 1 "$?"
timeout 60 "$BUILD/rmgate-proxy" -c "$BENCH_DIR/gate-nokey.conf" >"$BENCH_DIR/gate-nokey.log" 2>&1
bench_expect_eq "no key file: the nla gate does not start" 1 "$?"
bench_expect_log "no key file: the gate says NLA needs it" "$BENCH_DIR/gate-nokey.log" \
    "security = nla needs the key file $BENCH_DIR/var/secret.key" 1

bench_check "key file, NLA and TLS-only accounts, permits set up" eval '
    product_secret_key &&
    product_vendor_account Acme acme acme-Pass1 --nla &&
    product_vendor_account Acme tlsonly tls-Pass1 &&
    product_permit Acme shadow "$today" "$today" >/dev/null' || exit 1
# Leak detection is off for this gate only: WinPR 2.11's NTLM server returns
# SEC_E_LOGON_DENIED before freeing the AUTHENTICATE message's fields (about 210 bytes per
# failed logon, inside the stripped libwinpr2, which gives LSan no name to suppress it by).
# ASan and UBSan still check everything else; the other product tests check for leaks.
PRODUCT_GATE_CONF="security = nla" PRODUCT_GATE_ASAN=detect_leaks=0 product_start_gate ||
    bench_die "gate not listening"

bench_start_xfreerdp 127.0.0.1 "$PRODUCT_GATE_PORT" /u:acme /p:acme-Pass1 /sec:nla -gfx
bench_check "right password: xfreerdp opens its window" bench_wait_client_window "$BENCH_XFREERDP_DISPLAY" 30
bench_check "right password: the ledger has the session" \
    product_wait_sql "SELECT COUNT(*) FROM sessions WHERE login = 'acme'" 1
bench_stop_xfreerdp

# The UPN form of an account resolves to it (test_gate_mstsc_profile); of no account, nothing.
product_probe 1 nobody@vendor.example.co.jp acme-Pass1 /sec:nla >"$BENCH_DIR/probe-upn.out" 2>&1
bench_expect_eq "UPN of no account: no NLA logon" 1 "$?"
bench_expect_eq "UPN of no account: no session" 0 \
    "$(product_sql "SELECT COUNT(*) FROM sessions WHERE login LIKE 'nobody%'")"

product_probe 1 tlsonly tls-Pass1 /sec:nla >"$BENCH_DIR/probe-tlsonly.out" 2>&1
bench_expect_eq "TLS-only account: no NLA logon (no NT hash stored)" 1 "$?"
bench_expect_log "TLS-only account: the gate says how to enable NLA" "$PRODUCT_GATE_LOG" \
    "NLA logon of tlsonly refused: .*account passwd tlsonly --nla" 10

failures() { product_sql "SELECT COUNT(*) FROM events WHERE type = 'refused' AND login = 'acme' AND reason = 'bad_password'"; }
locked() { [ "$(product_sql "SELECT COUNT(*) FROM events WHERE type = 'account_locked' AND login = 'acme'")" = 1 ]; }
for n in 1 2 3 4 5; do
    before=$(failures)
    product_probe 1 acme wrong-Pass /sec:nla >"$BENCH_DIR/probe-wrong-$n.out" 2>&1
    bench_expect_eq "wrong password $n: the client is not connected" 1 "$?"
    bench_check "wrong password $n: counted as a failed logon" product_wait_true 10 \
        test "$(failures)" -gt "$before"
    locked && break
done
bench_check "five failures lock the account" locked
bench_expect_eq "the lock came with the fifth failure" 5 \
    "$(product_sql "SELECT COUNT(*) FROM events WHERE type = 'refused' AND login = 'acme' AND reason = 'bad_password' AND id < (SELECT id FROM events WHERE type = 'account_locked')")"
product_probe 1 acme acme-Pass1 /sec:nla >"$BENCH_DIR/probe-locked.out" 2>&1
bench_expect_eq "locked: even the right password is refused" 1 "$?"
bench_check "locked: the ledger says locked_out" product_wait_sql \
    "SELECT reason FROM events WHERE type = 'refused' AND login = 'acme' ORDER BY id DESC LIMIT 1" locked_out 10
bench_expect_eq "locked: no second session" 1 "$(product_sql "SELECT COUNT(*) FROM sessions")"
bench_expect_log_absent "no target was contacted for a refused logon" "$PRODUCT_GATE_LOG" \
    'connection to 127\.0\.0\.1:[0-9]+ failed'
bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify

bench_stop "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate" "$PRODUCT_GATE_LOG" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
