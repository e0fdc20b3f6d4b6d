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
