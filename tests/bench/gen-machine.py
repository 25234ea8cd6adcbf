#!/usr/bin/env python3
"""A synthetic machine of N NUMA nodes, as a sysroot tiertopo (and hwloc, through
HWLOC_FSROOT) can read: sysfs node files (CPU nodes with DRAM, CPU-less slow nodes, PMEM
nodes onlined from NVDIMM dax devices by kmem), distances with ties, HMAT access0/access1
figures, memory-side caches, the kernel's memory tiers, the tiering knobs, the dax and nd
buses, and matching ACPI SRAT, SLIT and HMAT binaries in sys/firmware/acpi/tables.

Layout for N nodes (N >= 2): the first quarter (at least one) are sockets with cpus and
DRAM; the rest are CPU-less, alternately slow DRAM (CXL-like) and PMEM, dealt round-robin to
the sockets, so that distances tie within a socket.

With --vmstat, also proc/vmstat and every nodeN/vmstat, with the counters of the kernel 6.12
fixture (fixtures/sysfs/stat-6.12) and values that differ per node (for `tiertopo stat`).

usage: gen-machine.py N DEST [--blocks K] [--vmstat]   (K memory blocks per node, default 4)"""
import os
import struct
import sys

GIB = 1 << 30


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def link(root, rel, target):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


def nodelist(ids):
    out, ids = [], sorted(ids)
    i = 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        out.append(str(ids[i]) if i == j else f"{ids[i]}-{ids[j]}")
        i = j + 1
    return ",".join(out)


def table(sig, rev, body):
    length = 36 + len(body)
    hdr = struct.pack("<4sIBB6s8sI4sI", sig, length, rev, 0, b"TTOPO ", b"SYNTHETC", 1, b"TTPO", 1)
    raw = bytearray(hdr + body)
    raw[9] = (-sum(raw)) & 0xFF
    return bytes(raw)


def machine(n, root, blocks):
    # sockets first: Linux numbers nodes in order of first appearance in SRAT, cpus first,
    # so node ids then equal proximity domains
    sockets = max(1, n // 4)
    kind, owner = {}, {}
    for i in range(n):
        if i < sockets:
            kind[i], owner[i] = "dram", i
        else:
            owner[i] = (i - sockets) % sockets
            kind[i] = "slow" if ((i - sockets) // sockets) % 2 == 0 else "pmem"
    cpus = {i: [2 * i, 2 * i + 1] for i in range(sockets)}

    def dist(a, b):
        if a == b:
            return 10
        same = owner[a] == owner[b]
        far = {"dram": 0, "slow": 6, "pmem": 10}
        return (12 if same else 20) + far[kind[a]] + far[kind[b]]

    perf = {"dram": (80, 80, 40960, 40960), "slow": (200, 240, 16384, 12288),
            "pmem": (300, 900, 8192, 2048)}
    nd = "sys/devices/system/node"
    all_ids = list(range(n))
    write(root, f"{nd}/possible", nodelist(all_ids) + "\n")
    write(root, f"{nd}/online", nodelist(all_ids) + "\n")
    write(root, f"{nd}/has_cpu", nodelist(cpus) + "\n")
    write(root, f"{nd}/has_memory", nodelist(all_ids) + "\n")
    write(root, f"{nd}/has_normal_memory", nodelist([i for i in all_ids if kind[i] != "pmem"]) + "\n")
    write(root, f"{nd}/has_generic_initiator", "\n")
    write(root, "sys/devices/system/memory/block_size_bytes", "8000000\n")
    # cpus, as hwloc also needs them: one package and one core per cpu
    ncpu = 2 * len(cpus)
    allcpus = nodelist(range(ncpu))
    def cpumap(cs):
        words = [0] * ((ncpu + 31) // 32)
        for c in cs:
            words[c // 32] |= 1 << (c % 32)
        return ",".join(f"{w:08x}" for w in reversed(words))

    for f in ("online", "possible", "present"):
        write(root, f"sys/devices/system/cpu/{f}", allcpus + "\n")
    for node, cs in cpus.items():
        for c in cs:
            t = f"sys/devices/system/cpu/cpu{c}/topology"
            write(root, f"{t}/physical_package_id", f"{node}\n")
            write(root, f"{t}/core_id", f"{c}\n")
            write(root, f"{t}/thread_siblings_list", f"{c}\n")
            write(root, f"{t}/core_siblings_list", nodelist(cs) + "\n")
            for name, mask in (("core_cpus", [c]), ("thread_siblings", [c]),
                               ("package_cpus", cs), ("core_siblings", cs)):
                write(root, f"{t}/{name}", cpumap(mask) + "\n")
            link(root, f"sys/devices/system/cpu/cpu{c}/node{node}", f"../../node/node{node}")

    block = 0
    first_block = {}
    for i in all_ids:
        d = f"{nd}/node{i}"
        first_block[i] = block
        write(root, f"{d}/cpulist", nodelist(cpus.get(i, [])) + "\n")
        write(root, f"{d}/cpumap", cpumap(cpus.get(i, [])) + "\n")
        mem = 16 * GIB if kind[i] == "dram" else 64 * GIB
        write(root, f"{d}/meminfo", f"Node {i} MemTotal:       {mem >> 10} kB\nNode {i} MemFree:        {mem >> 11} kB\n")
        write(root, f"{d}/distance", " ".join(str(dist(i, j)) for j in all_ids) + "\n")
        for _ in range(blocks):
            link(root, f"{d}/memory{block}", f"../../memory/memory{block}")
            # the block itself, as the kernel has it for every linked block: online, in the
            # zone kmem's daxctl puts PMEM in (movable) or boot memory's
            m = f"sys/devices/system/memory/memory{block}"
            write(root, f"{m}/state", "online\n")
            write(root, f"{m}/valid_zones", ("Movable" if kind[i] == "pmem" else "Normal") + "\n")
            write(root, f"{m}/phys_index", f"{block:08x}\n")
            block += 1
        ini = owner[i]
        rl, wl, rb, wb = perf[kind[i]]
        for c in (0, 1):
            a = f"{d}/access{c}/initiators"
            link(root, f"{a}/node{ini}", f"../../../node{ini}")
            # the kernel makes both groups of an access class (drivers/base/node.c): the
            # target's initiators, and on the initiator's side the targets it reaches
            os.makedirs(os.path.join(root, f"{d}/access{c}/targets"), exist_ok=True)
            link(root, f"{nd}/node{ini}/access{c}/targets/node{i}", f"../../../node{i}")
            for name, v in (("read_latency", rl), ("write_latency", wl), ("read_bandwidth", rb),
                            ("write_bandwidth", wb)):
                write(root, f"{a}/{name}", f"{v}\n")
        if kind[i] == "slow":
            c = f"{d}/memory_side_cache/index1"
            for name, v in (("size", 1 << 30), ("line_size", 64), ("indexing", 0), ("write_policy", 0)):
                write(root, f"{c}/{name}", f"{v}\n")
    # the kernel's tiers (6.12 with HMAT): DRAM tier 4, slow ~ tier 16, PMEM ~ tier 60
    def adist(k):
        l0, b0 = perf["dram"][0] + perf["dram"][1], perf["dram"][2] + perf["dram"][3]
        l, b = perf[k][0] + perf[k][1], perf[k][2] + perf[k][3]
        return 576 * l // l0 * b0 // b
    tiers = {}
    for i in all_ids:
        tiers.setdefault(adist(kind[i]) >> 7 if kind[i] != "dram" else 4, []).append(i)
    for t, ids in tiers.items():
        write(root, f"sys/devices/virtual/memory_tiering/memory_tier{t}/nodelist", nodelist(ids) + "\n")
    write(root, "sys/kernel/mm/numa/demotion_enabled", "false\n")
    write(root, "proc/sys/kernel/numa_balancing", "1\n")
    write(root, "proc/sys/kernel/numa_balancing_promote_rate_limit_MBps", "65536\n")
    write(root, "proc/sys/kernel/osrelease", "6.12.117+deb12-amd64\n")
    # PMEM: an nd region with a dax device bound to kmem, per PMEM node
    for r, i in enumerate(i for i in all_ids if kind[i] == "pmem"):
        reg = f"sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbus0/region{r}"
        dev = f"{reg}/dax{r}.0/dax{r}.0"
        write(root, f"{dev}/target_node", f"{i}\n")
        write(root, f"{dev}/numa_node", f"{owner[i]}\n")
        write(root, f"{dev}/size", f"{64 * GIB}\n")
        # its range starts at the node's first memory block (block_size_bytes 0x8000000)
        write(root, f"{dev}/resource", f"{first_block[i] * 0x8000000:#x}\n")
        link(root, f"{dev}/driver", "../../../../../../../../bus/dax/drivers/kmem")
        link(root, f"sys/bus/dax/devices/dax{r}.0", f"../../../devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbus0/region{r}/dax{r}.0/dax{r}.0")
        write(root, f"{reg}/target_node", f"{i}\n")
        write(root, f"{reg}/numa_node", f"{owner[i]}\n")
        write(root, f"{reg}/size", f"{64 * GIB}\n")
        write(root, f"{reg}/uevent", "DEVTYPE=nd_pmem\nMODALIAS=nd:t2\n")
        link(root, f"sys/bus/nd/devices/region{r}", f"../../../devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbus0/region{r}")
    os.makedirs(os.path.join(root, "sys/bus/dax/drivers/kmem"), exist_ok=True)

    # ACPI tables: PXM = node id; CPUs first in SRAT so Linux maps PXMs to the same ids
    srat = bytearray(struct.pack("<IQ", 1, 0))
    apic = 0
    for i in all_ids:
        for _ in cpus.get(i, []):
            # x2APIC affinity (type 2): APIC ids above 255
            srat += struct.pack("<BBHIIIII", 2, 24, 0, i, apic, 1, 0, 0)
            apic += 1
    base = 0
    for i in all_ids:
        size = 16 * GIB if kind[i] == "dram" else 64 * GIB
        flags = 1 | (4 if kind[i] == "pmem" else 0)
        srat += struct.pack("<BBIHQQIIQ", 1, 40, i, 0, base, size, 0, flags, 0)
        base += size
    slit = bytearray(struct.pack("<Q", n))
    for i in all_ids:
        slit += bytes(dist(i, j) for j in all_ids)
    inits = sorted(cpus)
    hmat = bytearray(struct.pack("<I", 0))
    # read/write latency (ps, base 1000 -> ns) and bandwidth (MB/s): the owner socket is the
    # best initiator with the figures of the sysfs files; others get twice the latency and
    # half the bandwidth
    for dtype, idx, unit in ((1, 0, 1000), (2, 1, 1000), (4, 2, 1), (5, 3, 1)):
        body = struct.pack("<BBBBIIIQ", 0, dtype, 0, 0, len(inits), n, 0, unit)
        body += b"".join(struct.pack("<I", p) for p in inits)
        body += b"".join(struct.pack("<I", p) for p in all_ids)
        for a in inits:
            for t in all_ids:
                v = perf[kind[t]][idx]
                if owner[t] != a:
                    v = v * 2 if idx < 2 else v // 2
                body += struct.pack("<H", min(v, 0xFFFE))
        hmat += struct.pack("<HHI", 1, 0, 8 + len(body)) + body
    for name, data in (("SRAT", table(b"SRAT", 3, bytes(srat))), ("SLIT", table(b"SLIT", 1, bytes(slit))),
                       ("HMAT", table(b"HMAT", 2, bytes(hmat)))):
        path = os.path.join(root, "sys/firmware/acpi/tables", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def vmstat(n, root):
    fix = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../fixtures/sysfs/stat-6.12")
    for rel, dest in [("proc/vmstat", "proc/vmstat")] + [
            ("sys/devices/system/node/node0/vmstat", f"sys/devices/system/node/node{i}/vmstat")
            for i in range(n)]:
        with open(os.path.join(fix, rel)) as f:
            keys = [line.split()[0] for line in f if line.strip()]
        seed = 0 if dest.startswith("proc") else int(dest.split("/node")[-1].split("/")[0]) + 1
        write(root, dest, "".join(f"{k} {(seed * 7919 + j * 104729) % 10000019}\n"
                                  for j, k in enumerate(keys)))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    n = int(sys.argv[1])
    blocks = int(sys.argv[sys.argv.index("--blocks") + 1]) if "--blocks" in sys.argv else 4
    if n < 2 or n > 1024:
        sys.exit("N is 2 to 1024")
    machine(n, sys.argv[2], blocks)
    if "--vmstat" in sys.argv:
        vmstat(n, sys.argv[2])
