#!/usr/bin/env python3
"""kbuild.py — build a Linux tree's ibmveth driver against src/kcompat.

Serves the meson build (src/drv/kibmveth/meson.build) and its tests.

  kbuild.py probe SRC...      one line per source: tag, version, path, kind
  kbuild.py build --src SRC --tag T --version V --out OBJ --kinc DIR
                  --objcopy PROG --nm PROG [--cflag F]... -- CC...

A source is a kernel tree or a tarball of one (Debian's
/usr/src/linux-source-6.1.tar.xz), optionally named: NAME=PATH. Only
drivers/net/ethernet/ibm/ibmveth.c and ibmveth.h are taken from it, into the
build directory; nothing of the kernel is kept in the project.

The driver is compiled as the kernel compiles itself, freestanding
(-nostdinc, the compiler's own include directory for stddef.h and stdarg.h)
against the kernel-API headers of src/kcompat/include and nothing else, so
no header of the build machine (its /usr/include/linux) can stand in for a
missing one. When the layer lacks something the tree uses, the build stops
with a message naming it: a header, a function, a type, a member, or a
symbol left undefined in the object. Every global symbol of the object but
the module's accessor (kc_module_<tag>) is then made local, so drivers of
several kernel versions link into one program.
"""
import os
import re
import shutil
import subprocess
import sys

DRIVER_DIR = "drivers/net/ethernet/ibm"
FILES = ("ibmveth.c", "ibmveth.h")

# Undefined symbols an object may have besides the layer's kc_* ones: what
# the compiler emits calls to for memcpy and friends, and its runtimes.
ALLOWED = re.compile(r"^(kc_\w+|memcpy|memmove|memset|memcmp|strlen|strnlen|strcmp|strncmp|"
                     r"strchr|__stack_chk_fail|__stack_chk_guard|_GLOBAL_OFFSET_TABLE_|"
                     r"__(a|ub|t|m)san_\w+|__sanitizer_\w+|__gcov_\w+|__llvm_\w+)$")


def die(msg):
    sys.stderr.write("kbuild: " + msg + "\n")
    sys.exit(1)


def split_named(arg):
    """NAME=PATH or PATH."""
    if "=" in arg and "/" not in arg.split("=", 1)[0]:
        name, path = arg.split("=", 1)
        return name, path
    return None, arg


def tree_version(path):
    ver = {}
    try:
        with open(os.path.join(path, "Makefile"), encoding="utf-8", errors="replace") as f:
            for line in f:
                m = re.match(r"^(VERSION|PATCHLEVEL)\s*=\s*(\d+)", line)
                if m:
                    ver[m.group(1)] = m.group(2)
                if len(ver) == 2:
                    break
    except OSError:
        pass
    if len(ver) == 2:
        return ver["VERSION"] + "." + ver["PATCHLEVEL"]
    return os.path.basename(os.path.normpath(path))


def is_tarball(path):
    return os.path.isfile(path) and re.search(r"\.tar(\.(xz|gz|bz2|zst))?$", path) is not None


def probe(sources):
    seen = set()
    for arg in sources:
        name, path = split_named(arg)
        path = os.path.abspath(path)
        if is_tarball(path):
            kind = "tar"
            m = re.search(r"linux(?:-source)?-(\d+\.\d+(?:\.\d+)?)", os.path.basename(path))
            version = m.group(1) if m else re.sub(r"\.tar.*$", "", os.path.basename(path))
        elif os.path.isdir(path):
            kind = "tree"
            if not os.path.isfile(os.path.join(path, DRIVER_DIR, "ibmveth.c")):
                die("kernel_src %s: no %s/ibmveth.c in this tree" % (path, DRIVER_DIR))
            version = tree_version(path)
        else:
            die("kernel_src %s: not a kernel tree or a linux-source tarball" % path)
        version = name or version
        tag = re.sub(r"[^A-Za-z0-9]", "_", version)
        base, n = tag, 2
        while tag in seen:
            tag = "%s_%d" % (base, n)
            n += 1
        seen.add(tag)
        print("%s\t%s\t%s\t%s" % (tag, version, path, kind))


def take_sources(src, work):
    """Copy ibmveth.c and ibmveth.h of src (tree or tarball) into work."""
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work)
    if is_tarball(src):
        tmp = os.path.join(work, "tar")
        os.makedirs(tmp)
        r = subprocess.run(["tar", "-xf", src, "-C", tmp, "--wildcards", "*/ibm/ibmveth.*"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            die("cannot extract ibmveth from %s: %s" % (src, r.stdout.strip()))
        found = {}
        for dirpath, _, files in os.walk(tmp):
            for f in files:
                if f in FILES and dirpath.replace(os.sep, "/").endswith(DRIVER_DIR):
                    found[f] = os.path.join(dirpath, f)
        for f in FILES:
            if f not in found:
                die("%s holds no %s/%s" % (src, DRIVER_DIR, f))
            shutil.move(found[f], os.path.join(work, f))
        shutil.rmtree(tmp)
    else:
        for f in FILES:
            p = os.path.join(src, DRIVER_DIR, f)
            if not os.path.isfile(p):
                die("%s: no %s" % (src, p))
            shutil.copyfile(p, os.path.join(work, f))


def compiler_include_dir(cc):
    """The compiler's own headers (stddef.h, stdarg.h, stdint.h)."""
    for args in (["-print-file-name=include"], ["-print-resource-dir"]):
        r = subprocess.run(cc + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        d = r.stdout.strip()
        if args[0] == "-print-resource-dir":
            d = os.path.join(d, "include")
        if r.returncode == 0 and os.path.isfile(os.path.join(d, "stddef.h")):
            return d
    die("cannot find the compiler's include directory (stddef.h)")


# What a compiler error says the layer lacks, GCC's wording and clang's:
# (pattern, what, whether the groups come in reverse order).
MISSING = [
    (re.compile(r"fatal error: ([\w./-]+\.h): No such file"), "header <%s>", False),
    (re.compile(r"fatal error: '([\w./-]+\.h)' file not found"), "header <%s>", False),
    (re.compile(r"implicit declaration of function '(\w+)'"), "function %s()", False),
    (re.compile(r"call to undeclared function '(\w+)'"), "function %s()", False),
    (re.compile(r"'(\w+)' undeclared"), "identifier %s", False),
    (re.compile(r"use of undeclared identifier '(\w+)'"), "identifier %s", False),
    (re.compile(r"unknown type name '(\w+)'"), "type %s", False),
    (re.compile(r"'(struct \w+)' has no member named '(\w+)'"), "member %s.%s", False),
    (re.compile(r"no member named '(\w+)' in '(struct \w+)'"), "member %s.%s", True),
    (re.compile(r"invalid use of undefined type '(struct \w+)'"), "%s", False),
    (re.compile(r"too (?:few|many) arguments to function '(\w+)'"),
     "%s() with the tree's arguments", False),
    (re.compile(r"incompatible pointer type.*'(\w+)'"), "the type of %s", False),
]
# clang names the function of an argument-count error in the note after it.
ARGS_CALL = re.compile(r"too (?:few|many) arguments to function call")
DECLARED_HERE = re.compile(r"note: '(\w+)' declared here")


def explain(output):
    """The kernel API the compiler's errors say the layer lacks."""
    names = []
    arguments_error = None  # the line of clang's argument-count error
    for line in output.splitlines():
        what = None
        where = re.match(r"^([^:]+:\d+)", line)
        for rx, fmt, swap in MISSING:
            m = rx.search(line)
            if m:
                what = fmt % (m.groups()[::-1] if swap else m.groups())
                break
        if ARGS_CALL.search(line):
            arguments_error = where
            continue
        m = DECLARED_HERE.search(line)
        if m:
            if arguments_error:
                what = "%s() with the tree's arguments" % m.group(1)
                where = arguments_error
            arguments_error = None
        if not what:
            continue
        item = what + (" (" + os.path.basename(where.group(1)) + ")" if where else "")
        if not any(n == what or n.startswith(what + " (") for n in names):
            names.append(item)
    return names


def build(opts, cc):
    src, tag, version, out = opts["src"], opts["tag"], opts["version"], opts["out"]
    work = out + ".d"
    take_sources(src, work)
    tmp_obj = os.path.join(work, "ibmveth.o")
    cmd = cc + [
        "-c", "-std=gnu11", "-O2", "-g", "-fPIC", "-fno-lto",
        "-nostdinc", "-isystem", compiler_include_dir(cc), "-ffreestanding",
        "-fno-strict-aliasing", "-fno-common", "-fno-delete-null-pointer-checks",
        "-fno-strict-overflow",
        "-I", opts["kinc"],
        "-DKC_MODULE_SYM=kc_module_" + tag,
        '-DKC_MODULE_TAG="%s"' % version,
        '-DKC_MODULE_FILE="%s/ibmveth.c"' % version,
        '-DKBUILD_MODNAME="ibmveth"',
        # as the kernel's own build: these are not the layer's business
        "-Wall", "-Wno-pointer-sign", "-Wno-unused-parameter", "-Wno-sign-compare",
        "-Wno-unused-function", "-Wno-missing-field-initializers",
        # these mean the layer and the tree disagree: stop
        "-Werror=implicit-function-declaration", "-Werror=implicit-int",
        "-Werror=incompatible-pointer-types", "-Werror=int-conversion", "-Werror=return-type",
    ] + opts["cflags"] + [os.path.join(work, "ibmveth.c"), "-o", tmp_obj]
    env = dict(os.environ, LC_ALL="C")
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    with open(os.path.join(work, "compile.log"), "w", encoding="utf-8") as f:
        f.write(" ".join(cmd) + "\n" + r.stdout)
    if r.returncode != 0:
        names = explain(r.stdout)
        sys.stderr.write(r.stdout[-4000:])
        if names:
            die("ibmveth.c of %s (%s) uses kernel API that src/kcompat does not provide: %s"
                % (version, src, "; ".join(names)))
        die("ibmveth.c of %s (%s) does not compile against src/kcompat (log: %s)"
            % (version, src, os.path.join(work, "compile.log")))
    r = subprocess.run([opts["nm"], "-u", tmp_obj], stdout=subprocess.PIPE, text=True, env=env)
    undefined = [line.split()[-1] for line in r.stdout.splitlines() if line.strip()]
    missing = [s for s in undefined if not ALLOWED.match(s)]
    if r.returncode != 0 or missing:
        die("ibmveth.c of %s (%s) needs kernel symbols src/kcompat does not provide: %s"
            % (version, src, ", ".join(missing) or "(nm failed)"))
    r = subprocess.run([opts["objcopy"], "--keep-global-symbol=kc_module_" + tag, tmp_obj, out],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        die("objcopy: " + r.stdout.strip())


def main(argv):
    if len(argv) >= 2 and argv[1] == "probe":
        probe(argv[2:])
        return 0
    if len(argv) < 2 or argv[1] != "build" or "--" not in argv:
        sys.stderr.write(__doc__)
        return 2
    sep = argv.index("--")
    args, cc = argv[2:sep], argv[sep + 1:]
    opts = {"cflags": []}
    i = 0
    while i < len(args):
        key = args[i][2:]
        if i + 1 >= len(args):
            die("option %s needs a value" % args[i])
        if key == "cflag":
            opts["cflags"].append(args[i + 1])
        else:
            opts[key] = args[i + 1]
        i += 2
    for k in ("src", "tag", "version", "out", "kinc", "objcopy", "nm"):
        if k not in opts:
            die("missing --" + k)
    if not cc:
        die("no compiler after --")
    build(opts, cc)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
