#!/bin/bash
# Runs the unit tests (cmocka binaries in $BUILD/tests) and then the e2e tests
# (tests/e2e/test_*.sh), and ends with one line: "N passed, N failed".
#
# An e2e script reports each check as a line "PASS: name" or "FAIL: name: why"
# (tests/e2e/lib/bench.sh does that); a script that exits non-zero without
# reporting a FAIL counts as one failure. Logs go to $BUILD/test-logs/.
#   tests/run-tests.sh [--unit | --e2e] [NAME-FILTER]
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BUILD=$(cd "$BUILD" && pwd)
export BUILD
# The tests read the programs' English (the C locale's messages, common/i18n.h) unless they set
# a language themselves (test_i18n_*: LC_ALL= LANG=ja_JP.UTF-8): a machine whose environment
# says Japanese must not turn every other test's expectations into Japanese.
export LC_ALL=C.UTF-8
unset LANGUAGE
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"

want_unit=1 want_e2e=1 filter=""
case "${1:-}" in
    --unit) want_e2e=0; shift ;;
    --e2e) want_unit=0; shift ;;
esac
filter=${1:-}

if [ "${SAN:-}" = 1 ]; then
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=66:suppressions=$PWD/tests/asan.supp"
    export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/tests/ubsan.supp"
fi

passed=0 failed=0 skipped=0
failures=()

run_unit() {
    local bin=$1 name log out p f
    name=$(basename "$bin")
    log=$LOGS/$name.log
    "$bin" >"$log" 2>&1
    local rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" != 0 ]; then
        failures+=("$name")
        echo "FAIL unit $name ($p passed, $f failed; log $log)"
        tail -n 30 "$log" | sed 's/^/    /'
    else
        echo "ok   unit $name ($p tests)"
    fi
}

run_e2e() {
    local script=$1 name log p f s rc
    name=$(basename "$script" .sh)
    log=$LOGS/$name.log
    echo "...  e2e  $name"
    timeout --kill-after=20 600 bash "$script" >"$log" 2>&1
    rc=$?
    p=$(grep -c '^PASS: ' "$log")
    f=$(grep -c '^FAIL: ' "$log")
    s=$(grep -c '^SKIP: ' "$log")
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1; echo "FAIL: $name: exited with status $rc" >>"$log"
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    if [ "$f" != 0 ]; then
        failures+=("$name")
        echo "FAIL e2e  $name ($p passed, $f failed; log $log)"
        grep -E '^(FAIL|SKIP): ' "$log" | sed 's/^/    /'
        tail -n 40 "$log" | sed 's/^/    | /'
    else
        echo "ok   e2e  $name ($p checks)"
        grep '^SKIP: ' "$log" | sed 's/^/    /'
    fi
}

if [ $want_unit = 1 ]; then
    for bin in "$BUILD"/tests/test_*; do
        [ -x "$bin" ] || continue
        case "$(basename "$bin")" in *"$filter"*) run_unit "$bin" ;; esac
    done
fi
if [ $want_e2e = 1 ]; then
    for script in tests/e2e/test_*.sh; do
        [ -f "$script" ] || continue
        case "$(basename "$script")" in *"$filter"*) run_e2e "$script" ;; esac
    done
fi

[ ${#failures[@]} = 0 ] || echo "failed: ${failures[*]}"
if [ "$skipped" != 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
