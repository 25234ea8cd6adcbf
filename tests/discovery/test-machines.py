#!/usr/bin/env python3
"""Real machines nobody here made: every sysfs tree of ../shared/corpus/hwloc and
../shared/corpus/machines is read with exit 0, and what tiertopo --json says is checked

 1. against the tree's own files: the online nodes (node/online, else the node directories,
    else node 0 alone on a kernel without NUMA), no node outside node/possible, each
    node's memory (nodeN/meminfo, or proc/meminfo without NUMA), every cpu of `cpus`
    present and online and every cpu of `cpus_offline` present and offline (cpu/present,
    cpu/online, cpuN/online), and the kind of every memory node that the tree's files decide
    (the NVIDIA driver's numa_status -> GPU, Xeon Phi CPU-less memory -> HBM, a kernel
    without NUMA -> DRAM, no other evidence at all -> DRAM);
 2. against hwloc's own verdict beside the tree (second opinion): the node set, each node's
    memory, the distance matrix, and the kind where hwloc names a subtype.
Every deliberate difference from hwloc is in DIFFERENCES with its reason, or the test fails.

usage: test-machines.py TIERTOPO SHARED_DIR"""
import glob
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from nodelist import nodelist  # noqa: E402
from tap import Tap  # noqa: E402

tap = Tap()

# hwloc subtype -> tiertopo kind
SUBTYPE = {"DRAM": "DRAM", "HBM": "HBM", "MCDRAM": "HBM", "NVM": "PMEM", "SPM": "SPM",
           "GPUMemory": "GPU", "CXL-DRAM": "CXL-DRAM", "CXL-NVM": "CXL-PMEM"}

# (tree, what) -> why tiertopo says something else than hwloc, on purpose
DIFFERENCES = {
    ("nvidiagpunumanodes", "nodes"):
        "hwloc hides the V100s' memory nodes 250-255 on POWER unless "
        "HWLOC_KEEP_NVIDIA_GPU_NUMA_NODES=1; tiertopo lists them as kind GPU",
    ("8em64t-2s2ca2c-buggynuma", "nodes"):
        "every node's cpulist claims cpus 0-7: hwloc drops the NUMA data and reports one "
        "node 0; tiertopo keeps the kernel's 8 nodes, takes each node's cpus from its "
        "nodeN/cpuM links (cpu_to_node()) and says so in numa-cpus-in-several-nodes",
    ("8em64t-2s2ca2c-buggynuma", "distances"):
        "follows from hwloc's single node",
    ("64intel64-fakeKNL-SNC4-hybrid", "distances"):
        "hwloc groups the nodes under their memory-side caches and prints no matrix",
    ("offline-cpu0-node0", "distances"):
        "node1/distance has 2 columns while only node 1 is online (the kernel prints one "
        "per online node): tiertopo ignores the row (sysfs-distance-columns), hwloc has a "
        "single node and no matrix",
}

UNITS = {"KB": 1024, "KiB": 1024, "MB": 1024**2, "MiB": 1024**2, "GB": 1024**3,
         "GiB": 1024**3, "TB": 1024**4, "TiB": 1024**4}


def read(root, rel):
    try:
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            return f.read().split("\0")[0]  # hwloc pads some copies with NULs
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def cpumap(s):
    v = int(s.strip().replace(",", "") or "0", 16)
    return {i for i in range(v.bit_length()) if v >> i & 1}


def tree_view(root):
    """what the tree's own files say, independently of tiertopo's readers"""
    nd = "sys/devices/system/node"
    cd = "sys/devices/system/cpu"
    t = {"cpu_present": None, "cpu_online": None, "cpu_offline": set()}
    p = read(root, f"{cd}/present")
    if p is not None:
        t["cpu_present"] = nodelist(p)
    o = read(root, f"{cd}/online")
    if o is not None:
        t["cpu_online"] = nodelist(o)
    dirs = set()
    if os.path.isdir(os.path.join(root, cd)):
        for e in os.listdir(os.path.join(root, cd)):
            m = re.fullmatch(r"cpu(\d+)", e)
            if m:
                dirs.add(int(m.group(1)))
                if (read(root, f"{cd}/{e}/online") or "").strip() == "0":
                    t["cpu_offline"].add(int(m.group(1)))
    t["cpu_dirs"] = dirs
    cpuinfo = read(root, "proc/cpuinfo") or ""
    first = cpuinfo.split("\n\n")[0]
    fam = re.search(r"^cpu family\s*:\s*(\d+)", first, re.M)
    mod = re.search(r"^model\s*:\s*(\d+)", first, re.M)
    t["xeon_phi"] = ("GenuineIntel" in first and fam and mod and int(fam.group(1)) == 6
                     and int(mod.group(1)) in (87, 133))
    t["gpu_nodes"] = {}
    for f in glob.glob(os.path.join(root, "proc/driver/nvidia/gpus/*/numa_status")):
        m = re.search(r"^Node:\s*(-?\d+)", open(f).read(), re.M)
        if m and int(m.group(1)) >= 0:
            t["gpu_nodes"][int(m.group(1))] = os.path.basename(os.path.dirname(f))
    t["has_dax"] = os.path.isdir(os.path.join(root, "sys/bus/dax/devices"))

    if not os.path.isdir(os.path.join(root, nd)):
        t["no_numa"] = True
        t["possible"] = t["online"] = {0}
        mt = re.search(r"^MemTotal:\s*(\d+) kB", read(root, "proc/meminfo") or "", re.M)
        t["memory"] = {0: int(mt.group(1)) * 1024} if mt else {}
        t["listed"] = {0: None}
        t["hmat"] = set()
        return t
    t["no_numa"] = False
    dirs = {int(e[4:]) for e in os.listdir(os.path.join(root, nd)) if re.fullmatch(r"node\d+", e)}
    poss = read(root, f"{nd}/possible")
    t["possible"] = nodelist(poss) if poss and poss.strip() else None
    on = read(root, f"{nd}/online")
    t["online"] = nodelist(on) if on is not None else dirs
    t["memory"], t["listed"], t["hmat"] = {}, {}, set()
    for n in sorted(dirs):
        d = f"{nd}/node{n}"
        mt = re.search(r"MemTotal:\s*(\d+) kB", read(root, f"{d}/meminfo") or "")
        if mt:
            t["memory"][n] = int(mt.group(1)) * 1024
        cl, cm = read(root, f"{d}/cpulist"), read(root, f"{d}/cpumap")
        links = {int(e[3:]) for e in os.listdir(os.path.join(root, d)) if re.fullmatch(r"cpu\d+", e)}
        t["listed"][n] = (nodelist(cl) if cl is not None else cpumap(cm) if cm is not None
                          else links) | links
        if os.path.isdir(os.path.join(root, d, "access0")) or os.path.isdir(os.path.join(root, d, "access1")):
            t["hmat"].add(n)
    return t


def tree_kind(t, node, has_cpu):
    """the kind the tree's files decide on their own, or None (HMAT, dax, firmware: hwloc's)"""
    if node in t["gpu_nodes"]:
        return "GPU"
    if t["xeon_phi"] and not has_cpu:
        return "HBM"
    if t["no_numa"]:
        return "DRAM"
    if not t["has_dax"] and not t["hmat"]:
        return "DRAM"
    return None


def hwloc_view(path):
    """P# -> (subtype, bytes or (value, unit) rounded, ) and the distance matrix by P#"""
    text = open(path, encoding="utf-8", errors="replace").read()
    nodes, order = {}, {}
    for m in re.finditer(r"NUMANode(?:\((\S+?)\))? L#(\d+) \(P#(\d+)([^)]*)\)", text):
        mem = re.search(r"local=(\d+)([KMGT]i?B)", m.group(4))
        nodes[int(m.group(3))] = {"subtype": m.group(1),
                                  "mem": (int(mem.group(1)), mem.group(2)) if mem else None}
        order[int(m.group(2))] = int(m.group(3))
    for m in re.finditer(r'<object type="NUMANode" os_index="(\d+)"([^>]*)>', text):
        sub = re.search(r'subtype="([^"]+)"', m.group(2))
        mem = re.search(r'local_memory="(\d+)"', m.group(2))
        nodes.setdefault(int(m.group(1)), {"subtype": sub.group(1) if sub else None,
                                           "mem": (int(mem.group(1)), "B") if mem else None})
    dist = {}
    m = re.search(r"Relative latency matrix .*? by logical indexes:\n index((?: +\d+)+)\n((?: +\d+(?: +\d+)+\n)+)", text)
    if m:
        cols = [order[int(x)] for x in m.group(1).split()]
        for row in m.group(2).strip("\n").split("\n"):
            v = [int(x) for x in row.split()]
            for c, d in zip(cols, v[1:]):
                dist[(order[v[0]], c)] = d
    m = re.search(r'<distances2 type="NUMANode" nbobjs="(\d+)"[^>]*indexing="os">\s*((?:<indexes[^>]*>[^<]*</indexes>\s*)+)((?:<u64values[^>]*>[^<]*</u64values>\s*)+)', text)
    if m and not dist:
        idx = [int(x) for x in " ".join(re.findall(r">([^<]*)<", m.group(2))).split()]
        val = [int(x) for x in " ".join(re.findall(r">([^<]*)<", m.group(3))).split()]
        for i, a in enumerate(idx):
            for j, b in enumerate(idx):
                dist[(a, b)] = val[i * len(idx) + j]
    return nodes, dist


def mem_agrees(ours, theirs):
    v, unit = theirs
    if unit == "B":
        return ours == v
    return abs(ours / UNITS[unit] - v) <= 0.5 or (unit in ("KB", "KiB") and ours == v * 1024)


def expected_output(tb):
    name = os.path.basename(tb)[:-len(".tar.bz2")]
    d = os.path.dirname(tb)
    for pat in (f"{name}.hwloc-2.12.output", f"{name}.output", f"{name}.console",
                f"{name}.master.console", f"{name}.master.xml",
                f"{name.split('+')[0]}*.hwloc-2.12.output"):
        g = sorted(glob.glob(os.path.join(d, pat)))
        if g:
            return name, g[0]
    return name, None


def differs(name, what, ok, why, bad):
    if ok:
        if (name, what) in DIFFERENCES:
            bad.append(f"{what}: listed in DIFFERENCES but tiertopo agrees with hwloc now")
        return
    if (name, what) not in DIFFERENCES:
        bad.append(why)


def run_json(root, *args):
    p = subprocess.run([sys.argv[1], "-s", root, *args, "--json"], capture_output=True, text=True)
    return json.loads(p.stdout) if p.returncode in (0, 3) and p.stdout else None


def check_tree(tb):
    name, out = expected_output(tb)
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(tb) as t:
            t.extractall(tmp)
        root = os.path.join(tmp, os.listdir(tmp)[0])
        p = subprocess.run([sys.argv[1], "-s", root, "--json"], capture_output=True, text=True)
        tap(p.returncode == 0, f"{name}: tiertopo --json exits 0", p.stderr)
        if p.returncode:
            return
        doc = json.loads(p.stdout)
        t = tree_view(root)
        check_against_tree(name, root, doc, t)
    check_against_hwloc(name, out, doc)


def check_against_tree(name, root, doc, t):
    nodes = {x["node"]: x for x in doc["nodes"]}

    # 1. the tree's own files
    bad = []
    for x in doc["nodes"]:
        if "cpus_offline" not in x:
            bad.append(f"node {x['node']}: no cpus_offline in the JSON")
            x["cpus_offline"] = []
    ours_online = {n for n, x in nodes.items() if x["online"]}
    if ours_online != t["online"]:
        bad.append(f"online nodes {sorted(ours_online)}, the tree says {sorted(t['online'])}")
    if t["possible"] is not None and set(nodes) - t["possible"]:
        bad.append(f"nodes {sorted(set(nodes) - t['possible'])} are outside possible")
    for n, b in sorted(t["memory"].items()):
        if n in t["online"] and (n not in nodes or nodes[n]["memory_bytes"] != b):
            bad.append(f"node {n}: memory {nodes.get(n, {}).get('memory_bytes')}, meminfo {b}")
    for n, x in sorted(nodes.items()):
        if not x["online"]:
            if x["cpus"] or x["has_memory"] or x["kind"] != "unknown":
                bad.append(f"offline node {n} has cpus, memory or kind {x['kind']}")
            continue
        listed = t["listed"].get(n)
        for c in x["cpus"] + x["cpus_offline"]:
            if t["cpu_present"] is not None and c not in t["cpu_present"]:
                bad.append(f"node {n}: cpu {c} is not present")
            if listed is not None and c not in listed:
                bad.append(f"node {n}: cpu {c} is not listed by the node")
            if listed is None and c not in (t["cpu_present"] or t["cpu_dirs"] or {c}):
                bad.append(f"node {n}: cpu {c} does not exist")
        for c in x["cpus"]:
            if (c in t["cpu_offline"] or
                    (t["cpu_online"] is not None and c not in t["cpu_online"])):
                bad.append(f"node {n}: cpu {c} is offline but in cpus")
        for c in x["cpus_offline"]:
            if c not in t["cpu_offline"] and (t["cpu_online"] is None or c in t["cpu_online"]):
                bad.append(f"node {n}: cpu {c} is online but in cpus_offline")
        want = tree_kind(t, n, bool(x["cpus"]))
        if x["has_memory"] and want and x["kind"] != want:
            bad.append(f"node {n}: kind {x['kind']}, the tree's files say {want} "
                       f"({'; '.join(x['evidence'])})")
        if x["kind"] == "GPU" and x["tier"] is not None and any(
                n in (y["demotion"]["preferred"] + y["demotion"]["fallback"]) for y in doc["nodes"]):
            bad.append(f"node {n} is GPU memory and a demotion target of the recommended plan")
    # every listed cpu that exists is reported once, online or not
    for n, listed in t["listed"].items():
        if listed is None or n not in t["online"] or n not in nodes:
            continue
        mine = set(nodes[n]["cpus"]) | set(nodes[n]["cpus_offline"])
        exist = {c for c in listed if t["cpu_present"] is None or c in t["cpu_present"]}
        shared = any(listed & (t["listed"].get(m) or set()) for m in t["listed"] if m != n)
        if mine != exist and not shared:
            bad.append(f"node {n}: cpus {sorted(mine)}, the tree lists {sorted(exist)}")
    tap(not bad, f"{name}: nodes, memory, cpus and kinds agree with the tree's files",
        "\n".join(bad))

    # the tree's inconsistencies, each named by its finding
    ids = {f["id"] for f in doc["findings"]}
    want = set()
    listed = [v for v in t["listed"].values() if v]
    if any(a & b for i, a in enumerate(listed) for b in listed[i + 1:]):
        want.add("numa-cpus-in-several-nodes")
    nd = "sys/devices/system/node"
    for f in ("online", "has_cpu", "has_memory", "has_normal_memory"):
        m = read(root, f"{nd}/{f}")
        if m is not None and t["possible"] and nodelist(m) - t["possible"]:
            want.add("sysfs-node-masks-disagree")
        if m is not None and f != "online" and nodelist(m) - t["online"]:
            want.add("sysfs-node-masks-disagree")
    rows = {n: [int(x) for x in (read(root, f"{nd}/node{n}/distance") or "").split()]
            for n in t["listed"]}
    for n, r in rows.items():
        cols = sorted(t["online"])
        if len(r) == len(cols) and any(d <= 10 for j, d in enumerate(r) if cols[j] != n):
            want.add("numa-distance-local")
    if t["no_numa"]:
        want.add("sysfs-no-numa")
    tap(want <= ids, f"{name}: the tree's inconsistencies are named {sorted(want)}",
        f"findings: {sorted(ids)}")
    if t["no_numa"]:
        # plan and check work on the whole-machine node; a kernel without NUMA has no tiers
        rec = run_json(root, "plan")
        mod = run_json(root, "plan", "--kernel-model", "6.12")
        chk = run_json(root, "check")
        tap(rec is not None and [x["nodes"] for x in rec["tiers"]] == [[0]] and
            mod is not None and not mod["tiers"] and chk is not None and
            "sysfs-no-numa" in {f["id"] for f in chk["findings"]} and chk["errors"] == 0,
            f"{name}: plan puts node 0 in one tier, the kernel model has none, check says "
            f"why there is one node", json.dumps([rec and rec["tiers"], mod and mod["tiers"],
                                                  chk])[:800])



def check_against_hwloc(name, out, doc):
    """2. hwloc's verdict on the same tree"""
    nodes = {x["node"]: x for x in doc["nodes"]}
    ours_online = {n for n, x in nodes.items() if x["online"]}
    if not out:
        tap(False, f"{name}: hwloc's output beside it")
        return
    hw, hdist = hwloc_view(out)
    bad = []
    # hwloc has no NUMA node without memory (a CPU-only node's cpus join the nearest
    # memory node): those are compared as absent, which is a convention, not a difference
    ours_set = {n for n in ours_online if nodes[n]["memory_bytes"] != 0}
    differs(name, "nodes", set(hw) == ours_set, f"hwloc nodes {sorted(hw)}, tiertopo "
            f"{sorted(ours_set)}", bad)
    mem_ok = all(nodes[n]["memory_bytes"] is not None and mem_agrees(nodes[n]["memory_bytes"], h["mem"])
                 for n, h in hw.items() if h["mem"] and n in nodes)
    differs(name, "memory", mem_ok, "memory differs: " + ", ".join(
        f"node {n} hwloc {h['mem']} tiertopo {nodes.get(n, {}).get('memory_bytes')}"
        for n, h in sorted(hw.items()) if h["mem"] and n in nodes and
        not (nodes[n]["memory_bytes"] is not None and mem_agrees(nodes[n]["memory_bytes"], h["mem"]))), bad)
    index = [x["node"] for x in doc["nodes"]]
    ours_dist = {}
    for x in doc["nodes"]:
        for j, d in enumerate(x["distances"] or []):
            if d is not None and x["online"] and nodes[index[j]]["online"]:
                ours_dist[(x["node"], index[j])] = d
    if hdist or len(ours_online) > 1:
        dist_ok = all(ours_dist.get(k) == v for k, v in hdist.items()) and bool(hdist)
        differs(name, "distances", dist_ok, "distances differ: " + ", ".join(
            f"{a}->{b} hwloc {v} tiertopo {ours_dist.get((a, b))}"
            for (a, b), v in sorted(hdist.items()) if ours_dist.get((a, b)) != v)[:600]
            + ("" if hdist else "hwloc prints no matrix"), bad)
    for n, h in sorted(hw.items()):
        want = SUBTYPE.get(h["subtype"]) if h["subtype"] else None
        if want and n in nodes and nodes[n]["kind"] != want:
            differs(name, f"kind {n}", False, f"node {n}: hwloc {h['subtype']}, tiertopo "
                    f"{nodes[n]['kind']}", bad)
    tap(not bad, f"{name}: node set, memory, distances and kinds agree with hwloc "
        f"({os.path.basename(out)})", "\n".join(bad))


def main():
    shared = sys.argv[2]
    tarballs = sorted(glob.glob(f"{shared}/corpus/hwloc/*.tar.bz2") +
                      glob.glob(f"{shared}/corpus/machines/*.tar.bz2"))
    if not tarballs:
        tap.skip("real machines", f"no corpus below {shared}/corpus")
        return tap.done()
    for tb in tarballs:
        check_tree(tb)
    # firmware tables of real machines that Linux booted: check finds no error in them and
    # maps their proximity domains to nodes (the sysroot: a kernel without NUMA, which
    # compares nothing of sysfs with them)
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(f"{root}/proc")
        with open(f"{root}/proc/meminfo", "w") as f:
            f.write("MemTotal:        1048576 kB\n")
        for d in sorted(glob.glob(f"{shared}/corpus/acpi/*/")):
            name = os.path.basename(d.rstrip("/"))
            chk = run_json(root, "--acpi-dir", d, "check")
            snap = run_json(root, "--acpi-dir", d)
            errs = [f"{f['id']}: {f['message']}" for f in (chk or {}).get("findings", [])
                    if f["severity"] == "error"]
            tap(chk is not None and chk["errors"] == 0 and snap is not None and
                snap["firmware"]["nodes"],
                f"acpi/{name}: check finds no error, the SRAT's domains are nodes",
                "\n".join(errs) or json.dumps(snap and snap["firmware"]["nodes"])[:300])
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
