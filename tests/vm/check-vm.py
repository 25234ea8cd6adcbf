#!/usr/bin/env python3
"""Host-side checks of the VM runs (tests/vm/vm.sh run ... scenarios/main.sh), as TAP.

For every run directory RUNS/main/CONFIG-KERNEL (KERNEL = the series: 6.1, 6.12, 6.18, 7.3, ...)
and every captured state (boot, devdax, sysram) in it:

  a  firmware vs kernel: the HMAT best-initiator figures tiertopo derives from the firmware
     (firmware.nodes[].hmat_access0/1) equal the kernel's access0/access1 files, the HMAT
     memory-side caches equal the kernel's memory_side_cache, the SLIT equals the kernel's
     distance files (each read here, independently of tiertopo, from the guest's raw
     dump and raw tables, and also through tiertopo's nodes[]); `tiertopo check --json` in
     the guest has no hmat-sysfs-mismatch / slit-sysfs-mismatch and no error finding at all,
     and firmware.nodes maps every proximity domain of the raw SRAT (read here) to a node the
     kernel has (issue 15: NVDIMM + hotplug slots, configs/nvslots.conf);
  b  kernel model: `tiertopo plan --kernel-model $(uname -r) --json` in the guest has the
     kernel's memory_tierN node lists and, from 6.9 on, the preferred/fallback sets of the last
     "Demotion targets for Node" lines in dmesg; `tiertopo check` explains every difference
     between the kernel's tiers and the recommended plan (and reports no model drift);
  e  gather: the tarball gathered in the guest, unpacked here, replays the machine:
     `tiertopo -s TREE --json` on the host equals `tiertopo --json` in the guest.

Scenario c (udev) and d (apply) add their own checks when their guest output exists.

  f  the systemd guest (RUNS_DIR/sysguest/CONFIG-KERNEL, scenarios/sysguest.sh): the project's
     .debs install with dpkg; `daxctl reconfigure-device --mode=system-ram` alone makes the
     packaged udev rule start the packaged tiertopo-apply.service, which succeeds (Result,
     ExecMainStatus), enables demotion and writes a state.json that lists the new node; the
     units' journal shows nothing the sandbox refused; the running systemd rates both units'
     exposure <= 2.5 (`systemd-analyze security`, tables saved beside); the watch daemon runs,
     reloads and stops cleanly under its sandbox; the metrics textfile parses when the package
     has tiertopo-metrics.service; daxctl and ndctl's JSON (saved for the hotplug columns) say
     the device is system-ram and online.

For c and f, the hotplug timing (issue 18) goes to the log: from the last kernel uevent of the
daxctl burst (udevadm monitor's KERNEL[...] stamps) to state.json written (and, under systemd,
to the unit's exit), and the kernel's onlining of the device's memory blocks (first block
added to last block online).

Besides the TAP, what each kernel did against what the model predicted, per topology x kernel x
state, goes to DIR/results.json (machine-readable) and DIR/results.txt (a log) with --results:
the kernel's memory_tierN lists (and the adistance range each tier id stands for), its last
"Demotion targets for Node" and last complete "Fallback order for Node" block, the node_load[]
that block implies, the CXL regions' figures, and `plan --kernel-model running`'s tiers,
adistances and demotion targets, with the differences.

usage: check-vm.py TIERTOPO RUNS_DIR [--save-fixtures DIR] [--results DIR]
  RUNS_DIR/main/CONFIG-KERNEL: runs of scenarios/main.sh; RUNS_DIR/udev/CONFIG-KERNEL: of udev.sh;
  RUNS_DIR/sysguest/CONFIG-KERNEL: of sysguest.sh
  --save-fixtures DIR   unpack every gathered tarball into DIR/CONFIG-KERNEL-STATE/
  --results DIR         write DIR/results.json and DIR/results.txt"""
import fnmatch
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402
from nodelist import nodelist  # noqa: E402
from srat import logged_pxm_nodes, srat_node_problems  # noqa: E402

tap = Tap()


# Known gaps of libtopo that a real kernel shows: (check, config, kernel, state) -> why. Reported
# as TAP TODO (an expected failure); once libtopo is fixed the check passes, meson reports an
# unexpected pass, and the entry goes. Every entry is a rule of issue 16 that the kernel models
# do not have yet (libtopo/model/tiers.c); the VM suite's results.json has the details.
# (The two earlier gaps, HBM left in DRAM's tier unexplained and MemFree in the state file
# making every apply rewrite it, are fixed in libtopo.)
_MODEL = ("model-tiers", "model-demotion", "check-explains")  # the b checks of one state
KNOWN = {  # fnmatch pattern on "SCENARIO-CHECK CONFIG KERNEL STATE" -> why
}


def expect(ok, name, why=""):
    """a check, reported as TODO when KNOWN lists it"""
    key = " ".join(name.split(":")[0].split()[:5])
    tap(ok, name, why, next((w for pat, w in KNOWN.items() if fnmatch.fnmatch(key, pat)), None))


def note(text):
    for line in text.splitlines():
        print(f"# {line}")


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        return {"__error__": f"{path}: {e}"}


# ---- the kernel's own view, from the guest's raw dump (guest/lib.sh kview) ----

class Kernel:
    def __init__(self, state_dir):
        self.files = {}
        with open(f"{state_dir}/kernel.txt") as f:
            for line in f:
                path, _, value = line.rstrip("\n").partition(":")
                self.files[path] = value.strip()
        N = "/sys/devices/system/node"
        self.online = sorted(nodelist(self.files.get(f"{N}/online", "")))
        self.has_memory = nodelist(self.files.get(f"{N}/has_memory", ""))
        self.has_cpu = nodelist(self.files.get(f"{N}/has_cpu", ""))
        self.release = self.files.get("/proc/sys/kernel/osrelease")
        self.tiers = {}
        for p, v in self.files.items():
            m = re.match(r"/sys/devices/virtual/memory_tiering/memory_tier(\d+)/nodelist$", p)
            if m:
                self.tiers[int(m.group(1))] = nodelist(v)
        self.access = {}  # (node, class) -> dict like tiertopo's
        for p, v in self.files.items():
            m = re.match(rf"{N}/node(\d+)/access(\d)/initiators$", p)
            if not m:
                continue
            node, c = int(m.group(1)), int(m.group(2))
            base = f"{N}/node{node}/access{c}/initiators"
            a = {"initiators": sorted(int(x[4:]) for x in v.split())}
            for k in ("read_latency", "write_latency", "read_bandwidth", "write_bandwidth"):
                x = self.files.get(f"{base}/{k}")
                a[k] = int(x) if x is not None else None
            a["targets"] = sorted(int(x[4:]) for x in
                                  self.files.get(f"{N}/node{node}/access{c}/targets", "").split())
            self.access[(node, c)] = a
        self.distance = {}  # node -> {node: d}, columns = online nodes
        for node in self.online:
            row = self.files.get(f"{N}/node{node}/distance")
            if row:
                self.distance[node] = dict(zip(self.online, map(int, row.split())))
        self.cxl_access = {}  # (CXL region, class) -> {read_latency, ...}: the region's own figures
        for p, v in self.files.items():
            m = re.match(r"/sys/bus/cxl/devices/(region\d+)/access(\d)/(\w+)$", p)
            if m:
                self.cxl_access.setdefault((m.group(1), int(m.group(2))), {})[m.group(3)] = int(v)
        self.caches = {}  # node -> [{level, size, line_size, indexing, write_policy}]
        for p, v in self.files.items():
            m = re.match(rf"{N}/node(\d+)/memory_side_cache/index(\d+)/(\w+)$", p)
            if m:
                node, lvl, key = int(m.group(1)), int(m.group(2)), m.group(3)
                self.caches.setdefault(node, {}).setdefault(lvl, {"level": lvl})[key] = int(v)


def dmesg_fallback(path):
    """node -> zonelist order of the last complete block of 'Fallback order for Node' lines
    (one line per node of the build; a lone line of hotadd_init_pgdat() is no block), and all
    blocks seen, oldest first"""
    blocks, cur = [], {}
    for line in open(path, errors="replace"):
        m = re.search(r"Fallback order for Node (\d+):((?: \d+)*)", line)
        if not m:
            continue
        node, order = int(m.group(1)), [int(x) for x in m.group(2).split()]
        if node in cur or (cur and node < max(cur)):
            blocks.append(cur)
            cur = {}
        cur[node] = order
    if cur:
        blocks.append(cur)
    full = [b for b in blocks if len(b) > 1]
    return (full[-1] if full else {}), blocks


def node_load_from_log(order, distance):
    """node_load[] after the zonelist build that printed ORDER (mm/page_alloc.c build_zonelists,
    5.17+: +1 for each node listed at a distance change); None where a distance is unknown"""
    load = {}
    for node, lst in order.items():
        prev = node
        for n in lst:
            d1, d2 = distance.get(node, {}).get(n), distance.get(node, {}).get(prev)
            if d1 is None or d2 is None:
                return None
            if d1 != d2:
                load[n] = load.get(n, 0) + 1
            prev = n
    return dict(sorted(load.items()))


def dmesg_demotion(path):
    """node -> (preferred, fallback) of the last 'Demotion targets for Node' line"""
    out = {}
    for line in open(path, errors="replace"):
        m = re.search(r"Demotion targets for Node (\d+): (?:null|preferred: (\S*), fallback: (\S*))", line)
        if m:
            out[int(m.group(1))] = (nodelist(m.group(2) or ""), nodelist(m.group(3) or ""))
    return out


def slit(path, fw_nodes):
    """{node: {node: distance}} from the raw SLIT, PXM -> node as tiertopo maps it"""
    raw = open(path, "rb").read()
    count = int.from_bytes(raw[36:44], "little")
    pxm2node = {x["pxm"]: x["node"] for x in fw_nodes if x.get("pxm") is not None}
    out = {}
    for i in range(count):
        for j in range(count):
            if i in pxm2node and j in pxm2node:
                out.setdefault(pxm2node[i], {})[pxm2node[j]] = raw[44 + i * count + j]
    return out


# ---- scenario a ----

def perf_of(a):
    keys = ("read_latency", "write_latency", "read_bandwidth", "write_bandwidth")
    return {"initiators": sorted(a["initiators"]),
            **{k: a.get(f"{k}_ns" if "latency" in k else f"{k}_mbps") for k in keys}}


def scenario_a(tag, d, doc, kern, check):
    nodes = {x["node"]: x for x in doc["nodes"]}
    fw = {x["node"]: x for x in doc["firmware"]["nodes"]}
    # a: tiertopo reads the kernel's files right (nodes[] against the raw dump)
    bad = []
    for (node, c), raw in sorted(kern.access.items()):
        got = nodes.get(node, {}).get(f"access{c}")
        if not got:
            bad.append(f"node{node}/access{c}: kernel has it, tiertopo has nothing")
            continue
        mine = perf_of(got)
        want = {k: raw[k] for k in mine}
        if mine != want or sorted(got["targets"]) != raw["targets"]:
            bad.append(f"node{node}/access{c}: kernel {want} targets {raw['targets']}, "
                       f"tiertopo {mine} targets {got['targets']}")
    for node, x in nodes.items():
        for c in (0, 1):
            if x.get(f"access{c}") and (node, c) not in kern.access:
                bad.append(f"node{node}/access{c}: tiertopo has it, the kernel has not")
    expect(not bad and kern.access != {} or (not bad and not doc["firmware"]["hmat"]),
        f"a sysfs-access {tag}: tiertopo's nodes[].access0/1 are the kernel's files", "\n".join(bad))

    # a: firmware (HMAT, best initiator) against the kernel's access0/access1
    bad = []
    if not doc["firmware"]["hmat"]:
        tap.skip(f"a hmat-vs-kernel {tag}", "no HMAT in this machine")
    else:
        compared = cdat = 0
        for (node, c), raw in sorted(kern.access.items()):
            f = fw.get(node, {}).get(f"hmat_access{c}")
            want = {k: raw[k] for k in ("initiators", "read_latency", "write_latency",
                                         "read_bandwidth", "write_bandwidth")}
            got = perf_of(f) if f else None
            compared += 1
            if got is None and fw.get(node, {}).get("cfmws_node"):
                # a CXL window's node (no SRAT memory, no HMAT target): 6.9-6.17 publish the
                # region's CDAT-derived figures on the node, with no initiator links
                figs = {k: raw[k] for k in ("read_latency", "write_latency", "read_bandwidth", "write_bandwidth")}
                regions = {r: a for (r, rc), a in kern.cxl_access.items() if rc == c}
                if raw["initiators"] or figs not in regions.values():
                    bad.append(f"node{node} access{c}: CXL window node, kernel {want}, CXL regions {regions}")
                cdat += 1
                continue
            if got != want:
                bad.append(f"node{node} access{c}: kernel {want}, firmware {got}")
        # nodes with memory and firmware data must have the kernel's files too
        for node, x in fw.items():
            for c in (0, 1):
                if x.get(f"hmat_access{c}") and node in kern.has_memory and (node, c) not in kern.access:
                    bad.append(f"node{node} access{c}: firmware has figures, the kernel shows none")
        expect(not bad and compared > 0, f"a hmat-vs-kernel {tag}: firmware.nodes[].hmat_access0/1 "
            f"equal the kernel's access0/1 ({compared} compared"
            + (f", {cdat} of a CXL window node = its region's access0/1" if cdat else "") + ")", "\n".join(bad))

    # a: memory-side caches; ACPI associativity/policy 1,2,other -> Linux 0,1,2
    acpi2linux = {1: 0, 2: 1}
    want, got, tt = {}, {}, {}
    for c in doc["firmware"]["memory_side_caches"]:
        if c["node"] in kern.has_memory:
            want.setdefault(c["node"], []).append(
                {"level": c["level"], "size": c["size_bytes"], "line_size": c["line_size_bytes"],
                 "indexing": acpi2linux.get(c["associativity"], 2),
                 "write_policy": acpi2linux.get(c["write_policy"], 2)})
    for node, lv in kern.caches.items():
        got[node] = [lv[k] for k in sorted(lv)]
    for node, x in nodes.items():
        if x.get("memory_side_caches"):
            tt[node] = [{"level": c["level"], "size": c["size_bytes"], "line_size": c["line_size_bytes"],
                         "indexing": c["indexing"], "write_policy": c["write_policy"]}
                        for c in x["memory_side_caches"]]
    expect(want == got == tt, f"a caches {tag}: HMAT memory-side caches = the kernel's memory_side_cache "
        f"= nodes[].memory_side_caches ({sum(map(len, want.values()))} caches)",
        f"firmware {want}\nkernel   {got}\ntiertopo {tt}")

    # a: SLIT against the kernel's distance files, and tiertopo's reading of them
    if not os.path.exists(f"{d}/../tables/SLIT"):
        tap.skip(f"a slit-vs-kernel {tag}", "no SLIT")
    else:
        s = slit(f"{d}/../tables/SLIT", doc["firmware"]["nodes"])
        # a CXL window's node has no SLIT row or column: the kernel uses LOCAL_DISTANCE (10)
        # to itself and REMOTE_DISTANCE (20) to every other node
        for x in doc["firmware"]["nodes"]:
            if x.get("cfmws_node"):
                n = x["node"]
                for a in kern.distance:
                    if n not in s.get(a, {}) and n not in s:
                        s.setdefault(a, {})[n] = 10 if a == n else 20
                for b in kern.online:
                    s.setdefault(n, {}).setdefault(b, 10 if b == n else 20)
        bad = []
        for a, row in kern.distance.items():
            for b, v in row.items():
                if s.get(a, {}).get(b) != v:
                    bad.append(f"distance {a}->{b}: kernel {v}, SLIT {s.get(a, {}).get(b)}")
                order = [x["node"] for x in doc["nodes"]]
                mine = dict(zip(order, nodes.get(a, {}).get("distances") or []))
                if mine.get(b) != v:
                    bad.append(f"distance {a}->{b}: kernel {v}, tiertopo nodes[].distances {mine.get(b)}")
        expect(not bad and kern.distance, f"a slit-vs-kernel {tag}: SLIT = the kernel's distance files "
            f"= nodes[].distances ({len(kern.distance)} rows)", "\n".join(bad))

    ids = [f["id"] for f in check.get("findings", [])]
    rc = open(f"{d}/check.rc").read().strip()
    bad = [i for i in ids if i in ("hmat-sysfs-mismatch", "slit-sysfs-mismatch")]
    expect(not bad and rc in ("0", "3") and "__error__" not in check,
        f"a check {tag}: no hmat-sysfs-mismatch / slit-sysfs-mismatch (exit {rc})",
        f"{check.get('__error__', '')}\n" + "\n".join(
            f"{f['id']}: {f['message']}" for f in check.get("findings", []) if f["id"] in bad))

    # a: the plain table (libsmartcols, loaded with dlopen at the first table: the guest must
    # have it although ldd does not name it)
    table = text(f"{d}/dump.txt")
    trc = text(f"{d}/dump-table.rc").strip() if os.path.exists(f"{d}/dump-table.rc") else "?"
    expect(trc == "0" and any(l.split()[:1] == ["NODE"] for l in table.splitlines()),
        f"a table {tag}: `tiertopo` prints its node table (exit {trc})", table[:600])

    # a: the firmware's nodes as Linux boots them (issue 15: an NVDIMM inside the hotplug
    # window is set aside, not an overlap): check has no error finding, and firmware.nodes maps
    # every PXM of the raw SRAT to a possible node, the one the kernel logged for it
    errors = [f"{f['id']}: {f['message']}" for f in check.get("findings", [])
              if f.get("severity") == "error"]
    expect(not errors and "findings" in check, f"a check-clean {tag}: `tiertopo check` has no error "
        f"finding ({len(check.get('findings', []))} findings)", check.get("__error__", "") + "\n".join(errors))
    if not os.path.exists(f"{d}/../tables/SRAT"):
        tap.skip(f"a srat-nodes {tag}", "no SRAT")
    else:
        possible = nodelist(kern.files.get("/sys/devices/system/node/possible", "")) or set(kern.online)
        logged = logged_pxm_nodes(open(f"{d}/../dmesg.txt", errors="replace"))
        want, bad = srat_node_problems(f"{d}/../tables/SRAT", doc["firmware"]["nodes"], possible, logged)
        expect(not bad, f"a srat-nodes {tag}: firmware.nodes maps every PXM of the SRAT "
            f"{sorted(want)} to a node of the kernel ({len(logged)} as dmesg logs them)", "\n".join(bad))


# ---- scenario b ----

def plan_tiers(doc):
    return {t["id"]: set(t["nodes"]) for t in doc.get("tiers", [])}


def compare_model(plan, kern, dmesg, kernel_short):
    """(tier problems, demotion problems, demotion compared?) of a --kernel-model plan"""
    tiers = plan_tiers(plan)
    tier_bad = [] if tiers == kern.tiers else [
        f"kernel memory_tiering {sorted((k, sorted(v)) for k, v in kern.tiers.items())}, "
        f"model {sorted((k, sorted(v)) for k, v in tiers.items())}"]
    dem_bad = []
    if kernel_short != "6.1":
        model = {x["node"]: x.get("demotion") for x in plan["nodes"]}
        for node, (pref, fall) in sorted(dmesg.items()):
            m = model.get(node) or {"preferred": [], "fallback": []}
            if set(m["preferred"]) != pref or set(m["fallback"]) != fall:
                dem_bad.append(f"node {node}: kernel preferred {sorted(pref)} fallback {sorted(fall)}, "
                               f"model preferred {m['preferred']} fallback {m['fallback']}")
        for node in kern.has_memory:
            if node not in dmesg:
                dem_bad.append(f"node {node} has memory but the kernel logged no demotion targets")
    return tier_bad, dem_bad


def tier_rank(tiers):
    return {node: i for i, t in enumerate(sorted(tiers)) for node in tiers[t]}


def scenario_b(tag, d, kernel_short, kern, plan, rec, check):
    if "__error__" in plan:
        expect(False, f"b model {tag}", plan["__error__"])
        return
    dmesg = dmesg_demotion(f"{d}/dmesg.txt")
    tier_bad, dem_bad = compare_model(plan, kern, dmesg, kernel_short)
    expect(not tier_bad and kern.tiers, f"b model-tiers {tag}: plan --kernel-model {kern.release} "
        f"= memory_tiering {sorted((k, sorted(v)) for k, v in kern.tiers.items())}", "\n".join(tier_bad))
    if kernel_short == "6.1":
        tap.skip(f"b model-demotion {tag}", "6.1 logs no demotion targets")
    else:
        expect(not dem_bad and dmesg, f"b model-demotion {tag}: preferred/fallback = the kernel's "
            f"'Demotion targets' lines ({len(dmesg)} nodes)", "\n".join(dem_bad))

    # tiertopo check explains every difference between the kernel's tiers and the plan
    ids = {}
    for f in check.get("findings", []):
        ids.setdefault(f["id"], []).append(f["message"])
    kr, rr = tier_rank(kern.tiers), tier_rank(plan_tiers(rec))
    dram = {n for t in kern.tiers.values() if t & kern.has_cpu for n in t}
    want, why = set(), []
    slow_in_dram = {int(m.group(1)) for msg in ids.get("drift-slow-memory-in-dram-tier", [])
                    for m in [re.match(r"node (\d+) is slow memory", msg)] if m}
    # a node with CPUs that the plan takes for slow memory: cpu-node-slow-memory names the
    # cause (the firmware's marks), and check rightly does not blame the kernel for it
    cpu_slow = {int(m.group(1)) for msg in ids.get("cpu-node-slow-memory", [])
                for m in [re.match(r"node (\d+) has", msg)] if m}
    for a in kr:
        for b in kr:
            if (a in kern.has_cpu and b in kern.has_cpu and a in rr and b in rr
                    and rr[a] == rr[b] and kr[a] < kr[b]):
                want.add("drift-socket-tier-split")
                why.append(f"CPU nodes {a} and {b}: one planned tier, two kernel tiers")
                continue
            if a == b or a not in rr or b not in rr or rr[a] >= rr[b]:
                continue  # the plan puts a strictly faster than b
            if kr[a] == kr[b]:
                if b in cpu_slow:
                    continue
                if b in dram and b not in kern.has_cpu:
                    want.add("drift-slow-memory-in-dram-tier")
                    why.append(f"node {b} is slower than node {a} in the plan, same kernel tier as DRAM")
                else:
                    want.add("drift-*")  # any finding on it, e.g. faster memory left in the DRAM tier
                    why.append(f"nodes {a} and {b}: same kernel tier, different planned tiers")
            elif kr[a] > kr[b]:
                if b in slow_in_dram:
                    continue  # b sits in the DRAM tier: that finding names the cause
                want.add("drift-tier-order")
                why.append(f"nodes {a} and {b}: the kernel orders them against the plan")
    # the findings about the kernel's tiers against the plan (not the model's, not the knobs')
    tier_ids = [i for i in ids if i.startswith("drift-") and i not in (
        "drift-kernel-model-tier", "drift-kernel-model-targets", "drift-demotion-disabled",
        "drift-no-tiering-promotion")]
    missing = [w for w in want if not any(fnmatch.fnmatch(i, w) for i in tier_ids)]
    unexplained = [i for i in tier_ids if not any(fnmatch.fnmatch(i, w) for w in want)]
    model_drift = [f"{i}: {m}" for i in ("drift-kernel-model-tier", "drift-kernel-model-targets")
                   for m in ids.get(i, [])]
    expect(not missing and not unexplained and not model_drift,
        f"b check-explains {tag}: {', '.join(sorted(want)) or 'kernel tiers agree with the plan'}",
        "\n".join([f"expected {w}" for w in missing] + [f"unexpected {u}: {ids[u]}" for u in unexplained]
                  + model_drift + why))


# ---- what each kernel did, against the model (results.json / results.txt) ----

RESULTS = []


def distances(d, doc, kern):
    """node -> {node: distance} for every possible node: the kernel's files for online nodes,
    the raw SLIT for the others (nodeN/distance exists only for online nodes), 10/20 for a CXL
    window's node (no SLIT row: LOCAL_DISTANCE / REMOTE_DISTANCE)"""
    out = {}
    if os.path.exists(f"{d}/../tables/SLIT"):
        out = slit(f"{d}/../tables/SLIT", doc["firmware"]["nodes"])
    for x in doc["firmware"]["nodes"]:
        if x.get("cfmws_node"):
            n = x["node"]
            for a in list(out) + [n]:
                out.setdefault(a, {})[n] = 10 if a == n else 20
                out.setdefault(n, {})[a] = 10 if a == n else 20
    for a, row in kern.distance.items():
        out.setdefault(a, {}).update(row)
    return out


def record(config, kshort, st, d, kern, plan, check, doc):
    dmesg = dmesg_demotion(f"{d}/dmesg.txt")
    fallback, blocks = dmesg_fallback(f"{d}/dmesg.txt")
    r = {"config": config, "kernel": kshort, "release": kern.release, "state": st,
         "has_cpu": sorted(kern.has_cpu), "has_memory": sorted(kern.has_memory),
         "observed": {
             "tiers": {str(t): sorted(n) for t, n in sorted(kern.tiers.items())},
             # the kernel shows no adistance; a tier id is adistance >> 7
             "adistance_range": {str(n): [t * 128, t * 128 + 127]
                                 for t, ns in sorted(kern.tiers.items()) for n in sorted(ns)},
             "demotion": {str(n): {"preferred": sorted(p), "fallback": sorted(f)}
                          for n, (p, f) in sorted(dmesg.items())} if dmesg else None,
             "fallback_order": {str(n): o for n, o in sorted(fallback.items())} or None,
             "fallback_blocks": len([b for b in blocks if len(b) > 1]),
             "node_load": None,
             "cxl": {p.split("/devices/", 1)[1]: v for p, v in kern.files.items()
                     if p.startswith("/sys/bus/cxl/devices/")} or None,
         }}
    if fallback:
        nl = node_load_from_log(fallback, distances(d, doc, kern))
        r["observed"]["node_load"] = {str(k): v for k, v in nl.items()} if nl is not None else None
    if "__error__" in plan:
        r["predicted"] = {"error": plan["__error__"]}
    else:
        pn = {x["node"]: x for x in plan.get("nodes", [])}
        r["predicted"] = {
            "model": plan.get("plan", {}).get("model"),
            "kernel_release": plan.get("plan", {}).get("kernel_release"),
            "tiers": {str(t["id"]): sorted(t["nodes"]) for t in plan.get("tiers", [])},
            "adistance": {str(n): x.get("adistance") for n, x in sorted(pn.items()) if x.get("adistance") is not None},
            "demotion": {str(n): {"preferred": sorted((x.get("demotion") or {}).get("preferred", [])),
                                  "fallback": sorted((x.get("demotion") or {}).get("fallback", []))}
                         for n, x in sorted(pn.items()) if n in kern.has_memory},
        }
        tier_bad, dem_bad = compare_model(plan, kern, dmesg, kshort)
        r["match"] = {"tiers": not tier_bad, "demotion": (not dem_bad) if dmesg else None}
        r["mismatches"] = tier_bad + dem_bad
    r["check_findings"] = sorted({f["id"] for f in check.get("findings", [])})
    RESULTS.append(r)


def write_results(out):
    os.makedirs(out, exist_ok=True)
    with open(f"{out}/results.json", "w") as f:
        json.dump({"runs": RESULTS}, f, indent=1, sort_keys=True)
        f.write("\n")
    fmt = lambda t: " ".join(f"{k}:{','.join(map(str, v))}" for k, v in sorted(t.items(), key=lambda x: int(x[0])))
    with open(f"{out}/results.txt", "w") as f:
        for r in RESULTS:
            o, p = r["observed"], r.get("predicted", {})
            m = r.get("match", {})
            verdict = ("MATCH" if m.get("tiers") and m.get("demotion") in (True, None) else "MISMATCH")
            f.write(f"== {r['config']} {r['kernel']} ({r['release']}) {r['state']}: {verdict}\n")
            f.write(f"   kernel tiers  {fmt(o['tiers'])}\n")
            f.write(f"   model  tiers  {fmt(p.get('tiers', {}))}   adistance {p.get('adistance')}\n")
            if o["demotion"] is not None:
                f.write("   kernel demote " + "; ".join(
                    f"{n}->{','.join(map(str, x['preferred'])) or '-'} (fb {','.join(map(str, x['fallback'])) or '-'})"
                    for n, x in o["demotion"].items()) + "\n")
            f.write("   model  demote " + "; ".join(
                f"{n}->{','.join(map(str, x['preferred'])) or '-'} (fb {','.join(map(str, x['fallback'])) or '-'})"
                for n, x in p.get("demotion", {}).items()) + "\n")
            if o["fallback_order"]:
                f.write(f"   fallback order {o['fallback_order']}  node_load {o['node_load']}\n")
            for x in r.get("mismatches", []):
                f.write(f"   ! {x}\n")


# ---- scenario e ----

def diff(a, b, path=""):
    if type(a) is not type(b):
        return [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'guest' if k in a else 'replay'}")
            else:
                out += diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: guest {a!r}, replay {b!r}"]


# MemFree changes between the guest's live read and its gather a moment later: the only
# field of the snapshot that is a measurement rather than configuration.
VOLATILE = re.compile(r"^\.nodes\[\d+\]\.memory_free_bytes: ")


def scenario_e(tiertopo, tag, d, doc, save_dir):
    tarballs = glob.glob(f"{d}/*.tar.gz")
    rc = open(f"{d}/gather.rc").read().strip() if os.path.exists(f"{d}/gather.rc") else "?"
    if rc != "0" or len(tarballs) != 1:
        expect(False, f"e gather {tag}", f"gather exit {rc}: {open(f'{d}/gather.out').read()}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(tarballs[0]) as t:
            t.extractall(tmp, filter="tar") if hasattr(tarfile, "data_filter") else t.extractall(tmp)
        tops = os.listdir(tmp)
        tree = f"{tmp}/{tops[0]}"
        p = subprocess.run([tiertopo, "-s", tree, "--json"], capture_output=True, text=True)
        try:
            replay = json.loads(p.stdout)
        except ValueError:
            expect(False, f"e gather-replay {tag}", f"exit {p.returncode}\n{p.stderr}")
            return
        dd = diff(doc, replay)
        volatile = [x for x in dd if VOLATILE.match(x)]
        real = [x for x in dd if not VOLATILE.match(x)]
        expect(len(tops) == 1 and not real and p.returncode == 0,
            f"e gather-replay {tag}: tiertopo -s <gathered> --json on the host = tiertopo --json in the guest",
            "\n".join(real[:40]))
        if volatile:
            note(f"  (MemFree read a moment apart, not a difference of the snapshot: {'; '.join(volatile)})")
        if save_dir:
            dest = f"{save_dir}/{tops[0]}"
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(tree, dest, symlinks=True)
            # git keeps no empty directories: drop them here too, so that the tests read the
            # tree as a checkout has it (tiertopo reads an absent directory as an empty one)
            for top, dirs, files in sorted(os.walk(dest), key=lambda w: -len(w[0])):
                if not os.listdir(top):
                    os.rmdir(top)


# ---- scenario d (tiertopo apply), when the run has it ----

def read_knobs(path):
    out = {}
    for line in open(path):
        p, _, v = line.rstrip("\n").partition(":")
        out[p] = v
    return out


def scenario_d(tag, out):
    d = f"{out}/apply"
    if not os.path.isdir(d):
        return
    if os.path.exists(f"{d}/unsupported"):
        tap.skip(f"d apply {tag}", open(f"{d}/unsupported").read().strip())
        return
    rc1, rc2 = (open(f"{d}/apply{i}.rc").read().strip() for i in (1, 2))
    first = load_json(f"{d}/apply1.json")
    second = load_json(f"{d}/apply2.json")
    changes = first.get("changes") or []
    expect(rc1 == "0" and "__error__" not in first and first.get("error") is None and changes,
        f"d apply {tag}: the first apply succeeds and changes something (exit {rc1}, "
        f"{len(changes)} changes)", open(f"{d}/apply1.err").read() + json.dumps(first)[:1500])
    # every write succeeded and reads back from the kernel (state file: written and a snapshot)
    after = read_knobs(f"{d}/knobs-after.txt")
    bad = []
    for w in changes:
        path = "/" + w.get("path", "").lstrip("/")
        if w.get("status") != "written" or w.get("error") is not None:
            bad.append(f"{path}: {w}")
        elif path == "/run/tiertopo/state.json":
            st = load_json(f"{d}/state.json")
            if "__error__" in st or not st.get("nodes"):
                bad.append(f"{path}: {st.get('__error__', 'no nodes[]')}")
        elif path not in after:
            bad.append(f"{path}: written, but the guest could not read it back")
        elif after[path].strip() != str(w.get("new")).strip():
            bad.append(f"{path}: wrote {w.get('new')!r}, reads {after[path]!r}")
    expect(not bad and changes, f"d apply-readback {tag}: every write succeeded and reads back "
        f"({', '.join(w.get('sink', '?') for w in changes)})", "\n".join(bad))
    before2, after2 = after, read_knobs(f"{d}/knobs-after2.txt")
    changes2 = second.get("changes")
    text2 = open(f"{d}/apply2.txt").read() if os.path.exists(f"{d}/apply2.txt") else ""
    expect(rc2 == "0" and changes2 == [] and before2 == after2 and "nothing to change" in text2,
        f"d apply-idempotent {tag}: a second apply changes nothing and says so",
        f"exit {rc2}, changes {changes2}\n{text2}\n" + open(f"{d}/apply2.err").read())


# ---- scenario c (udev rules / tiertopo watch), when the run has it ----

def new_node_in_state(state, node):
    """node is PMEM in a tier slower than the CPU nodes' and some node demotes to it"""
    sn = {x["node"]: x for x in state.get("nodes", [])}
    x = sn.get(node, {})
    dram_tier = min((x2.get("tier") for x2 in sn.values() if x2.get("has_cpu")), default=None)
    ok = (x.get("kind") == "PMEM" and x.get("tier") is not None and dram_tier is not None
          and x["tier"] > dram_tier
          and any(node in fallback_of(state, y) for y in sn.values()))
    return ok, x


def fallback_of(state, y):
    """a node's fallback targets; the state file leaves them out when they are every node of
    the tiers[] after the node's own (docs/json.md, "The state file")"""
    dem = y.get("demotion") or {}
    if "fallback" in dem:
        return dem["fallback"] or []
    tiers = state.get("tiers") or []
    ids = [t.get("id") for t in tiers]
    if y.get("tier") not in ids:
        return []
    return [n for t in tiers[ids.index(y["tier"]) + 1:] for n in t.get("nodes", [])]


def scenario_c(tag, out):
    d = f"{out}/udev"
    if not os.path.isdir(d):
        return
    if os.path.exists(f"{d}/unsupported"):
        tap.skip(f"c udev {tag}", open(f"{d}/unsupported").read().strip())
        return
    res = dict(line.rstrip("\n").split("=", 1) for line in open(f"{d}/result.txt") if "=" in line)
    state = load_json(f"{d}/state.json")
    node = int(res.get("new_node", -1))
    expect(res.get("demotion_enabled") == "true",
        f"c udev-demotion {tag}: demotion_enabled is true {res.get('waited_ms', '?')} ms after "
        f"daxctl, with no other command", str(res))
    ok, x = new_node_in_state(state, node)
    expect(ok, f"c udev-state {tag}: /run/tiertopo/state.json lists node {node} as PMEM in a slower "
        f"tier, as a demotion target", state.get("__error__", json.dumps(x)[:800]))
    hotplug_timing(f"c {tag}", d, f"{out}/udevadm-monitor.log",
                   apply_lines=[ln for ln in text(f"{d}/watch.log").splitlines() if "apply #" in ln])


# ---- issue 18: the hotplug reaction and the kernel's onlining, from the guest's clocks ----

_KERNEL_EV = re.compile(r"^KERNEL\[(\d+\.\d+)\]\s+(\S+)\s+(\S+)\s+\((\S+)\)")
_STAT_Y = re.compile(r"^(\d+) \S+ \d\d:\d\d:\d\d(\.\d+)?")
TIMINGS = []  # (tag, reaction ms, unit exit ms or None, onlining ms, blocks, max gap ms, split)
# watch's own account of an apply: the burst it saw, the quiet it waited, the apply's time
_APPLY_SPLIT = re.compile(r"apply #\d+ \((\w+), (\d+) events[^;]*; burst (\d+) ms, quiet (\d+) ms, "
                          r"apply ([0-9.]+) ms\)")


def kernel_events(path):
    """(t seconds CLOCK_MONOTONIC, action, devpath, subsystem) of udevadm monitor's KERNEL lines"""
    evs = []
    try:
        for line in open(path, errors="replace"):
            m = _KERNEL_EV.match(line)
            if m:
                evs.append((float(m.group(1)), m.group(2), m.group(3), m.group(4)))
    except OSError:
        pass
    return evs


def stat_time(v):
    """`stat -c '%Y %y'` -> seconds since the epoch with the fraction"""
    m = _STAT_Y.match(v.strip())
    return int(m.group(1)) + float(m.group(2) or 0) if m else None


def hotplug_timing(tag, d, monitor, unit_exit_us=None, apply_lines=()):
    """Reaction: the last kernel uevent of the daxctl burst (from daxctl's start up to the
    state file's write) to state.json's mtime, on CLOCK_MONOTONIC (the realtime offset from a
    file the guest touched between two monotonic readings); with systemd, to the unit's exit
    too. Onlining: the device's first memory block added to its last one online. The largest
    gap between two uevents of the burst is what the debounce must outlast (a shorter debounce
    applies in mid-burst). The split: watch's own line for the apply that wrote the state
    (quiet: the debounce it waited after the last event it received; apply: its own time)."""
    tm = {}
    try:
        for line in open(f"{d}/timing.txt"):
            k, _, v = line.rstrip("\n").partition("=")
            tm[k] = v
    except OSError:
        pass
    evs = kernel_events(monitor)
    try:
        start = int(tm["daxctl_start"]) / 1e9
        mono = (int(tm["clock_mono_before"]) + int(tm["clock_mono_after"])) / 2e9
        err = (int(tm["clock_mono_after"]) - int(tm["clock_mono_before"])) / 2e9
        real = stat_time(tm["clock_real"])
        state_real = stat_time(tm["mtime /run/tiertopo/state.json"])
        written = state_real - real + mono
    except (KeyError, ValueError, TypeError):
        expect(False, f"{tag} hotplug-timing: the reaction time is measured",
               f"timing.txt: {tm}; {len(evs)} uevents in {monitor}")
        return
    # by time: udevadm monitor's stamps are when it read each event, not always in file order
    burst = sorted(e for e in evs if start <= e[0] <= written + 0.001)
    mem = [e for e in evs if e[0] >= start and e[3] == "memory"]
    added = [e[0] for e in mem if e[1] == "add"]
    online = [e[0] for e in mem if e[1] == "online"]
    ok = bool(burst) and written > start
    reaction = (written - burst[-1][0]) * 1000 if burst else float("nan")
    onlining = (max(online) - min(added)) * 1000 if added and online else float("nan")
    unit_ms = None
    if unit_exit_us and burst:
        unit_ms = (unit_exit_us / 1e6 - burst[-1][0]) * 1000
    gaps = [(b[0] - a[0], f"{a[1]} {a[3]} -> {b[1]} {b[3]}") for a, b in zip(burst, burst[1:])]
    gap = max(gaps) if gaps else (float("nan"), "-")
    split = None
    for ln in apply_lines:
        m = _APPLY_SPLIT.search(ln)
        if m:  # the last apply: `watch --once` (the trigger, the unit) counts from its start
            split = (int(m.group(3)), int(m.group(4)), float(m.group(5)))
    TIMINGS.append((tag, reaction, unit_ms, onlining, len(added), gap[0] * 1000, split))
    expect(ok, f"{tag} hotplug-timing: the reaction time is measured (last of {len(burst)} "
           f"uevents -> state.json)", f"timing.txt: {tm}; {len(evs)} uevents")
    note(f"{tag} hotplug reaction: {reaction:.0f} ms from the last uevent of the daxctl burst "
         f"({burst[-1][1] + ' ' + burst[-1][2] if burst else '-'}) to state.json written "
         f"(clock offset +-{err * 1000:.1f} ms, file times a jiffy)"
         + (f"; {unit_ms:.0f} ms to tiertopo's journal line of the apply" if unit_ms is not None else ""))
    note(f"{tag} memory onlining: {len(added)} blocks added, {len(online)} onlined in "
         f"{onlining:.0f} ms (first add -> last online); the largest gap between two uevents "
         f"of the burst: {gap[0] * 1000:.0f} ms ({gap[1]})")
    if split:
        rest = reaction - split[1] - split[2]
        note(f"{tag} the reaction split by watch's own line: quiet {split[1]} ms (the debounce) "
             f"+ apply {split[2]:.0f} ms + {rest:.0f} ms of event delivery (udevd's rules, "
             f"the trigger, watch's start) and file-time rounding")


def kv_file(path):
    out = {}
    try:
        for line in open(path):
            k, _, v = line.rstrip("\n").partition("=")
            out[k] = v
    except OSError:
        pass
    return out


def text(path):
    try:
        return open(path, errors="replace").read()
    except OSError as e:
        return f"({e})"


# what a sandbox in the way looks like in the journal: EPERM/EACCES, a read-only file system
# (ProtectSystem=), seccomp, SELinux/AppArmor/audit denials
DENIAL = re.compile(r"Permission denied|Operation not permitted|Read-only file system|"
                    r"EACCES|EPERM|EROFS|seccomp|SECCOMP|denied|audit", re.I)


def scenario_f(tag, out):
    d = f"{out}/sysguest"
    if not os.path.isdir(d):
        expect(False, f"f sysguest {tag}: the scenario ran", text(f"{out}/script.out"))
        return
    dq = text(f"{d}/dpkg-query.txt")
    expect(text(f"{d}/dpkg.rc").strip() == "0" and dq.count("install ok installed") == 2,
        f"f dpkg {tag}: dpkg -i installs the suite's libtopo0 and tiertopo .debs ({text(f'{d}/debs.txt').split()})",
        text(f"{d}/dpkg.log") + dq)
    before, after = kv_file(f"{d}/apply-before.txt"), kv_file(f"{d}/apply-after.txt")
    res = kv_file(f"{d}/result.txt")
    # systemd's structured records of the unit (journalctl -o json): it started, its process
    # exited (EXIT_STATUS, when not 0), its result (UNIT_RESULT, when not success), and
    # tiertopo's own lines. systemd collects the inactive oneshot, so `systemctl show` holds its
    # Result/ExecMainStatus only while something keeps it loaded: either witness counts.
    recs = []
    for line in text(f"{d}/journal-apply.json").splitlines():
        try:
            recs.append(json.loads(line))
        except ValueError:
            pass
    started = [r for r in recs if r.get("MESSAGE_ID") == "7d4958e842da4a758f6c1cdc7b36dcc5"
               or "Starting tiertopo-apply" in str(r.get("MESSAGE"))]
    success = [r for r in recs if r.get("MESSAGE_ID") == "7ad2d189f7e94e70a38c781354912448"]
    failed = [r for r in recs if r.get("UNIT_RESULT") or (r.get("EXIT_STATUS") not in (None, "0"))
              or r.get("JOB_RESULT") not in (None, "done")]
    applied = [r for r in recs if r.get("SYSLOG_IDENTIFIER") == "tiertopo"
               and "apply #" in str(r.get("MESSAGE"))]
    shown = (after.get("ExecMainStartTimestampMonotonic") not in ("", "0", None)
             and after.get("ExecMainStartTimestampMonotonic") != before.get("ExecMainStartTimestampMonotonic"))
    ran = bool(started) or shown
    expect(ran, f"f udev-starts-unit {tag}: daxctl alone makes the packaged udev rule start "
        f"tiertopo-apply.service ({res.get('waited_ms', '?')} ms to its end)",
        f"before: {before}\nafter: {after}\n" + text(f"{d}/journal-apply.txt"))
    ok_show = shown and after.get("Result") == "success" and after.get("ExecMainStatus") == "0"
    ok_journal = bool(started) and bool(success) and not failed
    expect(ran and (ok_show or ok_journal) and (not shown or ok_show),
        f"f unit-success {tag}: the hardened unit succeeded (systemctl show: Result="
        f"{after.get('Result')}, ExecMainStatus={after.get('ExecMainStatus')}"
        f"{'' if shown else ' of the collected unit'}; journal: {len(success)} success, "
        f"{len(failed)} failure records)", text(f"{d}/journal-apply.txt"))
    expect(res.get("demotion_enabled") == "true" and res.get("demotion_enabled_before") == "false",
        f"f demotion {tag}: demotion_enabled went from false to true", str(res))
    node = int(res.get("new_node", "-1") or -1)
    state = load_json(f"{d}/state.json")
    ok, x = new_node_in_state(state, node)
    expect(ok, f"f state {tag}: /run/tiertopo/state.json lists node {node} as PMEM in a slower "
        f"tier, as a demotion target", state.get("__error__", json.dumps(x)[:800]))
    for u in ("apply", "watch"):
        j = text(f"{d}/journal-{u}.txt")
        bad = [line for line in j.splitlines() if DENIAL.search(line)]
        expect(not bad and "No such file" not in j,
            f"f sandbox-journal-{u} {tag}: tiertopo-{u}.service's journal shows no denial "
            f"({len(j.splitlines())} lines)", "\n".join(bad) or j)
    for u in ("apply", "watch"):
        sec = text(f"{d}/security-{u}.txt")
        m = re.search(r"Overall exposure level for tiertopo-" + u + r"\.service: ([\d.]+) (\S+)", sec)
        level = float(m.group(1)) if m else None
        expect(level is not None and level <= 2.5,
            f"f security-{u} {tag}: the running systemd rates tiertopo-{u}.service "
            f"{m.group(1) + ' ' + m.group(2) if m else '?'} (<= 2.5; table in {d}/security-{u}.txt)", sec)
    wr, ws = kv_file(f"{d}/watch-running.txt"), kv_file(f"{d}/watch-stopped.txt")
    jw = text(f"{d}/journal-watch.txt")
    expect(wr.get("ActiveState") == "active" and wr.get("SubState") == "running"
        and wr.get("NRestarts") == "0" and ws.get("Result") == "success"
        and "Reload failed" not in jw and "Failed at step" not in jw,
        f"f watch {tag}: tiertopo-watch.service runs, reloads and stops under its sandbox "
        f"(enabled by the package: {kv_file(f'{d}/enabled.txt').get('tiertopo-watch.service')})",
        f"running: {wr}\nstopped: {ws}\n" + text(f"{d}/journal-watch.txt"))
    if os.path.exists(f"{d}/metrics-unsupported"):
        tap.skip(f"f metrics {tag}", text(f"{d}/metrics-unsupported").strip())
    else:
        mu = kv_file(f"{d}/metrics-unit.txt")
        prom = text(f"{d}/tiertopo.prom")
        families, why = [], ""
        try:
            try:
                from prometheus_client.parser import text_string_to_metric_families
            except ImportError:  # a python3 of its own (pyenv) does not see Debian's package
                sys.path.append("/usr/lib/python3/dist-packages")
                from prometheus_client.parser import text_string_to_metric_families
            families = list(text_string_to_metric_families(prom))
        except ImportError:
            why = "python3-prometheus-client is not installed"
        except Exception as e:  # the parser's own errors: the textfile does not parse
            why = f"{type(e).__name__}: {e}"
        # the timer, not the scenario, started the service: it has triggered, and the textfile
        # came within its 90 s wait
        mt = kv_file(f"{d}/metrics-timer.txt")
        fired = mt.get("LastTriggerUSecMonotonic") not in (None, "", "0") and \
            mt.get("waited_s", "90").isdigit() and int(mt.get("waited_s", "90")) < 90
        expect(fired and mu.get("Result") == "success" and os.path.exists(f"{d}/tiertopo.prom")
            and families,
            f"f metrics {tag}: tiertopo-metrics.timer ran tiertopo-metrics.service "
            f"({mt.get('waited_s', '?')} s after the timer's start), which wrote node_exporter's "
            f"textfile, and it parses ({len(families)} metric families)",
            f"{why}\ntimer: {mt}\n{mu}\n" + text(f"{d}/metrics-unit.txt")
            + text(f"{d}/journal-metrics.txt"))
    # the views saved for the hotplug-context columns: daxctl (libdaxctl) and ndctl (libndctl)
    dax = load_json(f"{d}/daxctl-list.json")
    devs = []

    def walk(v):  # daxctl nests the devices in their regions with -R
        if isinstance(v, list):
            for y in v:
                walk(y)
        elif isinstance(v, dict):
            if "chardev" in v:
                devs.append(v)
            for y in v.values():
                walk(y)
    walk(dax)
    sysram = [x for x in devs if x.get("mode") == "system-ram" and x.get("online_memblocks")]
    expect(bool(sysram), f"f daxctl {tag}: `daxctl list -M -D -R` shows the device in system-ram "
        "mode with its memory blocks online", text(f"{d}/daxctl-list.json")[:1500] + text(f"{d}/daxctl-list.err"))
    nd = load_json(f"{d}/ndctl-list.json")
    dump = load_json(f"{d}/dump.json")
    expect("__error__" not in nd and "__error__" not in dump and text(f"{d}/dump.rc").strip() == "0",
        f"f views {tag}: ndctl list -NRD and tiertopo --dump -J saved as JSON",
        (nd.get("__error__", "") if isinstance(nd, dict) else "") + text(f"{d}/dump.err"))
    # tiertopo's hotplug context (dax[].mode, online/total_memblocks, movable, target_node,
    # size; nd regions) against libdaxctl's and libndctl's view of the same machine
    from daxctl_check import check_daxctl, check_ndctl
    problems = ["dump.json or daxctl-list.json unreadable"] if "__error__" in dump or (
        isinstance(dax, dict) and "__error__" in dax) else check_daxctl(dump, dax) + check_ndctl(dump, nd)
    expect(not problems, f"f hotplug-context {tag}: tiertopo's dax and nd keys agree with "
        f"daxctl list -M (libdaxctl) and ndctl list (libndctl)", "\n".join(problems))
    # knobs written: tiertopo's "apply #N" journal line (its monotonic stamp, in us)
    hotplug_timing(f"f {tag}", d, f"{d}/monitor.log",
                   int(applied[-1]["__MONOTONIC_TIMESTAMP"]) if applied else None,
                   [str(r.get("MESSAGE")) for r in applied])


def main():
    args = sys.argv[1:]
    save = results = None
    if "--save-fixtures" in args:
        i = args.index("--save-fixtures")
        save = args[i + 1]
        del args[i:i + 2]
    if "--results" in args:
        i = args.index("--results")
        results = args[i + 1]
        del args[i:i + 2]
    tiertopo, runs = args[0], args[1]
    for run in sorted(glob.glob(f"{runs}/main/*-*")):
        config, _, kshort = os.path.basename(run).rpartition("-")
        out = f"{run}/share/out"
        if not os.path.exists(f"{out}/script.rc"):
            expect(False, f"boot {config} {kshort}", f"the guest script did not finish; see {run}/console.log")
            continue
        states = [s for s in ("boot", "devdax", "sysram") if os.path.isdir(f"{out}/{s}")]
        for st in states:
            d = f"{out}/{st}"
            tag = f"{config} {kshort} {st}"
            doc = load_json(f"{d}/tiertopo.json")
            if "__error__" in doc:
                expect(False, f"tiertopo --json {tag}", doc["__error__"] + open(f"{d}/tiertopo.err").read())
                continue
            kern = Kernel(d)
            check = load_json(f"{d}/check.json")
            scenario_a(tag, d, doc, kern, check)
            scenario_b(tag, d, kshort, kern, load_json(f"{d}/plan-kernel.json"),
                       load_json(f"{d}/plan.json"), check)
            scenario_e(tiertopo, tag, d, doc, save)
            record(config, kshort, st, d, kern, load_json(f"{d}/plan-kernel.json"), check, doc)
        scenario_d(f"{config} {kshort}", out)
    for run in sorted(glob.glob(f"{runs}/udev/*-*")):
        config, _, kshort = os.path.basename(run).rpartition("-")
        out = f"{run}/share/out"
        if not os.path.exists(f"{out}/script.rc"):
            expect(False, f"c boot {config} {kshort}", f"the guest script did not finish; see {run}/console.log")
            continue
        scenario_c(f"{config} {kshort}", out)
    for run in sorted(glob.glob(f"{runs}/sysguest/*-*")):
        config, _, kshort = os.path.basename(run).rpartition("-")
        out = f"{run}/share/out"
        if not os.path.exists(f"{out}/script.rc"):
            expect(False, f"f boot {config} {kshort}: the systemd guest ran the scenario",
                   f"see {run}/console.log:\n" + text(f"{run}/console.log")[-3000:])
            continue
        scenario_f(f"{config} {kshort}", out)
    if TIMINGS:
        note("hotplug timing (issue 18): scenario, reaction ms (last uevent -> state.json), "
             "to the apply's journal line ms, onlining ms, blocks, largest uevent gap ms, "
             "watch's quiet ms + apply ms")
        for t, r, u, o, n, g, sp in TIMINGS:
            note(f"  {t}: {r:.0f}  {'-' if u is None else f'{u:.0f}'}  {o:.0f}  {n}  {g:.0f}  "
                 + (f"{sp[1]} + {sp[2]:.0f}" if sp else "-"))
    if results:
        write_results(results)
    return tap.done(need_some=True)


if __name__ == "__main__":
    sys.exit(main())
