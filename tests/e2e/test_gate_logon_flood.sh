#!/bin/bash
# A flood of refused logons must not fill the ledger. 40 refused logons
# from one address (20 unknown accounts, 20 wrong passwords of a real account, two at a time,
# with the headless client in TLS mode) leave 5 bad_password rows (the lock-out's count, also
# under parallel attempts), 1 account_locked row and, per minute, at most N single refusals
# (refused_rows_per_minute, 3 here so that even a slow machine floods) plus one
# refused_summary row whose count carries the rest: no count is lost (single rows + summary
# counts = 40, and the monthly report counts 40). The ledger verifies. Each pair waits for
# the gate to answer both (every logon costs one PBKDF2, slow under the sanitizers), so the
# gate never fills up and every attempt is a logon refusal.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

ATTEMPTS=40 PER_MINUTE=3
bench_start_shadow 1024x768
today=$(product_today)
bench_check "ledger and permit set up" eval '
    product_init &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    product_vendor_account "Acme" acme acme-Pass1 &&
    product_permit Acme shadow "$today" "$today" >/dev/null' || exit 1
PRODUCT_GATE_CONF="refused_rows_per_minute = $PER_MINUTE"
product_start_gate || bench_die "gate not listening: $(tail -n 3 "$PRODUCT_GATE_LOG")"

# --- a flood of refused logons from one address -------------------------------------------
# attempt I: the headless client logs on once; its exit status goes to a file.
attempt() {
    local i=$1 login=nobody$1 password=x
    [ $((i % 2)) -eq 0 ] && login=acme password=wrong-$i
    product_probe 0 "$login" "$password" /sec:tls /timeout:120000 >"$BENCH_DIR/flood-$i.out" 2>&1
    echo $? >"$BENCH_DIR/flood-$i.rc"
}
t0=$(date +%s)
# answered N: the gate has refused N sessions so far.
answered() { [ "$(bench_count_log "$PRODUCT_GATE_LOG" 'session-refused')" -ge "$1" ]; }
pids=()
for i in $(seq "$ATTEMPTS"); do # two at a time (wait on these only: the bench's are children too)
    attempt "$i" &
    pids+=($!)
    if [ ${#pids[@]} -eq 2 ] || [ "$i" -eq "$ATTEMPTS" ]; then
        wait "${pids[@]}"
        pids=()
        product_wait_true 120 answered "$i" 2>/dev/null
    fi
done
refused_ok=$(cat "$BENCH_DIR"/flood-*.rc | grep -c '^1$')
minutes=$(( ($(date +%s) - t0) / 60 + 1 ))
bench_expect_eq "flood: every attempt was refused" "$ATTEMPTS" "$refused_ok"
# Every refusal is in the ledger once the gate has stopped (it writes the open counts). The
# gate's log counts the refusals (a client may retry a connection on its own).
bench_stop "$PRODUCT_GATE_PID"
refusals=$(bench_count_log "$PRODUCT_GATE_LOG" 'session-refused')
bench_check "flood: the gate refused at least every attempt ($refusals)" [ "$refusals" -ge "$ATTEMPTS" ]
single=$(product_sql "SELECT COUNT(*) FROM events WHERE type = 'refused' AND source = '127.0.0.1'")
bad=$(product_sql "SELECT COUNT(*) FROM events WHERE type = 'refused' AND reason = 'bad_password'")
summed=$(product_sql "SELECT IFNULL(SUM(CAST(detail AS INTEGER)), 0) FROM events
                      WHERE type = 'refused_summary' AND source = '127.0.0.1'")
rows=$(product_sql "SELECT COUNT(*) FROM events WHERE source = '127.0.0.1' OR login = 'acme'")
# A source's minute starts at its first refusal, not on the clock: M started minutes of the
# test can touch M + 1 of them, each with at most N single rows and one summary.
bound=$((5 + 1 + (PER_MINUTE + 1) * (minutes + 1)))
echo "flood: $ATTEMPTS attempts in $minutes started minute(s): $rows rows ($single single," \
     "$bad bad_password), $summed counted in summaries; bound $bound" >&2
bench_expect_eq "flood: five wrong passwords are checked and listed, then the account is locked" 5 "$bad"
bench_expect_eq "flood: one account_locked row" 1 \
    "$(product_sql "SELECT COUNT(*) FROM events WHERE type = 'account_locked'")"
bench_check "flood: ledger rows ($rows) stay within 6 + $((PER_MINUTE + 1)) a started minute ($bound)" \
    [ "$rows" -le "$bound" ]
bench_expect_eq "flood: single rows + summary counts = every refusal" "$refusals" $((single + summed))
bench_expect_eq "flood: the summaries name the reasons" 1 \
    "$(product_sql "SELECT COUNT(*) > 0 FROM events WHERE type = 'refused_summary'
                    AND detail LIKE '%unknown_account=%' AND detail LIKE '%locked_out=%'")"
month=$(TZ=Asia/Tokyo date +%Y-%m)
bench_expect_eq "flood: the monthly report counts every refusal" "$refusals" \
    "$("${PRODUCT_POLICY[@]}" report monthly --month "$month" --format json |
       python3 -c 'import json,sys; r=json.load(sys.stdin); print([g for g in r["rows"] if g.get("total")][0]["refused"])')"

bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify
bench_expect_log_absent "no sanitizer report from the gate" "$PRODUCT_GATE_LOG" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
