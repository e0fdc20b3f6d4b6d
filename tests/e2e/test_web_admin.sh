#!/bin/bash
# The console's refusal page (拒否) and administration pages (管理) in a real browser (headless
# Chromium driven by Selenium) against a real rmgate-web on a real database.
# The admin, in one browser: adds a section, a vendor and its subcontractor, a system (first
# with a bad CIDR: the rule's error inline, the typed values kept), sets its networks and its
# certificate pin, adds a vendor account (passwords that differ are refused and never written
# back), disables and enables it, unlocks an account locked by failed logons, and adds an
# applicant; each result is checked in the database and the ledger (rows naming the admin),
# and the new applicant logs on. The approver, the auditor and an applicant see 拒否 but no
# 管理 in the menu, get "no such page" for every admin URL, and their POSTs with a valid session
# and CSRF token are refused (403), change nothing and are ledger rows. The refusals written
# through the policy library (as the gate writes them) are on the approver's page with the
# reason in Japanese and the ledger's word, filtered by vendor and section; an applicant sees
# only those attributed to her section, whatever the URL asks; the dashboard links the month's
# count. Screenshots: $BUILD/test-logs/web-shots (kept for a reviewer, not checked).
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

BROWSER=(/usr/bin/python3 "$BENCH_ROOT/tests/e2e/lib/web_console.py")
SHOTS=$BUILD/test-logs/web-shots # kept after the run, for a reviewer; never checked
mkdir -p "$SHOTS"
REFUSE=("$BUILD/bench/refused_attempts" "$PRODUCT_DB")

today=$(product_today)
month=$(TZ=Asia/Tokyo date +%Y-%m)
PIN=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
bench_check "ledger, permits, accounts and staff set up" eval '
    product_init &&
    "${PRODUCT_POLICY[@]}" section add Other --officer "佐藤" >/dev/null &&
    product_system ops-sys 3389 &&
    "${PRODUCT_POLICY[@]}" system add other-sys --class lgwan --host 127.0.0.1 --port 1 --section Other --networks 127.0.0.0/8 >/dev/null &&
    product_vendor_account "Acme Maintenance" acme acme-Pass1 &&
    product_vendor_account "Acme Maintenance" locked1 locked-Pass1 &&
    product_vendor_account "Far Vendor" far far-Pass1 &&
    product_permit "Acme Maintenance" ops-sys "$today" "$today" >/dev/null &&
    other_permit=$("${PRODUCT_POLICY[@]}" permit apply --vendor "Far Vendor" --system other-sys --section Other \
        --purpose "other section" --from "$today" --to "$today" --contract-from "$today" --contract-to "$today" \
        --table 1 --confirm-all) &&
    "${PRODUCT_POLICY[@]}" permit decide "$other_permit" --approve --by "Deputy CISO" >/dev/null &&
    for who in "deputy approver" "auditor auditor" "admin admin"; do
        set -- $who
        printf "%s\n" "$1-Passw0rd-long" | "${PRODUCT_POLICY[@]}" staff add "$1" --role "$2" --password-stdin --by e2e || exit 1
    done &&
    printf "%s\n" "yamada-Passw0rd-long" |
        "${PRODUCT_POLICY[@]}" staff add yamada --role applicant --section Ops --name "山田 太郎" --password-stdin --by e2e' || exit 1
bench_check "refused attempts written as the gate writes them; locked1 locked by five wrong passwords" eval '
    "${REFUSE[@]}" refuse source_not_allowed acme 198.51.100.7 ops-sys &&
    "${REFUSE[@]}" refuse no_permit far 198.51.100.8 other-sys &&
    "${REFUSE[@]}" refuse unknown_account ghost-login 192.0.2.66 - &&
    "${REFUSE[@]}" fail locked1 203.0.113.50 5 &&
    [ "$(product_sql "SELECT COUNT(*) FROM events WHERE type = '\''account_locked'\'' AND login = '\''locked1'\''")" = 1 ]' || exit 1

WEB_PORT=$(bench_free_port) || bench_die "no free port"
URL=https://127.0.0.1:$WEB_PORT
bench_spawn web "$BUILD/rmgate-web" --database "$PRODUCT_DB" --var-dir "$BENCH_DIR/var" --listen "127.0.0.1:$WEB_PORT"
WEB_PID=$BENCH_PID
bench_check "rmgate-web listens" bench_wait_port "$WEB_PORT" 30 || exit 1

# --- the admin --------------------------------------------------------------------------------
sections_before=$(product_sql "SELECT COUNT(*) FROM sections")
bench_check "the admin: section, vendors, system (a bad CIDR refused inline first), networks, pin, account, unlock, staff" \
    "${BROWSER[@]}" admin "$URL" admin admin-Passw0rd-long "$SHOTS" welfare-db "$PIN" locked1
bench_check "the database holds what the pages said" eval '
    [ "$(product_sql "SELECT officer FROM sections WHERE name = '\''福祉課'\''")" = "福祉課長 鈴木 一郎" ] &&
    [ "$(product_sql "SELECT p.name FROM vendors v JOIN vendors p ON p.id = v.prime_id WHERE v.name = '\''Beta Sub'\''")" = "Beta Systems" ] &&
    [ "$(product_sql "SELECT class || '\'' '\'' || c.name || '\'' '\'' || networks FROM systems s JOIN sections c ON c.id = s.section_id WHERE s.name = '\''welfare-db'\''")" = "mynumber 福祉課 10.9.0.0/16 10.10.0.0/16" ] &&
    [ "$(product_sql "SELECT '\''sha256:'\'' || cert_pin FROM systems WHERE name = '\''welfare-db'\''")" = "$PIN" ] &&
    [ "$(product_sql "SELECT v.name || '\'' '\'' || a.disabled FROM accounts a JOIN vendors v ON v.id = a.vendor_id WHERE a.login = '\''beta1'\''")" = "Beta Sub 0" ] &&
    [ "$(product_sql "SELECT s.role || '\'' '\'' || c.name FROM staff s JOIN sections c ON c.id = s.section_id WHERE s.login = '\''suzuki'\''")" = "applicant 福祉課" ]'
bench_check "the ledger names the admin: the library's rows and a staff_action row for each change" eval '
    [ "$(product_sql "SELECT COUNT(*) FROM events WHERE actor = '\''admin'\'' AND type = '\''system_networks_set'\'' AND detail LIKE '\''system welfare-db:%'\''")" = 1 ] &&
    [ "$(product_sql "SELECT COUNT(*) FROM events WHERE actor = '\''admin'\'' AND type = '\''cert_pin_set'\'' AND detail LIKE '\''system welfare-db%'\''")" = 1 ] &&
    [ "$(product_sql "SELECT COUNT(*) FROM events WHERE actor = '\''admin'\'' AND type = '\''account_unlocked'\'' AND login = '\''locked1'\''")" = 1 ] &&
    [ "$(product_sql "SELECT COUNT(*) FROM events WHERE actor = '\''admin'\'' AND type = '\''staff_added'\'' AND detail LIKE '\''staff suzuki role applicant%'\''")" = 1 ] &&
    for what in "section add 福祉課" "vendor add Beta Systems" "vendor add Beta Sub Beta Systems" \
        "system add welfare-db 福祉課" "system networks welfare-db" "system pin welfare-db" "account add beta1 Beta Sub" \
        "account disable beta1" "account enable beta1" "account unlock locked1" "staff add suzuki"; do
        [ "$(product_sql "SELECT COUNT(*) FROM events WHERE type = '\''staff_action'\'' AND actor = '\''admin'\'' AND detail LIKE '\''admin $what%'\''")" -ge 1 ] ||
            { echo "no staff_action row admin $what" >&2; exit 1; }
    done'
bench_check "the refused system and pin changed nothing: no 10.9.0.0/33 anywhere, one system welfare-db" eval '
    [ "$(product_sql "SELECT COUNT(*) FROM systems WHERE name = '\''welfare-db'\'' OR networks LIKE '\''%/33%'\''")" = 1 ] &&
    [ "$(product_sql "SELECT COUNT(*) FROM events WHERE type = '\''cert_pin_set'\''")" = 1 ]'
bench_check "no password in the ledger" \
    bash -c "! sqlite3 -readonly '$PRODUCT_DB' 'SELECT detail FROM events' | grep -q -e beta-Pass -e suzuki-Passw0rd"
bench_check "the unlocked account is no longer locked (the library's state)" \
    product_wait_sql "SELECT COUNT(*) FROM events WHERE type = 'account_unlocked' AND login = 'locked1'" 1
bench_check "the new applicant logs on and sees her section" \
    "${BROWSER[@]}" login "$URL" suzuki suzuki-Passw0rd-long "$SHOTS/dashboard-new-applicant.png" "鈴木 花子" "申請担当" "福祉課"

# --- the other roles: no 管理, no such page, refused POSTs ----------------------------------------
ADMIN_GETS=(missing /admin missing /admin/sections missing /admin/vendors missing /admin/systems
    missing /admin/accounts missing /admin/staff)
refused_before=$(product_sql "SELECT COUNT(*) FROM events WHERE type = 'staff_action' AND detail LIKE '/admin/%refused%'")
bench_check "the approver: 拒否 but no 管理; no such page; refused POSTs; the refusals with Japanese reasons, filtered" \
    "${BROWSER[@]}" tour "$URL" deputy deputy-Passw0rd-long \
        menu nav-refusals,refusal-count nav-admin "${ADMIN_GETS[@]}" \
        post /admin/sections 403 "action=add&name=Evil" \
        post /admin/accounts 403 "action=disable&login=beta1" \
        see / "$SHOTS/dashboard-refusals.png" "今月の拒否された接続|8件（試行 8回）" \
        see /refusals "$SHOTS/refusals.png" "許可されていない接続元（source_not_allowed）|許可なし（no_permit）|登録のないアカウント（unknown_account）|パスワードの誤り（bad_password）|ghost-login|198.51.100.8|other-sys|Far Vendor|Acme Maintenance|8件" \
        see "/refusals?month=$month&vendor=Far+Vendor" "$SHOTS/refusals-vendor.png" "1件|far|no_permit" \
        lack "/refusals?month=$month&vendor=Far+Vendor" "198.51.100.7|ghost-login" \
        see "/refusals?month=$month&section=Other" "$SHOTS/refusals-section.png" "1件|other-sys" \
        lack "/refusals?month=$month&section=Other" "198.51.100.7|locked1"
bench_check "the auditor: 拒否 but no 管理; no such page; refused POSTs" \
    "${BROWSER[@]}" tour "$URL" auditor auditor-Passw0rd-long \
        menu nav-refusals nav-admin "${ADMIN_GETS[@]}" \
        post /admin/systems 403 "action=pin&system=welfare-db&value=" \
        post /admin/staff 403 "action=disable&login=admin" \
        see /refusals "$SHOTS/refusals-auditor.png" "8件"
bench_check "an applicant: no 管理; no such page; refused POSTs; only her section's refusals, whatever the URL" \
    "${BROWSER[@]}" tour "$URL" yamada yamada-Passw0rd-long \
        menu nav-refusals,refusal-count nav-admin "${ADMIN_GETS[@]}" \
        post /admin/vendors 403 "action=add&name=Evil+Vendor" \
        post /admin/accounts 403 "action=unlock&login=locked1" \
        see /refusals "$SHOTS/refusals-applicant.png" "Ops|198.51.100.7|source_not_allowed|locked1|6件" \
        lack /refusals "far|ghost-login|198.51.100.8" \
        lack "/refusals?month=$month&section=Other" "198.51.100.8|other-sys" \
        see / "$SHOTS/dashboard-applicant-refusals.png" "6件（試行 6回）"
bench_check "the refused POSTs changed nothing and are six ledger rows naming who" eval '
    [ "$(product_sql "SELECT COUNT(*) FROM sections")" = "$((sections_before + 1))" ] &&
    [ "$(product_sql "SELECT COUNT(*) FROM vendors WHERE name LIKE '\''Evil%'\''")" = 0 ] &&
    [ "$(product_sql "SELECT disabled FROM accounts WHERE login = '\''beta1'\''")" = 0 ] &&
    [ "$(product_sql "SELECT cert_pin IS NOT NULL FROM systems WHERE name = '\''welfare-db'\''")" = 1 ] &&
    [ "$(product_sql "SELECT disabled FROM staff WHERE login = '\''admin'\''")" = 0 ] &&
    [ "$(product_sql "SELECT COUNT(*) FROM events WHERE type = '\''account_unlocked'\''")" = 1 ] &&
    [ "$(product_sql "SELECT COUNT(*) FROM events WHERE type = '\''staff_action'\'' AND detail LIKE '\''/admin/%refused%'\''")" = "$((refused_before + 6))" ] &&
    for who in deputy auditor yamada; do
        [ "$(product_sql "SELECT COUNT(*) FROM events WHERE type = '\''staff_action'\'' AND actor = '\''$who'\'' AND detail LIKE '\''/admin/%refused: the role %'\''")" = 2 ] || exit 1
    done'
bench_check "the ledger still verifies" "${PRODUCT_POLICY[@]}" verify

bench_stop "$WEB_PID"
bench_expect_log_absent "no sanitizer report from the console" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
