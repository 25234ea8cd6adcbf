#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The layers of libtopo, checked from the objects the build made.

For every object of libtopo, the symbols it needs (`nm -u`) are matched with the symbols
the other objects define (`nm --defined-only`): that is the graph of calls (and data
references) between libtopo's files.  It must follow docs/ARCHITECTURE.md:

  * every object comes from a file in a layer folder (base acpi snapshot sysfs discover
    model sinks) or is one of the services at libtopo/ (config json check state-load);
  * a file calls its own layer or a lower one, never a higher one;
  * the sinks do not call each other: kernel, tier-files, state and hooks call only the
    transaction (and lower layers); apply.c alone calls every sink;
  * no sink calls the planner (topo_plan_new);
  * no loop of calls between files, in a layer or across layers.

Usage: check-layers.py [--nm NM] OBJECT_DIR...   (the meson object directories, *.a.p)
The layer of an object is its library's (libtopo-<layer>.a.p); objects of another library
are placed by the folder meson puts in their names ("sysfs_node.c.o"), so that the check
also runs on builds of other layouts (which is how it was shown to fail before the layers).
Prints TAP; exits 1 when a rule is broken.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

# Lowest first.  A file may call files of its own layer and of every layer allowed below.
LAYERS = ["base", "acpi", "snapshot", "sysfs", "discover", "model", "services", "sinks"]
ALLOWED = {
    "base": {"base"},
    "acpi": {"base", "acpi"},
    "snapshot": {"base", "acpi", "snapshot"},
    "sysfs": {"base", "acpi", "snapshot", "sysfs"},
    "discover": {"base", "acpi", "snapshot", "sysfs", "discover"},
    # model: pure decisions over a snapshot; no readers, no discovery
    "model": {"base", "acpi", "snapshot", "model"},
    # config json check state-load: services over the model (state-load and config read
    # files through base; none of them discovers)
    "services": {"base", "acpi", "snapshot", "model", "services"},
    "sinks": {"base", "acpi", "snapshot", "model", "services", "sinks", "discover"},
}
SERVICES = {"config", "json", "check", "state-load"}
SINK_FILES = {"transaction", "kernel", "tier-files", "state", "hooks", "apply"}


def unit_of(objdir, objname):
    """(layer, file) of a meson object, or (None, name) when it sits in no layer.  The
    layer is the library's ("libtopo-sysfs.a.p"), else the folder meson put in the
    object's name ("sysfs_node.c.o", when a parent directory's meson.build compiles it)."""
    base = objname[:-len(".c.o")] if objname.endswith(".c.o") else objname
    lib = os.path.basename(os.path.normpath(objdir))
    if lib.startswith("libtopo-") and lib.endswith(".a.p"):
        layer = lib[len("libtopo-"):-len(".a.p")]
        if layer == "services" and base in SERVICES:
            return layer, base
        if layer in LAYERS and layer != "services":
            return layer, layer + "/" + base
    folder, sep, rest = base.partition("_")
    if sep and folder in LAYERS:
        return folder, folder + "/" + rest
    if base in SERVICES:
        return "services", base
    return None, base


def symbols(nm, path):
    out = subprocess.run([nm, "--format=posix", path], check=True, capture_output=True,
                         text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            undefined.add(name)
        elif kind in "TDBRCVW":
            defined.add(name)
    return defined, undefined


def sccs(graph):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nm", default="nm")
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()

    units = {}  # file -> (layer, defined, undefined)
    for d in args.dirs:
        for name in sorted(os.listdir(d)):
            if not name.endswith(".o"):
                continue
            layer, unit = unit_of(d, name)
            defined, undefined = symbols(args.nm, os.path.join(d, name))
            units[unit] = (layer, defined, undefined)
    if not units:
        print("Bail out! no objects in " + " ".join(args.dirs))
        return 1

    owner = {}
    for unit, (_, defined, _) in units.items():
        for s in defined:
            owner.setdefault(s, unit)
    graph = {u: set() for u in units}
    why = {}
    for unit, (_, _, undefined) in units.items():
        for s in sorted(undefined):
            o = owner.get(s)
            if o and o != unit:
                graph[unit].add(o)
                why.setdefault((unit, o), s)

    t = Tap()
    unplaced = sorted(u for u, (layer, _, _) in units.items() if layer is None)
    t(not unplaced, "every file of libtopo sits in a layer folder or is a service",
      "\n".join("not in a layer: " + u for u in unplaced))

    up = []
    for u in sorted(graph):
        lu = units[u][0]
        for v in sorted(graph[u]):
            lv = units[v][0]
            if lu is None or lv is None:
                continue
            if lv not in ALLOWED[lu]:
                up.append(f"{u} ({lu}) calls {v} ({lv}): {why[(u, v)]}")
    t(not up, "no file calls a layer above its own", "\n".join(up))

    across = []
    for u in sorted(graph):
        if units[u][0] != "sinks":
            continue
        fu = u.split("/", 1)[1]
        for v in sorted(graph[u]):
            if units[v][0] != "sinks":
                continue
            fv = v.split("/", 1)[1]
            if fu == "apply" or fv == "transaction":
                continue
            across.append(f"{u} calls {v}: {why[(u, v)]}")
    t(not across, "sinks call each other only through apply.c (and all use the transaction)", "\n".join(across))

    # apply.c is not a sink: it makes every plan first and hands it down
    planner = [u for u in sorted(units) if units[u][0] == "sinks" and u != "sinks/apply"
               and "topo_plan_new" in units[u][2]]
    t(not planner, "no sink calls the planner (topo_plan_new)",
      "\n".join(u + " references topo_plan_new" for u in planner))

    loops = [c for c in sccs(graph) if len(c) > 1]
    detail = []
    for c in loops:
        detail.append("loop: " + " ".join(c))
        members = set(c)
        for u in c:
            for v in sorted(graph[u] & members):
                detail.append(f"  {u} -> {v} ({why[(u, v)]})")
    t(not loops, "no loop of calls between files of libtopo", "\n".join(detail))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
