# product.sh: helpers for e2e tests of the whole product (gate + permits + ledger +
# recordings), sourced after bench.sh. The gate runs in product mode (no fixed
# target): every connection is decided by the permit database.
#
# product_init                         creates $PRODUCT_DB with a section "Ops"
# product_system NAME PORT [ARGS...]   adds an lgwan system on 127.0.0.1:PORT whose networks
#                                      (Table 1: where its vendors connect from) are loopback
# product_vendor_account VENDOR LOGIN PASSWORD [ARGS...]  ARGS go to 'account add' (--nla:
#                                      an NLA account; needs the key file, product_secret_key)
# product_secret_key                   creates the secret key file beside $PRODUCT_DB
# product_permit VENDOR SYSTEM FROM TO [ARGS...]  applies + approves; prints the id
# product_permit_ended VENDOR SYSTEM  an approved permit whose period was yesterday; prints the id
# product_start_gate [NAME=gate]       starts rmgate-proxy (again on the same port after a
#                                      first start); sets PRODUCT_GATE_PORT/PID/LOG; lines in
#                                      PRODUCT_GATE_CONF are added to its [gate] section, and
#                                      PRODUCT_GATE_ASAN to its ASAN_OPTIONS; PRODUCT_TARGET_CERT
#                                      is its target_cert (default ignore; none = key left out)
# product_sql SQL                      one query on the ledger (sqlite3, read-only)
# product_probe SECONDS LOGIN PASSWORD [ARGS...]  the headless client, in the foreground; it
#                                      waits up to 120 s for activation (sanitizer builds are slow)
# product_wait_sql SQL EXPECTED [TIMEOUT=20]      polls until the query prints EXPECTED
# product_wait_true TIMEOUT CMD...             polls until CMD succeeds
# product_worker_of LOGIN              the pid of the worker process of LOGIN's newest session

PRODUCT_DB=$BENCH_DIR/var/rmgate.db
PRODUCT_POLICY=("$BUILD/rmgate-policy" -d "$PRODUCT_DB")

product_today() { TZ=Asia/Tokyo date -d "${1:-today}" +%F; }

product_init() {
    mkdir -p -m 0700 "$BENCH_DIR/var"
    "${PRODUCT_POLICY[@]}" init >/dev/null &&
        "${PRODUCT_POLICY[@]}" section add Ops --officer "Officer Ito" >/dev/null
}

product_system() {
    local name=$1 port=$2
    shift 2
    "${PRODUCT_POLICY[@]}" system add "$name" --class lgwan --host 127.0.0.1 --port "$port" \
        --section Ops --networks 127.0.0.0/8 ::1 "$@" >/dev/null
}

product_vendor_account() {
    local vendor=$1 login=$2 password=$3
    shift 3
    "${PRODUCT_POLICY[@]}" vendor add "$vendor" >/dev/null 2>&1
    printf '%s\n' "$password" |
        "${PRODUCT_POLICY[@]}" account add "$vendor" "$login" --password-stdin "$@" >/dev/null
}

product_secret_key() {
    "${PRODUCT_POLICY[@]}" secret-key init --by e2e >/dev/null
}

product_permit() {
    local vendor=$1 system=$2 from=$3 to=$4 id
    shift 4
    id=$("${PRODUCT_POLICY[@]}" permit apply --vendor "$vendor" --system "$system" --section Ops \
        --purpose "e2e test" --from "$from" --to "$to" --contract-from "$from" \
        --contract-to "$to" --table 1 --confirm-all "$@") || return 1
    "${PRODUCT_POLICY[@]}" permit decide "$id" --approve --by "Deputy CISO" >/dev/null || return 1
    echo "$id"
}

# Approving a period that is already over is refused (rule period-ended), so the permit is
# approved for today and its period then moved back one day, as a day passing would do.
product_permit_ended() {
    local id
    id=$(product_permit "$1" "$2" "$(product_today)" "$(product_today)") || return 1
    sqlite3 "$PRODUCT_DB" "UPDATE permits SET from_date = '$(product_today yesterday)',
        to_date = '$(product_today yesterday)', window_start_us = window_start_us - 86400000000,
        window_end_us = window_end_us - 86400000000 WHERE id = $id" || return 1
    echo "$id"
}

product_start_gate() {
    local name=${1:-gate} cert=${PRODUCT_TARGET_CERT:-ignore} lines=()
    [ -n "${PRODUCT_GATE_PORT:-}" ] || PRODUCT_GATE_PORT=$(bench_free_port) || bench_die "no free port"
    PRODUCT_GATE_LOG=$BENCH_DIR/$name.log
    [ "$cert" = none ] || lines+=("target_cert = $cert")
    [ -z "${PRODUCT_GATE_CONF:-}" ] || lines+=("$PRODUCT_GATE_CONF")
    BENCH_GATE_ASAN=${PRODUCT_GATE_ASAN:-} bench_start_gate "$name" "$PRODUCT_GATE_PORT" "${lines[@]}"
    PRODUCT_GATE_PID=$BENCH_PID
}

product_sql() { sqlite3 -readonly "$PRODUCT_DB" "$1"; }

product_wait_sql() {
    local sql=$1 want=$2 timeout=${3:-20} i got
    for i in $(seq $((timeout * 5))); do
        got=$(product_sql "$sql" 2>/dev/null)
        [ "$got" = "$want" ] && return 0
        sleep 0.2
    done
    echo "'$sql' gave '$got', not '$want', within ${timeout}s" >&2
    return 1
}

product_probe() {
    local seconds=$1 login=$2 password=$3
    shift 3
    "$BUILD/bench/rdp_probe" --seconds "$seconds" -- "/v:127.0.0.1:$PRODUCT_GATE_PORT" \
        "/u:$login" "/p:$password" /cert:ignore /timeout:120000 "$@"
}

# product_wait_true TIMEOUT CMD...: polls CMD until it succeeds.
product_wait_true() {
    local timeout=$1 i
    shift
    for i in $(seq $((timeout * 5))); do
        "$@" && return 0
        sleep 0.2
    done
    echo "'$*' not true within ${timeout}s" >&2
    return 1
}

# product_worker_of LOGIN: from the gate log's lines "sN admitted: user="LOGIN"" (the worker)
# and "sN: connection from ..., worker PID" (the monitor).
product_worker_of() {
    local sid
    sid=$(sed -n "s/.* \(s[0-9]*\) admitted: user=\"$1\".*/\1/p" "$PRODUCT_GATE_LOG" | tail -n 1)
    [ -n "$sid" ] && sed -n "s/.* $sid: connection from .*, worker \([0-9]*\)$/\1/p" "$PRODUCT_GATE_LOG" | tail -n 1
}
