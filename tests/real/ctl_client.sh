#!/bin/sh
# ctl_client.sh ILLAN — `illan stats` / `illan flows` (src/cli/ctl.c) against a
# scripted stand-in for the daemon's control socket (a few lines of Python
# in a private directory; no root, no namespaces). Prints TAP lines.
#
# The answers are sent in pieces with pauses, so the client's reads split
# them where the test wants: an "error:" answer whose last piece looks fine
# must fail, and a good answer whose last piece begins "error:" must pass
# unchanged. Also: the command line sent, the empty answer, no daemon.
set -u
ILLAN=${1:?usage: ctl_client.sh path/to/illan}
N=0
FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
notok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }

command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP python3 missing"; exit 77; }
T=$(mktemp -d /tmp/illan-ctl-test.XXXXXX) || exit 1
SPID=
cleanup() {
  [ -n "$SPID" ] && kill "$SPID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The stand-in: serves one connection per scripted answer, in order, and
# appends each command line it received to $T/commands.
cat >"$T/fake.py" <<'EOF'
import os, socket, sys, time
path, log = sys.argv[1], sys.argv[2]
big = b"".join(b"tap-a        rx_packets %20d\n" % i for i in range(1000))  # 45 KB
answers = [
    [b"error: unknown command 'stats'\n", big],         # error, then more pieces
    [big, b"error: looks like one but is only the tail\n"],  # fine, last piece "error:"
    [],                                                  # closes without a word
    [b"flows-answer\n"],
]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.settimeout(30)  # never outlive the test
s.listen(4)
with open(sys.argv[3], "wb") as f:
    f.write(b"".join(answers[1]))
open(path + ".ready", "w").close()
for pieces in answers:
    c, _ = s.accept()
    c.settimeout(5)
    cmd = b""
    while not cmd.endswith(b"\n"):
        got = c.recv(64)
        if not got:
            break
        cmd += got
    with open(log, "ab") as f:
        f.write(cmd)
    for p in pieces:
        c.sendall(p)
        time.sleep(0.2)  # the client's read returns this piece alone
    c.close()
EOF

python3 "$T/fake.py" "$T/ctl.sock" "$T/commands" "$T/expected" &
SPID=$!
i=0
while [ ! -e "$T/ctl.sock.ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done

timeout 20 "$ILLAN" stats --dir "$T" >"$T/out1" 2>"$T/err1"; rc=$?
check "an answer beginning 'error:' fails (exit 1), even when later pieces look fine" test $rc = 1
check "the daemon's error goes to stderr, not stdout" sh -c "
  [ ! -s '$T/out1' ] && grep -q \"error: unknown command 'stats'\" '$T/err1'"

timeout 20 "$ILLAN" stats --json --dir "$T" >"$T/out2" 2>"$T/err2"; rc=$?
check "a good answer whose last piece begins 'error:' succeeds" test $rc = 0
check "a good answer is copied byte for byte (45 KB over many reads)" cmp -s "$T/out2" "$T/expected"

timeout 20 "$ILLAN" stats --dir "$T" >"$T/out3" 2>"$T/err3"; rc=$?
check "an empty answer fails with a message" sh -c "[ $rc = 1 ] && [ ! -s '$T/out3' ] && grep -q 'without answering' '$T/err3'"

timeout 20 "$ILLAN" flows --dir "$T" >"$T/out4" 2>"$T/err4"; rc=$?
check "flows: the answer is printed" sh -c "[ $rc = 0 ] && [ \"\$(cat '$T/out4')\" = flows-answer ]"

wait "$SPID" 2>/dev/null
SPID=
check "commands sent: stats, stats-json, stats, flows (one line each)" sh -c "
  [ \"\$(cat '$T/commands' | tr '\n' ' ')\" = 'stats stats-json stats flows ' ]"

timeout 20 "$ILLAN" stats --dir "$T/none" >/dev/null 2>"$T/err5"; rc=$?
check "no daemon: exit 1 and says how to start one" sh -c "[ $rc = 1 ] && grep -q 'illan netns up' '$T/err5'"

echo "1..$N"
exit $((FAILED > 0))
