# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare tiertopo's memory-hotplug keys with daxctl's own view of the same machine, for the
VM suite (the systemd guest saves `daxctl list -M -D -R` and `ndctl list -NRD` next to
`tiertopo --dump -J`): libdaxctl reads the live /sys and is the independent oracle here.

    from daxctl_check import check_daxctl, check_ndctl
    problems = check_daxctl(json.load(tiertopo_json), json.load(daxctl_json))
    problems += check_ndctl(json.load(tiertopo_json), json.load(ndctl_json))

Each returns a list of sentences, empty when everything agrees. daxctl prints a lone object
instead of a one-element list, devices inside regions with -R ("devices": [...]) or flat
without it; all of these are accepted. A device daxctl lists must be in tiertopo's dax[] with
the same target_node, size and mode; for system-ram, online_memblocks, total_memblocks and
movable (absent in daxctl when it cannot tell: null in tiertopo) must agree too. A device
tiertopo sees bound to a driver must be listed by daxctl (which lists enabled devices).
"""


def _items(doc):
    if doc is None:
        return []
    return doc if isinstance(doc, list) else [doc]


def daxctl_devices(doc):
    """every device object of a `daxctl list [-R] [-D] [-M]` document"""
    out = []
    for x in _items(doc):
        if "chardev" in x:
            out.append(x)
        for d in x.get("devices", []) or []:
            if "chardev" in d:
                out.append(d)
    return out


def check_daxctl(snapshot, daxctl):
    problems = []
    ours = {d["device"]: d for d in snapshot.get("dax", [])}
    theirs = {d["chardev"]: d for d in daxctl_devices(daxctl)}
    for name, t in sorted(theirs.items()):
        o = ours.get(name)
        if o is None:
            problems.append(f"{name}: daxctl lists it, tiertopo's dax[] does not")
            continue
        if t.get("state") == "disabled":
            if o.get("mode") is not None:
                problems.append(f"{name}: daxctl says disabled, tiertopo mode {o['mode']}")
            continue
        for key in ("target_node", "size", "mode"):
            if key in t and t[key] != o.get(key):
                problems.append(f"{name}: {key} daxctl {t[key]!r}, tiertopo {o.get(key)!r}")
        if t.get("mode") == "system-ram":
            for key in ("online_memblocks", "total_memblocks", "movable"):
                want = t.get(key)  # absent: daxctl could not tell
                if want != o.get(key):
                    problems.append(f"{name}: {key} daxctl {want!r}, tiertopo {o.get(key)!r}")
    for name, o in sorted(ours.items()):
        if o.get("mode") is not None and name not in theirs:
            problems.append(f"{name}: tiertopo sees it bound ({o['mode']}), daxctl does not "
                            "list it")
    return problems


def check_ndctl(snapshot, ndctl):
    """`ndctl list -NRD`: every region's numa_node and type against nd_regions[]"""
    problems = []
    ours = {d["device"]: d for d in snapshot.get("nd_regions", [])}
    regions = []
    for x in _items(ndctl):
        if "dev" in x and str(x["dev"]).startswith("region"):
            regions.append(x)
        for r in x.get("regions", []) or []:
            regions.append(r)
    for r in regions:
        o = ours.get(r["dev"])
        if o is None:
            problems.append(f"{r['dev']}: ndctl lists it, tiertopo's nd_regions[] does not")
            continue
        for key in ("numa_node", "target_node", "size", "type"):
            if key in r and r[key] != o.get(key):
                problems.append(f"{r['dev']}: {key} ndctl {r[key]!r}, tiertopo {o.get(key)!r}")
    return problems
