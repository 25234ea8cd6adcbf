#!/usr/bin/env python3
"""Memory that is neither DRAM nor slow memory, on the hand-made trees of fixtures/sysfs
(their SOURCES say which real machines they imitate):

- gh200: the Hopper GPU's HBM onlined as CPU-less node 1 by the NVIDIA driver
  (proc/driver/nvidia/gpus/BUS-ID/numa_status). It is GPU memory, with the driver's file as
  evidence; the recommended plan never demotes into it, even when HMAT makes it look like a
  slower tier; check explains when the kernel (as modelled, or as its log says) demotes
  into it. Without numa_status (control) the same node is a demotion target: the exclusion
  comes from the classification, not from the tree's shape.
- knl-flat: the Xeon Phi's on-package MCDRAM in flat mode, a CPU-less node. It is HBM, with
  proc/cpuinfo's model as evidence; without that model (control) it is DRAM.

usage: test-special-memory.py TIERTOPO FIXTURES_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tap = Tap()
T = sys.argv[1]
FIX = sys.argv[2]


def js(root, *args):
    p = subprocess.run([T, "-s", root, *args, "--json"], capture_output=True, text=True)
    assert p.returncode in (0, 3), p.stderr
    return json.loads(p.stdout)


def nodes(doc):
    return {x["node"]: x for x in doc["nodes"]}


def targets(doc):
    """every (source, target) demotion pair of a plan"""
    return {(x["node"], t) for x in doc["nodes"]
            for t in x["demotion"]["preferred"] + x["demotion"]["fallback"]}


def write(root, rel, text):
    os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
    with open(os.path.join(root, rel), "w") as f:
        f.write(text)


def slow_hmat(root, node, init):
    """node's access class 1 as a slow target of @init (a tenth of DRAM's bandwidth)"""
    d = f"sys/devices/system/node/node{node}/access1/initiators"
    for k, v in (("read_latency", 500), ("write_latency", 500), ("read_bandwidth", 10000),
                 ("write_bandwidth", 10000)):
        write(root, f"{d}/{k}", f"{v}\n")
    os.symlink(f"../../../node{init}", os.path.join(root, d, f"node{init}"))
    d0 = f"sys/devices/system/node/node{init}/access1/initiators"
    for k, v in (("read_latency", 100), ("write_latency", 100), ("read_bandwidth", 100000),
                 ("write_bandwidth", 100000)):
        write(root, f"{d0}/{k}", f"{v}\n")


def main():
    gh = f"{FIX}/sysfs/gh200"
    doc = js(gh)
    n = nodes(doc)
    ev = " ".join(n[1]["evidence"])
    tap(n[1]["kind"] == "GPU" and n[1]["gpu"] == "0009:01:00.0" and
        "proc/driver/nvidia/gpus/0009:01:00.0/numa_status" in ev and n[0]["kind"] == "DRAM",
        "gh200: node 1 is GPU memory, the driver's numa_status as evidence; node 0 DRAM",
        json.dumps(n[1])[:600])
    tap(all(x["kind"] == "unknown" and x["memory_bytes"] == 0 for i, x in n.items() if i >= 2),
        "gh200: the MIG proximity domains 2-8 are memoryless, of no kind")
    tap(all(1 not in t["nodes"] for t in doc["tiers"]) and not any(
        1 in p for p in targets(doc)), "gh200: the recommended plan neither tiers nor "
        "demotes into GPU memory", json.dumps(doc["tiers"]))

    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "gh200")
        shutil.copytree(gh, root, symlinks=True)
        # HMAT says node 1 is ten times slower than node 0: a slower tier to the kernel
        slow_hmat(root, 1, 0)
        rec = js(root)
        tap(not any(t == 1 for _, t in targets(rec)),
            "gh200 + slow HMAT: the recommended plan still never demotes into GPU memory",
            json.dumps(sorted(targets(rec))))
        chk = js(root, "check", "--kernel-model", "6.12")
        gpu = [f["message"] for f in chk["findings"] if f["id"] == "drift-demotion-into-gpu-memory"]
        model = js(root, "plan", "--kernel-model", "6.12")
        tap((0, 1) in targets(model) and len(gpu) == 1 and "node 0 demotes into node 1" in gpu[0]
            and "0009:01:00.0" in gpu[0],
            "gh200 + slow HMAT: kernel 6.12 demotes node 0 into the GPU's memory; check says so",
            json.dumps([sorted(targets(model)), gpu]))
        chk = js(gh, "check", "--kernel-model", "5.15")
        gpu = [f["message"] for f in chk["findings"] if f["id"] == "drift-demotion-into-gpu-memory"]
        tap(len(gpu) == 1 and "kernels 5.15 to 6.0" in gpu[0],
            "gh200: kernel 5.15 takes the CPU-less GPU memory as a demotion target; check says so",
            json.dumps(gpu))
        chk = js(gh, "check", "--kernel-model", "6.12")
        tap("drift-demotion-into-gpu-memory" not in {f["id"] for f in chk["findings"]},
            "gh200 without HMAT: 6.12 puts the GPU memory in DRAM's tier; no demotion to explain")

        # control: the same tree without the driver's file
        shutil.rmtree(os.path.join(root, "proc/driver"))
        ctl = js(root)
        tap(nodes(ctl)[1]["kind"] != "GPU" and (0, 1) in targets(ctl),
            "control: without numa_status node 1 is slow memory and a demotion target",
            json.dumps([nodes(ctl)[1]["kind"], sorted(targets(ctl))]))

    knl = f"{FIX}/sysfs/knl-flat"
    n = nodes(js(knl))
    tap(n[1]["kind"] == "HBM" and any("Xeon Phi" in e and "model 87" in e for e in n[1]["evidence"])
        and n[0]["kind"] == "DRAM",
        "knl-flat: the CPU-less MCDRAM node is HBM, proc/cpuinfo's model as evidence",
        json.dumps(n[1]["evidence"]))
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "knl")
        shutil.copytree(knl, root)
        os.remove(os.path.join(root, "proc/cpuinfo"))
        tap(nodes(js(root))[1]["kind"] == "DRAM",
            "control: without the Xeon Phi's cpuinfo the same node is DRAM")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
