#!/bin/sh
# Install what illan needs from Debian's packages (as root), once. Idempotent:
# does nothing when every tool and library is already there. Libraries are
# found with pkg-config: libyaml (topology files), jansson (JSON); graphviz
# (dot) renders the DOT drawings of `illan topo show` and tests them; man-db
# and bsdextrautils (col) render the generated manual page in its test;
# libpcap-dev and tshark read back the pcapng files --pcap writes.
# linux-source-6.1 and -6.12 give the kernel drivers their ibmveth.c (only
# that file and ibmveth.h are taken, at build time; see docs/kcompat.md).
PKGS="meson ninja-build gcc clang clang-format clang-tidy python3 pkg-config iproute2 iperf3 ethtool tcpdump tshark libpcap-dev gnuplot-nox procps iputils-ping cppcheck libyaml-dev libjansson-dev graphviz man-db bsdextrautils linux-source-6.1 linux-source-6.12"
missing=""
for t in meson ninja gcc clang clang-format clang-tidy python3 pkg-config ip iperf3 ethtool tcpdump gnuplot ping nstat cppcheck tshark dot man col; do
  command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
for lib in yaml-0.1 jansson libpcap; do
  pkg-config --exists "$lib" 2>/dev/null || missing="$missing $lib"
done
for v in 6.1 6.12; do
  [ -f /usr/src/linux-source-$v.tar.xz ] || missing="$missing linux-source-$v"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "illan: missing:$missing — run as root to install them, or: apt-get install $PKGS" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq
apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
