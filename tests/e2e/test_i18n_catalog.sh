#!/bin/bash
# Japanese for the people who use it (common/i18n.h): every message marked in the sources has a
# Japanese translation in po/ja.po (a new English message without one fails here), the catalogue
# compiles with its printf conversions checked, and the programs speak Japanese under
# LANG=ja_JP.UTF-8 and English in the C locale.
. "$(dirname "$0")/lib/bench.sh"

cp "$BENCH_ROOT/po/ja.po" "$BENCH_DIR/ja.po" || bench_die "cannot copy po/ja.po"
make -C "$BENCH_ROOT" --no-print-directory -s po PO_DIR="$BENCH_DIR" >"$BENCH_DIR/make-po.log" 2>&1 ||
    bench_die "make po failed: $(tail -3 "$BENCH_DIR/make-po.log")"
msgfmt -c --statistics -o /dev/null "$BENCH_DIR/ja.po" >"$BENCH_DIR/stats" 2>&1
compiled=$?
bench_check "po/ja.po compiles with its printf conversions matching the English (msgfmt -c)" \
    test "$compiled" = 0
# The messages still missing a translation, by source line, for whoever adds one.
msgattrib --untranslated --no-wrap "$BENCH_DIR/ja.po" | grep -E '^(#:|msgid)' | head -40 >"$BENCH_DIR/untranslated"
bench_log "catalogue: $(cat "$BENCH_DIR/stats")"
bench_check "every marked message has a Japanese translation (see untranslated in the log dir)" \
    test ! -s "$BENCH_DIR/untranslated"
bench_check "no translation is fuzzy (po/ja.po was merged and not reviewed)" \
    bash -c "! grep -q '^#, fuzzy' '$BENCH_DIR/ja.po'"

# Japanese under ja_JP.UTF-8, English in the C locale, for the same mistake.
LANG=ja_JP.UTF-8 LC_ALL= "$BUILD/rmgate-policy" nosuch-command >/dev/null 2>"$BENCH_DIR/ja.err"
bench_check "rmgate-policy in ja_JP.UTF-8: the usage hint is Japanese" grep -qF 'を参照してください' "$BENCH_DIR/ja.err"
LC_ALL=C "$BUILD/rmgate-policy" nosuch-command >/dev/null 2>"$BENCH_DIR/c.err"
bench_check "rmgate-policy in the C locale: the usage hint is English" grep -qF '(try rmgate-policy --help)' "$BENCH_DIR/c.err"

# The messages of rmgate-policy and its library (policy/, common/) are all translated, whatever
# another part still lacks (each part's entries are translated in its own branch).
msgattrib --untranslated --no-wrap "$BENCH_DIR/ja.po" | grep '^#:' | tr ' ' '\n' | grep -E '^(policy|common)/' \
    >"$BENCH_DIR/untranslated-policy"
bench_check "every message of policy/ and common/ has a Japanese translation" test ! -s "$BENCH_DIR/untranslated-policy"

# rmgate-policy in Japanese: its help, a refusal's rule text, permit show's labels aligned by
# display width; its JSON the same bytes in both languages; English in the C locale.
. "$BENCH_ROOT/tests/e2e/lib/product.sh"
ja() { env LC_ALL= LANGUAGE= LANG=ja_JP.UTF-8 "$@"; }
c() { env LC_ALL=C LANGUAGE= "$@"; }

ja "$BUILD/rmgate-policy" --help >"$BENCH_DIR/help.ja"
c "$BUILD/rmgate-policy" --help >"$BENCH_DIR/help.c"
bench_check "rmgate-policy --help in ja_JP.UTF-8 is Japanese" \
    bash -c "grep -qF '使い方: rmgate-policy' '$BENCH_DIR/help.ja' && grep -qF '終了コード: 0 完了' '$BENCH_DIR/help.ja'"
bench_check "rmgate-policy --help keeps the commands' English words in Japanese" \
    grep -qF '  permit decide ID (--approve|--refuse) --by NAME [--reason TEXT]' "$BENCH_DIR/help.ja"
bench_check "rmgate-policy --help in the C locale is English" \
    bash -c "grep -qF 'Usage: rmgate-policy' '$BENCH_DIR/help.c' && ! grep -qF '使い方' '$BENCH_DIR/help.c'"

product_init || bench_die "cannot create the permit database"
product_system 住基 3389 || bench_die "cannot add a system"
"${PRODUCT_POLICY[@]}" vendor add 株式会社サンプル >/dev/null || bench_die "cannot add a vendor"
today=$(product_today)
id=$(product_permit 株式会社サンプル 住基 "$today" "$today") || bench_die "cannot grant a permit"

bad_period=(permit apply --vendor 株式会社サンプル --system 住基 --section Ops --purpose 保守
    --from 2026-12-10 --to 2026-12-09 --contract-from 2026-12-01 --contract-to 2027-03-31 --table 1 --confirm-all)
ja "${PRODUCT_POLICY[@]}" "${bad_period[@]}" >/dev/null 2>"$BENCH_DIR/refused.ja"
bench_expect_eq "a refused permit apply (bad period) exits 1 in Japanese" 1 "$?"
bench_check "the refusal names the rule in Japanese" \
    grep -qxF 'rmgate-policy: 規則 period-order: 期間の終了日が開始日より前です' "$BENCH_DIR/refused.ja"
c "${PRODUCT_POLICY[@]}" "${bad_period[@]}" >/dev/null 2>"$BENCH_DIR/refused.c"
bench_check "the same refusal in the C locale is English" \
    grep -qxF 'rmgate-policy: rule period-order: the period ends before it starts' "$BENCH_DIR/refused.c"

ja "${PRODUCT_POLICY[@]}" permit show "$id" >"$BENCH_DIR/show.ja"
c "${PRODUCT_POLICY[@]}" permit show "$id" >"$BENCH_DIR/show.c"
bench_check "permit show in Japanese labels its record in Japanese" \
    bash -c "grep -q '^番号  ' '$BENCH_DIR/show.ja' && grep -q '^事業者  ' '$BENCH_DIR/show.ja' && grep -qxF '履歴:' '$BENCH_DIR/show.ja'"
bench_check "permit show in the C locale keeps the English labels" \
    bash -c "grep -q '^id  ' '$BENCH_DIR/show.c' && grep -q '^vendor  ' '$BENCH_DIR/show.c' && grep -qxF 'history:' '$BENCH_DIR/show.c'"
# The value column of the record (the lines before the first empty one) is one display column
# on every line, a full-width character counting two: printed as "COLUMN LINES".
value_column() {
    python3 - "$1" <<'PY'
import sys, unicodedata
cols = set(); n = 0
for line in open(sys.argv[1], encoding='utf-8').read().split('\n'):
    if not line:
        break
    label_end = line.index('  ')
    start = label_end + len(line[label_end:]) - len(line[label_end:].lstrip(' '))
    cols.add(sum(2 if unicodedata.east_asian_width(ch) in 'WF' else 1 for ch in line[:start]))
    n += 1
print(cols.pop() if len(cols) == 1 else 'misaligned:' + ','.join(map(str, sorted(cols))), n)
PY
}
read -r ja_col ja_lines < <(value_column "$BENCH_DIR/show.ja")
read -r c_col c_lines < <(value_column "$BENCH_DIR/show.c")
bench_log "permit show: value column $ja_col over $ja_lines lines (ja), $c_col over $c_lines lines (C)"
bench_check "permit show in Japanese: every value starts at the same display column" \
    bash -c "[[ '$ja_col' =~ ^[0-9]+$ ]] && [ '$ja_lines' -ge 20 ] && [ '$ja_lines' = '$c_lines' ]"
bench_expect_eq "permit show in the C locale: the values start at column 17 as before" 17 "$c_col"
bench_check "permit show in Japanese: the value column is not the byte-padded one of English" \
    test "$ja_col" != 17

ja "${PRODUCT_POLICY[@]}" permit show "$id" --json >"$BENCH_DIR/show.ja.json"
c "${PRODUCT_POLICY[@]}" permit show "$id" --json >"$BENCH_DIR/show.c.json"
bench_check "permit show --json is byte-identical in ja_JP.UTF-8 and C" cmp -s "$BENCH_DIR/show.ja.json" "$BENCH_DIR/show.c.json"
bench_check "permit show --json keeps English keys and values" grep -qF '"state": "approved"' "$BENCH_DIR/show.c.json"
ja "${PRODUCT_POLICY[@]}" permit list --json >"$BENCH_DIR/list.ja.json"
c "${PRODUCT_POLICY[@]}" permit list --json >"$BENCH_DIR/list.c.json"
bench_check "permit list --json is byte-identical in ja_JP.UTF-8 and C" cmp -s "$BENCH_DIR/list.ja.json" "$BENCH_DIR/list.c.json"
