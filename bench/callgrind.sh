#!/bin/sh
# bench/callgrind.sh — the repeatable figure: instructions executed per 64 KiB
# of payload moved, A->B (IPv4, MTU 1500) with all fixes and with no offload.
# valgrind --tool=callgrind counts instructions, not seconds, so the number is
# stable on a noisy machine. Only the timed flow of `illan bench` is counted
# (bench.c toggles collection around it; topology setup and the warm-up flow
# are left out), so the figure is the steady-state cost of the path.
# usage: sh bench/callgrind.sh [path/to/illan] [MiB]
ILLAN=${1:-build/src/cli/illan}
MIB=${2:-16}
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 2; }
[ -x "$ILLAN" ] || { echo "no illan at $ILLAN" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
for mode in "all-fixes" "no-offload" "fix1-off"; do
  valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/cg.$mode" \
    "$ILLAN" bench --only "A->B $mode v4 mtu1500" --reps 1 --bytes "${MIB}M" >"$out/log.$mode" 2>&1 ||
    { echo "callgrind $mode: illan bench failed" >&2; cat "$out/log.$mode" >&2; exit 1; }
  grep -q "FAILED" "$out/log.$mode" && { echo "callgrind $mode: flow failed" >&2; exit 1; }
  ir=$(grep -E "^(summary|totals):" "$out/cg.$mode" | awk '{print $2}' | tail -1)
  # the flow moves MIB MiB one way plus a 64 KiB reply
  moved=$(( (MIB * 1048576 + 65536) / 65536 ))
  echo "callgrind A->B $mode: $ir instructions for $moved x 64 KiB = $((ir / moved)) instructions per 64 KiB"
done
