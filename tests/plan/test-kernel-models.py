#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The kernel models and the release strings that name them (issue 16, done-when 3):
- `plan --kernel-model list` lists the models, oldest first, from 5.15, each with what that
  release changed, and man/tiertopo.8's KERNEL MODELS section lists the same ones;
- every version test in libtopo/model (KERNEL_AT_LEAST) names a model of that list, so a
  release behaves exactly as its model;
- any release string from 5.15 on is accepted, mapped to the newest model not after it, and
  the model used is named in the text output and in -J (plan.kernel_model); the plan of a
  release is the plan of its model's name;
- a release before 5.15 or a string that is not a release is refused with a message (exit
  status 2), and a sysroot whose running kernel predates 5.15 gets a plain error from plan and
  an info finding from check;
- the 6.7 model (6.7-6.9) takes CPU-less boot memory as a DRAM reference candidate: on the
  hmat4 capture (slow CPU-less node 2, an NVDIMM onlined by kmem as node 3) the mismatch
  turns HMAT distances off and the NVDIMM stays at kmem's 2880, where 6.10 computes it.

usage: test-kernel-models.py TIERTOPO SOURCE_DIR FIXTURES_DIR"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tap = Tap()
T, SRC, FIX = sys.argv[1], sys.argv[2], sys.argv[3]
HMAT4 = os.path.join(FIX, "sysfs", "vm", "hmat4-6.12-sysram")


def run(*args):
    return subprocess.run([T, *args], capture_output=True, text=True)


def version(s):
    m = re.match(r"^(\d+)\.(\d+)", s)
    return (int(m.group(1)), int(m.group(2))) if m else None


# the list
p = run("plan", "--kernel-model", "list")
models = []
for line in p.stdout.splitlines():
    m = re.match(r"^(\d+\.\d+)\s+(\S.*)$", line)
    if m:
        models.append((m.group(1), m.group(2)))
names = [n for n, _ in models]
tap(p.returncode == 0 and models and len(models) == len(p.stdout.splitlines()),
    f"plan --kernel-model list: one model a line, each with what changed ({', '.join(names)})",
    f"status {p.returncode}\n{p.stdout}{p.stderr}")
tap(names and names[0] == "5.15" and [version(n) for n in names] == sorted(set(version(n) for n in names)),
    "the models start at 5.15 and are listed oldest first, each once", " ".join(names))

# the man page lists the same models, each with a description
man = open(os.path.join(SRC, "man", "tiertopo.8"), encoding="utf-8").read()
sec = re.search(r"^\.SH KERNEL MODELS\n(.*?)^\.SH ", man, re.S | re.M)
man_models = re.findall(r"^\.TP\n\.B (\S+)\n([^.].*?)(?=^\.TP|\Z)", sec.group(1), re.S | re.M) if sec else []
tap([n for n, _ in man_models] == names and all(d.strip() for _, d in man_models),
    "man/tiertopo.8 KERNEL MODELS lists every model of the code's table, in order, with what it changed",
    f"man: {[n for n, _ in man_models]}\ncode: {names}")

# every release the model code tests is a model
tests = set()
for f in glob.glob(os.path.join(SRC, "libtopo", "model", "*.c")):
    text = open(f).read()
    for a, b in re.findall(r"KERNEL_AT_LEAST\(\s*\w+\s*,\s*(\d+)\s*,\s*(\d+)\s*\)", text):
        tests.add(f"{a}.{b}")
    # explicit comparisons of a version: (major == 5 && minor < 18)
    for a, b in re.findall(r"major\s*==\s*(\d+)\s*&&\s*minor\s*[<>]=?\s*(\d+)", text):
        tests.add(f"{a}.{b}")
missing = sorted(tests - set(names), key=version)
tap(tests and not missing,
    f"every release libtopo/model tests ({', '.join(sorted(tests, key=version))}) is a model",
    f"tested but not in the model table: {missing}")


def expected(release):
    v = version(release)
    return [n for n in names if version(n) <= v][-1]


# any release string, and running
fixed = {"6.8.0-49-generic": "6.7", "5.15.0-100-generic": "5.15", "6.1.0-27-amd64": "6.1",
         "5.19.17": "5.18"}
releases = ["7.3.4+deb13-amd64", "6.8.0-49-generic", "5.15.0-100-generic", "6.1.0-27-amd64",
            "6.12.0", "6.13.0-rc1", "6.9", "6.10.14-linuxkit", "5.17.0-1-amd64", "5.19.17"]
osrelease = open(os.path.join(HMAT4, "proc", "sys", "kernel", "osrelease")).read().strip()
for rel in releases + ["running"]:
    shown = osrelease if rel == "running" else rel
    want = fixed.get(shown, expected(shown))
    p = run("-s", HMAT4, "plan", "--kernel-model", rel)
    first = p.stdout.splitlines()[0] if p.stdout else ""
    tap(p.returncode == 0 and first == f"Kernel {shown} (model {want})",
        f"plan --kernel-model {rel}: names release {shown} and model {want}",
        f"status {p.returncode}: {first!r}\n{p.stderr}")
    j = run("-s", HMAT4, "plan", "--kernel-model", rel, "-J")
    doc = json.loads(j.stdout) if j.returncode == 0 else {}
    byname = run("-s", HMAT4, "plan", "--kernel-model", want, "-J")
    doc2 = json.loads(byname.stdout) if byname.returncode == 0 else {}
    same = doc and doc2 and doc["tiers"] == doc2["tiers"] and \
        [n.get("demotion") for n in doc["nodes"]] == [n.get("demotion") for n in doc2["nodes"]]
    tap(doc.get("plan", {}).get("kernel_model") == want and
        doc.get("plan", {}).get("kernel_release") == shown and same,
        f"plan --kernel-model {rel} -J: plan.kernel_model {want}, and the tiers and targets of model {want}",
        f"status {j.returncode}: {doc.get('plan')}\n{j.stderr}")

# refused
old = ["4.19", "5.14.21", "3.10.0-1160.el7.x86_64"]
for rel in old + ["banana", "6", "6.x", "6.12abc", ""]:
    p = run("-s", HMAT4, "plan", "--kernel-model", rel)
    why = "no demotion" if rel in old else "not a kernel release"
    tap(p.returncode == 2 and not p.stdout and why in p.stderr and rel in p.stderr,
        f"plan --kernel-model {rel!r} is refused: '{why}', exit status 2, nothing printed",
        f"status {p.returncode}\nstdout: {p.stdout[:300]}\nstderr: {p.stderr}")
p = run("plan", "--kernel-model", "list", "-J")
tap(p.returncode == 2 and not p.stdout and "list" in p.stderr,
    "plan --kernel-model list -J is refused (the list is text only): exit status 2, nothing printed",
    f"status {p.returncode}\n{p.stdout[:300]}{p.stderr}")

# a sysroot that runs a kernel before 5.15
with tempfile.TemporaryDirectory() as tmp:
    root = os.path.join(tmp, "root")
    shutil.copytree(HMAT4, root, symlinks=True)
    with open(os.path.join(root, "proc", "sys", "kernel", "osrelease"), "w") as f:
        f.write("4.19.0-27-amd64\n")
    p = run("-s", root, "plan", "--kernel-model", "running")
    tap(p.returncode == 1 and not p.stdout and "4.19.0-27-amd64" in p.stderr and "no demotion" in p.stderr,
        "plan --kernel-model running on a 4.19 sysroot: an error that names the release",
        f"status {p.returncode}\n{p.stdout[:300]}{p.stderr}")
    p = run("-s", root, "check", "-J")
    ids = [f["id"] for f in json.loads(p.stdout).get("findings", [])] if p.stdout.startswith("{") else []
    tap("kernel-release-before-tiering" in ids and not any(i.startswith("drift-kernel-model") for i in ids),
        "check on a 4.19 sysroot: kernel-release-before-tiering, no comparison with a model",
        f"status {p.returncode}: {ids}\n{p.stderr}")

# the 6.7-6.9 DRAM reference: every boot memory node, CPU-less ones too
tiers = {}
for rel in ["6.7", "6.9.12", "6.10"]:
    j = run("-s", HMAT4, "plan", "--kernel-model", rel, "-J")
    tiers[rel] = {t["id"]: t["nodes"] for t in json.loads(j.stdout)["tiers"]} if j.returncode == 0 else None
tap(tiers["6.7"] == tiers["6.9.12"] == {4: [0, 1, 2], 22: [3]},
    "6.7-6.9: CPU-less node 2, >10% off the reference, turns HMAT off: nodes 0-2 in tier 4, the NVDIMM in 22",
    f"{tiers}")
p = run("-s", HMAT4, "plan", "--kernel-model", "6.8.0-49-generic")
tap("CPU-less memory node 2, which kernels 6.7-6.9 take as DRAM too" in p.stderr and
    "[plan-dram-perf-mismatch]" in p.stderr,
    "6.8: plan says that CPU-less node 2 is compared with the DRAM reference and why HMAT is off",
    p.stderr)
tap(tiers["6.10"] and tiers["6.10"].get(4) == [0, 1] and 22 not in tiers["6.10"],
    "6.10: the reference is the CPU nodes only: node 2 and the NVDIMM get HMAT distances", f"{tiers['6.10']}")
sys.exit(tap.done())
