#!/usr/bin/env python3
"""tiertopo check on real kernel views (QEMU captures of ../shared/qemu-lab, converted to
sysroots) and on the hand-made sparse5 tree: the drift it must explain, the drift it must
not invent, its exit status, and its JSON.

usage: test-check.py TIERTOPO SHARED_DIR FIXTURES_DIR"""
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

tap = Tap()


def check(tiertopo, root, *args):
    p = subprocess.run([tiertopo, "-s", root, "check", "--json", *args], capture_output=True, text=True)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = {"findings": []}
    return p.returncode, doc, [f["id"] for f in doc["findings"]]


def main():
    tiertopo, shared, fixtures = sys.argv[1:4]
    tables = f"{shared}/qemu-lab/tables/hmat4"

    rc, doc, ids = check(tiertopo, f"{fixtures}/sysfs/sparse5")
    tap(rc == 0 and "drift-kernel-model-tier" in ids and "drift-demotion-disabled" in ids,
        "sparse5: node 2's hand-written tier 22 is not what 6.12 computes from its HMAT; demotion is off",
        f"rc {rc} ids {ids}")
    msg = [f["message"] for f in doc["findings"] if f["id"] == "drift-kernel-model-tier"]
    tap(bool(msg) and "node 2 is in memory_tier22" in msg[0] and "memory_tier300" in msg[0],
        "the drift sentence names the node and both tiers", "\n".join(msg))
    tap(doc.get("errors") == 0 and doc.get("warnings") == ids.count("drift-kernel-model-tier") +
        ids.count("drift-demotion-disabled"), "errors and warnings are counted", json.dumps(doc)[:300])
    p = subprocess.run([tiertopo, "-s", f"{fixtures}/sysfs/sparse5", "check", "--strict"],
                       capture_output=True, text=True)
    tap(p.returncode == 3 and re.search(r"^0 errors, \d+ warnings", p.stdout, re.M),
        "--strict: warnings are problems, exit status 3", p.stdout + p.stderr)

    if not os.path.isdir(tables):
        tap.skip("QEMU captures", f"{tables} is absent (meson option shared_dir)")
        return tap.done()

    with tempfile.TemporaryDirectory() as root:
        convert(f"{tables}/linux-6.1/state-sysram.txt", root)
        rc, doc, ids = check(tiertopo, root)
        slow = [f["message"] for f in doc["findings"] if f["id"] == "drift-slow-memory-in-dram-tier"]
        tap(rc == 0 and len(slow) == 1 and slow[0].startswith("node 2 is slow memory"),
            "6.1 puts the CPU-less slow node 2 in DRAM's tier: check says so", f"{ids}\n{slow}")
        tap("drift-kernel-model-tier" not in ids and "drift-kernel-model-targets" not in ids,
            "6.1 did what its model says", str(ids))

    with tempfile.TemporaryDirectory() as root:
        convert(f"{tables}/linux-6.12/state-sysram.txt", root)
        rc, doc, ids = check(tiertopo, root)
        tap("drift-kernel-model-tier" not in ids and "drift-kernel-model-targets" not in ids
            and "drift-slow-memory-in-dram-tier" not in ids,
            "6.12 after the hotplug: tiers and logged targets are the model's, nothing is misplaced", str(ids))
        p = subprocess.run([tiertopo, "-s", root, "--json"], capture_output=True, text=True)
        kd = {x["node"]: x["kernel_demotion"] for x in json.loads(p.stdout)["nodes"]}
        tap(kd[0] == {"preferred": [2], "fallback": [2, 3]} and kd[3] == {"preferred": [], "fallback": []},
            "the kernel's logged targets are read from dev/kmsg (last line per node)", str(kd))

        # a log that disagrees with the model must be reported
        kmsg = os.path.join(root, "dev/kmsg")
        with open(kmsg, "a") as f:
            f.write("[   99.000000] Demotion targets for Node 1: preferred: 3, fallback: 3\n")
        rc, doc, ids = check(tiertopo, root)
        msg = [f["message"] for f in doc["findings"] if f["id"] == "drift-kernel-model-targets"]
        tap(len(msg) == 1 and msg[0].startswith("node 1: the kernel log says it demotes to 3"),
            "a logged target the model does not predict is drift", "\n".join(msg) or str(ids))

        rc, doc, ids = check(tiertopo, root, "--kernel-model", "6.1")
        tap("drift-kernel-model-tier" in ids, "against the wrong kernel's model, the tiers drift", str(ids))
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
