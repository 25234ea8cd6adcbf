#!/usr/bin/env python3
"""tiertopo check on a node with CPUs that the firmware calls slow memory: the QEMU capture
fixtures/sysfs/vm/hmat4-6.12-boot (nodes 0 and 1 with a CPU each and DRAM, node 2 CPU-less and
slower), copied, with the SRAT's non-volatile flag set on one memory range. Node 1's memory
then classifies as PMEM, the plan puts it below DRAM and node 0 demotes onto it; check must
warn (cpu-node-slow-memory), say why (the SRAT flag), and not blame the kernel for it.

usage: test-cpu-slow.py TIERTOPO FIXTURES_DIR"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tap = Tap()
T, FIX = sys.argv[1], sys.argv[2]
TREE = os.path.join(FIX, "sysfs", "vm", "hmat4-6.12-boot")
SRAT = "sys/firmware/acpi/tables/SRAT"


def set_nonvolatile(root, pxm):
    """set the non-volatile flag (bit 2) of every enabled memory affinity structure (type 1,
    ACPI 6.5 5.2.16.2) of @pxm in the tree's SRAT, and fix the checksum; how many"""
    path = os.path.join(root, SRAT)
    b = bytearray(open(path, "rb").read())
    n, o = 0, 48  # header 36, table revision 4, reserved 8
    while o + 2 <= len(b) and b[o + 1]:
        kind, length = b[o], b[o + 1]
        if kind == 1 and struct.unpack_from("<I", b, o + 2)[0] == pxm:
            flags = struct.unpack_from("<I", b, o + 28)[0]
            if flags & 1:
                struct.pack_into("<I", b, o + 28, flags | 4)
                n += 1
        o += length
    b[9] = 0
    b[9] = -sum(b) & 0xFF
    open(path, "wb").write(b)
    return n


def check(root):
    p = subprocess.run([T, "-s", root, "check", "--json"], capture_output=True, text=True)
    try:
        return json.loads(p.stdout)["findings"]
    except (ValueError, KeyError):
        return [{"id": "unparsable", "message": p.stdout + p.stderr}]


def of(findings, fid):
    return [f for f in findings if f["id"] == fid]


def copy(tmp, name, nv_pxm=None, conf=None):
    root = os.path.join(tmp, name)
    shutil.copytree(TREE, root, symlinks=True)
    if nv_pxm is not None:
        tap(set_nonvolatile(root, nv_pxm) >= 1, f"{name}: the SRAT has a memory range of PXM {nv_pxm}")
    if conf:
        os.makedirs(os.path.join(root, "etc/tiertopo"), exist_ok=True)
        with open(os.path.join(root, "etc/tiertopo/tiertopo.conf"), "w") as f:
            f.write(conf)
    return root


def main():
    with tempfile.TemporaryDirectory() as tmp:
        found = check(copy(tmp, "as-captured"))
        tap(not of(found, "cpu-node-slow-memory"), "the captured machine: no CPU node is slow memory",
            json.dumps(found, indent=1))

        found = check(copy(tmp, "nv-cpu-node", nv_pxm=1))
        w = of(found, "cpu-node-slow-memory")
        tap(len(w) == 1, "a CPU node's range flagged non-volatile: one cpu-node-slow-memory",
            json.dumps(found, indent=1))
        m = w[0]["message"] if w else ""
        tap(bool(w) and w[0]["severity"] == "warning" and w[0].get("path") == SRAT,
            "a warning, naming the SRAT", json.dumps(w, indent=1))
        tap(m.startswith("node 1 has 1 CPU(s) but is classified as PMEM"), "it names the node and the kind", m)
        tap("SRAT: memory of proximity domain 1 is non-volatile" in m, "it says why: the SRAT flag", m)
        tap("demotes node(s) onto it: 0" in m and "below the DRAM tier" in m,
            "and what it costs: a tier below DRAM, node 0 demoting onto it", m)
        tap(not [f for f in of(found, "drift-slow-memory-in-dram-tier") if f["message"].startswith("node 1 ")],
            "the kernel (which put node 1 with DRAM) is not blamed for it", json.dumps(found, indent=1))

        found = check(copy(tmp, "nv-cpu-less-node", nv_pxm=2))
        tap(not of(found, "cpu-node-slow-memory"), "the flag on the CPU-less node 2: nothing to say",
            json.dumps(found, indent=1))

        found = check(copy(tmp, "nv-override-dram", nv_pxm=1, conf="[node 1]\nkind = DRAM\n"))
        tap(not of(found, "cpu-node-slow-memory"), "the fix it suggests, [node 1] kind = DRAM, silences it",
            json.dumps(found, indent=1))
        found = check(copy(tmp, "override-pmem", conf="[node 1]\nkind = PMEM\n"))
        tap(not of(found, "cpu-node-slow-memory"), "an administrator's override is not questioned",
            json.dumps(found, indent=1))
    return tap.done()


sys.exit(main())
