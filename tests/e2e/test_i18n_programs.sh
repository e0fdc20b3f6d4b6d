#!/bin/bash
# rmgate-replay and rmgate-proxy in Japanese (issue 14 item 5): under LANG=ja_JP.UTF-8 the help,
# `info` (labels aligned by display width), a damaged recording's error, the proxy's help,
# usage errors and --check-config errors are Japanese; the C locale stays English; what a
# script reads (--json, OK/FAIL, event names) is identical in both; the gate started without a
# terminal (as under systemd) reports in English whatever the locale. The Japanese manual pages
# (docs/man/ja) name every option of the English ones, have their sections and entries, and
# render without a warning.
. "$(dirname "$0")/lib/bench.sh"

R=$BUILD/rmgate-replay
P=$BUILD/rmgate-proxy
GEN=$BUILD/bench/bench_rec
for f in "$R" "$P" "$GEN" "$BUILD/locale/ja/LC_MESSAGES/rmgate.mo"; do
    [ -e "$f" ] || bench_die "$f missing (run make all)"
done
locale -a | grep -qix 'ja_JP.utf8' || bench_die "the ja_JP.UTF-8 locale is not installed (make deps)"
T=$BENCH_DIR
JA=(env LC_ALL= LANGUAGE= LANG=ja_JP.UTF-8)
C=(env LC_ALL=C LANGUAGE=)

# A recording without a live session (as tests/e2e/test_replay_cli.sh makes it).
read -r _ SIZE < <("$GEN" make "$T/s.rec") || bench_die "bench_rec make failed"

# --- rmgate-replay ---------------------------------------------------------------------------
"${JA[@]}" "$R" --help >"$T/help.ja" 2>&1
bench_check "replay --help in ja_JP.UTF-8 is Japanese" grep -qF '使い方: rmgate-replay' "$T/help.ja"
bench_check "replay --help in Japanese keeps the option names" grep -qF -- '--no-pointer   マウスポインターを描かない' "$T/help.ja"
"${C[@]}" "$R" --help >"$T/help.c" 2>&1
bench_check "replay --help in the C locale is English" grep -qF 'Usage: rmgate-replay COMMAND RECORDING' "$T/help.c"

"${JA[@]}" "$R" info "$T/s.rec" >"$T/info.ja" 2>"$T/info.ja.err"
bench_check "replay info in Japanese: labels" \
    bash -c "grep -q '^完全性 ' '$T/info.ja' && grep -q '^キーボード配列 ' '$T/info.ja' && grep -q '^ダイジェスト ' '$T/info.ja'"
bench_check "replay info in Japanese: integrity name kept, its note translated" \
    grep -qF 'complete（ハッシュチェーンは正常、END と索引あり）' "$T/info.ja"
# Every value starts in the same terminal column: the label and its padding have one display
# width on every line (padding by bytes would give wider columns to the Japanese labels).
widths=$(sed -E 's/^([^ ]+ +).*/\1/' "$T/info.ja" | while IFS= read -r p; do
    printf '%s' "$p" | LC_ALL=C.UTF-8 wc -L; done | sort -u)
bench_expect_eq "replay info in Japanese: values aligned by display width (18 lines)" \
    "18 lines, one column" "$(wc -l <"$T/info.ja") lines, $([ "$(wc -l <<<"$widths")" = 1 ] && echo one column || echo "columns $widths")"
bench_check "replay info in Japanese: the widest label (キーボード配列, 14 columns) sets the column" \
    test "$widths" = 15
"${C[@]}" "$R" info "$T/s.rec" >"$T/info.c" 2>/dev/null
bench_check "replay info in the C locale: the English labels, 13 columns as before" \
    bash -c "grep -q '^integrity     complete (hash chain intact' '$T/info.c' && grep -q '^keyboard      Japanese' '$T/info.c'"

"${JA[@]}" "$R" verify "$T/s.rec" >"$T/verify.ja" 2>&1
bench_check "replay verify in Japanese: OK stays first for scripts, the rest Japanese" \
    grep -qE '^OK .*: パケット [0-9]+ 個、ハッシュチェーンは正常' "$T/verify.ja"

"${JA[@]}" "$R" events "$T/s.rec" --json >"$T/events.ja.json" 2>/dev/null
"${C[@]}" "$R" events "$T/s.rec" --json >"$T/events.c.json" 2>/dev/null
bench_check "replay events --json is byte-identical in ja_JP.UTF-8 and C" cmp "$T/events.ja.json" "$T/events.c.json"
bench_check "replay events --json details are English" grep -qF 'key presses' "$T/events.ja.json"
"${JA[@]}" "$R" events "$T/s.rec" >"$T/events.ja" 2>/dev/null
bench_check "replay events text in Japanese: event names kept, details Japanese" \
    bash -c "grep -qE '  input +キー操作 [0-9]+ 回' '$T/events.ja' && grep -qE '  channel_denied +cliprdr' '$T/events.ja'"

# One flipped byte in the middle: the refusal is Japanese, the reader's detail stays English.
cp "$T/s.rec" "$T/flip.rec"
off=$((SIZE / 2))
printf "$(printf '\\%03o' $(( $(od -An -tu1 -j$off -N1 "$T/s.rec") ^ 1 )))" |
    dd of="$T/flip.rec" bs=1 seek=$off conv=notrunc status=none
"${JA[@]}" "$R" keys "$T/flip.rec" >/dev/null 2>"$T/flip.ja"
bench_expect_eq "replay keys on a corrupt recording exits 1" 1 "$?"
bench_check "replay on a corrupt recording in Japanese: one Japanese line" \
    bash -c "grep -qF '記録が壊れています' '$T/flip.ja' && grep -qF \"'rmgate-replay verify' で確認してください\" '$T/flip.ja' && [ \$(wc -l <'$T/flip.ja') = 1 ]"
"${C[@]}" "$R" keys "$T/flip.rec" >/dev/null 2>"$T/flip.c"
bench_check "replay on a corrupt recording in the C locale: English" grep -qF 'corrupt recording:' "$T/flip.c"
head -c 4000 /dev/urandom >"$T/garbage.rec"
"${JA[@]}" "$R" info "$T/garbage.rec" >/dev/null 2>"$T/garbage.ja"
bench_check "replay on a file that is no recording in Japanese" grep -qF 'rmgate の記録ではありません' "$T/garbage.ja"
"${JA[@]}" "$R" info "$T/none.rec" >/dev/null 2>"$T/none.ja"
bench_check "replay on a missing file in Japanese: the system's reason is Japanese too (UTF-8, not ?)" \
    grep -qF 'を開けません: そのようなファイルやディレクトリはありません' "$T/none.ja"

# --- rmgate-proxy ----------------------------------------------------------------------------
"${JA[@]}" "$P" --help >"$T/phelp.ja" 2>&1
bench_check "proxy --help in ja_JP.UTF-8 is Japanese" \
    bash -c "grep -qF '使い方: rmgate-proxy [-c FILE]' '$T/phelp.ja' && grep -qF -- '--check-config      設定を検査し' '$T/phelp.ja'"
"${C[@]}" "$P" --help >"$T/phelp.c" 2>&1
bench_check "proxy --help in the C locale is English" grep -qF 'The rmgate RDP gate:' "$T/phelp.c"
"${JA[@]}" "$P" --frob >/dev/null 2>"$T/pusage.ja"
bench_expect_eq "proxy usage error in Japanese: exit 2, one line" "2 1" "$? $(wc -l <"$T/pusage.ja")"
bench_check "proxy usage error in Japanese names the option" grep -qF "rmgate-proxy: 不明なオプション '--frob'（--help を参照してください）" "$T/pusage.ja"

printf '[gate]\nvar_dir = %s\nmax_sessions = many\n' "$T/var" >"$T/bad.conf"
"${JA[@]}" "$P" -c "$T/bad.conf" --check-config >/dev/null 2>"$T/check.ja"
bench_expect_eq "proxy --check-config on a bad file exits 1" 1 "$?"
bench_check "proxy --check-config error in Japanese: line, key and value named" \
    grep -qF "$T/bad.conf: 3 行目: キー 'max_sessions': 値 'many' が正しくありません（1～1000 の数値を指定してください）" "$T/check.ja"
"${C[@]}" "$P" -c "$T/bad.conf" --check-config >/dev/null 2>"$T/check.c"
bench_check "proxy --check-config error in the C locale: English" \
    grep -qF "line 3: key 'max_sessions': 'many' is not a number in 1..1000" "$T/check.c"
printf '[gate]\nvar_dir = %s\ntls_ciphers = AES256-GCM-SHA384\n' "$T/var" >"$T/rsa.conf"
"${JA[@]}" "$P" -c "$T/rsa.conf" --check-config >/dev/null 2>"$T/rsa.ja"
bench_check "proxy --check-config refuses a static-RSA tls_ciphers list in one Japanese sentence" \
    grep -qF "キー 'tls_ciphers': 'AES256-GCM-SHA384' は前方秘匿性のない AES256-GCM-SHA384 を選びます" "$T/rsa.ja"
# Started as a service (stderr not a terminal): English whatever LANG, like its logs.
"${JA[@]}" "$P" -c "$T/bad.conf" >/dev/null 2>"$T/start.ja" </dev/null
bench_check "proxy started without a terminal under ja_JP.UTF-8 reports in English" \
    bash -c "grep -qF \"key 'max_sessions': 'many' is not a number\" '$T/start.ja' && ! grep -q '行目' '$T/start.ja'"
printf '[gate]\nvar_dir = %s\nlisten = 127.0.0.1:1\n' "$T/var" >"$T/good.conf"
"${JA[@]}" "$P" -c "$T/good.conf" --check-config >"$T/good.ja" 2>&1
bench_check "proxy --check-config summary in Japanese, values as they are" \
    grep -qF "設定は正常です（$T/good.conf）: 待受アドレス 1 件、ファイルの置き場所 $T/var、" "$T/good.ja"

# --- the Japanese manual ---------------------------------------------------------------------
# Long options named in a page (\-\-name, in text and examples), outside comments.
man_options() {
    grep -v '^\.\\"' "$1" | sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}
for en in "$BENCH_ROOT"/docs/man/*.[15]; do
    page=$(basename "$en")
    ja=$BENCH_ROOT/docs/man/ja/$page
    if [ ! -f "$ja" ]; then
        bench_fail "docs/man/ja/$page exists" "no Japanese page for docs/man/$page"
        continue
    fi
    missing=$(comm -3 <(man_options "$en") <(man_options "$ja") | tr -d '\t' | tr '\n' ' ')
    bench_expect_eq "man $page: the Japanese page names the same options as the English ($(man_options "$en" | wc -l))" "" "$missing"
    bench_expect_eq "man $page: same sections and entries (.SH, .TP) as the English" \
        "$(grep -c '^\.SH' "$en") $(grep -c '^\.TP' "$en")" "$(grep -c '^\.SH' "$ja") $(grep -c '^\.TP' "$ja")"
    bench_check "man $page: the Japanese page names the English page it follows" grep -qF "翻訳元: docs/man/$page" "$ja"
    MANWIDTH=80 LANG=ja_JP.UTF-8 LC_ALL= man --warnings -l "$ja" >"$T/$page.txt" 2>"$T/$page.warn"
    bench_check "man $page: the Japanese page renders without warnings" \
        bash -c "[ -s '$T/$page.txt' ] && [ ! -s '$T/$page.warn' ]"
done
bench_check "man rmgate-replay in Japanese: the rendered page is Japanese" grep -qF 'rmgate のセッションの記録を調べ' "$T/rmgate-replay.1.txt"
