#!/bin/sh
# test_kbuild.sh — src/drv/kibmveth/kbuild.py on made-up kernel trees: a
# driver that compiles against src/kcompat builds into one object whose only
# global symbol is its module accessor; a tree using kernel API the layer
# lacks fails with a message naming it (a function, a header, a type, a
# constant, a struct member, a function whose arguments changed, a symbol
# left undefined); probe names trees and tarballs.
# Usage: test_kbuild.sh KBUILD_PY OBJCOPY NM KCOMPAT_INCLUDE GOOD_DRIVER_C -- CC...
set -u
py=$1 objcopy=$2 nm=$3 kinc=$4 good=$5
shift 6 # the rest is the compiler command
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
echo "1..9"

# tree NAME: a kernel tree 9.42 whose ibmveth.c is stdin
tree() {
	mkdir -p "$tmp/$1/drivers/net/ethernet/ibm"
	printf 'VERSION = 9\nPATCHLEVEL = 42\n' > "$tmp/$1/Makefile"
	cat > "$tmp/$1/drivers/net/ethernet/ibm/ibmveth.c"
	: > "$tmp/$1/drivers/net/ethernet/ibm/ibmveth.h"
}
# build NAME CC...: kbuild.py build, its output in $tmp/NAME.log
build() {
	name=$1
	shift
	python3 "$py" build --src "$tmp/$name" --tag "$name" --version "$name" \
		--out "$tmp/$name.o" --kinc "$kinc" --objcopy "$objcopy" --nm "$nm" -- "$@" \
		> "$tmp/$name.log" 2>&1
}
# expect_fail NAME WORDS WHAT CC...: the build fails naming WORDS
expect_fail() {
	name=$1 words=$2 what=$3
	shift 3
	if build "$name" "$@"; then
		nok "$what: the build should fail"
	elif grep -qF "$words" "$tmp/$name.log" && grep -q "src/kcompat" "$tmp/$name.log"; then
		ok "$what"
		grep '^kbuild:' "$tmp/$name.log" | sed 's/^/# /'
	else
		sed 's/^/# /' "$tmp/$name.log" | tail -5
		nok "$what: the message names $words"
	fi
}

tree good < "$good"
if build good "$@"; then
	globals=$("$nm" -g --defined-only "$tmp/good.o" | awk '{print $3}' | tr '\n' ' ')
	if [ "$globals" = "kc_module_good " ]; then
		ok "a driver that fits builds; its only global symbol is kc_module_good"
	else
		echo "# globals: $globals"
		nok "only the accessor is global"
	fi
else
	sed 's/^/# /' "$tmp/good.log"
	nok "a driver that fits builds"
fi

printf '#include <linux/skbuff.h>\nint f(struct sk_buff *skb);\nint f(struct sk_buff *skb) { return skb_frob(skb); }\n' | tree fn
expect_fail fn "function skb_frob()" "a missing function is named" "$@"
printf '#include <linux/frobnicate.h>\n' | tree hdr
expect_fail hdr "header <linux/frobnicate.h>" "a missing header is named" "$@"
printf '#include <linux/netdevice.h>\nint f(struct net_device *d);\nint f(struct net_device *d) { return d->frob_count; }\n' | tree member
expect_fail member "member struct net_device.frob_count" "a missing struct member is named" "$@"
printf '#include <linux/types.h>\nextern int kernel_only_symbol(void);\nint f(void);\nint f(void) { return kernel_only_symbol(); }\n' | tree undef
expect_fail undef "kernel_only_symbol" "a symbol left undefined is named" "$@"
printf '#include <linux/types.h>\ntypedef frob_t x;\n' | tree type
expect_fail type "type frob_t" "a missing type is named" "$@"
printf '#include <linux/types.h>\nint f(void);\nint f(void) { return FROB_MAX; }\n' | tree ident
expect_fail ident "identifier FROB_MAX" "a missing constant is named" "$@"
printf '#include <linux/netdevice.h>\nstatic int p(struct napi_struct *n, int b) { return 0; }\nvoid f(struct net_device *d, struct napi_struct *n);\nvoid f(struct net_device *d, struct napi_struct *n) { netif_napi_add(d, n, p, 16); }\n' | tree args
expect_fail args "netif_napi_add() with the tree's arguments" "an API whose arguments changed is named (pre-6.1 netif_napi_add)" "$@"

# probe: a tree's version from its Makefile, a tarball's from its name, NAME=PATH
: > "$tmp/linux-source-6.1.tar.xz"
out=$(python3 "$py" probe "$tmp/good" "$tmp/linux-source-6.1.tar.xz" "mine=$tmp/good" 2>&1)
echo "$out" | sed 's/^/# /'
tab=$(printf '\t')
if echo "$out" | grep -q "^9_42${tab}9.42${tab}" && echo "$out" | grep -q "^6_1${tab}6.1${tab}.*tar\$" &&
	echo "$out" | grep -q "^mine${tab}mine${tab}"; then
	ok "probe names trees and tarballs"
else
	nok "probe names trees and tarballs"
fi
[ $failed = 0 ]
