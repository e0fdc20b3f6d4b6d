#!/bin/bash
# The gate's TLS.
# Front: every TLS 1.2 suite this machine's OpenSSL knows is offered to the gate one by one
# (after RDP's X.224 request): it accepts only forward-secret AEAD suites (ECDHE or DHE with
# AES-GCM or ChaCha20-Poly1305), never static RSA (AES256-GCM-SHA384, AES128-SHA, ...) or CBC.
# Back: a fake target that speaks TLS only with a static-RSA suite is refused by the gate's
# client side; xfreerdp 2.11 still gets a session through the gate to freerdp-shadow.
# Memory: FreeRDP 2.11's tls_accept kept about 8 KB per TLS handshake; the gate now gives it
# back: after a warm-up, 300 more handshakes grow the gate's heap in use by less than 3 KB each.
# Connections come from a range of loopback addresses, each below the per-source limits
# (60 a minute), so only keys known before the fix are set and the script runs on an old gate.
. "$(dirname "$0")/lib/bench.sh"
RDPTLS=$BENCH_ROOT/tests/e2e/lib/rdp_tls.py

bench_start_shadow 1024x768
PORT=$(bench_free_port) || bench_die "no free port"
FAKE_PORT=$(bench_free_port) || bench_die "no free port"
FAKE_GATE_PORT=$(bench_free_port) || bench_die "no free port"
bench_start_gate gate "$PORT" "target = 127.0.0.1:$BENCH_SHADOW_PORT" "target_cert = ignore"
GATE_PID=$BENCH_PID LOG=$BENCH_DIR/gate.log

# Front: the scan.
python3 "$RDPTLS" scan 127.0.0.1 "$PORT" --source 127.0.1.1-127.0.1.20 >"$BENCH_DIR/scan.out" 2>&1
scanned=$(sed -n 's/^scanned //p' "$BENCH_DIR/scan.out")
bench_check "the scan offered at least 30 TLS 1.2 suites (${scanned:-none})" test "${scanned:-0}" -ge 30
bench_check "the front accepts ECDHE-RSA-AES128-GCM-SHA256" \
    grep -q '^accepted ECDHE-RSA-AES128-GCM-SHA256 ' "$BENCH_DIR/scan.out"
weak=$(grep '^accepted ' "$BENCH_DIR/scan.out" | grep -v -E ' kx=kx-(ecdhe|dhe) aead=True$' |
    awk '{ print $2 }' | tr '\n' ' ')
bench_expect_eq "the front accepts no suite without forward secrecy or AEAD" "" "$weak"
bench_expect_no_word "static RSA AES256-GCM-SHA384 refused" AES256-GCM-SHA384 "$weak"

# Memory per TLS handshake: the gate's heap in use (its SIGUSR1 stats line, glibc mallinfo2)
# after a warm-up, then after 300 more handshakes, each time once every session has ended.
stats() { # asks the gate for a stats line and prints its heap_in_use
    local n i
    n=$(bench_count_log "$LOG" ' stats: ')
    kill -USR1 "$GATE_PID" || return 1
    for i in $(seq 50); do
        [ "$(bench_count_log "$LOG" ' stats: ')" -gt "$n" ] && break
        sleep 0.2
    done
    grep -a ' stats: ' "$LOG" | tail -n 1 | sed -n 's/.* heap_in_use=\([0-9]*\).*/\1/p'
}
handshakes() { # COUNT: every one must complete
    local out
    out=$(python3 "$RDPTLS" handshakes 127.0.0.1 "$PORT" "$1" --source 127.0.2.1-127.0.2.40)
    echo "$out"
    [ "$out" = "handshakes ok=$1 failed=0" ]
}
settled() { # waits until every accepted connection has ended
    local i
    for i in $(seq 150); do
        [ "$(bench_count_log "$LOG" 'accepted from')" -eq "$(bench_count_log "$LOG" ' end: reason=')" ] &&
            return 0
        sleep 0.2
    done
    return 1
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$GATE_PID/status"; }
bench_check "warm-up: 100 TLS handshakes" handshakes 100
bench_check "warm-up sessions ended" settled
heap0=$(stats) rss0=$(rss_kb)
bench_check "the gate answers SIGUSR1 with its heap in use (${heap0:-nothing})" test -n "$heap0"
bench_check "300 TLS handshakes" handshakes 300
bench_check "those sessions ended" settled
heap1=$(stats) rss1=$(rss_kb)
per=$(( (${heap1:-999999999} - ${heap0:-0}) / 300 ))
bench_log "gate heap in use ${heap0:-?} -> ${heap1:-?} bytes, RSS ${rss0:-?} -> ${rss1:-?} kB after 300 handshakes: ${per} bytes per handshake"
bench_check "heap growth per TLS handshake below 3 KB (${per} B)" test "$per" -lt 3072

# Back: a target that offers only static RSA key exchange.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=fake-target \
    -keyout "$BENCH_DIR/fake.key" -out "$BENCH_DIR/fake.crt" >/dev/null 2>&1 ||
    bench_die "cannot make the fake target's certificate"
bench_spawn fake-target python3 "$RDPTLS" target "$FAKE_PORT" 3 120 --cert "$BENCH_DIR/fake.crt" \
    --key "$BENCH_DIR/fake.key" --ciphers AES256-GCM-SHA384:AES128-SHA
FAKE_PID=$BENCH_PID
bench_check "fake target listens" bench_wait_log "$BENCH_DIR/fake-target.log" '^listening$' 15
bench_start_gate gate-fake "$FAKE_GATE_PORT" "target = 127.0.0.1:$FAKE_PORT" "target_cert = ignore"
FAKE_GATE_PID=$BENCH_PID
bench_start_xfreerdp 127.0.0.1 "$FAKE_GATE_PORT" /u:bench /p:bench
bench_check "static-RSA target: the client gives up" bench_wait_exit "$BENCH_XFREERDP_PID" 40
bench_expect_log "static-RSA target: its TLS handshake was attempted and failed" \
    "$BENCH_DIR/fake-target.log" '^tls-failed' 10
bench_expect_log_absent "static-RSA target: never a TLS session with it" \
    "$BENCH_DIR/fake-target.log" '^tls-ok'
bench_expect_log_absent "static-RSA target: never connected" "$BENCH_DIR/gate-fake.log" 'target-connected'
bench_stop "$FAKE_PID" "$FAKE_GATE_PID"

# xfreerdp 2.11 through the gate to freerdp-shadow, both sides on the profile.
bench_start_xfreerdp 127.0.0.1 "$PORT" /u:bench /p:bench
bench_check "xfreerdp opens its window" bench_wait_client_window "$BENCH_XFREERDP_DISPLAY" 30
bench_expect_log "the gate reaches the target" "$LOG" 's[0-9]+ target-connected' 10
bench_stop_xfreerdp

bench_stop "$GATE_PID"
bench_expect_log_absent "no sanitizer report from the gates" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
