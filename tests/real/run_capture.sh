#!/bin/sh
# run_capture.sh ILLAN — `illan netns up --pcap DIR --trace FILE` (issue 14):
# in real mode the daemon writes the same artefacts as `illan run`, bounded
# the same way (the first 8 packets of each direction of each of the first 16
# connections): an iperf3 connection VM A -> VM B is named by its addresses
# and ports, its SYN and SYN-ACK are traced hop by hop, the trace has its
# header and its ACK summary, and the pcapng files carry a comment per frame
# that tshark reads. Root; takes the machine-wide lock; a lab of its own
# ($LAB), taken down on every exit path. TAP output.
set -u
ILLAN=${1:?usage: run_capture.sh ILLAN}
LAB=illantest-cap
DIR=/run/illan
STATE=$(mktemp -d)
N=0
FAILED=0
. "$(dirname "$0")/lib.sh"
NSS="$LAB-vm-a $LAB-vm-b $LAB-host-x $LAB-illan-io"
need_real
take_lock 300
cap=$STATE/cap
mkdir -p "$cap"
cleanup() {
  ns_killall
  timeout 60 "$ILLAN" netns down --name $LAB >/dev/null 2>&1
  [ -n "${KEEP:-}" ] && cp -r "$cap" "$KEEP"; rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

check "netns up --pcap --trace brings the lab up" sh -c "timeout 60 '$ILLAN' netns up --name $LAB --pcap '$cap/p' --trace '$cap/t.txt' >'$STATE/out' 2>&1 || { cat '$STATE/out'; false; }"
check "netns up refuses --pcap for down" sh -c "! '$ILLAN' netns down --name $LAB --pcap /tmp/x 2>/dev/null"
in_ns $LAB-vm-b iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
sleep 1
check "iperf3 VM A -> VM B through the daemon" sh -c "timeout 30 ip netns exec $LAB-vm-a iperf3 -c 192.0.2.2 -p 5201 -n 2M >/dev/null"
timeout 60 "$ILLAN" netns down --name $LAB >/dev/null 2>&1   # the daemon closes the files
t=$cap/t.txt
check "the trace opens with its header, timed in real time" sh -c "head -1 '$t' | grep -q '^# illan trace' && grep -q 'of real time from the start of the trace' '$t'"
check "the connection is named by its addresses and ports" grep -qE "^ *[0-9.]+ 192\.0\.2\.1:[0-9]+->192\.0\.2\.2:5201 +fwd +SYN " "$t"
check "the SYN-ACK is traced and named as such" grep -qE "192\.0\.2\.2:5201 +reply +SYN-ACK .* vm-a rx " "$t"
check "ILLAN hops show the hypervisor's flags: the send descriptor at vm-a tx, the queue entry at vm-b rx" sh -c "grep -qE ' vm-a tx .* desc=VALID' '$t' && grep -qE ' vm-b rx .* rxq=VALID' '$t'"
check "pure ACKs are summarised at the end" sh -c "tail -1 '$t' | grep -qE '^# pure ACKs not listed: [0-9]+ hops'"
# bounded: per direction at most 8 packets plus 8 GSO/frag_list ones, each
# with one line per hop
bounded() { # at least one packet, and no flow direction with more than 16
  awk '$3 == "fwd" || $3 == "reply" { k = $2 " " $3; if (!seen[k " " $5]++) c[k]++ }
       END { m = 0; for (k in c) if (c[k] > m) m = c[k]; exit !(m > 0 && m <= 16) }' "$1"
}
check "the trace is bounded (at most 16 packets per direction per connection)" bounded "$t"
check "one pcapng per hop" sh -c "ls '$cap/p' | grep -q '^vm-a_tx.pcapng\$' && ls '$cap/p' | grep -q '^vm-b_rx.pcapng\$'"
if command -v tshark >/dev/null 2>&1; then
  check "tshark reads the frames and their offload comments" sh -c "tshark -r '$cap/p/vm-a_tx.pcapng' -T fields -e frame.comment 2>/dev/null | grep -q '^vm-a tx: ip_summed='"
  check "pcap frames carry the time of day" sh -c "tshark -r '$cap/p/vm-a_tx.pcapng' -T fields -e frame.time_epoch 2>/dev/null | head -1 | awk '{exit !(\$1 > 1600000000)} END {exit NR != 1}'"
else
  skip "tshark reads the frames" "tshark not installed"
fi
echo "1..$N"
[ "$FAILED" = 0 ]
