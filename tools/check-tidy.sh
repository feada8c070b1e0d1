#!/bin/sh
# Test wrapper: clang-tidy with the project's .clang-tidy (bugprone checks,
# each exclusion justified there) over src/ as one TAP case. Needs the
# build's compile_commands.json (argument 2: the build directory).
root=${1:-.}
build=${2:-$root/build}
echo "1..1"
if ! command -v clang-tidy >/dev/null 2>&1; then
  echo "ok 1 - clang-tidy clean # SKIP clang-tidy not installed"; exit 77
fi
files=$(find "$root/src" -name '*.c' | sort)
out=$(clang-tidy -p "$build" --quiet $files 2>/dev/null | grep -E 'warning:|error:')
if [ -z "$out" ]; then
  echo "ok 1 - clang-tidy clean"
else
  echo "$out" | sed 's/^/# /'; echo "not ok 1 - clang-tidy clean"; exit 1
fi
