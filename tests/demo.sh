#!/bin/bash
# `make run`: the gate on its embedded default, in front of a local demo target.
#
# 1. A demo target: freerdp-shadow on a virtual X display showing a live clock
#    a terminal running top (secure mode) and one that echoes typing (no shell), on 127.0.0.1:${RMGATE_DEMO_TARGET_PORT:-33890}.
# 2. The database ./var/rmgate.db (the gate's default) gets, once, a demo section,
#    vendor, system (the demo target) and account, and, whenever none covers today, an
#    approved permit until the end of the fiscal year.
# 3. Demo staff, one per role (once), and the staff console rmgate-web on
#    https://127.0.0.1:${RMGATE_DEMO_WEB_PORT:-8443}/ in the background.
# 4. The gate runs in the foreground on the embedded default (./var, loopback).
# It prints how to connect, list the ledger and replay the recording, and the console's logins.
# Ctrl-C stops the gate, the console and the demo target.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
VAR=$PWD/var
RUN=$VAR/demo
TARGET_PORT=${RMGATE_DEMO_TARGET_PORT:-33890}
GATE_LISTEN=127.0.0.1:3389   # the embedded default
WEB_PORT=${RMGATE_DEMO_WEB_PORT:-8443}
DB=$VAR/rmgate.db
POLICY="$BUILD/rmgate-policy -d $DB"
LOGIN=demo PASSWORD=demo-pass
mkdir -p -m 0700 "$VAR" "$RUN"

pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$TARGET_PORT" "${GATE_LISTEN##*:}" "$WEB_PORT"; do
    if port_busy "$port"; then
        echo "make run: port $port on 127.0.0.1 is already in use (another gate, xrdp?); stop it first." >&2
        exit 1
    fi
done

# --- the demo target ---------------------------------------------------------------
exec 3>"$RUN/xvfb.display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >"$RUN/xvfb.log" 2>&1 &
pids+=($!)
exec 3>&-
for _ in $(seq 100); do [ -s "$RUN/xvfb.display" ] && break; sleep 0.05; done
display=":$(cat "$RUN/xvfb.display")"
DISPLAY=$display xclock -update 1 -geometry 300x300+20+20 >/dev/null 2>&1 & pids+=($!)
DISPLAY=$display xterm -geometry 100x30+340+20 -e top -s >/dev/null 2>&1 & pids+=($!)
# A terminal that only echoes what is typed (no shell: the demo gives no one a shell here).
DISPLAY=$display xterm -geometry 60x12+20+360 -T 'type here' -e cat >/dev/null 2>&1 & pids+=($!)
HOME=$RUN DISPLAY=$display freerdp-shadow-cli /bind-address:127.0.0.1 /port:"$TARGET_PORT" \
    -auth /sec:tls >"$RUN/shadow.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do port_busy "$TARGET_PORT" && break; sleep 0.05; done
port_busy "$TARGET_PORT" || { echo "make run: the demo target did not start (see $RUN/shadow.log)" >&2; exit 1; }
# The gate checks the target's certificate: pin the demo target's own.
target_pin=$(openssl x509 -in "$RUN/.config/freerdp/shadow/shadow.crt" -noout -fingerprint -sha256 \
    | sed 's/.*=/sha256:/')

# --- the demo data (once) and a permit covering today (again after the fiscal year ends) -----
today=$(TZ=Asia/Tokyo date +%F)
if [ ! -f "$DB" ]; then
    $POLICY init >/dev/null
    $POLICY section add "Demo Section" --officer "Demo Officer" >/dev/null
    $POLICY vendor add "Demo Vendor" >/dev/null
    $POLICY system add demo --class lgwan --host 127.0.0.1 --port "$TARGET_PORT" \
        --section "Demo Section" --idle-timeout 15 --networks 127.0.0.0/8 ::1 >/dev/null
    printf '%s\n' "$PASSWORD" | $POLICY account add "Demo Vendor" "$LOGIN" --password-stdin >/dev/null
    echo "Demo data: vendor 'Demo Vendor', account '$LOGIN' (password '$PASSWORD'), system 'demo'."
else
    # A ./var from an earlier version: migrate it (docs/deploy.md), and give the demo's Table 1
    # system the networks a migrated system lacks (without them the gate refuses it).
    $POLICY init >/dev/null || exit 1
    if $POLICY system list --json | python3 -c '
import json, sys
sys.exit(0 if any(s["name"] == "demo" and not s["networks"] for s in json.load(sys.stdin)) else 1)'; then
        $POLICY system set demo --networks 127.0.0.0/8 ::1 --by "make run" >/dev/null
    fi
fi
demo_permit_today() {
    $POLICY permit list --json | python3 -c '
import json, sys
today = sys.argv[1]
ok = any(p["vendor"] == "Demo Vendor" and p["state"] == "approved"
         and p["from_date"] <= today <= p["to_date"] for p in json.load(sys.stdin))
sys.exit(0 if ok else 1)' "$today"
}
if ! demo_permit_today; then
    year=$(TZ=Asia/Tokyo date +%Y); month=$(TZ=Asia/Tokyo date +%-m)
    fy_end=$(( month >= 4 ? year + 1 : year ))-03-31   # a permit stays inside one fiscal year
    permit=$($POLICY permit apply --vendor "Demo Vendor" --system demo --section "Demo Section" \
        --purpose "demonstration" --from "$today" --to "$fy_end" \
        --contract-from "$today" --contract-to "$fy_end" --table 1 --confirm-all)
    $POLICY permit decide "$permit" --approve --by "Demo Deputy CISO" >/dev/null
    echo "Demo permit $permit approved, $today to $fy_end."
fi

# An application waiting for the deputy CISO's decision in the console (again whenever none waits).
if ! $POLICY permit list --state applied --json | grep -q '"vendor": "Demo Vendor"'; then
    year=$(TZ=Asia/Tokyo date +%Y); month=$(TZ=Asia/Tokyo date +%-m)
    fy_end=$(( month >= 4 ? year + 1 : year ))-03-31
    waiting=$($POLICY permit apply --vendor "Demo Vendor" --system demo --section "Demo Section" \
        --purpose "定期保守（コンソールで決定するデモの申請）" --from "$today" --to "$fy_end" \
        --contract-from "$today" --contract-to "$fy_end" --table 1 --confirm-all --by "Demo Officer")
    echo "Demo application $waiting waits for a decision in the console."
fi

# --- demo staff (once) and the console -------------------------------------------------------
STAFF_PASSWORD=demo-staff-pass
if [ "$($POLICY staff list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ]; then
    for who in "deputy approver 副統括情報セキュリティ責任者" "officer applicant 情報セキュリティ責任者" \
        "auditor auditor 監査担当" "admin admin システム管理者"; do
        set -- $who
        section=()
        [ "$2" = applicant ] && section=(--section "Demo Section")
        printf '%s\n' "$STAFF_PASSWORD" |
            $POLICY staff add "$1" --role "$2" "${section[@]}" --name "$3" --password-stdin --by "make run" >/dev/null
    done
fi
"$BUILD/rmgate-web" --var-dir "$VAR" --listen "127.0.0.1:$WEB_PORT" >"$RUN/web.log" 2>&1 &
pids+=($!)

month=$(TZ=Asia/Tokyo date +%Y-%m)
cat <<MSG

Demo target: freerdp-shadow on display $display, 127.0.0.1:$TARGET_PORT (log $RUN/shadow.log)
The gate listens on $GATE_LISTEN (embedded default; database, recordings, certificate in ./var),
and accepts only the demo target's certificate ($target_pin).

  Connect:   xfreerdp /v:$GATE_LISTEN /u:$LOGIN /p:$PASSWORD /cert:ignore
  Ledger:    $POLICY session list
             $POLICY report register --month $month --format csv
  Replay:    $BUILD/rmgate-replay info var/recordings/<recording>.pcap
             $BUILD/rmgate-replay frame var/recordings/<recording>.pcap --at end -o last.png

Staff console: https://127.0.0.1:$WEB_PORT/ (its own self-signed certificate; log $RUN/web.log)
  Logins (password '$STAFF_PASSWORD'): deputy (approver), officer (applicant, Demo Section),
  auditor (auditor), admin (admin). As deputy: 許可 → the application waiting → 許可する.

Ctrl-C stops the gate, the console and the demo target.
MSG
"$BUILD/rmgate-proxy" --target-cert "$target_pin" &
pids+=($!)
wait "${pids[-1]}"
