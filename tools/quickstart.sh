#!/bin/sh
# Quick start: `sh tools/quickstart.sh run` installs what is missing, builds,
# installs illan (`meson install`, prefix /usr/local: /usr/local/bin/illan, on
# PATH from then on) and runs the main job (`illan run`, the seed scenario
# with all fixes);
# `sh tools/quickstart.sh test` installs, builds and runs every test (plain and
# sanitizer builds) and ends with "N passed, N failed".
set -e
cd "$(dirname "$0")/.."
sh tools/deps.sh
case "${1:-run}" in
run)
  [ -d build ] || meson setup build --prefix /usr/local >/dev/null
  # A build directory set up earlier with another prefix is moved to
  # /usr/local, so the illan run below is the one just built.
  prefix=$(meson introspect build --buildoptions |
    python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
  [ "$prefix" = /usr/local ] || meson configure build -Dprefix=/usr/local >/dev/null
  ninja -C build >/dev/null
  meson install -C build --quiet >/dev/null
  shift 2>/dev/null || true
  exec /usr/local/bin/illan run "$@"
  ;;
test)
  exec sh tools/run-tests.sh
  ;;
*)
  echo "usage: sh tools/quickstart.sh run|test" >&2
  exit 2
  ;;
esac
