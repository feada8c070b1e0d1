#!/usr/bin/env python3
"""Sum test cases over meson test logs: TAP "ok"/"not ok" lines in each test's
stdout; a test program that failed without printing a "not ok" (a crash, a
timeout) counts as one failed case. Prints "N passed, N failed, N skipped"."""
import json
import re
import sys

passed = failed = skipped = 0
args = sys.argv[1:]
while args and args[0].startswith("--extra-"):
    n = int(args[1])
    if args[0] == "--extra-pass":
        passed += n
    else:
        failed += n
        print("# failed: fuzz run (see fuzz-run.log)")
    args = args[2:]
for path in args:
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    except OSError:
        print(f"# missing log {path}")
        failed += 1
        continue
    for line in lines:
        if not line.strip():
            continue
        t = json.loads(line)
        out = t.get("stdout") or ""
        ok = nok = sk = 0
        for l in out.splitlines():
            if re.match(r"^not ok \d+", l):
                nok += 1
            elif re.match(r"^ok \d+", l):
                if "# SKIP" in l:
                    sk += 1
                else:
                    ok += 1
        res = t.get("result", "")
        if res not in ("OK", "SKIP", "EXPECTEDFAIL") and nok == 0:
            nok = 1
            print(f"# {path}: {t.get('name')} {res} without a failing case line")
        if res == "SKIP" and ok == nok == sk == 0:
            sk = 1
        if nok:
            print(f"# failed: {t.get('name')} ({nok}) in {path}")
        passed += ok
        failed += nok
        skipped += sk
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
