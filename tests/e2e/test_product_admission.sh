#!/bin/bash
# The whole product decides who may connect: a vendor account with an approved permit is
# connected (xfreerdp through the gate to freerdp-shadow), its session appears in the usage
# register with a recording whose digest `rmgate-replay verify` matches and whose `keys`
# show what was typed; no permit, an expired, revoked or suspended permit, a source address
# outside the permit and a wrong password are each refused with that reason in the ledger;
# the monthly report counts the session and the refused attempts; the ledger verifies.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

bench_start_shadow 1024x768
today=$(product_today)
bench_check "ledger and demo permits set up" eval '
    product_init &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    product_vendor_account "Acme"      acme      acme-Pass1 &&
    product_vendor_account "NoPermit"  nopermit  nopermit-Pass1 &&
    product_vendor_account "Expired"   expired   expired-Pass1 &&
    product_vendor_account "Revoked"   revoked   revoked-Pass1 &&
    product_vendor_account "Suspended" suspended suspended-Pass1 &&
    product_vendor_account "Elsewhere" elsewhere elsewhere-Pass1 &&
    acme_permit=$(product_permit Acme shadow "$today" "$today") &&
    product_permit_ended Expired shadow >/dev/null &&
    rev=$(product_permit Revoked shadow "$today" "$today") &&
    "${PRODUCT_POLICY[@]}" permit revoke "$rev" --by "Deputy CISO" --reason "order not followed" &&
    sus=$(product_permit Suspended shadow "$today" "$today") &&
    "${PRODUCT_POLICY[@]}" permit suspend "$sus" --by "Deputy CISO" --reason "breach under review" &&
    elsewhere_permit=$(product_permit Elsewhere shadow "$today" "$today" --source 127.0.0.2/32)' || exit 1
product_start_gate || bench_die "gate not listening: $(tail -n 3 "$PRODUCT_GATE_LOG")"

# --- a permitted session, with a real client -----------------------------------------
# /timeout: xfreerdp gives up waiting for activation after about 9 s by default; the gate
# answers the logon (one PBKDF2) and connects the target first, slower under the sanitizers.
bench_start_xfreerdp 127.0.0.1 "$PRODUCT_GATE_PORT" /u:acme /p:acme-Pass1 -gfx /timeout:120000
bench_check "permitted: xfreerdp opens its window" bench_wait_client_window "$BENCH_XFREERDP_DISPLAY" 30
client=$BENCH_DIR/client.png target=$BENCH_DIR/target.png
bench_wait_similar "$BENCH_XFREERDP_DISPLAY" "$BENCH_SHADOW_DISPLAY" "$client" "$target" 0.90 30
bench_expect_similar "$client" "$target" 0.90 "permitted: the vendor sees the permitted system"
bench_x "$BENCH_XFREERDP_DISPLAY" xdotool search --onlyvisible --name '^FreeRDP' windowfocus --sync \
    type --delay 60 'ls -l' >/dev/null 2>&1
bench_check "permitted: ledger has the live session" \
    product_wait_sql "SELECT COUNT(*) FROM sessions WHERE login = 'acme'" 1
bench_stop "$BENCH_XFREERDP_PID"
bench_check "permitted: ledger closes the session" \
    product_wait_sql "SELECT reason FROM session_ends" client_disconnect
rec=$(product_sql "SELECT recording_path FROM sessions WHERE login = 'acme'")
digest=$(product_sql "SELECT recording_digest FROM session_ends")
bench_check "permitted: the recording verifies against the ledger's digest" \
    "$BUILD/rmgate-replay" verify "$rec" --digest "$digest"
bench_expect_eq "permitted: keys show what was typed" "ls -l" \
    "$("$BUILD/rmgate-replay" keys "$rec" 2>/dev/null | tail -n 1 | sed 's/^.* JST  //')"
month=$(TZ=Asia/Tokyo date +%Y-%m)
bench_expect_word "permitted: the usage register lists the session" acme \
    "$("${PRODUCT_POLICY[@]}" report register --month "$month" --format csv | tr ',\r' '  ')"

# --- refusals ----------------------------------------------------------------------------
# refused NAME LOGIN PASSWORD REASON: the client cannot connect, the ledger says why.
refused() {
    local name=$1 login=$2 password=$3 reason=$4
    product_probe 2 "$login" "$password" >"$BENCH_DIR/probe-$login.out" 2>&1
    local rc=$?
    bench_expect_eq "$name: the client is not connected" 1 "$rc"
    bench_check "$name: ledger records the refusal as $reason" product_wait_sql \
        "SELECT reason FROM events WHERE type = 'refused' AND login = '$login' ORDER BY id DESC LIMIT 1" \
        "$reason" 10
}
refused "no permit" nopermit nopermit-Pass1 no_permit
refused "expired permit" expired expired-Pass1 outside_window
refused "revoked permit" revoked revoked-Pass1 revoked
refused "suspended permit" suspended suspended-Pass1 suspended
refused "source address outside the permit" elsewhere elsewhere-Pass1 source_not_allowed
refused "wrong password" acme not-the-password bad_password
refused "unknown account" mallory mallory-Pass1 unknown_account
bench_expect_eq "refusals open no session" 1 "$(product_sql 'SELECT COUNT(*) FROM sessions')"

# --- the monthly report and the ledger ---------------------------------------------------------
report=$("${PRODUCT_POLICY[@]}" report monthly --month "$month" --format json)
printf '%s\n' "$report" >"$BENCH_DIR/monthly.json"
bench_expect_eq "monthly report counts one session" 1 \
    "$(python3 -c 'import json,sys; r=json.load(sys.stdin); print([g for g in r["rows"] if g.get("total")][0]["sessions"])' <<<"$report")"
bench_expect_eq "monthly report counts the seven refused attempts" 7 \
    "$(python3 -c 'import json,sys; r=json.load(sys.stdin); print([g for g in r["rows"] if g.get("total")][0]["refused"])' <<<"$report")"

# --- refusals attributed to the vendor, its permit and section (Art. 7, 8) -------------------
# json_rows FILTER: the rows of `refusal list --json` (stdin) that FILTER (a python expression
# on r) keeps, counted.
json_rows() { python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if '"$1"'))'; }
bench_expect_eq "refusal list --vendor: the wrong password of acme, attributed to Acme's permit" 1 \
    "$("${PRODUCT_POLICY[@]}" refusal list --month "$month" --vendor Acme --json |
       json_rows "r['reason'] == 'bad_password' and r['account'] == 'acme' and r['permits'] == '$acme_permit' and r['section'] == 'Ops'")"
bench_expect_eq "refusal list: the unknown account has no vendor" 1 \
    "$("${PRODUCT_POLICY[@]}" refusal list --month "$month" --json |
       json_rows "r['login'] == 'mallory' and r['vendor'] is None and r['section'] is None")"
section_report=$("${PRODUCT_POLICY[@]}" report monthly --month "$month" --section Ops --format json)
printf '%s\n' "$section_report" >"$BENCH_DIR/monthly-ops.json"
bench_expect_eq "Form 4 of Ops counts the wrong password on Acme's permit" 1 \
    "$(python3 -c 'import json,sys; r=json.load(sys.stdin); print([g for g in r["rows"] if g.get("permit") == sys.argv[1]][0]["refused"])' \
       "$acme_permit" <<<"$section_report")"
# expired, revoked, suspended, elsewhere, acme: their permits are Ops'; NoPermit has none and
# mallory is no account, so both stay out of a section's report
bench_expect_eq "Form 4 of Ops counts the five refusals against its permits" 5 \
    "$(python3 -c 'import json,sys; r=json.load(sys.stdin); print([g for g in r["rows"] if g.get("total")][0]["refused"])' <<<"$section_report")"
bench_check "permit show: the refusal from outside the permitted sources is a breach" eval \
    '"${PRODUCT_POLICY[@]}" permit show "$elsewhere_permit" --json |
     python3 -c "import json,sys; b=json.load(sys.stdin)[\"breaches\"]; assert [x[\"kind\"] for x in b] == [\"refused_source\"], b"'
bench_check "permit show: the clipboard xfreerdp offered is a blocked redirection" eval \
    '"${PRODUCT_POLICY[@]}" permit show "$acme_permit" | sed -n "/^breaches/,\$p" | grep -q "blocked_redirection"'
bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify

bench_stop "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate" "$PRODUCT_GATE_LOG" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
