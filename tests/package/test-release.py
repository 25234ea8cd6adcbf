#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a distribution reads before it packages a release: the license (LICENSE and every
source file's SPDX line agree), NEWS and debian/changelog know the version meson.build
declares, and every vX.Y.Z tag sits on a commit that declares X.Y.Z (CONTRIBUTING.md).
usage: test-release.py SOURCE_ROOT VERSION LICENSE"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

src, version, license_id = sys.argv[1:4]
tap = Tap()


def read(rel):
    try:
        with open(os.path.join(src, rel), encoding="utf-8") as f:
            return f.read()
    except OSError:
        return None


lic = read("LICENSE")
tap(license_id == "LGPL-2.1-or-later", f"meson.build declares LGPL-2.1-or-later ({license_id})")
tap(lic is not None and "GNU LESSER GENERAL PUBLIC LICENSE" in lic and "Version 2.1, February 1999"
    in lic, "LICENSE holds the text of the LGPL 2.1")

# every source file of what is installed says the same license on its first lines
bad, seen = [], 0
for top in ("libtopo", "include", "tools", "udev"):
    for root, _, files in os.walk(os.path.join(src, top)):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                head = fh.read(400).decode("utf-8", "replace")
            script = head.startswith("#!")
            if not (f.endswith((".c", ".h", ".py", ".sh")) or script):
                continue
            seen += 1
            m = re.search(r"SPDX-License-Identifier:\s*(\S+)", "\n".join(head.splitlines()[:3]))
            if not m or m.group(1) != license_id:
                bad.append(f"{os.path.relpath(p, src)}: {m.group(1) if m else 'no SPDX line'}")
tap(seen > 50 and not bad, f"the {seen} sources under libtopo/ include/ tools/ udev/ say "
    f"SPDX-License-Identifier: {license_id} on their first three lines", "\n".join(bad))

news = read("NEWS") or ""
heads = re.findall(r"^\* (\S+)", news, re.M)
tap(version in heads, f"NEWS has a section for {version}", f"sections: {heads}")
tap(bool(heads) and heads[0] in ("Unreleased", version),
    "NEWS's first section is 'Unreleased' or the current version", f"sections: {heads}")
changelog = read("debian/changelog") or ""
m = re.match(r"tiertopo \(([^)]+)\)", changelog)
tap(m is not None and m.group(1) == version, f"debian/changelog's version is {version}",
    f"it is {m.group(1) if m else '?'}")
tap(re.search(r"\bvX\.Y\.Z\b", read("CONTRIBUTING.md") or "") is not None,
    "CONTRIBUTING.md documents the tag scheme vX.Y.Z")

# each release tag on a commit whose meson.build declares that version
try:
    tags = subprocess.run(["git", "-C", src, "tag", "--list", "v*"], capture_output=True,
                          text=True, check=True).stdout.split()
except (OSError, subprocess.CalledProcessError):
    tags = []
for t in tags:
    mb = subprocess.run(["git", "-C", src, "show", f"{t}:meson.build"], capture_output=True,
                        text=True).stdout
    m = re.search(r"version\s*:\s*'([^']+)'", mb)
    tap(bool(re.fullmatch(r"v\d+\.\d+\.\d+", t)) and m is not None and m.group(1) == t[1:],
        f"tag {t} is vX.Y.Z on a commit declaring version {t[1:]}",
        f"meson.build there says {m.group(1) if m else '?'}")
sys.exit(tap.done())
