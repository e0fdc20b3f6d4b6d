#!/bin/bash
# `make bench`: measures the gate against a direct connection, side by side in one
# run, with the headless probe (build/bench/rdp_probe) on a busy freerdp-shadow
# target (clock, top, scrolling terminal). Prints one table of ratios per path
# (legacy bitmaps, GFX RemoteFX, GFX H.264) and the gate's CPU and peak memory.
# Figures only: nothing here passes or fails.
#   tests/bench/run.sh [SECONDS-PER-RUN] [CONCURRENT-SESSIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SECONDS_PER_RUN=${1:-20}
CONCURRENT=${2:-20}
RUN=$(mktemp -d "${TMPDIR:-/tmp}/rmgate-bench.XXXXXX")
chmod 0700 "$RUN"
PROBE=$BUILD/bench/rdp_probe

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$RUN"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
    for _ in $(seq 300); do
        (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "bench: nothing listens on port $1" >&2; return 1
}

start_target() {   # sets DISPLAY_T and TARGET_PORT
    exec 3>"$RUN/xvfb.display"
    Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >"$RUN/xvfb.log" 2>&1 &
    pids+=($!)
    exec 3>&-
    for _ in $(seq 100); do [ -s "$RUN/xvfb.display" ] && break; sleep 0.05; done
    DISPLAY_T=":$(cat "$RUN/xvfb.display")"
    DISPLAY=$DISPLAY_T xclock -update 1 -geometry 200x200+10+10 >/dev/null 2>&1 & pids+=($!)
    DISPLAY=$DISPLAY_T xterm -geometry 90x25+230+10 -e top -s >/dev/null 2>&1 & pids+=($!)
    DISPLAY=$DISPLAY_T xterm -geometry 90x20+230+400 -e sh -c 'while :; do ls -l /usr/bin; sleep 0.2; done' >/dev/null 2>&1 & pids+=($!)
    # A quiet terminal for the round trip: the probe types into it.
    DISPLAY=$DISPLAY_T xterm -geometry 30x10+10+300 -e cat >/dev/null 2>&1 & pids+=($!)
    TARGET_PORT=$(free_port)
    HOME=$RUN DISPLAY=$DISPLAY_T freerdp-shadow-cli /bind-address:127.0.0.1 /port:"$TARGET_PORT" \
        -auth /sec:tls >"$RUN/shadow.log" 2>&1 &
    pids+=($!)
    wait_port "$TARGET_PORT"
}

start_gate() {     # start_gate NAME [ARGS...]: sets GATE_PORT and GATE_PID
    local name=$1
    shift
    GATE_PORT=$(free_port)
    mkdir -p "$RUN/$name"
    (cd "$RUN/$name" && exec "$OLDPWD/$BUILD/rmgate-proxy" --listen "127.0.0.1:$GATE_PORT" \
        --target "127.0.0.1:$TARGET_PORT" --target-cert ignore "$@" >"$RUN/$name.log" 2>&1) &
    GATE_PID=$!
    pids+=($GATE_PID)
    wait_port "$GATE_PORT"
}

# The gate is a monitor with one worker process per session (docs/process-model.md): its CPU
# is the monitor's own, its ended workers' (reaped: cutime + cstime) and its live workers'.
workers() { pgrep -P "$1" 2>/dev/null; }
ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat" 2>/dev/null || echo 0; }
cpu_seconds() {   # the gate's CPU seconds so far, workers included
    local t p
    t=$(ticks "$1")
    for p in $(workers "$1"); do t=$((t + $(ticks "$p"))); done
    awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN { print t / hz }'
}
wait_workers_gone() {   # a session's worker ends a little after its client: count it whole
    local i
    for i in $(seq 100); do [ -z "$(workers "$1")" ] && return 0; sleep 0.1; done
}
peak_rss_mib() {
    awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"
}
pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
# The memory of N live sessions, as proportional set size (shared library pages counted once
# across the processes): the workers' plus the monitor's, per session.
pss_per_session_mib() {
    local t p n=0
    t=$(pss_kib "$1")
    for p in $(workers "$1"); do t=$((t + $(pss_kib "$p"))); n=$((n + 1)); done
    awk -v t="$t" -v n="$n" 'BEGIN { if (n == 0) print "n/a"; else printf "%.1f", t / n / 1024 }'
}

probe() {   # probe PORT ARGS... -> prints the probe line
    local port=$1; shift
    "$PROBE" --seconds "$SECONDS_PER_RUN" --rtt 10 --rtt-at 60,340 -- \
        /v:127.0.0.1:"$port" /u:bench /p:bench /cert:ignore /size:1280x800 "$@" 2>>"$RUN/probe.err"
}
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.3f", a / b }'; }

start_target
start_gate gate-norec --no-record
NOREC_PORT=$GATE_PORT NOREC_PID=$GATE_PID
start_gate gate
REC_DIR=$RUN/gate/var/recordings
rec_bytes() { du -sb "$REC_DIR" 2>/dev/null | cut -f1; }
echo "rmgate bench: ${SECONDS_PER_RUN}s per run, target freerdp-shadow 1280x800 (clock, top, scrolling terminal)"
echo "sides: direct = probe to the target; norec = through the gate without recording (lab"
echo "--no-record); gate = through the gate as shipped (decoding, recording, ledger)"
printf '%-8s %-6s %9s %9s %7s %9s %8s %8s %9s %s\n' path side connect_ms first_ms fps kbit_s rtt_ms cpu_s rec_kB codecs
for path in bitmap rfx avc420; do
    case $path in
        bitmap) args=(/bpp:24) ;;   # no graphics pipeline below 32 bpp
        rfx) args=(/gfx:rfx) ;;
        avc420) args=(/gfx:avc420) ;;
    esac
    declare -A line cpu rec
    line[direct]=$(probe "$TARGET_PORT" "${args[@]}")
    c0=$(cpu_seconds "$NOREC_PID")
    line[norec]=$(probe "$NOREC_PORT" "${args[@]}")
    wait_workers_gone "$NOREC_PID"
    cpu[norec]=$(awk -v a="$c0" -v b="$(cpu_seconds "$NOREC_PID")" 'BEGIN { printf "%.2f", b - a }')
    c0=$(cpu_seconds "$GATE_PID") r0=$(rec_bytes)
    line[gate]=$(probe "$GATE_PORT" "${args[@]}")
    wait_workers_gone "$GATE_PID"
    cpu[gate]=$(awk -v a="$c0" -v b="$(cpu_seconds "$GATE_PID")" 'BEGIN { printf "%.2f", b - a }')
    rec[gate]=$(( ($(rec_bytes) - r0) / 1024 ))
    for side in direct norec gate; do
        l=${line[$side]}
        printf '%-8s %-6s %9s %9s %7s %9s %8s %8s %9s %s\n' $path $side \
            "$(field connect_ms "$l")" "$(field first_frame_ms "$l")" "$(field fps "$l")" \
            "$(field kbit_s "$l")" "$(field rtt_median_ms "$l")" "${cpu[$side]:--}" \
            "${rec[$side]:--}" "$(field gfx_codecs "$l")"
    done
    # Each run lasts about SECONDS_PER_RUN plus the round-trip samples; CPU is per minute of it.
    per_min() { awk -v c="$1" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%.2f", c * 60 / (s + 5) }'; }
    printf '%-8s ratio  gate/direct fps %s, rtt %+.2f ms, first frame %+.0f ms; gate CPU %s s/min (norec %s), recorder %s s/min\n' \
        $path "$(ratio "$(field fps "${line[gate]}")" "$(field fps "${line[direct]}")")" \
        "$(awk -v a="$(field rtt_median_ms "${line[gate]}")" -v b="$(field rtt_median_ms "${line[direct]}")" 'BEGIN{print a-b}')" \
        "$(awk -v a="$(field first_frame_ms "${line[gate]}")" -v b="$(field first_frame_ms "${line[direct]}")" 'BEGIN{print a-b}')" \
        "$(per_min "${cpu[gate]}")" "$(per_min "${cpu[norec]}")" \
        "$(per_min "$(awk -v a="${cpu[gate]}" -v b="${cpu[norec]}" 'BEGIN{print a-b}')")"
    unset line cpu rec
done
echo "monitor peak RSS after single sessions: $(peak_rss_mib "$GATE_PID") MiB (norec: $(peak_rss_mib "$NOREC_PID") MiB)"

if [ "$CONCURRENT" -gt 0 ]; then
    cpu0=$(cpu_seconds "$GATE_PID")
    cpids=()
    for n in $(seq "$CONCURRENT"); do
        "$PROBE" --seconds "$SECONDS_PER_RUN" -- /v:127.0.0.1:"$GATE_PORT" /u:bench /p:bench \
            /cert:ignore /size:1024x768 /gfx:avc420 >"$RUN/concurrent.$n" 2>>"$RUN/probe.err" &
        cpids+=($!)
    done
    sleep $((SECONDS_PER_RUN / 2))
    pss=$(pss_per_session_mib "$GATE_PID") live=$(workers "$GATE_PID" | wc -l)
    ok=0
    for n in "${!cpids[@]}"; do wait "${cpids[$n]}" && ok=$((ok + 1)); done
    wait_workers_gone "$GATE_PID"
    cpu1=$(cpu_seconds "$GATE_PID")
    echo "concurrent: $ok of $CONCURRENT H.264 sessions completed through the gate (recording);" \
         "gate CPU $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN{printf "%.1f", b-a}') s;" \
         "memory at mid-run with $live workers: $pss MiB PSS per session (worker plus its share of the monitor)"
    grep -c 'session.*end:' "$RUN/gate.log" | sed 's/^/sessions ended in the gate log: /'
fi
