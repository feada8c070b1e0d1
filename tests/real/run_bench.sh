#!/bin/sh
# run_bench.sh ILLAN — `illan bench --real` (issue 18), short: one round of
# one second per case. Prints TAP lines.
#  - with a lab up (a named seed lab, $LAB) the bench refuses at once,
#    naming the lab, and makes nothing;
#  - with no lab up it runs every case and prints JSON with every ratio key
#    (illan/OVS, fix 4 on/off, all fixes/pre-seed, X->B/A->B, illan/kernel
#    bridge, illan/bare forwarder), each a positive number whenever both its
#    cases ran (OVS may be skipped only with the reason said), and leaves
#    no namespace, process or OVS directory behind.
# Root, /dev/net/tun and namespaces, or skip (77). The bench takes
# /run/illan-real-tests.lock itself (and may wait minutes for it), so this
# script does not hold it.
set -u
ILLAN=${1:?usage: run_bench.sh path/to/illan}
LAB=illantest-bench
N=0
FAILED=0
. "$(dirname "$0")/lib.sh"

need_real
command -v iperf3 >/dev/null || { echo "1..0 # SKIP iperf3 missing"; exit 77; }

OUT=$(mktemp -d /tmp/illan-bench-test.XXXXXX) || exit 1
STATE=$OUT   # where lib.sh's ok/notok keep their counts
cleanup() {
  timeout 30 "$ILLAN" netns down --name $LAB >/dev/null 2>&1
  rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- refused while a lab is up ------------------------------------------------
# The lab is up without the lock (the bench waits for it, then refuses): a
# named lab's daemon and namespaces are its own, so a real-traffic test
# that takes the lock meanwhile meets nothing of it but the CPU load.
if timeout 60 "$ILLAN" netns up --name $LAB >"$OUT/up" 2>&1; then
  ok "refusal case: netns up --name $LAB"
  timeout 400 "$ILLAN" bench --real --reps 1 --seconds 1 --json >"$OUT/refused.json" 2>"$OUT/refused.err"
  rc=$?
  check "bench --real refuses while lab $LAB is up (exit 1)" test $rc = 1
  check "the refusal names the lab" grep -q "lab $LAB" "$OUT/refused.err"
  check "the refusal printed no JSON" test ! -s "$OUT/refused.json"
  check "the refusal made none of the bench's namespaces" \
    sh -c '! ip netns list | grep -q "^illan-bench-"'
  note "refusal: $(cat "$OUT/refused.err")"
else
  notok "refusal case: netns up --name $LAB"
fi
timeout 30 "$ILLAN" netns down --name $LAB >/dev/null 2>&1

# ---- one short run: JSON with every ratio --------------------------------------
timeout 450 "$ILLAN" bench --real --reps 1 --seconds 1 --json >"$OUT/bench.json" 2>"$OUT/bench.err"
rc=$?
if [ $rc = 1 ] && grep -q "refused:" "$OUT/bench.err"; then
  # someone else's lab (not this script's: it is down) is up on the machine
  note "$(cat "$OUT/bench.err")"
  echo "1..$N # SKIP the run: another lab is up on this machine"
  exit $((FAILED > 0))
fi
check "bench --real --reps 1 --seconds 1 --json exits 0" test $rc = 0
sed 's/^/# /' "$OUT/bench.json" "$OUT/bench.err"
check "JSON: every case and ratio key; each ratio a positive number when both its cases ran" \
  python3 - "$OUT/bench.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cases = {c["key"]: c for c in d["cases"]}
want = ["ab_all_fixes", "ab_preseed", "xb_all_fixes", "xb_fix4_off", "ovs_userspace",
        "kernel_bridge", "bare_forwarder"]
assert sorted(cases) == sorted(want), cases.keys()
pairs = {"illan_vs_ovs": ("ab_all_fixes", "ovs_userspace"),
         "fix4_on_off": ("xb_all_fixes", "xb_fix4_off"),
         "all_fixes_vs_preseed": ("ab_all_fixes", "ab_preseed"),
         "xb_vs_ab": ("xb_all_fixes", "ab_all_fixes"),
         "illan_vs_kernel_bridge": ("ab_all_fixes", "kernel_bridge"),
         "illan_vs_bare_forwarder": ("ab_all_fixes", "bare_forwarder")}
assert sorted(d["ratios"]) == sorted(pairs), d["ratios"].keys()
assert sorted(d["round_ratios"]) == sorted(pairs)
for k, (a, b) in pairs.items():
    v, ca, cb = d["ratios"][k], cases[a], cases[b]
    for c in (ca, cb):
        # only OVS may be missing, and then with its reason
        assert c["ok"] or (c["key"] == "ovs_userspace" and c.get("skipped")), c
    if ca["ok"] and cb["ok"]:
        want_v = ca["rounds"][0] / cb["rounds"][0]
        assert v is not None and v > 0 and abs(v - want_v) <= 0.002 * want_v + 0.001, (k, v, want_v)
        assert d["round_ratios"][k] == [v], (k, d["round_ratios"][k])
    else:
        assert v is None, (k, v)
for c in d["cases"]:
    assert len(c["rounds"]) == 1
    if c["ok"]:
        assert c["gbps"] > 0 and c["gbps"] == c["rounds"][0], c
PY
check "nothing left: no illan-bench namespace" sh -c '! ip netns list | grep -q "^illan-bench-"'
check "nothing left: no OVS directory of the bench" sh -c '! ls -d /tmp/illan-bench-ovs-* 2>/dev/null | grep -q .'
# An OVS daemon (by its program's name) whose command line names the
# bench's OVS directory.
no_ovs_left() {
  for pid in $(pgrep -x ovs-vswitchd; pgrep -x ovsdb-server); do
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q illan-bench-ovs- && return 1
  done
  return 0
}
check "nothing left: no OVS daemon of the bench" no_ovs_left
echo "1..$N"
exit $((FAILED > 0))
