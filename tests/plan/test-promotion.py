#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""tiertopo check on promotion's top tier (drift-promotion-top-tier), on copies of trees gathered
from real kernels (fixtures/sysfs/vm/hmat4-*-sysram: nodes 0 and 1 with CPUs and DRAM, node 2
CPU-less and slower, node 3 an NVDIMM onlined by kmem), with NUMA balancing's memory-tiering
mode switched on in the copy.

- 6.1 gives CPU-less boot memory no HMAT abstract distance: node 2 shares memory_tier4 with the
  CPU nodes, so the kernel counts it as top tier and never promotes from it, while the plan puts
  it in a slower tier: check says so, naming the node and the tier.
- 6.12 puts node 2 in its own slower tier, as the plan does: nothing to say.
- Without the memory-tiering bit, top tier means nothing: nothing to say.
- A kernel that puts the kmem node 3 in the CPU nodes' tier (the tree's memory_tiering edited
  so): node 3 is named.

usage: test-promotion.py TIERTOPO FIXTURES_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tap = Tap()
T, FIX = sys.argv[1], sys.argv[2]
ID = "drift-promotion-top-tier"


def copy(tmp, release, mode, move_node3_to_tier4=False):
    root = os.path.join(tmp, f"{release}-{mode}-{move_node3_to_tier4}")
    shutil.copytree(os.path.join(FIX, "sysfs", "vm", f"hmat4-{release}-sysram"), root, symlinks=True)
    with open(os.path.join(root, "proc/sys/kernel/numa_balancing"), "w") as f:
        f.write(f"{mode}\n")
    if move_node3_to_tier4:
        tiers = os.path.join(root, "sys/devices/virtual/memory_tiering")
        for t in os.listdir(tiers):
            nl = os.path.join(tiers, t, "nodelist")
            if not os.path.isfile(nl):
                continue
            nodes = open(nl).read().strip()
            if t == "memory_tier4":
                nodes += ",3"
            elif nodes == "3":
                shutil.rmtree(os.path.join(tiers, t))
                continue
            open(nl, "w").write(nodes + "\n")
    return root


def findings(root):
    p = subprocess.run([T, "-s", root, "check", "--json"], capture_output=True, text=True)
    try:
        return [f for f in json.loads(p.stdout)["findings"] if f["id"] == ID]
    except (ValueError, KeyError):
        return [{"id": "unparsable", "message": p.stdout + p.stderr}]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        f = findings(copy(tmp, "6.1", 2))
        tap(len(f) == 1 and f[0]["severity"] == "warning" and f[0]["message"].startswith("node 2 ")
            and "memory_tier4" in f[0]["message"] and "never promoted" in f[0]["message"]
            and f[0].get("path") == "proc/sys/kernel/numa_balancing",
            "6.1, tiering mode on: node 2, in the CPU nodes' memory_tier4, is never promoted from",
            json.dumps(f, indent=1))
        f = findings(copy(tmp, "6.1", 1))
        tap(not f, "6.1, NUMA balancing without the tiering bit: nothing to say", json.dumps(f, indent=1))
        f = findings(copy(tmp, "6.12", 2))
        tap(not f, "6.12, tiering mode on: the kernel's top tier is the plan's", json.dumps(f, indent=1))
        f = findings(copy(tmp, "6.12", 3, move_node3_to_tier4=True))
        tap(len(f) == 1 and f[0]["message"].startswith("node 3 "),
            "a kernel that puts the kmem node 3 with the CPU nodes: node 3 is named", json.dumps(f, indent=1))
    return tap.done()


sys.exit(main())
