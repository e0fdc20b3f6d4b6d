#!/bin/bash
# The console's page times on a city's database after years of use (issue 15: every page
# <= 100 ms of server time with 10,000 permits and 1,000,000 sessions). Builds the database
# once with build/bench/web_bigdb (the library's own rules and ledger chain; minutes) and
# keeps it in $BUILD/bench-cache; each run works on a copy. Figures only.
#   tests/bench/web_pages.sh [PERMITS] [SESSIONS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
PERMITS=${1:-10000} SESSIONS=${2:-1000000} ROUNDS=${3:-10}
CACHE=$BUILD/bench-cache/web-$PERMITS-$SESSIONS.db
RUN=$(mktemp -d "${TMPDIR:-/tmp}/rmgate-web-bench.XXXXXX")
chmod 0700 "$RUN"
web_pid=
cleanup() { [ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$RUN"; }
trap cleanup EXIT

if [ ! -s "$CACHE" ]; then
    mkdir -p "$(dirname "$CACHE")"
    echo "web bench: building $CACHE ($PERMITS permits, $SESSIONS sessions; once)"
    rm -f "$CACHE.tmp"
    WLOG_LEVEL=WARN "$BUILD/bench/web_bigdb" "$CACHE.tmp" --permits "$PERMITS" --sessions "$SESSIONS"
    mv "$CACHE.tmp" "$CACHE"
fi
cp "$CACHE" "$RUN/rmgate.db"
POLICY=("$BUILD/rmgate-policy" -d "$RUN/rmgate.db")
"${POLICY[@]}" init >/dev/null # a cached database of an older schema is migrated (docs/policy.md)
for who in "deputy approver" "audit auditor" "officer applicant --section 情報政策課"; do
    set -- $who
    echo "bench-staff-pass" | "${POLICY[@]}" staff add "$1" --role $2 "${@:3}" --password-stdin >/dev/null
done
sql() { sqlite3 "$RUN/rmgate.db" "$1"; }
PERMIT=$(sql "SELECT id FROM permits WHERE state='approved' ORDER BY id DESC LIMIT 1")
OWN_PERMIT=$(sql "SELECT p.id FROM permits p JOIN sections s ON s.id = p.section_id WHERE s.name = '情報政策課' ORDER BY p.id DESC LIMIT 1")
SESSION=$(sql "SELECT id FROM sessions ORDER BY id DESC LIMIT 1 OFFSET 5000")
SECTION=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' 情報政策課)
MONTH=2026-11

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BUILD/rmgate-web" --database "$RUN/rmgate.db" --var-dir "$RUN" --listen "127.0.0.1:$PORT" >"$RUN/web.log" 2>&1 &
web_pid=$!
for _ in $(seq 300); do (exec 9<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

echo "web bench: $(sql 'SELECT COUNT(*) FROM permits') permits, $(sql 'SELECT COUNT(*) FROM sessions') sessions," \
     "$(sql "SELECT COUNT(*) FROM events WHERE type LIKE 'refused%'") refusal rows, $(du -m "$RUN/rmgate.db" | cut -f1) MB;" \
     "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
COMMON="/,/permits,/permits?page=50,/permits?state=approved,/permits/$PERMIT,/sessions?month=$MONTH,/sessions?month=$MONTH&page=100,/sessions/$SESSION,/refusals?month=$MONTH,/refusals?month=$MONTH&page=5,/reports?month=$MONTH"
python3 tests/bench/web_pages.py "https://127.0.0.1:$PORT" "$ROUNDS" \
    "approver:deputy:bench-staff-pass:$COMMON,/reports/monthly.html?month=$MONTH&section=$SECTION,/reports/monthly.csv?month=$MONTH,/reports/register.csv?month=$MONTH" \
    "auditor:audit:bench-staff-pass:/,/sessions?month=$MONTH" \
    "applicant:officer:bench-staff-pass:/,/permits,/permits/$OWN_PERMIT,/sessions?month=$MONTH,/refusals?month=$MONTH,/reports/monthly.html?month=$MONTH"
echo "web bench: at its start the console $(grep -h 'ledger checked' "$RUN/web.log" | sed 's/^rmgate-web: //')"
echo "web bench: load average $(cut -d' ' -f1-3 /proc/loadavg) after the run"
