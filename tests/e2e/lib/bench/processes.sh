# shellcheck shell=bash
# Processes: starting a program in the background with its log in the run
# dir (every PID is recorded: the cleanup stops them all), telling whether a
# PID still runs, stopping a process with its whole tree, and the deadlines
# every wait of the bench is measured against. Reads /proc only.
# Part of the bench: sourced by lib/bench.sh.

BENCH_PIDS=()          # every process the bench started, in start order
# Descriptors that no started program may inherit, added by their owners:
# the script's own output (lib/bench.sh) and the xrdp lock (xrdp.sh).
BENCH_PRIVATE_FDS=()

# bench_spawn NAME CMD...: starts CMD in the background with stdout+stderr in
# $BENCH_DIR/NAME.log and stdin from $BENCH_STDIN (default /dev/null); records
# its PID for the final cleanup and sets BENCH_PID. CMD must be a program (not
# a shell function or a pipeline): the subshell below execs it, so the PID is
# the program's own.
bench_spawn() {
    local name=$1 in=${BENCH_STDIN:-/dev/null} fd
    shift
    (
        # The xrdp lock and the script's output must not outlive the script
        # in a child process.
        for fd in "${BENCH_PRIVATE_FDS[@]}"; do exec {fd}>&-; done
        exec "$@"
    ) >"$BENCH_DIR/$name.log" 2>&1 <"$in" &
    BENCH_PID=$!
    BENCH_PIDS+=("$BENCH_PID")
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
    read -r line 2>/dev/null <"/proc/$1/stat" || return 1
    line=${line##*) }
    echo "${line%% *}"
}

# bench__descendants PID: prints PID's descendants (children first, then
# grandchildren...), from the ppid field of /proc/*/stat.
bench__descendants() {
    local f line rest pid ppid
    local -A kids=()
    for f in /proc/[0-9]*/stat; do
        read -r line 2>/dev/null <"$f" || continue
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

bench__uptime_ticks() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", $1 * hz }' /proc/uptime
}

bench__ppid() {
    local line
    read -r line 2>/dev/null <"/proc/$1/stat" || return 1
    line=${line##*) }
    line=${line#* }
    echo "${line%% *}"
}
