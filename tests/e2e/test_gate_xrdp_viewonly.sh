#!/bin/bash
# View only, against xrdp (which does serve clipboard and device redirection): xfreerdp
# +clipboard /smartcard /drive /printer through the gate. The target must get no cliprdr, rdpdr
# or rdpsnd channel and detect no device; the clipboard must fail both ways; the session itself
# works (screen matches, typing reaches the session); the gate's receipt lists what the client
# offered and what was denied, including the devices its observing rdpdr endpoint saw announced.
# Then observe-only: typed text never reaches the session while the screen keeps updating.
# The client's printer is a real CUPS queue (a private cupsd from the bench), so /printer
# redirects it.
. "$(dirname "$0")/lib/bench.sh"

bench_start_cups rmgate-test
bench_start_xrdp
GATE_PORT=$(bench_free_port) || bench_die "no free port"
OBS_PORT=$(bench_free_port) || bench_die "no free port"

start_gate() { # NAME PORT [EXTRA CONFIG LINE]
    bench_start_gate "$1" "$2" "target = 127.0.0.1:$BENCH_XRDP_PORT" "target_cert = ignore" ${3:+"$3"}
}
start_gate gate "$GATE_PORT"
GATE_PID=$BENCH_PID GATE_LOG=$BENCH_DIR/gate.log

mkdir -p "$BENCH_DIR/share" && echo secret >"$BENCH_DIR/share/data.txt"
bench_start_xfreerdp 127.0.0.1 "$GATE_PORT" "/u:$BENCH_XRDP_USER" "/p:$BENCH_XRDP_PASS" \
    +clipboard /smartcard "/drive:share,$BENCH_DIR/share" /printer
bench_check "xrdp session starts through the gate" bench_xrdp_wait_session 40 || exit 1
session=$(bench_xrdp_session_display)

# What the client asked for, and what the target got.
asked=$(bench_xfreerdp_channels)
bench_expect_word "xfreerdp asked for cliprdr" cliprdr "$asked"
bench_expect_word "xfreerdp asked for rdpdr" rdpdr "$asked"
channels=$(bench_xrdp_channels)
bench_expect_no_word "xrdp got no cliprdr" cliprdr "$channels"
bench_expect_no_word "xrdp got no rdpdr" rdpdr "$channels"
bench_expect_no_word "xrdp got no rdpsnd" rdpsnd "$channels"
bench_expect_word "xrdp got drdynvc (graphics, display control)" drdynvc "$channels"

# The observing rdpdr endpoint on the front completes the handshake, so the client announces.
bench_check "the client registered its smart card with the gate" \
    bench_wait_log "$BENCH_XFREERDP_LOG" 'registered device #[0-9]+: SCARD' 20
bench_check "the client registered its printer with the gate" \
    bench_wait_log "$BENCH_XFREERDP_LOG" 'registered device #[0-9]+: PRN[0-9]+ ' 20
bench_check "clipboard client -> target fails" \
    bash -c '! bench_clipboard_roundtrip "$1" "$2" 8' _ "$BENCH_XFREERDP_DISPLAY" "$session"
bench_check "clipboard target -> client fails" \
    bash -c '! bench_clipboard_roundtrip "$1" "$2" 8' _ "$session" "$BENCH_XFREERDP_DISPLAY"
bench_wait_quiet "$BENCH_CHANSRV_DIR" 2 20
bench_expect_eq "xrdp detected no device" "" "$(bench_xrdp_devices)"
bench_expect_eq "clipboard never reached chansrv" 0 "$(bench_count_log "$BENCH_CHANSRV_DIR" clipboard_init)"

# The enforcement receipt.
for ch in cliprdr rdpdr rdpsnd; do
    bench_expect_log "receipt: $ch offered" "$GATE_LOG" "s1 channel-offered name=$ch\$" 1
    bench_expect_log "receipt: $ch denied" "$GATE_LOG" "s1 channel-denied name=$ch " 1
done
bench_expect_log "receipt: drdynvc allowed" "$GATE_LOG" 's1 channel-allowed name=drdynvc$' 1
bench_expect_log "receipt: the smart card announced, not forwarded" "$GATE_LOG" \
    's1 device-announced type=smartcard id=[0-9]+ name="SCARD" forwarded=no' 10
bench_expect_log "receipt: the drive announced, not forwarded" "$GATE_LOG" \
    's1 device-announced type=drive id=[0-9]+ name="share" forwarded=no' 10
# A printer is announced under its DOS name (PRN1), the CUPS queue name travels in its data.
bench_expect_log "receipt: the printer announced, not forwarded" "$GATE_LOG" \
    's1 device-announced type=printer id=[0-9]+ name="PRN[0-9]+" forwarded=no' 10
# Exactly these devices, nothing else (the smart card may be announced twice: before and after
# the logon).
announced=$(grep -a -o -E 's1 device-announced type=[a-z]+ id=[0-9]+ name="[^"]*"' "$GATE_LOG" |
    sed -E 's/.*type=([a-z]+) id=[0-9]+ name="([^"]*)"/\1 \2/' | sort -u | tr '\n' ',')
bench_expect_eq "receipt: exactly the drive, the printer and the smart card" \
    "drive share,printer PRN1,smartcard SCARD," "$announced"

# The session itself works: the screen, and typing.
pattern=$BENCH_DIR/pattern.png
bench_make_pattern "$pattern" 1024x768
bench_x "$session" display -window root "$pattern" 2>/dev/null
bench_wait_similar "$BENCH_XFREERDP_DISPLAY" "$session" "$BENCH_DIR/client.png" "$BENCH_DIR/target.png" 0.95 30
bench_expect_similar "$BENCH_DIR/client.png" "$BENCH_DIR/target.png" 0.95 "client shows the session's screen"

# type_into_session DISPLAY FILE: types a command that creates FILE into the session's terminal
# (the session has no window manager: focus follows the pointer, the terminal is at the top left).
type_into_session() {
    bench_x "$1" xdotool mousemove 120 120 sleep 0.5 type --delay 30 "touch $2"
    bench_x "$1" xdotool key Return
}
typed=/tmp/rmgate-e2e-typed-$$
observed=/tmp/rmgate-e2e-observe-$$
rm -f "$typed" "$observed"
wait_file() { local i; for i in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.2; done; return 1; }
type_into_session "$BENCH_XFREERDP_DISPLAY" "$typed"
bench_check "typing reaches the session (control)" wait_file "$typed"
bench_stop "$BENCH_XFREERDP_PID"
bench_expect_log "session 1 ends" "$GATE_LOG" 's1 end: reason="client disconnected"' 15
bench_xrdp_end_sessions

# Observe-only.
start_gate gate-observe "$OBS_PORT" "observe_only = true"
OBS_PID=$BENCH_PID OBS_LOG=$BENCH_DIR/gate-observe.log
bench_start_xfreerdp 127.0.0.1 "$OBS_PORT" "/u:$BENCH_XRDP_USER" "/p:$BENCH_XRDP_PASS" -clipboard
bench_check "observe-only session starts" bench_xrdp_wait_session 40 2 || exit 1
session=$(bench_xrdp_session_display)
bench_x "$session" display -window root "$pattern" 2>/dev/null
bench_wait_similar "$BENCH_XFREERDP_DISPLAY" "$session" "$BENCH_DIR/obs-client.png" "$BENCH_DIR/obs-target.png" 0.95 30
type_into_session "$BENCH_XFREERDP_DISPLAY" "$observed"
# The screen keeps flowing: a change on the target reaches the client.
convert "$pattern" -flip "$BENCH_DIR/pattern-flipped.png"
bench_x "$session" display -window root "$BENCH_DIR/pattern-flipped.png" 2>/dev/null
bench_wait_similar "$BENCH_XFREERDP_DISPLAY" "$session" "$BENCH_DIR/obs-client2.png" "$BENCH_DIR/obs-target2.png" 0.95 30
bench_expect_similar "$BENCH_DIR/obs-client2.png" "$BENCH_DIR/obs-target2.png" 0.95 \
    "observe-only: the screen still follows the target"
bench_check "observe-only: the typed command never ran" bash -c '! [ -e "$1" ]' _ "$observed"
bench_stop "$BENCH_XFREERDP_PID"
bench_expect_log "observe-only: dropped input counted in the receipt" "$OBS_LOG" \
    's1 input-dropped count=[1-9][0-9]*' 15
bench_check "no file created by observe-only typing" bash -c '! [ -e "$1" ]' _ "$observed"
rm -f "$typed" "$observed"

bench_stop "$GATE_PID" "$OBS_PID"
bench_expect_log_absent "no sanitizer report from the gates" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
