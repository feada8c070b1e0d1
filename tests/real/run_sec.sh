#!/bin/sh
# run_sec.sh ILLAN LOOKALIKE — the real-traffic daemon as a careful operator
# of a root daemon needs it (issue 15, points 1-4). Prints TAP lines.
#  1. no control client stalls forwarding: idle connections, a client that
#     sends a byte every 0.9 s, a flood of connections; `illan stats` still
#     answers and ping loses nothing; "stats" without a newline is answered
#     at once;
#  2. --dir is refused when another user could change it (owner, group or
#     other write, here or above), and a planted symlink in a good one is
#     never written through;
#  3. a full directory fails `netns up` loudly; `status` and a second `up`
#     ask the socket (an empty pid file does not make a running daemon
#     "stopped", nor replaceable);
#  4. `netns down` never signals a look-alike (LOOKALIKE: another program
#     with the daemon's command line, run by root and by another user), but
#     still finds its own daemon without pid file or socket.
# Root, /dev/net/tun and namespaces, or skip (77). Serialized with the other
# real-traffic scripts by /run/illan-real-tests.lock; the cases run bounded
# (BODY_LIMIT) and everything is cleaned up on every exit path.
set -u
BODY_LIMIT=${ILLAN_SEC_LIMIT:-180}   # seconds; meson's timeout is 400
DIR=/run/illan
. "$(dirname "$0")/lib.sh"

# ======================================================================
# Outer part: checks, lock, bounded body, cleanup, final check.
# ======================================================================
if [ "${1:-}" != --body ]; then
  ILLAN=${1:?usage: run_sec.sh path/to/illan path/to/lookalike}
  LOOK=${2:?usage: run_sec.sh path/to/illan path/to/lookalike}
  need_real
  take_lock 120
  cleanup() {
    # Our look-alikes and clients (pids noted by the body), then the rest.
    [ -f "$STATE/pids" ] && xargs -r kill -9 <"$STATE/pids" 2>/dev/null
    for d in "$DIR" "$STATE/safe" "$STATE/planted" "$STATE/scan"; do
      ns_killall
      timeout 30 "$ILLAN" netns down --dir "$d" >/dev/null 2>&1
    done
    mountpoint -q "$STATE/full" 2>/dev/null && umount -l "$STATE/full"
    return 0
  }
  outer_start sec
  outer_body "$BODY_LIMIT" cases "$ILLAN" "$LOOK"
  outer_finish "after the suite: no namespace, process or interface left" leftovers
fi

# ======================================================================
# The cases (run by the outer part, under its time limit).
# ======================================================================
ILLAN=${2:?}
LOOK=${3:?}
body_start
PY=/usr/bin/python3

gone() { ! alive "$1"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ping FROM ADDR COUNT INTERVAL: prints "LOSS_PERCENT MAX_RTT_MS" (100 9999 if
# ping did not run).
ping_stats() {
  in_ns "$1" timeout $(($3 + 10)) ping -n -c "$3" -i "$4" -W 1 "$2" 2>/dev/null | awk '
    / packet loss/ { for (i = 1; i <= NF; i++) if ($i ~ /%$/) { sub("%", "", $i); loss = $i } }
    /^rtt|^round-trip/ { split($4, a, "/"); max = a[3] }
    END { if (loss == "") loss = 100; if (max == "") max = 9999; print loss, max }'
}

# A control-socket client in Python: hold idle connections, drip a byte at
# a time, flood, or time one request.
cat >"$STATE/ctl.py" <<'EOF'
import os, socket, sys, time
mode, path = sys.argv[1], sys.argv[2]
def conn(block=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2 if block else 0)
    s.connect(path)
    return s
if mode == "hold":          # hold N idle connections for SECS
    n, secs = int(sys.argv[3]), float(sys.argv[4])
    cs = [conn() for _ in range(n)]
    time.sleep(secs)
elif mode == "drip":        # one byte every INTERVAL for SECS, reconnecting when closed
    secs, gap = float(sys.argv[3]), float(sys.argv[4])
    end, s, sent = time.time() + secs, None, 0
    while time.time() < end:
        try:
            if s is None:
                s = conn()
            s.send(b"s")
            sent += 1
        except OSError:
            s = None
        time.sleep(gap)
    print(sent)
elif mode == "flood":       # N connections as fast as they go, held SECS
    n, secs = int(sys.argv[3]), float(sys.argv[4])
    cs, failed = [], 0
    for _ in range(n):
        try:
            cs.append(conn(False))
        except OSError:
            failed += 1
    print(len(cs), failed)
    sys.stdout.flush()
    time.sleep(secs)
elif mode == "timed":       # send REQ as is (no newline added), time the whole answer
    req = sys.argv[3].encode()
    s = conn()
    s.settimeout(5)
    t0 = time.time()
    s.send(req)
    got = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except OSError:
        pass
    print("%d %s" % ((time.time() - t0) * 1000, got.split(b"\n")[0].decode(errors="replace")[:60]))
EOF
ctl() { timeout 30 "$PY" "$STATE/ctl.py" "$@"; }
bg() { "$@" & echo $! >>"$STATE/pids"; }

# ---- 2: --dir refused where another user could change it (no up needed) -----
echo precious >"$STATE/victim"
mkdir -m 0777 "$STATE/open"
ln -s "$STATE/victim" "$STATE/open/daemon.log"
ln -s "$STATE/victim" "$STATE/open/illan.pid"
timeout 60 "$ILLAN" netns up --dir "$STATE/open" >"$STATE/out" 2>"$STATE/err"; rc=$?
sed 's/^/#   /' "$STATE/err" | head -3
check "--dir writable by others (0777): netns up refuses (exit 1) and says why" sh -c "
  [ $rc = 1 ] && grep -q 'writable by others' '$STATE/err' && [ ! -e /run/netns/vm-a ]"
check "--dir 0777 with a planted daemon.log symlink: the target is untouched" \
  test "$(cat "$STATE/victim")" = precious
down --dir "$STATE/open"
mkdir -m 0755 "$STATE/owned"
chown 65534 "$STATE/owned"
timeout 60 "$ILLAN" netns up --dir "$STATE/owned" >"$STATE/out" 2>"$STATE/err"; rc=$?
check "--dir owned by another user: netns up refuses and names the owner" sh -c "
  [ $rc = 1 ] && grep -q 'belongs to uid 65534' '$STATE/err' && [ ! -e /run/netns/vm-a ]"
mkdir -m 0777 "$STATE/pw" && mkdir -m 0755 "$STATE/pw/d"
timeout 60 "$ILLAN" netns up --dir "$STATE/pw/d" >"$STATE/out" 2>"$STATE/err"; rc=$?
check "--dir under a directory others can write: refused" sh -c "
  [ $rc = 1 ] && grep -q 'pw is writable by others' '$STATE/err' && [ ! -e /run/netns/vm-a ]"
mkdir -m 0770 "$STATE/gw"
timeout 60 "$ILLAN" netns up --dir "$STATE/gw" >"$STATE/out" 2>"$STATE/err"; rc=$?
check "--dir writable by its group: refused" sh -c "[ $rc = 1 ] && grep -q 'writable by its group' '$STATE/err'"
timeout 30 "$ILLAN" netns down --dir "$STATE/open" >"$STATE/out" 2>"$STATE/err"; rc=$?
check "netns down --dir on a directory others can write: refused, nothing removed there" sh -c "
  [ $rc = 1 ] && grep -q 'writable by others' '$STATE/err' && [ -L '$STATE/open/daemon.log' ]"

# ---- 3: a full directory fails netns up loudly ------------------------------------
mkdir -p "$STATE/full"
if mount -t tmpfs -o size=64k,mode=0755 illan-sec-full "$STATE/full" 2>/dev/null; then
  mkdir -m 0755 "$STATE/full/d"
  dd if=/dev/zero of="$STATE/full/fill" bs=4k 2>/dev/null
  timeout 60 "$ILLAN" netns up --dir "$STATE/full/d" >"$STATE/out" 2>"$STATE/err"; rc=$?
  sed 's/^/#   /' "$STATE/err" | head -4
  check "full --dir: netns up fails (exit 1), saying the log cannot be written and the directory is full" sh -c "
    [ $rc = 1 ] && grep -q 'No space left on device' '$STATE/err' && grep -q 'is full' '$STATE/err'"
  DIR=$STATE/full/d
  check "full --dir: no daemon, no namespace left" leftovers
  DIR=/run/illan
  umount -l "$STATE/full"
else
  skip "full --dir: netns up fails loudly" "cannot mount a tmpfs"
  skip "full --dir: nothing left" "cannot mount a tmpfs"
fi

# ---- 4: netns down never signals a look-alike ---------------------------------------
mkdir -m 0755 "$STATE/scan"
mkdir -p "$STATE/bin" && cp "$LOOK" "$STATE/bin/lookalike" && chmod 755 "$STATE" "$STATE/bin" "$STATE/bin/lookalike"
spawn_look() { # spawn_look [setpriv args...]: a look-alike of the daemon of $STATE/scan
  "$@" "$PY" -c 'import os, sys; os.execv(sys.argv[1], ["illan", "daemon", "--dir", sys.argv[2]])' \
    "$STATE/bin/lookalike" "$STATE/scan" >/dev/null 2>&1 &
  echo $! >>"$STATE/pids"
  echo $!
}
# One at a time: a scan that stops at the first match must not hide the other.
lnobody=$(spawn_look setpriv --reuid=65534 --regid=65534 --clear-groups)
sleep 0.5
note "look-alike of uid 65534: $lnobody ($(tr '\0' ' ' </proc/$lnobody/cmdline))"
timeout 30 "$ILLAN" netns down --dir "$STATE/scan" >"$STATE/out" 2>&1
sleep 0.3
check "netns down: another user's process with the daemon's command line is not signalled" \
  alive "$lnobody"
lroot=$(spawn_look)
sleep 0.5
timeout 30 "$ILLAN" netns down --dir "$STATE/scan" >"$STATE/out" 2>&1
sleep 0.3
check "netns down: root's process with the daemon's command line but another executable is not signalled" \
  alive "$lroot"
kill -9 "$lroot" "$lnobody" 2>/dev/null

# ---- 1 and 3: the running daemon ---------------------------------------------------
if up "netns up (control socket cases)"; then
  pid=$(daemon_pid)
  fds0=$(ls /proc/$pid/fd | wc -l)
  rss0=$(awk '/^VmRSS/ { print $2 }' /proc/$pid/status)
  # 1a: idle connections.
  bg ctl hold "$DIR/ctl.sock" 10 6
  sleep 0.5
  t0=$(now_ms); timeout 10 "$ILLAN" stats >/dev/null 2>"$STATE/err"; rc=$?; t1=$(now_ms)
  note "illan stats beside 10 idle connections: exit $rc in $((t1 - t0)) ms"
  check "10 idle control connections: illan stats answers within 2 s" sh -c "[ $rc = 0 ] && [ $((t1 - t0)) -lt 2000 ]"
  set -- $(ping_stats vm-a 192.0.2.2 20 0.1)
  note "ping beside idle connections: loss $1%, max rtt $2 ms"
  check "10 idle control connections: ping vm-a -> vm-b loses nothing, max rtt < 200 ms" \
    awk -v l="$1" -v m="$2" 'BEGIN { exit !(l == 0 && m < 200) }'
  wait
  # 1b: a byte every 0.9 s (the probe stopped all forwarding for ~63 s).
  bg ctl drip "$DIR/ctl.sock" 9 0.9 >/dev/null
  sleep 0.3
  set -- $(ping_stats vm-a 192.0.2.2 40 0.2)
  note "ping beside a client sending a byte every 0.9 s: loss $1%, max rtt $2 ms"
  check "a client dripping a byte every 0.9 s: ping loses nothing, max rtt < 200 ms" \
    awk -v l="$1" -v m="$2" 'BEGIN { exit !(l == 0 && m < 200) }'
  t0=$(now_ms); timeout 10 "$ILLAN" stats >/dev/null 2>&1; rc=$?; t1=$(now_ms)
  check "a dripping client: illan stats answers within 2 s" sh -c "[ $rc = 0 ] && [ $((t1 - t0)) -lt 2000 ]"
  wait
  # 1c: no trailing newline.
  set -- $(ctl timed "$DIR/ctl.sock" stats)
  note "'stats' without newline: answered in $1 ms: $2 $3 $4"
  check "'stats' without a newline is answered at once (< 500 ms)" sh -c "[ '${1:-9999}' -lt 500 ] && [ '${2:-}' = vm-a ]"
  set -- $(ctl timed "$DIR/ctl.sock" status)
  check "'status' without a newline is answered at once (< 500 ms)" sh -c "[ '${1:-9999}' -lt 500 ] && [ '${2:-}' = '{\"pid\":' ]"
  # 1d: a flood of connections.
  ctl flood "$DIR/ctl.sock" 600 4 >"$STATE/flood" &
  fpid=$!
  sleep 1.5
  note "flood: $(cat "$STATE/flood") (connected, refused)"
  t0=$(now_ms); timeout 10 "$ILLAN" stats >/dev/null 2>&1; rc=$?; t1=$(now_ms)
  check "600 connections at once: illan stats still answers within 2 s" sh -c "[ $rc = 0 ] && [ $((t1 - t0)) -lt 2000 ]"
  set -- $(ping_stats vm-a 192.0.2.2 10 0.1)
  check "600 connections at once: ping loses nothing" test "$1" = 0
  wait $fpid
  sleep 2.5
  timeout 10 "$ILLAN" stats --json >"$STATE/stats.json"
  check "the daemon counted what it did to the abusers (timeouts, evictions; at most 32 open)" \
    "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))["counters"]["daemon"]
print("# " + " ".join("%s=%d" % (k, v) for k, v in d.items() if k.startswith("ctl_")))
sys.exit(0 if d["ctl_timeouts"] >= 10 and d["ctl_evicted"] > 0 and d["ctl_open"] <= 32 else 1)' "$STATE/stats.json"
  fds1=$(ls /proc/$pid/fd | wc -l)
  rss1=$(awk '/^VmRSS/ { print $2 }' /proc/$pid/status)
  note "daemon fds $fds0 -> $fds1, RSS $rss0 -> $rss1 kB"
  check "after the abuse: the daemon holds no more fds than before" test "$fds1" -le "$fds0"
  # 3: status and up ask the socket.
  : >"$DIR/illan.pid"
  check "empty pid file: status --json says running, with the daemon's pid, from the socket" sh -c "
    timeout 10 '$ILLAN' netns status --json | '$PY' -c '
import json, sys
d = json.load(sys.stdin)[\"daemon\"]
sys.exit(0 if d[\"running\"] is True and d[\"pid\"] == $pid and d[\"answers\"] is True else 1)'"
  timeout 60 "$ILLAN" netns up >"$STATE/out" 2>"$STATE/err"; rc=$?
  check "empty pid file: a second netns up says already up (exit 1) and changes nothing" sh -c "
    [ $rc = 1 ] && grep -q 'already up (daemon $pid)' '$STATE/err' && kill -0 $pid &&
    [ \"\$(timeout 10 '$ILLAN' netns status --json | '$PY' -c 'import json,sys; print(json.load(sys.stdin)[\"daemon\"][\"pid\"])')\" = $pid ]"
  down
  check "netns down with an empty pid file stops the daemon that answers" gone "$pid"
  check "netns down: nothing left" leftovers
  check "the abused daemon stopped cleanly (no leak, no sanitizer report in its log)" sh -c "
    grep -q 'signal 15: stopping' $DIR/daemon.log &&
    ! grep -q 'outstanding at teardown\|Sanitizer\|runtime error' $DIR/daemon.log"
else
  notok "control socket cases not run (netns up failed)"
fi

# ---- 2: a good --dir with planted symlinks: never written through ---------------------
mkdir -m 0755 "$STATE/planted"
echo precious >"$STATE/victim2"
echo precious >"$STATE/victim3"
ln -s "$STATE/victim" "$STATE/planted/daemon.log"
ln -s "$STATE/victim2" "$STATE/planted/illan.pid"
ln -s "$STATE/victim3" "$STATE/planted/ctl.sock"
if up "netns up --dir with planted daemon.log, illan.pid, ctl.sock symlinks" --dir "$STATE/planted"; then
  check "planted symlinks: every target untouched" sh -c "
    [ \"\$(cat '$STATE/victim' '$STATE/victim2' '$STATE/victim3')\" = \"\$(printf 'precious\nprecious\nprecious')\" ]"
  check "planted symlinks: the daemon's files are its own (regular log and pid file, a socket)" sh -c "
    [ -f '$STATE/planted/daemon.log' ] && [ ! -L '$STATE/planted/daemon.log' ] &&
    [ -f '$STATE/planted/illan.pid' ] && [ ! -L '$STATE/planted/illan.pid' ] && [ -S '$STATE/planted/ctl.sock' ]"
  check "the control socket is born 0600" test "$(stat -c %a "$STATE/planted/ctl.sock")" = 600
  down --dir "$STATE/planted"
fi

# ---- 4: down still finds its own daemon with neither pid file nor socket -------------
if up "netns up --dir (scan case)" --dir "$STATE/scan"; then
  pid=$(cat "$STATE/scan/illan.pid")
  rm -f "$STATE/scan/illan.pid" "$STATE/scan/ctl.sock"
  timeout 30 "$ILLAN" netns down --dir "$STATE/scan" >"$STATE/out" 2>&1
  check "no pid file, no socket: netns down finds its own daemon in /proc (uid and executable match)" \
    grep -q "stopped daemon $pid" "$STATE/out"
  check "no pid file, no socket: that daemon is gone" gone "$pid"
  DIR=$STATE/scan
  check "scan case: nothing left" leftovers
  DIR=/run/illan
fi

: >"$STATE/finished"
