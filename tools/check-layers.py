#!/usr/bin/env python3
"""Fail when a source file includes a header from a layer above its own.

Layers, lowest first (architecture.md): ev, pkt, hv, net, kcompat, drv/*,
bridge, stack, topo, cli. A file may include headers of its own folder and of lower
layers only; the drivers may not include each other.
"""
import os
import re
import sys

RANK = {"ev": 0, "pkt": 1, "hv": 2, "net": 3, "kcompat": 3.5, "drv": 4,
        "bridge": 5, "stack": 6, "topo": 7, "cli": 8}


def layer_of(path, src):
    rel = os.path.relpath(path, src).split(os.sep)
    if rel[0] == "drv" and len(rel) > 2:
        return "drv", "drv/" + rel[1]
    return rel[0], rel[0]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    src = os.path.abspath(os.path.join(root, "src"))
    bad = 0
    inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, f)
            layer, unit = layer_of(path, src)
            if layer not in RANK:
                print(f"{path}: folder not in the layer list")
                bad += 1
                continue
            with open(path, encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    m = inc.match(line)
                    if not m:
                        continue
                    target = os.path.normpath(os.path.join(dirpath, m.group(1)))
                    if not os.path.exists(target):
                        target = os.path.normpath(os.path.join(src, m.group(1)))
                    if not os.path.exists(target) or not target.startswith(src + os.sep):
                        continue
                    tlayer, tunit = layer_of(target, src)
                    if tunit == unit:
                        continue
                    if RANK.get(tlayer, 99) >= RANK[layer]:
                        print(f"{path}:{n}: includes {m.group(1)} from layer "
                              f"{tunit}, not below {unit}")
                        bad += 1
    if bad:
        print(f"layering: {bad} upward include(s)")
        return 1
    print("layering: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
