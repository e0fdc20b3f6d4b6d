# shellcheck shell=bash
# Screens: screenshots of a target's whole screen and of an RDP client's
# window, comparison of two pictures within a colour fuzz (RDP codecs are
# lossy), and the fixed test pattern a target shows.
# Part of the bench: sourced by lib/bench.sh.

# bench_screenshot DISPLAY OUT.png: the whole screen of DISPLAY.
bench_screenshot() {
    bench_x "$1" import -window root "$2" 2>>"$BENCH_DIR/screenshots.log"
}

# bench_screenshot_client DISPLAY OUT.png: the content (no decorations) of the
# largest mapped top-level window on DISPLAY, i.e. the RDP client's desktop
# window, wherever it was placed.
bench_screenshot_client() {
    local win
    win=$(bench_client_window "$1") || { echo "no client window on $1" >&2; return 1; }
    bench_x "$1" import -window "$win" "$2" 2>>"$BENCH_DIR/screenshots.log"
}

# bench_client_window DISPLAY: prints the id of the RDP client's desktop
# window on DISPLAY: the largest viewable window named like an RDP client
# ("FreeRDP: host:port", "rdesktop - host:port"), which is the content
# window even under a window manager; without such a name, the largest
# viewable top-level window. Fails if there is none.
bench_client_window() {
    local ids w area best="" max=0
    ids=$(bench_x "$1" xdotool search --onlyvisible --name '^(FreeRDP|rdesktop)' 2>/dev/null)
    [ -n "$ids" ] || ids=$(bench_x "$1" xwininfo -root -children 2>/dev/null |
        awk '/^ +0x[0-9a-f]+ / { print $1 }')
    for w in $ids; do
        area=$(bench_x "$1" xwininfo -id "$w" 2>/dev/null | awk '
            /Map State:/ { viewable = ($3 == "IsViewable") }
            /^ +Width:/ { wd = $2 } /^ +Height:/ { ht = $2 }
            END { print (viewable ? wd * ht : 0) }')
        if [ "${area:-0}" -gt "$max" ]; then
            max=$area
            best=$w
        fi
    done
    [ -n "$best" ] || return 1
    echo "$best"
}

# bench_wait_client_window DISPLAY [TIMEOUT=20]: waits until the client has a
# mapped window on DISPLAY.
bench_wait_client_window() {
    local deadline
    deadline=$(bench__deadline "${2:-20}")
    until bench_client_window "$1" >/dev/null; do
        bench__past "$deadline" && { echo "no client window on $1" >&2; return 1; }
        sleep 0.2
    done
}

# bench_compare A.png B.png [FUZZ%=10]: prints the fraction (0..1, 4
# decimals) of pixels equal within FUZZ percent of colour distance (RDP
# codecs such as RemoteFX and H.264 are lossy). When the sizes differ, the
# common top-left area is compared and a note goes to stderr.
bench_compare() {
    local a=$1 b=$2 fuzz=${3:-10} sa sb w h ae
    sa=$(identify -format '%w %h' "$a" 2>/dev/null) || { echo "cannot read $a" >&2; echo 0; return 1; }
    sb=$(identify -format '%w %h' "$b" 2>/dev/null) || { echo "cannot read $b" >&2; echo 0; return 1; }
    set -- $sa $sb
    w=$(( $1 < $3 ? $1 : $3 ))
    h=$(( $2 < $4 ? $2 : $4 ))
    [ "$sa" != "$sb" ] && echo "bench_compare: sizes differ ($sa vs $sb); comparing ${w}x${h}" >&2
    ae=$(compare -metric AE -fuzz "$fuzz%" \
        \( "$a" -crop "${w}x${h}+0+0" +repage \) \( "$b" -crop "${w}x${h}+0+0" +repage \) \
        null: 2>&1 >/dev/null)
    case "$ae" in ''|*[!0-9.e+]*) echo "compare failed: $ae" >&2; echo 0; return 1 ;; esac
    awk -v ae="$ae" -v n=$((w * h)) 'BEGIN { printf "%.4f\n", 1 - ae / n }'
}

# bench_wait_similar CLIENT_DISPLAY TARGET_DISPLAY CLIENT.png TARGET.png
#                    MINFRACTION [TIMEOUT=30] [FUZZ%=10]:
# takes the client window and the target screen again and again (the first
# frames take a moment to arrive) until they are at least MINFRACTION
# similar or TIMEOUT runs out; leaves the last pair in the two files. Follow
# it with bench_expect_similar on the files to report the result.
bench_wait_similar() {
    local cd=$1 td=$2 co=$3 to=$4 min=$5 deadline f
    deadline=$(bench__deadline "${6:-30}")
    while :; do
        bench_screenshot "$td" "$to"
        bench_screenshot_client "$cd" "$co" 2>/dev/null
        f=$(bench_compare "$co" "$to" "${7:-10}" 2>/dev/null)
        awk -v f="$f" -v m="$min" 'BEGIN { exit !(f >= m) }' && return 0
        bench__past "$deadline" && return 1
        sleep 0.5
    done
}

# bench_expect_similar A.png B.png MINFRACTION NAME [FUZZ%=10]: PASS if at
# least MINFRACTION of the pixels are equal (bench_compare).
bench_expect_similar() {
    bench__expect_similarity "$4" "$1" "$2" ">=" "$3" "${5:-10}"
}

# bench_expect_different A.png B.png MAXFRACTION NAME [FUZZ%=10]: PASS if
# less than MAXFRACTION of the pixels are equal (a negative control).
bench_expect_different() {
    bench__expect_similarity "$4" "$1" "$2" "<" "$3" "${5:-10}"
}

# bench__expect_similarity NAME A B OP LIMIT FUZZ: PASS if the fraction of
# equal pixels of A and B is OP (">=" or "<") LIMIT.
bench__expect_similarity() {
    local name=$1 a=$2 b=$3 op=$4 limit=$5 f other=">="
    [ "$op" = ">=" ] && other="<"
    f=$(bench_compare "$a" "$b" "$6")
    if awk -v f="$f" -v m="$limit" -v op="$op" 'BEGIN { exit !(op == ">=" ? f >= m : f < m) }'; then
        bench_pass "$name (similarity $f $op $limit)"
    else
        bench_fail "$name" "similarity $f $other $limit ($a vs $b)"
    fi
}

# bench_make_pattern OUT.png [WxH=1024x768]: a fixed, busy test picture
# (coloured blocks and gradients), so that a screen comparison means something.
bench_make_pattern() {
    local size=${2:-1024x768}
    convert -size "$size" gradient:navy-teal \
        -fill '#e0c020' -draw 'rectangle 40,40 360,240' \
        -fill '#c02030' -draw 'circle 600,200 600,330' \
        -fill '#20a040' -draw 'polygon 200,700 420,380 640,700' \
        -fill white -draw 'rectangle 700,420 980,460' \
        -fill black -draw 'rectangle 700,480 980,520' \
        "$1"
}
