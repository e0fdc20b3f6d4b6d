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
# Needs root (xrdp's TLS key, PAM, a private mount namespace for the xrdp
# target) and the packages in tests/deps.sh. Leaves nothing on the machine
# outside the run dir but its lock and port files, /tmp/rmgate-e2e-*
# (docs/test-bench.md).
#
# This file sets up the run (its directory, the script's output, the cleanup
# trap) and sources one file per concern from lib/bench/:
#     results.sh    PASS/FAIL/SKIP lines, checks and expectations
#     processes.sh  starting, watching and stopping processes; deadlines
#     waits.sh      free ports, waits on sockets and log lines
#     displays.sh   Xvfb displays, running X clients on a display
#     screens.sh    screenshots, image comparison, the test pattern
#     gate.sh       rmgate-proxy under test
#     shadow.sh     the freerdp-shadow target
#     xrdp.sh       the xrdp target in its own mount namespace, its sessions
#     xrdp-seen.sh  what the xrdp target saw (channels, devices, clipboard)
#     clipboard.sh  setting and reading X clipboards
#     cups.sh       a private print server for printer redirection
#     clients.sh    xfreerdp and rdesktop clients

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
BENCH_KEEP=${BENCH_KEEP:-0}     # 1: keep the run dir even when every check passed
BENCH_T0=$(date +%s.%N)
BENCH_SEQ=0            # numbers log files of repeated starts (xvfb-1, xvfb-2...)

mkdir -p "$BENCH_DIR" && chmod 0700 "$BENCH_DIR" "$BUILD/e2e-run" || {
    echo "FAIL: $BENCH_NAME: cannot create run dir $BENCH_DIR"
    exit 1
}

for bench__part in results processes waits displays screens gate shadow xrdp xrdp-seen \
    clipboard cups clients; do
    # shellcheck source=/dev/null
    . "$BENCH_LIB/bench/$bench__part.sh"
done
unset bench__part

# The script's own stdout and stderr: results and progress go there even when
# they are written from inside a redirected command (e.g. a trap that fires
# during bench_check). Closed in every process the bench starts.
exec {BENCH_OUT}>&1 {BENCH_ERR}>&2
BENCH_PRIVATE_FDS+=("$BENCH_OUT" "$BENCH_ERR")

# ---------------------------------------------------------------- cleanup

# bench_at_exit CMD [ARG...]: runs CMD when the script ends (also after a failed check or an
# interrupt), before the bench stops its processes; for what a test changed outside its run
# dir and must undo (test_deb_package: the installed package). Last registered runs first.
BENCH_AT_EXIT=()
bench_at_exit() { BENCH_AT_EXIT=("$(printf '%q ' "$@")" "${BENCH_AT_EXIT[@]}"); }

# At exit: runs the bench_at_exit commands, stops every process the bench
# started (and the xrdp sessions), collects chansrv's logs, releases the
# reserved ports, then deletes the run dir if every check passed (else keeps
# it and says where).
bench__cleanup() {
    local rc=$? i pids
    # Ignore further INT/TERM (a second Ctrl-C, the runner's timeout): a
    # cleanup cut short would leave processes behind.
    # It is bounded: each bench_stop takes at most about 3 s.
    trap - EXIT
    trap '' INT TERM
    for i in "${BENCH_AT_EXIT[@]}"; do eval "$i"; done
    # One bench_stop for everything: every process tree is collected before
    # the first signal, so nothing escapes by being reparented meanwhile.
    pids=("${BENCH_PIDS[@]}")
    [ -n "${BENCH_SESMAN_LOG:-}" ] && mapfile -t -O "${#pids[@]}" pids < <(bench_xrdp_xvnc_pids)
    [ ${#pids[@]} -gt 0 ] && bench_stop "${pids[@]}"
    bench__xrdp_cleanup
    bench__release_ports
    [ "$BENCH_FAILED" -gt 0 ] && [ "$rc" = 0 ] && rc=1
    if [ "$rc" = 0 ] && [ "$BENCH_KEEP" != 1 ]; then
        rm -rf "$BENCH_DIR"
    else
        echo "# run dir kept: $BENCH_DIR" >&"$BENCH_ERR"
    fi
    echo "# $BENCH_NAME: $BENCH_PASSED passed, $BENCH_FAILED failed ($(awk -v a="$(date +%s.%N)" -v b="$BENCH_T0" 'BEGIN { printf "%.1f", a - b }') s)" >&"$BENCH_ERR"
    exit "$rc"
}

trap bench__cleanup EXIT
trap 'bench_fail "$BENCH_NAME" "interrupted (SIGINT)"; exit 130' INT
trap 'bench_fail "$BENCH_NAME" "interrupted (SIGTERM)"; exit 143' TERM
