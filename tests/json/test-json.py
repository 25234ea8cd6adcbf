#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The JSON contract: every JSON document tiertopo prints validates against the installed
schema (docs/tiertopo.schema.json, python3-jsonschema). Three sources:
  - the documents the other suites made in this run: the tests that read tiertopo's JSON
    run it through tests/common/tiertopo-spool, which keeps each in SPOOL (this test runs
    last, alone, and removes what it validated);
  - its own runs of every -J command (tiertopo, plan, plan --kernel-model, check, apply
    --dry-run, apply, stat, and the rows of tiertopo and stat with -o and --output-all) and
    the published state file, on every fixture tree;
  - documents made wrong on purpose (the old stat keys, a missing schema key): the schema
    must refuse them, or it would let a key change meaning silently.
usage: test-json.py SCHEMA TIERTOPO FIXTURES_DIR SPOOL"""
import copy
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

schema_path, tiertopo, fixtures, spool = sys.argv[1:5]
tap = Tap()
try:
    import jsonschema
except ImportError:
    tap(False, "python3-jsonschema is installed", ".ci/install-deps installs it")
    sys.exit(tap.done())

schema = json.load(open(schema_path))
try:
    jsonschema.Draft202012Validator.check_schema(schema)
    tap(True, f"{os.path.basename(schema_path)} is a valid JSON Schema (2020-12)")
except jsonschema.SchemaError as e:
    tap(False, "the schema is a valid JSON Schema", str(e))
    sys.exit(tap.done())
validator = jsonschema.Draft202012Validator(schema)
version = schema["$defs"]["snapshot"]["properties"]["schema"]["const"]


def problems(doc):
    errs = list(validator.iter_errors(doc))
    if not errs:
        return None
    # oneOf hides the reason: name the branch that matches best
    kind = next((k for k, keys in (("apply", "changes"), ("stat", "scope"),
                                   ("stat_listing", "since_boot"), ("check", "errors"),
                                   ("snapshot", "kernel"), ("listing", "nodes"))
                 if isinstance(doc, dict) and keys in doc), "snapshot")
    sub = jsonschema.Draft202012Validator({"$defs": schema["$defs"], "$ref": f"#/$defs/{kind}"})
    best = sorted(sub.iter_errors(doc), key=lambda e: len(list(e.absolute_path)))
    return "; ".join(f"{kind} at /{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}"
                     for e in best[:3]) or errs[0].message[:200]


def documents(text):
    """the JSON documents of one output (stat prints one per report)"""
    dec, i, docs = json.JSONDecoder(), 0, []
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        doc, i = dec.raw_decode(text, i)
        docs.append(doc)
    return docs


def check_all(name, outputs):
    """outputs: (label, text) pairs; one TAP line for all"""
    bad, n = [], 0
    for label, text in outputs:
        try:
            docs = documents(text)
        except json.JSONDecodeError as e:
            bad.append(f"{label}: not JSON: {e}")
            continue
        for d in docs:
            n += 1
            why = problems(d)
            if why:
                bad.append(f"{label}: {why}")
    tap(n > 0 and not bad, f"{name}: {n} documents valid", "\n".join(bad[:20]) or "no document")


# --- tiertopo's own runs on every fixture tree --------------------------------------------
trees = sorted(p for p in glob.glob(f"{fixtures}/sysfs/*") + glob.glob(f"{fixtures}/sysfs/vm/*")
               if os.path.isdir(f"{p}/sys"))
commands = {"tiertopo -J": ["-J"], "plan --json": ["plan", "--json"],
            "plan --kernel-model 6.1 -J": ["plan", "--kernel-model", "6.1", "-J"],
            "check -J": ["check", "-J"], "apply --dry-run -J": ["apply", "--dry-run", "-J"],
            "stat -J": ["stat", "-J"],
            "matrix -J": ["matrix", "-J"], "matrix --access 1 -J": ["matrix", "--access", "1", "-J"],
            # the rows of the columns (-o, --output-all): listing and stat_listing
            "tiertopo -J --output-all": ["-J", "--output-all"],
            "tiertopo -J -o +DAX,FLAGS": ["-J", "-o", "+DAX,FLAGS"],
            "stat -J --output-all": ["stat", "-J", "--output-all"],
            "stat -J -o NODE,numa_hit": ["stat", "-J", "-o", "NODE,numa_hit"]}
with tempfile.TemporaryDirectory() as tmp:
    for name, args in commands.items():
        outs = []
        for t in trees:
            r = subprocess.run([tiertopo, "-s", t, *args], capture_output=True, text=True)
            if r.stdout.strip() or r.returncode == 0:
                outs.append((f"{name} on {os.path.basename(t)}", r.stdout))
        check_all(f"{name} on the fixture trees", outs)
    applied, states = [], []
    for t in trees:
        root = f"{tmp}/{os.path.basename(t)}"
        shutil.copytree(t, root, symlinks=True)
        r = subprocess.run([tiertopo, "-s", root, "apply", "-J", "--no-hooks"], capture_output=True,
                           text=True)
        applied.append((f"apply -J on {os.path.basename(t)}", r.stdout))
        if os.path.exists(f"{root}/run/tiertopo/state.json"):
            states.append((f"state.json of {os.path.basename(t)}",
                           open(f"{root}/run/tiertopo/state.json").read()))
    check_all("apply -J on copies of the fixture trees", applied)
    check_all("the published /run/tiertopo/state.json", states)
    # stat with an interval: one document per report
    r = subprocess.run([tiertopo, "-s", f"{fixtures}/sysfs/stat-6.12", "stat", "-J", "0.05", "2"],
                       capture_output=True, text=True)
    check_all("stat -J 0.05 2 (two reports)", [("stat -J 0.05 2", r.stdout)])

# --- what the schema must refuse ------------------------------------------------------------
stat = json.loads(subprocess.run([tiertopo, "-s", f"{fixtures}/sysfs/stat-6.1", "stat", "-J"],
                                 capture_output=True, text=True).stdout)
snap = json.loads(subprocess.run([tiertopo, "-s", f"{fixtures}/sysfs/sparse5", "-J"],
                                 capture_output=True, text=True).stdout)
tap(stat.get("schema") == version and snap.get("schema") == version,
    f"the documents say \"schema\": \"{version}\"", f"{stat.get('schema')} {snap.get('schema')}")


def refused(name, doc, mutate):
    d = copy.deepcopy(doc)
    mutate(d)
    tap(problems(d) is not None, f"the schema refuses {name}")


refused("stat's old nodes[].plan_tier", stat, lambda d: d["nodes"][0].update(plan_tier=4))
refused("stat's old kernel string", stat, lambda d: d.update(kernel="6.1.0"))
refused("a document without schema", snap, lambda d: d.pop("schema"))
refused("another schema version", snap, lambda d: d.update(schema="tiertopo/0"))
refused("a node key the schema does not document", snap, lambda d: d["nodes"][0].update(tier_kernel=4))
refused("a string where tier is a number", snap, lambda d: d["nodes"][0].update(tier="4"))
rows = json.loads(subprocess.run([tiertopo, "-s", f"{fixtures}/sysfs/hotplug", "-J", "--output-all"],
                                 capture_output=True, text=True).stdout)
tap(problems(rows) is None and len(rows["nodes"][0]) > 20, "tiertopo -J --output-all is valid")
refused("a row key no column has", rows, lambda d: d["nodes"][0].update(pxm=None))
refused("a row with the FLAGS letters as a string", rows, lambda d: d["nodes"][0].update(flags="cm"))
refused("a row's perf with a key no column has", rows,
        lambda d: d["nodes"][2].update(perf={"initiator": 0}))
refused("the rows with the snapshot's kernel", rows, lambda d: d.update(kernel={"release": None}))
srows = json.loads(subprocess.run([tiertopo, "-s", f"{fixtures}/sysfs/stat-6.1", "stat", "-J", "-o",
                                   "NODE,numa_hit"], capture_output=True, text=True).stdout)
tap(problems(srows) is None, "stat -J -o NODE,numa_hit is valid")
refused("a stat row's counter this kernel has no name for", srows,
        lambda d: d["nodes"][0]["counters"].update(pgdemote_bogus=1))
refused("stat rows with the report's scope", srows, lambda d: d.update(scope={}))
fw_tree = next((t for t in trees if "hmat4" in t), trees[-1])
fw = json.loads(subprocess.run([tiertopo, "-s", fw_tree, "-J"], capture_output=True,
                               text=True).stdout)
tap(bool(fw["firmware"]["nodes"]) and problems(fw) is None,
    f"{os.path.basename(fw_tree)}'s snapshot has firmware nodes and is valid")


def old_cpus(d):
    d["firmware"]["nodes"][0]["cpus"] = d["firmware"]["nodes"][0].pop("has_cpu")


refused("firmware.nodes[].cpus, the boolean's old name", fw, old_cpus)
hooked = {"schema": version, "dry_run": False, "changes": [], "error": None,
          "hooks": [{"path": "/etc/tiertopo/hooks.d/50-x", "exit_status": 0, "message": None}]}
tap(problems(hooked) is None, "an apply report with a hook is valid")
refused("apply's old hooks[].status", hooked,
        lambda d: d["hooks"][0].update(status=d["hooks"][0].pop("exit_status")))

# --- the documents the other suites made in this run ----------------------------------------
files = sorted(glob.glob(f"{spool}/*.json"))
if not files:
    tap.skip("every -J document of the other suites", f"none in {spool}: run with the other suites")
else:
    by_cmd = {}
    for f in files:
        try:
            cmd = open(f[:-5] + ".cmd").read().strip()
        except OSError:
            cmd = "?"
        sub = next((w for w in cmd.split() if w in ("plan", "check", "apply", "stat", "watch",
                                                      "gather", "matrix")), "tiertopo")
        by_cmd.setdefault(sub, []).append((f"{os.path.basename(f)}: tiertopo {cmd}",
                                           open(f, errors="replace").read()))
    for sub, outs in sorted(by_cmd.items()):
        # a run that failed before printing (a usage error the test wanted) printed nothing
        outs = [(label, text) for label, text in outs if text.strip()]
        if outs:
            check_all(f"the suites' {len(outs)} runs of {sub} with -J", outs)
    for f in files:
        for p in (f, f[:-5] + ".cmd"):
            try:
                os.unlink(p)
            except OSError:
                pass
sys.exit(tap.done())
