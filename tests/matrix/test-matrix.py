#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""tiertopo matrix against iasl -d (acpica-tools) of the very tables it read:
  - on every VM tree (QEMU's SLIT and HMAT, 11 topologies, 4 kernels), `matrix -J` gives the
    SLIT distance of every pair of nodes and the HMAT read/write latency and bandwidth of
    every initiator x target pair exactly as the disassembly's Locality rows and the
    locality structures' entries (memory hierarchy, normalised as Linux's hmat_normalize:
    entry x base unit, latencies of revision 2 in ps -> ns, revision 1 in 10 ns units), by
    the nodes' proximity domains;
  - `matrix --access 1 -J` equals the kernel's nodeN/access1/initiators files;
  - the -r tables print the same numbers as -J;
  - a missing table is named (with its path) and the exit status says nothing was shown.

usage: test-matrix.py TIERTOPO FIXTURES_DIR"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tap = Tap()
tiertopo, fixtures = sys.argv[1:3]
iasl = shutil.which("iasl")
ATTRS = ["read_latency_ns", "write_latency_ns", "read_bandwidth_mbps", "write_bandwidth_mbps"]
# HMAT data types -> the attributes they give (ACPI 6.3 table 5-146)
TYPES = {0: [0, 1], 1: [0], 2: [1], 3: [2, 3], 4: [2], 5: [3]}


def disassemble(path, tmp):
    shutil.copy(path, f"{tmp}/t.dat")
    subprocess.run([iasl, "-d", "t.dat"], cwd=tmp, capture_output=True, check=True)
    fields = []
    with open(f"{tmp}/t.dsl") as f:
        for line in f:
            m = re.match(r"\[[0-9A-F]+h [0-9]+ +[0-9]+\] +(.*?) : (.*)$", line.rstrip())
            if m:
                fields.append((m.group(1).strip(), m.group(2).strip()))
    return fields


def iasl_slit(path, tmp):
    """{(pxm_i, pxm_j): distance}"""
    out = {}
    for name, value in disassemble(path, tmp):
        m = re.match(r"Locality +([0-9]+)$", name)
        if m:
            for j, b in enumerate(value.split()):
                out[(int(m.group(1)), j)] = int(b, 16)
    return out


def iasl_hmat(path, tmp):
    """{(initiator pxm, target pxm): [4 figures, 0 = not given]}, as Linux normalises them"""
    f = disassemble(path, tmp)
    rev = int(next(v for n, v in f if n == "Revision"), 16)
    out, i = {}, 0
    while i < len(f):
        name, value = f[i]
        if name == "Structure Type" and value.startswith("0001"):
            s = {}
            ini, tgt, ent = [], [], []
            i += 1
            while i < len(f) and f[i][0] != "Structure Type":
                n, v = f[i]
                if n == "Flags (decoded below)":
                    s["hier"] = int(v, 16) & 0xF
                elif n == "Data Type":
                    s["type"] = int(v, 16)
                elif n == "Entry Base Unit":
                    s["base"] = int(v, 16)
                elif n == "Initiator Proximity Domain List":
                    ini.append(int(v, 16))
                elif n == "Target Proximity Domain List":
                    tgt.append(int(v, 16))
                elif n == "Entry":
                    ent.append(int(v, 16))
                i += 1
            if s.get("hier") != 0 or s.get("type") not in TYPES:
                continue
            for a, ip in enumerate(ini):
                for b, tp in enumerate(tgt):
                    e = ent[a * len(tgt) + b]
                    if e in (0, 0xFFFF):
                        continue
                    v = e * s["base"]
                    if v > 0xFFFFFFFF:
                        continue
                    if rev == 1:
                        v = 0 if v < 10 else -(-v // 10)
                    elif rev == 2 and s["type"] <= 2:
                        v = -(-v // 1000)
                    if not v:
                        continue
                    cell = out.setdefault((ip, tp), [0, 0, 0, 0])
                    for attr in TYPES[s["type"]]:
                        cell[attr] = v
            continue
        i += 1
    return out


def run(*args):
    r = subprocess.run([tiertopo, *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def cells(rows, cols, m):
    return {(rows[i], cols[j]): m[i][j] for i in range(len(rows)) for j in range(len(cols))}


trees = sorted(t for t in glob.glob(f"{fixtures}/sysfs/vm/*")
               if os.path.exists(f"{t}/sys/firmware/acpi/tables/SLIT"))
if not iasl:
    tap.skip("matrix against iasl -d", "iasl (acpica-tools) is not installed")
    sys.exit(tap.done())
bad_slit, bad_hmat, n_slit, n_hmat = [], [], 0, 0
with tempfile.TemporaryDirectory() as tmp:
    for t in trees:
        name = os.path.basename(t)
        rc, out, err = run("-s", t, "matrix", "-J")
        snap = json.loads(run("-s", t, "-J")[1])
        # the node of each PXM as libtopo maps it (the vm suite checks the map against the
        # kernel's log: "srat-nodes")
        pxm = {n["node"]: n["pxm"] for n in snap["firmware"]["nodes"]}
        doc = json.loads(out)
        slit = iasl_slit(f"{t}/sys/firmware/acpi/tables/SLIT", tmp)
        want = {(a, b): slit[(pa, pb)] for a, pa in pxm.items() for b, pb in pxm.items()
                if (pa, pb) in slit}
        s = doc["slit"]
        got = cells(s["from"], s["to"], s["distances"]) if s else {}
        n_slit += 1
        if got != want:
            bad_slit.append(f"{name}: want {want}\n got {got}")
        hp = f"{t}/sys/firmware/acpi/tables/HMAT"
        if not os.path.exists(hp):
            if doc["hmat"] is not None or not any(m["table"] == "HMAT" for m in doc["missing"]):
                bad_hmat.append(f"{name}: no HMAT table, but matrix says {doc['hmat']}")
            continue
        n_hmat += 1
        h = iasl_hmat(hp, tmp)
        node_of = {p: n for n, p in pxm.items()}
        want = {(node_of[i], node_of[j]): [v or None for v in vals]
                for (i, j), vals in h.items() if i in node_of and j in node_of}
        m = doc["hmat"]
        got = {}
        if m:
            for a, key in enumerate(ATTRS):
                for pair, v in cells(m["initiators"], m["targets"], m[key]).items():
                    got.setdefault(pair, [None] * 4)[a] = v
        got = {k: v for k, v in got.items() if any(x is not None for x in v)}
        if got != want:
            bad_hmat.append(f"{name}: want {want}\n got {got}")
tap(n_slit and not bad_slit, f"SLIT: matrix -J equals iasl -d on {n_slit} VM trees",
    "\n".join(bad_slit[:3]))
tap(n_hmat and not bad_hmat, f"HMAT: matrix -J equals iasl -d on {n_hmat} VM trees",
    "\n".join(bad_hmat[:3]))

# the kernel's own figures: nodeN/access1/initiators
bad, n = [], 0
for t in trees:
    rc, out, err = run("-s", t, "matrix", "--hmat", "--access", "1", "-J")
    want = {}
    dirs = glob.glob(f"{t}/sys/devices/system/node/node*/access1/initiators")
    raw = {d: [int(open(f"{d}/{a.rsplit('_', 1)[0]}").read())
               if os.path.exists(f"{d}/{a.rsplit('_', 1)[0]}") else 0 for a in ATTRS] for d in dirs}
    # the kernel prints 0 for a figure the firmware did not give and for a 0 it gave: a 0 is
    # a figure where the firmware gives that kind, seen here as another target's nonzero one
    given = [any(r[a] for r in raw.values()) for a in range(len(ATTRS))]
    for d in dirs:
        tgt = int(d.split("/node")[-1].split("/")[0])
        vals = [v if v or given[a] else None for a, v in enumerate(raw[d])]
        if all(v is None for v in vals):
            continue
        for e in os.listdir(d):
            if re.fullmatch(r"node[0-9]+", e):
                want[(int(e[4:]), tgt)] = vals
    doc = json.loads(out)
    m = doc["hmat"]
    got = {}
    if m:
        for a, key in enumerate(ATTRS):
            for pair, v in cells(m["initiators"], m["targets"], m[key]).items():
                got.setdefault(pair, [None] * 4)[a] = v
    got = {k: v for k, v in got.items() if any(x is not None for x in v)}
    n += bool(want)
    if got != want or (want and m["source"] != "access1"):
        bad.append(f"{os.path.basename(t)}: want {want}\n got {got}")
tap(n and not bad, f"--access 1: matrix -J equals nodeN/access1/initiators on {n} VM trees",
    "\n".join(bad[:3]))

# the text tables print what -J says
hm = next(t for t in trees if "hmat4-6.12-boot" in t)
doc = json.loads(run("-s", hm, "matrix", "-J")[1])
rc, out, err = run("-s", hm, "matrix", "-r")
blocks = [b.splitlines() for b in out.strip().split("\n\n")]
want = [["DISTANCE"] + [str(c) for c in doc["slit"]["to"]]] + \
    [[str(r)] + [str(v) if v is not None else "-" for v in row]
     for r, row in zip(doc["slit"]["from"], doc["slit"]["distances"])]
ok = rc == 0 and len(blocks) == 5 and [l.split() for l in blocks[0]] == want
for a, hdr in enumerate(["RLAT[ns]", "WLAT[ns]", "RBW[MB/s]", "WBW[MB/s]"]):
    m = doc["hmat"]
    w = [[hdr] + [str(c) for c in m["targets"]]] + \
        [[str(r)] + [str(v) if v is not None else "-" for v in row]
         for r, row in zip(m["initiators"], m[ATTRS[a]])]
    ok = ok and len(blocks) == 5 and [l.split() for l in blocks[a + 1]] == w
tap(ok, "hmat4: matrix -r prints the SLIT and the four HMAT tables as -J has them", out + err)
rc, out, err = run("-s", hm, "matrix")
tap(rc == 0 and "SLIT distance" in out and "read latency in ns" in out and "RBW[MB/s]" in out,
    "hmat4: the tables have titles and units in their headers", out)

# missing tables are named, not printed empty
p2 = next(t for t in trees if "plain2" in t)
rc, out, err = run("-s", p2, "matrix", "--hmat")
tap(rc == 1 and not out and "no HMAT table" in err and "sys/firmware/acpi/tables/HMAT" in err,
    "plain2 (no HMAT): matrix --hmat names the absent table, prints nothing, exit 1",
    f"rc {rc}\n{out}{err}")
rc, out, err = run("-s", p2, "matrix")
tap(rc == 0 and "DISTANCE" in out and "RLAT" not in out and "no HMAT table" in err,
    "plain2: matrix shows the SLIT and names the absent HMAT", f"rc {rc}\n{out}{err}")
rc, out, err = run("-s", f"{fixtures}/sysfs/hotplug", "matrix", "-J")
doc = json.loads(out) if out.strip() else {}
tap(rc == 1 and doc.get("slit") is None and doc.get("hmat") is None
    and sorted(m["table"] for m in doc.get("missing", [])) == ["HMAT", "SLIT"],
    "a tree without tables: matrix -J says both are missing, exit 1", f"rc {rc}\n{out}{err}")
rc, out, err = run("-s", p2, "matrix", "--access", "2")
tap(rc == 2 and "--access takes 0, 1 or firmware" in err, "--access 2 is a usage error", err)
rc, out, err = run("-s", p2, "matrix", "-J", "-r")
tap(rc == 2, "matrix -J -r is refused", err)
sys.exit(tap.done())
