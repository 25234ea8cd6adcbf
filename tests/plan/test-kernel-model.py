#!/usr/bin/env python3
"""The kernel models against real kernels: for every QEMU capture of ../shared/qemu-lab
(each config, kernel and state around an NVDIMM hotplug), `tiertopo plan --kernel-model`
of that kernel must give exactly the memory_tierN node lists the kernel showed, and on
kernels that print them (6.12), the preferred and fallback sets of its last
"Demotion targets for Node" lines.

usage: test-kernel-model.py TIERTOPO SHARED_DIR"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from state2sysroot import convert  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402
from nodelist import nodelist  # noqa: E402

tap = Tap()


def kernel_view(state):
    tiers, release, dmesg = {}, None, {}
    in_dmesg = False
    for line in open(state, encoding="utf-8", errors="replace"):
        if line.startswith("## dmesg"):
            in_dmesg = True
        m = re.match(r"^uname -r=(\S+)", line)
        if m:
            release = m.group(1)
        m = re.match(r"^/sys/devices/virtual/memory_tiering/memory_tier(\d+)/nodelist=(.*)$", line)
        if m:
            tiers[int(m.group(1))] = nodelist(m.group(2))
        m = re.search(r"Demotion targets for Node (\d+): (?:null|preferred: (\S*), fallback: (\S*))", line)
        if m and in_dmesg:
            node = int(m.group(1))
            # a later print (after hotplug) replaces an earlier one
            dmesg[node] = (nodelist(m.group(2) or ""), nodelist(m.group(3) or ""))
    return release, tiers, dmesg


def main():
    tiertopo, shared = sys.argv[1], sys.argv[2]
    states = sorted(glob.glob(f"{shared}/qemu-lab/tables/*/linux-*/state-*.txt") +
                    glob.glob(f"{shared}/qemu-lab/tables/*/state-*.txt"))
    if not states:
        print(f"ok 1 - kernel models # SKIP no QEMU captures under {shared}/qemu-lab/tables")
        print("1..1")
        return 0
    for state in states:
        name = os.path.relpath(state, f"{shared}/qemu-lab/tables")
        release, tiers, dmesg = kernel_view(state)
        with tempfile.TemporaryDirectory() as root:
            convert(state, root)
            p = subprocess.run([tiertopo, "-s", root, "plan", "--kernel-model", release, "--json"],
                               capture_output=True, text=True)
            if p.returncode:
                tap(False, f"{name}: plan --kernel-model {release}", p.stderr)
                continue
            plan = json.loads(p.stdout)
        got = {t["id"]: set(t["nodes"]) for t in plan["tiers"]}
        tap(got == tiers, f"{name}: kernel {release} tiers {sorted((k, sorted(v)) for k, v in tiers.items())}",
            f"model: {sorted((k, sorted(v)) for k, v in got.items())}")
        # the log of a boot shows the targets as of the last recomputation before the dump:
        # compare only the states whose log is the capture of that same state
        if not dmesg:
            continue
        nodes = {x["node"]: x for x in plan["nodes"]}
        mismatches = []
        for node, (pref, fb) in sorted(dmesg.items()):
            d = nodes.get(node, {}).get("demotion") or {"preferred": [], "fallback": []}
            if set(d["preferred"]) != pref or set(d["fallback"]) != (fb if pref else set()):
                mismatches.append(f"node {node}: kernel preferred {sorted(pref)} fallback {sorted(fb)}, "
                                  f"model {d['preferred']} {d['fallback']}")
        tap(not mismatches, f"{name}: kernel {release} demotion targets of {len(dmesg)} nodes",
            "\n".join(mismatches))
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
