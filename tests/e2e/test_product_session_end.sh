#!/bin/bash
# Connection time is kept to the minimum (Art. 6-3) and a withdrawn permit takes effect at
# once: live sessions through the gate end when their permit is revoked or suspended (the
# time it took is printed), when the vendor gives no input for the idle timeout (after an
# idle warning), and at the maximum session duration; each with its reason in the ledger.
# An officer's order to end a live session (`rmgate-policy session end ID --by --reason`) ends
# it as `terminated` (the time it took is printed), with who and why in the ledger.
# A gate killed with SIGKILL mid-session leaves, after its restart, the session closed as
# `aborted` with a replayable recording.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

bench_start_shadow 1024x768
today=$(product_today)
bench_check "ledger and permits set up" eval '
    product_init &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    product_system shadow-idle "$BENCH_SHADOW_PORT" --idle-timeout 1 &&
    product_system shadow-max "$BENCH_SHADOW_PORT" --max-duration 1 &&
    for v in live susp idle long crash ordered; do
        product_vendor_account "Vendor-$v" "$v" "$v-Pass1" || exit 1
    done &&
    live_permit=$(product_permit Vendor-live shadow "$today" "$today") &&
    susp_permit=$(product_permit Vendor-susp shadow "$today" "$today") &&
    product_permit Vendor-idle shadow-idle "$today" "$today" >/dev/null &&
    product_permit Vendor-long shadow-max "$today" "$today" >/dev/null &&
    product_permit Vendor-crash shadow "$today" "$today" >/dev/null &&
    product_permit Vendor-ordered shadow "$today" "$today" >/dev/null' || exit 1
product_start_gate || bench_die "gate not listening"

probe_session() { # probe_session LOGIN SECONDS: a headless vendor client in the background
    bench_spawn "probe-$1" "$BUILD/bench/rdp_probe" --seconds "$2" -- \
        "/v:127.0.0.1:$PRODUCT_GATE_PORT" "/u:$1" "/p:$1-Pass1" /cert:ignore /timeout:120000
}
started() { product_wait_sql "SELECT COUNT(*) FROM sessions WHERE login = '$1'" 1 30; }
# One after the other: four handshakes at once on a loaded machine (sanitizer build) can
# outlast the client's own activation timeout.
for login in live susp idle long; do
    probe_session "$login" 150
    bench_check "$login: session starts" started "$login"
done

# --- revocation and suspension ------------------------------------------------------------
withdrawn_at=$(date +%s%6N)
"${PRODUCT_POLICY[@]}" permit revoke "$live_permit" --by "Deputy CISO" --reason "order not followed"
"${PRODUCT_POLICY[@]}" permit suspend "$susp_permit" --by "Deputy CISO" --reason "breach under review"
ended_as() { # ended_as LOGIN REASON TIMEOUT
    product_wait_sql "SELECT e.reason FROM session_ends e JOIN sessions s ON s.id = e.session_id WHERE s.login = '$1'" "$2" "$3"
}
bench_check "revoked: the live session ends as revoked" ended_as live revoked 20
# The client is told why (MS-RDPBCGR error info): an administrative end, the idle timeout, the
# time limit; each probe prints the code it received when the gate closed its session.
told() { # told LOGIN CODE: the probe of LOGIN received error info CODE
    local i
    for i in $(seq 100); do grep -q "^error_info=$2 " "$BENCH_DIR/probe-$1.log" 2>/dev/null && return 0; sleep 0.2; done
    echo "probe-$1.log: $(grep error_info "$BENCH_DIR/probe-$1.log")" >&2
    return 1
}
bench_check "revoked: the client is told it was an administrative end (0x1)" told live 0x00000001
bench_check "suspended: the live session ends as suspended" ended_as susp suspended 20
for login in live susp; do
    end_us=$(product_sql "SELECT e.end_us FROM session_ends e JOIN sessions s ON s.id = e.session_id WHERE s.login = '$login'")
    [ -n "$end_us" ] && bench_log "$login: session ended $(( (end_us - withdrawn_at) / 1000 )) ms after the permit was withdrawn"
done

# --- "end this session now", by an officer ------------------------------------------------------
probe_session ordered 150
bench_check "ordered: session starts" started ordered
ordered_id=$(product_sql "SELECT id FROM sessions WHERE login = 'ordered'")
ordered_at=$(date +%s%6N)
bench_check "ordered: the officer orders the end" \
    "${PRODUCT_POLICY[@]}" session end "$ordered_id" --by "Deputy CISO" --reason "work outside the permitted scope"
bench_check "ordered: the live session ends as terminated" ended_as ordered terminated 20
bench_check "ordered: the client is told it was an administrative end (0x1)" told ordered 0x00000001
end_us=$(product_sql "SELECT end_us FROM session_ends WHERE session_id = $ordered_id")
[ -n "$end_us" ] && bench_log "ordered: session ended $(( (end_us - ordered_at) / 1000 )) ms after the order"
bench_expect_eq "ordered: the ledger names who ordered it and why" "Deputy CISO|work outside the permitted scope" \
    "$(product_sql "SELECT actor || '|' || detail FROM events WHERE session_id = $ordered_id AND type = 'end_requested'")"
bench_check "ordered: an ended session cannot be ordered ended again" \
    eval '! "${PRODUCT_POLICY[@]}" session end "$ordered_id" --by x --reason y 2>"$BENCH_DIR/end-again.err" && grep -q "already ended" "$BENCH_DIR/end-again.err"'
bench_check "ordered: --by and --reason are required" \
    eval '! "${PRODUCT_POLICY[@]}" session end "$ordered_id" --by x 2>/dev/null'

# --- idle timeout and maximum duration (both set to one minute) -------------------------------
bench_check "idle: ended at the idle timeout" ended_as idle idle_timeout 120
bench_check "idle: the client is told it was the idle timeout (0x3)" told idle 0x00000003
bench_check "idle: the vendor was warned first" product_wait_sql \
    "SELECT COUNT(*) > 0 FROM events e JOIN sessions s ON s.id = e.session_id WHERE s.login = 'idle' AND e.type = 'idle_warning'" 1 5
bench_check "max duration: ended at the maximum duration" ended_as long max_duration 120
bench_check "max duration: the client is told it was the time limit (0x4)" told long 0x00000004

# --- a crash of the gate ------------------------------------------------------------------------
probe_session crash 150
bench_check "crash: session starts" started crash
rec=$(product_sql "SELECT recording_path FROM sessions WHERE login = 'crash'")
# Wait until the recorder has flushed screen data (it flushes at least once a second).
has_screen() { [ "$(stat -c %s "$rec" 2>/dev/null || echo 0)" -gt 20000 ]; }
bench_check "crash: the recording grows" product_wait_true 20 has_screen
kill -9 "$PRODUCT_GATE_PID"
bench_wait_exit "$PRODUCT_GATE_PID" 10
bench_expect_eq "crash: the session is still open in the ledger" "" \
    "$(product_sql "SELECT e.reason FROM session_ends e JOIN sessions s ON s.id = e.session_id WHERE s.login = 'crash'")"
product_start_gate gate-restarted || bench_die "gate did not restart"
bench_check "crash: after the restart the session is closed as aborted" ended_as crash aborted 20
bench_check "crash: the recording still opens" "$BUILD/rmgate-replay" info "$rec"
bench_check "crash: its last screen can be exported" \
    "$BUILD/rmgate-replay" frame "$rec" --at end -o "$BENCH_DIR/crash-end.png"
bench_check "crash: the ledger keeps the digest of the readable part" product_wait_sql \
    "SELECT length(e.recording_digest) FROM session_ends e JOIN sessions s ON s.id = e.session_id WHERE s.login = 'crash'" 64 2
bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify

bench_stop "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
