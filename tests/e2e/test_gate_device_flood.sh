#!/bin/bash
# A flood of announced devices must not fill the ledger. A vendor's client
# (the headless probe, on a permitted session) announcing 20000 drives in rdpdr Device List
# Announce PDUs leaves 32 device rows and one row counting the other 19968 in the session's
# ledger events (at most 1002 rows in all); the recording keeps every device. The ledger
# verifies. The probe waits up to 120 s for activation (/timeout): a logon costs one PBKDF2,
# slow under the sanitizers on a loaded machine.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

DEVICES=20000
bench_start_shadow 1024x768
today=$(product_today)
bench_check "ledger and permit set up" eval '
    product_init &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    product_vendor_account "Beta" beta beta-Pass1 &&
    product_permit Beta shadow "$today" "$today" >/dev/null' || exit 1
product_start_gate || bench_die "gate not listening: $(tail -n 3 "$PRODUCT_GATE_LOG")"

# --- a Device List Announce with tens of thousands of devices ------------------------------
"$BUILD/bench/rdp_probe" --seconds 3 --rdpdr-devices "$DEVICES" -- "/v:127.0.0.1:$PRODUCT_GATE_PORT" \
    /u:beta /p:beta-Pass1 /cert:ignore /bpp:24 /timeout:120000 >"$BENCH_DIR/devices.out" 2>&1
bench_expect_eq "devices: the vendor's session ran" 0 "$?"
bench_check "devices: the flood was sent" grep -q "sent a Device List Announce of $DEVICES devices" \
    "$BENCH_DIR/devices.out"
bench_check "devices: ledger closes the session" product_wait_sql \
    "SELECT COUNT(*) FROM session_ends e JOIN sessions s ON s.id = e.session_id WHERE s.login = 'beta'" 1 60
sid=$(product_sql "SELECT id FROM sessions WHERE login = 'beta'")
listed=$(product_sql "SELECT COUNT(*) FROM events WHERE session_id = $sid AND type = 'device_announced'
                      AND detail LIKE 'type=%'")
counted=$(product_sql "SELECT IFNULL(SUM(CAST(detail AS INTEGER)), 0) FROM events WHERE session_id = $sid
                       AND type = 'device_announced' AND detail LIKE '% more device(s)%'")
all=$(product_sql "SELECT COUNT(*) FROM events WHERE session_id = $sid")
echo "devices: $DEVICES announced: $listed listed, $counted counted, $all event rows for the session" >&2
bench_expect_eq "devices: the first 32 are listed" 32 "$listed"
bench_expect_eq "devices: one row counts the rest" $((DEVICES - 32)) "$counted"
bench_check "devices: the session has at most 1002 event rows ($all)" [ "$all" -le 1002 ]
rec=$(product_sql "SELECT recording_path FROM sessions WHERE id = $sid")
bench_expect_eq "devices: the recording keeps every device" "$DEVICES" \
    "$("$BUILD/rmgate-replay" events "$rec" 2>/dev/null | grep -c 'device_announced.*type=drive')"
bench_check "ledger verifies" "${PRODUCT_POLICY[@]}" verify

bench_stop "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the gate" "$PRODUCT_GATE_LOG" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
