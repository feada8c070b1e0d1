#!/bin/sh
# Build twice — plain with gcc, and ASan+UBSan (no recovery) with clang, so
# both compilers build the tree with -Werror — run every test in both, and
# print "N passed, N failed" (N = test cases, counted from the TAP lines each
# test program prints). Exit 1 on any failure.
set -u
cd "$(dirname "$0")/.."
status=0
for cfg in build build-san; do
  if [ ! -d "$cfg" ]; then
    if [ "$cfg" = build-san ]; then
      CC=clang CFLAGS="-fno-sanitize-recover=all" meson setup "$cfg" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || status=1
    else
      meson setup "$cfg" >/dev/null || status=1
    fi
  fi
  ninja -C "$cfg" || { echo "build of $cfg failed"; status=1; continue; }
  meson test -C "$cfg" --num-processes 2 --print-errorlogs >"$cfg/test-console.txt" 2>&1 || status=1
  tail -n 12 "$cfg/test-console.txt"
done
# Every libFuzzer target for a bounded time (issue 9: "a minute or so
# together" in CI), counted as one case. ILLAN_FUZZ_SECONDS=0 skips it.
fuzz_secs=${ILLAN_FUZZ_SECONDS:-8}
extra=""
if [ "$fuzz_secs" != 0 ]; then
  if sh fuzz/run.sh "$fuzz_secs" >fuzz-run.log 2>&1; then
    extra="--extra-pass 1"
  else
    extra="--extra-fail 1"; status=1
  fi
  sed 's/^/# fuzz: /' fuzz-run.log | tail -n 14
fi
python3 tools/count-tests.py $extra build/meson-logs/testlog.json build-san/meson-logs/testlog.json || status=1
exit $status
