#!/bin/bash
# `make run`: starts a local demo target (freerdp-shadow on a virtual X display
# showing a live clock and a terminal running top) and the gate in front of it,
# on the embedded default configuration, then prints how to connect.
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUN=${RMGATE_DEMO_DIR:-$PWD/var/demo}
GATE_LISTEN=${RMGATE_DEMO_LISTEN:-127.0.0.1:3389}
mkdir -p -m 0700 "$RUN"

pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A virtual display; Xvfb picks a free display number and writes it to fd 3.
exec 3>"$RUN/xvfb.display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >"$RUN/xvfb.log" 2>&1 &
pids+=($!)
exec 3>&-
for _ in $(seq 100); do [ -s "$RUN/xvfb.display" ] && break; sleep 0.05; done
display=":$(cat "$RUN/xvfb.display")"

DISPLAY=$display xclock -update 1 -geometry 300x300+20+20 >/dev/null 2>&1 & pids+=($!)
DISPLAY=$display xterm -geometry 100x30+340+20 -e top >/dev/null 2>&1 & pids+=($!)

target_port=$(free_port)
HOME=$RUN DISPLAY=$display freerdp-shadow-cli /bind-address:127.0.0.1 /port:"$target_port" \
    -auth /sec:tls >"$RUN/shadow.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
    grep -q "Listening on" "$RUN/shadow.log" 2>/dev/null && break
    (exec 9<>"/dev/tcp/127.0.0.1/$target_port") 2>/dev/null && break
    sleep 0.05
done

cat <<MSG
Demo target: freerdp-shadow on display $display, port $target_port (log $RUN/shadow.log)
MSG

if ! "$BUILD/rmgate-proxy" --help 2>/dev/null | grep -q -- '--target'; then
    echo "The gate is not built yet (it lands with the gate issue). Press Ctrl-C to stop the demo target."
    wait
    exit 0
fi

echo "Gate: listening on $GATE_LISTEN, in front of the demo target."
echo "Connect with:  xfreerdp /v:$GATE_LISTEN /u:demo /p:demo /cert:ignore"
"$BUILD/rmgate-proxy" --listen "$GATE_LISTEN" --target "127.0.0.1:$target_port" &
pids+=($!)
wait "${pids[-1]}"
