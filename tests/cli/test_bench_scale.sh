#!/bin/sh
# test_bench_scale.sh — `illan bench --scale --quick` runs and prints every
# part and every key, in text and JSON, and every frame and byte it sent
# arrived (its ok flags). Not its numbers: a benchmark is not a test. TAP.
ILLAN=${1:?usage: test_bench_scale.sh path/to/illan}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
check() { # name, command...
  name=$1; shift
  n=$((n + 1))
  if "$@"; then echo "ok $n - $name"; else fail=1; echo "not ok $n - $name"; fi
}
has() { grep -q -- "$1" "$tmp/out" || { echo "# missing: $1"; return 1; }; }

check "bench --scale --quick exits 0" sh -c "'$ILLAN' bench --scale --quick >'$tmp/out' 2>'$tmp/err'"
sed 's/^/# /' "$tmp/err" | head -5
for key in "flows through the bridge" "where a packet's time goes" "^  bridge " "^  1 " "^  100 " "^  10000 " "ratio 100/1" "10k/1" \
    "broadcast fan-out" "^  8 " "^  32 " "^  63 " "each added receiver costs" \
    "bring-up (examples/many-lpars.yaml, 65 partitions)" "target < 1000" \
    "failover (examples/dual-vios-failover.yaml): outage" "virtual time" \
    "bytes copied per payload byte delivered" "A->B .*minimum 2.0 (two hypervisor copies)" \
    "X->B .*minimum 2.0" "hv send+copy"; do
  check "text prints '$key'" has "$key"
done
check "text reports no failure" sh -c "! grep -q FAILED '$tmp/out'"

check "bench --scale --quick --json exits 0" sh -c "'$ILLAN' bench --scale --quick --json >'$tmp/j' 2>'$tmp/err'"
check "json has every key, every ok true" python3 - "$tmp/j" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = {"reps", "clock", "flows", "fanout", "bringup", "failover", "copies"}
assert want <= d.keys(), want - d.keys()
f = d["flows"]
for k in ("cases", "ratio_100_vs_1", "ratio_10k_vs_1", "target_10k_vs_1", "ok"):
    assert k in f, k
assert [c["flows"] for c in f["cases"]] == [1, 100, 10000]
for c in f["cases"]:
    assert {"ns_per_packet", "wall_ns_per_packet", "vs_1_flow", "bridge_flows",
            "profiled_ns_per_packet_by_layer"} <= c.keys(), c
    # the profiled pass went through the bridge and both hypervisor crossings
    assert {"bridge", "hv send+copy"} <= c["profiled_ns_per_packet_by_layer"].keys(), c
    # every flow was a datapath flow of its own (plus B->A's)
    assert c["bridge_flows"] == c["flows"] + 1, c
assert f["ok"] is True
fo = d["fanout"]
assert [c["receivers"] for c in fo["cases"]] == [1, 8, 32, 63]
for c in fo["cases"]:
    assert {"ns_per_broadcast", "wall_ns_per_broadcast", "ns_per_receiver",
            "per_receiver_vs_1"} <= c.keys(), c
assert "ns_per_added_receiver" in fo and fo["ok"] is True
b = d["bringup"]
assert {"partitions", "create_ms", "create_cpu_ms", "destroy_ms", "target_ms"} <= b.keys()
assert b["partitions"] == 65 and b["ok"] is True
fv = d["failover"]
assert {"outage_virtual_s", "outage_from_s", "flow", "wall_s"} <= fv.keys()
assert fv["ok"] is True and fv["flow"]
assert [c["path"] for c in d["copies"]] == ["A->B", "X->B"]
for c in d["copies"]:
    assert {"copied_per_byte_delivered", "minimum", "minimum_is", "by_layer"} <= c.keys()
    assert c["ok"] is True and c["minimum"] == 2.0
    # no path delivers with fewer copies than it requires: the accounting
    # missed a copy site if it does
    assert c["copied_per_byte_delivered"] >= c["minimum"], c
    assert c["by_layer"]["hv send+copy"] >= 1.0, c["by_layer"]
    # every copy is charged to a layer: nothing outside
    assert "outside any layer" not in c["by_layer"], c["by_layer"]
PY
check "--only takes one part" sh -c "'$ILLAN' bench --scale --quick --only bringup >'$tmp/o' && grep -q bring-up '$tmp/o' && ! grep -q fan-out '$tmp/o'"
check "--only refuses an unknown part" sh -c "! '$ILLAN' bench --scale --only nothing 2>/dev/null"
check "a FILE is refused with --scale" sh -c "! '$ILLAN' bench --scale x.yaml 2>/dev/null"
echo "1..$n"
exit $fail
