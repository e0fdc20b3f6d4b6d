#!/bin/bash
# The four forms of the city's rules as documents it can file: rmgate-policy renders each
# (別記様式第1号-第4号) to HTML and, through headless Chromium, to an A4 PDF. Checks the exact
# title text and an era (令和) date in the PDF's text (pdftotext), renders every page to PNG
# (pdftoppm) as a look at the printed form, and that a failing PDF engine leaves nothing at
# the output path. No gate, target or client.
. "$(dirname "$0")/lib/bench.sh"
. "$(dirname "$0")/lib/product.sh"

OUT=$BENCH_DIR/forms
mkdir -p -m 0700 "$OUT"
today=$(product_today)
month=${today%-*}
bench_check "permits set up (one approved, one refused, one only applied)" eval '
    product_init &&
    product_system juki 3389 &&
    "${PRODUCT_POLICY[@]}" vendor add Acme >/dev/null &&
    approved=$(product_permit Acme juki "$today" "$today") &&
    refused=$("${PRODUCT_POLICY[@]}" permit apply --vendor Acme --system juki --section Ops --purpose "定期保守" \
        --from "$today" --to "$today" --contract-from "$today" --contract-to "$today" --table 1 --confirm-all) &&
    "${PRODUCT_POLICY[@]}" permit decide "$refused" --refuse --by "Deputy CISO" --reason "接続元が未確定のため" >/dev/null &&
    pending=$("${PRODUCT_POLICY[@]}" permit apply --vendor Acme --system juki --section Ops --purpose "定期保守" \
        --from "$today" --to "$today" --contract-from "$today" --contract-to "$today" --table 1 --confirm-all)' || exit 1
approved=1 refused=2 pending=3

# pdf_has NAME TITLE: the PDF exists, is A4, its text holds TITLE and a 令和 date; PNG pages made.
pdf_has() {
    local pdf=$OUT/$1.pdf title=$2 text
    [ -s "$pdf" ] || return 1
    text=$(pdftotext -layout "$pdf" -) || return 1
    grep -qF -- "$title" <<<"$text" || { bench_log "$1: no title '$title' in: $(head -c 400 <<<"$text")"; return 1; }
    grep -qE '令和(元|[0-9]+)年[0-9]+月' <<<"$text" || { bench_log "$1: no 令和 date"; return 1; }
    # A4 (pdfinfo names the size), portrait or landscape
    pdfinfo "$pdf" | grep -qE '^Page size: .*\(A4\)' ||
        { bench_log "$1: $(pdfinfo "$pdf" | grep 'Page size')"; return 1; }
    pdftoppm -r 60 -png "$pdf" "$OUT/$1" && ls "$OUT/$1"-*.png >/dev/null
}

bench_check "Form 1 (申請書) as PDF" eval '"${PRODUCT_POLICY[@]}" permit show "$approved" --form --format pdf -o "$OUT/form1.pdf" &&
    pdf_has form1 "リモート保守等利用申請書"'
bench_check "Form 1 names the officer, the table items and the class" eval '
    "${PRODUCT_POLICY[@]}" permit show "$approved" --form >"$OUT/form1.html" &&
    grep -qF "別記様式第1号(第4条関係)" "$OUT/form1.html" && grep -qF "Officer Ito" "$OUT/form1.html" &&
    grep -qF "LGWAN接続系システム" "$OUT/form1.html" && grep -qF "確認済" "$OUT/form1.html"'
bench_check "Form 2 (通知書) for the approved permit as PDF" eval '"${PRODUCT_POLICY[@]}" permit notice "$approved" --format pdf -o "$OUT/form2.pdf" &&
    pdf_has form2 "リモート保守等利用許可・不許可通知書" && pdftotext "$OUT/form2.pdf" - | grep -qF "Deputy CISO"'
bench_check "Form 2 for the refused permit gives the reason" eval '"${PRODUCT_POLICY[@]}" permit notice "$refused" >"$OUT/form2r.html" &&
    grep -qF "不許可" "$OUT/form2r.html" && grep -qF "接続元が未確定のため" "$OUT/form2r.html"'
bench_check "Form 2 is refused, clearly, for a permit not decided yet" eval '
    ! "${PRODUCT_POLICY[@]}" permit notice "$pending" -o "$OUT/none.html" 2>"$OUT/err" &&
    grep -qF "not decided yet" "$OUT/err" && [ ! -e "$OUT/none.html" ] && [ -z "$(ls "$OUT" | grep none)" ]'
bench_check "Form 3 (管理簿) as PDF" eval '"${PRODUCT_POLICY[@]}" report register --month "$month" --format pdf -o "$OUT/form3.pdf" &&
    pdf_has form3 "リモート保守等利用状況管理簿"'
bench_check "Form 4 (報告) as PDF, with its Form 3 attached" eval '"${PRODUCT_POLICY[@]}" report monthly --month "$month" --section Ops --date "$today" --format pdf -o "$OUT/form4.pdf" &&
    pdf_has form4 "リモート保守等利用状況報告" && pdftotext "$OUT/form4.pdf" - | grep -qF "リモート保守等利用状況管理簿" &&
    pdftotext "$OUT/form4.pdf" - | grep -qF "企画財政部DX推進室情報システム課"'

# a missing or failing engine: one clear error, nothing left at the output path, an old file kept
bench_check "a missing PDF engine is named and leaves nothing" eval '
    ! RMGATE_CHROMIUM=/nonexistent/chromium "${PRODUCT_POLICY[@]}" permit notice "$approved" --format pdf -o "$OUT/x.pdf" 2>"$OUT/err" &&
    grep -qF "/nonexistent/chromium" "$OUT/err" && [ "$(wc -l <"$OUT/err")" = 1 ] && [ -z "$(ls "$OUT" | grep "^x\.pdf")" ]'
bench_check "a failing PDF engine leaves an existing file as it was" eval '
    echo old >"$OUT/keep.pdf" &&
    ! RMGATE_CHROMIUM=false "${PRODUCT_POLICY[@]}" permit notice "$approved" --format pdf -o "$OUT/keep.pdf" 2>"$OUT/err" &&
    grep -qF "failed (exit status 1)" "$OUT/err" && [ "$(cat "$OUT/keep.pdf")" = old ] && [ -z "$(ls "$OUT" | grep "^keep\.pdf\.")" ]'
bench_check "--format pdf needs -o" eval '
    "${PRODUCT_POLICY[@]}" permit notice "$approved" --format pdf >/dev/null 2>"$OUT/err"; [ $? = 2 ] && grep -qF "needs -o" "$OUT/err"'
bench_check "report destination: the default, then the city's setting on the next Form 4" eval '
    [ "$("${PRODUCT_POLICY[@]}" report destination)" = "企画財政部DX推進室情報システム課" ] &&
    "${PRODUCT_POLICY[@]}" report destination set "総務部情報管理課" --by "Officer Ito" >/dev/null &&
    "${PRODUCT_POLICY[@]}" report monthly --month "$month" --section Ops --format json | grep -qF "\"to\": \"総務部情報管理課\"" &&
    product_sql "SELECT actor FROM events WHERE type = '"'"'setting_set'"'"'" | grep -qx "Officer Ito" &&
    "${PRODUCT_POLICY[@]}" verify >/dev/null'
