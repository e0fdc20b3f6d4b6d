#!/bin/bash
# The staff console (rmgate-web) in a real browser (headless Chromium driven by Selenium), on a
# real database with a real gate session running: each role logs on through the form and sees
# the dashboard (a live session, a permit ending within 30 days, an open corrective order, the
# report due date, the ledger's integrity with its head), an applicant only her own section's;
# a wrong password and a locked login are refused with one message; a POST without the CSRF
# token (another site's form) is refused and changes nothing; plain HTTP gets no page; the
# headers forbid script, framing and caching, and cookies are Secure, HttpOnly,
# SameSite=Strict. Every logon, failure and lock is a ledger row naming the login.
# Permits through the pages: the approver approves an application, orders, confirms the
# order done, suspends, resumes and revokes; an applicant reports the end of use of her own
# section's permit, cannot open another section's by URL, and has no decision buttons; an
# auditor posting a decision with a valid session and token is refused (403, a ledger row).
# The approver ends the running session from its page; the gate cuts it off (terminated).
# Screenshots of each page: $BUILD/test-logs/web-shots (kept for a reviewer, not checked).
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

BROWSER=(/usr/bin/python3 "$BENCH_ROOT/tests/e2e/lib/web_console.py")
SHOTS=$BUILD/test-logs/web-shots # kept after the run, for a reviewer; never checked
mkdir -p "$SHOTS"

bench_start_shadow 1024x768
today=$(product_today) tomorrow=$(product_today tomorrow)
bench_check "ledger, permits and staff set up" eval '
    product_init &&
    "${PRODUCT_POLICY[@]}" section add Other --officer "佐藤" >/dev/null &&
    product_system shadow "$BENCH_SHADOW_PORT" &&
    "${PRODUCT_POLICY[@]}" system add other-sys --class lgwan --host 127.0.0.1 --port 1 --section Other --networks 127.0.0.0/8 >/dev/null &&
    product_vendor_account "Acme Maintenance" acme acme-Pass1 &&
    product_vendor_account "Far Vendor" far far-Pass1 &&
    acme_permit=$(product_permit "Acme Maintenance" shadow "$today" "$today") &&
    other_permit=$("${PRODUCT_POLICY[@]}" permit apply --vendor "Far Vendor" --system other-sys --section Other \
        --purpose "other section" --from "$today" --to "$today" --contract-from "$today" --contract-to "$today" \
        --table 1 --confirm-all) &&
    "${PRODUCT_POLICY[@]}" permit decide "$other_permit" --approve --by "Deputy CISO" >/dev/null &&
    "${PRODUCT_POLICY[@]}" permit order "$acme_permit" --by "Deputy CISO" --reason "ログ保全手順の是正" \
        --due "$tomorrow" >/dev/null &&
    for who in "deputy approver" "auditor auditor" "auditor2 auditor" "admin admin"; do
        set -- $who
        printf "%s\n" "$1-Passw0rd-long" | "${PRODUCT_POLICY[@]}" staff add "$1" --role "$2" --password-stdin --by e2e || exit 1
    done &&
    printf "%s\n" "yamada-Passw0rd-long" |
        "${PRODUCT_POLICY[@]}" staff add yamada --role applicant --section Ops --name "山田 太郎" --password-stdin --by e2e' || exit 1
product_start_gate || bench_die "gate not listening"
bench_spawn probe "$BUILD/bench/rdp_probe" --seconds 1800 -- "/v:127.0.0.1:$PRODUCT_GATE_PORT" /u:acme /p:acme-Pass1 \
    /cert:ignore /timeout:120000
bench_check "a vendor session runs through the gate" \
    product_wait_sql "SELECT COUNT(*) FROM sessions s WHERE login = 'acme' AND NOT EXISTS (SELECT 1 FROM session_ends e WHERE e.session_id = s.id)" 1 60

WEB_PORT=$(bench_free_port) || bench_die "no free port"
URL=https://127.0.0.1:$WEB_PORT
bench_spawn web "$BUILD/rmgate-web" --database "$PRODUCT_DB" --var-dir "$BENCH_DIR/var" --listen "127.0.0.1:$WEB_PORT"
WEB_PID=$BENCH_PID
bench_check "rmgate-web listens (HTTPS, generated certificate)" bench_wait_port "$WEB_PORT" 30

bench_check "plain HTTP gets no page" bash -c "! curl -s --max-time 10 http://127.0.0.1:$WEB_PORT/ | grep -q html"
bench_check "headers: no script, no framing, no caching; cookies Secure HttpOnly SameSite=Strict" \
    "${BROWSER[@]}" headers "$URL"
bench_check "the approver logs on: live session, expiring permit, open order, report due, ledger head" \
    "${BROWSER[@]}" login "$URL" deputy deputy-Passw0rd-long "$SHOTS/dashboard-approver.png" \
    "承認者" "Acme Maintenance" "acme" "shadow" "Far Vendor" "ログ保全手順の是正" "報告期限" "正常"
bench_check "the auditor and the admin log on" eval '
    "${BROWSER[@]}" login "$URL" auditor auditor-Passw0rd-long "$SHOTS/dashboard-auditor.png" "監査担当" &&
    "${BROWSER[@]}" login "$URL" admin admin-Passw0rd-long "$SHOTS/dashboard-admin.png" "管理者"'
bench_check "the applicant sees her own section only" eval '
    "${BROWSER[@]}" login "$URL" yamada yamada-Passw0rd-long "$SHOTS/dashboard-applicant.png" \
        "山田 太郎" "申請担当" "Ops" "Acme Maintenance" &&
    "${BROWSER[@]}" absent "$URL" yamada yamada-Passw0rd-long "Far Vendor"'
bench_check "a POST without the CSRF token is refused (403) and changes nothing" \
    "${BROWSER[@]}" forged-post "$URL" deputy deputy-Passw0rd-long
bench_check "the refusal of the forged POST is a ledger row naming the staff member" \
    product_wait_sql "SELECT COUNT(*) FROM events WHERE type = 'staff_action' AND actor = 'deputy' AND detail LIKE '%CSRF%'" 1

# --- permits through the pages ---------------------------------------------------------------
bench_check "two more applications (Ops and Other)" eval '
    ui_permit=$("${PRODUCT_POLICY[@]}" permit apply --vendor "Acme Maintenance" --system shadow --section Ops \
        --purpose "UI lifecycle" --from "$today" --to "$today" --contract-from "$today" --contract-to "$today" \
        --table 1 --confirm-all) &&
    end_permit=$(product_permit "Acme Maintenance" shadow "$today" "$today")'
bench_check "the permit list shows the applications of every section" \
    "${BROWSER[@]}" page "$URL" deputy deputy-Passw0rd-long /permits "$SHOTS/permits.png" \
        "Acme Maintenance" "Far Vendor" "申請中" "是正命令中"
bench_check "an applicant's permit list holds her section's only" eval '
    "${BROWSER[@]}" page "$URL" yamada yamada-Passw0rd-long /permits "$SHOTS/permits-applicant.png" "Acme Maintenance" &&
    "${BROWSER[@]}" page "$URL" yamada yamada-Passw0rd-long "/permits?state=applied" "$SHOTS/permits-applied.png" "1件" &&
    ! "${BROWSER[@]}" page "$URL" yamada yamada-Passw0rd-long /permits "$SHOTS/permits-applicant.png" "Far Vendor"'
for step in "approve - 許可" "order 手順書の改訂 是正命令中" "order-done 改訂を確認 許可" "suspend 調査 停止中" \
    "resume 調査終了 許可" "revoke 契約解除 取消"; do
    set -- $step
    bench_check "the approver: $1 on permit $ui_permit" \
        "${BROWSER[@]}" permit "$URL" deputy deputy-Passw0rd-long "$ui_permit" "$1" "$2" "$SHOTS/permit-$1.png" "$3"
done
bench_check "each step is in the permit's history with the approver as actor" \
    product_wait_sql "SELECT COUNT(*) FROM permit_history WHERE permit_id = $ui_permit AND actor = 'deputy'" 6
bench_check "each step is a ledger row naming the approver" \
    product_wait_sql "SELECT COUNT(*) FROM events WHERE type = 'staff_action' AND actor = 'deputy' AND detail LIKE 'permit $ui_permit:%'" 6
bench_check "the applicant reports the end of use of her section's permit" \
    "${BROWSER[@]}" permit "$URL" yamada yamada-Passw0rd-long "$end_permit" end 作業完了 "$SHOTS/permit-end.png" 利用終了
bench_check "the ended permit's end-of-use report (Art. 9-2) opens as the city's document" eval '
    "${BROWSER[@]}" get-as "$URL" yamada yamada-Passw0rd-long "/permits/$end_permit/end-report" 200 "$BENCH_DIR/end.html" &&
    grep -q "リモート保守等利用終了報告" "$BENCH_DIR/end.html" && grep -q "作業完了" "$BENCH_DIR/end.html" &&
    "${BROWSER[@]}" get-as "$URL" yamada yamada-Passw0rd-long "/permits/$acme_permit/end-report" 409 "$BENCH_DIR/x.html" &&
    "${BROWSER[@]}" get-as "$URL" yamada yamada-Passw0rd-long "/permits/$other_permit/notice" 404 "$BENCH_DIR/x.html"'
bench_check "the applicant has no decision button" \
    "${BROWSER[@]}" no-button "$URL" yamada yamada-Passw0rd-long "$acme_permit" revoke
bench_check "the applicant cannot open another section's permit by URL (no such page)" \
    "${BROWSER[@]}" missing "$URL" yamada yamada-Passw0rd-long "/permits/$other_permit"
bench_check "the auditor has no button, and her crafted decision is refused (403)" eval '
    "${BROWSER[@]}" no-button "$URL" auditor auditor-Passw0rd-long "$acme_permit" revoke &&
    "${BROWSER[@]}" post-as "$URL" auditor auditor-Passw0rd-long "/permits/$acme_permit" 403 action=revoke reason=x'
bench_check "the applicant's crafted revocation of her own permit is refused (403)" \
    "${BROWSER[@]}" post-as "$URL" yamada yamada-Passw0rd-long "/permits/$acme_permit" 403 action=revoke reason=x
bench_check "the refused decisions are ledger rows; the permit is still ordered" eval '
    [ "$(product_sql "SELECT COUNT(*) FROM events WHERE type = '\''staff_action'\'' AND detail LIKE '\''%revoke refused%'\''")" = 2 ] &&
    [ "$(product_sql "SELECT state FROM permits WHERE id = $acme_permit")" = ordered ]'

# --- applying through the form (Form 1) ----------------------------------------------------------
bench_check "the applicant applies through Form 1; the application waits (申請中)" \
    "${BROWSER[@]}" apply "$URL" yamada yamada-Passw0rd-long "Acme Maintenance" shadow "$today" "$today" \
        "$today" "$today" "$SHOTS/apply.png" 申請中
bench_check "a period outside the contract is refused on the form, in Japanese, naming the article" \
    "${BROWSER[@]}" apply "$URL" yamada yamada-Passw0rd-long "Acme Maintenance" shadow "$today" "$tomorrow" \
        "$today" "$today" "$SHOTS/apply-refused.png" "許可期間は契約期間の内側にしてください（第4条第3項）"
bench_check "the application names her as applicant; the approver cannot apply (403)" eval '
    [ "$(product_sql "SELECT COUNT(*) FROM permits WHERE applied_by = '\''yamada'\'' AND state = '\''applied'\''")" = 1 ] &&
    "${BROWSER[@]}" post-as "$URL" deputy deputy-Passw0rd-long /permits/new 403 vendor=x system=shadow'

# --- the monthly report's submission mark ----------------------------------------------------------
bench_check "the auditor cannot mark a report submitted (no button; crafted post 403)" eval '
    ! "${BROWSER[@]}" click "$URL" auditor auditor-Passw0rd-long .mark-submitted "$SHOTS/x.png" &&
    "${BROWSER[@]}" post-as "$URL" auditor auditor-Passw0rd-long /submissions 403 month=2026-11 section=Ops'
bench_check "the applicant marks her section's last monthly report submitted" \
    "${BROWSER[@]}" click "$URL" yamada yamada-Passw0rd-long .mark-submitted "$SHOTS/submitted.png" "提出済み"
bench_check "the mark is a ledger row naming her" \
    product_wait_sql "SELECT COUNT(*) FROM events WHERE type = 'report_submitted' AND actor = 'yamada' AND detail LIKE 'Form 4 %section Ops'" 1

# --- reports (帳票) ------------------------------------------------------------------------------
month=$(TZ=Asia/Tokyo date +%Y-%m)
bench_check "the reports page offers Form 4 with its register for the month" \
    "${BROWSER[@]}" page "$URL" deputy deputy-Passw0rd-long "/reports?month=$month" "$SHOTS/reports.png" \
        "様式第4号" "管理簿を添えて" "PDF"
bench_check "Form 4 as PDF: the exact title and an era date, with its Form 3" eval '
    "${BROWSER[@]}" get-as "$URL" deputy deputy-Passw0rd-long "/reports/monthly.pdf?month=$month&section=Ops" 200 \
        "$BENCH_DIR/form4.pdf" &&
    pdftotext "$BENCH_DIR/form4.pdf" "$BENCH_DIR/form4.txt" &&
    grep -q "リモート保守等利用状況報告" "$BENCH_DIR/form4.txt" &&
    grep -q "リモート保守等利用状況管理簿" "$BENCH_DIR/form4.txt" && grep -q "令和" "$BENCH_DIR/form4.txt"'
bench_check "Form 4 as HTML and CSV: the applicant gets her section's, never another's" eval '
    "${BROWSER[@]}" get-as "$URL" yamada yamada-Passw0rd-long "/reports/monthly.csv?month=$month&section=Other" 200 \
        "$BENCH_DIR/form4.csv" &&
    grep -q "Ops" "$BENCH_DIR/form4.csv" && ! grep -q "other-sys" "$BENCH_DIR/form4.csv" &&
    "${BROWSER[@]}" get-as "$URL" yamada yamada-Passw0rd-long "/reports/monthly.html?month=$month" 200 "$BENCH_DIR/form4.html" &&
    grep -q "別記様式第4号" "$BENCH_DIR/form4.html"'
bench_check "the register of every section is not an applicant's (403)" \
    "${BROWSER[@]}" get-as "$URL" yamada yamada-Passw0rd-long "/reports/register.csv?month=$month" 403 "$BENCH_DIR/x.csv"
bench_check "each download is a ledger row naming the staff member" \
    product_wait_sql "SELECT COUNT(*) FROM events WHERE type = 'staff_action' AND detail LIKE 'report monthly.%'" 3

# --- sessions ----------------------------------------------------------------------------------
session_id=$(product_sql "SELECT id FROM sessions WHERE login = 'acme' ORDER BY id LIMIT 1")
bench_check "the month's sessions list the vendor's session" \
    "${BROWSER[@]}" page "$URL" auditor auditor-Passw0rd-long /sessions "$SHOTS/sessions.png" "Acme Maintenance" acme shadow 接続中
bench_check "the sessions list filters by vendor and system: another vendor's list is empty" eval '
    "${BROWSER[@]}" page "$URL" auditor auditor-Passw0rd-long "/sessions?vendor=Far%20Vendor" "$SHOTS/sessions-other-vendor.png" "セッション：0件" &&
    "${BROWSER[@]}" page "$URL" auditor auditor-Passw0rd-long "/sessions?vendor=Acme%20Maintenance&system=shadow" \
        "$SHOTS/sessions-vendor.png" "Acme Maintenance" acme'
bench_check "a session's page shows its ledger rows (the channels the client offered)" \
    "${BROWSER[@]}" page "$URL" auditor auditor-Passw0rd-long "/sessions/$session_id" "$SHOTS/session.png" \
        "クライアントが要求した経路" "127.0.0.1"
bench_check "the applicant writes the work content (作業内容) of her section's session" \
    "${BROWSER[@]}" note "$URL" yamada yamada-Passw0rd-long "$session_id" "定期点検・ログ確認" "$SHOTS/session-note.png"
bench_check "the note is a ledger row naming her" \
    product_wait_sql "SELECT COUNT(*) FROM events WHERE type = 'note' AND session_id = $session_id AND actor = 'yamada'" 1
bench_check "the auditor's crafted note is refused (403)" \
    "${BROWSER[@]}" post-as "$URL" auditor auditor-Passw0rd-long "/sessions/$session_id" 403 note=x

bench_check "a wrong password is refused with the one message" \
    "${BROWSER[@]}" refused "$URL" auditor wrong-password-1 "$SHOTS/refused.png"
for i in 2 3 4 5; do
    curl -sk --max-time 20 -c "$BENCH_DIR/jar" -b "$BENCH_DIR/jar" "$URL/login" -o "$BENCH_DIR/login.html"
    tok=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$BENCH_DIR/login.html")
    curl -sk --max-time 20 -c "$BENCH_DIR/jar" -b "$BENCH_DIR/jar" "$URL/login" \
        --data "csrf=$tok&login=auditor&password=wrong-password-$i" -o /dev/null
done
bench_check "five failures lock the login: staff_locked in the ledger" \
    product_wait_sql "SELECT COUNT(*) FROM events WHERE type = 'staff_locked' AND login = 'auditor'" 1
bench_check "a locked login is refused even with the right password" \
    "${BROWSER[@]}" refused "$URL" auditor auditor-Passw0rd-long "$SHOTS/locked.png"
bench_check "logons are ledger rows: successes and failures by login" eval '
    [ "$(product_sql "SELECT COUNT(*) FROM events WHERE type = '\''staff_logon'\'' AND login = '\''deputy'\''")" -ge 2 ] &&
    [ "$(product_sql "SELECT COUNT(*) FROM events WHERE type = '\''staff_logon_failed'\'' AND login = '\''auditor'\''")" -ge 6 ]'
# "End this session now" (issue 16): the approver orders the running session ended from its
# page; the gate cuts the vendor off (the gate polls every second; 30 s allows for a loaded
# machine) and the ledger names who and why. The auditor has no button and is refused.
bench_check "the auditor sees no button to end a running session" \
    "${BROWSER[@]}" no-end-button "$URL" auditor2 auditor2-Passw0rd-long "$session_id"
bench_check "the auditor's crafted order to end it is refused (403) and changes nothing" eval '
    "${BROWSER[@]}" post-as "$URL" auditor2 auditor2-Passw0rd-long "/sessions/$session_id/end" 403 reason=x &&
    [ "$(product_sql "SELECT COUNT(*) FROM session_ends WHERE session_id = $session_id")" = 0 ]'
bench_check "the approver ends the running session with a reason" \
    "${BROWSER[@]}" end-session "$URL" deputy deputy-Passw0rd-long "$session_id" "不審な操作のため停止" "$SHOTS/session-end.png"
bench_check "the ledger names who ordered the end and why" \
    product_wait_sql "SELECT COUNT(*) FROM events WHERE type = 'end_requested' AND session_id = $session_id AND actor = 'deputy' AND detail = '不審な操作のため停止'" 1
bench_check "the gate ends the session (reason terminated)" \
    product_wait_sql "SELECT COUNT(*) FROM session_ends WHERE session_id = $session_id AND reason = 'terminated'" 1 30
# Its recording checked from its page (the file's hash chain and the digest the ledger holds):
# intact, then with one byte in the middle of the file changed: corrupt.
bench_check "the recording of the ended session verifies: complete, the ledger's digest" \
    "${BROWSER[@]}" verify-recording "$URL" auditor2 auditor2-Passw0rd-long "$session_id" "$SHOTS/session-verify.png" \
    "記録は完全で" "要約値は台帳と一致します"
bench_check "the check is a ledger row naming who checked" \
    product_wait_sql "SELECT COUNT(*) FROM events WHERE type = 'staff_action' AND actor = 'auditor2' AND detail = 'session $session_id: recording checked: ok'" 1
recording=$(product_sql "SELECT recording_path FROM session_ends WHERE session_id = $session_id")
bench_check "a recording altered on disk is reported corrupt" eval '
    python3 -c "import sys; f = open(sys.argv[1], \"r+b\"); import os; n = os.path.getsize(sys.argv[1]) // 2; f.seek(n); b = f.read(1); f.seek(n); f.write(bytes([b[0] ^ 0xff]))" "$recording" &&
    "${BROWSER[@]}" verify-recording "$URL" auditor2 auditor2-Passw0rd-long "$session_id" "$SHOTS/session-verify-bad.png" "記録が壊れています"'
bench_check "the altered recording is a problem in the ledger row of the check" \
    product_wait_sql "SELECT COUNT(*) FROM events WHERE type = 'staff_action' AND actor = 'auditor2' AND detail = 'session $session_id: recording checked: problem'" 1
bench_check "an ended session cannot be ended again (409)" \
    "${BROWSER[@]}" post-as "$URL" deputy deputy-Passw0rd-long "/sessions/$session_id/end" 409 reason=again
bench_check "the ledger still verifies" "${PRODUCT_POLICY[@]}" verify

bench_stop "$WEB_PID"
bench_stop "$PRODUCT_GATE_PID"
bench_expect_log_absent "no sanitizer report from the console or the gate" "$BENCH_DIR" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|runtime error:'
