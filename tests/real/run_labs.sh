#!/bin/sh
# run_labs.sh ILLAN EXAMPLES — real mode from topology files, and labs side
# by side (issue 13, "Real mode"). Prints TAP lines.
#  - examples/many-lpars-8.yaml as lab $LB: ten namespaces (8 partitions on
#    VLANs 10 and 20, host X, the IO namespace) with the file's addresses;
#    every pair on each VLAN pings (IPv4 and IPv6), nothing reaches across
#    the VLANs even with an address in the other VLAN's subnet, iperf3 from
#    host X to a partition crosses the IO server (trunk, bridge, NIC);
#  - the seed as lab $LA and the default lab at the same time, each
#    pinging, each with its own daemon, directory and counters;
#  - what real mode cannot build, a bad name, a namespace that is someone
#    else's: refused, nothing made;
#  - down, also after kill -9 of a lab's daemon, leaves nothing: no
#    namespace, no process, no interface, no daemon, no lab directory.
# Root, /dev/net/tun and namespaces, or skip (77). Serialized with the other
# real-traffic scripts by /run/illan-real-tests.lock; the cases run bounded
# (BODY_LIMIT) and everything is cleaned up on every exit path. Traffic
# stays inside the namespaces this script makes (documentation ranges).
set -u
BODY_LIMIT=${ILLAN_LABS_LIMIT:-200}   # seconds; meson's timeout is 360
DIR=/run/illan
LA=illantest-a
LB=illantest-b
LC=illantest-c
. "$(dirname "$0")/lib.sh"
# Every namespace a case here may make (lib.sh's helpers walk $NSS).
NSS="vm-a vm-b host-x illan-io"
for n in vm-a vm-b host-x illan-io; do NSS="$NSS $LA-$n"; done
for n in lpar01 lpar02 lpar03 lpar04 lpar05 lpar06 lpar07 lpar08 host-x illan-io; do NSS="$NSS $LB-$n"; done
NSS="$NSS $LC-vm-a $LC-vm-b $LC-host-x $LC-illan-io $LC-web"
LD=illantest-d   # the seed with the real kernel driver in every adapter
NSS="$NSS $LD-vm-a $LD-vm-b $LD-host-x $LD-illan-io"

# Nothing of any lab: namespaces, processes in them, interfaces in our
# namespace, daemons of the default lab's or a lab's directory, the labs'
# directories.
nothing_left() {
  bad=0
  base=$DIR
  for d in "$base" "$base/$LA" "$base/$LB" "$base/$LC" "$base/$LD"; do
    DIR=$d
    leftovers || bad=1
  done
  DIR=$base
  for l in $LA $LB $LC $LD; do
    [ -e "$DIR/$l" ] && { note "left: directory $DIR/$l"; bad=1; }
  done
  return $bad
}

# ======================================================================
# Outer part: checks, lock, bounded body, cleanup, final check.
# ======================================================================
if [ "${1:-}" != --body ]; then
  ILLAN=${1:?usage: run_labs.sh path/to/illan path/to/examples}
  EX=${2:?usage: run_labs.sh path/to/illan path/to/examples}
  need_real
  need_netns "$ILLAN"
  take_lock 300
  cleanup() {
    ns_killall
    for l in "--name $LB" "--name $LA" "--name $LC" "--name $LD" ""; do
      timeout 30 "$ILLAN" netns down $l >/dev/null 2>&1
    done
    ns_killall
    # A namespace the refusal case planted, should the body have died.
    [ -e "/run/netns/$LC-vm-a" ] && ip netns del "$LC-vm-a"
    return 0
  }
  outer_start labs
  outer_body "$BODY_LIMIT" cases "$ILLAN" "$EX"
  outer_finish "after the suite: no namespace, process, interface, daemon or lab directory left" nothing_left
fi

# ======================================================================
# The cases (run by the outer part, under its time limit).
# ======================================================================
ILLAN=${2:?}
EX=${3:?}
body_start

# lib.sh's down, but keeping what `netns down` said.
down() { # down [--name LAB]
  ns_killall
  timeout 30 "$ILLAN" netns down "$@" >"$STATE/down.out" 2>&1
}
ping4() { quiet in_ns "$1" timeout 10 ping -4 -c 1 -W 2 "$2"; }
ping6() { quiet in_ns "$1" timeout 10 ping -6 -c 1 -W 2 "$2"; }
# A lab's namespaces (those whose name begins with "$1-"), from ip netns.
lab_nss() { ip netns list | awk -v p="$1-" 'index($1, p) == 1 { print $1 }'; }
# Sum of one counter of one object of a lab (illan stats --json).
stat_get() { # stat_get LAB OBJECT COUNTER
  timeout 10 "$ILLAN" stats --json --name "$1" | python3 -c '
import json, sys
print(json.load(sys.stdin)["counters"].get(sys.argv[1], {}).get(sys.argv[2], -1))' "$2" "$3"
}

# ---- refused: nothing is made ---------------------------------------------------
timeout 30 "$ILLAN" netns up "$EX/bridge-in-a-partition.yaml" --name $LC >"$STATE/out" 2>"$STATE/err"; rc=$?
check "a topology with a container: up refuses (exit 1), 'not supported in real mode yet', nothing made" sh -c "
  [ $rc = 1 ] && grep -q 'not supported in real mode yet' '$STATE/err' && [ -z \"\$(ip netns list | grep '^$LC-')\" ] &&
  [ ! -e '$DIR/$LC' ]"
timeout 30 "$ILLAN" netns up --name 'no good' >/dev/null 2>"$STATE/err"; rc=$?
check "--name with a space: refused (exit 2)" sh -c "[ $rc = 2 ] && grep -q 'bad --name' '$STATE/err'"
ip netns add "$LC-vm-a"
timeout 30 "$ILLAN" netns up --name $LC >"$STATE/out" 2>"$STATE/err"; rc=$?
check "a namespace with a lab's name that the lab did not make: up refuses, leaves it, makes nothing" sh -c "
  [ $rc = 1 ] && grep -q 'exists and is not lab $LC' '$STATE/err' && [ -e /run/netns/$LC-vm-a ] &&
  [ ! -e /run/netns/$LC-vm-b ] && [ ! -e '$DIR/$LC' ]"
timeout 30 "$ILLAN" netns down --name $LC >/dev/null 2>&1
check "down of a lab that is not up leaves that namespace alone" test -e "/run/netns/$LC-vm-a"
ip netns del "$LC-vm-a"

# ---- many-lpars-8 as lab B ------------------------------------------------------
if up "netns up many-lpars-8.yaml --name $LB" "$EX/many-lpars-8.yaml" --name $LB; then
  check "lab $LB: ten namespaces, each named $LB-..." sh -c "[ \"\$(ip netns list | grep -c '^$LB-')\" = 10 ]"
  check "status --json: the file's addresses in each namespace, the mapping, names within 15 characters" sh -c "
    timeout 10 '$ILLAN' netns status --json --name $LB | python3 -c '
import json, sys
s = json.load(sys.stdin)
ns = {n[\"name\"]: n for n in s[\"namespaces\"]}
ok = s[\"lab\"] == \"$LB\" and len(ns) == 10 and s[\"daemon\"][\"running\"]
for i in range(1, 9):
    v = ns.get(\"$LB-lpar0%d\" % i, {})
    v4 = \"192.0.2.%d/27\" % (i if i <= 4 else 28 + i)
    ok = ok and v.get(\"exists\") and v.get(\"ipv4\") == v4
ok = ok and ns[\"$LB-host-x\"][\"ipv4\"] == \"192.0.2.30/27\" and ns[\"$LB-illan-io\"][\"exists\"]
ifs = s[\"interfaces\"]
ok = ok and len(ifs) == 9 and ifs[0][\"device\"] == \"tap-l01\" and ifs[0][\"attached_to\"] == \"lpar01\"
ok = ok and ifs[8][\"kind\"] == \"wire\" and ifs[8][\"attached_to\"] == \"phys\"
ok = ok and all(len(f[\"interface\"]) <= 15 and len(f.get(\"io_interface\", \"\")) <= 15 for f in ifs)
sys.exit(0 if ok else 1)'"
  # Every ordered pair on VLAN 10 (lpar01..04 and host X) and on VLAN 20.
  v10="$LB-lpar01:1 $LB-lpar02:2 $LB-lpar03:3 $LB-lpar04:4 $LB-host-x:30"
  v20="$LB-lpar05:33:1 $LB-lpar06:34:2 $LB-lpar07:35:3 $LB-lpar08:36:4"
  bad4=0 bad6=0 n=0
  for a in $v10; do for b in $v10; do
    [ "$a" = "$b" ] && continue
    n=$((n + 1))
    ping4 "${a%%:*}" "192.0.2.${b##*:}" || { note "VLAN 10: ${a%%:*} -> 192.0.2.${b##*:} failed"; bad4=1; }
    ping6 "${a%%:*}" "2001:db8:0:1::${b##*:}" || { note "VLAN 10: ${a%%:*} -> 2001:db8:0:1::${b##*:} failed"; bad6=1; }
  done; done
  for a in $v20; do for b in $v20; do
    [ "$a" = "$b" ] && continue
    n=$((n + 1))
    nsa=${a%%:*} v4b=$(echo "$b" | cut -d: -f2) v6b=$(echo "$b" | cut -d: -f3)
    ping4 "$nsa" "192.0.2.$v4b" || { note "VLAN 20: $nsa -> 192.0.2.$v4b failed"; bad4=1; }
    ping6 "$nsa" "2001:db8:0:2::$v6b" || { note "VLAN 20: $nsa -> 2001:db8:0:2::$v6b failed"; bad6=1; }
  done; done
  check "every pair on each VLAN pings over IPv4 ($n pairs)" test $bad4 = 0
  check "every pair on each VLAN pings over IPv6 ($n pairs)" test $bad6 = 0
  # Across the VLANs: give lpar01 (VLAN 10) an address in VLAN 20's
  # subnets and lpar05 (VLAN 20) one in VLAN 10's, so the kernel asks on
  # its own link (ARP, ND) rather than finding no route. Nobody answers:
  # the neighbour entries end FAILED or INCOMPLETE.
  in_ns $LB-lpar01 ip addr add 192.0.2.62/27 dev eth0
  in_ns $LB-lpar01 ip addr add 2001:db8:0:2::99/64 dev eth0 nodad
  in_ns $LB-lpar05 ip addr add 192.0.2.29/27 dev eth0
  in_ns $LB-lpar05 ip addr add 2001:db8:0:1::99/64 dev eth0 nodad
  t0=$(stat_get $LB tap-l01 rx_packets)
  crossed=0
  for t in "$LB-lpar01 192.0.2.33" "$LB-lpar01 192.0.2.36" "$LB-lpar05 192.0.2.1" "$LB-lpar05 192.0.2.30"; do
    set -- $t
    ping4 "$1" "$2" && { note "crossed VLANs: $1 -> $2"; crossed=1; }
  done
  for t in "$LB-lpar01 2001:db8:0:2::1" "$LB-lpar05 2001:db8:0:1::1" "$LB-lpar05 2001:db8:0:1::30"; do
    set -- $t
    ping6 "$1" "$2" && { note "crossed VLANs: $1 -> $2"; crossed=1; }
  done
  t1=$(stat_get $LB tap-l01 rx_packets)
  check "nothing reaches across the VLANs (IPv4 and IPv6, with addresses in the other VLAN's subnets)" \
    test $crossed = 0
  check "... and the requests did leave: unanswered neighbour entries, frames into the emulator" sh -c "
    in_ns() { ns=\$1; shift; ip netns exec \"\$ns\" \"\$@\"; }
    in_ns $LB-lpar01 ip neigh show 192.0.2.33 | grep -Eq 'FAILED|INCOMPLETE' &&
    in_ns $LB-lpar05 ip -6 neigh show 2001:db8:0:1::1 | grep -Eq 'FAILED|INCOMPLETE' && [ $t1 -gt $t0 ]"
  # Host X to lpar01 across the IO server: X's cable, the NIC, the bridge,
  # the trunk (VLAN 10 untagged), the hypervisor, lpar01's adapter.
  in_ns $LB-lpar01 timeout 25 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
  i=0; while [ $i -lt 50 ] && [ -z "$(in_ns $LB-lpar01 ss -ltnH 'sport = :5201' 2>/dev/null)" ]; do
    sleep 0.1; i=$((i + 1)); done
  w0=$(stat_get $LB wire-x rx_packets) k0=$(stat_get $LB trunk0 tx_packets)
  in_ns $LB-host-x timeout 20 iperf3 -c 192.0.2.1 -p 5201 -t 2 -J >"$STATE/iperf.json" 2>&1; rc=$?
  wait
  w1=$(stat_get $LB wire-x rx_packets) k1=$(stat_get $LB trunk0 tx_packets)
  note "wire-x rx_packets $w0 -> $w1, trunk0 tx_packets $k0 -> $k1"
  check "iperf3 host X -> lpar01 across the IO server (-t 2): the receiver got what was sent" sh -c "
    [ $rc = 0 ] && python3 - '$STATE/iperf.json' <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
sent, recv = r['end']['sum_sent']['bytes'], r['end']['sum_received']['bytes']
print('# sent %d received %d bytes, %.0f Mbit/s' % (sent, recv, r['end']['sum_received']['bits_per_second'] / 1e6))
sys.exit(0 if recv > 1_000_000 and sent - 16_000_000 <= recv <= sent else 1)
EOF"
  check "... through the IO server: X's cable and the trunk carried it" sh -c "
    [ $((w1 - w0)) -gt 1000 ] && [ $((k1 - k0)) -gt 100 ]"
  check "illan flows --name $LB lists the bridge's flows" sh -c "
    timeout 10 '$ILLAN' flows --name $LB | grep -q 'packets:[1-9]'"
else
  notok "lab $LB cases not run (netns up failed)"
fi

# ---- the seed as lab A and the default lab, beside lab B ------------------------------
if up "netns up --name $LA (the seed) while $LB is up" --name $LA; then
  check "lab $LA: vm-a -> vm-b, host-x -> vm-b (IPv4, IPv6)" sh -c "
    in_ns() { ns=\$1; shift; ip netns exec \"\$ns\" \"\$@\"; }
    in_ns $LA-vm-a ping -c 1 -W 2 192.0.2.2 >/dev/null && in_ns $LA-host-x ping -c 1 -W 2 192.0.2.2 >/dev/null &&
    in_ns $LA-vm-a ping -6 -c 1 -W 2 2001:db8::2 >/dev/null"
  check "lab $LB still pings while $LA is up (lpar02 -> host X, lpar06 -> lpar07)" sh -c "
    in_ns() { ns=\$1; shift; ip netns exec \"\$ns\" \"\$@\"; }
    in_ns $LB-lpar02 ping -c 1 -W 2 192.0.2.30 >/dev/null && in_ns $LB-lpar06 ping -c 1 -W 2 192.0.2.35 >/dev/null"
  if up "netns up (the default lab) while $LA and $LB are up"; then
    check "default lab: vm-a -> vm-b and host-x, under the names it always had" sh -c "
      in_ns() { ns=\$1; shift; ip netns exec \"\$ns\" \"\$@\"; }
      in_ns vm-a ping -c 1 -W 2 192.0.2.2 >/dev/null && in_ns vm-a ping -c 1 -W 2 192.0.2.3 >/dev/null"
    check "three daemons, each its own directory; stats of each lab are its own" sh -c "
      a=\$(cat $DIR/$LA/illan.pid) b=\$(cat $DIR/$LB/illan.pid) d=\$(cat $DIR/illan.pid)
      [ \"\$a\" != \"\$b\" ] && [ \"\$a\" != \"\$d\" ] && kill -0 \$a && kill -0 \$b && kill -0 \$d &&
      timeout 10 '$ILLAN' stats --name $LA | grep -q '^tap-a ' && ! timeout 10 '$ILLAN' stats --name $LA | grep -q '^tap-l01 ' &&
      timeout 10 '$ILLAN' stats --name $LB | grep -q '^tap-l01 ' && timeout 10 '$ILLAN' stats | grep -q '^tap-a '"
    check "status of the default lab names the other labs" sh -c "
      timeout 10 '$ILLAN' netns status | grep '^other labs:' | grep -q '$LA' &&
      timeout 10 '$ILLAN' netns status | grep '^other labs:' | grep -q '$LB'"
  fi
  down --name $LB
  check "down --name $LB: its namespaces and directory are gone" sh -c "
    [ -z \"\$(ip netns list | grep '^$LB-')\" ] && [ ! -e '$DIR/$LB' ]"
  check "... and lab $LA and the default lab still ping" sh -c "
    in_ns() { ns=\$1; shift; ip netns exec \"\$ns\" \"\$@\"; }
    in_ns $LA-vm-b ping -c 1 -W 2 192.0.2.3 >/dev/null && in_ns vm-b ping -c 1 -W 2 192.0.2.1 >/dev/null"
  # The default lab goes first; lab A's daemon then dies by SIGKILL.
  down
  check "down (the default lab): lab $LA untouched" sh -c "
    [ ! -e /run/netns/vm-a ] && ip netns exec $LA-vm-a ping -c 1 -W 2 192.0.2.2 >/dev/null"
  pid=$(cat "$DIR/$LA/illan.pid" 2>/dev/null)
  kill -9 "$pid"
  check "kill -9 of lab $LA's daemon: it is gone" wait_gone "$pid" 5
  check "... and its namespaces are left behind (what down must clean)" test -e "/run/netns/$LA-vm-a"
  down --name $LA; rc=$?
  check "down --name $LA after kill -9: exit 0, its namespaces and directory gone" sh -c "
    [ $rc = 0 ] && [ -z \"\$(ip netns list | grep '^$LA-')\" ] && [ ! -e '$DIR/$LA' ]"
  down --name $LA; rc=$?
  check "down --name $LA again: fine" test $rc = 0
else
  notok "lab $LA cases not run (netns up failed)"
  down --name $LB
fi

# ---- the real Linux ibmveth.c in every adapter of a lab (issue 17) ---------------
KDRV=$("$ILLAN" run --driver list 2>/dev/null | awk '/^kernel-/ { print $1; exit }')
if [ -z "$KDRV" ]; then
  skip "lab with the kernel driver" "no kernel driver built (linux-source packages)"
elif up "netns up --name $LD --driver $KDRV: the seed on the real driver comes up" --name $LD --driver "$KDRV"; then
  check "$KDRV: VM A pings VM B and host X, IPv4 and IPv6" sh -c "
    in_ns() { ns=\$1; shift; ip netns exec \"\$ns\" \"\$@\"; }
    in_ns $LD-vm-a ping -4 -c 1 -W 2 192.0.2.2 >/dev/null && in_ns $LD-vm-a ping -6 -c 1 -W 2 2001:db8::2 >/dev/null &&
    in_ns $LD-vm-a ping -4 -c 1 -W 2 192.0.2.3 >/dev/null"
  quiet in_ns $LD-vm-b timeout 20 iperf3 -s -1 -D -p 5301
  sleep 0.5
  check "$KDRV: iperf3 VM A -> VM B, real Linux TCP over the real drivers" sh -c "
    ip netns exec $LD-vm-a timeout 15 iperf3 -c 192.0.2.2 -p 5301 -t 1 -J > '$STATE/kd.json' &&
    python3 -c \"import json; d=json.load(open('$STATE/kd.json')); assert d['end']['sum_received']['bytes'] > 0\""
  check "$KDRV: the driver's own counters (the layer's log counts) are in illan stats" sh -c "
    timeout 10 '$ILLAN' stats --name $LD | grep -q '^vm-a  *log_errors'"
  down --name $LD
  check "down --name $LD: nothing of it left" sh -c "[ -z \"\$(ip netns list | grep '^$LD-')\" ] && [ ! -e '$DIR/$LD' ]"
else
  down --name $LD
fi
ns_record
check "after every lab is down: no namespace, process, interface, daemon or lab directory left" nothing_left
: >"$STATE/finished"
