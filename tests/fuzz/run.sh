#!/bin/bash
# Builds the recording reader's libFuzzer target with clang (ASan+UBSan) and runs
# it for SECONDS (default 60) on a corpus seeded with small real recordings.
#   tests/fuzz/run.sh [SECONDS]      (make fuzz runs it with FUZZ_SECONDS)
# Exit status non-zero when the fuzzer finds a crash; the input is kept in
# build/fuzz/ (crash-*) to turn into a unit test.
set -eu
cd "$(dirname "$0")/../.."
SECS=${1:-60}
OUT=build/fuzz
mkdir -p "$OUT/corpus-rec" "$OUT/seeds-rec"
PKGS="freerdp2 winpr2 libpcap libzstd libpng libcrypto"
CFLAGS="-std=gnu11 -g -O1 -D_GNU_SOURCE -DRMGATE_VERSION=\"fuzz\" -Ireplay -Icommon $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lpthread -lm"
SRCS="$(ls replay/*.c | grep -v '/rmgate-') $(ls common/*.c)"

echo "fuzz: building $OUT/fuzz_rec_reader"
# shellcheck disable=SC2086
clang $CFLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    tests/fuzz/fuzz_rec_reader.c $SRCS $LIBS -o "$OUT/fuzz_rec_reader"
# Seeds: a tiny scripted recording, cut at a few places (crash-like files).
# shellcheck disable=SC2086
clang $CFLAGS -Itests/lib tests/bench/bench_rec.c tests/lib/*.c $SRCS $LIBS -o "$OUT/seedgen"
rm -f "$OUT/seeds-rec/"*
"$OUT/seedgen" make-tiny "$OUT/seeds-rec/tiny.rec" >/dev/null
size=$(stat -c %s "$OUT/seeds-rec/tiny.rec")
for frac in 3 5 7 9; do
    head -c $((size * frac / 10)) "$OUT/seeds-rec/tiny.rec" >"$OUT/seeds-rec/cut$frac.rec"
done
# Mode-1 seed: byte 0x01, then a KEYFRAME (64x48) and a SOLID tile (see the target).
printf '\001\002\000\022\000\000\000\0\0\0\0\0\0\0\0\100\000\060\000\003\000\026\000\000\000\0\0\0\0\0\0\0\0\000\000\000\000\000\377\020\040' \
    >"$OUT/seeds-rec/records.bin"

echo "fuzz: running fuzz_rec_reader for ${SECS}s"
ASAN_OPTIONS=detect_leaks=1 "$OUT/fuzz_rec_reader" -max_total_time="$SECS" -max_len=65536 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$OUT/" \
    "$OUT/corpus-rec" "$OUT/seeds-rec" 2>"$OUT/fuzz_rec_reader.log" || {
    echo "fuzz: fuzz_rec_reader FAILED (log $OUT/fuzz_rec_reader.log):"
    grep -E "ERROR|SUMMARY|Test unit written" "$OUT/fuzz_rec_reader.log" | head -20
    exit 1
}
grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$OUT/fuzz_rec_reader.log" | sed 's/^/fuzz: /'
echo "fuzz: fuzz_rec_reader OK (no crash in ${SECS}s; corpus $(ls "$OUT/corpus-rec" | wc -l) inputs)"
