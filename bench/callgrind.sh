#!/bin/sh
# bench/callgrind.sh — the repeatable figure: instructions executed per 64 KiB
# of payload moved A->B with all fixes (valgrind --tool=callgrind counts
# instructions, not seconds, so the number is stable on a noisy machine).
# usage: sh bench/callgrind.sh [path/to/illan] [MiB]
ILLAN=${1:-build/src/cli/illan}
MIB=${2:-8}
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 2; }
out=$(mktemp -d)
for mode in all no-offload; do
  extra=""
  [ $mode = no-offload ] && extra="--no-offload"
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.$mode" "$ILLAN" run --bytes ${MIB}M \
    --reply-bytes 64K $extra >/dev/null 2>"$out/log.$mode"
  ir=$(grep -E "Collected|summary" "$out/cg.$mode" | awk '{print $2}' | tail -1)
  # both flows move MIB MiB each way plus 64 KiB replies
  moved=$(( (2 * MIB * 1048576 + 2 * 65536) / 65536 ))
  echo "callgrind $mode: $ir instructions for $moved x 64 KiB = $((ir / moved)) instructions per 64 KiB"
done
rm -rf "$out"
