#!/bin/sh
# test_cli.sh — the illan program as a user runs it: exit codes, clear errors
# for bad flags, the plain report, JSON that parses with the promised keys,
# --trace and --pcap files, and the matrix. TAP output.
ILLAN=${1:?usage: test_cli.sh path/to/illan}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
check() { # name, command...
  name=$1; shift
  if "$@"; then ok "$name"; else nok "$name"; fi
}
expect_exit() { # code, command...
  want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"; got=$?
  [ "$got" = "$want" ] || { echo "# exit $got, wanted $want: $*"; sed 's/^/# /' "$tmp/err" | head -5; return 1; }
}

check "help exits 0" expect_exit 0 "$ILLAN" --help
check "no command exits 2" expect_exit 2 "$ILLAN"
check "unknown command exits 2" expect_exit 2 "$ILLAN" frobnicate
check "bad --fixes is refused" expect_exit 2 "$ILLAN" run --fixes 5
check "bad --fixes names the choices" grep -q "trunk-offload" "$tmp/err"
check "bad --mtu is refused" expect_exit 2 "$ILLAN" run --mtu 10
check "bad --family is refused" expect_exit 2 "$ILLAN" run --family 5
check "bad --bytes is refused" expect_exit 2 "$ILLAN" run --bytes -3
check "stray argument is refused" expect_exit 2 "$ILLAN" run extra

# One command line (issue 14): --version, help that exits 0 everywhere and
# is the subcommand's own, one grammar for sizes, fix lists and MTUs.
check "--version prints the version" sh -c "'$ILLAN' --version | grep -qE '^illan [0-9]+\.[0-9]+\.[0-9]+\$'"
for c in run matrix bench "netns up" "netns down" "netns status" stats flows "topo check" "topo show" diff; do
  check "$c --help exits 0 and prints usage" sh -c "'$ILLAN' $c --help > '$tmp/h' && grep -q '^usage: illan' '$tmp/h'"
done
check "matrix --help shows matrix's options, not run's" sh -c "'$ILLAN' matrix --help | grep -q '^usage: illan matrix' && ! '$ILLAN' matrix --help | grep -q -- '--pcap DIR'"
for o in "--fixes 1" "--trace x" "--pcap x" "--report x.svg"; do
  check "matrix refuses ${o%% *} by name" sh -c "'$ILLAN' matrix $o 2>'$tmp/e'; [ \$? = 2 ] && grep -q -- \"${o%% *} is not an option of matrix\" '$tmp/e'"
done
check "bench refuses an option it does not take, by name" sh -c "'$ILLAN' bench --fixes 1 2>'$tmp/e'; [ \$? = 2 ] && grep -q -- '--fixes' '$tmp/e'"
# every command names an option it does not take (exit 2), not only its usage
for c in "stats" "flows" "why" "watch" "daemon" "netns up" "netns down" "topo check" "topo show" "diff" "run" "matrix" "bench"; do
  check "$c refuses an unknown option by name" sh -c "'$ILLAN' $c --bogus-opt 2>'$tmp/e' >/dev/null; [ \$? = 2 ] && grep -q -- \"'--bogus-opt'\" '$tmp/e'"
done
check "bench --bytes takes 4M like run" sh -c "'$ILLAN' bench --only 'A->B all-fixes v4 mtu1500' --reps 2 --bytes 1M --json > '$tmp/b.json' && python3 -c \"import json; d=json.load(open('$tmp/b.json')); assert d['reps'] == 2 and d['bytes_per_flow'] == 1 << 20 and d['cases'][0]['ok'], d\""
check "bench --reps is printed and --quick does not override it" sh -c "'$ILLAN' bench --quick --only 'A->B all-fixes v4 mtu1500' --reps 1 --bytes 512K | grep -q 'median of 1 round, 524288 bytes per flow'"
check "bench --bytes garbage is refused with the shared words" sh -c "'$ILLAN' bench --bytes 4Q 2>'$tmp/e'; [ \$? = 2 ] && grep -q 'expected a byte count' '$tmp/e'"
for f in "1,1" "NONE" "1, 2" " all "; do
  check "run --fixes '$f' accepted" sh -c "'$ILLAN' run --bytes 64K --fixes '$f' --json > '$tmp/fx.json'; python3 -c \"import json; json.load(open('$tmp/fx.json'))\""
done
check "--fixes 1,1 means fix 1" sh -c "'$ILLAN' run --bytes 64K --fixes 1,1 --json | python3 -c \"import json,sys; assert json.load(sys.stdin)['fixes'] == [1]\""
check "--fixes NONE means none" sh -c "'$ILLAN' run --bytes 64K --fixes NONE --json | python3 -c \"import json,sys; assert json.load(sys.stdin)['fixes'] == []\""
for f in "1,,2" "5" "1," ""; do
  "$ILLAN" run --fixes "$f" 2>"$tmp/e1" >/dev/null; r1=$?
  "$ILLAN" netns up --fixes "$f" 2>"$tmp/e2" >/dev/null; r2=$?
  "$ILLAN" daemon --fixes "$f" --dir "$tmp/nodaemon" 2>"$tmp/e3" >/dev/null; r3=$?
  check "--fixes '$f' refused alike by run, netns up and daemon" sh -c "[ $r1 = 2 ] && [ $r2 = 2 ] && [ $r3 = 2 ] && [ \"\$(sed 's/^illan [a-z]*: //' '$tmp/e1')\" = \"\$(sed 's/^illan [a-z]*: //' '$tmp/e2')\" ] && [ \"\$(sed 's/^illan [a-z]*: //' '$tmp/e1')\" = \"\$(sed 's/^illan [a-z]*: //' '$tmp/e3')\" ]"
done
check "run --mtu 9001 accepted, netns up --mtu 9001 refused with why" sh -c "'$ILLAN' run --bytes 64K --mtu 9001 >/dev/null && ! '$ILLAN' netns up --mtu 9001 2>'$tmp/e' && grep -q 'real mode stops at 9000' '$tmp/e'"
check "run --mtu out of range names both ranges" sh -c "! '$ILLAN' run --mtu 70000 2>'$tmp/e' && grep -q '576..65394 in embedded mode' '$tmp/e' && grep -q 'real mode stops at 9000' '$tmp/e'"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
  check "netns down as a non-root user says what down does" sh -c "setpriv --reuid=nobody --regid=nogroup --clear-groups '$ILLAN' netns down 2>'$tmp/e'; [ \$? = 1 ] && grep -q 'netns down: needs root — stopping the daemon' '$tmp/e' && ! grep -q 'creating' '$tmp/e'"
  mkdir -p "$tmp/rootonly" && chmod 700 "$tmp/rootonly"
  check "stats as a non-root user before root's socket says run it as root" sh -c "setpriv --reuid=nobody --regid=nogroup --clear-groups '$ILLAN' stats --dir '$tmp/rootonly' 2>'$tmp/e'; [ \$? = 1 ] && grep -q 'is root.s only (Permission denied): run it as root, e.g. sudo illan stats' '$tmp/e' && ! grep -q 'start one' '$tmp/e'"
  check "netns up as a non-root user says it creates namespaces" sh -c "setpriv --reuid=nobody --regid=nogroup --clear-groups '$ILLAN' netns up 2>'$tmp/e'; [ \$? = 1 ] && grep -q 'netns up: needs root — creating network namespaces' '$tmp/e'"
elif [ "$(id -u)" != 0 ]; then
  check "netns down as a non-root user says what down does" sh -c "'$ILLAN' netns down 2>'$tmp/e'; grep -q 'netns down: needs root — stopping the daemon' '$tmp/e'"
else
  n=$((n + 1)); echo "ok $n - non-root messages # SKIP setpriv missing"
fi

# Honest numbers (issue 14): illan's own speed apart from virtual time; a
# failed flow has no speed; progress on a terminal; Ctrl-C stops with a report.
check "run reports illan's speed per wall second, apart from virtual time" sh -c "'$ILLAN' run --bytes 1M --reply-bytes 1M > '$tmp/o' && grep -q '^emulation: 4.0 MiB of payload delivered .* s of wall time = .* Gbit/s' '$tmp/o' && grep -q 'not a speed of the modelled path' '$tmp/o' && ! grep -q goodput '$tmp/o'"
check "a failed run gives no rate" sh -c "'$ILLAN' run --bytes 64K --fixes 1,3,4 > '$tmp/o'; grep -q 'no rate: not every flow delivered every byte' '$tmp/o' && ! grep -q 'Gbit/s' '$tmp/o' && grep -q '^  FAILED at 127 s virtual' '$tmp/o'"
check "a failed run's JSON has a null rate" sh -c "'$ILLAN' run --bytes 64K --fixes 1,3,4 --json | python3 -c \"import json,sys; d=json.load(sys.stdin); e=d['emulation']; assert e['gbit_per_wall_s'] is None and e['payload_bytes'] == 0 and 'goodput_gbps' not in d['flows'][0], e\""
check "a whole run's JSON rate is payload per wall second" sh -c "'$ILLAN' run --bytes 1M --reply-bytes 1M --json | python3 -c \"import json,sys; d=json.load(sys.stdin); e=d['emulation']; assert e['payload_bytes'] == 4 << 20 and abs(e['gbit_per_wall_s'] - e['payload_bytes'] * 8 / e['wall_s'] / 1e9) < 1e-6 * e['gbit_per_wall_s'], e\""
check "matrix shows virtual time, not wall-clock Gbit/s" sh -c "'$ILLAN' matrix --bytes 64K > '$tmp/m' && grep -q 'virtual-s virtual-s' '$tmp/m' && ! grep -q 'Gbit/s' '$tmp/m' && grep -qE '^1,2,4 +ok +FAIL .* 2\.00 +63\.00 ' '$tmp/m' && grep -q 'never on wall time' '$tmp/m'"
if command -v script >/dev/null 2>&1; then
  check "a run on a terminal shows bytes moved, rate and ETA" sh -c "script -qec \"'$ILLAN' run --bytes 1G --reply-bytes 64K\" /dev/null | tr '\\r' '\\n' | grep -aqE '[0-9.]+ of 2048\.1 MiB \([0-9]+%\)  [0-9.]+ MiB/s wall  ETA [0-9]+ s  flows [0-2]/2  virtual [0-9.]+ s\$'"
else
  n=$((n + 1)); echo "ok $n - progress on a terminal # SKIP script(1) missing"
fi
check "no progress line when stderr is not a terminal" sh -c "'$ILLAN' run --bytes 96M 2>'$tmp/e' >/dev/null && ! grep -q ETA '$tmp/e'"
check "Ctrl-C stops a long run with a report and exit 130" python3 - "$ILLAN" <<'PY'
import signal, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "run", "--bytes", "1T"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
time.sleep(1.5)
p.send_signal(signal.SIGINT)
out, err = p.communicate(timeout=60)
out = out.decode()
assert p.returncode == 130, (p.returncode, err)
assert "interrupted (Ctrl-C)" in out and "STOPPED at" in out and "result: FAILED" in out, out
assert "LEAK" not in out, out
PY
check "Ctrl-C stops matrix after the rows so far" python3 - "$ILLAN" <<'PY'
import signal, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "matrix", "--bytes", "1T"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
time.sleep(1.5)
p.send_signal(signal.SIGINT)
out, err = p.communicate(timeout=120)
assert p.returncode == 130 and "interrupted (Ctrl-C)" in out.decode(), (p.returncode, out, err)
PY

check "run with no arguments exits 0 (the main job)" expect_exit 0 "$ILLAN" run
check "the main job says OK and names no seed issue" sh -c "grep -q '^result: OK' '$tmp/out' && ! grep -q 'seed issue' '$tmp/out'"
check "run with all fixes exits 0" expect_exit 0 "$ILLAN" run --bytes 1M
check "run report says OK" grep -q "^result: OK" "$tmp/out"
check "run report names both flows" sh -c "grep -q '^flow A->B: connected' '$tmp/out' && grep -q '^flow X->B: connected' '$tmp/out'"

check "run --json exits 0" expect_exit 0 "$ILLAN" run --bytes 1M --json --family 6
cp "$tmp/out" "$tmp/run.json"
check "json has the promised keys" python3 - "$tmp/run.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["fixes"] == [1, 2, 3, 4], d
names = [f["name"] for f in d["flows"]]
assert names == ["A->B", "X->B"], names
for f in d["flows"]:
    for k in ("name", "connected", "syn_retransmits", "bytes_sent", "bytes_delivered", "intact", "wall_s", "virtual_s"):
        assert k in f, k
    assert f["connected"] and f["intact"] and f["bytes_delivered"] == 1 << 20
for k in ("tcp_bad_checksum", "upcalls", "sw_gso_segments", "hv_sw_checksums", "hv_sw_segments"):
    assert k in d["counters"], k
assert d["counters"]["tcp_bad_checksum"] == 0
PY

check "IPv6 with an MTU below 1280 is refused" expect_exit 2 "$ILLAN" run --family 6 --mtu 1000
check "a pcap path that is not a directory is refused" expect_exit 2 "$ILLAN" run --bytes 64K --pcap /etc/passwd
check "--no-offload works and uses no large send" sh -c "'$ILLAN' run --bytes 1M --no-offload --json > '$tmp/nooff.json' && python3 -c \"import json; d=json.load(open('$tmp/nooff.json')); assert d['ok'] and d['offload'] is False and d['counters']['tx_large_packets'] == 0, d['counters']['tx_large_packets']\""
seed_run() { # the JSON of a seeded run without its wall-clock fields
  "$ILLAN" run --bytes 256K --seed "$1" --json | python3 -c "import json,sys; d=json.load(sys.stdin); [f.pop(k) for f in d['flows'] for k in ('wall_s',)]; d.pop('wall_s'); d.pop('emulation'); print(json.dumps(d, sort_keys=True))"
}
seed_run 7 >"$tmp/seed1"; seed_run 7 >"$tmp/seed2"
check "the same seed gives the same result" sh -c "[ -s '$tmp/seed1' ] && cmp -s '$tmp/seed1' '$tmp/seed2'"
check "a different seed gives different sequence numbers" sh -c "'$ILLAN' run --bytes 64K --seed 8 --trace '$tmp/t8' >/dev/null && '$ILLAN' run --bytes 64K --seed 9 --trace '$tmp/t9' >/dev/null && ! cmp -s '$tmp/t8' '$tmp/t9'"
check "a failing run says ok: false in JSON and exits 1" sh -c "'$ILLAN' run --bytes 64K --fixes 1,3,4 --json > '$tmp/fail.json'; [ \$? = 1 ] && python3 -c \"import json; d=json.load(open('$tmp/fail.json')); assert d['ok'] is False and d['fixes'] == [1,3,4] and not d['flows'][0]['connected'] and any(x.get('seed_issue') == 2 for x in d['drops'])\""
check "fix 2 off fails with exit 1" expect_exit 1 "$ILLAN" run --bytes 64K --fixes 1,3,4
check "fix 2 off is explained as seed issue 2" grep -q "because it arrived CHECKSUM_UNNECESSARY — seed issue 2" "$tmp/out"
check "fix 3 off is explained as seed issue 3" sh -c "'$ILLAN' run --bytes 64K --fixes trunk-offload,trunk-csum-partial,fraglist-linearize | grep -q 'seed issue 3'"

check "trace and pcap are written" expect_exit 0 "$ILLAN" run --bytes 256K --trace "$tmp/trace.txt" --pcap "$tmp/pcap"
check "trace shows hops of the first SYN" grep -q "SYN .*trunk-in rx .*ip_summed=PARTIAL" "$tmp/trace.txt"
check "trace shows a GRO frag_list packet (X->B)" grep -q "X->B .*frag_list=yes" "$tmp/trace.txt"
check "one pcapng per hop" sh -c "ls '$tmp/pcap' | grep -q 'trunk-out_tx.pcapng' && ls '$tmp/pcap' | grep -q 'vm-b_rx.pcapng'"
check "trace opens with a header naming its columns and clock" sh -c "head -1 '$tmp/trace.txt' | grep -q '^# illan trace: the first 8 packets' && grep -q '^# time_s .*flow .*hop .*ip_summed' '$tmp/trace.txt' && grep -q 'virtual clock' '$tmp/trace.txt'"
check "trace times are on the virtual clock (0 s: no timer fires in a whole run)" sh -c "! grep -vE '^(#|   0\\.000000000 )' '$tmp/trace.txt' | grep -q ."
check "trace names the SYN-ACK as such" grep -qE "A->B +reply SYN-ACK .*trunk-out rx" "$tmp/trace.txt"
check "trace hops are device and direction or device and step" sh -c "grep -qE ' trunk-in checksum_help +ip_summed' '$tmp/trace.txt' && grep -qE ' vm-b stack rx +ip_summed' '$tmp/trace.txt' && ! grep -qE ' (netdev_receive|dev_queue_xmit|br_upcall) ' '$tmp/trace.txt'"
check "trace lists no pure ACKs and summarises them" sh -c "! grep -qE ' segment ' '$tmp/trace.txt' && tail -1 '$tmp/trace.txt' | grep -qE '^# pure ACKs not listed: [1-9][0-9]* hops; A->B fwd [0-9]+'"
check "run --json --trace - is refused (both want stdout)" sh -c "'$ILLAN' run --json --trace - 2>'$tmp/e'; [ \$? = 2 ] && grep -q 'both want stdout' '$tmp/e'"
check "run --trace - alone writes the trace to stdout before the report" sh -c "'$ILLAN' run --bytes 64K --trace - > '$tmp/o' && head -1 '$tmp/o' | grep -q '^# illan trace' && grep -q '^result: OK' '$tmp/o'"
check "the report says which pcap frames are CHECKSUM_PARTIAL and why tshark calls them bad" sh -c "'$ILLAN' run --bytes 256K --pcap '$tmp/pcap2' > '$tmp/o' && grep -q 'CHECKSUM_PARTIAL frames carry a partial (pseudo-header) TCP checksum by design' '$tmp/o' && grep -qE '^  vm-a_tx.pcapng: [0-9]+ frames CHECKSUM_PARTIAL, numbers 1 to' '$tmp/o'"
check "the JSON says which pcap frames are CHECKSUM_PARTIAL" sh -c "'$ILLAN' run --bytes 64K --pcap '$tmp/pcap3' --json | python3 -c \"import json,sys; p=json.load(sys.stdin)['pcap_checksum_partial']; assert 'by design' in p['why'] and any(f.startswith('vm-a_tx.pcapng: ') for f in p['files']), p\""
# the ILLAN flags the hypervisor saw at each hop: the send descriptor at a tx
# hop, the receive-queue entry at an rx hop (trace_observe_hv)
check "trace shows the send descriptor flags at vm-a tx (SYN: checksum offload; data: large send)" sh -c "grep -qE 'A->B +fwd +SYN .* vm-a tx .* len=62 desc=VALID\\|NO_CSUM\\|CSUM_GOOD\$' '$tmp/trace.txt' && grep -qE 'A->B +fwd +data .* vm-a tx .*gso_size=1460 .* desc=VALID\\|NO_CSUM\\|CSUM_GOOD\\|LRG_SND mss=1460\$' '$tmp/trace.txt'"
check "trace shows the receive-queue flags at vm-b rx (large packet with its mss)" grep -qE "A->B +fwd +data .* vm-b rx .* rxq=VALID\\|NO_CSUM\\|CSUM_GOOD\\|LRG_PKT mss=1460\$" "$tmp/trace.txt"
check "trace shows no ILLAN flags where there is no hypervisor (phys, host X)" sh -c "! grep -E ' (phys|x-nic) (rx|tx) ' '$tmp/trace.txt' | grep -qE 'desc=|rxq='"
"$ILLAN" run --bytes 64K --fixes 1,3,4 --trace "$tmp/t2.txt" --pcap "$tmp/pcap-fix2off" > "$tmp/o2"
check "fix 2 off: the explanation of seed issue 2 is unchanged" grep -q "^  [0-9]*x \[A->B\] SYN dropped at VM B: TCP checksum bad, packet left trunk-out without NO_CSUM|CSUM_GOOD because it arrived CHECKSUM_UNNECESSARY — seed issue 2\$" "$tmp/o2"
check "fix 2 off: the trace shows the SYN leaving trunk-out UNNECESSARY with VALID alone, and vm-b's entry without CSUM_GOOD" sh -c "grep -qE 'A->B +fwd +SYN .* trunk-out tx +ip_summed=UNNECESSARY .* desc=VALID\$' '$tmp/t2.txt' && grep -qE 'A->B +fwd +SYN .* vm-b rx .* rxq=VALID\$' '$tmp/t2.txt' && ! grep -qE 'A->B +fwd +SYN .* trunk-out tx .*CSUM_GOOD' '$tmp/t2.txt'"
if command -v tshark >/dev/null 2>&1; then
  check "fix 2 off: the pcap comments of the SYN at trunk-out tx say desc=VALID, no NO_CSUM|CSUM_GOOD" sh -c "tshark -r '$tmp/pcap-fix2off/trunk-out_tx.pcapng' -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e frame.comment 2>/dev/null > '$tmp/c2' && grep -qx 'trunk-out tx: ip_summed=UNNECESSARY gso_size=0 gso_type=none frag_list=no len=62 desc=VALID' '$tmp/c2' && ! grep -q 'CSUM_GOOD' '$tmp/c2'"
  check "all fixes: the pcap comments carry the send and receive-queue flags" sh -c "tshark -r '$tmp/pcap/trunk-out_tx.pcapng' -T fields -e frame.comment 2>/dev/null | grep -q '^trunk-out tx: ip_summed=PARTIAL .* gso_size=1460 .* desc=VALID|NO_CSUM|CSUM_GOOD|LRG_SND mss=1460\$' && tshark -r '$tmp/pcap/vm-b_rx.pcapng' -T fields -e frame.comment 2>/dev/null | grep -q '^vm-b rx: ip_summed=UNNECESSARY .* rxq=VALID|NO_CSUM|CSUM_GOOD|LRG_PKT mss=1460\$' && tshark -r '$tmp/pcap/vm-a_tx.pcapng' -Y 'tcp.flags.syn == 1' -T fields -e frame.comment 2>/dev/null | grep -q ' desc=VALID|NO_CSUM|CSUM_GOOD\$'"
fi
if command -v tshark >/dev/null 2>&1; then
  check "tshark reads a hop pcapng" sh -c "tshark -r '$tmp/pcap/vm-b_rx.pcapng' 2>/dev/null | grep -q TCP"
  check "pcaps are named by hop only" sh -c "! ls '$tmp/pcap' | grep -qv -E '^(vm-a|vm-b|trunk-in|trunk-out|phys|x-nic)_(rx|tx).pcapng\$|^bridge_upcall.pcapng\$'"
  check "every frame has a comment with its offload state at that hop" sh -c "tshark -r '$tmp/pcap/trunk-out_tx.pcapng' -T fields -e frame.comment 2>/dev/null > '$tmp/c' && [ -s '$tmp/c' ] && ! grep -qv '^trunk-out tx: ip_summed=[A-Z]* .*gso_size=[0-9]* gso_type=[a-z0-9|]* frag_list=\\(yes\\|no\\) len=[0-9]*' '$tmp/c' && grep -q 'ip_summed=PARTIAL csum_start=34 csum_offset=16' '$tmp/c'"
  check "frame timestamps are on the virtual clock" sh -c "tshark -r '$tmp/pcap/vm-a_tx.pcapng' -T fields -e frame.time_epoch 2>/dev/null | sort -u | grep -qx '0.000000000'"
  check "tshark's bad checksums are exactly the CHECKSUM_PARTIAL frames the report names" sh -c "grep -E '^  vm-a_tx.pcapng' '$tmp/o' | sed -E 's/.*: ([0-9]+) frames.*/\\1/' > '$tmp/want' && tshark -r '$tmp/pcap2/vm-a_tx.pcapng' -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status == 0' 2>/dev/null | wc -l > '$tmp/got' && cmp -s '$tmp/want' '$tmp/got'"
else
  n=$((n + 1)); echo "ok $n - tshark reads a hop pcapng # SKIP tshark not installed"
fi

# Two runs compared (issue 14): the JSON records the whole configuration and
# `illan diff` shows what differs in configuration, outcome and counters.
"$ILLAN" run --bytes 64K --json >"$tmp/d1.json"
"$ILLAN" run --bytes 64K --json >"$tmp/d2.json"
"$ILLAN" run --bytes 64K --json --no-gro --veb >"$tmp/d3.json"
"$ILLAN" run --bytes 64K --json --fixes 1,3,4 >"$tmp/d4.json"
check "the JSON records the whole configuration" python3 - "$tmp/d1.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["config"]
assert c["illan_version"] and c["topology"] == "seed", c
assert c["vswitches"][0]["mode"] == "vepa" and c["bridges"][0]["kind"] == "ovs", c
assert c["nics"][0]["gro"] is True, c
o = c["options"]
for k, v in (("bytes", 65536), ("family", 4), ("mtu", 1500), ("seed", 1), ("driver", "illan"), ("no_gro", False), ("veb", False)):
    assert o[k] == v, (k, o)
assert [f["name"] for f in c["flows"]] == ["A->B", "X->B"] and c["flows"][0]["bytes"] == 65536, c["flows"]
PY
check "diff of two runs of the same configuration: the same, exit 0" sh -c "'$ILLAN' diff '$tmp/d1.json' '$tmp/d2.json' > '$tmp/o' && [ \$(grep -c '(the same)' '$tmp/o') = 3 ]"
check "diff names the configuration that changed (GRO, VEB) and exits 1" python3 - "$ILLAN" "$tmp/d1.json" "$tmp/d3.json" <<'PY'
import subprocess, sys
p = subprocess.run([sys.argv[1], "diff", sys.argv[2], sys.argv[3]], capture_output=True, text=True)
lines = p.stdout.splitlines()
assert p.returncode == 1, p
for want in ('  config.nics[phys].gro: true -> false', '  config.vswitches[ETHERNET0].mode: "vepa" -> "veb"',
             '  config.options.no_gro: false -> true'):
    assert want in lines, (want, p.stdout)
# the server NIC's GRO is what --no-gro turns off (the partitions' GRO on
# ibmveth receive stays on, as in Linux)
assert any(l.startswith("  objects.phys.gro_merged: ") and l.endswith(")") and " -> 0 (-" in l for l in lines), p.stdout
PY
check "diff shows the outcome and the drops that differ" python3 - "$ILLAN" "$tmp/d1.json" "$tmp/d4.json" <<'PY'
import subprocess, sys
p = subprocess.run([sys.argv[1], "diff", sys.argv[2], sys.argv[3]], capture_output=True, text=True)
lines = p.stdout.splitlines()
assert p.returncode == 1, p
assert "  fixes: [1,2,3,4] -> [1,3,4]" in lines and "  flows[A->B].ok: true -> false" in lines, p.stdout
assert any("seed issue 2].count: 0 -> 7 (+7)" in l for l in lines), p.stdout
assert "wall_s" not in p.stdout.replace("wall_s and emulation", ""), p.stdout
PY
check "run --json drops carry why --json's fields: counter, object, seed_issue, harmless" python3 - "$tmp/d4.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
seed = [x for x in d['drops'] if x.get('seed_issue') == 2]
assert seed and all(x['counter'] == 'tcp_bad_checksum' and x['object'] in ('VM B', 'host X') and x['harmless'] is False for x in seed), d['drops']
flood = [x for x in d['drops'] if x.get('counter') == 'no_destination']
assert flood and flood[0]['object'] == 'hv:trunk-in' and flood[0]['harmless'] is True and 'seed_issue' not in flood[0], d['drops']
PY
check "diff of a file that is not a run's JSON exits 2" sh -c "echo '{}' > '$tmp/x.json'; '$ILLAN' diff '$tmp/d1.json' '$tmp/x.json' 2>'$tmp/e'; [ \$? = 2 ] && grep -q 'is not the JSON of' '$tmp/e'"

check "matrix runs all 16 combinations" expect_exit 0 "$ILLAN" matrix --bytes 128K
check "matrix has 16 rows" sh -c "grep -cE '^(none|[1-4,]+) ' '$tmp/out' | grep -qx 16"
check "matrix: only all four fixes are whole and fast" sh -c "[ \"\$(grep 'whole and fast' '$tmp/out' | cut -d' ' -f1)\" = 1,2,3,4 ]"
check "matrix says the mixed fix sets never shipped in a kernel" grep -q "never shipped in a" "$tmp/out"
check "matrix refuses another generation" expect_exit 2 "$ILLAN" matrix --driver v5.10 --bytes 64K

# Driver generations (docs/architecture.md, "Driver generations").
check "run --driver v4.13: issue 1 with no switch, every flow whole" sh -c "'$ILLAN' run --driver v4.13 --bytes 1M --json > '$tmp/g413.json' && python3 -c \"import json; d=json.load(open('$tmp/g413.json')); c=d['counters']; assert d['ok'] and d['generation'] == 'v4.13' and d['fixes'] == [] and c['hv_sw_checksums'] > 0 and c['hv_sw_segments'] > 0, (d['generation'], d['fixes'], c)\""
check "run --driver v4.13: the report says before the seed" sh -c "'$ILLAN' run --driver v4.13 --bytes 256K | grep -q 'fixes: none (driver v4.13, before the seed)'"
check "run --driver v4.15: the seed as shipped, whole and fast" sh -c "'$ILLAN' run --driver v4.15 --bytes 1M --json > '$tmp/g415.json' && python3 -c \"import json; d=json.load(open('$tmp/g415.json')); c=d['counters']; assert d['ok'] and d['generation'] == 'v4.15' and d['fixes'] == [1,2,3,4] and c['hv_sw_checksums'] == 0 and c['hv_sw_segments'] == 0 and c['sw_gso_segments'] == 0, c\""
check "run: the default generation is v5.10" sh -c "'$ILLAN' run --bytes 256K --json | python3 -c \"import json,sys; d=json.load(sys.stdin); assert d['generation'] == 'v5.10', d['generation']\""
check "run --fixes runs the seed generation" sh -c "'$ILLAN' run --fixes 2,3,4 --bytes 256K | grep -q \"driver v4.15, the seed's laboratory\""
check "--fixes with another generation is refused" expect_exit 2 "$ILLAN" run --fixes 1,3 --driver v5.10
check "--driver list names each generation's commits" sh -c "'$ILLAN' run --driver list | grep -q '^v4.15.*66aa0678efc2' && '$ILLAN' run --driver list | grep -q '^v6.1.*d6832ca48d8a'"

# Topology files (examples/, docs/topology.md).
EX=${ILLAN_SOURCE_ROOT:-.}/examples
for f in seed dual-vios-failover many-lpars bridge-in-a-partition; do
  check "topo check $f.yaml exits 0" expect_exit 0 "$ILLAN" topo check "$EX/$f.yaml"
done
# rx_multi_buff: the firmware attribute driver current batches receive buffers with
sed -e 's/^        pvid: \(..\)$/        pvid: \1\n        driver: current\n        rx_multi_buff: true/' \
    -e 's/trunk_priority: 1}/trunk_priority: 1, driver: current, rx_multi_buff: true}/' "$EX/seed.yaml" >"$tmp/mb.yaml"
sed 's/rx_multi_buff: true/rx_multi_buff: false/' "$tmp/mb.yaml" >"$tmp/nomb.yaml"
check "rx_multi_buff with driver current: buffers posted 8 per call, every byte delivered" sh -c "'$ILLAN' run '$tmp/mb.yaml' --bytes 1M --json | python3 -c \"import json,sys; d=json.load(sys.stdin); c=d['counters']; assert d['ok'] and c['replenish_multi_calls'] == 552 and c['replenish_multi_fallback'] == 0 and all(f['bytes_delivered'] == f['bytes_sent'] == 1048576 for f in d['flows']), c\""
check "without rx_multi_buff, driver current posts one buffer per call" sh -c "'$ILLAN' run '$tmp/nomb.yaml' --bytes 1M --json | python3 -c \"import json,sys; d=json.load(sys.stdin); c=d['counters']; assert d['ok'] and c['replenish_multi_calls'] == 0 and c['replenish_add_buff_success'] > 0, c\""
check "topo show names rx multi-buffer" sh -c "'$ILLAN' topo show '$tmp/mb.yaml' | grep -q 'PVID 10  rx multi-buffer  driver current'"
sed 's/driver: current/driver: v6.1/' "$tmp/mb.yaml" >"$tmp/mbw.yaml"
check "rx_multi_buff with driver v6.1: a warning at the key" sh -c "'$ILLAN' topo check '$tmp/mbw.yaml' 2>&1 | grep -q 'mbw.yaml:28:24: warning: adapter vm-a: rx_multi_buff: driver v6.1 posts one buffer per H_ADD_LOGICAL_LAN_BUFFER call'"
sed '0,/rx_multi_buff: true/s//rx_multi_buff: maybe/' "$tmp/mb.yaml" >"$tmp/mbe.yaml"
check "rx_multi_buff not a boolean: an error at file:line:col" sh -c "'$ILLAN' topo check '$tmp/mbe.yaml' 2>&1; [ \$? = 1 ] && '$ILLAN' topo check '$tmp/mbe.yaml' 2>&1 | grep -q \"mbe.yaml:28:24: rx_multi_buff: expected true or false, got 'maybe'\""
"$ILLAN" topo check "$EX/many-lpars.yaml" >"$tmp/out" 2>&1
check "topo check counts the 64 partitions and the IO server" grep -q "65 partitions, 65 virtual adapters, 1 bridges" "$tmp/out"
printf 'name: bad\npartitions:\n  - name: ios\n    role: io-server\n    adapters:\n      - {name: t0, pvid: 10, trunk_priority: 0}\n' >"$tmp/bad.yaml"
check "a bad file exits 1" expect_exit 1 "$ILLAN" topo check "$tmp/bad.yaml"
check "the error names file:line:column and what PowerVM allows" grep -q "bad.yaml:6:46: trunk priority 0: PowerVM allows 1–15" "$tmp/err"
printf 'name: x\npartitions:\n  - name: a\n    adaptors: []\n' >"$tmp/typo.yaml"
check "an unknown key is refused" expect_exit 1 "$ILLAN" topo check "$tmp/typo.yaml"
check "the unknown key is named with its line" grep -q "typo.yaml:4:.*adaptors" "$tmp/err"
check "a missing file is a clear error" expect_exit 1 "$ILLAN" topo check "$tmp/none.yaml"
check "run refuses a file with errors (exit 2)" expect_exit 2 "$ILLAN" run "$tmp/bad.yaml"
check "topo show draws the seed" expect_exit 0 "$ILLAN" topo show seed
check "the picture names the trunks and the bridge" sh -c "grep -q 'trunk-in' '$tmp/out' && grep -q 'bridge ovs0' '$tmp/out'"
check "topo show --dot is a graph" expect_exit 0 "$ILLAN" topo show "$EX/dual-vios-failover.yaml" --dot
check "the dot output is a graph" grep -q "^graph" "$tmp/out"
if command -v dot >/dev/null 2>&1; then
  check "dot renders it to SVG" sh -c "dot -Tsvg '$tmp/out' > '$tmp/t.svg' && grep -q '<svg' '$tmp/t.svg'"
else
  n=$((n + 1)); echo "ok $n - dot renders it to SVG # SKIP graphviz not installed"
fi
check "run FILE: the seed file gives the built-in seed's report" sh -c "'$ILLAN' run '$EX/seed.yaml' --bytes 256K --seed 3 --json | python3 -c \"import json,sys; d=json.load(sys.stdin); [f.pop(k) for f in d['flows'] for k in ('wall_s',)]; d.pop('wall_s'); d.pop('emulation'); d.pop('config'); print(json.dumps(d, sort_keys=True))\" > '$tmp/f1' && '$ILLAN' run --bytes 256K --seed 3 --json | python3 -c \"import json,sys; d=json.load(sys.stdin); [f.pop(k) for f in d['flows'] for k in ('wall_s',)]; d.pop('wall_s'); d.pop('emulation'); d.pop('config'); print(json.dumps(d, sort_keys=True))\" > '$tmp/f2' && cmp -s '$tmp/f1' '$tmp/f2'"
check "run FILE: the failover example delivers every byte" expect_exit 0 "$ILLAN" run "$EX/dual-vios-failover.yaml" --bytes 1M
check "the failover report gives the outage in virtual time" grep -q "longest stall: 3.000 s of virtual time" "$tmp/out"
check "the JSON records the configuration" sh -c "'$ILLAN' run '$EX/dual-vios-failover.yaml' --bytes 256K --json | python3 -c \"import json,sys; d=json.load(sys.stdin); c=d['config']; assert c['topology']=='dual-vios-failover' and len(c['partitions'])==4 and c['bridges'][0]['kind']=='ovs' and c['illan_version'] and d['events_fired']==2, c\""
check "JSON escapes names a user gave" sh -c "sed 's/^name: dual-vios-failover/name: \"a \\\\\"quoted\\\\\" lab\"/' '$EX/dual-vios-failover.yaml' > '$tmp/q.yaml' && '$ILLAN' run '$tmp/q.yaml' --bytes 64K --json | python3 -c \"import json,sys; d=json.load(sys.stdin); assert d['config']['topology']=='a \\\"quoted\\\" lab', d['config']['topology']\""
check "run --report FILE.dot marks the loss" sh -c "'$ILLAN' run --fixes 1,3,4 --bytes 64K --report '$tmp/r.dot' >/dev/null; grep -q 'seed issue 2' '$tmp/r.dot'"
check "run --report with an unknown kind is refused" expect_exit 2 "$ILLAN" run --report "$tmp/r.gif"
if command -v dot >/dev/null 2>&1; then
  check "run --report FILE.svg draws it" sh -c "'$ILLAN' run --bytes 64K --report '$tmp/r.svg' >/dev/null && grep -q '<svg' '$tmp/r.svg'"
else
  n=$((n + 1)); echo "ok $n - run --report FILE.svg draws it # SKIP graphviz not installed"
fi
"$ILLAN" run --driver list >"$tmp/drivers" 2>&1
if grep -q '^kernel-6.1' "$tmp/drivers"; then
  check "run --driver kernel-6.1: the real driver in every adapter, every flow whole" expect_exit 0 "$ILLAN" run --driver kernel-6.1 --bytes 256K
  check "its report says the seed's fixes do not apply" grep -q "none apply: every adapter runs kernel-6.1" "$tmp/out"
  check "the kernel driver's own log lines are in the report" grep -q "^kernel driver log:" "$tmp/out"
else
  n=$((n + 1)); echo "ok $n - run --driver kernel-6.1 # SKIP no kernel driver built"
fi
check "an unknown driver is refused" expect_exit 2 "$ILLAN" run --driver frobnicate
check "matrix FILE runs the file's flows" expect_exit 0 "$ILLAN" matrix "$EX/many-lpars.yaml" --bytes 64K
check "matrix FILE: all fixes whole and fast for 33 flows" grep -qE "^1,2,3,4 +33/33 .*whole and fast" "$tmp/out"
check "hv counters a review found missing reach the JSON" sh -c "'$ILLAN' run --bytes 64K --json | python3 -c \"import json,sys; d=json.load(sys.stdin); o=d['objects']['hv:trunk-in']; assert all(k in o for k in ('tx_not_open','resource_errors','hv_sw_errors','standby_discards')), o\""

echo "1..$n"
exit $fail
