#!/bin/bash
# Whatever a client puts in its user name, domain or client name, the gate's log keeps one
# line per event: a newline there cannot forge a log line, and an escape sequence cannot reach
# the terminal of whoever reads the log. The headless probe sends names holding a newline
# followed by text shaped like a gate log line, and ESC sequences, once with TLS (Client Info)
# and once with NLA (NTLM and TSCredentials), to a gate in product mode that logs at DEBUG (the
# level where FreeRDP itself prints the most of what clients send); an admitted session also
# announces a drive whose name holds ESC and a newline.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

bench_start_shadow 800x600
today=$(product_today)
bench_check "ledger, account and permit set up" eval '
    product_init &&
    product_secret_key &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    product_vendor_account Acme acme acme-Pass1 --nla &&
    product_permit Acme shadow "$today" "$today" >/dev/null' || exit 1

forged='[00:00:00:000] [1:1] [INFO][rmgate.proxy.session] - FORGED'
user=$'acme\n'"$forged user"$'\e[2J'
domain=$'dom\n'"$forged domain"$'\e]0;title\a'
client=$'c\nFORGED\e[1m'

for sec in tls nla; do
    PRODUCT_GATE_PORT="" PRODUCT_GATE_CONF="security = $sec" PRODUCT_GATE_ASAN=detect_leaks=0
    WLOG_LEVEL=DEBUG product_start_gate "gate-$sec" || bench_die "$sec gate not listening"
    log=$PRODUCT_GATE_LOG
    # The probe waits up to 120 s for activation: under the sanitizers a logon (PBKDF2, or the
    # NTLM exchange) and the target connection take longer than FreeRDP's default.
    product_probe 2 acme acme-Pass1 "/client-hostname:$client" "/drive:"$'\e\nFORGED'",$BENCH_DIR" \
        "/sec:$sec" /timeout:120000 >"$BENCH_DIR/probe-drive-$sec.out" 2>&1
    bench_expect_eq "$sec: the vendor with a hostile client and drive name is admitted" 0 "$?"
    product_probe 1 "$user" acme-Pass1 "/d:$domain" "/client-hostname:$client" "/sec:$sec" \
        >"$BENCH_DIR/probe-$sec.out" 2>&1
    bench_expect_eq "$sec: the hostile names are refused" 1 "$?"
    product_probe 1 acme wrong "/client-hostname:$client" "/sec:$sec" >"$BENCH_DIR/probe2-$sec.out" 2>&1
    bench_expect_eq "$sec: a wrong password with a hostile client name is refused" 1 "$?"
    bench_check "$sec: the gate logged the attempts" bench_wait_quiet "$log" 2 30
    bench_expect_log_absent "$sec: no forged line in the gate log" "$log" '^(\[00:00:00:000\]|FORGED)'
    bench_expect_eq "$sec: no escape byte in the gate log" 0 "$(grep -a -c $'\e' "$log")"
    bench_expect_eq "$sec: no bell in the gate log" 0 "$(grep -a -c $'\a' "$log")"
    bench_stop "$PRODUCT_GATE_PID"
    bench_expect_log_absent "$sec: no sanitizer report from the gate" "$log" \
        'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
done
bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify
