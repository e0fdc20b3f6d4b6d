# shellcheck shell=bash
# Waits: free TCP ports reserved between parallel scripts, waits on a
# listening socket, on a log line and on a quiet log (the barrier before a
# negative check), and log-line counts and expectations.
# Part of the bench: sourced by lib/bench.sh.

BENCH_PORT_DIR=/tmp/rmgate-e2e-ports

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

# Releases this script's reservations (at the cleanup).
bench__release_ports() {
    local port
    [ -f "$BENCH_DIR/.ports" ] || return 0
    while read -r port; do rm -rf "${BENCH_PORT_DIR:?}/$port"; done <"$BENCH_DIR/.ports"
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
