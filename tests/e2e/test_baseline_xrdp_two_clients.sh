#!/bin/bash
# Baseline: two clients one after the other on one xrdp target, as gate tests
# that compare connections do. xfreerdp -clipboard /smartcard, then (after
# ending its session) rdesktop with a drive: each connection's report is its
# own (channels per connection; chansrv devices of the current session only),
# and the second login gets a fresh session, not the first one's.
. "$(dirname "$0")/lib/bench.sh"

bench_start_xrdp
bench_start_xfreerdp 127.0.0.1 "$BENCH_XRDP_PORT" \
    "/u:$BENCH_XRDP_USER" "/p:$BENCH_XRDP_PASS" -clipboard /smartcard
bench_check "first session starts" bench_xrdp_wait_session 40 1 || exit 1
bench_check "first: smart card detected" bench_xrdp_wait_device smartcard SCARD 20
first=$(bench_xrdp_channels)
bench_expect_no_word "first: xrdp did not add cliprdr (-clipboard)" cliprdr "$first"
bench_expect_word "first: xrdp added rdpdr" rdpdr "$first"

bench_stop_xfreerdp
bench_xrdp_end_sessions
bench_check "first session's Xvnc ended" test -z "$(bench_xrdp_xvnc_pids)"

bench_start_rdesktop 127.0.0.1 "$BENCH_XRDP_PORT" -u "$BENCH_XRDP_USER" -p "$BENCH_XRDP_PASS" \
    -r "disk:second=$BENCH_DIR" -r clipboard:off
bench_check "second session starts" bench_xrdp_wait_session 40 2 || exit 1
bench_check "second: drive detected" bench_xrdp_wait_device drive second 20
bench_expect_eq "channels of the first connection unchanged" "$first" "$(bench_xrdp_channels 1)"
bench_expect_word "second: xrdp added snddbg (rdesktop)" snddbg "$(bench_xrdp_channels)"
bench_check "second: chansrv log settles" bench_wait_quiet "$BENCH_CHANSRV_DIR" 2 30
bench_expect_eq "second: devices are the second client's only" "drive second" "$(bench_xrdp_devices)"
