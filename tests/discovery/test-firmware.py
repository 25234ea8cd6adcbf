#!/usr/bin/env python3
"""Firmware tables through the whole tool:
  - `tiertopo --acpi-dir ../shared/qemu-lab/tables/hmat4 --json` reports each node's SRAT
    ranges and flags and the HMAT figures of every initiator-target pair, equal to what
    that machine's qemu.cmd asked QEMU for;
  - on every QEMU capture (each config, kernel and state), the best-initiator figures and
    initiators libtopo derives from the HMAT equal the kernel's own access0/access1 files,
    and the SLIT equals the kernel's distance files;
  - `tiertopo check` names the expected finding for every broken table, finds no error in
    the good ones, and never crashes.

usage: test-firmware.py TIERTOPO SHARED_DIR FIXTURES_DIR ACPI_BUILD_DIR"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from state2sysroot import convert  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tap = Tap()


def run_json(*args):
    p = subprocess.run(list(args), capture_output=True, text=True)
    if p.returncode not in (0, 3):
        raise RuntimeError(f"{' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return json.loads(p.stdout)


SIZE = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def size(s):
    return int(s[:-1]) * SIZE[s[-1]] if s[-1] in SIZE else int(s)


def qemu_expectations(cmd):
    """node -> memory bytes, nvdimm node and size, and the hmat-lb pairs of a qemu.cmd"""
    text = open(cmd).read().replace("\\,", ",")
    backends = {m.group(1): size(m.group(2))
                for m in re.finditer(r"memory-backend-(?:ram|file),id=([^,\s]+),(?:[^\s]*?,)?size=(\w+)", text)}
    mem = {int(m.group(1)): backends[m.group(2)]
           for m in re.finditer(r"-numa node,nodeid=(\d+),memdev=([^,\s]+)", text)}
    nv = [(int(m.group(2)), backends[m.group(1)])
          for m in re.finditer(r"-device nvdimm,id=\w+,memdev=(\w+),node=(\d+)", text)]
    pairs = {}
    for m in re.finditer(r"-numa hmat-lb,initiator=(\d+),target=(\d+),hierarchy=memory,"
                         r"data-type=access-(latency|bandwidth),(?:latency|bandwidth)=(\w+)", text):
        i, t, kind, v = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        # bandwidth in bytes/s as QEMU takes it ("20G"), reported in MB/s (MiB) by Linux
        pairs.setdefault((i, t), {})[kind] = int(v) if kind == "latency" else size(v) >> 20
    return mem, nv, pairs


def acceptance_acpi_dir(tiertopo, shared):
    cfg = f"{shared}/qemu-lab/tables/hmat4"
    mem, nv, pairs = qemu_expectations(f"{cfg}/linux-6.12/qemu.cmd")
    doc = run_json(tiertopo, "--acpi-dir", cfg, "--json")
    fw = {x["node"]: x for x in doc["firmware"]["nodes"]}
    bad = []
    for node, want in mem.items():
        ranges = [r for r in fw[node]["memory_ranges"] if not r["hot_pluggable"] and not r["non_volatile"]]
        got = sum(r["length"] for r in ranges)
        # QEMU leaves the legacy hole 640K-1M out of node 0
        hole = 0x60000 if node == 0 else 0
        if got + hole != want:
            bad.append(f"node {node}: SRAT memory {got} + hole {hole} != -numa memdev {want}")
        if any(r["hot_pluggable"] or r["non_volatile"] for r in ranges):
            bad.append(f"node {node}: DRAM range flagged")
    for node, nvsize in nv:
        nvr = [r for r in fw[node]["memory_ranges"] if r["non_volatile"]]
        if len(nvr) != 1 or nvr[0]["length"] != nvsize or nvr[0]["hot_pluggable"]:
            bad.append(f"node {node}: non-volatile ranges {nvr}, want one of {nvsize} bytes")
        if not any(r["hot_pluggable"] for r in fw[node]["memory_ranges"]):
            bad.append(f"node {node}: no hot-pluggable window for the NVDIMM slots")
    tap(not bad, "--acpi-dir hmat4: SRAT ranges and flags per node are qemu.cmd's", "\n".join(bad))

    h = doc["firmware"]["hmat"]
    keys = ("read_latency_ns", "write_latency_ns", "read_bandwidth_mbps", "write_bandwidth_mbps")
    got = {(i, t): {k: h[k][r][c] for k in keys}
           for r, i in enumerate(h["initiators"]) for c, t in enumerate(h["targets"])
           if any(h[k][r][c] is not None for k in keys)}
    bad = []
    for (i, t), want in sorted(pairs.items()):
        e = got.get((i, t))
        if not e:
            bad.append(f"{i}->{t}: missing")
            continue
        if (e["read_latency_ns"], e["write_latency_ns"]) != (want["latency"],) * 2:
            bad.append(f"{i}->{t}: latency {e['read_latency_ns']}/{e['write_latency_ns']}, want {want['latency']}")
        if (e["read_bandwidth_mbps"], e["write_bandwidth_mbps"]) != (want["bandwidth"],) * 2:
            bad.append(f"{i}->{t}: bandwidth {e['read_bandwidth_mbps']}, want {want['bandwidth']}")
    tap(not bad and len(pairs) == 8 and len(got) == 8,
        f"--acpi-dir hmat4: HMAT latency and bandwidth of all {len(pairs)} pairs are qemu.cmd's", "\n".join(bad))


def acceptance_kernel_access(tiertopo, shared):
    compared = 0
    bad = []
    for state in sorted(glob.glob(f"{shared}/qemu-lab/tables/*/linux-*/state-*.txt") +
                        glob.glob(f"{shared}/qemu-lab/tables/*/state-*.txt")):
        cfg = state.split("/tables/")[1].split("/")[0]
        with tempfile.TemporaryDirectory() as root:
            convert(state, root)
            doc = run_json(tiertopo, "-s", root, "--acpi-dir", f"{shared}/qemu-lab/tables/{cfg}", "--json")
            chk = run_json(tiertopo, "-s", root, "--acpi-dir", f"{shared}/qemu-lab/tables/{cfg}", "check", "--json")
        fw = {x["node"]: x for x in doc["firmware"]["nodes"]}
        name = os.path.relpath(state, f"{shared}/qemu-lab/tables")
        for node in doc["nodes"]:
            for c in (0, 1):
                k = node[f"access{c}"]
                if not k or node["node"] not in fw:
                    continue
                f = fw[node["node"]][f"hmat_access{c}"]
                for key in ("initiators", "read_latency_ns", "write_latency_ns",
                            "read_bandwidth_mbps", "write_bandwidth_mbps"):
                    compared += 1
                    if (f or {}).get(key, [] if key == "initiators" else None) != k[key]:
                        bad.append(f"{name} node {node['node']} access{c} {key}: kernel {k[key]}, HMAT {f and f.get(key)}")
        ids = [x["id"] for x in chk["findings"]]
        if "hmat-sysfs-mismatch" in ids or "slit-sysfs-mismatch" in ids:
            bad.append(f"{name}: check reports {ids}")
    tap(not bad and compared > 100,
        f"the kernel's access0/access1 equal the HMAT's best initiators ({compared} values compared)",
        "\n".join(bad[:20]))

    # and a kernel file that disagrees is named
    state = f"{shared}/qemu-lab/tables/hmat4/linux-6.12/state-boot.txt"
    with tempfile.TemporaryDirectory() as root:
        convert(state, root)
        path = "sys/devices/system/node/node2/access1/initiators/read_latency"
        with open(os.path.join(root, path), "w") as f:
            f.write("41\n")
        chk = run_json(tiertopo, "-s", root, "--acpi-dir", f"{shared}/qemu-lab/tables/hmat4", "check", "--json")
    hits = [x for x in chk["findings"] if x["id"] == "hmat-sysfs-mismatch"]
    tap(len(hits) == 1 and hits[0]["path"] == path and "41" in hits[0]["message"] and "40" in hits[0]["message"],
        "a kernel figure that differs from the HMAT is named with its file", str(hits))


# broken fixture -> (table file name, finding ids it must cause, is it an error)
BROKEN = {
    "acpi-truncated-file": ("SRAT", ["acpi-truncated"], True),
    "acpi-bad-checksum": ("SLIT", ["acpi-bad-checksum"], False),
    "acpi-length-past-file": ("HMAT", ["acpi-truncated"], True),
    "acpi-wrong-signature": ("SRAT", ["acpi-bad-signature"], True),
    "acpi-short-header": ("SLIT", ["acpi-too-short"], True),
    "acpi-length-below-header": ("NFIT", ["acpi-bad-length"], True),
    "acpi-trailing-bytes": ("CEDT", ["acpi-trailing-bytes"], False),
    "srat-zero-length": ("SRAT", ["srat-zero-length", "srat-disabled"], True),
    "srat-short-memory": ("SRAT", ["srat-bad-length", "srat-disabled"], True),
    "srat-subtable-past-end": ("SRAT", ["srat-truncated", "srat-disabled"], True),
    "srat-reserved-bits": ("SRAT", ["srat-reserved-bits"], False),
    "srat-pxm-out-of-range": ("SRAT", ["srat-pxm-out-of-range", "srat-disabled"], True),
    "srat-overlapping-ranges": ("SRAT", ["srat-overlapping-ranges", "srat-disabled"], True),
    "srat-sp-in-window": ("SRAT", ["srat-overlap-set-aside"], False),
    "srat-set-aside-into-ram": ("SRAT", ["srat-overlapping-ranges", "srat-disabled"], True),
    "srat-unknown-type": ("SRAT", ["srat-unknown-type"], False),
    "srat-table-revision-field": ("SRAT", ["srat-table-revision-field"], False),
    "srat-rev1-pxm-truncated": ("SRAT", ["srat-pxm-truncated"], False),
    "srat-bad-handle-type": ("SRAT", ["srat-bad-handle-type"], False),
    "slit-diagonal-not-10": ("SLIT", ["slit-diagonal-not-10"], True),
    "slit-off-diagonal-small": ("SLIT", ["slit-off-diagonal-too-small", "slit-entry-reserved"], True),
    "slit-off-diagonal-10": ("SLIT", ["slit-off-diagonal-too-small"], True),
    "slit-asymmetric": ("SLIT", ["slit-asymmetric"], False),
    "slit-too-many-localities": ("SLIT", ["slit-truncated"], True),
    "slit-huge-localities": ("SLIT", ["slit-too-many-localities"], True),
    "hmat-unknown-data-type": ("HMAT", ["hmat-unknown-data-type"], True),
    "hmat-unknown-revision": ("HMAT", ["hmat-unknown-revision"], True),
    "hmat-rev1-as-rev2": ("HMAT", ["hmat-rev1-layout-in-rev2"], False),
    "hmat-rev2-as-rev1": ("HMAT", ["hmat-rev1-memory-pd-invalid"], False),
    "hmat-zero-base-unit": ("HMAT", ["hmat-bad-base-unit"], True),
    "hmat-entry-overflow": ("HMAT", ["hmat-entry-overflow"], False),
    "hmat-sllbi-short": ("HMAT", ["hmat-bad-length"], True),
    "hmat-zero-length": ("HMAT", ["hmat-zero-length"], True),
    "hmat-bad-smbios-count": ("HMAT", ["hmat-bad-smbios-count"], True),
    "hmat-bad-cache-attributes": ("HMAT", ["hmat-bad-cache-attributes"], True),
    "hmat-reserved-nonzero": ("HMAT", ["hmat-reserved-nonzero"], False),
    "hmat-unknown-type": ("HMAT", ["hmat-unknown-type"], False),
    "hmat-memory-pd-missing": ("HMAT", ["hmat-pxm-not-in-srat"], True),
    "hmat-initiator-missing": ("HMAT", ["hmat-initiator-not-in-srat"], True),
    "cedt-zero-length": ("CEDT", ["cedt-zero-length"], True),
    "cedt-bad-eniw": ("CEDT", ["cedt-cfmws-bad-eniw"], True),
    "cedt-short-target-list": ("CEDT", ["cedt-cfmws-short-target-list"], True),
    "cedt-misaligned": ("CEDT", ["cedt-cfmws-misaligned"], True),
    "cedt-xor-without-cxims": ("CEDT", ["cedt-cfmws-xor-without-cxims"], True),
    "cedt-unknown-target": ("CEDT", ["cedt-cfmws-unknown-target"], False),
    "cedt-chbs-bad-version": ("CEDT", ["cedt-chbs-bad-cxl-version"], True),
    "cedt-unknown-type": ("CEDT", ["cedt-unknown-type"], False),
    "nfit-zero-length": ("NFIT", ["nfit-zero-length"], True),
    "nfit-unknown-range-type": ("NFIT", ["nfit-unknown-range-type"], False),
    "nfit-subtable-past-end": ("NFIT", ["nfit-truncated"], True),
    "srat-x2apic-reserved": ("SRAT", ["srat-reserved-nonzero"], False),
    "hmat-locality-reserved-bits": ("HMAT", ["hmat-reserved-bits"], False),
    "cedt-restriction-bits": ("CEDT", ["cedt-reserved-bits"], False),
    "cedt-chbs-register-length": ("CEDT", ["cedt-chbs-bad-register-length"], False),
    "cedt-bad-arithmetic": ("CEDT", ["cedt-cfmws-bad-arithmetic"], True),
    "cedt-header-reserved": ("CEDT", ["cedt-reserved-nonzero"], False),
    "nfit-spa-index-zero": ("NFIT", ["nfit-spa-index-zero"], True),
    "nfit-spa-short": ("NFIT", ["nfit-bad-length"], True),
    "nfit-spa-reserved": ("NFIT", ["nfit-reserved-nonzero"], False),
    "nfit-reserved-bits": ("NFIT", ["nfit-reserved-bits"], False),
    "nfit-bad-mapping-attributes": ("NFIT", ["nfit-bad-mapping-attributes"], False),
    "nfit-virtual-region-fields": ("NFIT", ["nfit-virtual-region-fields"], False),
}
GOOD = {"srat-4node": "SRAT", "slit-4node": "SLIT", "hmat-4node": "HMAT", "cedt": "CEDT", "nfit": "NFIT"}
# broken tables made from another machine's table: checked alone, since the 4-node partners
# would disagree with them for reasons of their own
ALONE = {"srat-table-revision-field", "srat-rev1-pxm-truncated", "srat-bad-handle-type",
         "hmat-rev1-as-rev2", "hmat-bad-cache-attributes", "srat-sp-in-window",
         "srat-set-aside-into-ram"}


def acceptance_check(tiertopo, fixtures, acpi_build):
    sysroot = f"{fixtures}/sysfs/sparse5"
    built = sorted(os.path.basename(p)[len("broken-"):-len(".dat")]
                   for p in glob.glob(f"{acpi_build}/broken-*.dat"))
    tap(sorted(BROKEN) == built, f"{len(built)} broken tables built, each with its expectation here",
        f"built only: {set(built) - set(BROKEN)}; expected only: {set(BROKEN) - set(built)}")

    def check_dir(tables):
        with tempfile.TemporaryDirectory() as d:
            for sig, path in tables.items():
                shutil.copy(path, f"{d}/{sig}.dat")
            p = subprocess.run([tiertopo, "-s", sysroot, "--acpi-dir", d, "check", "--json"],
                               capture_output=True, text=True)
        return p.returncode, (json.loads(p.stdout) if p.returncode in (0, 3) else None), p.stderr

    # the good tables together: no error
    rc, doc, err = check_dir({sig: f"{acpi_build}/{name}.aml" for name, sig in GOOD.items()})
    errors = [f for f in (doc or {"findings": []})["findings"] if f["severity"] == "error"]
    tap(rc == 0 and doc is not None and not errors, "the good tables together: check finds no error",
        f"rc {rc} {errors} {err}")

    # hot-pluggable windows and persistent memory overlapping other nodes' ranges (QEMU's
    # slots/maxmem window with an NVDIMM in it): Linux sets them aside before its overlap
    # check, keeps the SRAT, and every domain is a node
    rc, doc, err = check_dir({"SRAT": f"{acpi_build}/srat-set-aside.aml"})
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(f"{acpi_build}/srat-set-aside.aml", f"{d}/SRAT.dat")
        snap = run_json(tiertopo, "-s", sysroot, "--acpi-dir", d, "--json")
    ids = [f["id"] for f in (doc or {"findings": []})["findings"]]
    tap(rc == 0 and ids.count("srat-overlap-set-aside") == 2 and "srat-disabled" not in ids and
        "srat-overlapping-ranges" not in ids and
        sorted(n["pxm"] for n in snap["firmware"]["nodes"]) == [0, 1, 2],
        "srat-set-aside: ranges that are not boot RAM overlap, the SRAT is kept, PXMs 0-2 are nodes",
        f"rc {rc} {ids} {err}")

    bad = []
    for name, (sig, ids, is_error) in sorted(BROKEN.items()):
        # the broken table with the good others, so that cross-table checks have partners
        tables = {} if name in ALONE else {s: f"{acpi_build}/{g}.aml" for g, s in GOOD.items()}
        tables[sig] = f"{acpi_build}/broken-{name}.dat"
        rc, doc, err = check_dir(tables)
        if doc is None:
            bad.append(f"{name}: check exited {rc}: {err.strip()[:200]}")
            continue
        got = {f["id"] for f in doc["findings"]}
        missing = [i for i in ids if i not in got]
        if missing:
            bad.append(f"{name}: missing {missing}; got {sorted(got)}")
        errors = [f["id"] for f in doc["findings"] if f["severity"] == "error"]
        if is_error and not errors:
            bad.append(f"{name}: no error-severity finding")
        if bool(errors) != (rc == 3):
            bad.append(f"{name}: exit status {rc} with errors {errors}")
    tap(not bad, f"check names the expected findings of all {len(BROKEN)} broken tables, exit 3 on errors",
        "\n".join(bad))


def main():
    tiertopo, shared, fixtures, acpi_build = sys.argv[1:5]
    if os.path.isdir(f"{shared}/qemu-lab/tables/hmat4"):
        acceptance_acpi_dir(tiertopo, shared)
        acceptance_kernel_access(tiertopo, shared)
    else:
        tap.skip("QEMU captures", f"{shared}/qemu-lab/tables is absent (meson option shared_dir)")
    if glob.glob(f"{acpi_build}/*.aml"):
        acceptance_check(tiertopo, fixtures, acpi_build)
    else:
        tap.skip("broken tables", f"no iasl-built fixtures in {acpi_build} (acpica-tools missing?)")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
