# shellcheck shell=bash
# Clipboard: setting (an xclip stays as the owner) and reading the CLIPBOARD
# selection of a display, and a round trip of a unique text between two.
# Part of the bench: sourced by lib/bench.sh.

# bench_clip_set DISPLAY TEXT: makes TEXT the CLIPBOARD selection on DISPLAY
# (xclip stays in the background as the owner; stopped at the end).
bench_clip_set() {
    local f
    BENCH_SEQ=$((BENCH_SEQ + 1))
    f=$BENCH_DIR/clip-$BENCH_SEQ.txt
    printf '%s' "$2" >"$f"
    DISPLAY=$1 XAUTHORITY=$(bench__xauthority "$1") bench_spawn "xclip-$BENCH_SEQ" \
        xclip -quiet -selection clipboard -i "$f"
}

# bench_clip_get DISPLAY: prints the CLIPBOARD text on DISPLAY (5 s at most).
bench_clip_get() {
    bench_x "$1" timeout 5 xclip -o -selection clipboard 2>/dev/null
}

# bench_clip_wait DISPLAY TEXT [TIMEOUT=15]: waits until DISPLAY's CLIPBOARD
# holds TEXT.
bench_clip_wait() {
    local deadline got=
    deadline=$(bench__deadline "${3:-15}")
    while :; do
        got=$(bench_clip_get "$1")
        [ "$got" = "$2" ] && return 0
        bench__past "$deadline" && {
            echo "clipboard on $1 is '${got:0:60}', not '$2'" >&2
            return 1
        }
        sleep 0.3
    done
}

# bench_clipboard_roundtrip FROM_DISPLAY TO_DISPLAY [TIMEOUT=15]: copies a
# unique text on FROM and waits until it can be pasted on TO.
bench_clipboard_roundtrip() {
    local text
    text="rmgate-clip-$$-$RANDOM-$(date +%s%N)"
    bench_clip_set "$1" "$text"
    bench_clip_wait "$2" "$text" "${3:-15}"
}
