#!/bin/bash
# The target going away never lets a client's graphics acknowledgements or monitor layouts reach
# the back's freed channel contexts: FreeRDP 2.11's freerdp_disconnect frees the
# GFX and display-control client contexts before it reports the channels disconnected, so the
# gate must close its bridge before that. A target (tests/bench/gfx_target --end-after) ends
# every connection after ten frames while the client (rdp_probe --flood-acks)
# sends a stream of FrameAcknowledge PDUs and monitor layouts; many rounds through one gate.
# Every round must end as a target disconnect, the gate must survive them all, and under SAN=1
# the gate must show no sanitizer report.
. "$(dirname "$0")/lib/bench.sh"

ROUNDS=${ROUNDS:-25}
BUDGET_S=300
# Under the sanitizers a round takes several times longer (the gate forwards 1-2 frames/s of
# 256 KB on the loaded bench): fewer rounds in the same time budget.
[ "${SAN:-}" = 1 ] && ROUNDS=${SAN_ROUNDS:-10}
PROBE=$BUILD/bench/rdp_probe

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$BENCH_DIR/target-key.pem" \
    -out "$BENCH_DIR/target-cert.pem" -days 2 -subj /CN=gfx-target >/dev/null 2>&1 ||
    bench_die "cannot make the target's certificate"
TPORT=$(bench_free_port) || bench_die "no free port"
bench_spawn target "$BUILD/bench/gfx_target" --port "$TPORT" --cert "$BENCH_DIR/target-cert.pem" \
    --key "$BENCH_DIR/target-key.pem" --fps 40 --end-after 10
bench_check "target listens" bench_wait_port "$TPORT" 20 || exit 1
GATE_PORT=$(bench_free_port) || bench_die "no free port"
GATE_LOG=$BENCH_DIR/gate.log
bench_start_gate gate "$GATE_PORT" "target = 127.0.0.1:$TPORT" "target_cert = ignore"
GATE_PID=$BENCH_PID

end=$(( $(date +%s) + BUDGET_S ))
done_rounds=0 ended=0
for i in $(seq "$ROUNDS"); do
    [ "$(date +%s)" -lt "$end" ] || break
    bench_alive "$GATE_PID" || break
    timeout 90 "$PROBE" --seconds 40 --flood-acks -- "/v:127.0.0.1:$GATE_PORT" /u:bench /p:bench \
        /cert:ignore /size:1024x768 /gfx /dynamic-resolution >"$BENCH_DIR/probe-$i.log" 2>&1
    done_rounds=$i
    grep -q 'ended_by_server=yes' "$BENCH_DIR/probe-$i.log" && ended=$((ended + 1))
done
bench_log "$done_rounds rounds, $ended ended by the target while flooding"
bench_expect_eq "all $ROUNDS rounds ran" "$ROUNDS" "$done_rounds"
bench_expect_eq "every round was ended by the target while the client flooded" "$done_rounds" "$ended"
bench_check "the gate survived every target-side teardown" bench_alive "$GATE_PID"
n=$(bench_count_log "$GATE_LOG" 's[0-9]+ end: reason="target disconnected"')
bench_expect_eq "every session ended as a target disconnect" "$done_rounds" "$n"
bench_expect_log "the client's monitor layouts reached the gate" "$GATE_LOG" \
    'display layout from the client: 1 monitor' 1
bench_expect_log "the client's acknowledgements reached the target" "$BENCH_DIR/target.log" \
    'connection ended after [0-9]+ frames, [1-9][0-9]* acknowledgements' 1
# The flood itself is not passed on: never more acknowledgements than frames.
too_many=$(awk '/connection ended after/ { if ($7 + 0 > $5 + 0) n++ } END { print n + 0 }' \
    "$BENCH_DIR/target.log")
bench_expect_eq "the target never got more acknowledgements than frames" 0 "$too_many"
bench_expect_log "the gate says it dropped the surplus" "$GATE_LOG" \
    'frame acknowledgements from the client repeated one or were for frames it was never sent' 1
bench_expect_log "the client's monitor layouts reached the target" "$BENCH_DIR/target.log" \
    'acknowledgements, [1-9][0-9]* monitor layouts' 1
bench_stop "$GATE_PID"
bench_expect_log "gate shuts down on SIGTERM" "$GATE_LOG" 'signal 15 received' 10
bench_expect_log_absent "no sanitizer report from the gate" "$GATE_LOG" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
