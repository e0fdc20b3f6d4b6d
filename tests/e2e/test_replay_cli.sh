#!/bin/bash
# rmgate-replay end to end on a synthetic recording (made by bench_rec make):
# every command on a complete file, then on a cut file, a flipped byte and garbage.
# Prints PASS:/FAIL: lines; exits non-zero if any check failed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
R=$BUILD/rmgate-replay
GEN=$BUILD/bench/bench_rec
T=$(mktemp -d /tmp/rmgate-replay-e2e.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; fails=$((fails + 1)); }
# check NAME EXPECTED_STATUS CMD... : runs CMD, output in $T/out, stderr in $T/err
check() {
    local name=$1 want=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" = "$want" ]; then return 0; fi
    fail "$name" "exit status $rc, expected $want; stderr: $(head -c 300 "$T/err")"
    return 1
}
has() { grep -qF -- "$2" "$T/$1"; }

for f in "$R" "$GEN"; do
    [ -x "$f" ] || { echo "FAIL: setup: $f missing (run make)"; exit 1; }
done
# The generator's long benchmark runs only when asked ("run"): --help and no arguments print usage.
check gen-help 0 timeout 20 "$GEN" --help && has out "bench_rec run" && pass "bench_rec --help prints usage"
check gen-noargs 2 timeout 20 "$GEN" && has err "usage:" && pass "bench_rec without arguments prints usage, exit 2"
check gen-badopt 2 timeout 20 "$GEN" run --minutes soon && pass "bench_rec run with a bad option value is a usage error"

read -r DIGEST SIZE < <("$GEN" make "$T/s.rec" --expect "$T/expected.png") ||
    { echo "FAIL: setup: bench_rec make failed"; exit 1; }
[ -s "$T/s.rec" ] && [ "$(stat -c %a "$T/s.rec")" = 600 ] && pass "recording is created 0600" ||
    fail "recording is created 0600" "mode $(stat -c %a "$T/s.rec")"

check info 0 "$R" info "$T/s.rec" && has out "complete (hash chain intact" &&
    has out "E2E-0001" && has out "Japanese 106/109" && has out "vendor_disconnect" &&
    has out "$DIGEST" && pass "info shows ids, layout, end reason and digest" ||
    fail "info shows ids, layout, end reason and digest" "$(cat "$T/out")"

check verify 0 "$R" verify "$T/s.rec" --digest "$DIGEST" && has out "matches" &&
    pass "verify accepts the writer's digest"
check verify-wrong 1 "$R" verify "$T/s.rec" --digest "$(echo "$DIGEST" | tr 0-9a-f 1-9a-f0)" &&
    has out "differs" && pass "verify rejects another digest"

check events 0 "$R" events "$T/s.rec" && has out "channel_denied   cliprdr" &&
    has out "resize           1280x800" && has out "idle             no input for 00:01:36" &&
    has out "end              vendor_disconnect" && pass "events: channels, idle, resize, end" ||
    fail "events: channels, idle, resize, end" "$(cat "$T/out")"
check events-json 0 "$R" events "$T/s.rec" --json &&
    python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); assert any(x["type"]=="channel_denied" and x["detail"]=="rdpdr" for x in e); assert e[-1]["type"]=="end"; assert e[0]["time"].endswith("+09:00")' "$T/out" &&
    pass "events --json is valid JSON with Tokyo times" || fail "events --json" "$(head -c 300 "$T/out")"

check keys 0 "$R" keys "$T/s.rec" && has out 'ls -la /var/log<Enter>' &&
    has out 'echo "done" | cat<Enter>' && has out 'あ<Ctrl+C>' && has out 'exit<Enter>' &&
    pass "keys shows the typed text with the Japanese layout" || fail "keys (jp)" "$(cat "$T/out")"
check keys-us 0 "$R" keys "$T/s.rec" --layout us && has out 'echo @done@ <Shift+SC7D> cat<Enter>' &&
    pass "keys --layout us maps the same scancodes as US" || fail "keys --layout us" "$(cat "$T/out")"

if check frame-end 0 "$R" frame "$T/s.rec" --at end --no-pointer -o "$T/end.png"; then
    ae=$(compare -metric AE "$T/end.png" "$T/expected.png" null: 2>&1)
    [ "$ae" = 0 ] && pass "frame --at end equals the final screen exactly" ||
        fail "frame --at end equals the final screen" "$ae pixels differ"
    [ "$(stat -c %a "$T/end.png")" = 600 ] && pass "exported PNG is 0600" || fail "PNG mode" "$(stat -c %a "$T/end.png")"
fi
if check frame-ptr 0 "$R" frame "$T/s.rec" --at end -o "$T/endp.png"; then
    ae=$(compare -metric AE "$T/endp.png" "$T/expected.png" null: 2>&1)
    [ "$ae" != 0 ] && [ "$ae" -lt 400 ] 2>/dev/null && pass "frame draws the pointer ($ae pixels)" ||
        fail "frame draws the pointer" "AE=$ae"
fi
# An existing output file with a wider mode is made private too (the image may show personal data).
printf old >"$T/old.png" && chmod 644 "$T/old.png"
check frame-existing 0 "$R" frame "$T/s.rec" --at end -o "$T/old.png" &&
    [ "$(stat -c %a "$T/old.png")" = 600 ] && pass "frame over an existing 0644 file leaves it 0600" ||
    fail "frame over an existing 0644 file" "mode $(stat -c %a "$T/old.png")"
printf old >"$T/old-sheet.png" && chmod 644 "$T/old-sheet.png"
check sheet-existing 0 "$R" sheet "$T/s.rec" -o "$T/old-sheet.png" --every 60s --width 100 &&
    [ "$(stat -c %a "$T/old-sheet.png")" = 600 ] && pass "sheet over an existing 0644 file leaves it 0600" ||
    fail "sheet over an existing 0644 file" "mode $(stat -c %a "$T/old-sheet.png")"
check frame-30 0 "$R" frame "$T/s.rec" --at 30 -o "$T/a.png" &&
    check frame-mmss 0 "$R" frame "$T/s.rec" --at 00:00:30 -o "$T/b.png" &&
    check frame-wall 0 "$R" frame "$T/s.rec" --at "2026-09-21 23:13:50" -o "$T/c.png" &&
    [ "$(compare -metric AE "$T/a.png" "$T/b.png" null: 2>&1)" = 0 ] &&
    [ "$(compare -metric AE "$T/a.png" "$T/c.png" null: 2>&1)" = 0 ] &&
    pass "--at as seconds, HH:MM:SS and wall clock agree" || fail "--at forms" "images differ"
check frame-outside 1 "$R" frame "$T/s.rec" --at 99999 -o "$T/x.png" && has err "outside the recording" &&
    pass "frame outside the recording is refused"
check frame-badtime 2 "$R" frame "$T/s.rec" --at soon -o "$T/x.png" && pass "bad --at is a usage error"
check usage 2 "$R" frame "$T/s.rec" && pass "missing -o is a usage error"
check unknown 2 "$R" dance "$T/s.rec" && pass "unknown command is a usage error"

# The command line (getopt_long): --opt=VALUE, options before the operands, one-line errors.
check opt-equals 0 "$R" frame "$T/s.rec" --at=30 --output="$T/eq.png" &&
    [ "$(compare -metric AE "$T/a.png" "$T/eq.png" null: 2>&1)" = 0 ] && pass "--at=30 --output=FILE is --at 30 -o FILE"
check opt-first 0 "$R" --tz=UTC --json events "$T/s.rec" && has out '"time": "2026-09-21T14:13:20.000+00:00"' &&
    pass "options before COMMAND and RECORDING (--tz=UTC shows +00:00)" || fail "options first" "$(head -c 300 "$T/out")"
check opt-tokyo 0 "$R" events "$T/s.rec" --json && has out '"time": "2026-09-21T23:13:20.000+09:00"' && pass "Asia/Tokyo by default"
check opt-unknown 2 "$R" info "$T/s.rec" --frob && has err "unknown option '--frob'" &&
    [ "$(wc -l <"$T/err")" = 1 ] && pass "an unknown option: exit 2, one line naming it"
check opt-missing 2 "$R" frame "$T/s.rec" --at end -o && has err "option -o needs a value" &&
    [ "$(wc -l <"$T/err")" = 1 ] && pass "a missing value: exit 2, one line naming the option"
check opt-flagvalue 2 "$R" events "$T/s.rec" --json=yes && has err "option --json takes no value" &&
    pass "a value given to a flag: exit 2"
check opt-help 0 "$R" keys --help && has out "Usage: rmgate-replay" && pass "--help after COMMAND"

check sheet 0 "$R" sheet "$T/s.rec" -o "$T/sheet.png" --every 20s --cols 4 --width 200 &&
    geo=$(identify -format %wx%h "$T/sheet.png") && [ "$geo" = "840x548" ] &&
    pass "sheet: 12 thumbnails in 4 columns ($geo)" || fail "sheet" "geometry ${geo:-none}"

if check video 0 "$R" video "$T/s.rec" -o "$T/v.mp4" --speed 8; then
    n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height -of csv=p=0 "$T/v.mp4")
    [ "$n" = "1024,768,290" ] && pass "video: 1024x768, 290 frames at speed 8" || fail "video" "ffprobe: $n"
    [ "$(stat -c %a "$T/v.mp4")" = 600 ] && pass "video file is 0600" || fail "video mode" "$(stat -c %a "$T/v.mp4")"
fi
printf old >"$T/old.mp4" && chmod 644 "$T/old.mp4"
check video-existing 0 "$R" video "$T/s.rec" -o "$T/old.mp4" --speed 64 &&
    [ "$(stat -c %a "$T/old.mp4")" = 600 ] && pass "video over an existing 0644 file leaves it 0600" ||
    fail "video over an existing 0644 file" "mode $(stat -c %a "$T/old.mp4")"
check video-skip 0 "$R" video "$T/s.rec" -o "$T/v2.mp4" --speed 8 --skip-idle &&
    n2=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$T/v2.mp4") &&
    [ "$n2" -lt 100 ] && pass "video --skip-idle drops idle stretches ($n2 frames)" || fail "video --skip-idle" "${n2:-?} frames"

# A copy cut in the middle of a packet (a crash): readable up to the cut, verify fails.
head -c $((SIZE * 2 / 3)) "$T/s.rec" >"$T/cut.rec"
check cut-info 0 "$R" info "$T/cut.rec" && has out "integrity     truncated" && has err "warning" &&
    pass "info on a cut file: exit 0, truncated, warning" || fail "info on a cut file" "$(cat "$T/out" "$T/err")"
check cut-verify 1 "$R" verify "$T/cut.rec" && has out "truncated" && pass "verify fails on a cut file"
check cut-frame 0 "$R" frame "$T/cut.rec" --at end -o "$T/cut.png" && has err "truncated" &&
    pass "frame --at end works on a cut file"
check cut-keys 0 "$R" keys "$T/cut.rec" && has out 'ls -la /var/log<Enter>' && pass "keys works on a cut file"

# One flipped byte in the middle: verify names the packet, others refuse.
cp "$T/s.rec" "$T/flip.rec"
off=$((SIZE / 2))
printf "$(printf '\\%03o' $(( $(od -An -tu1 -j$off -N1 "$T/s.rec") ^ 1 )))" |
    dd of="$T/flip.rec" bs=1 seek=$off conv=notrunc status=none
check flip-verify 1 "$R" verify "$T/flip.rec" && grep -qE "FAIL .*packet [0-9]+ at offset" "$T/out" &&
    pass "verify finds a flipped byte: $(cut -c1-120 "$T/out")" || fail "verify flipped byte" "$(cat "$T/out")"
check flip-frame 1 "$R" frame "$T/flip.rec" --at end -o "$T/flip.png" && has err "corrupt" &&
    pass "frame refuses a corrupt file with one line"

head -c 5000 /dev/urandom >"$T/garbage.rec"
check garbage 1 "$R" info "$T/garbage.rec" && has err "not an rmgate recording" &&
    [ "$(wc -l <"$T/err")" = 1 ] && pass "garbage is rejected with one line"
check missing 1 "$R" info "$T/nope.rec" && has err "cannot open" && pass "missing file: clear error"

# The reader's fuzz target, briefly (make fuzz runs it longer).
if tests/fuzz/run.sh 15 >"$T/fuzz.log" 2>&1; then
    pass "fuzz_rec_reader: $(grep -o 'no crash.*' "$T/fuzz.log")"
else
    fail "fuzz_rec_reader" "$(tail -n 5 "$T/fuzz.log" | tr '\n' ' ')"
fi

[ "$fails" = 0 ]
