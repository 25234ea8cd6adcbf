"""What Linux makes of a raw SRAT, read without tiertopo, for the Python tests."""
import re


def srat_pxms(path):
    """The proximity domains Linux maps to nodes from a raw SRAT (drivers/acpi/numa/srat.c
    acpi_numa_init(): enabled processor, x2APIC, GICC, generic-initiator and memory affinity
    entries, acpi_map_pxm_to_node() for each), read here without tiertopo."""
    raw = open(path, "rb").read()
    rev = raw[8]
    u32 = lambda b, o: int.from_bytes(b[o:o + 4], "little")
    pxms, off = set(), 48
    while off + 2 <= len(raw):
        t, n = raw[off], raw[off + 1]
        if n < 2:
            break
        e = raw[off:off + n]
        if t == 0 and u32(e, 4) & 1:            # processor local APIC: PXM bits 0-7, 8-31
            pxms.add(e[2] | (int.from_bytes(e[9:12], "little") << 8 if rev >= 2 else 0))
        elif t == 1 and u32(e, 28) & 1:         # memory affinity
            pxms.add(u32(e, 2) if rev >= 2 else e[2])
        elif t == 2 and u32(e, 12) & 1:         # x2APIC
            pxms.add(u32(e, 4))
        elif t == 3 and u32(e, 10) & 1:         # GICC
            pxms.add(u32(e, 2))
        elif t == 5 and u32(e, 24) & 1:         # generic initiator
            pxms.add(u32(e, 4))
        off += n
    return pxms


def logged_pxm_nodes(lines):
    """{PXM: node} as acpi_numa_init() logs them ("SRAT: PXM 0 -> APIC 0x00 -> Node 0",
    "ACPI: SRAT: Node 3 PXM 2 [mem ...]"), from dmesg or dev/kmsg lines"""
    out = {}
    for line in lines:
        m = re.search(r"SRAT: PXM (\d+) -> \w+ \S+ -> Node (\d+)", line)
        if m:
            out[int(m.group(1))] = int(m.group(2))
            continue
        m = re.search(r"SRAT: Node (\d+) PXM (\d+) ", line)
        if m:
            out[int(m.group(2))] = int(m.group(1))
    return out


def srat_node_problems(srat, fw_nodes, possible, logged):
    """what is wrong with tiertopo's firmware.nodes against the raw SRAT (path), the kernel's
    possible nodes and the PXM -> node lines it logged"""
    want = srat_pxms(srat)
    got = {x["pxm"]: x["node"] for x in fw_nodes if x.get("pxm") is not None}
    bad = [f"PXM {p}: not in firmware.nodes" for p in sorted(want - set(got))]
    bad += [f"PXM {p} -> node {got[p]}: the kernel has no such node (possible {sorted(possible)})"
            for p in sorted(want & set(got)) if got[p] not in possible]
    bad += [f"PXM {p} -> node {got.get(p)}: the kernel logged node {n}"
            for p, n in sorted(logged.items()) if got.get(p) != n]
    if not want:
        bad.append("the SRAT has no enabled entry")
    return want, bad
