#!/bin/sh
# run_real.sh ILLAN — real traffic through the emulated PowerVM path: the
# kernels of namespaces vm-a, vm-b and host-x talk over illan (TAPs with
# virtio-net headers, an AF_PACKET wire). Prints TAP lines ("ok N - name").
#
# Needs root and /dev/net/tun (skips, exit 77, only when those are truly
# missing). Traffic stays inside the namespaces (192.0.2.0/24,
# 2001:db8::/64). Runs serialize on a lock: namespace names are global to
# the machine.
#
# Bounded, and always cleaned up: this outer part takes the lock, notes the
# interfaces of the caller's namespace, runs the cases (`--body`) under
# their own `timeout` (BODY_LIMIT, well below meson's timeout for this
# test, so a hung case is killed while there is still time to clean up),
# then tears everything down and checks that no namespace, interface or
# process is left — whatever the body did, also after a timeout. Every
# command in the body is bounded with `timeout` too.
set -u
BODY_LIMIT=${ILLAN_REAL_LIMIT:-200}   # seconds; meson's timeout is 360
DIR=/run/illan
. "$(dirname "$0")/lib.sh"

# ======================================================================
# Outer part: checks, lock, bounded body, cleanup, final check.
# ======================================================================
if [ "${1:-}" != --body ]; then
  ILLAN=${1:?usage: run_real.sh path/to/illan}
  need_real
  need_netns "$ILLAN"
  take_lock 120

  cleanup() {
    ns_killall
    timeout 30 "$ILLAN" netns down >/dev/null 2>&1
    ns_killall
    timeout 30 "$ILLAN" netns down >/dev/null 2>&1
  }
  outer_start real
  outer_body "$BODY_LIMIT" cases "$ILLAN"
  outer_finish "after the suite: no namespace, process or interface left" leftovers
fi

# ======================================================================
# The cases (run by the outer part, under its time limit).
# ======================================================================
ILLAN=${2:?}
body_start

# Sum of one emulator counter over every object (illan stats --json).
stat_sum() {
  timeout 10 "$ILLAN" stats --json | python3 -c '
import json, sys
d = json.load(sys.stdin)["counters"]
print(sum(v.get(sys.argv[1], 0) for v in d.values()))' "$1"
}
# One counter of one object.
stat_get() {
  timeout 10 "$ILLAN" stats --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["counters"][sys.argv[1]][sys.argv[2]])' "$1" "$2"
}

# CPU time (user + system, clock ticks) a process has used.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# iperf3 FROM_NS TO_NS TO_ADDR SECONDS: run it and check the byte counts.
# Prints the received byte count as a note.
iperf() {
  from=$1 to=$2 addr=$3 secs=$4
  in_ns "$to" timeout $((secs + 20)) iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
  spid=$!
  wait_listen "$to" 5201 || { kill $spid 2>/dev/null; return 1; }
  out=$STATE/iperf.json
  if ! in_ns "$from" timeout $((secs + 15)) iperf3 -c "$addr" -p 5201 -t "$secs" -J >"$out" 2>&1; then
    note "iperf3 $from -> $to failed: $(head -c 300 "$out" | tr '\n' ' ')"
    wait $spid 2>/dev/null
    return 1
  fi
  wait $spid 2>/dev/null
  python3 - "$out" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
sent = r["end"]["sum_sent"]["bytes"]
recv = r["end"]["sum_received"]["bytes"]
bps = r["end"]["sum_received"]["bits_per_second"]
print(f"# sent {sent} received {recv} bytes, {bps/1e6:.0f} Mbit/s")
# The receiver got what was sent, short of at most what was still in
# flight when the test stopped (bounded by the socket buffers), and enough
# went through to have exercised the offloads.
sys.exit(0 if recv > 1_000_000 and sent - 16_000_000 <= recv <= sent else 1)
EOF
}

# ethtool -k feature of eth0 in a namespace: "on" or "off" (e.g. "tx-checksumming").
feature() {
  in_ns "$1" timeout 5 ethtool -k eth0 2>/dev/null | awk -v k="$2:" '$1 == k { print $2 }'
}

# ---- argument checks (no namespace is made) -------------------------------------
# --fixes takes what `illan run --fixes` takes (ibmveth_parse_fixes).
for bad in -2 0xb 5 "1,,2"; do
  timeout 10 "$ILLAN" netns up --fixes "$bad" >/dev/null 2>"$STATE/err"; rc=$?
  check "netns up --fixes '$bad' is refused (exit 2), like illan run --fixes" sh -c "
    [ $rc = 2 ] && grep -q 'bad --fixes' '$STATE/err' && [ ! -e /run/netns/vm-a ]"
done

# ---- all fixes, offloads on ----------------------------------------------------
if up "netns up (all fixes)"; then
  pid=$(daemon_pid)
  check "status --json lists the namespaces and a running daemon" sh -c "
    timeout 10 '$ILLAN' netns status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
ns = {n[\"name\"]: n for n in s[\"namespaces\"]}
want = {\"vm-a\": (\"192.0.2.1/24\", \"2001:db8::1/64\"), \"vm-b\": (\"192.0.2.2/24\", \"2001:db8::2/64\"),
        \"host-x\": (\"192.0.2.3/24\", \"2001:db8::3/64\")}
ok = all(ns[k][\"ipv4\"] == v4 and ns[k][\"ipv6\"] == v6 for k, (v4, v6) in want.items())
sys.exit(0 if ok and s[\"daemon\"][\"running\"] and s[\"daemon\"][\"pid\"] == $pid else 1)'"

  # Without root (uid/gid 65534, no groups): up and down refuse with what
  # they need; status still sees root's daemon and says the addresses
  # need root. The binary is copied where that user may run it.
  if command -v setpriv >/dev/null 2>&1; then
    # The build tree may be closed to that user (e.g. under /root), so a
    # copy in the state directory, or the build's own binary if /tmp is
    # mounted noexec.
    mkdir -p "$STATE/bin" && cp "$ILLAN" "$STATE/bin/illan" && chmod 755 "$STATE" "$STATE/bin" "$STATE/bin/illan"
    NB=
    for cand in "$STATE/bin/illan" "$(readlink -f "$ILLAN")"; do
      if timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups "$cand" netns --help >/dev/null 2>&1; then
        NB=$cand; break
      fi
    done
    [ -n "$NB" ] || note "uid 65534 can run neither $STATE/bin/illan nor $ILLAN"
    nobody() { timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups "${NB:-$STATE/bin/illan}" "$@"; }
    nobody netns up >"$STATE/out" 2>"$STATE/err"; rc=$?
    check "without root: netns up exits 1 and says it needs root" sh -c "
      [ $rc = 1 ] && grep -q 'needs root' '$STATE/err' && [ \"\$(cat $DIR/illan.pid)\" = $pid ]"
    nobody netns down >"$STATE/out" 2>"$STATE/err"; rc=$?
    check "without root: netns down exits 1, says it needs root, daemon untouched" sh -c "
      [ $rc = 1 ] && grep -q 'needs root' '$STATE/err' && kill -0 $pid && [ -e /run/netns/vm-a ]"
    nobody netns status >"$STATE/out" 2>"$STATE/err"; rc=$?
    sed 's/^/#   /' "$STATE/out"
    check "without root: netns status sees root's daemon running and says addresses need root" sh -c "
      [ $rc = 0 ] && grep -q '^daemon  *running  *pid $pid' '$STATE/out' &&
      grep -q '^addresses: needs root' '$STATE/out' && ! grep -q stopped '$STATE/out'"
    nobody netns status --json >"$STATE/out" 2>"$STATE/err"; rc=$?
    check "without root: status --json: running, pid, addresses null + \"needs root\"" sh -c "
      [ $rc = 0 ] && python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
ok = s[\"daemon\"][\"running\"] is True and s[\"daemon\"][\"pid\"] == $pid and s.get(\"addresses\") == \"needs root\"
ok = ok and all(n[\"ipv4\"] is None and n[\"ipv6\"] is None for n in s[\"namespaces\"] if n[\"name\"] != \"illan-io\")
sys.exit(0 if ok else 1)' '$STATE/out'"
  else
    for c in "netns up" "netns down" "netns status" "netns status --json"; do
      skip "without root: $c" "setpriv missing"
    done
  fi

  f="$(feature vm-a tx-checksumming) $(feature vm-a tcp-segmentation-offload)"
  f="$f $(feature vm-b tx-checksumming) $(feature vm-b tcp-segmentation-offload)"
  check "offloads on: the TAPs have tx-checksumming and TSO on" test "$f" = "on on on on"
  for pair in "vm-a 192.0.2.2 2001:db8::2" "vm-a 192.0.2.3 2001:db8::3" "vm-b 192.0.2.3 2001:db8::3" \
              "vm-b 192.0.2.1 2001:db8::1" "host-x 192.0.2.1 2001:db8::1" "host-x 192.0.2.2 2001:db8::2"; do
    set -- $pair
    check "ping $1 -> $2" quiet in_ns "$1" timeout 10 ping -c 2 -i 0.2 -W 2 "$2"
    check "ping -6 $1 -> $3" quiet in_ns "$1" timeout 10 ping -6 -c 2 -i 0.2 -W 2 "$3"
  done
  check "iperf3 A -> B, byte counts" iperf vm-a vm-b 192.0.2.2 3
  check "iperf3 B -> A, byte counts" iperf vm-b vm-a 192.0.2.1 3
  gso_before=$(stat_sum sw_gso_segments)
  check "iperf3 X -> B, byte counts" iperf host-x vm-b 192.0.2.2 3
  gso_after=$(stat_sum sw_gso_segments)
  note "sw_gso_segments $gso_before -> $gso_after"
  check "X -> B with fix 4: no software GSO" test "$gso_after" = "$gso_before"
  check "iperf3 A -> B over IPv6" iperf vm-a vm-b 2001:db8::2 2
  errs=0
  for ns in vm-a vm-b host-x; do
    for c in TcpInCsumErrors UdpInCsumErrors IcmpInCsumErrors Icmp6InCsumErrors Udp6InCsumErrors; do
      v=$(nstat_get $ns $c)
      [ "$v" = 0 ] || { note "$ns $c = $v"; errs=1; }
    done
  done
  check "all fixes: no checksum errors in any namespace" test $errs = 0
  check "all fixes: no bad checksums at the physical NIC" test "$(stat_sum rx_csum_bad)" = 0
  check "illan stats counts TAP and adapter traffic" sh -c "
    timeout 10 '$ILLAN' stats --json | python3 -c '
import json, sys
c = json.load(sys.stdin)[\"counters\"]
sys.exit(0 if c[\"tap-a\"][\"rx_packets\"] > 1000 and c[\"tap-b\"][\"tx_packets\"] > 1000
         and c[\"wire-x\"][\"rx_packets\"] > 1000 and c[\"tap-a\"][\"vnet_rx_gso\"] > 0 else 1)'"
  quiet in_ns vm-a timeout 5 ping -c 3 -i 0.2 192.0.2.2
  check "illan flows lists datapath flows with counts" sh -c "timeout 10 '$ILLAN' flows | grep -q 'packets:[1-9]'"
  # Idle, the daemon sleeps in epoll_wait: over 2 s it may use a few clock
  # ticks (a stray neighbour or MLD packet), never the ~2 s a busy loop takes.
  sleep 0.5
  t0=$(cpu_ticks "$pid"); sleep 2; t1=$(cpu_ticks "$pid")
  note "daemon CPU over 2 s idle: $((t1 - t0)) ticks (of $(getconf CLK_TCK) per second)"
  check "idle: no busy polling (daemon CPU <= 5 ticks over 2 s)" test $((t1 - t0)) -le 5
  down
  check "netns down: no namespace, process or interface left" leftovers
  check "daemon stopped cleanly on SIGTERM (no leak, no sanitizer report)" sh -c "
    grep -q 'signal 15: stopping' $DIR/daemon.log && grep -q 'stopped' $DIR/daemon.log &&
    ! grep -q 'outstanding at teardown\|Sanitizer\|runtime error' $DIR/daemon.log"
  check "netns down twice is fine" down
else
  notok "all-fixes cases not run (netns up failed)"
fi

# ---- no offload: every TAP offload off, traffic still flows -----------------------
if up "netns up --no-offload" --no-offload; then
  pid=$(daemon_pid)
  f="$(feature vm-a tx-checksumming) $(feature vm-a tcp-segmentation-offload)"
  f="$f $(feature vm-b tx-checksumming) $(feature vm-b tcp-segmentation-offload)"
  note "vm-a, vm-b tx-checksumming, tcp-segmentation-offload: $f"
  check "--no-offload: the TAPs have tx-checksumming and TSO off (TUNSETOFFLOAD 0)" test "$f" = "off off off off"
  check "--no-offload: ping vm-a -> vm-b" quiet in_ns vm-a timeout 10 ping -c 2 -i 0.2 -W 2 192.0.2.2
  check "--no-offload: ping -6 vm-a -> vm-b" quiet in_ns vm-a timeout 10 ping -6 -c 2 -i 0.2 -W 2 2001:db8::2
  check "--no-offload: iperf3 A -> B, byte counts" iperf vm-a vm-b 192.0.2.2 2
  check "--no-offload: the kernel sent no GSO frame through the TAP" test "$(stat_get tap-a vnet_rx_gso)" = 0
  # SIGINT, as a user's Ctrl-C in a foreground daemon.
  kill -INT "$pid"
  check "SIGINT: the daemon exits within 10 s" wait_gone "$pid" 10
  check "SIGINT: stopped cleanly (log, pidfile and socket removed, no leak)" sh -c "
    grep -q 'signal 2: stopping' $DIR/daemon.log && grep -q 'stopped' $DIR/daemon.log &&
    ! grep -q 'outstanding at teardown\|Sanitizer\|runtime error' $DIR/daemon.log &&
    [ ! -e $DIR/illan.pid ] && [ ! -e $DIR/ctl.sock ]"
  down
else
  notok "no-offload cases not run (netns up failed)"
fi

# ---- jumbo frames ---------------------------------------------------------------
if up "netns up --mtu 9000" --mtu 9000; then
  check "--mtu 9000: eth0 in every namespace has MTU 9000" sh -c "
    for ns in vm-a vm-b host-x; do ip -n \$ns -o link show eth0 | grep -q ' mtu 9000 ' || exit 1; done"
  # 8972 + 8 (ICMP) + 20 (IPv4) = 9000, DF set: one unfragmented frame.
  check "--mtu 9000: ping vm-a -> vm-b, 9000-byte packets, DF" \
    quiet in_ns vm-a timeout 10 ping -M do -s 8972 -c 2 -i 0.2 -W 2 192.0.2.2
  check "--mtu 9000: ping host-x -> vm-b, 9000-byte packets, DF" \
    quiet in_ns host-x timeout 10 ping -M do -s 8972 -c 2 -i 0.2 -W 2 192.0.2.2
  check "--mtu 9000: ping -6 vm-b -> vm-a, 9000-byte packets" \
    quiet in_ns vm-b timeout 10 ping -6 -M do -s 8952 -c 2 -i 0.2 -W 2 2001:db8::1
  check "--mtu 9000: iperf3 A -> B, byte counts" iperf vm-a vm-b 192.0.2.2 1
  down
else
  notok "mtu 9000 cases not run (netns up failed)"
fi

# ---- fix 2 off: the SYN reaches B with a zero checksum and no offload flag ----------
if up "netns up --fixes 1,3,4 (fix 2 off)" --fixes 1,3,4; then
  in_ns vm-b timeout 15 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
  wait_listen vm-b 5201
  e0=$(nstat_get vm-b TcpInCsumErrors)
  p0=$(nstat_get vm-b TcpPassiveOpens)
  r0=$(nstat_get vm-a TcpExtTCPSynRetrans)
  in_ns vm-a timeout 8 iperf3 -c 192.0.2.2 -p 5201 -t 1 --connect-timeout 4000 >/dev/null 2>&1
  rc=$?
  e1=$(nstat_get vm-b TcpInCsumErrors)
  p1=$(nstat_get vm-b TcpPassiveOpens)
  r1=$(nstat_get vm-a TcpExtTCPSynRetrans)
  note "iperf3 exit $rc; vm-b TcpInCsumErrors $e0 -> $e1, TcpPassiveOpens $p0 -> $p1;" \
       "vm-a TcpExtTCPSynRetrans $r0 -> $r1"
  check "fix 2 off: TCP A -> B is never established (iperf3 fails, vm-b's TcpPassiveOpens unchanged)" \
    sh -c "[ $rc != 0 ] && [ '$p1' = '$p0' ]"
  check "fix 2 off: vm-a retransmits its SYN (TcpExtTCPSynRetrans rises)" test "$r1" -gt "$r0"
  check "fix 2 off: TcpInCsumErrors rises in vm-b (SYN and its retransmissions)" test "$e1" -ge $((e0 + 2))
  down
else
  notok "cases of this fix not run (netns up failed)"
fi

# ---- fix 3 off: the first packet of each flow (upcall) carries a wrong checksum ----
# By name, as `illan run --fixes` takes them too.
if up "netns up --fixes trunk-offload,trunk-csum-partial,fraglist-linearize (fix 3 off)" \
     --fixes trunk-offload,trunk-csum-partial,fraglist-linearize; then
  check "fix names select the same set as numbers (daemon reports fixes 0xb)" \
    grep -q 'ready: fixes 0xb,' $DIR/daemon.log
  r0=$(nstat_get vm-a TcpExtTCPSynRetrans)
  e0=$(nstat_get vm-b TcpInCsumErrors)
  check "fix 3 off: TCP A -> B succeeds in the end" iperf vm-a vm-b 192.0.2.2 1
  r1=$(nstat_get vm-a TcpExtTCPSynRetrans)
  e1=$(nstat_get vm-b TcpInCsumErrors)
  note "vm-a TcpExtTCPSynRetrans $r0 -> $r1; vm-b TcpInCsumErrors $e0 -> $e1"
  check "fix 3 off: only after SYN retransmissions" test "$r1" -gt "$r0"
  check "fix 3 off: the first SYN died of a bad checksum in vm-b (TcpInCsumErrors rises)" test "$e1" -gt "$e0"
  down
else
  notok "cases of this fix not run (netns up failed)"
fi

# ---- fix 4 off: GRO'd frames from X are cut back to MSS in software ----------------
if up "netns up --fixes 1,2,3 (fix 4 off)" --fixes 1,2,3; then
  g0=$(stat_sum sw_gso_segments)
  check "fix 4 off: iperf3 X -> B, byte counts" iperf host-x vm-b 192.0.2.2 3
  g1=$(stat_sum sw_gso_segments)
  note "sw_gso_segments $g0 -> $g1"
  check "fix 4 off: sw_gso_segments rises on X -> B" test "$g1" -gt "$g0"
  down
else
  notok "cases of this fix not run (netns up failed)"
fi

# ---- crash: the daemon killed with SIGKILL --------------------------------------
if up "netns up (crash case)"; then
  pid=$(daemon_pid)
  kill -9 "$pid"
  check "kill -9: the daemon is gone" wait_gone "$pid" 5
  check "kill -9: namespaces are left behind (what down must clean)" test -e /run/netns/vm-a
  if up "netns up on top of a killed daemon's leftovers"; then
    check "after up on leftovers: ping vm-a -> vm-b" quiet in_ns vm-a timeout 10 ping -c 2 -i 0.2 -W 2 192.0.2.2
    check "after up on leftovers: ping host-x -> vm-a" quiet in_ns host-x timeout 10 ping -c 2 -i 0.2 -W 2 192.0.2.1
    pid=$(daemon_pid)
    kill -9 "$pid"
    wait_gone "$pid" 5
  fi
  check "netns down after kill -9 exits 0" down
  check "after kill -9 + down: no namespace, process or interface left" leftovers
  check "netns down again after that is fine" down
else
  notok "crash cases not run (netns up failed)"
fi

: >"$STATE/finished"
