#!/bin/bash
# The gate fails closed when it cannot record what the target shows: a target
# (tests/bench/gfx_target --corrupt) sends graphics-pipeline frames whose planar payload is
# garbage. The gate's decoder rejects each one; at gfx_decode_failures_max (3 here, the default)
# the session ends with the reason recording_incomplete, in the gate's log and in the ledger,
# instead of going on with frames the recording lacks. A control session with a target whose
# frames decode is not ended by that check.
. "$(dirname "$0")/lib/bench.sh"

PROBE=$BUILD/bench/rdp_probe
DB=$BENCH_DIR/var/rmgate.db
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$BENCH_DIR/target-key.pem" \
    -out "$BENCH_DIR/target-cert.pem" -days 2 -subj /CN=gfx-target >/dev/null 2>&1 ||
    bench_die "cannot make the target's certificate"

# start_target NAME [GFX_TARGET-ARGS...]: sets TPORT.
start_target() {
    local name=$1
    shift
    TPORT=$(bench_free_port) || bench_die "no free port"
    bench_spawn "$name" "$BUILD/bench/gfx_target" --port "$TPORT" \
        --cert "$BENCH_DIR/target-cert.pem" --key "$BENCH_DIR/target-key.pem" --fps 20 "$@"
    bench_check "$name listens" bench_wait_port "$TPORT" 20 || exit 1
}

ledger_reasons() { sqlite3 -readonly "$DB" "SELECT reason FROM session_ends ORDER BY session_id" 2>/dev/null | tr '\n' ' '; }
wait_ledger() {
    local want=$1 i
    for i in $(seq 100); do
        [ "$(ledger_reasons)" = "$want" ] && return 0
        sleep 0.2
    done
    echo "ledger end reasons: '$(ledger_reasons)', expected '$want'" >&2
    return 1
}

# 1. A target sending undecodable frames.
start_target target-corrupt --corrupt
GATE_PORT=$(bench_free_port) || bench_die "no free port"
GATE_LOG=$BENCH_DIR/gate.log
# gfx_decode_failures_max is left at its default (3; the key itself: tests/unit/test_gate_config.c).
bench_start_gate gate "$GATE_PORT" "target = 127.0.0.1:$TPORT" "target_cert = ignore"
GATE_PID=$BENCH_PID
bench_spawn probe-corrupt "$PROBE" --seconds 15 -- "/v:127.0.0.1:$GATE_PORT" /u:bench /p:bench \
    /cert:ignore /size:1024x768 /gfx
bench_expect_log "corrupt frames: the gate's decoder rejects them" "$GATE_LOG" \
    's1 decode-error what=gfx-SurfaceCommand' 30
bench_expect_log "corrupt frames: the session ends with recording_incomplete" "$GATE_LOG" \
    's1 end: reason="recording_incomplete: 3 updates from the target could not be decoded"' 30
bench_check "corrupt frames: the ledger records the end as recording_incomplete" \
    wait_ledger "recording_incomplete "
bench_expect_log "corrupt frames: the gate says why" "$GATE_LOG" \
    's1 3 updates from the target could not be decoded .*ending the session' 1

# 2. Control: frames that decode; the session ends when the client leaves.
bench_stop "$GATE_PID"
start_target target-good
bench_start_gate gate2 "$GATE_PORT" "target = 127.0.0.1:$TPORT" "target_cert = ignore"
GATE_PID=$BENCH_PID
bench_check "good frames: the client gets frames" \
    "$PROBE" --seconds 3 -- "/v:127.0.0.1:$GATE_PORT" /u:bench /p:bench /cert:ignore /size:1024x768 /gfx
bench_expect_log "good frames: the session ends when the client leaves" "$BENCH_DIR/gate2.log" \
    's1 end: reason="client disconnected" .* decode_errors=0 ' 20
bench_check "good frames: the ledger records a client disconnect" \
    wait_ledger "recording_incomplete client_disconnect "
bench_stop "$GATE_PID"
bench_expect_log_absent "no sanitizer report from the gates" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
