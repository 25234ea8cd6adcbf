#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""-J honours -o (issue 17, "-J ignores -o"), as lsblk -J -o does: for every listing with -o
(the commands whose --help has "-o, --output <list>"), -J -o A,B prints {"schema", the rows}
where each row holds exactly the keys of A and B, in that order, where the full -J document
has them, with the same values as that document and as the text listing (-r). Without -o
-J still prints the whole document; an unknown column is a usage error naming it.
The spec of each column's key is written here, independently of the program: a column
--help lists that this test does not know fails, so a new column needs its key here.
usage: test-json-columns.py TIERTOPO FIXTURES_DIR"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tiertopo, fixtures = sys.argv[1:3]
tap = Tap()
SYS = os.path.join(fixtures, "sysfs")
SCHEMA = "tiertopo/1"


def run(*args):
    return subprocess.run([tiertopo, *args], capture_output=True, text=True)


def ranges(v):
    """[0, 1, 2, 5] -> '0-2,5', as the text listings print id lists; [] -> '-'"""
    out, i = [], 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and v[j + 1] == v[j] + 1:
            j += 1
        out.append(f"{v[i]}-{v[j]}" if j > i else f"{v[i]}")
        i = j + 1
    return ",".join(out) or "-"


def text(v):
    return "-" if v is None else str(v)


def dax_text(devs):
    return ",".join(f"{d['device']}={d['mode'] or '-'}" + (
        f" {d['online_memblocks']}/{d['total_memblocks']}" if d["total_memblocks"] is not None
        else "") for d in devs) or "-"


def flags_text(n):
    return "".join(c for c, k in (("c", "has_cpu"), ("m", "has_memory"),
                                  ("n", "has_normal_memory"), ("g", "generic_initiator")) if n[k])


# dump: column -> (its keys in the snapshot's node, as "a" or "a.b"; its -r -b text from the row)
DUMP = {
    "NODE": (["node"], lambda r: str(r["node"])),
    "ONLINE": (["online"], lambda r: "yes" if r["online"] else "no"),
    "CPUS": (["cpus"], lambda r: ranges(r["cpus"])),
    "MEMORY": (["memory_bytes"], lambda r: text(r["memory_bytes"])),
    "FREE": (["memory_free_bytes"], lambda r: text(r["memory_free_bytes"])),
    "BLOCKS": (["memory_blocks"], lambda r: text(r["memory_blocks"])),
    "TIER": (["kernel_tier"], lambda r: text(r["kernel_tier"])),
    "ACCESS": (["perf.access_class"], lambda r: text(r["perf"] and r["perf"]["access_class"])),
    "INITIATOR": (["perf.initiators"], lambda r: ranges(r["perf"]["initiators"] if r["perf"] else [])),
    "RLAT": (["perf.read_latency_ns"], lambda r: text(r["perf"] and r["perf"]["read_latency_ns"])),
    "WLAT": (["perf.write_latency_ns"], lambda r: text(r["perf"] and r["perf"]["write_latency_ns"])),
    "RBW": (["perf.read_bandwidth_mbps"], lambda r: text(r["perf"] and r["perf"]["read_bandwidth_mbps"])),
    "WBW": (["perf.write_bandwidth_mbps"], lambda r: text(r["perf"] and r["perf"]["write_bandwidth_mbps"])),
    "DIST": (["nearest_cpu_distance"], lambda r: text(r["nearest_cpu_distance"])),
    "CACHE": (["memory_side_caches"],
              lambda r: text(sum(c["size_bytes"] for c in r["memory_side_caches"]) if r["memory_side_caches"] else None)),
    "FLAGS": (["has_cpu", "has_memory", "has_normal_memory", "generic_initiator"], flags_text),
    "KIND": (["kind"], lambda r: r["kind"]),
    "PTIER": (["tier"], lambda r: text(r["tier"])),
    "ADIST": (["adistance"], None),  # '-' without a tier: compared with the snapshot only
    "PREFERRED": (["demotion.preferred"], lambda r: ranges(r["demotion"]["preferred"])),
    "FALLBACK": (["demotion.fallback"], lambda r: ranges(r["demotion"]["fallback"])),
    "EVIDENCE": (["evidence"], lambda r: "; ".join(r["evidence"]) or "-"),
    "ZONES": (["memory_zones"], lambda r: ",".join(r["memory_zones"] or []) or "-"),
    "BLK_ONLINE": (["memory_blocks_online"], lambda r: text(r["memory_blocks_online"])),
    "BLK_OFFLINE": (["memory_blocks_offline"], lambda r: text(r["memory_blocks_offline"])),
    "DAX": (["dax"], lambda r: dax_text(r["dax"])),
    "AUTO_ONLINE": (["auto_online_blocks"], lambda r: text(r["auto_online_blocks"])),
    "MEMMAP_ON_MEM": (["memmap_on_memory"], lambda r: text(r["memmap_on_memory"])),
}


def dump_full(doc, node, key):
    """the value of @key for @node in the full snapshot: the node's, else the snapshot's
    (DAX: the devices targeting the node; AUTO_ONLINE, MEMMAP_ON_MEM: the kernel's)"""
    if key == "dax":
        return [d for d in doc["dax"] if d["target_node"] == node["node"]]
    if key in ("auto_online_blocks", "memmap_on_memory"):
        return doc["kernel"][key]
    return node[key]


STAT_COUNTERS = None  # the counter columns: every column of stat --help after KIND
STAT_FIXED = {"NODE": "node", "TIER": "kernel_tier", "PTIER": "tier", "KIND": "kind"}


def stat_keys(col, names):
    return [STAT_FIXED[col]] if col in STAT_FIXED else [f"counters.{names[col]}"]


def help_columns(cmd):
    """{NAME: JSON name in [brackets] or None}, in the order of --help"""
    h = run(*cmd, "--help").stdout
    part = h.split("\nColumns:\n", 1)
    cols = {}
    for m in re.finditer(r"^ +([A-Z][A-Z0-9_]*)  .*?(?:\[(\w+)\])?$", part[1] if len(part) > 1 else "", re.M):
        cols[m.group(1)] = m.group(2)
    return cols


def leaves(row):
    """the keys of a row as paths, in order: {"a": 1, "p": {"b": 2}} -> ["a", "p.b"];
    a null object is its own key"""
    out = []
    for k, v in row.items():
        if isinstance(v, dict) and k in ("perf", "demotion", "counters"):
            out += [f"{k}.{c}" for c in v] or [k]
        else:
            out.append(k)
    return out


def expected_leaves(keys, row):
    """the paths @keys name, in order, once each, a parent that is null in @row standing for
    its children"""
    out = []
    for k in keys:
        p = k.split(".")[0]
        if "." in k and row.get(p) is None:
            k = p
        if k not in out:
            out.append(k)
    # a nested key lands inside its parent, at the parent's first place
    order = []
    for k in out:
        p = k.split(".")[0]
        if p not in order:
            order.append(p)
    return [k for p in order for k in out if k.split(".")[0] == p]


def get(obj, path):
    for part in path.split("."):
        obj = obj[part]
    return obj


def unraw(s):
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), s)


def raw_rows(r):
    """the rows of a -r listing: {column: text}"""
    lines = r.stdout.splitlines()
    head = lines[0].split(" ")
    return [dict(zip(head, map(unraw, ln.split(" ")))) for ln in lines[1:]]


def documents(out):
    dec, i, docs = json.JSONDecoder(), 0, []
    while i < len(out):
        if out[i].isspace():
            i += 1
            continue
        d, i = dec.raw_decode(out, i)
        docs.append(d)
    return docs


# --- the listings: every command whose --help has -o --------------------------------------
top = run("--help").stdout
commands = [[]] + [[c] for c in re.findall(r"^ tiertopo \[options\] (\w+)", top, re.M)]
listings = [c for c in commands
            if re.search(r"^ -o, --output <list>", run(*(c or ["--dump"]), "--help").stdout, re.M)]
names = {"dump" if not c else c[0] for c in listings}
tap({"dump", "stat"} <= names, f"the listings with -o: {sorted(names)}")
known = {"dump", "stat"}
tap(names <= known, "this test knows every listing with -o",
    f"add the keys of {sorted(names - known)} here")

# --- dump ---------------------------------------------------------------------------------
dump_cols = help_columns(["--dump"])
tap(list(dump_cols) and set(dump_cols) == set(DUMP), "dump: every column of --help has its key here",
    f"--help only {sorted(set(dump_cols) - set(DUMP))}, here only {sorted(set(DUMP) - set(dump_cols))}")
plain = run("-s", f"{SYS}/sparse5", "-P")
defaults = re.findall(r'(?:^| )([A-Z][A-Z0-9_]*)="', plain.stdout.splitlines()[0]) if plain.stdout else []
trees = ["sparse5", "hotplug", "vm/hmat4-6.12-sysram", "vm/cxl1-6.12-devdax", "knl-flat"]
selections = ["NODE,KIND", "KIND,NODE", "RLAT,NODE,PREFERRED,WLAT", "+ZONES,DAX,FLAGS",
              "node,kind", ",".join(DUMP), "--output-all"]
for tree in trees:
    root = f"{SYS}/{tree}"
    if not os.path.isdir(root):
        tap(False, f"dump: fixture tree {tree}", "missing")
        continue
    full = json.loads(run("-s", root, "-J").stdout)
    byid = {n["node"]: n for n in full["nodes"]}
    for sel in selections:
        opt = ["--output-all"] if sel.startswith("--") else ["-o", sel]
        cols = list(DUMP) if sel.startswith("--") else (
            defaults + sel[1:].split(",") if sel.startswith("+") else [c.upper() for c in sel.split(",")])
        keys = [k for c in cols for k in DUMP[c][0]]
        r = run("-s", root, "-J", *opt)
        label = f"dump {tree} -J {' '.join(opt)}"
        try:
            doc = json.loads(r.stdout)
        except json.JSONDecodeError as e:
            tap(False, f"{label}: JSON", f"status {r.returncode}: {e}")
            continue
        bad = []
        if list(doc) != ["schema", "nodes"] or doc["schema"] != SCHEMA:
            bad.append(f"top-level keys {list(doc)[:12]}, want ['schema', 'nodes']")
        rows = doc.get("nodes", [])
        if len(rows) != len(full["nodes"]):
            bad.append(f"{len(rows)} rows for {len(full['nodes'])} nodes")
        for row, node in zip(rows, full["nodes"]):
            want = expected_leaves(keys, {k: dump_full(full, node, k) for k in node} |
                                   {"perf": node["perf"]})
            if leaves(row) != want:
                bad.append(f"node {node['node']}: keys {leaves(row)}, want {want}")
                continue
            for k in want:
                v = get(row, k)
                top_k, _, sub = k.partition(".")
                w = dump_full(full, node, top_k)
                w = w[sub] if sub and w is not None else w
                if v != w:
                    bad.append(f"node {node['node']}: {k} is {v!r}, -J says {w!r}")
        tap(not bad and r.returncode == 0, f"{label}: rows of exactly the keys, values of -J",
            "\n".join(bad[:8]))
        if r.returncode != 0:
            continue
        # the text of the same columns (-r -b), cell by cell
        t = run("-s", root, "-r", "-b", *opt)
        bad = []
        trows = raw_rows(t)
        for row, node, trow in zip(rows, full["nodes"], trows):
            full_row = {**node, "dax": dump_full(full, node, "dax"),
                        "auto_online_blocks": full["kernel"]["auto_online_blocks"],
                        "memmap_on_memory": full["kernel"]["memmap_on_memory"]}
            for c in dict.fromkeys(cols):
                fmt = DUMP[c][1]
                if fmt is None:
                    continue
                # the row's own values where it has them, the snapshot's for the rest of a
                # column that spans several keys
                merged = {**full_row, **{k: v for k, v in row.items() if not isinstance(v, dict)}}
                if trow.get(c) != fmt(merged):
                    bad.append(f"node {node['node']} {c}: -r '{trow.get(c)}', -J gives '{fmt(merged)}'")
        tap(t.returncode == 0 and len(trows) == len(rows) and not bad,
            f"{label}: the values are those of -r -b", "\n".join(bad[:8]) or f"{len(trows)} rows")

# what is not a column selection keeps the whole snapshot; the plain listing's stderr stays
root = f"{SYS}/vm/fast3-6.12-boot"
r = run("-s", root, "-J")
doc = json.loads(r.stdout)
tap({"kernel", "firmware", "findings"} <= set(doc) and "memory_bytes" in doc["nodes"][0],
    "dump -J without -o: the whole snapshot")
# (the fixture trees have notes, no warnings: -v shows them)
a, b = run("-s", root, "-v", "-o", "NODE,KIND"), run("-s", root, "-v", "-J", "-o", "NODE,KIND")
tap(a.stderr.strip() and a.stderr == b.stderr and b.returncode == 0,
    "dump -J -o: the findings on stderr, as the table's", f"table:\n{a.stderr}\n-J -o:\n{b.stderr}")
for args in (["-J", "-o", "NODE,BOGUS"], ["-o", "NODE,BOGUS", "-J"], ["stat", "-J", "-o", "BOGUS,NODE"]):
    r = run("-s", f"{SYS}/sparse5", *args)
    tap(r.returncode == 2 and "BOGUS" in r.stderr and not r.stdout,
        f"{' '.join(args)}: a usage error (exit 2) naming the column",
        f"status {r.returncode}, stderr {r.stderr[:200]!r}, stdout {r.stdout[:100]!r}")

# --- stat ---------------------------------------------------------------------------------
stat_cols = help_columns(["stat"])
names = {c: k for c, k in stat_cols.items() if c not in STAT_FIXED}
tap(len(names) >= 10 and all(names.values()) and set(STAT_FIXED) <= set(stat_cols),
    f"stat: {len(names)} counter columns, each with its kernel name in --help")
plain = run("-s", f"{SYS}/stat-6.12", "stat", "-P")
sdefaults = re.findall(r'(?:^| )([A-Z][A-Z0-9_]*)="', plain.stdout.splitlines()[0]) if plain.stdout else []
for tree in ("stat-6.1", "stat-6.12", "sparse5"):
    root = f"{SYS}/{tree}"
    full = json.loads(run("-s", root, "stat", "-J").stdout)
    for sel in ("NODE,DEM_KSWAPD", "numa_hit,KIND,NODE,PTIER,TIER", "+NUMA_MISS", "--output-all"):
        opt = ["--output-all"] if sel.startswith("--") else ["-o", sel]
        if sel.startswith("--"):
            cols = list(stat_cols)
        elif sel.startswith("+"):
            cols = sdefaults + sel[1:].split(",")
        else:
            rev = {k: c for c, k in names.items()}
            cols = [rev.get(c, c) for c in sel.split(",")]
        keys = [k for c in cols for k in stat_keys(c, names)]
        label = f"stat {tree} -J {' '.join(opt)}"
        r = run("-s", root, "stat", "-J", *opt)
        try:
            doc = json.loads(r.stdout)
        except json.JSONDecodeError as e:
            tap(False, f"{label}: JSON", f"status {r.returncode}: {e}")
            continue
        bad = []
        want_top = ["schema", "since_boot", "seconds", "unit", "nodes", "machine"]
        if list(doc) != want_top:
            bad.append(f"top-level keys {list(doc)}, want {want_top}")
        elif [doc[k] for k in want_top[:4]] != [SCHEMA, True, None, "count"]:
            bad.append(f"title {[doc[k] for k in want_top[:4]]}")
        rows = doc.get("nodes", [])
        if len(rows) != len(full["nodes"]):
            bad.append(f"{len(rows)} rows for {len(full['nodes'])}")
        snap = json.loads(run("-s", root, "-J").stdout)
        kinds = {n["node"]: n["kind"] for n in snap["nodes"]}
        for row, node in zip(rows, full["nodes"]):
            src = {**node, "kind": kinds.get(node["node"])}
            want = expected_leaves(keys, src)
            if leaves(row) != want:
                bad.append(f"node {node['node']}: keys {leaves(row)}, want {want}")
                continue
            for k in want:
                if get(row, k) != get(src, k):
                    bad.append(f"node {node['node']}: {k} {get(row, k)!r}, -J {get(src, k)!r}")
        mwant = [k for k in keys if k.startswith("counters.")]
        mwant = list(dict.fromkeys(mwant))
        m = doc.get("machine", {})
        if leaves(m) != mwant and not (m == {} and not mwant):
            bad.append(f"machine: keys {leaves(m)}, want {mwant}")
        elif any(get(m, k) != get(full["machine"], k) for k in mwant):
            bad.append(f"machine: {m} against {full['machine']}")
        tap(not bad and r.returncode == 0, f"{label}: rows of exactly the keys, values of -J",
            "\n".join(bad[:8]))
        # against the text listing: nodes, then the machine row
        t = raw_rows(run("-s", root, "stat", "-r", *opt))
        bad = []
        for row, trow in zip(rows + [m], t):
            for c in dict.fromkeys(cols):
                if row is m and c in STAT_FIXED:
                    want = "machine" if c == "NODE" else "-"
                else:
                    want = text(get(row, stat_keys(c, names)[0]))
                if trow.get(c) != want:
                    bad.append(f"{trow.get('NODE')} {c}: -r '{trow.get(c)}', -J '{want}'")
        tap(len(t) == len(rows) + 1 and not bad, f"{label}: the values are those of -r",
            "\n".join(bad[:8]))

# reports: one document each, the later ones rates
r = run("-s", f"{SYS}/stat-6.12", "stat", "-J", "-o", "NODE,numa_hit", "0.05", "2")
docs = documents(r.stdout) if r.returncode == 0 else []
tap(len(docs) == 2 and [d["unit"] for d in docs] == ["count", "per_second"]
    and all(leaves(d["nodes"][0]) == ["node", "counters.numa_hit"] for d in docs)
    and docs[1]["seconds"] is not None,
    "stat -J -o NODE,numa_hit 0.05 2: two documents of rows, since boot then per second",
    r.stdout[:600])
r = run("-s", f"{SYS}/stat-6.12", "stat", "-J")
tap("scope" in json.loads(r.stdout) and "counters" in json.loads(r.stdout)["nodes"][0],
    "stat -J without -o: the whole report")
sys.exit(tap.done())
