#!/bin/sh
# bench/callgrind.sh — the repeatable figure: instructions executed per 64 KiB
# of payload moved, A->B (IPv4, MTU 1500) with all fixes and with no offload.
# valgrind --tool=callgrind counts instructions, not seconds, so the number is
# stable on a noisy machine. Only the timed flow of `illan bench` is counted
# (bench.c toggles collection around it; topology setup and the warm-up flow
# are left out), so the figure is the steady-state cost of the path.
# With --scale: instructions per packet of `illan bench --scale`'s flows
# cases (1, 100, 10,000 flows through the bridge) and per broadcast of its
# fan-out cases (1..63 receivers), each timed loop dumped on its own.
# usage: sh bench/callgrind.sh [path/to/illan] [MiB]
#        sh bench/callgrind.sh --scale [path/to/illan]
scale=0
if [ "$1" = "--scale" ]; then scale=1; shift; fi
ILLAN=${1:-build/src/cli/illan}
MIB=${2:-16}
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 2; }
[ -x "$ILLAN" ] || { echo "no illan at $ILLAN" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
if [ $scale = 1 ]; then
  # --quick: 20,000 frames per flows case, 500 broadcasts per fan-out case
  for part in flows fanout; do
    valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/cg.$part" \
      "$ILLAN" bench --scale --quick --only "$part" >"$out/log.$part" 2>&1 ||
      { echo "callgrind --scale $part: illan bench failed" >&2; cat "$out/log.$part" >&2; exit 1; }
    grep -q "FAILED" "$out/log.$part" && { echo "callgrind --scale $part: frames lost" >&2; exit 1; }
  done
  # one dump per timed loop: its trigger names the case ("flows 100")
  for f in "$out"/cg.flows.* "$out"/cg.fanout.*; do
    [ -f "$f" ] || continue
    what=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
    ir=$(grep -E "^(summary|totals):" "$f" | awk '{print $2}' | tail -1)
    case "$what" in
      flows*) echo "callgrind $what: $((ir / 20000)) instructions per packet" ;;
      fanout*) echo "callgrind $what receivers: $((ir / 500)) instructions per broadcast" ;;
    esac
  done
  exit 0
fi
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
