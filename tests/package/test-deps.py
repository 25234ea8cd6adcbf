#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
""".ci/install-deps installs what is used and nothing else: each package it names has a
reason here and that reason is found in the project's build, test or CI files; every
dependency meson.build requires comes from a package of its 'build' group; README's first
command installs only that group and builds tiertopo, not every test.
usage: test-deps.py SOURCE_ROOT"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

src = sys.argv[1]
tap = Tap()

# package -> a string found in a file that uses it (not install-deps itself)
USES = {
    "meson": "project('tiertopo'",
    "ninja-build": "meson compile",
    "gcc": "meson.get_compiler('c')",
    "pkg-config": "pkg-config",
    "libjson-c-dev": "dependency('json-c')",
    "libsmartcols-dev": "dependency('smartcols')",
    "libarchive-dev": "dependency('libarchive')",
    "libiniparser-dev": "find_library('iniparser')",
    "libudev-dev": "dependency('libudev')",
    "libcriterion-dev": "dependency('criterion'",
    "python3": "find_program('python3')",
    "python3-jsonschema": "import jsonschema",
    "python3-prometheus-client": "from prometheus_client.openmetrics.parser import",
    "bzip2": 'tar -xjf',
    "tar": 'tar -xjf',
    "acpica-tools": "find_program('iasl'",
    "hwloc-nox": 'which("lstopo-no-graphics")',
    "libhwloc-dev": "dependency('hwloc'",
    "valgrind": "\tvalgrind -q ",
    "abigail-tools": "abidiff",
    "util-linux": "setpriv",
    "time": "/usr/bin/time",
    "patch": '["patch", "-s", "-p1"',
    "strace": '"strace"',
    "clang": "CC=${CC:-clang}",
    "libclang-rt-14-dev": "-fsanitize=fuzzer",
    "build-essential": "dpkg-buildpackage",
    "debhelper": "debhelper-compat",
    "lintian": "lintian",
    # the vm group (tests/vm)
    "qemu-system-x86": "qemu-system-x86_64",
    "busybox-static": "/bin/busybox --list",
    "ndctl": "ndctl create-namespace",
    "daxctl": "daxctl reconfigure-device",
    "udev": "udevadm monitor",
    "cpio": "cpio -o",
    "kmod": "depmod -b",
    "xz-utils": "xz -dc",
    "zstd": "zstd -dqc",
    "mmdebstrap": "mmdebstrap --mode=root",
    "e2fsprogs": "mke2fs -q -t ext4",
}
# meson dependency() / find_library() name -> its Debian package
DEV = {"json-c": "libjson-c-dev", "smartcols": "libsmartcols-dev", "libarchive": "libarchive-dev",
       "iniparser": "libiniparser-dev", "libudev": "libudev-dev", "m": "libc6-dev",
       "threads": "libc6-dev"}

text = open(os.path.join(src, ".ci", "install-deps")).read()
groups = {}
for name, body in re.findall(r'^(\w+)="([^"]*)"', text, re.M):
    groups[name] = body.split()
tap("build" in groups and "tests" in groups, "install-deps has a build and a tests group",
    f"groups: {sorted(groups)}")
build = groups.get("build", [])
pkgs = build + groups.get("tests", []) + groups.get("package", []) + groups.get("vm", [])

corpus = []
for root, dirs, files in os.walk(src):
    dirs[:] = [d for d in dirs if d not in (".git", "build") and not d.startswith("build-")
               and d != "__pycache__"]
    for f in files:
        p = os.path.join(root, f)
        if p.endswith("install-deps") or f.startswith("test-deps"):
            continue
        if f.endswith((".build", ".sh", ".py", ".c", ".md", ".txt", "run", "control", "rules",
                       "install-deps", "vm.sh")) or f in ("rules", "control", "run"):
            try:
                corpus.append(open(p, encoding="utf-8", errors="replace").read())
            except OSError:
                pass
corpus = "\n".join(corpus)
for p in pkgs:
    why = USES.get(p)
    tap(why is not None and why in corpus, f"{p} is used ({why!r} is in the project's files)",
        "no reason known: say in USES what uses it" if why is None else "nothing uses it")

top = open(os.path.join(src, "meson.build")).read()
needed = re.findall(r"dependency\('([\w-]+)'\)", top) + re.findall(
    r"find_library\('([\w-]+)'\)", top)
needed += re.findall(r"dependency\('([\w-]+)'\)", open(os.path.join(src, "libtopo",
                                                                   "meson.build")).read())
for d in needed:
    pkg = DEV.get(d)
    tap(pkg == "libc6-dev" or pkg in build, f"meson.build's dependency {d} ({pkg}) is in the "
        "build group", "add it to install-deps' build group")

readme = open(os.path.join(src, "README.md")).read()
m = re.search(r"<!-- main-command -->\n```sh\n(.*)\n", readme)
main = m.group(1) if m else ""
tap(".ci/install-deps build " in main or main.startswith(".ci/install-deps build"),
    "README's main command installs only the build group", main)
tap(re.search(r"meson compile -C \S+ \w", main) is not None or "-Dtests=disabled" in main,
    "README's main command builds tiertopo, not every test", main)
sys.exit(tap.done())
