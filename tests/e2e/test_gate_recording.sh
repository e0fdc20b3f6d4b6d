#!/bin/bash
# The gate records every session, and the recording shows what the vendor saw and did:
# xfreerdp through the gate (lab mode) to freerdp-shadow, once per graphics path the client can
# get (plain bitmaps, GFX RemoteFX, GFX H.264 AVC420). The test types a known text into the
# target's xterm through the client, waits until the client shows it and stands still, and
# disconnects. Then `rmgate-replay verify` accepts the recording with the digest the gate
# logged, `frame --at end` equals the client's last screenshot (the ticking xclock masked out)
# and shows the typed text, and `keys` lists the text. On the first recording, `events` lists
# the gate's refusal of the clipboard channel that xfreerdp offers, and `sheet` and `video`
# make a real PNG and a real H.264 video.
#
# Thresholds, from measurements: the gate decodes the very stream it forwards into the
# framebuffer it records, so outside the clock the end frame equals the client's screen pixel
# for pixel with plain bitmaps and with RemoteFX (0 pixels differ in every run), and with
# H.264 up to a few hundred pixels differ, in scattered 8x8 blocks, all by less than 3% of
# colour distance (decoder rounding). So: bitmaps (lossless) must be exact; RemoteFX and H.264
# (lossy) need 99.9% of the pixels equal within 10%. The typed text is ~0.2% of the screen, so
# the xterm is also
# compared on its own as ink (grey level split): the end frame's must equal the client's
# (exactly; up to 10 pixels on lossy paths, measured 0) and hold at least 100 new pixels since
# before typing (a typed line is ~390).
. "$(dirname "$0")/lib/bench.sh"

REPLAY=$BUILD/rmgate-replay
RECDIR=$BENCH_DIR/var/recordings
bench_start_shadow 1024x768
GATE_PORT=$(bench_free_port) || bench_die "no free port"
GATE_LOG=$BENCH_DIR/gate.log
bench_start_gate gate "$GATE_PORT" "target = 127.0.0.1:$BENCH_SHADOW_PORT" "target_cert = ignore"
GATE_PID=$BENCH_PID

# The xclock (120x120 at 880,20) ticks every second: painted black on both sides of a
# comparison, with an 8-pixel margin for codec blocks that straddle its edges.
mask() { convert "$1" -fill black -draw 'rectangle 872,12 1007,147' +repage "$2"; }
# The text in the xterm (50x8 cells of 6x13 at 40,300) as ink: grey level above 40% (green on
# black). H.264's chroma subsampling blurs the colour of glyph edges, never that split.
ink() { convert "$1" -crop 310x110+40+300 +repage -colorspace gray -threshold 40% "$2"; }
# diff_pixels A B [FUZZ%=0]: the number of pixels that differ by more than FUZZ.
diff_pixels() { compare -metric AE -fuzz "${3:-0}%" "$1" "$2" null: 2>&1; }

# wait_typed CLIENT_DISPLAY REC TEXT DIR INK_TOL: the typed keys reach the recording (the recorder
# flushes at least once a second, so the live file shows them); then the target's xterm has
# new text (>= 100 pixels of ink; a typed line is ~390), the client's xterm has the same ink
# (up to INK_TOL pixels) and the client's screen stands still. Leaves the client's last screenshot in DIR/client.png
# (masked: DIR/client-m.png, xterm ink: DIR/ink-client.png).
wait_typed() {
    local cd=$1 rec=$2 text=$3 dir=$4 tol=$5 deadline same changed
    deadline=$(bench__deadline 30)
    until "$REPLAY" keys "$rec" 2>/dev/null | grep -qF -- "$text"; do
        bench__past "$deadline" && { echo "the live recording's keys never showed '$text'" >&2; return 1; }
        sleep 0.2
    done
    rm -f "$dir/client-prev.png"
    while :; do
        bench_screenshot "$BENCH_SHADOW_DISPLAY" "$dir/target.png"
        bench_screenshot_client "$cd" "$dir/client.png" 2>/dev/null
        mask "$dir/client.png" "$dir/client-m.png"
        ink "$dir/target.png" "$dir/ink-target.png"
        ink "$dir/client.png" "$dir/ink-client.png"
        changed=$(diff_pixels "$dir/ink-target.png" "$dir/ink-before.png")
        same=$(diff_pixels "$dir/ink-client.png" "$dir/ink-target.png")
        if [ "${changed%.*}" -ge 100 ] 2>/dev/null && [ "${same%.*}" -le "$tol" ] &&
            [ -f "$dir/client-prev.png" ] && [ "$(diff_pixels "$dir/client-m.png" "$dir/client-prev.png")" = 0 ]; then
            bench_log "text shown: $changed pixels of new ink in the target's xterm, the same on the client"
            return 0
        fi
        cp "$dir/client-m.png" "$dir/client-prev.png"
        bench__past "$deadline" &&
            { echo "new ink in the target's xterm: $changed pixels; client's ink differs in $same; or the screen kept moving" >&2; return 1; }
        sleep 0.3
    done
}

# expect_keys NAME REC TEXT: `keys` on the closed recording shows TEXT.
expect_keys() {
    local keys
    keys=$("$REPLAY" keys "$2" 2>&1)
    if grep -qF -- "$3" <<<"$keys"; then
        bench_pass "$1"
    else
        bench_fail "$1" "'$3' not in: $(tr '\n' ' ' <<<"$keys" | tail -c 300)"
    fi
}

# expect_end_frame NAME LOSSLESS DIR REC INK_TOL: the end frame against the client's last
# screen.
expect_end_frame() {
    local name=$1 lossless=$2 dir=$3 rec=$4 tol=$5 n f
    bench_check "$name: frame --at end (pointer drawn)" "$REPLAY" frame "$rec" --at end -o "$dir/end-ptr.png"
    # X screenshots never contain the cursor: the comparison is without the pointer.
    bench_check "$name: frame --at end --no-pointer" \
        "$REPLAY" frame "$rec" --at end --no-pointer -o "$dir/end.png" || return 1
    bench_expect_eq "$name: end frame has the client's geometry" \
        "$(identify -format '%wx%h' "$dir/client.png")" "$(identify -format '%wx%h' "$dir/end.png")"
    mask "$dir/end.png" "$dir/end-m.png"
    n=$(diff_pixels "$dir/end-m.png" "$dir/client-m.png")
    f=$(bench_compare "$dir/end-m.png" "$dir/client-m.png" 10)
    bench_log "$name: end frame vs client's last screen: $n pixels differ exactly; $f equal within 10%"
    if [ "$lossless" = 1 ]; then
        bench_expect_eq "$name: end frame equals the client's last screen exactly (pixels differing)" 0 "$n"
    else
        bench_expect_similar "$dir/end-m.png" "$dir/client-m.png" 0.999 \
            "$name: end frame equals the client's last screen within the codec's tolerance" 10
    fi
    ink "$dir/end.png" "$dir/ink-end.png"
    n=$(diff_pixels "$dir/ink-end.png" "$dir/ink-client.png")
    if [ "${n%.*}" -le "$tol" ] 2>/dev/null; then
        bench_pass "$name: end frame's xterm text equals the client's ($n ink pixels differ, <= $tol)"
    else
        bench_fail "$name: end frame's xterm text equals the client's" "$n ink pixels differ (> $tol)"
    fi
    n=$(diff_pixels "$dir/ink-end.png" "$dir/ink-before.png")
    if [ "${n%.*}" -ge 100 ] 2>/dev/null; then
        bench_pass "$name: end frame shows the typed text ($n pixels of new ink in the xterm)"
    else
        bench_fail "$name: end frame shows the typed text" "only $n pixels of ink changed since before typing"
    fi
}

session=0
# through_gate NAME GATE-CODEC-REGEX LOSSLESS [XFREERDP ARGS...]: one recorded session.
# Sets REC to its recording.
through_gate() {
    local name=$1 codec=$2 lossless=$3 tol=0
    shift 3
    # Lossy codecs may move a glyph's edge pixel across the ink threshold (measured: never).
    [ "$lossless" = 1 ] || tol=10
    session=$((session + 1))
    local dir=$BENCH_DIR/s$session text="echo Gate:rec-$session/$RANDOM" before win
    mkdir -p "$dir"
    before=$(ls "$RECDIR" 2>/dev/null)
    REC=
    bench_start_xfreerdp 127.0.0.1 "$GATE_PORT" /u:bench /p:bench "$@"
    bench_check "$name: xfreerdp opens its window" bench_wait_client_window "$BENCH_XFREERDP_DISPLAY" 30 ||
        return 1
    bench_wait_similar "$BENCH_XFREERDP_DISPLAY" "$BENCH_SHADOW_DISPLAY" "$dir/c0.png" "$dir/t0.png" 0.90 30
    bench_expect_similar "$dir/c0.png" "$dir/t0.png" 0.90 "$name: client shows the target through the gate" ||
        return 1
    bench_expect_log "$name: the target's codec is $codec" "$GATE_LOG" "s$session codec codec=$codec\$" 10
    REC=$(ls -t "$RECDIR"/*.pcap 2>/dev/null | head -n 1)
    if [ -z "$REC" ] || grep -qxF "$(basename "$REC")" <<<"$before"; then
        bench_fail "$name: the session is recorded" "no new recording in $RECDIR"
        return 1
    fi
    bench_pass "$name: the session is recorded"
    ink "$dir/t0.png" "$dir/ink-before.png"
    win=$(bench_client_window "$BENCH_XFREERDP_DISPLAY")
    # The pointer over the target's xterm gives it the keyboard (no window manager there).
    bench_x "$BENCH_XFREERDP_DISPLAY" xdotool mousemove --window "$win" 200 380 click 1
    bench_x "$BENCH_XFREERDP_DISPLAY" xdotool type --delay 20 "$text"
    bench_x "$BENCH_XFREERDP_DISPLAY" xdotool key Return
    bench_check "$name: the typed text reaches the recording and shows on the client" \
        wait_typed "$BENCH_XFREERDP_DISPLAY" "$REC" "$text<Enter>" "$dir" "$tol"
    bench_stop_xfreerdp
    bench_expect_log "$name: session ends when the client disconnects" "$GATE_LOG" \
        "s$session end: reason=\"client disconnected\"" 15
    bench_expect_log "$name: the gate closes the recording" "$GATE_LOG" "ended: .*recording $REC, " 15
    local digest
    digest=$(grep -F "recording $REC, " "$GATE_LOG" | sed -n 's/.*, digest \([0-9a-f]\{64\}\)$/\1/p' | tail -n 1)
    bench_check "$name: verify accepts the recording and the gate's digest" \
        "$REPLAY" verify "$REC" --digest "${digest:-none}"
    expect_end_frame "$name" "$lossless" "$dir" "$REC" "$tol"
    expect_keys "$name: keys shows the typed text" "$REC" "$text<Enter>"
}

# xfreerdp 2.11 loads rdpgfx even with -gfx; at /bpp:24 it cannot use the graphics
# pipeline or RemoteFX, so the target sends plain (planar) bitmaps.
through_gate "bitmaps" 'bitmap bpp=32 compressed=yes' 1 /bpp:24
REC1=$REC
through_gate "gfx remotefx" 'remotefx' 0 /gfx:rfx
through_gate "gfx avc420" 'gfx-avc420' 0 /gfx:avc420

# The auditor's other views, on the first recording.
if [ -n "$REC1" ]; then
    bench_check "events lists the refused clipboard channel" \
        grep -E 'channel_denied +name=cliprdr\b' <("$REPLAY" events "$REC1")
    bench_check "events --json lists it too" python3 -c '
import json, sys
e = json.load(sys.stdin)
assert any(x["type"] == "channel_denied" and "cliprdr" in x["detail"] for x in e), e
assert e[-1]["type"] == "end", e[-1]' < <("$REPLAY" events "$REC1" --json)
    bench_check "sheet writes a contact sheet" "$REPLAY" sheet "$REC1" --every 1s -o "$BENCH_DIR/sheet.png"
    bench_check "the sheet is a PNG image with thumbnails" awk -v s="$(identify -format '%m %w %h' "$BENCH_DIR/sheet.png" 2>&1)" \
        'BEGIN { split(s, a, " "); exit !(a[1] == "PNG" && a[2] >= 200 && a[3] >= 100) }'
    bench_check "video writes an MP4" "$REPLAY" video "$REC1" -o "$BENCH_DIR/session.mp4"
    probe=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height,nb_frames \
        -of csv=p=0 "$BENCH_DIR/session.mp4" 2>&1)
    bench_log "video: $probe"
    bench_check "the video is H.264 at the session's geometry with frames" awk -v s="$probe" \
        'BEGIN { split(s, a, ","); exit !(a[1] == "h264" && a[2] == 1024 && a[3] == 768 && a[4] > 1) }'
fi

bench_stop "$GATE_PID"
bench_expect_log "gate shuts down on SIGTERM" "$GATE_LOG" 'signal 15 received' 5
bench_expect_log_absent "no sanitizer report from the gate" "$GATE_LOG" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
