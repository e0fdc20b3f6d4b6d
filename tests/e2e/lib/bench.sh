# shellcheck shell=bash disable=SC2034
# (SC2034: the BENCH_* variables set here are the API, read by the test scripts.)
# rmgate e2e test bench: starts real RDP targets (xrdp + Xvnc, freerdp-shadow on
# Xvfb) and real clients (xfreerdp, rdesktop), waits on logs and sockets, takes
# and compares screenshots, reports what the target saw, and stops every
# process it started by PID when the script ends (also on failure or signal).
#
# Usage, at the top of tests/e2e/test_*.sh:
#     . "$(dirname "$0")/lib/bench.sh"
# The API (functions and variables) is described in tests/e2e/README.md.
# Everything listens on 127.0.0.1 and on free ports; Xvfb picks its own display.
# Needs root (xrdp, test user, /etc/xrdp/sesman.ini) and the packages in
# tests/deps.sh.

# Not "set -e": a test must go on after a failed check to report the others.
set -u
set -o pipefail

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BENCH_LIB=$BENCH_ROOT/tests/e2e/lib
BENCH_NAME=${BENCH_NAME:-$(basename "$0" .sh)}
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$BENCH_ROOT/$BUILD ;; esac
export BUILD
BENCH_DIR=$BUILD/e2e-run/$BENCH_NAME-$$
BENCH_XRDP_USER=rdpuser
BENCH_XRDP_PASS=rdpPass123
BENCH_XRDP_LOCK=/tmp/rmgate-e2e-xrdp.lock
BENCH_PORT_DIR=/tmp/rmgate-e2e-ports
BENCH_KEEP=${BENCH_KEEP:-0}     # 1: keep the run dir even when every check passed
BENCH_T0=$(date +%s.%N)

BENCH_PIDS=()          # every process the bench started, in start order
BENCH_PASSED=0
BENCH_FAILED=0
BENCH_SEQ=0            # numbers log files of repeated starts (xvfb-1, xvfb-2...)
BENCH_LOCK_FD=
BENCH_SESMAN_INI_SAVED=0

mkdir -p "$BENCH_DIR" && chmod 0700 "$BENCH_DIR" "$BUILD/e2e-run" || {
    echo "FAIL: $BENCH_NAME: cannot create run dir $BENCH_DIR"
    exit 1
}

# The script's own stdout and stderr: results and progress go there even when
# they are written from inside a redirected command (e.g. a trap that fires
# during bench_check). Closed in every process the bench starts.
exec {BENCH_OUT}>&1 {BENCH_ERR}>&2

# ---------------------------------------------------------------- results

# bench_log MSG...: a progress line on stderr, with seconds since the start.
bench_log() {
    local now
    now=$(date +%s.%N)
    awk -v a="$now" -v b="$BENCH_T0" -v m="$*" 'BEGIN { printf "# [%6.2f] %s\n", a - b, m }' >&"$BENCH_ERR"
}

bench_pass() {
    BENCH_PASSED=$((BENCH_PASSED + 1))
    echo "PASS: $1" >&"$BENCH_OUT"
}

bench_fail() {
    BENCH_FAILED=$((BENCH_FAILED + 1))
    echo "FAIL: $1: ${2:-failed}" >&"$BENCH_OUT"
}

# bench_skip NAME WHY: only for a check that is impossible on this machine.
bench_skip() {
    echo "SKIP: $1: ${2:-skipped}" >&"$BENCH_OUT"
}

# bench_check NAME CMD...: PASS if CMD succeeds, else FAIL with its last
# output line as the reason. CMD runs in this shell (not a subshell), so a
# process it starts through the bench is tracked and stopped at the end.
bench_check() {
    local name=$1 out rc
    shift
    "$@" >"$BENCH_DIR/.check.out" 2>&1
    rc=$?
    out=$(tail -n 1 "$BENCH_DIR/.check.out")
    cat "$BENCH_DIR/.check.out" >>"$BENCH_DIR/checks.log"
    if [ $rc = 0 ]; then
        bench_pass "$name"
    else
        bench_fail "$name" "'$*' exited $rc${out:+: $out}"
    fi
    return $rc
}

# bench_expect_eq NAME EXPECTED ACTUAL
bench_expect_eq() {
    if [ "$2" = "$3" ]; then
        bench_pass "$1"
    else
        bench_fail "$1" "expected '$2', got '$3'"
    fi
}

# bench_expect_word NAME WORD LIST: PASS if WORD is one of the words in LIST.
bench_expect_word() {
    if bench__has_word "$2" "$3"; then
        bench_pass "$1"
    else
        bench_fail "$1" "'$2' not in '$3'"
    fi
}

# bench_expect_no_word NAME WORD LIST: PASS if WORD is not in LIST.
bench_expect_no_word() {
    if bench__has_word "$2" "$3"; then
        bench_fail "$1" "'$2' unexpectedly in '$3'"
    else
        bench_pass "$1"
    fi
}

bench__has_word() {
    local w
    for w in $2; do
        [ "$w" = "$1" ] && return 0
    done
    return 1
}

# bench_die WHY: a setup step failed; reports it and ends the script.
bench_die() {
    bench_fail "$BENCH_NAME" "$1"
    exit 1
}

# ---------------------------------------------------------------- processes

# bench_spawn NAME CMD...: starts CMD in the background with stdout+stderr in
# $BENCH_DIR/NAME.log and stdin from $BENCH_STDIN (default /dev/null); records
# its PID for the final cleanup and sets BENCH_PID. CMD must be a program (not
# a shell function or a pipeline): the subshell below execs it, so the PID is
# the program's own.
bench_spawn() {
    local name=$1 in=${BENCH_STDIN:-/dev/null}
    shift
    (
        # The xrdp lock and the script's output must not outlive the script
        # in a child process.
        [ -n "$BENCH_LOCK_FD" ] && exec {BENCH_LOCK_FD}>&-
        exec {BENCH_OUT}>&- {BENCH_ERR}>&-
        exec "$@"
    ) >"$BENCH_DIR/$name.log" 2>&1 <"$in" &
    BENCH_PID=$!
    BENCH_PIDS+=("$BENCH_PID")
}

# bench_start_gate NAME PORT [CONFIG-LINE...]: rmgate-proxy from $BUILD on the configuration
# $BENCH_DIR/NAME.conf ([gate], var_dir = $BENCH_DIR/var, listen = 127.0.0.1:PORT, then the
# CONFIG-LINEs), log $BENCH_DIR/NAME.log. BENCH_GATE_ASAN adds ASan options (e.g.
# detect_leaks=0). Under ASan the gate keeps the fast unwinder on malloc: full unwinding
# (fast_unwind_on_malloc=0) makes OpenSSL's PBKDF2, which allocates on every round, about
# seven times slower, so one logon took 10 s and clients timed out waiting for activation.
# Reports the check "NAME listens" and ends the script if it does not. Sets BENCH_PID.
bench_start_gate() {
    local name=$1 port=$2 line pid
    shift 2
    {
        printf '[gate]\nvar_dir = %s\nlisten = 127.0.0.1:%s\n' "$BENCH_DIR/var" "$port"
        for line in "$@"; do printf '%s\n' "$line"; done
    } >"$BENCH_DIR/$name.conf"
    ASAN_OPTIONS="${ASAN_OPTIONS}${BENCH_GATE_ASAN:+${ASAN_OPTIONS:+:}$BENCH_GATE_ASAN}" \
        bench_spawn "$name" "$BUILD/rmgate-proxy" -c "$BENCH_DIR/$name.conf"
    pid=$BENCH_PID
    bench_check "$name listens" bench_wait_port "$port" 20 || exit 1
    BENCH_PID=$pid
}

# bench_alive PID: true while PID runs (a zombie counts as ended; PID 1 in a
# container may never reap orphans, so kill -0 alone is not enough).
bench_alive() {
    local st
    st=$(bench__stat_state "$1") || return 1
    [ "$st" != Z ] && [ "$st" != X ]
}

bench__stat_state() {
    local line
    line=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    line=${line##*) }
    echo "${line%% *}"
}

# bench__descendants PID: prints PID's descendants (children first, then
# grandchildren...), from the ppid field of /proc/*/stat.
bench__descendants() {
    local f line rest pid ppid
    local -A kids=()
    for f in /proc/[0-9]*/stat; do
        line=$(cat "$f" 2>/dev/null) || continue
        pid=${line%% *}
        rest=${line##*) }
        rest=${rest#* }
        ppid=${rest%% *}
        kids[$ppid]+=" $pid"
    done
    local queue=("$1") out=() p c
    while [ ${#queue[@]} -gt 0 ]; do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        for c in ${kids[$p]:-}; do
            out+=("$c")
            queue+=("$c")
        done
    done
    echo "${out[*]:-}"
}

# bench_wait_exit PID [TIMEOUT=10]: waits until PID has ended.
bench_wait_exit() {
    local pid=$1 deadline
    deadline=$(bench__deadline "${2:-10}")
    while bench_alive "$pid"; do
        bench__past "$deadline" && return 1
        sleep 0.1
    done
    return 0
}

# bench_stop PID...: stops each PID and all its descendants: SIGTERM, up to
# 3 s for them to end, then SIGKILL. Reaps them when they are our children.
bench_stop() {
    local all=() p d deadline
    for p in "$@"; do
        bench_alive "$p" || continue
        all+=("$p")
        for d in $(bench__descendants "$p"); do all+=("$d"); done
    done
    [ ${#all[@]} = 0 ] && { bench__reap "$@"; return 0; }
    kill -TERM "${all[@]}" 2>/dev/null
    deadline=$(bench__deadline 3)
    for p in "${all[@]}"; do
        while bench_alive "$p" && ! bench__past "$deadline"; do sleep 0.05; done
    done
    for p in "${all[@]}"; do
        if bench_alive "$p"; then
            bench_log "SIGKILL to $p ($(cat "/proc/$p/comm" 2>/dev/null)): still running 3 s after SIGTERM"
            kill -KILL "$p" 2>/dev/null
        fi
    done
    bench__reap "$@"
    return 0
}

bench__reap() {
    local p
    for p in "$@"; do wait "$p" 2>/dev/null; done
    return 0
}

bench__deadline() {
    echo "$(( $(date +%s%N) / 1000000 + ${1%.*} * 1000 ))"
}

bench__past() {
    [ $(( $(date +%s%N) / 1000000 )) -ge "$1" ]
}

bench__now_ms() {
    echo $(( $(date +%s%N) / 1000000 ))
}

# ---------------------------------------------------------------- waits

# bench_free_port: prints a free TCP port on 127.0.0.1 (20000-32767, outside
# the kernel's ephemeral range and the X/VNC ports). The port is reserved for
# this script under /tmp/rmgate-e2e-ports so parallel bench users never pick
# the same one. Call it in the main shell: PORT=$(bench_free_port) is fine.
bench_free_port() {
    local port n used
    mkdir -p "$BENCH_PORT_DIR" 2>/dev/null
    used=" $(ss -Htan 2>/dev/null | awk '{ n = split($4, a, ":"); printf "%s ", a[n] }')"
    for n in $(seq 1 200); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
        case "$used" in *" $port "*) continue ;; esac
        bench__reserve_port "$port" || continue
        echo "$port"
        return 0
    done
    echo "bench_free_port: no free port found" >&2
    return 1
}

# A reservation is a directory named after the port holding the owner's PID;
# one whose owner has ended is taken over.
bench__reserve_port() {
    local d=$BENCH_PORT_DIR/$1 owner
    if ! mkdir "$d" 2>/dev/null; then
        owner=$(cat "$d/pid" 2>/dev/null) || return 1
        bench_alive "$owner" && return 1
        echo $$ >"$d/pid" || return 1
    else
        echo $$ >"$d/pid"
    fi
    echo "$1" >>"$BENCH_DIR/.ports"
    return 0
}

# bench_wait_port PORT [TIMEOUT=15]: waits until something listens on TCP
# PORT (any address: xrdp-sesman binds [::1] whatever its config says).
bench_wait_port() {
    local port=$1 deadline
    deadline=$(bench__deadline "${2:-15}")
    while :; do
        [ "$(ss -Hltn "sport = :$port" 2>/dev/null | wc -l)" -gt 0 ] && return 0
        bench__past "$deadline" && { echo "nothing listens on port $port" >&2; return 1; }
        sleep 0.1
    done
}

# bench_wait_log FILE|DIR REGEX [TIMEOUT=15]: waits until a line matching
# the extended REGEX is in FILE (or in any file under DIR). FILE may not exist
# yet. Counts matches rather than grep -q (pipefail + SIGPIPE).
bench_wait_log() {
    local file=$1 re=$2 deadline
    deadline=$(bench__deadline "${3:-15}")
    while :; do
        [ "$(bench_count_log "$file" "$re")" -gt 0 ] && return 0
        bench__past "$deadline" && {
            echo "no line matching '$re' in $file after ${3:-15} s" >&2
            return 1
        }
        sleep 0.2
    done
}

# bench_count_log FILE|DIR REGEX: prints the number of matching lines.
bench_count_log() {
    local n
    if [ -d "$1" ]; then
        n=$(cat "$1"/* 2>/dev/null | grep -a -c -E -- "$2")
    else
        n=$(grep -a -c -E -- "$2" "$1" 2>/dev/null)
    fi
    echo "${n:-0}"
}

# bench_wait_quiet FILE|DIR SECONDS [TIMEOUT=30]: waits until FILE (or every
# file under DIR) has not grown for SECONDS. The barrier before a negative
# check ("this line never comes"): once a target's logs are quiet, whatever
# the client sent has been processed.
bench_wait_quiet() {
    local target=$1 quiet=$2 deadline size last since
    deadline=$(bench__deadline "${3:-30}")
    last=-1
    since=$(bench__now_ms)
    while :; do
        size=$(cat "$target" "$target"/* 2>/dev/null | wc -c)
        if [ "$size" != "$last" ]; then
            last=$size
            since=$(bench__now_ms)
        elif [ $(( $(bench__now_ms) - since )) -ge $(( ${quiet%.*} * 1000 )) ]; then
            return 0
        fi
        bench__past "$deadline" && { echo "$target still growing after ${3:-30} s" >&2; return 1; }
        sleep 0.2
    done
}

# bench_expect_log_absent NAME FILE|DIR REGEX: PASS if no line matches
# (call it after a barrier such as bench_wait_quiet).
bench_expect_log_absent() {
    local n
    n=$(bench_count_log "$2" "$3")
    if [ "$n" = 0 ]; then
        bench_pass "$1"
    else
        bench_fail "$1" "$n line(s) match '$3' in $2"
    fi
}

# bench_expect_log NAME FILE|DIR REGEX [TIMEOUT=15]: PASS once a line
# matches (bench_wait_log).
bench_expect_log() {
    bench_check "$1" bench_wait_log "$2" "$3" "${4:-15}"
}

# ---------------------------------------------------------------- X displays

# bench_start_xvfb [WxH=1024x768]: starts an Xvfb that picks a free display
# itself (-displayfd) and waits until it accepts clients. Sets BENCH_DISPLAY
# (":N") and BENCH_PID.
bench_start_xvfb() {
    local size=${1:-1024x768} n dfile
    BENCH_SEQ=$((BENCH_SEQ + 1))
    n=$BENCH_SEQ
    dfile=$BENCH_DIR/xvfb-$n.display
    : >"$dfile"
    bench_spawn "xvfb-$n" Xvfb -displayfd 9 -screen 0 "${size}x24" -nolisten tcp -noreset 9>"$dfile"
    local pid=$BENCH_PID deadline
    deadline=$(bench__deadline 20)
    until [ -s "$dfile" ] && grep -q '^[0-9][0-9]*$' "$dfile"; do
        bench_alive "$pid" || bench_die "Xvfb ended at start: $(tail -n 3 "$BENCH_DIR/xvfb-$n.log")"
        bench__past "$deadline" && bench_die "Xvfb gave no display within 20 s"
        sleep 0.05
    done
    BENCH_DISPLAY=:$(cat "$dfile")
    BENCH_PID=$pid
    bench_log "Xvfb $BENCH_DISPLAY ($size) pid $pid"
}

# bench_x DISPLAY CMD...: runs an X client on DISPLAY, also on an xrdp session
# display (Xvnc, which needs the test user's X authority).
bench_x() {
    local d=$1
    shift
    DISPLAY=$d XAUTHORITY=$(bench__xauthority "$d") "$@"
}

bench__xauthority() {
    local home
    home=$(getent passwd "$BENCH_XRDP_USER" | cut -d: -f6)
    if [ -n "$home" ] && [ -f "$home/.Xauthority" ]; then
        echo "$home/.Xauthority"
    else
        echo /dev/null
    fi
}

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
    local f
    f=$(bench_compare "$1" "$2" "${5:-10}")
    if awk -v f="$f" -v m="$3" 'BEGIN { exit !(f >= m) }'; then
        bench_pass "$4 (similarity $f >= $3)"
    else
        bench_fail "$4" "similarity $f < $3 ($1 vs $2)"
    fi
}

# bench_expect_different A.png B.png MAXFRACTION NAME [FUZZ%=10]: PASS if
# less than MAXFRACTION of the pixels are equal (a negative control).
bench_expect_different() {
    local f
    f=$(bench_compare "$1" "$2" "${5:-10}")
    if awk -v f="$f" -v m="$3" 'BEGIN { exit !(f < m) }'; then
        bench_pass "$4 (similarity $f < $3)"
    else
        bench_fail "$4" "similarity $f >= $3 ($1 vs $2)"
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

# ---------------------------------------------------------------- targets

# bench_start_shadow [WxH=1024x768]: freerdp-shadow-cli (no authentication,
# TLS) on its own Xvfb, on 127.0.0.1 and a free port. The screen shows the
# bench pattern as background, an xterm and a ticking xclock. Sets
# BENCH_SHADOW_PORT, BENCH_SHADOW_DISPLAY, BENCH_SHADOW_PID, BENCH_SHADOW_LOG,
# BENCH_SHADOW_PATTERN (the background picture).
bench_start_shadow() {
    local size=${1:-1024x768}
    bench_start_xvfb "$size"
    BENCH_SHADOW_DISPLAY=$BENCH_DISPLAY
    BENCH_SHADOW_PATTERN=$BENCH_DIR/shadow-pattern.png
    bench_make_pattern "$BENCH_SHADOW_PATTERN" "$size" || bench_die "cannot make the test pattern"
    # display(1) exits 1 after setting the root window; the screenshot shows it worked.
    bench_x "$BENCH_SHADOW_DISPLAY" display -window root "$BENCH_SHADOW_PATTERN" 2>/dev/null
    DISPLAY=$BENCH_SHADOW_DISPLAY bench_spawn shadow-xterm \
        xterm -geometry 50x8+40+300 -fa '' -bg black -fg green -T bench-xterm \
        -e sh -c 'echo rmgate bench shadow target; exec sleep 86400'
    DISPLAY=$BENCH_SHADOW_DISPLAY bench_spawn shadow-xclock \
        xclock -geometry 120x120+880+20 -update 1
    mkdir -p "$BENCH_DIR/shadow-home"
    BENCH_SHADOW_PORT=$(bench_free_port) || bench_die "no free port"
    BENCH_SHADOW_LOG=$BENCH_DIR/shadow.log
    HOME=$BENCH_DIR/shadow-home DISPLAY=$BENCH_SHADOW_DISPLAY bench_spawn shadow \
        stdbuf -oL -eL freerdp-shadow-cli /bind-address:127.0.0.1 \
        "/port:$BENCH_SHADOW_PORT" -auth /sec:tls
    BENCH_SHADOW_PID=$BENCH_PID
    bench_wait_port "$BENCH_SHADOW_PORT" 20 ||
        bench_die "freerdp-shadow-cli not listening: $(tail -n 3 "$BENCH_SHADOW_LOG")"
    bench_log "freerdp-shadow on 127.0.0.1:$BENCH_SHADOW_PORT, display $BENCH_SHADOW_DISPLAY"
}

# bench_start_xrdp: xrdp + xrdp-sesman with Xvnc sessions, DEBUG logs in the
# run dir, on 127.0.0.1 and a free port. xrdp-sesman always listens on 3350
# (read from /etc/xrdp/sesman.ini by xrdp), so only one xrdp target can run
# on the machine: this takes an exclusive flock on /tmp/rmgate-e2e-xrdp.lock,
# held until the script ends (other scripts wait for it, up to 300 s).
# Creates the test user (BENCH_XRDP_USER/BENCH_XRDP_PASS) if missing; sets
# chansrv's log level to DEBUG in /etc/xrdp/sesman.ini (restored at the end).
# Sets BENCH_XRDP_PORT, BENCH_XRDP_PID, BENCH_SESMAN_PID, BENCH_XRDP_LOG,
# BENCH_SESMAN_LOG, BENCH_CHANSRV_DIR (chansrv logs, one per session display).
bench_start_xrdp() {
    bench__xrdp_lock
    bench__xrdp_user
    bench__xrdp_config
    sh /usr/share/xrdp/socksetup >/dev/null 2>&1 || mkdir -p /run/xrdp/sockdir
    # Left by an earlier xrdp that was killed; it would make xrdp refuse to start.
    rm -f /run/xrdp/xrdp.pid /run/xrdp/xrdp-sesman.pid /var/run/xrdp/xrdp.pid /var/run/xrdp/xrdp-sesman.pid
    bench_spawn sesman-out xrdp-sesman --nodaemon -c "$BENCH_DIR/sesman.ini"
    BENCH_SESMAN_PID=$BENCH_PID
    bench_wait_port 3350 20 ||
        bench_die "xrdp-sesman not listening on 3350: $(tail -n 3 "$BENCH_DIR/sesman-out.log")"
    bench_spawn xrdp-out xrdp --nodaemon -c "$BENCH_DIR/xrdp.ini"
    BENCH_XRDP_PID=$BENCH_PID
    bench_wait_port "$BENCH_XRDP_PORT" 20 ||
        bench_die "xrdp not listening on $BENCH_XRDP_PORT: $(tail -n 3 "$BENCH_DIR/xrdp-out.log")"
    bench_log "xrdp on 127.0.0.1:$BENCH_XRDP_PORT (sesman pid $BENCH_SESMAN_PID, xrdp pid $BENCH_XRDP_PID)"
}

bench__xrdp_lock() {
    [ -n "$BENCH_LOCK_FD" ] && return 0
    local deadline
    exec {BENCH_LOCK_FD}>>"$BENCH_XRDP_LOCK"
    bench_log "waiting for the xrdp lock $BENCH_XRDP_LOCK"
    deadline=$(bench__deadline 300)
    # Short flock attempts, so that a signal (INT/TERM) is handled promptly.
    until flock -w 1 "$BENCH_LOCK_FD"; do
        bench__past "$deadline" && bench_die "xrdp lock $BENCH_XRDP_LOCK still held after 300 s (another test running long?)"
    done
    bench_log "got the xrdp lock"
    BENCH_XRDP_T0_TICKS=$(bench__uptime_ticks)
    bench__xrdp_free_3350
    # Only the lock holder has a chansrv dir: any other is left by a killed script.
    rm -rf /tmp/rmgate-e2e-chansrv.*
}

# Makes sure port 3350 (xrdp-sesman's, fixed) is free. Holding the lock, an
# xrdp-sesman there is either a bench one whose script died without its
# cleanup (SIGKILL): its config is in that script's run dir, named after the
# script's PID; it is stopped with its xrdp; or a foreign one: the test
# fails with its PID, after 30 s.
bench__xrdp_free_3350() {
    local deadline pid cmd dir owner p
    deadline=$(bench__deadline 30)
    while :; do
        pid=$(ss -Hltnp 'sport = :3350' 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
        [ -z "$(ss -Hltn 'sport = :3350' 2>/dev/null)" ] && return 0
        cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")
        dir=$(printf '%s' "$cmd" | grep -o -E '/[^ ]*/e2e-run/[^/ ]+-[0-9]+/' | head -n 1)
        owner=${dir%/}
        owner=${owner##*-}
        if [ -n "$dir" ] && ! bench_alive "$owner"; then
            bench_log "stopping xrdp left by the ended bench script $owner ($dir)"
            for p in /proc/[0-9]*; do
                case "$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" in
                    xrdp*"$dir"*) bench_stop "${p#/proc/}" ;;
                esac
            done
        fi
        bench__past "$deadline" && bench_die "port 3350 is taken by a process not started by a bench (pid ${pid:-?}: $cmd)"
        sleep 0.5
    done
}

bench__xrdp_user() {
    if ! id "$BENCH_XRDP_USER" >/dev/null 2>&1; then
        useradd -m -s /bin/bash "$BENCH_XRDP_USER" || bench_die "cannot create user $BENCH_XRDP_USER"
    fi
    echo "$BENCH_XRDP_USER:$BENCH_XRDP_PASS" | chpasswd || bench_die "cannot set the password of $BENCH_XRDP_USER"
}

# Writes xrdp.ini and sesman.ini into the run dir, and sets chansrv's log
# level in /etc/xrdp/sesman.ini, the only file chansrv reads.
bench__xrdp_config() {
    BENCH_XRDP_PORT=$(bench_free_port) || bench_die "no free port"
    BENCH_XRDP_LOG=$BENCH_DIR/xrdp.log
    BENCH_SESMAN_LOG=$BENCH_DIR/xrdp-sesman.log
    # chansrv runs as the test user, who may not reach the run dir: its logs go
    # to a private dir in /tmp, copied into the run dir at the end.
    BENCH_CHANSRV_DIR=$(mktemp -d /tmp/rmgate-e2e-chansrv.XXXXXX) || bench_die "cannot make the chansrv log dir"
    chown "$BENCH_XRDP_USER" "$BENCH_CHANSRV_DIR" && chmod 0700 "$BENCH_CHANSRV_DIR" ||
        bench_die "cannot give $BENCH_CHANSRV_DIR to $BENCH_XRDP_USER"
    sed -e "s|@PORT@|$BENCH_XRDP_PORT|" -e "s|@LOG@|$BENCH_XRDP_LOG|" \
        "$BENCH_LIB/xrdp.ini.in" >"$BENCH_DIR/xrdp.ini"
    sed -e "s|@LOG@|$BENCH_SESMAN_LOG|" -e "s|@CHANSRV@|$BENCH_CHANSRV_DIR|" \
        "$BENCH_LIB/sesman.ini.in" >"$BENCH_DIR/sesman.ini"
    local etc=/etc/xrdp/sesman.ini orig=/etc/xrdp/sesman.ini.rmgate-orig
    [ -f "$orig" ] || cp -p "$etc" "$orig" || bench_die "cannot save $etc"
    BENCH_SESMAN_INI_SAVED=1
    awk '
        /^\[/ { sect = $0 }
        sect == "[ChansrvLogging]" && /^LogLevel=/ { print "LogLevel=DEBUG"; next }
        { print }' "$orig" >"$etc.rmgate-new" && mv "$etc.rmgate-new" "$etc" ||
        bench_die "cannot write $etc"
}

# bench_xrdp_session_display [TIMEOUT=20]: waits for the Xvnc session that
# xrdp-sesman started and prints its display (":50"); the newest one if there
# were several.
bench_xrdp_session_display() {
    local deadline n
    deadline=$(bench__deadline "${1:-20}")
    while :; do
        n=$(bench__session_displays | tail -n 1)
        if [ -n "$n" ] && [ -S "/tmp/.X11-unix/X$n" ]; then
            echo ":$n"
            return 0
        fi
        bench__past "$deadline" && { echo "no xrdp session display" >&2; return 1; }
        sleep 0.2
    done
}

# Session display numbers from the sesman log, oldest first.
bench__session_displays() {
    grep -a -o -E 'Starting X server on display [0-9]+' "$BENCH_SESMAN_LOG" 2>/dev/null |
        grep -o -E '[0-9]+$' | awk '!seen[$0]++'
}

# bench_xrdp_end_sessions: stops the Xvnc of every session this xrdp-sesman
# started, with the session's other processes (sessions survive a disconnect,
# and a new login would reconnect to the old one, its old chansrv and log),
# and moves their chansrv logs out of BENCH_CHANSRV_DIR, so that the chansrv
# reports that follow are about the next session only.
bench_xrdp_end_sessions() {
    bench__xrdp_stop_sessions
    # The next session on the same display would append to the same chansrv
    # log: move the ended sessions' logs to the run dir (chansrv-ended-N).
    if [ -n "$(ls -A "$BENCH_CHANSRV_DIR" 2>/dev/null)" ]; then
        BENCH_SEQ=$((BENCH_SEQ + 1))
        mkdir -p "$BENCH_DIR/chansrv-ended-$BENCH_SEQ" &&
            mv "$BENCH_CHANSRV_DIR"/* "$BENCH_DIR/chansrv-ended-$BENCH_SEQ/"
    fi
    return 0
}

bench__xrdp_stop_sessions() {
    local pids=() p n
    for p in $(bench_xrdp_xvnc_pids); do
        pids+=("$p")
        # The session process (Xvnc's parent, a fork of sesman) and its tree:
        # window manager, xterm, ssh-agent, chansrv.
        n=$(bench__ppid "$p")
        [ -n "$n" ] && [ "$n" != 1 ] && [ "$n" != "${BENCH_SESMAN_PID:-}" ] && pids+=("$n")
    done
    [ ${#pids[@]} -gt 0 ] && bench_stop "${pids[@]}"
    for n in $(bench__session_displays); do
        bench_alive "$(tr -dc '0-9' 2>/dev/null <"/tmp/.X$n-lock")" ||
            rm -f "/tmp/.X$n-lock" "/tmp/.X11-unix/X$n"
    done
    return 0
}

# bench_xrdp_xvnc_pids: the PIDs of the live Xvnc servers of this script's
# xrdp sessions (from /tmp/.X<n>-lock), one per line.
bench_xrdp_xvnc_pids() {
    local n pid
    for n in $(bench__session_displays); do
        pid=$(tr -dc '0-9' 2>/dev/null <"/tmp/.X$n-lock")
        [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = Xvnc ] && echo "$pid"
    done
    return 0
}

# PIDs of the test user's live processes started since this script took the
# xrdp lock. The lock makes them ours: the test user exists for the bench
# only, and no other bench script runs xrdp meanwhile. This catches session
# processes that left the session's tree (ssh-agent daemonizes).
bench__xrdp_user_pids() {
    local uid p line k v
    [ -n "${BENCH_XRDP_T0_TICKS:-}" ] || return 0
    uid=$(id -u "$BENCH_XRDP_USER" 2>/dev/null) || return 0
    for p in /proc/[0-9]*; do
        v=
        while read -r k v _; do
            [ "$k" = Uid: ] && break
        done 2>/dev/null <"$p/status"
        [ "$v" = "$uid" ] || continue
        line=$(cat "$p/stat" 2>/dev/null) || continue
        line=${line##*) }
        set -- $line
        [ "${20:-0}" -ge "$BENCH_XRDP_T0_TICKS" ] && bench_alive "${p#/proc/}" && echo "${p#/proc/}"
    done
    return 0
}

bench__uptime_ticks() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", $1 * hz }' /proc/uptime
}

bench__ppid() {
    local line
    line=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    line=${line##*) }
    line=${line#* }
    echo "${line%% *}"
}

# ---------------------------------------------------------------- target reports

# bench_xrdp_channels [N]: the static channels xrdp added for the Nth client
# connection (default: the latest), in order, space separated ("rdpdr rdpsnd
# cliprdr drdynvc"), from the DEBUG lines "Adding channel: name X".
bench_xrdp_channels() {
    awk -v want="${1:-0}" '
        /AF_INET connection received/ { conn++ }
        /Adding channel: name / {
            s = $0; sub(/.*Adding channel: name /, "", s); sub(/[ ,].*/, "", s)
            names[conn] = names[conn] (names[conn] == "" ? "" : " ") s
        }
        END { n = (want > 0) ? want : conn; print names[n] }' "$BENCH_XRDP_LOG" 2>/dev/null
}

# bench_xrdp_devices: the rdpdr devices chansrv saw announced, one per line:
# "drive tmp", "printer PRN1", "serial COM1", "parallel LPT1", "smartcard SCARD".
bench_xrdp_devices() {
    cat "$BENCH_CHANSRV_DIR"/* 2>/dev/null |
        grep -a -o -E "Detected remote (drive|printer|serial port|parallel port|smartcard) '[^']*'" |
        sed -E "s/Detected remote (serial|parallel) port/Detected remote \1/; s/^Detected remote //; s/'//g" |
        awk '!seen[$0]++'
}

# bench_xrdp_wait_device KIND NAME [TIMEOUT=15]: waits for a device line.
bench_xrdp_wait_device() {
    local kind=$1
    case "$kind" in serial | parallel) kind="$kind port" ;; esac
    bench_wait_log "$BENCH_CHANSRV_DIR" "Detected remote $kind '$2'" "${3:-15}"
}

# bench_xrdp_clipboard_reached: true if cliprdr reached chansrv (clipboard_init).
bench_xrdp_clipboard_reached() {
    [ "$(bench_count_log "$BENCH_CHANSRV_DIR" 'clipboard_init')" -gt 0 ]
}

# bench_xrdp_wait_session [TIMEOUT=30] [N=1]: waits until the Nth client
# session of this xrdp is up (xrdp logged the user in and connected to the
# session's Xvnc: "VNC connection complete, connected ok"; counted, so after
# bench_xrdp_end_sessions a second connection waits with N=2). Clipboard and
# device lines in chansrv's log follow within about 2 s: wait for those with
# bench_wait_log / bench_xrdp_wait_device.
bench_xrdp_wait_session() {
    local t=${1:-30} n=${2:-1} deadline
    deadline=$(bench__deadline "$t")
    until [ "$(bench_count_log "$BENCH_XRDP_LOG" 'VNC connection complete, connected ok')" -ge "$n" ]; do
        bench__past "$deadline" && {
            echo "xrdp session $n not up after $t s: $(grep -a -E '\[(ERROR|WARN) *\]' "$BENCH_XRDP_LOG" | tail -n 1)" >&2
            return 1
        }
        sleep 0.2
    done
    bench_xrdp_session_display "$t" >/dev/null
}

# ---------------------------------------------------------------- clipboard

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

# ---------------------------------------------------------------- printing

# bench_start_cups [QUEUE=rmgate-test]: a private cupsd in the foreground, its
# configuration, state, spool and socket under $BENCH_DIR/cups (no TCP port,
# nothing in /etc/cups or /run/cups), with one raw queue QUEUE printing to
# /dev/null. Exports CUPS_SERVER (its socket), so the clients started after it
# (xfreerdp /printer) see that queue and only it. Sets BENCH_CUPS_PID,
# BENCH_CUPS_SERVER, BENCH_CUPS_QUEUE, BENCH_CUPS_LOG.
bench_start_cups() {
    local name=${1:-rmgate-test} d=$BENCH_DIR/cups deadline
    BENCH_CUPS_SERVER=$d/cups.sock
    # A Unix socket path holds at most 107 bytes.
    [ "${#BENCH_CUPS_SERVER}" -lt 100 ] || bench_die "cups socket path too long: $BENCH_CUPS_SERVER"
    mkdir -p "$d/conf" "$d/state" "$d/cache" "$d/spool" "$d/tmp" || bench_die "cannot create $d"
    cat >"$d/conf/cups-files.conf" <<EOF
ServerRoot $d/conf
StateDir $d/state
CacheDir $d/cache
RequestRoot $d/spool
TempDir $d/tmp
Printcap $d/printcap
ErrorLog stderr
AccessLog $d/access_log
PageLog $d/page_log
SystemGroup root
EOF
    cat >"$d/conf/cupsd.conf" <<EOF
LogLevel info
Listen $BENCH_CUPS_SERVER
Browsing No
WebInterface No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
    bench_spawn cupsd cupsd -f -c "$d/conf/cupsd.conf" -s "$d/conf/cups-files.conf"
    BENCH_CUPS_PID=$BENCH_PID
    BENCH_CUPS_LOG=$BENCH_DIR/cupsd.log
    deadline=$(bench__deadline 20)
    until lpstat -h "$BENCH_CUPS_SERVER" -r >/dev/null 2>&1; do
        bench__past "$deadline" && bench_die "cupsd not answering on $BENCH_CUPS_SERVER: $(tail -n 3 "$BENCH_CUPS_LOG")"
        sleep 0.1
    done
    if ! lpadmin -h "$BENCH_CUPS_SERVER" -p "$name" -E -v file:///dev/null >>"$BENCH_CUPS_LOG" 2>&1 ||
        ! lpstat -h "$BENCH_CUPS_SERVER" -v "$name" >/dev/null 2>&1; then
        bench_die "cannot add the cups queue $name: $(tail -n 3 "$BENCH_CUPS_LOG")"
    fi
    BENCH_CUPS_QUEUE=$name
    export CUPS_SERVER=$BENCH_CUPS_SERVER
    bench_log "cupsd on $BENCH_CUPS_SERVER pid $BENCH_CUPS_PID, queue $name"
}

# ---------------------------------------------------------------- clients

# bench_start_xfreerdp HOST PORT [ARGS...]: xfreerdp on its own Xvfb
# (1024x768 window unless ARGS has /size), /cert:ignore, channel DEBUG logs.
# ARGS come last (e.g. /u:user /p:pass +clipboard /smartcard). Sets
# BENCH_XFREERDP_PID, BENCH_XFREERDP_DISPLAY, BENCH_XFREERDP_LOG.
bench_start_xfreerdp() {
    local host=$1 port=$2 n
    shift 2
    bench_start_xvfb 1280x1024
    BENCH_XFREERDP_DISPLAY=$BENCH_DISPLAY
    BENCH_XFREERDP_XVFB_PID=$BENCH_PID
    n=$BENCH_SEQ
    mkdir -p "$BENCH_DIR/client-home"
    local size=/size:1024x768 a
    for a in "$@"; do case "$a" in /size:*) size= ;; esac; done
    HOME=$BENCH_DIR/client-home DISPLAY=$BENCH_XFREERDP_DISPLAY bench_spawn "xfreerdp-$n" \
        stdbuf -oL -eL xfreerdp "/v:$host:$port" /cert:ignore $size /log-level:INFO \
        /log-filters:com.freerdp.channels.*:DEBUG,com.freerdp.core.connection:DEBUG,com.freerdp.client.common.cmdline:DEBUG \
        "$@"
    BENCH_XFREERDP_PID=$BENCH_PID
    BENCH_XFREERDP_LOG=$BENCH_DIR/xfreerdp-$n.log
    bench_log "xfreerdp to $host:$port on $BENCH_XFREERDP_DISPLAY pid $BENCH_PID: $*"
}

# bench_xfreerdp_channels [LOG=$BENCH_XFREERDP_LOG]: the static channels the
# xfreerdp client loaded (asked for), in order ("rdpdr rdpsnd cliprdr drdynvc").
bench_xfreerdp_channels() {
    grep -a -o -E 'loading channelEx [^ ]+' "${1:-$BENCH_XFREERDP_LOG}" 2>/dev/null |
        awk '{ print $3 }' | awk '!seen[$0]++' | tr '\n' ' ' | sed 's/ $//'
}

# bench_start_rdesktop HOST PORT [ARGS...]: rdesktop on its own Xvfb,
# 1024x768, trusting the certificate ("yes" on stdin), with Protocol and
# Clipboard debug logs. Sets BENCH_RDESKTOP_PID, BENCH_RDESKTOP_DISPLAY,
# BENCH_RDESKTOP_LOG.
bench_start_rdesktop() {
    local host=$1 port=$2 n
    shift 2
    bench_start_xvfb 1280x1024
    BENCH_RDESKTOP_DISPLAY=$BENCH_DISPLAY
    BENCH_RDESKTOP_XVFB_PID=$BENCH_PID
    n=$BENCH_SEQ
    mkdir -p "$BENCH_DIR/client-home"
    printf 'yes\n' >"$BENCH_DIR/yes"
    BENCH_RDESKTOP_LOG=$BENCH_DIR/rdesktop-$n.log
    HOME=$BENCH_DIR/client-home DISPLAY=$BENCH_RDESKTOP_DISPLAY RDESKTOP_DEBUG=Protocol,Clipboard \
        BENCH_STDIN=$BENCH_DIR/yes bench_spawn "rdesktop-$n" \
        rdesktop -g 1024x768 "$@" "$host:$port"
    BENCH_RDESKTOP_PID=$BENCH_PID
    bench_log "rdesktop to $host:$port on $BENCH_RDESKTOP_DISPLAY pid $BENCH_RDESKTOP_PID: $*"
}

# bench_stop_xfreerdp / bench_stop_rdesktop: stop the latest xfreerdp (or
# rdesktop) and its Xvfb now, e.g. to disconnect before the next client.
bench_stop_xfreerdp() {
    bench_stop "${BENCH_XFREERDP_PID:-}" "${BENCH_XFREERDP_XVFB_PID:-}"
}

bench_stop_rdesktop() {
    bench_stop "${BENCH_RDESKTOP_PID:-}" "${BENCH_RDESKTOP_XVFB_PID:-}"
}

# ---------------------------------------------------------------- cleanup

bench__cleanup() {
    local rc=$? i pids
    # Ignore further INT/TERM (a second Ctrl-C, the runner's timeout): a
    # cleanup cut short would leave processes and /etc/xrdp/sesman.ini behind.
    # It is bounded: each bench_stop takes at most about 3 s.
    trap - EXIT
    trap '' INT TERM
    # One bench_stop for everything: every process tree is collected before
    # the first signal, so nothing escapes by being reparented meanwhile.
    pids=("${BENCH_PIDS[@]}")
    [ -n "${BENCH_SESMAN_LOG:-}" ] && mapfile -t -O "${#pids[@]}" pids < <(bench_xrdp_xvnc_pids)
    [ ${#pids[@]} -gt 0 ] && bench_stop "${pids[@]}"
    bench__xrdp_end_sessions_quiet
    mapfile -t pids < <(bench__xrdp_user_pids)
    [ ${#pids[@]} -gt 0 ] && bench_stop "${pids[@]}"
    if [ -n "${BENCH_CHANSRV_DIR:-}" ] && [ -d "$BENCH_CHANSRV_DIR" ]; then
        mkdir -p "$BENCH_DIR/chansrv" && cp -p "$BENCH_CHANSRV_DIR"/* "$BENCH_DIR/chansrv/" 2>/dev/null
        rm -rf "$BENCH_CHANSRV_DIR"
    fi
    if [ "$BENCH_SESMAN_INI_SAVED" = 1 ] && [ -f /etc/xrdp/sesman.ini.rmgate-orig ]; then
        cp -p /etc/xrdp/sesman.ini.rmgate-orig /etc/xrdp/sesman.ini
    fi
    if [ -f "$BENCH_DIR/.ports" ]; then
        while read -r i; do rm -rf "${BENCH_PORT_DIR:?}/$i"; done <"$BENCH_DIR/.ports"
    fi
    [ "$BENCH_FAILED" -gt 0 ] && [ "$rc" = 0 ] && rc=1
    if [ "$rc" = 0 ] && [ "$BENCH_KEEP" != 1 ]; then
        rm -rf "$BENCH_DIR"
    else
        echo "# run dir kept: $BENCH_DIR" >&"$BENCH_ERR"
    fi
    echo "# $BENCH_NAME: $BENCH_PASSED passed, $BENCH_FAILED failed ($(awk -v a="$(date +%s.%N)" -v b="$BENCH_T0" 'BEGIN { printf "%.1f", a - b }') s)" >&"$BENCH_ERR"
    exit "$rc"
}

bench__xrdp_end_sessions_quiet() {
    [ -n "${BENCH_SESMAN_LOG:-}" ] && bench__xrdp_stop_sessions 2>/dev/null
    return 0
}

trap bench__cleanup EXIT
trap 'bench_fail "$BENCH_NAME" "interrupted (SIGINT)"; exit 130' INT
trap 'bench_fail "$BENCH_NAME" "interrupted (SIGTERM)"; exit 143' TERM
