# shellcheck shell=bash
# Results: one "PASS: name", "FAIL: name: why" or "SKIP: name: why" line per
# check on the script's own stdout ($BENCH_OUT, even from inside a redirected
# command), the counters the cleanup turns into the exit status, and the
# checks and expectations built on them. Progress lines go to $BENCH_ERR.
# Part of the bench: sourced by lib/bench.sh, which opens BENCH_OUT/BENCH_ERR.

BENCH_PASSED=0
BENCH_FAILED=0

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
