# lib.sh — shell helpers shared by the real-traffic scripts that run under
# the machine-wide lock: tests/real/run_sec.sh and bench/soak_real.sh
# (sourced, not run). POSIX sh.
#
# TAP output (ok/notok/check, counted in $N and $FAILED and mirrored into
# $STATE so an outer part can read them after a kill), namespace helpers, and
# `leftovers`, which prints what a `netns up` left behind — a namespace name,
# a process in one of our (recorded) namespaces, an interface in the
# caller's namespace that was not there at the start, an `illan daemon` of
# $DIR — and fails if anything is.
#
# The caller sets STATE (a private directory) and DIR (the daemon's
# directory) before using them.

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
