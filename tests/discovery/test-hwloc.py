#!/usr/bin/env python3
"""Classification and tiers against hwloc 2.12 on the same sysfs trees: for every tarball of
../shared/corpus/hwloc, each memory node's kind must agree with hwloc's subtype (NVM is PMEM,
no subtype on a node with memory is DRAM) and the recommended plan's tiers must group and
order the nodes as hwloc's MemoryTier ranks do (hwloc ranks 0 = fastest). A deliberate
difference must be listed in DIFFERENCES with the reason, or the test fails.

usage: test-hwloc.py TIERTOPO SHARED_DIR"""
import glob
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

KIND = {None: "DRAM", "DRAM": "DRAM", "NVM": "PMEM", "HBM": "HBM", "SPM": "SPM",
        "CXL-DRAM": "CXL-DRAM", "CXL-NVM": "CXL-PMEM"}

# (tarball, node) -> why tiertopo deliberately says something else. None so far: every
# kind and tier of the corpus agrees.
DIFFERENCES = {}

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tap = Tap()


def hwloc_nodes(output):
    """P# -> (subtype, MemoryTier) from `lstopo -v` text or XML."""
    nodes = {}
    text = open(output, encoding="utf-8", errors="replace").read()
    for m in re.finditer(r"NUMANode(?:\((\S+?)\))? L#\d+ \(P#(\d+)([^)]*)\)", text):
        tier = re.search(r"MemoryTier=(\d+)", m.group(3))
        nodes[int(m.group(2))] = (m.group(1), int(tier.group(1)) if tier else 0)
    for m in re.finditer(r'<object type="NUMANode" os_index="(\d+)"[^>]*?(?:subtype="([^"]+)")?[^>]*>', text):
        nodes.setdefault(int(m.group(1)), (m.group(2), 0))
    return nodes


def main():
    tiertopo, shared = sys.argv[1], sys.argv[2]
    tarballs = sorted(glob.glob(f"{shared}/corpus/hwloc/*.tar.bz2"))
    if not tarballs:
        print(f"ok 1 - hwloc agreement # SKIP the corpus folder {shared}/corpus/hwloc is absent")
        print("1..1")
        return 0
    for tb in tarballs:
        name = os.path.basename(tb)[:-len(".tar.bz2")]
        outputs = glob.glob(f"{shared}/corpus/hwloc/{name.split('+')[0]}*.hwloc-2.12.output")
        output = f"{shared}/corpus/hwloc/{name}.hwloc-2.12.output"
        if not os.path.exists(output):
            output = outputs[0] if outputs else None
        if not output:
            tap(False, f"{name}: no hwloc-2.12 output beside it")
            continue
        want = hwloc_nodes(output)
        with tempfile.TemporaryDirectory() as tmp:
            with tarfile.open(tb) as t:
                t.extractall(tmp)
            root = os.path.join(tmp, os.listdir(tmp)[0])
            p = subprocess.run([tiertopo, "-s", root, "--json"], capture_output=True, text=True)
        if p.returncode:
            tap(False, f"{name}: tiertopo --json", p.stderr)
            continue
        doc = json.loads(p.stdout)
        ours = {x["node"]: x for x in doc["nodes"] if x["has_memory"] and x["online"]}

        bad = []
        for node, (subtype, _) in sorted(want.items()):
            if node not in ours:
                bad.append(f"node {node}: hwloc has it, tiertopo has no memory node {node}")
                continue
            expect = KIND.get(subtype, subtype)
            if ours[node]["kind"] != expect and (name, node) not in DIFFERENCES:
                bad.append(f"node {node}: hwloc {subtype or '(no subtype)'} -> {expect}, "
                           f"tiertopo {ours[node]['kind']} ({'; '.join(ours[node]['evidence'])})")
        extra = sorted(set(ours) - set(want))
        if extra:
            bad.append(f"memory nodes hwloc does not list: {extra}")
        tap(not bad, f"{name}: kinds of {len(want)} memory nodes agree with hwloc 2.12", "\n".join(bad))

        # tiers: the same partition, in the same order
        def partition(rank_of):
            groups = {}
            for node in want:
                if node in ours:
                    groups.setdefault(rank_of(node), set()).add(node)
            return [groups[k] for k in sorted(groups)]
        theirs = partition(lambda x: want[x][1])
        mine = partition(lambda x: ours[x]["tier"])
        tap(theirs == mine, f"{name}: tiers {[sorted(g) for g in theirs]} agree with hwloc MemoryTier",
            f"tiertopo: {[sorted(g) for g in mine]}")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
