#!/bin/bash
# A compromised session worker against the monitor (docs/process-model.md: the monitor treats
# every message as untrusted). The test takes over the monitor socket of a live, admitted
# worker (tests/e2e/lib/hostile_worker.py: pidfd_getfd, the worker stopped) and speaks as it:
# - a second admission (to get another vendor's permit and target): the worker is killed, its
#   session ends as `aborted`, no second session starts;
# - a failed-logon report for another account (to lock it out): killed, nothing recorded
#   against that account, which still logs on;
# - an NLA hash request on a TLS gate (to learn an account's password-equivalent): no hash
#   comes back, killed;
# - an event of an unknown type: killed, nothing of it in the ledger;
# - 5000 forged receipt events: they land on its own session only, within its caps (32
#   device rows, 1000 event rows, then counted), and the monitor goes on serving;
# and meanwhile another vendor's session runs on untouched.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"
HOSTILE="python3 $BENCH_LIB/hostile_worker.py"

bench_start_shadow 1024x768
today=$(product_today)
bench_check "ledger and permits set up" eval '
    product_init &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    for v in keep evil other; do
        product_vendor_account "Vendor-$v" "$v" "$v-Pass1" || exit 1
        product_permit "Vendor-$v" shadow "$today" "$today" >/dev/null || exit 1
    done' || exit 1
product_start_gate || bench_die "gate not listening"
GATE_LOG=$PRODUCT_GATE_LOG

probe_session() { # probe_session LOGIN SECONDS
    bench_spawn "probe-$1-$RANDOM" "$BUILD/bench/rdp_probe" --seconds "$2" -- \
        "/v:127.0.0.1:$PRODUCT_GATE_PORT" "/u:$1" "/p:$1-Pass1" /cert:ignore /timeout:120000
}
sessions_of() { product_sql "SELECT COUNT(*) FROM sessions WHERE login = '$1'"; }
last_end_of() {
    product_sql "SELECT e.reason FROM session_ends e JOIN sessions s ON s.id = e.session_id
                 WHERE s.login = '$1' ORDER BY s.id DESC LIMIT 1"
}
# evil_session N [SECONDS=60]: a new session of evil, admitted; sets EVIL_WORKER and EVIL_ID
# (the ledger's session of that worker, found by the recording the worker holds open: a client
# may open a second connection, so "the newest session" is not enough).
evil_session() {
    local before rec
    before=$(sessions_of evil)
    probe_session evil "${2:-60}"
    bench_check "evil #$1: admitted" product_wait_true 60 eval '[ "$(sessions_of evil)" -gt "$before" ]' || return 1
    EVIL_WORKER=$(product_worker_of evil)
    rec=$(ls -l "/proc/$EVIL_WORKER/fd" 2>/dev/null | sed -n 's/.* -> \(.*\.pcap\)$/\1/p' | head -n 1)
    EVIL_ID=$(product_sql "SELECT id FROM sessions WHERE recording_path = '$rec'")
    bench_check "evil #$1: its worker and session are known" test -n "$EVIL_WORKER" -a -n "$EVIL_ID"
}
killed_for() { # killed_for WHAT: the monitor killed EVIL_WORKER for breaking the protocol
    bench_expect_log "$1: the monitor kills the worker" "$GATE_LOG" \
        "worker $EVIL_WORKER killed: it (broke the protocol|sent a malformed message)" 10
    bench_check "$1: its own session ends as aborted" product_wait_sql \
        "SELECT reason FROM session_ends WHERE session_id = $EVIL_ID" aborted 15
}

probe_session keep 300
KEEP_PROBE=$BENCH_PID
bench_check "keep: session starts" product_wait_sql "SELECT COUNT(*) FROM sessions WHERE login = 'keep'" 1 60
keep_id=$(product_sql "SELECT id FROM sessions WHERE login = 'keep'")
# Its own receipt rows first (the target's connection and its channel offers), then a count.
bench_check "keep: connected to the target" product_wait_sql \
    "SELECT COUNT(*) FROM events WHERE session_id = $keep_id AND type = 'target_connected'" 1 60
sleep 3
keep_rows=$(product_sql "SELECT COUNT(*) FROM events WHERE session_id = $keep_id")

# --- another vendor's permit ---------------------------------------------------------------------
evil_session 1
out=$($HOSTILE "$EVIL_WORKER" second-admit other)
bench_log "second admission: $out"
killed_for "second admission"
bench_expect_eq "second admission: no session for the other account" "0" "$(sessions_of other)"

# --- another account's lock-out ------------------------------------------------------------------
evil_session 2
out=$($HOSTILE "$EVIL_WORKER" refuse-other other)
bench_log "foreign failed logon: $out"
killed_for "foreign failed logon"
bench_expect_eq "foreign failed logon: nothing recorded against the other account" "0" \
    "$(product_sql "SELECT COUNT(*) FROM events WHERE login = 'other'")"
bench_check "foreign failed logon: the other account still logs on" \
    product_probe 3 other other-Pass1

# --- a secret it was not given -------------------------------------------------------------------
evil_session 3
out=$($HOSTILE "$EVIL_WORKER" hash-request other)
bench_log "hash request on a TLS gate: $out"
bench_check "hash request: no hash comes back" eval '! grep -q "reply type=65" <<<"$out"'
killed_for "hash request"

# --- an event of an unknown type ------------------------------------------------------------------
evil_session 4
out=$($HOSTILE "$EVIL_WORKER" bad-event)
killed_for "unknown event"
bench_expect_eq "unknown event: nothing of it in the ledger" "0" \
    "$(product_sql "SELECT COUNT(*) FROM events WHERE detail LIKE '%forged%'")"

# --- garbage --------------------------------------------------------------------------------------
evil_session 5
out=$($HOSTILE "$EVIL_WORKER" garbage)
killed_for "garbage"

# --- a flood of forged receipt events --------------------------------------------------------------
evil_session 6 15
evil_id=$EVIL_ID
$HOSTILE "$EVIL_WORKER" event-flood 5000 >/dev/null
flooded() { [ "$(product_sql "SELECT COUNT(*) FROM events WHERE session_id = $evil_id AND detail LIKE '%FLOOD%'")" -ge 32 ]; }
bench_check "event flood: the monitor takes the events" product_wait_true 30 flooded
kill -CONT "$EVIL_WORKER"
bench_check "event flood: the session ends" product_wait_sql \
    "SELECT COUNT(*) FROM session_ends WHERE session_id = $evil_id" 1 90
bench_expect_eq "event flood: 32 device rows listed singly" "32" \
    "$(product_sql "SELECT COUNT(*) FROM events WHERE session_id = $evil_id AND type = 'device_announced' AND detail LIKE 'type=drive%'")"
bench_expect_eq "event flood: one row counts the other 4968" "4968" \
    "$(product_sql "SELECT IFNULL(SUM(CAST(detail AS INTEGER)), 0) FROM events WHERE session_id = $evil_id AND type = 'device_announced' AND detail LIKE '% more device(s)%'")"
bench_expect_eq "event flood: nothing on any other session" "0" \
    "$(product_sql "SELECT COUNT(*) FROM events WHERE detail LIKE '%FLOOD%' AND IFNULL(session_id, 0) != $evil_id")"

# --- the honest vendor ---------------------------------------------------------------------------
bench_check "keep: its client is still connected" bench_alive "$KEEP_PROBE"
bench_expect_eq "keep: its session is still open" "" "$(last_end_of keep)"
bench_expect_eq "keep: no row was added to its session meanwhile" "$keep_rows" \
    "$(product_sql "SELECT COUNT(*) FROM events WHERE session_id = $keep_id")"
bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify
bench_stop "$KEEP_PROBE" "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate or its workers" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
