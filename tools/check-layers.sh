#!/bin/sh
# Test wrapper: the layering check as one TAP case.
root=${1:-.}
if out=$(python3 "$root/tools/check-layers.py" "$root" 2>&1); then
  echo "1..1"; echo "ok 1 - no upward includes"
else
  echo "1..1"; echo "$out" | sed 's/^/# /'; echo "not ok 1 - no upward includes"; exit 1
fi
