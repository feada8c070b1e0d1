# lib.sh — shell helpers shared by the real-traffic scripts that run under
# the machine-wide lock: tests/real/run_*.sh and bench/soak_real.sh
# (sourced, not run). POSIX sh.
#
# TAP output (ok/notok/check, counted in $N and $FAILED and mirrored into
# $STATE so an outer part can read them after a kill), namespace helpers, and
# `leftovers`, which prints what a `netns up` left behind — a namespace name,
# a process in one of our (recorded) namespaces, an interface in the
# caller's namespace that was not there at the start, an `illan daemon` of
# $DIR — and fails if anything is.
#
# The two-part shape of a script (an outer part that holds the lock and
# cleans up whatever happens, a body that runs the cases under `timeout`):
# outer_start, outer_body and outer_finish for the outer part, body_start
# for the body; need_real and need_netns (skip, 77, when the machine or
# the binary cannot); and the body's helpers (daemon_pid, alive,
# wait_gone, nstat_get, wait_listen, up, down).
#
# The caller sets STATE (a private directory; outer_start makes it), DIR
# (the daemon's directory) and ILLAN (the binary) before using them.

NSS="vm-a vm-b host-x illan-io"
LOCK=/run/illan-real-tests.lock

ok() { N=$((N + 1)); echo "ok $N - $1"; echo $N >"$STATE/n"; }
notok() {
  N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"
  echo $N >"$STATE/n"; echo $FAILED >"$STATE/failed"
}
skip() { N=$((N + 1)); echo "ok $N - $1 # SKIP $2"; echo $N >"$STATE/n"; }
check() { # check NAME COMMAND...: one case from a command's status
  name=$1; shift
  if "$@"; then ok "$name"; else notok "$name"; fi
}
note() { echo "# $*"; }
quiet() { "$@" >/dev/null 2>&1; }
in_ns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

# Kill whatever runs in our namespaces (test servers), and wait for it.
ns_killall() {
  for ns in $NSS; do
    [ -e "/run/netns/$ns" ] && ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
  done
  i=0
  while [ $i -lt 20 ]; do
    left=""
    for ns in $NSS; do
      [ -e "/run/netns/$ns" ] && left="$left$(ip netns pids "$ns" 2>/dev/null)"
    done
    [ -z "$left" ] && return 0
    sleep 0.1; i=$((i + 1))
  done
  for ns in $NSS; do
    [ -e "/run/netns/$ns" ] && ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
  done
  return 0
}

# Record the inode of each of our namespaces, so `leftovers` can find a
# process still inside one after its name is gone.
ns_record() {
  for ns in $NSS; do
    [ -e "/run/netns/$ns" ] && stat -L -c %i "/run/netns/$ns" >>"$STATE/inodes"
  done
  return 0
}

# The interfaces of the caller's namespace now (the baseline for leftovers).
links_record() {
  ip -o link show | awk -F': ' '{ split($2, a, "@"); print a[1] }' >"$STATE/links"
}

leftovers() {
  /usr/bin/python3 - "$STATE/inodes" "$STATE/links" "$DIR" $NSS <<'EOF'
import os, subprocess, sys
inodes_file, links_file, d, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
bad = []
listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split("\n")
for l in listed:
    if l.split(" ")[0] in names:
        bad.append("namespace " + l.split(" ")[0])
try:
    inodes = {l.strip() for l in open(inodes_file) if l.strip()}
except OSError:
    inodes = set()
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        ns = os.readlink(f"/proc/{pid}/ns/net")
        if ns.startswith("net:[") and ns[5:-1] in inodes:
            bad.append(f"process {pid} in a deleted namespace {ns}")
        argv = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace").split("\0")
        if os.path.basename(argv[0]) == "illan" and argv[1:4] == ["daemon", "--dir", d]:
            bad.append(f"daemon process {pid}")
    except OSError:
        pass
now = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
now = {l.split(":")[1].strip().split("@")[0] for l in now.splitlines() if ":" in l}
try:
    before = {l.strip() for l in open(links_file) if l.strip()}
except OSError:
    before = now
for n in sorted(now - before):
    bad.append("interface " + n + " in the caller's namespace")
for b in bad:
    print("# left:", b)
sys.exit(1 if bad else 0)
EOF
}

# Root, /dev/net/tun and namespaces, or exit 77 (skip) saying which.
need_real() {
  if [ ! -c /dev/net/tun ]; then echo "1..0 # SKIP /dev/net/tun missing"; exit 77; fi
  if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root (CAP_NET_ADMIN)"; exit 77; fi
  if ! ip netns add illan-probe-$$ 2>/dev/null; then
    echo "1..0 # SKIP cannot create network namespaces (CAP_SYS_ADMIN/CAP_NET_ADMIN missing)"; exit 77
  fi
  ip netns del illan-probe-$$
}

# Take the machine-wide lock on fd 9 (namespace names are global), waiting
# at most $1 seconds; exit 77 if it cannot be had.
take_lock() {
  exec 9>"$LOCK"
  if ! timeout "$1" flock 9; then echo "1..0 # SKIP could not take $LOCK"; exit 77; fi
}

# ---- the outer part ------------------------------------------------------------

# `illan netns` is in the binary $1, or exit 77 (skip).
need_netns() {
  if "$1" netns --help 2>&1 | grep -q "not built"; then
    # The subcommand is linked only when the topology layer exists.
    echo "1..0 # SKIP illan netns is not built into this binary (topology layer missing)"; exit 77
  fi
}

# outer_start NAME: the outer part's state — a private directory $STATE
# (/tmp/illan-NAME.XXXXXX, exported for the body), the case counters, an
# empty record of namespace inodes — and its exit paths: on every exit the
# caller's `cleanup` runs, then the directory goes. Then `cleanup` once
# (leftovers of an earlier run must not count against this one) and the
# baselines: the caller's interfaces, the namespaces' inodes.
outer_start() {
  STATE=$(mktemp -d "/tmp/illan-$1.XXXXXX") || exit 1
  export STATE
  N=0
  FAILED=0
  echo 0 >"$STATE/n"
  : >"$STATE/inodes"
  trap outer_exit EXIT
  trap 'exit 1' INT TERM HUP
  cleanup
  links_record
  ns_record
}
outer_exit() { cleanup; rm -rf "$STATE"; }

# outer_body LIMIT WHAT ARGS...: run this script's body (`sh $0 --body
# ARGS...`) under timeout(1) — its own process group, TERM at LIMIT
# seconds, KILL 5 s later — then take back the body's counts; a body that
# was killed or stopped before its end (it touches $STATE/finished last)
# fails a case named after WHAT ("cases", "soak"). Then records the
# namespaces and runs the caller's `cleanup`.
outer_body() {
  limit=$1 what=$2
  shift 2
  timeout -k 5 "$limit" sh "$0" --body "$@"
  rc=$?
  N=$(cat "$STATE/n")
  FAILED=$(cat "$STATE/failed" 2>/dev/null || echo 1)
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    notok "the $what finished within $limit s (killed by timeout; cleaning up)"
  elif [ ! -e "$STATE/finished" ]; then
    notok "the $what ran to the end (the body stopped early, status $rc)"
  fi
  ns_record
  cleanup
}

# outer_finish NAME COMMAND...: the last case (nothing left, as COMMAND
# says), the TAP plan, and the exit status: 1 if any case failed.
outer_finish() {
  check "$@"
  echo "1..$N"
  exit $((FAILED > 0))
}

# ---- the body --------------------------------------------------------------------

# The body's counters, from where the outer part left them.
body_start() {
  N=$(cat "$STATE/n")
  FAILED=0
  echo 0 >"$STATE/failed"
  trap 'exit 1' INT TERM HUP
}

daemon_pid() { cat "$DIR/illan.pid" 2>/dev/null; }
# A process is alive: exists and is not a zombie (the daemon's parent is
# init, which may reap it late).
alive() { [ -r "/proc/$1/stat" ] && ! awk '{ exit !($3 == "Z") }' "/proc/$1/stat" 2>/dev/null; }
wait_gone() { # wait_gone PID SECONDS
  i=0
  while alive "$1" && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
  ! alive "$1"
}
# nstat counter (absolute, since the namespace was made) in a namespace.
nstat_get() {
  in_ns "$1" nstat -asz "$2" 2>/dev/null | awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}
# Wait (at most 5 s) until something listens on TCP port $2 in namespace $1.
wait_listen() {
  i=0
  while [ $i -lt 50 ]; do
    [ -n "$(in_ns "$1" ss -ltnH "sport = :$2" 2>/dev/null)" ] && return 0
    sleep 0.1; i=$((i + 1))
  done
  note "nothing listens on port $2 in $1 after 5 s"
  return 1
}
up() { # up NAME [netns up arguments]: one case, quiet unless it fails
  name=$1; shift
  if timeout 60 "$ILLAN" netns up "$@" >"$STATE/up.out" 2>&1; then
    ok "$name"; ns_record; return 0
  fi
  notok "$name"; sed 's/^/# /' "$STATE/up.out"; return 1
}
down() { ns_killall; timeout 30 "$ILLAN" netns down "$@" >/dev/null 2>&1; }
