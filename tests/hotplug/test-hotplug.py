#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The memory-hotplug context (issue 17) through the whole tool, against answers found
without libtopo:
  - on fixtures/sysfs/hotplug (hand-made, see its SOURCES) and on every VM tree, each
    node's online/offline block counts and zones, auto_online_blocks, memmap_on_memory, and
    each dax device's mode, online_memblocks, total_memblocks and movable equal what a
    small reimplementation of libdaxctl's rules (ndctl-udev.md) reads from the tree's files;
  - the hand-made tree gives the values its SOURCES promises;
  - the --dump columns print the same values;
  - a block flipped offline in a copy changes the counts (the reader reads state);
  - tiertopo gather packs every file these values come from.

usage: test-hotplug.py TIERTOPO FIXTURES_DIR"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tap = Tap()
tiertopo, fixtures = sys.argv[1:3]
HOT = f"{fixtures}/sysfs/hotplug"
N = "sys/devices/system/node"
M = "sys/devices/system/memory"
ZONE_ORDER = ["DMA", "DMA32", "Normal", "HighMem", "Movable", "Device"]


def read(root, path):
    try:
        with open(os.path.join(root, path)) as f:
            return f.read().strip()
    except OSError:
        return None


def oracle(root):
    """what the tree's files say, read as the kernel documents them and daxctl counts"""
    nodes, blocks_of = {}, {}
    for d in sorted(glob.glob(f"{root}/{N}/node[0-9]*")):
        nid = int(os.path.basename(d)[4:])
        blocks = sorted(int(e[6:]) for e in os.listdir(d)
                        if e.startswith("memory") and e[6:].isdigit())
        blocks_of[nid] = blocks
        states = {b: read(root, f"{M}/memory{b}/state") for b in blocks}
        on = [b for b, s in states.items() if s and s.startswith("online")]
        off = [b for b, s in states.items() if s == "offline"]
        zones = {read(root, f"{M}/memory{b}/valid_zones").split()[0] for b in on
                 if read(root, f"{M}/memory{b}/valid_zones")}
        known = any(s is not None for s in states.values())
        nodes[nid] = {"memory_blocks_online": len(on) if known else None,
                      "memory_blocks_offline": len(off) if known else None,
                      "memory_zones": sorted(zones, key=lambda z: (ZONE_ORDER.index(z)
                                                                   if z in ZONE_ORDER else 9, z))}
    bs = read(root, f"{M}/block_size_bytes")
    bs = int(bs, 16) if bs else None
    dax = {}
    for link in sorted(glob.glob(f"{root}/sys/bus/dax/devices/dax*")):
        name = os.path.basename(link)
        drv = os.path.join(link, "driver")
        driver = os.path.basename(os.readlink(drv)) if os.path.islink(drv) else None
        mode = {"kmem": "system-ram", "device_dax": "devdax"}.get(driver)
        res, size = read(link, "resource"), read(link, "size")
        tn = read(link, "target_node")
        x = {"mode": mode, "online_memblocks": None, "total_memblocks": None, "movable": None}
        if mode == "system-ram" and res and size and bs and tn is not None and int(tn) in blocks_of:
            start, size = int(res, 16), int(size)
            mine = [b for b in blocks_of[int(tn)] if start <= b * bs < start + size]
            st = [read(root, f"{M}/memory{b}/state") or "" for b in mine]
            x["total_memblocks"] = len(mine)
            x["online_memblocks"] = sum(s.startswith("online") for s in st)
            if mine and all(s.startswith("online") for s in st):
                x["movable"] = all(read(root, f"{M}/memory{b}/valid_zones") == "Movable"
                                   for b in mine)
        dax[name] = x
    return {"nodes": nodes, "dax": dax,
            "auto_online_blocks": read(root, f"{M}/auto_online_blocks"),
            "memmap_on_memory": read(root, "sys/module/memory_hotplug/parameters/memmap_on_memory")}


def snapshot(root):
    r = subprocess.run([tiertopo, "-s", root, "-J"], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


def mine(doc):
    """the same facts, as tiertopo -J reports them"""
    keys = ("memory_blocks_online", "memory_blocks_offline", "memory_zones")
    return {"nodes": {n["node"]: {k: n[k] for k in keys} for n in doc["nodes"]},
            "dax": {d["device"]: {k: d[k] for k in ("mode", "online_memblocks",
                                                     "total_memblocks", "movable")}
                    for d in doc["dax"]},
            "auto_online_blocks": doc["kernel"]["auto_online_blocks"],
            "memmap_on_memory": doc["kernel"]["memmap_on_memory"]}


def compare(root):
    doc = snapshot(root)
    if doc is None:
        return "tiertopo -J failed"
    want, got = oracle(root), mine(doc)
    # nodes without a directory have no blocks: the oracle lists only directories
    got["nodes"] = {k: v for k, v in got["nodes"].items() if k in want["nodes"]}
    return None if want == got else f"want {want}\n got {got}"


why = compare(HOT)
tap(why is None, "hotplug: tiertopo -J equals the files read as daxctl and the kernel do", why or "")

# what SOURCES promises, literally
doc = snapshot(HOT)
nodes = {n["node"]: n for n in doc["nodes"]}
dax = {d["device"]: d for d in doc["dax"]}
tap(nodes[0]["memory_zones"] == ["DMA32", "Normal"] and nodes[2]["memory_zones"] == ["Movable"]
    and (nodes[3]["memory_blocks_online"], nodes[3]["memory_blocks_offline"]) == (2, 2)
    and nodes[3]["memory_blocks"] == 4,
    "hotplug: node 0 in DMA32 and Normal, node 2 Movable, node 3 two of four blocks online "
    "(ids above 1023 counted)", json.dumps({k: nodes[k] for k in (0, 2, 3)})[:2000])
tap((dax["dax0.0"]["mode"], dax["dax0.0"]["online_memblocks"], dax["dax0.0"]["total_memblocks"],
     dax["dax0.0"]["movable"]) == ("system-ram", 8, 8, True)
    and (dax["dax1.0"]["online_memblocks"], dax["dax1.0"]["total_memblocks"],
         dax["dax1.0"]["movable"]) == (2, 4, None)
    and dax["dax2.0"]["mode"] == "devdax" and dax["dax3.0"]["mode"] is None,
    "hotplug: dax0.0 system-ram 8/8 movable, dax1.0 2/4 (movable unknown), dax2.0 devdax, "
    "dax3.0 unbound", json.dumps(dax))
tap(doc["kernel"]["auto_online_blocks"] == "offline" and doc["kernel"]["memmap_on_memory"] == "N",
    "hotplug: auto_online_blocks offline, memmap_on_memory N", json.dumps(doc["kernel"]))

# the VM trees: the kernel's own files as gathered in QEMU (dax driver links, blocks)
vm = sorted(glob.glob(f"{fixtures}/sysfs/vm/*"))
bad = [f"{os.path.basename(t)}: {w}" for t in vm for w in [compare(t)] if w]
with_dax = sum(1 for t in vm if glob.glob(f"{t}/sys/bus/dax/devices/dax*/driver"))
tap(vm and with_dax and not bad,
    f"the {len(vm)} VM trees ({with_dax} with a bound dax device): the same", "\n".join(bad[:5]))

# the --dump columns
r = subprocess.run([tiertopo, "-s", HOT, "-r", "-o",
                    "NODE,BLK_ONLINE,BLK_OFFLINE,ZONES,DAX,AUTO_ONLINE,MEMMAP_ON_MEM"],
                   capture_output=True, text=True)
lines = r.stdout.splitlines()
want = [["NODE", "BLK_ONLINE", "BLK_OFFLINE", "ZONES", "DAX", "AUTO_ONLINE", "MEMMAP_ON_MEM"]]
o = oracle(HOT)
for nid in sorted(o["nodes"]):
    n = o["nodes"][nid]
    devs = [f"{name}={d['mode'] or '-'}" + (f"\\x20{d['online_memblocks']}/{d['total_memblocks']}"
                                             if d["total_memblocks"] is not None else "")
            for name, d in o["dax"].items()
            if read(f"{HOT}/sys/bus/dax/devices/{name}", "target_node") == str(nid)]
    want.append([str(nid), str(n["memory_blocks_online"]) if n["memory_blocks_online"] is not None
                 else "-", str(n["memory_blocks_offline"]) if n["memory_blocks_offline"] is not None
                 else "-", ",".join(n["memory_zones"]) or "-", ",".join(devs) or "-",
                 o["auto_online_blocks"], o["memmap_on_memory"]])
tap([l.split(" ") for l in lines] == want, "hotplug: the --dump columns print the same values",
    r.stdout + r.stderr + "\nwant:\n" + "\n".join(" ".join(w) for w in want))

with tempfile.TemporaryDirectory() as tmp:
    # a block of dax0.0 goes offline: node 2 and dax0.0 say so, movable becomes unknown
    root = f"{tmp}/t"
    shutil.copytree(HOT, root, symlinks=True)
    with open(f"{root}/{M}/memory44/state", "w") as f:
        f.write("offline\n")
    d = snapshot(root)
    n2 = next(n for n in d["nodes"] if n["node"] == 2)
    d0 = next(x for x in d["dax"] if x["device"] == "dax0.0")
    tap((n2["memory_blocks_online"], n2["memory_blocks_offline"], d0["online_memblocks"],
         d0["movable"]) == (7, 1, 7, None) and compare(root) is None,
        "hotplug: memory44 offline in a copy: node 2 7/1, dax0.0 7 online, movable unknown",
        json.dumps([n2, d0]))

    # gather packs every file the values come from
    out = f"{tmp}/g.tar.gz"
    r = subprocess.run([tiertopo, "-s", HOT, "gather", "-O", out], capture_output=True, text=True)
    names = set()
    if r.returncode == 0:
        with tarfile.open(out) as t:
            names = {m.name.split("/", 1)[1] if "/" in m.name else m.name for m in t.getmembers()}
    need = [f"{M}/auto_online_blocks", "sys/module/memory_hotplug/parameters/memmap_on_memory",
            f"{M}/memory1100/state", f"{M}/memory1100/valid_zones", f"{M}/memory1102/state",
            "sys/devices/platform/ACPI0012:00/ndbus0/region0/dax0.0/dax0.0/resource",
            "sys/devices/platform/ACPI0012:00/ndbus0/region0/dax0.0/dax0.0/driver"]
    missing = [p for p in need if not any(n == p or n.endswith("/" + p) for n in names)]
    tap(r.returncode == 0 and not missing, "gather packs the hotplug files",
        r.stderr + "\nmissing: " + " ".join(missing) + "\nhave: " + " ".join(sorted(names)[:40]))

# the VM suite's checker against daxctl's JSON (tests/vm/daxctl_check.py), on what daxctl
# would print for this tree: `daxctl list -R -D -M` (regions with devices; movable absent
# where libdaxctl cannot tell; the unbound dax3.0 not listed)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm"))
from daxctl_check import check_daxctl  # noqa: E402

GiB = 1 << 30
daxctl = [{"path": "/platform/ACPI0012:00/ndbus0/region0/dax0", "id": 0, "devices": [
              {"chardev": "dax0.0", "size": GiB, "target_node": 2, "mode": "system-ram",
               "online_memblocks": 8, "total_memblocks": 8, "movable": True}]},
          {"path": "/platform/ACPI0012:00/ndbus0/region1/dax1", "id": 1, "devices": [
              {"chardev": "dax1.0", "size": GiB // 2, "target_node": 3, "mode": "system-ram",
               "online_memblocks": 2, "total_memblocks": 4}]},
          {"path": "/platform/ACPI0012:00/ndbus0/region2/dax2", "id": 2, "devices": [
              {"chardev": "dax2.0", "size": GiB // 4, "target_node": 4, "mode": "devdax"}]}]
doc = snapshot(HOT)
tap(check_daxctl(doc, daxctl) == [], "daxctl_check: the tree agrees with daxctl's JSON for it",
    "\n".join(check_daxctl(doc, daxctl)))
bad = json.loads(json.dumps(daxctl))
bad[1]["devices"][0]["online_memblocks"] = 4
bad[2]["devices"][0]["mode"] = "system-ram"
flat = [d for r in daxctl for d in r["devices"]][:1]  # daxctl -D alone, a lone object
tap(len(check_daxctl(doc, bad)) >= 2 and len(check_daxctl(doc, flat[0])) == 2,
    "daxctl_check: a differing count or mode, and bound devices daxctl does not list, are "
    "problems", "\n".join(check_daxctl(doc, bad) + check_daxctl(doc, flat[0])))
sys.exit(tap.done())
