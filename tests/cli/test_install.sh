#!/bin/sh
# test_install.sh — what `meson install` gives a user (issue 14): the program
# on PATH with --version, the manual page (generated from the help texts) that
# `man` renders with every command in it, and a bash completion that offers
# each command's own options. Installs into a scratch DESTDIR. TAP output.
BUILD=${1:?usage: test_install.sh BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
check() { # name, command...
  name=$1; shift
  n=$((n + 1))
  if "$@"; then echo "ok $n - $name"; else fail=1; echo "not ok $n - $name"; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

check "meson install puts the program, its man page and its completion in place" \
  sh -c "meson install -C '$BUILD' --destdir '$tmp/d' --no-rebuild --quiet >'$tmp/log' 2>&1"
bin=$(find "$tmp/d" -path '*/bin/illan' -type f | head -1)
man=$(find "$tmp/d" -path '*/share/man/man1/illan.1' -type f | head -1)
comp=$(find "$tmp/d" -path '*/share/bash-completion/completions/illan' -type f | head -1)
check "bin/illan, share/man/man1/illan.1, share/bash-completion/completions/illan" \
  sh -c "[ -x '$bin' ] && [ -s '$man' ] && [ -s '$comp' ]"
check "the installed illan --version names the version" sh -c "PATH='$(dirname "$bin")':\$PATH illan --version | grep -qE '^illan [0-9]+\.[0-9]+\.[0-9]+\$'"

if command -v man >/dev/null 2>&1; then
  MANWIDTH=100 man -l "$man" 2>/dev/null | col -b >"$tmp/man.txt" 2>/dev/null || MANWIDTH=100 man -l "$man" >"$tmp/man.txt" 2>/dev/null
  check "man renders the page" grep -q "^NAME" "$tmp/man.txt"
  for c in run matrix topo bench netns stats flows diff daemon; do
    check "the man page has illan $c's help" grep -q "usage: illan $c" "$tmp/man.txt"
  done
  check "the man page says CHECKSUM_PARTIAL frames carry a partial sum by design" sh -c "tr '\\t\\n' '  ' < '$tmp/man.txt' | tr -s ' ' | grep -q 'CHECKSUM_PARTIAL carry a partial (pseudo-header) TCP checksum by design'"
else
  skip "man renders the page" "man not installed"
fi

if command -v bash >/dev/null 2>&1; then
  complete_words() { # words... -> the completions offered for the last one
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _illan; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
  }
  check "completes the commands" sh -c "[ \"\$(cd / && bash -c '. \"$comp\"; COMP_WORDS=(illan di); COMP_CWORD=1; _illan; echo \${COMPREPLY[*]}')\" = diff ]"
  complete_words illan run -- >"$tmp/run.opts"
  for o in $("$bin" run --help | grep -oE '^  --[a-z-]+'); do
    check "run's completion offers $o" grep -qx -- "$o" "$tmp/run.opts"
  done
  complete_words illan matrix -- >"$tmp/matrix.opts"
  check "matrix's completion offers matrix's options, not run's --pcap" sh -c "grep -qx -- --bytes '$tmp/matrix.opts' && ! grep -qx -- --pcap '$tmp/matrix.opts'"
  complete_words illan stats -- >"$tmp/stats.opts"
  check "stats' completion offers --json and --name" sh -c "grep -qx -- --json '$tmp/stats.opts' && grep -qx -- --name '$tmp/stats.opts'"
  complete_words illan run --fixes tr >"$tmp/fx"
  check "--fixes completes the fix names" sh -c "grep -qx trunk-offload '$tmp/fx' && grep -qx trunk-csum-partial '$tmp/fx'"
  complete_words illan netns "" >"$tmp/ns"
  check "netns completes up, down, status" sh -c "grep -qx up '$tmp/ns' && grep -qx down '$tmp/ns' && grep -qx status '$tmp/ns'"
else
  skip "bash completion" "bash not installed"
fi

echo "1..$n"
exit $fail
