#!/bin/bash
# The three command lines read their options the Unix way (getopt_long): --opt=VALUE and
# --opt VALUE, options before or after the operands, and a usage error (exit 2, one line
# naming the option) for an unknown option or a missing value. No gate, target or client.
. "$(dirname "$0")/lib/bench.sh"

mkdir -p -m 0700 "$BENCH_DIR/var"
DB=$BENCH_DIR/var/rmgate.db
POLICY=("$BUILD/rmgate-policy" -d "$DB")
OUT=$BENCH_DIR/out ERR=$BENCH_DIR/err
# run EXPECTED_STATUS CMD...: runs CMD, stdout in $OUT and stderr in $ERR; true when the
# exit status is EXPECTED_STATUS.
run() {
    local want=$1
    shift
    "$@" >"$OUT" 2>"$ERR"
    [ "$?" = "$want" ]
}
# is_usage_error MESSAGE CMD...: exit 2 and exactly one stderr line, holding MESSAGE.
is_usage_error() {
    local message=$1
    shift
    run 2 "$@" && grep -qF -- "$message" "$ERR" && [ "$(wc -l <"$ERR")" = 1 ]
}
usage_error() {
    local name=$1
    shift
    bench_check "$name" is_usage_error "$@"
}

# rmgate-proxy
printf '[gate]\nvar_dir = %s/var\nlisten = 127.0.0.1:1\n' "$BENCH_DIR" >"$BENCH_DIR/gate.conf"
bench_check "proxy: --config=FILE --listen=ADDR" eval \
    'run 0 "$BUILD/rmgate-proxy" --check-config --config="$BENCH_DIR/gate.conf" --listen=127.0.0.1:2 &&
     grep -qF "configuration OK" "$OUT"'
bench_check "proxy: -c FILE after --check-config, --listen ADDR" eval \
    'run 0 "$BUILD/rmgate-proxy" --listen 127.0.0.1:2 --check-config -c "$BENCH_DIR/gate.conf"'
usage_error "proxy: an unknown option is named" "unknown option '--frob'" \
    "$BUILD/rmgate-proxy" --check-config --frob
usage_error "proxy: a missing value is named" "missing value for option '--listen'" \
    "$BUILD/rmgate-proxy" -c "$BENCH_DIR/gate.conf" --check-config --listen
usage_error "proxy: an option is not a value" "missing value for option '--target'" \
    "$BUILD/rmgate-proxy" --target --check-config
usage_error "proxy: a stray argument is refused" "unexpected argument 'now'" "$BUILD/rmgate-proxy" now

# rmgate-policy
bench_check "policy: init with --database=DB" eval 'run 0 "$BUILD/rmgate-policy" --database="$DB" init'
bench_check "policy: --officer=NAME before the operand" eval \
    'run 0 "${POLICY[@]}" section add --officer=山田 情報政策課 && run 0 "${POLICY[@]}" section list --json &&
     grep -qF "\"officer\": \"山田\"" "$OUT"'
bench_check "policy: options after the operand, in any order" eval \
    'run 0 "${POLICY[@]}" vendor add Acme && run 0 "${POLICY[@]}" vendor add SubCo --prime Acme'
usage_error "policy: an unknown option is named" "vendor list: unknown option '--frob'" \
    "${POLICY[@]}" vendor list --frob
usage_error "policy: a missing value is named" "permit revoke: option --reason needs a value" \
    "${POLICY[@]}" permit revoke 1 --by 山田 --reason
usage_error "policy: a global option without its value" "option --database needs a value" \
    "$BUILD/rmgate-policy" --database
bench_check "policy: --help after the command" eval \
    'run 0 "${POLICY[@]}" permit revoke --help && grep -qF "Usage: rmgate-policy" "$OUT"'

# rmgate-replay (the recording is not needed to reach these errors)
usage_error "replay: an unknown option is named" "unknown option '--frob'" \
    "$BUILD/rmgate-replay" info "$BENCH_DIR/none.pcap" --frob
usage_error "replay: a missing value is named" "option --at needs a value" \
    "$BUILD/rmgate-replay" frame -o "$BENCH_DIR/x.png" "$BENCH_DIR/none.pcap" --at
bench_check "replay: --opt=VALUE and options first reach the file" eval \
    'run 1 "$BUILD/rmgate-replay" --tz=UTC --output="$BENCH_DIR/x.png" --at=end frame "$BENCH_DIR/none.pcap" &&
     grep -qF "cannot open" "$ERR"'

# rmgate-web: rmgate.conf's [web] section and [gate]'s var_dir, the command line on top
WEB_PORT=$(bench_free_port) || bench_die "no free port"
printf '[gate]\nvar_dir = %s\nmax_sessions = 3\n[web]\nlisten = 127.0.0.1:%s\nidle_timeout = 600\n' \
    "$BENCH_DIR/var" "$WEB_PORT" >"$BENCH_DIR/web.conf"
bench_check "web: --check-config reads [web] and the gate's var_dir, and generates the certificate" eval \
    'run 0 "$BUILD/rmgate-web" -c "$BENCH_DIR/web.conf" --check-config &&
     grep -qF "configuration ok: https://127.0.0.1:$WEB_PORT/, database $DB, certificate $BENCH_DIR/var/web.crt" "$OUT" &&
     test -s "$BENCH_DIR/var/web.crt"'
bench_check "web: the command line overrides the file" eval \
    'run 0 "$BUILD/rmgate-web" --config="$BENCH_DIR/web.conf" --listen 127.0.0.1:1 --check-config &&
     grep -qF "https://127.0.0.1:1/" "$OUT"'
bench_check "gate: the same file is the gate's (its [web] section skipped)" \
    run 0 "$BUILD/rmgate-proxy" -c "$BENCH_DIR/web.conf" --check-config
printf '[web]\nlisten = 127.0.0.1:%s\nidle_timeout = 5\n' "$WEB_PORT" >"$BENCH_DIR/bad-web.conf"
bench_check "web: a bad [web] value is one line naming file, line and key (exit 1)" eval \
    'run 1 "$BUILD/rmgate-web" -c "$BENCH_DIR/bad-web.conf" --check-config &&
     [ "$(wc -l <"$ERR")" = 1 ] && grep -qF "bad-web.conf: line 3: idle_timeout: give seconds in 60..86400" "$ERR"'
usage_error "web: an unknown option is named" "unknown option --frob" "$BUILD/rmgate-web" --frob
bench_spawn web "$BUILD/rmgate-web" -c "$BENCH_DIR/web.conf"
bench_check "web: serves HTTPS on the configured address" eval \
    'bench_wait_port "$WEB_PORT" 30 && python3 -c "import ssl, sys, urllib.request as u; sys.stdout.write(u.urlopen(sys.argv[1], context=ssl._create_unverified_context()).read().decode())" "https://127.0.0.1:$WEB_PORT/login" >"$OUT" && grep -qF "ログイン" "$OUT"'
bench_stop "$BENCH_PID"
