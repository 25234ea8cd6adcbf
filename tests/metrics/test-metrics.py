#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""tiertopo metrics: OpenMetrics text that a real parser accepts (python3-prometheus-client's
prometheus_client.openmetrics.parser, the reference implementation), on every fixture tree
and every machine of the corpus, and whose figures are what the tree's own files say, read
here without tiertopo: the node set, the kernel tiers (memory_tierN/nodelist), the counters
(nodeN/vmstat, proc/vmstat), the knobs, the kernel release. The plan and the findings are
those of `tiertopo plan -J` and `check -J`. Then the file: -O writes it atomically, never
through a link, and the applied state follows an apply.
usage: test-metrics.py TIERTOPO FIXTURES_DIR SHARED_DIR"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
except ImportError:
    # Debian's python3-prometheus-client is in the system's python3; a python3 of its own
    # (pyenv, a venv) first on PATH does not see it
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != \
            os.path.realpath("/usr/bin/python3") and not os.environ.get("TOPO_REEXEC"):
        os.environ["TOPO_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    text_string_to_metric_families = None

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))
from nodelist import nodelist  # noqa: E402
from tap import Tap  # noqa: E402

tiertopo, fixtures, shared = sys.argv[1:4]
tap = Tap()
if text_string_to_metric_families is None:
    tap(False, "python3-prometheus-client is installed", ".ci/install-deps installs it")
    sys.exit(tap.done())

# the counters exported, a spec of its own: demotion, promotion, migration, NUMA balancing
COUNTERS = ["pgdemote_kswapd", "pgdemote_direct", "pgdemote_khugepaged", "pgdemote_proactive",
            "pgpromote_success", "pgpromote_candidate", "pgpromote_candidate_nrl",
            "pgmigrate_success", "pgmigrate_fail", "numa_hint_faults",
            "numa_hint_faults_local", "numa_pages_migrated", "numa_pte_updates", "numa_hit",
            "numa_miss", "numa_foreign", "numa_local", "numa_other"]


def run(*args, **kw):
    return subprocess.run([tiertopo, *args], capture_output=True, text=True, **kw)


def read(root, rel):
    try:
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            return f.read().split("\0")[0]  # hwloc pads some copies with NULs
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def vmstat(text):
    out = {}
    for line in (text or "").splitlines():
        p = line.split()
        if len(p) == 2 and p[1].isdigit():
            out[p[0]] = int(p[1])
    return out


def parse(text):
    """{family name: family}; raises ValueError on anything OpenMetrics does not allow"""
    fams = {}
    for f in text_string_to_metric_families(text):
        if f.name in fams:
            raise ValueError(f"family {f.name} twice")
        fams[f.name] = f
    return fams


def samples(fams, name):
    f = fams.get(name)
    return f.samples if f else []


def tree_expectations(root):
    """what the tree's files say, without tiertopo"""
    nd = os.path.join(root, "sys/devices/system/node")
    possible = read(root, "sys/devices/system/node/possible")
    dirs = {int(m.group(1)) for e in (os.listdir(nd) if os.path.isdir(nd) else [])
            if (m := re.fullmatch(r"node(\d+)", e))}
    nodes = nodelist(possible) | dirs if possible is not None else dirs
    ktier = {}
    for d in glob.glob(os.path.join(root, "sys/devices/virtual/memory_tiering/memory_tier*")):
        m = re.fullmatch(r"memory_tier(\d+)", os.path.basename(d))
        nl = read(d, "nodelist")
        if m and nl is not None:
            for n in nodelist(nl):
                ktier[n] = m.group(1)
    node_vm = {n: vmstat(read(nd, f"node{n}/vmstat")) for n in dirs
               if read(nd, f"node{n}/vmstat") is not None}
    machine_vm = vmstat(read(root, "proc/vmstat")) if read(root, "proc/vmstat") is not None \
        else None
    return nodes, ktier, node_vm, machine_vm


def check_tree(name, root):
    r = run("-s", root, "metrics")
    if r.returncode != 0:
        tap(False, f"{name}: metrics exits 0", r.stderr)
        return
    try:
        fams = parse(r.stdout)
    except ValueError as e:
        tap(False, f"{name}: the OpenMetrics parser accepts the output", str(e))
        return
    bad = []
    nodes, ktier, node_vm, machine_vm = tree_expectations(root)
    info = {s.labels["node"]: s.labels for s in samples(fams, "tiertopo_node")}
    if set(info) != {str(n) for n in nodes}:
        bad.append(f"nodes {sorted(info)} != the tree's {sorted(nodes)}")
    for n in nodes:
        got = info.get(str(n), {}).get("kernel_tier")
        if got != ktier.get(n, ""):
            bad.append(f"node {n}: kernel_tier {got!r} != memory_tier nodelist {ktier.get(n)!r}")
    plan = json.loads(run("-s", root, "plan", "-J").stdout)

    def ids(v):
        return ",".join(map(str, v)) if v else ""

    for pn in plan["nodes"]:
        lab = info.get(str(pn["node"]), {})
        dem = pn.get("demotion") or {}
        want = {"kind": pn["kind"], "tier": "" if pn["tier"] is None else str(pn["tier"])}
        for k, v in want.items():
            if lab.get(k) != v:
                bad.append(f"node {pn['node']}: {k} {lab.get(k)!r} != plan -J's {v!r}")
        # ranges ("2-3") or single ids: expand both sides
        for k in ("preferred", "fallback"):
            got = nodelist(lab.get(f"demotion_{k}", "")) if lab.get(f"demotion_{k}") else set()
            if got != set(dem.get(k) or []):
                bad.append(f"node {pn['node']}: demotion_{k} {got} != plan -J's {dem.get(k)}")
    release = (read(root, "proc/sys/kernel/osrelease") or "").strip()
    kinfo = samples(fams, "tiertopo_kernel")
    if len(kinfo) != 1 or kinfo[0].labels["release"] != release:
        bad.append(f"kernel release {[s.labels for s in kinfo]} != osrelease {release!r}")
    # counters: per node where a nodeN/vmstat has it, else the machine's
    for c in COUNTERS:
        per_node = {n: v[c] for n, v in node_vm.items() if c in v}
        got_node = {int(s.labels["node"]): s.value for s in samples(fams, f"tiertopo_node_{c}")
                    if s.name.endswith("_total")}
        got_machine = [s.value for s in samples(fams, f"tiertopo_machine_{c}")
                       if s.name.endswith("_total")]
        if per_node:
            if got_node != per_node or got_machine:
                bad.append(f"{c}: per node {got_node} != nodeN/vmstat {per_node}")
        elif machine_vm and c in machine_vm:
            if got_machine != [machine_vm[c]] or got_node:
                bad.append(f"{c}: machine {got_machine} != proc/vmstat {machine_vm[c]}")
        elif got_node or got_machine:
            bad.append(f"{c}: exported though no vmstat file has it")
    for f in fams.values():
        if f.type == "counter" and not all(s.name == f.name + "_total" or
                                           s.name == f.name + "_created" for s in f.samples):
            bad.append(f"counter {f.name}: a sample without _total")
    # findings: as check -J counts them, by id and severity
    chk = json.loads(run("-s", root, "check", "-J").stdout)
    want = {}
    for x in chk["findings"]:
        want[(x["id"], x["severity"])] = want.get((x["id"], x["severity"]), 0) + 1
    got = {(s.labels["id"], s.labels["severity"]): s.value
           for s in samples(fams, "tiertopo_findings")}
    if got != want:
        bad.append(f"findings {got} != check -J's {want}")
    unexpl = sum(v for (i, _), v in want.items() if i.startswith("drift-kernel-model-"))
    if [s.value for s in samples(fams, "tiertopo_drift_unexplained")] != [unexpl]:
        bad.append(f"drift_unexplained != {unexpl}")
    de = (read(root, "sys/kernel/mm/numa/demotion_enabled") or "").strip()
    got = [s.value for s in samples(fams, "tiertopo_demotion_enabled")]
    if got != ([] if not de else [1 if de in ("true", "1") else 0]):
        bad.append(f"demotion_enabled {got} != the file's {de!r}")
    nb = (read(root, "proc/sys/kernel/numa_balancing") or "").strip()
    got = [s.value for s in samples(fams, "tiertopo_numa_balancing_mode")]
    if got != ([int(nb)] if nb.isdigit() else []):
        bad.append(f"numa_balancing {got} != the file's {nb!r}")
    if [s.value for s in samples(fams, "tiertopo_check_ran")] != [1]:
        bad.append("check_ran is not 1")
    tap(not bad, f"{name}: parsed ({len(fams)} families), and its figures are the tree's",
        "\n".join(bad[:12]))


trees = sorted(glob.glob(os.path.join(fixtures, "sysfs/vm/*"))) + \
    [os.path.join(fixtures, "sysfs", t) for t in ("stat-6.1", "stat-6.12", "gh200", "sparse5",
                                                  "knl-flat")]
for t in trees:
    check_tree(os.path.relpath(t, fixtures), t)

tmp = tempfile.mkdtemp()
try:
    # the corpus: real machines (hwloc's test trees)
    n = 0
    for tb in sorted(glob.glob(os.path.join(shared, "corpus/machines/*.tar.bz2"))):
        d = os.path.join(tmp, "corpus", os.path.basename(tb))
        os.makedirs(d)
        with tarfile.open(tb) as t:
            t.extractall(d, filter="data") if hasattr(tarfile, "data_filter") else t.extractall(d)
        # os.walk does not follow links (sysfs is full of cycles); glob's ** would
        roots = [r for r, dirs, _ in os.walk(d)
                 if os.path.isdir(os.path.join(r, "sys/devices/system/node"))]
        for root in roots[:1]:
            check_tree("corpus/" + os.path.basename(tb), root)
            n += 1
    tap(n >= 5, f"the corpus gave machines to check ({n})", f"none below {shared}/corpus")

    # label values are escaped: a release with a quote, a backslash and a space
    root = os.path.join(tmp, "odd")
    shutil.copytree(os.path.join(fixtures, "sysfs/vm/hmat4-6.12-sysram"), root, symlinks=True)
    for odd, known in (('6.12.0-a"b\\c d', True), ('x"y\\z', False)):
        with open(os.path.join(root, "proc/sys/kernel/osrelease"), "w") as f:
            f.write(odd + "\n")
        r = run("-s", root, "metrics")
        name = f"release {odd!r} is escaped and parses back; check_ran {int(known)}"
        try:
            fams = parse(r.stdout)
            rel = [s.labels["release"] for s in samples(fams, "tiertopo_kernel")]
            ran = [s.value for s in samples(fams, "tiertopo_check_ran")]
            tap(r.returncode == 0 and rel == [odd] and ran == [int(known)] and
                ("tiertopo_findings" in fams) == known, name, f"got {rel} {ran} {r.stderr}")
        except ValueError as e:
            tap(False, name, str(e) + r.stderr)

    # -O: atomic, the same text as stdout, world-readable, no temporary file left
    src = os.path.join(fixtures, "sysfs/stat-6.12")
    out = os.path.join(tmp, "textfile")
    os.makedirs(out)
    os.chmod(out, 0o755)
    target = os.path.join(out, "tiertopo.prom")
    victim = os.path.join(tmp, "victim")
    with open(victim, "w") as f:
        f.write("untouched\n")
    os.symlink(victim, target)  # a link planted where the file goes: replaced, not followed
    old = os.umask(0o077)
    r = run("-s", src, "metrics", "-O", target)
    os.umask(old)
    stdout = run("-s", src, "metrics").stdout
    st = os.lstat(target)
    tap(r.returncode == 0 and not os.path.islink(target) and open(target).read() == stdout,
        "-O FILE writes what stdout gets, replacing a link at FILE instead of following it",
        r.stderr)
    tap(open(victim).read() == "untouched\n", "the link's target is untouched")
    tap(st.st_mode & 0o777 == 0o644, "the file is 0644 whatever the umask (node_exporter reads it)",
        oct(st.st_mode))
    tap(os.listdir(out) == ["tiertopo.prom"], "no temporary file is left", str(os.listdir(out)))
    r2 = run("-s", src, "metrics", "-O", "-")
    tap(r2.returncode == 0 and r2.stdout == stdout and not os.path.exists("-"),
        "-O - is standard output")
    # a directory that is a link, or that others may write: refused, nothing written
    os.symlink(out, os.path.join(tmp, "linkdir"))
    r = run("-s", src, "metrics", "-O", os.path.join(tmp, "linkdir", "x.prom"))
    tap(r.returncode == 1 and not os.path.exists(os.path.join(out, "x.prom")),
        "-O through a directory that is a link is refused (exit 1)", r.stderr)
    ww = os.path.join(tmp, "ww")
    os.makedirs(ww)
    os.chmod(ww, 0o777)
    r = run("-s", src, "metrics", "-O", os.path.join(ww, "x.prom"))
    tap(r.returncode == 1 and os.listdir(ww) == [],
        "-O into a directory others may write (not sticky) is refused (exit 1)", r.stderr)
    r = run("-s", src, "-J", "metrics")
    tap(r.returncode == 2 and not r.stdout, "-J with metrics is a usage error", r.stderr)

    # applied state: none, then after an apply on a copy, then after the plan changed
    root = os.path.join(tmp, "applied")
    shutil.copytree(os.path.join(fixtures, "sysfs/vm/hmat4-6.12-sysram"), root, symlinks=True)
    fams = parse(run("-s", root, "metrics").stdout)
    tap([s.value for s in samples(fams, "tiertopo_state_loaded")] == [0]
        and "tiertopo_applied_matches_recommended" not in fams
        and "tiertopo_state_modified_timestamp_seconds" not in fams,
        "no state file: state_loaded 0, no match or time")
    r = run("-s", root, "apply", "--no-hooks")
    fams = parse(run("-s", root, "metrics").stdout)
    state = os.path.join(root, "run/tiertopo/state.json")
    ts = [s.value for s in samples(fams, "tiertopo_state_modified_timestamp_seconds")]
    tap(r.returncode == 0 and [s.value for s in samples(fams, "tiertopo_state_loaded")] == [1]
        and [s.value for s in samples(fams, "tiertopo_applied_matches_recommended")] == [1]
        and len(ts) == 1 and abs(ts[0] - os.stat(state).st_mtime) < 0.01,
        "after apply: state_loaded 1, applied matches recommended, the state file's time",
        r.stderr + str(ts))
    tap([s.value for s in samples(fams, "tiertopo_demotion_enabled")] == [1],
        "after apply: demotion_enabled 1 (apply switched it on)")
    os.makedirs(os.path.join(root, "etc/tiertopo"), exist_ok=True)
    with open(os.path.join(root, "etc/tiertopo/tiertopo.conf"), "w") as f:
        f.write("[plan]\nexclude = 2\n")
    fams = parse(run("-s", root, "metrics").stdout)
    tap([s.value for s in samples(fams, "tiertopo_applied_matches_recommended")] == [0],
        "the recommended plan changed (node 2 excluded): applied_matches_recommended 0")
    # a kernel tier above INT_MAX (the kernel's memory_tier%u of a negative abstract distance):
    # 6.18's CXL capture with its tier renamed as such an id; the label is the kernel's u32
    u32 = os.path.join(tmp, "u32")
    shutil.copytree(os.path.join(fixtures, "sysfs/vm/cxl1-gp-6.18-sysram"), u32, symlinks=True)
    mt = os.path.join(u32, "sys/devices/virtual/memory_tiering")
    os.rename(os.path.join(mt, "memory_tier6444642"), os.path.join(mt, "memory_tier4287191433"))
    fams = parse(run("-s", u32, "metrics").stdout)
    kt = [s.labels.get("kernel_tier") for s in samples(fams, "tiertopo_node")
          if s.labels.get("node") == "2"]
    tap(kt == ["4287191433"], "a kernel tier id above INT_MAX is node_info's kernel_tier label", str(kt))
finally:
    shutil.rmtree(tmp)
sys.exit(tap.done())
