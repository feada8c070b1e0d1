#!/bin/sh
# Test wrapper: every C file of src/ tests/ bench/ fuzz/ is formatted as
# .clang-format says (clang-format --dry-run -Werror), one TAP case.
root=${1:-.}
echo "1..1"
if ! command -v clang-format >/dev/null 2>&1; then
  echo "ok 1 - formatted as .clang-format says # SKIP clang-format not installed"; exit 77
fi
files=$(find "$root/src" "$root/tests" "$root/bench" "$root/fuzz" -name '*.[ch]' -not -path '*/corpus/*' | sort)
out=$(cd "$root" && clang-format --dry-run -Werror $files 2>&1 | grep -E 'error:' | head -20)
if [ -z "$out" ]; then
  echo "ok 1 - formatted as .clang-format says"
else
  echo "$out" | sed 's/^/# /'
  echo "# fix with: clang-format -i \$(find src tests bench fuzz -name '*.[ch]' -not -path '*/corpus/*')"
  echo "not ok 1 - formatted as .clang-format says"; exit 1
fi
