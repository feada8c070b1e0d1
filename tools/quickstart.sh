#!/bin/sh
# Quick start: `sh tools/quickstart.sh run` installs what is missing, builds,
# and runs the main job (`illan run`, the seed scenario with all fixes);
# `sh tools/quickstart.sh test` installs, builds and runs every test (plain and
# sanitizer builds) and ends with "N passed, N failed".
set -e
cd "$(dirname "$0")/.."
sh tools/deps.sh
case "${1:-run}" in
run)
  [ -d build ] || meson setup build >/dev/null
  ninja -C build >/dev/null
  shift 2>/dev/null || true
  exec ./build/src/cli/illan run "$@"
  ;;
test)
  exec sh tools/run-tests.sh
  ;;
*)
  echo "usage: sh tools/quickstart.sh run|test" >&2
  exit 2
  ;;
esac
