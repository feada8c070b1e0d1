#!/bin/sh
# fuzz/run.sh SECONDS [TARGET...] — build the libFuzzer targets with clang
# (build-fuzz/, -Dfuzz=true) and run each for SECONDS (default 60), starting
# from its kept corpus fuzz/corpus/<target>/ (read only: new inputs go to a
# scratch directory). Prints one line per target: executions, coverage
# (edges, "cov") and features ("ft"). Exits 0 when every target ran clean,
# 1 on a crash, leak, timeout or invariant failure (the crashing input is
# left in build-fuzz/artifacts/), 2 when the build fails.
# FUZZ_BUILD_DIR overrides the build directory; FUZZ_KEEP=1 keeps the
# scratch corpora (for minimizing into the kept corpus with -merge=1).
set -u
secs=${1:-60}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/.." && pwd)
bdir=${FUZZ_BUILD_DIR:-$root/build-fuzz}
if [ ! -d "$bdir" ]; then
  CC=clang meson setup "$bdir" "$root" -Dfuzz=true -Db_lundef=false >/dev/null || exit 2
fi
targets=${*:-$(cd "$root/fuzz" && ls fuzz_*.c | sed 's/\.c$//')}
# Only the targets: the rest of the tree is the plain builds' business.
build=""
for t in $targets; do build="$build fuzz/$t"; done
ninja -C "$bdir" $build >/dev/null || { ninja -C "$bdir" $build; exit 2; }
scratch=$(mktemp -d)
mkdir -p "$bdir/artifacts"
status=0
for t in $targets; do
  exe=$bdir/fuzz/$t
  [ -x "$exe" ] || { echo "$t: not built"; status=1; continue; }
  mkdir -p "$scratch/$t" "$root/fuzz/corpus/$t"
  log=$scratch/$t.log
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$exe" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    -max_len="${FUZZ_MAX_LEN:-9100}" -artifact_prefix="$bdir/artifacts/$t-" \
    "$scratch/$t" "$root/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -aoE ' cov: [0-9]+' "$log" | tail -n 1 | tr -dc 0-9)
  ft=$(grep -aoE ' ft: [0-9]+' "$log" | tail -n 1 | tr -dc 0-9)
  corp=$(grep -aoE ' corp: [0-9]+' "$log" | tail -n 1 | tr -dc 0-9)
  if [ $rc -eq 0 ]; then
    printf '%-16s ok     execs=%s cov=%s ft=%s corpus=%s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
  else
    printf '%-16s FAILED (rc %s) execs=%s cov=%s ft=%s\n' "$t" "$rc" "${execs:-?}" "${cov:-?}" "${ft:-?}"
    grep -E 'ERROR|invariant failed|SUMMARY|Test unit written' "$log" | head -n 8 | sed 's/^/  /'
    status=1
  fi
done
if [ "${FUZZ_KEEP:-0}" = 1 ]; then
  echo "scratch corpora kept in $scratch"
else
  rm -rf "$scratch"
fi
exit $status
