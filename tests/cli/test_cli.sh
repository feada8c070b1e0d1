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
    for k in ("name", "connected", "syn_retransmits", "bytes_sent", "bytes_delivered", "intact", "goodput_gbps"):
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
  "$ILLAN" run --bytes 256K --seed "$1" --json | python3 -c "import json,sys; d=json.load(sys.stdin); [f.pop(k) for f in d['flows'] for k in ('goodput_gbps','wall_s')]; d.pop('wall_s'); print(json.dumps(d, sort_keys=True))"
}
seed_run 7 >"$tmp/seed1"; seed_run 7 >"$tmp/seed2"
check "the same seed gives the same result" sh -c "[ -s '$tmp/seed1' ] && cmp -s '$tmp/seed1' '$tmp/seed2'"
check "a different seed gives different sequence numbers" sh -c "'$ILLAN' run --bytes 64K --seed 8 --trace '$tmp/t8' >/dev/null && '$ILLAN' run --bytes 64K --seed 9 --trace '$tmp/t9' >/dev/null && ! cmp -s '$tmp/t8' '$tmp/t9'"
check "a failing run says ok: false in JSON and exits 1" sh -c "'$ILLAN' run --bytes 64K --fixes 1,3,4 --json > '$tmp/fail.json'; [ \$? = 1 ] && python3 -c \"import json; d=json.load(open('$tmp/fail.json')); assert d['ok'] is False and d['fixes'] == [1,3,4] and not d['flows'][0]['connected'] and any(x['seed_issue'] == 2 for x in d['drops'])\""
check "fix 2 off fails with exit 1" expect_exit 1 "$ILLAN" run --bytes 64K --fixes 1,3,4
check "fix 2 off is explained as seed issue 2" grep -q "because it arrived CHECKSUM_UNNECESSARY — seed issue 2" "$tmp/out"
check "fix 3 off is explained as seed issue 3" sh -c "'$ILLAN' run --bytes 64K --fixes trunk-offload,trunk-csum-partial,fraglist-linearize | grep -q 'seed issue 3'"

check "trace and pcap are written" expect_exit 0 "$ILLAN" run --bytes 256K --trace "$tmp/trace.txt" --pcap "$tmp/pcap"
check "trace shows hops of the first SYN" grep -q "SYN .*trunk-in rx .*ip_summed=PARTIAL" "$tmp/trace.txt"
check "trace shows a GRO frag_list packet (X->B)" grep -q "X->B .*frag_list=yes" "$tmp/trace.txt"
check "one pcap per hop" sh -c "ls '$tmp/pcap' | grep -q 'trunk-out_tx.pcap' && ls '$tmp/pcap' | grep -q 'vm-b_rx.pcap'"
if command -v tshark >/dev/null 2>&1; then
  check "tshark reads a hop pcap" sh -c "tshark -r '$tmp/pcap/vm-b_rx.pcap' 2>/dev/null | grep -q TCP"
  check "pcaps are named by hop only" sh -c "! ls '$tmp/pcap' | grep -qv -E '^(vm-a|vm-b|trunk-in|trunk-out|phys|x-nic)_(rx|tx).pcap\$|^bridge_upcall.pcap\$'"
else
  n=$((n + 1)); echo "ok $n - tshark reads a hop pcap # SKIP tshark not installed"
fi

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
check "run FILE: the seed file gives the built-in seed's report" sh -c "'$ILLAN' run '$EX/seed.yaml' --bytes 256K --seed 3 --json | python3 -c \"import json,sys; d=json.load(sys.stdin); [f.pop(k) for f in d['flows'] for k in ('goodput_gbps','wall_s')]; d.pop('wall_s'); d.pop('config'); print(json.dumps(d, sort_keys=True))\" > '$tmp/f1' && '$ILLAN' run --bytes 256K --seed 3 --json | python3 -c \"import json,sys; d=json.load(sys.stdin); [f.pop(k) for f in d['flows'] for k in ('goodput_gbps','wall_s')]; d.pop('wall_s'); d.pop('config'); print(json.dumps(d, sort_keys=True))\" > '$tmp/f2' && cmp -s '$tmp/f1' '$tmp/f2'"
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
