#!/bin/bash
# Sources enforced, not just declared (Art. 3, Table 1 row 1, Table 2 row 1(2)).
# At the real gate: a Table 1 vendor connecting from outside its system's networks (the
# dedicated line / city VPN) is refused with source_not_allowed and the reason in the ledger,
# and from inside it is admitted. At `permit apply`: a Table 2 source that is no global-IP
# restriction (0.0.0.0/0, 10.0.0.0/8, a /16, a documentation range) is refused with its rule,
# a lab range is accepted only once the system allows it (and the permit shows it), and a
# Table 1 permit for a system without networks is refused.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

bench_start_shadow 1024x768
today=$(product_today)
bench_check "ledger, a Table 1 system on loopback and its permit set up" eval '
    product_init &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    product_vendor_account "Acme" acme acme-Pass1 &&
    product_permit Acme shadow "$today" "$today" >/dev/null' || exit 1

# --- permit apply: Table 2 sources --------------------------------------------------------
bench_check "an internet system and a Table 1 system without networks added" eval '
    "${PRODUCT_POLICY[@]}" system add web --class internet --host 127.0.0.1 --port "$BENCH_SHADOW_PORT" \
        --section Ops >/dev/null &&
    "${PRODUCT_POLICY[@]}" system add bare --class lgwan --host 127.0.0.1 --port "$BENCH_SHADOW_PORT" \
        --section Ops >/dev/null' || exit 1

# apply_t2 SYSTEM SOURCE...: applies for a Table 2 permit; its stderr in $BENCH_DIR/apply.err.
apply_t2() {
    local system=$1
    shift
    "${PRODUCT_POLICY[@]}" permit apply --vendor Acme --system "$system" --section Ops --purpose "e2e" \
        --from "$today" --to "$today" --contract-from "$today" --contract-to "$today" --table 2 \
        --confirm-all --source "$@" 2>"$BENCH_DIR/apply.err"
}
# refused_t2 NAME SOURCE WORDS: apply_t2 web SOURCE exits 1 naming the rule and WORDS.
refused_t2() {
    local name=$1 source=$2 words=$3
    apply_t2 web "$source" >/dev/null
    bench_expect_eq "$name: refused" 1 "$?"
    bench_check "$name: the refusal names rule table2-source-global and says '$words'" \
        grep -q "rule table2-source-global: .*$words" "$BENCH_DIR/apply.err"
}
refused_t2 "0.0.0.0/0" 0.0.0.0/0 "every address"
refused_t2 "10.0.0.0/8" 10.0.0.0/8 "private 10.0.0.0/8"
refused_t2 "a global /16" 8.8.0.0/16 "wider than the city's minimum /24"
refused_t2 "a documentation range" 198.51.100.0/24 "documentation"
refused_t2 "a lab range the system does not allow" 192.168.77.0/24 "private"
bench_expect_eq "refused applications record no permit" 1 "$(product_sql 'SELECT COUNT(*) FROM permits')"
bench_check "a global /24 is accepted" eval 'apply_t2 web 8.8.8.0/24 >/dev/null'
bench_check "the lab range allowed on the system, by name" \
    "${PRODUCT_POLICY[@]}" system set web --lab-sources 192.168.77.0/24 --by "CISO Suzuki"
bench_expect_eq "the lab setting is a ledger row naming who" "CISO Suzuki" \
    "$(product_sql "SELECT actor FROM events WHERE type = 'lab_sources_set'")"
lab=$(apply_t2 web 192.168.77.0/24)
bench_expect_eq "the lab range is then accepted" 0 "$?"
bench_check "permit show names the lab exception" eval \
    "\"\${PRODUCT_POLICY[@]}\" permit show '$lab' | grep -Eq '^lab_exception +192\.168\.77\.0/24'"
bench_check "the minimum prefix is the city's setting" \
    "${PRODUCT_POLICY[@]}" sources set --min-prefix4 16 --by "CISO Suzuki"
bench_check "a global /16 is then accepted" eval 'apply_t2 web 8.8.0.0/16 >/dev/null'

# --- permit apply: Table 1 needs the system's networks ----------------------------------
"${PRODUCT_POLICY[@]}" permit apply --vendor Acme --system bare --section Ops --purpose "e2e" \
    --from "$today" --to "$today" --contract-from "$today" --contract-to "$today" --table 1 \
    --confirm-all >/dev/null 2>"$BENCH_DIR/apply.err"
bench_expect_eq "Table 1 on a system without networks: refused" 1 "$?"
bench_check "the refusal names rule table1-networks" grep -q "rule table1-networks: system 'bare' has no networks" \
    "$BENCH_DIR/apply.err"

# --- the gate: Table 1 only from inside the system's networks ---------------------------
product_start_gate || bench_die "gate not listening: $(tail -n 3 "$PRODUCT_GATE_LOG")"
bench_check "the system's networks narrowed to another address" \
    "${PRODUCT_POLICY[@]}" system set shadow --networks 127.0.0.2/32 --by "CISO Suzuki"
product_probe 2 acme acme-Pass1 >"$BENCH_DIR/probe-outside.out" 2>&1
bench_expect_eq "from outside the networks: the client is not connected" 1 "$?"
bench_check "the ledger records the refusal as source_not_allowed" product_wait_sql \
    "SELECT reason FROM events WHERE type = 'refused' AND login = 'acme' ORDER BY id DESC LIMIT 1" \
    source_not_allowed 10
bench_expect_eq "the ledger says the source is outside the system's networks" 1 \
    "$(product_sql "SELECT COUNT(*) FROM events WHERE type = 'refused' AND login = 'acme'
                    AND detail LIKE '%outside the networks%'")"
bench_expect_eq "no session was opened" 0 "$(product_sql 'SELECT COUNT(*) FROM sessions')"
bench_check "the system's networks set to the vendor's line (loopback)" \
    "${PRODUCT_POLICY[@]}" system set shadow --networks 127.0.0.0/8 ::1 --by "CISO Suzuki"
product_probe 3 acme acme-Pass1 >"$BENCH_DIR/probe-inside.out" 2>&1
bench_expect_eq "from inside the networks: the client is connected" 0 "$?"
bench_check "the ledger has the session" \
    product_wait_sql "SELECT COUNT(*) FROM sessions WHERE login = 'acme'" 1
bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify

bench_stop "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate" "$PRODUCT_GATE_LOG" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
