"""What Linux makes of a raw SRAT, read without tiertopo, for the Python tests."""


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
