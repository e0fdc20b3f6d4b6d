#!/bin/bash
# An mstsc-like client through the gate (../shared/notes/mstsc-interop.md: how to approximate
# mstsc with xfreerdp): NLA with the security-layer extension, network auto-detect, a Windows
# 11 build number, the graphics pipeline with AVC444 and progressive, a Japanese 106/109
# keyboard (layout 0x411, type 7, subtype 2, 12 function keys), auto-reconnect allowed, and
# the clipboard, sound and a drive offered as mstsc offers them by default.
# - The vendor logs on with NLA and sees the target's screen through the gate.
# - The gate keeps what the client said: the build in the ledger, the layout in the receipt;
#   and passes the keyboard on to the target (its receipt names it).
# - Clipboard, sound and drive redirection are refused and each refusal is in the receipt.
# - The JIS-only keys (半角/全角, 変換, 無変換, かな, ¥, ろ) typed by a client with that keyboard
#   are in the recording, and `rmgate-replay keys --layout jp` names them.
# - The user name forms mstsc users type (alice@vendor.example, VENDORCORP\alice, .\alice,
#   ALICE) all log on as the account alice with NLA (an unknown UPN is refused:
#   test_product_nla, whose gate runs without leak detection for WinPR's failed-NLA leak).
# - A client that announces heartbeat support receives Heartbeat PDUs with the configured
#   period (heartbeat_s).
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

bench_start_shadow 1024x768
today=$(product_today)
bench_check "key file, NLA account and permit set up" eval '
    product_init &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    product_secret_key &&
    product_vendor_account Acme acme acme-Pass1 --nla &&
    product_permit Acme shadow "$today" "$today" >/dev/null' || exit 1
# Heartbeats every second (default 30 s), so that a short session sees several.
PRODUCT_GATE_CONF="security = nla
heartbeat_s = 1" product_start_gate || bench_die "gate not listening"
GATE_LOG=$PRODUCT_GATE_LOG

# --- the mstsc-like xfreerdp ---------------------------------------------------------------------
mkdir -p "$BENCH_DIR/vendor-drive"
MSTSC=(/u:acme /p:acme-Pass1 /sec:nla +sec-ext /network:auto /client-build-number:22631
    /gfx:AVC444 +gfx-progressive /kbd:0x411 /kbd-type:7 /kbd-subtype:2 /kbd-fn-key:12
    +auto-reconnect +clipboard /sound "/drive:vendor,$BENCH_DIR/vendor-drive")
bench_start_xfreerdp 127.0.0.1 "$PRODUCT_GATE_PORT" "${MSTSC[@]}"
bench_check "mstsc profile: xfreerdp opens its window" bench_wait_client_window "$BENCH_XFREERDP_DISPLAY" 40
client=$BENCH_DIR/client.png target=$BENCH_DIR/target.png
bench_wait_similar "$BENCH_XFREERDP_DISPLAY" "$BENCH_SHADOW_DISPLAY" "$client" "$target" 0.90 30
bench_expect_similar "$client" "$target" 0.90 "mstsc profile: the client shows the target's screen through the gate"
bench_check "mstsc profile: the ledger has the NLA session" \
    product_wait_sql "SELECT COUNT(*) FROM sessions WHERE login = 'acme'" 1
bench_expect_eq "mstsc profile: the ledger keeps the client's build" "22631" \
    "$(product_sql "SELECT client_build FROM sessions WHERE login = 'acme'")"
bench_expect_log "mstsc profile: the receipt names the Japanese layout and NLA" "$GATE_LOG" \
    'session-start .*build=22631 .*layout=0x00000411 nla=yes' 10
for ch in cliprdr rdpsnd rdpdr; do
    bench_expect_log "mstsc profile: $ch offered and refused" "$GATE_LOG" "channel-denied name=$ch " 10
done
bench_expect_log "mstsc profile: the target is reached" "$GATE_LOG" 's[0-9]+ target-connected' 10
bench_check "mstsc profile: the client is still connected" bench_alive "$BENCH_XFREERDP_PID"
bench_stop_xfreerdp
bench_check "mstsc profile: the session ends as client_disconnect" product_wait_sql \
    "SELECT e.reason FROM session_ends e JOIN sessions s ON s.id = e.session_id WHERE s.login = 'acme'" \
    client_disconnect 20
bench_check "mstsc profile: nothing reached the vendor's drive" \
    eval '[ -z "$(ls -A "$BENCH_DIR/vendor-drive")" ]'

# --- the keys only a JIS keyboard has -------------------------------------------------------------
# Set-1 scancodes: 29 半角/全角, 79 変換, 7b 無変換, 70 カタカナ/ひらがな, 7d ¥, 73 ろ (\).
"$BUILD/bench/rdp_probe" --seconds 4 --keys 29,79,7b,70,7d,73 -- "/v:127.0.0.1:$PRODUCT_GATE_PORT" \
    /u:acme /p:acme-Pass1 /cert:ignore /timeout:120000 /sec:nla /kbd:0x411 /kbd-type:7 /kbd-subtype:2 \
    /kbd-fn-key:12 >"$BENCH_DIR/probe-jis.out" 2>&1
bench_expect_eq "JIS keys: the probe's session ran" 0 "$?"
# mstsc and the probe announce heartbeat support; the gate keeps an idle connection alive.
beats=$(sed -n 's/.* heartbeats=\([0-9]*\) heartbeat_period=\([0-9]*\).*/\1 \2/p' "$BENCH_DIR/probe-jis.out")
bench_log "heartbeats received by the probe (count, period): ${beats:-none}"
bench_check "heartbeats: the client receives Heartbeat PDUs with the configured period" \
    eval '[ -n "$beats" ] && [ "${beats% *}" -ge 2 ] && [ "${beats#* }" = 1 ]'
rec=$(product_sql "SELECT recording_path FROM sessions WHERE login = 'acme' ORDER BY id DESC LIMIT 1")
bench_check "JIS keys: the session is recorded" test -s "$rec"
bench_check "JIS keys: the recording is closed" product_wait_sql \
    "SELECT COUNT(*) FROM session_ends e JOIN sessions s ON s.id = e.session_id WHERE s.login = 'acme'" 2 30
"$BUILD/rmgate-replay" keys "$rec" --layout jp >"$BENCH_DIR/keys-jp.txt" 2>&1
bench_log "keys --layout jp: $(tr '\n' ' ' <"$BENCH_DIR/keys-jp.txt")"
bench_check "JIS keys: keys --layout jp names all six, in order" \
    grep -qF '<Hankaku/Zenkaku><Henkan><Muhenkan><Katakana/Hiragana>¥\' "$BENCH_DIR/keys-jp.txt"

# --- the user name forms of Microsoft clients ---------------------------------------------------
# NLA logons as a UPN, with the vendor's own Windows domain, with ".\", and in capitals: each is
# the account acme (the NTLM proof is checked against the name as sent), and the ledger names
# acme.
n=$(product_sql "SELECT COUNT(*) FROM sessions WHERE login = 'acme'")
for form in "/u:acme@vendor.example.co.jp" "/u:acme /d:VENDORCORP" "/u:acme /d:." "/u:ACME"; do
    # shellcheck disable=SC2086 # the form is two arguments on purpose
    product_probe 2 x acme-Pass1 /sec:nla $form >"$BENCH_DIR/probe-form.out" 2>&1
    probe_rc=$?
    n=$((n + 1))
    bench_check "user form '$form': NLA logon into acme's session" eval \
        '[ "$probe_rc" = 0 ] && product_wait_sql "SELECT COUNT(*) FROM sessions WHERE login = '"'"'acme'"'"'" "$n" 20'
done

bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify
bench_stop "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate or its workers" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
