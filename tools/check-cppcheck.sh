#!/bin/sh
# Test wrapper: cppcheck (warnings, portability) over src/ as one TAP case.
# ctuuninitvar is suppressed: it flags structs filled through snprintf by a
# callee (false positives in trace.c and netns.c).
root=${1:-.}
echo "1..1"
if ! command -v cppcheck >/dev/null 2>&1; then
  echo "ok 1 - cppcheck clean # SKIP cppcheck not installed"; exit 77
fi
out=$(cppcheck --quiet --enable=warning,portability --std=c11 -D_GNU_SOURCE -I "$root/src" \
  --suppress=ctuuninitvar --error-exitcode=1 "$root/src" 2>&1)
rc=$?
if [ $rc = 0 ] && [ -z "$out" ]; then
  echo "ok 1 - cppcheck clean"
else
  echo "$out" | sed 's/^/# /'; echo "not ok 1 - cppcheck clean"; exit 1
fi
