#!/bin/sh
# run_why.sh ILLAN — real mode explains its drops (issue 14, "Real mode
# explains"). Prints TAP lines.
#  - fix 2 off (--fixes 1,3,4): ping works, iperf3 A -> B and X -> B never
#    connect; `illan why` names each drop the kernels counted in the run
#    report's own sentence (the text `illan run --fixes 1,3,4` prints for
#    the same drop, under the connection's label), one line per kernel
#    TcpInCsumErrors; the next `illan why` starts afresh; `--all` keeps all;
#    `why --json` gives it with its seed issue and kernel counter;
#    `illan watch --until` streams the line as it happens; the daemon's log
#    carries it with a time stamp;
#  - fix 3 off (--fixes 1,2,4): the first SYN dies of the upcall's checksum,
#    explained as `illan run --fixes 1,2,4` explains it;
#  - `illan stats --nonzero`, `--device NAME`, `--delta`; `illan flows`
#    names the ports; no rx_errors on the wire after a start.
# Root, /dev/net/tun and namespaces, or skip (77). Serialized with the other
# real-traffic scripts by /run/illan-real-tests.lock; the cases run bounded
# (BODY_LIMIT) and everything is cleaned up on every exit path.
set -u
BODY_LIMIT=${ILLAN_WHY_LIMIT:-200}   # seconds; meson's timeout is 360
DIR=/run/illan
. "$(dirname "$0")/lib.sh"

# ======================================================================
# Outer part: checks, lock, bounded body, cleanup, final check.
# ======================================================================
if [ "${1:-}" != --body ]; then
  ILLAN=${1:?usage: run_why.sh path/to/illan}
  need_real
  need_netns "$ILLAN"
  take_lock 300
  cleanup() {
    ns_killall
    timeout 30 "$ILLAN" netns down >/dev/null 2>&1
    ns_killall
    return 0
  }
  outer_start why
  outer_body "$BODY_LIMIT" cases "$ILLAN"
  outer_finish "after the suite: no namespace, process, interface or daemon left" leftovers
fi

# ======================================================================
# The cases (run by the outer part, under its time limit).
# ======================================================================
ILLAN=${2:?}
body_start

# The count `illan why` output $1 gives the line that contains $2 exactly.
count_of() { grep -F -- "$2" "$1" | head -1 | sed 's/^ *\([0-9]*\)x .*/\1/'; }
# The embedded report's sentence for a drop: `illan run ARGS`'s drops line
# under label $1 that contains $2, without its count and label.
embedded() { # embedded LABEL TEXT run-args...
  label=$1 text=$2; shift 2
  "$ILLAN" run "$@" | grep -F -- "] $text" | grep -F -- "[$label]" | head -1 |
    sed 's/^ *[0-9]*x \[[^]]*\] //'
}
# A TCP connection attempt that is expected to fail (or succeed late).
try_tcp() { # try_tcp FROM TO ADDR CONNECT_TIMEOUT_MS
  in_ns "$2" timeout 20 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
  wait_listen "$2" 5201
  in_ns "$1" timeout 10 iperf3 -c "$3" -p 5201 -t 1 --connect-timeout "$4" >/dev/null 2>&1
  r=$?
  ns_killall
  return $r
}

# ---- fix 2 off: the SYN reaches B with a zero checksum and no offload flag ----------
S2=$(embedded A-\>B "SYN dropped at VM B" --fixes 1,3,4)
S2X=$(embedded X-\>B "SYN-ACK dropped at host X" --fixes 1,3,4)
check "the embedded report explains fix 2 off (its sentences are what real mode must print)" \
  sh -c "echo '$S2' | grep -q 'left trunk-out without NO_CSUM|CSUM_GOOD.*seed issue 2' &&
         echo '$S2X' | grep -q 'physical NIC.*seed issue 2'"
if up "netns up --fixes 1,3,4 (fix 2 off)" --fixes 1,3,4; then
  "$ILLAN" stats --device wire-x >"$STATE/wire.txt"
  check "after a start the wire counts no receive error (rx_errors 0, rx_read_errors 0)" \
    sh -c "grep -Eq '^wire-x +rx_errors +0\$' '$STATE/wire.txt' &&
           grep -Eq '^wire-x +rx_read_errors +0\$' '$STATE/wire.txt'"
  "$ILLAN" why >"$STATE/why0.txt"
  check "illan why before any traffic: nothing went wrong since the start" \
    grep -q '^since the daemon started (.* s ago): nothing went wrong$' "$STATE/why0.txt"
  "$ILLAN" watch --for 30 --until "seed issue 2" >"$STATE/watch.txt" 2>&1 &
  wpid=$!
  sleep 1
  e0=$(nstat_get vm-b TcpInCsumErrors)
  x0=$(nstat_get host-x TcpInCsumErrors)
  check "fix 2 off: ping vm-a -> vm-b works" quiet in_ns vm-a timeout 10 ping -c 2 -i 0.2 -W 2 192.0.2.2
  try_tcp vm-a vm-b 192.0.2.2 4000; rc=$?
  check "fix 2 off: iperf3 vm-a -> vm-b never connects" test $rc != 0
  e1=$(nstat_get vm-b TcpInCsumErrors)
  "$ILLAN" why >"$STATE/why1.txt"
  sed 's/^/# /' "$STATE/why1.txt"
  L2="[vm-a->vm-b:5201] $S2 (vm-b's kernel: TcpInCsumErrors)"
  check "illan why: the SYN's drop in vm-b in the embedded report's words, under its connection" \
    grep -qF -- "$L2" "$STATE/why1.txt"
  c=$(count_of "$STATE/why1.txt" "$L2")
  note "vm-b TcpInCsumErrors $e0 -> $e1; illan why counts ${c:-none}"
  check "illan why: one explained SYN for each TcpInCsumErrors vm-b counted ($((e1 - e0)))" \
    test "${c:-0}" = $((e1 - e0))
  check "illan why: vm-a's SYN retransmissions are named (TcpExtTCPSynRetrans)" \
    grep -q "vm-a's kernel retransmitted a SYN or SYN-ACK: it or its answer was lost (TcpExtTCPSynRetrans)" "$STATE/why1.txt"
  check "illan why: no unexplained kernel drop (every TcpInCsumErrors matched a packet)" \
    sh -c "! grep -q 'dropped at vm-b.s kernel' '$STATE/why1.txt'"
  wait $wpid; wrc=$?
  check "illan watch --until 'seed issue 2': streams the line and exits 0" \
    sh -c "[ $wrc = 0 ] && grep -qF -- \"\$1\" '$STATE/watch.txt' &&
           grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]+x ' '$STATE/watch.txt'" sh "$L2"
  check "the daemon's log carries the explanation with a time stamp" \
    sh -c "grep -F -- \"\$1\" $DIR/daemon.log | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} illan-daemon\[[0-9]+\]: why: [0-9]+x '" sh "$L2"
  "$ILLAN" why >"$STATE/why2.txt"
  check "a second illan why right after: nothing went wrong since the last one" \
    grep -q "^since the last 'illan why' (.* s ago): nothing went wrong$" "$STATE/why2.txt"
  "$ILLAN" why --all >"$STATE/why3.txt"
  check "illan why --all: still everything since the start" grep -qF -- "$L2" "$STATE/why3.txt"
  "$ILLAN" why --all --json >"$STATE/why3.json"
  check "illan why --all --json: the same sentence with its count, seed issue and the kernel counter that showed it" \
    python3 -c "import json, sys
w = json.load(open(sys.argv[1]))
e = [x for x in w['explanations'] if x['text'] == sys.argv[2]]
assert w['since'] == 'start' and not w['nothing_went_wrong'], w
assert len(e) == 1 and e[0]['seed_issue'] == 2 and e[0]['counter'] == 'TcpInCsumErrors', e
assert e[0]['object'] == \"vm-b's kernel\" and e[0]['count'] >= max(1, int(sys.argv[3])), e" \
    "$STATE/why3.json" "$L2" "${c:-0}"
  # host X: its SYN reaches vm-b; vm-b's SYN-ACK leaves the NIC with checksum 0
  try_tcp host-x vm-b 192.0.2.2 3000; rc=$?
  x1=$(nstat_get host-x TcpInCsumErrors)
  "$ILLAN" why >"$STATE/why4.txt"
  sed 's/^/# /' "$STATE/why4.txt"
  LX="[host-x->vm-b:5201] $S2X (host-x's kernel: TcpInCsumErrors)"
  cx=$(count_of "$STATE/why4.txt" "$LX")
  note "host-x TcpInCsumErrors $x0 -> $x1; illan why counts ${cx:-none}"
  check "fix 2 off: iperf3 host-x -> vm-b never connects" test $rc != 0
  check "illan why: the SYN-ACK's drop in host-x in the embedded report's words" \
    grep -qF -- "$LX" "$STATE/why4.txt"
  check "illan why: one explained SYN-ACK for each TcpInCsumErrors host-x counted ($((x1 - x0)))" \
    test "${cx:-0}" = $((x1 - x0))

  # ---- illan stats --nonzero, --device, --delta ----
  "$ILLAN" stats >"$STATE/all.txt"
  "$ILLAN" stats --nonzero >"$STATE/nz.txt"
  check "stats --nonzero: no counter line of value 0, fewer lines than all" \
    sh -c "! grep -Eq '^[^ ]+ +[^ ]+ +0\$' '$STATE/nz.txt' &&
           [ \$(wc -l <'$STATE/nz.txt') -lt \$(wc -l <'$STATE/all.txt') ] &&
           grep -Eq '^tap-b +tx_packets +[1-9]' '$STATE/nz.txt'"
  "$ILLAN" stats --device tap-b >"$STATE/dev.txt"
  check "stats --device tap-b: only tap-b's counters, all of them" \
    sh -c "[ -s '$STATE/dev.txt' ] && ! grep -qv '^tap-b ' '$STATE/dev.txt' &&
           [ \$(wc -l <'$STATE/dev.txt') = \$(grep -c '^tap-b ' '$STATE/all.txt') ]"
  "$ILLAN" stats --device vm-b --nonzero >"$STATE/kdev.txt"
  check "stats --device vm-b: the adapter's and vm-b's kernel's (TcpInCsumErrors) counters" \
    sh -c "grep -Eq '^kernel:vm-b +TcpInCsumErrors +[1-9]' '$STATE/kdev.txt' &&
           grep -Eq '^vm-b +rx_packets' '$STATE/kdev.txt'"
  "$ILLAN" stats --device no-such-dev >/dev/null 2>"$STATE/err"; rc=$?
  check "stats --device no-such-dev: exit 1, says so" sh -c "[ $rc = 1 ] && grep -q \"no device 'no-such-dev'\" '$STATE/err'"
  "$ILLAN" stats --delta >/dev/null
  quiet in_ns vm-a timeout 10 ping -c 5 -i 0.2 -W 2 192.0.2.2
  d1=$("$ILLAN" stats --delta --device tap-a | awk '$2 == "rx_packets" { print $3 }')
  d2=$("$ILLAN" stats --delta --device tap-a | awk '$2 == "rx_packets" { print $3 }')
  all_a=$("$ILLAN" stats --device tap-a | awk '$2 == "rx_packets" { print $3 }')
  note "tap-a rx_packets: delta over 5 pings $d1, right after $d2, total $all_a"
  check "stats --delta: the increase since the last --delta (5 pings: >= 5, less than the total)" \
    sh -c "[ '$d1' -ge 5 ] && [ '$d1' -lt '$all_a' ] && [ '$d2' -lt '$d1' ]"
  "$ILLAN" flows >"$STATE/flows.txt"
  check "illan flows names the ports: in_port(trunk-in) ... actions:...trunk-out, no port number" \
    sh -c "grep -q '^in_port(trunk-in),.*actions:.*trunk-out' '$STATE/flows.txt' &&
           ! grep -q '^in_port([0-9]' '$STATE/flows.txt'"
  "$ILLAN" stats --delta --json --nonzero >"$STATE/dj.json"
  check "stats --delta --json --nonzero: JSON, no zero value" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["counters"]
assert all(v for o in d.values() for v in o.values())' "$STATE/dj.json"
  down
else
  notok "fix 2 cases not run (netns up failed)"
fi

# ---- fix 3 off: the first packet of each flow (upcall) carries a wrong checksum ----
S3=$(embedded A-\>B "SYN dropped at VM B" --fixes 1,2,4)
if up "netns up --fixes 1,2,4 (fix 3 off)" --fixes 1,2,4; then
  e0=$(nstat_get vm-b TcpInCsumErrors)
  try_tcp vm-a vm-b 192.0.2.2 6000; rc=$?
  e1=$(nstat_get vm-b TcpInCsumErrors)
  "$ILLAN" why >"$STATE/why5.txt"
  sed 's/^/# /' "$STATE/why5.txt"
  L3="[vm-a->vm-b:5201] $S3 (vm-b's kernel: TcpInCsumErrors)"
  note "iperf3 exit $rc; vm-b TcpInCsumErrors $e0 -> $e1"
  check "fix 3 off: the embedded report says seed issue 3 for A -> B's SYN" \
    sh -c "echo '$S3' | grep -q 'OVS upcall completed the checksum.*seed issue 3'"
  check "fix 3 off: illan why explains vm-b's checksum drop as the embedded report does" \
    grep -qF -- "$L3" "$STATE/why5.txt"
  c=$(count_of "$STATE/why5.txt" "$L3")
  check "fix 3 off: as many as vm-b counted ($((e1 - e0)))" test "${c:-0}" = $((e1 - e0))
  down
else
  notok "fix 3 cases not run (netns up failed)"
fi

: >"$STATE/finished"
