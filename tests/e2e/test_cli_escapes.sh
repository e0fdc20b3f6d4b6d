#!/bin/bash
# Texts from outside never reach the officer's terminal raw. A ledger
# session whose client name (chosen by the vendor's client) holds ESC[2J, a newline, a BEL, a
# C1 CSI, a bidi override and an invalid byte, and a recording whose header, events and typed
# text hold the same, are shown by `rmgate-policy session list/show` (text and JSON) and by
# `rmgate-replay info/events/keys` (text and JSON) with every control escaped as \xHH (JSON:
# \u00XX) and the Japanese kept; a configuration value with an ESC is quoted escaped by
# `rmgate-proxy --check-config`, and an argument with one by rmgate-policy's error line.
. "$(dirname "$0")/lib/bench.sh"

DB=$BENCH_DIR/var/rmgate.db REC=$BENCH_DIR/hostile.pcap
mkdir -p -m 0700 "$BENCH_DIR/var"
sid=$(WLOG_LEVEL=WARN "$BUILD/bench/hostile_texts" "$DB" "$REC") || bench_die "hostile_texts failed"
POLICY=("$BUILD/rmgate-policy" -d "$DB")

# clean FILE: no control character but the line ends, no C1 or bidi control, valid UTF-8.
clean() {
    python3 - "$1" <<'PY'
import sys
text = open(sys.argv[1], 'rb').read().decode('utf-8', 'surrogateescape')
bad = [('byte %02X' % (ord(c) - 0xDC00)) if 0xDC80 <= ord(c) <= 0xDCFF else 'U+%04X' % ord(c)
       for c in text if (ord(c) < 0x20 and c != '\n') or 0x7f <= ord(c) <= 0x9f
       or c in '\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069'
       or 0xDC80 <= ord(c) <= 0xDCFF]
if bad:
    sys.exit('raw control(s) or invalid UTF-8: %s' % ', '.join(bad[:8]))
PY
}
# output NAME CMD...: runs CMD (stdout and stderr into $BENCH_DIR/NAME), then checks it is clean.
output() {
    local name=$1
    shift
    "$@" >"$BENCH_DIR/$name" 2>&1
    bench_check "$name: no raw control character in the output" clean "$BENCH_DIR/$name"
}
ESCAPED='evil\x1B[2J\x0Aname\x07\xC2\x9B2J日本\xE2\x80\xAE\xFF'

output "session list" "${POLICY[@]}" session list
bench_check "session list: the client name is shown escaped, Japanese kept" \
    grep -qF -- "$ESCAPED" "$BENCH_DIR/session list"
output "session show" "${POLICY[@]}" session show "$sid"
bench_expect_eq "session show: the client name is one line, escaped" 1 \
    "$(grep -cF -- "client_name      $ESCAPED" "$BENCH_DIR/session show")"
bench_check "session show: the event detail is escaped" grep -qF -- "client  $ESCAPED" "$BENCH_DIR/session show"
output "session show --json" "${POLICY[@]}" session show "$sid" --json
bench_check "session show --json: valid JSON" python3 -c 'import json,sys; json.load(sys.stdin)' \
    <"$BENCH_DIR/session show --json"
bench_check "session show --json: the controls are \\u00XX, Japanese kept" grep -qF -- \
    '"client_name": "evil\u001b[2J\nname\u0007\u009b2J日本\u202e\u00ff"' "$BENCH_DIR/session show --json"
output "session list --json" "${POLICY[@]}" session list --json
output "policy error line" "${POLICY[@]}" session show $'1\e[2J'
bench_check "policy error line: the argument is quoted escaped" grep -qF -- '1\x1B[2J' "$BENCH_DIR/policy error line"

output "replay info" "$BUILD/rmgate-replay" info "$REC"
bench_check "replay info: the session id is one escaped line" grep -qxF -- "session       $ESCAPED" \
    "$BENCH_DIR/replay info"
bench_check "replay info: the end reason is escaped" grep -qxF -- "end reason    $ESCAPED" "$BENCH_DIR/replay info"
output "replay events" "$BUILD/rmgate-replay" events "$REC"
bench_check "replay events: the detail is escaped" grep -qF -- "client           $ESCAPED" \
    "$BENCH_DIR/replay events"
output "replay events --json" "$BUILD/rmgate-replay" events "$REC" --json
bench_check "replay events --json: valid JSON" python3 -c 'import json,sys; json.load(sys.stdin)' \
    <"$BENCH_DIR/replay events --json"
output "replay keys" "$BUILD/rmgate-replay" keys "$REC"
bench_check "replay keys: typed ESC and BEL are shown as code points" grep -qF -- 'ok<U+001B>[2J<U+0007>' \
    "$BENCH_DIR/replay keys"

printf '[gate]\nmax_sessions = 5\033[2J\a\n' >"$BENCH_DIR/bad.conf"
output "check-config" "$BUILD/rmgate-proxy" --check-config -c "$BENCH_DIR/bad.conf"
bench_check "check-config: the bad value is quoted escaped" grep -qF -- '5\x1B[2J\x07' "$BENCH_DIR/check-config"
