#!/usr/bin/env python3
"""udev/90-tiertopo.rules against recorded uevents: the rules must match exactly the
node-level events tiertopo wants (a node added or removed, a dax device bound to kmem or
unbound, a CXL region added or removed, a memory tier added or removed) and never a memory
block. The rules are read and matched the way udev matches (==, "|" alternatives, ENV{}),
independently of the intended list below, which is written from DESIGN.md.

Recordings: the QEMU lab's uevents.log files (../shared, real 6.1 and 6.12 kernels) and the
hand-written ones in tests/watch/recorded/.

usage: test-rules.py RULES SHARED_DIR RECORDED_DIR"""
import glob
import re
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tap = Tap()


def parse_rules(path):
    rules = []
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        matches, actions = [], []
        for m in re.finditer(r'(\w+(?:\{(\w+)\})?)\s*(==|!=|\+=|=)\s*"([^"]*)"', line):
            key, env, op, val = m.group(1), m.group(2), m.group(3), m.group(4)
            if op in ("==", "!="):
                matches.append((env and f"ENV:{env}" or key, op, val.split("|")))
            else:
                actions.append((key, val))
        rules.append((matches, actions))
    return rules


def rule_matches(matches, ev):
    for key, op, alts in matches:
        field = ev.get(key[4:]) if key.startswith("ENV:") else ev.get(key)
        hit = field is not None and field in alts
        if (op == "==") != hit:
            return False
    return True


def events(path):
    ev = {}
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if not line or line.startswith("===") or line.startswith("#"):
            if ev:
                yield ev
            ev = {}
            continue
        k, _, v = line.partition("=")
        ev[k] = v
    if ev:
        yield ev


def intended(ev):
    a, s = ev.get("ACTION"), ev.get("SUBSYSTEM")
    return ((s == "node" and a in ("add", "remove")) or
            (s == "dax" and a == "bind" and ev.get("DRIVER") == "kmem") or
            (s == "dax" and a == "unbind") or
            (s == "cxl" and a in ("add", "remove") and ev.get("DEVTYPE") == "cxl_region") or
            (s == "memory_tiering" and a in ("add", "remove")))


def main():
    rules_path, shared, recorded = sys.argv[1:4]
    rules = parse_rules(rules_path)
    tap(len(rules) >= 5 and all(a == [("RUN", "tiertopo-trigger")] for _, a in rules),
        f"{len(rules)} rules, each running tiertopo-trigger and nothing else")
    logs = sorted(glob.glob(f"{shared}/qemu-lab/tables/*/linux-*/uevents.log") +
                  glob.glob(f"{shared}/qemu-lab/tables/*/uevents.log") +
                  glob.glob(f"{recorded}/*.uevents"))
    seen = {"memory": 0, "node add": 0, "dax bind kmem": 0, "memory_tiering add": 0,
            "cxl region": 0, "matched": 0}
    bad = []
    for log in logs:
        for ev in events(log):
            hit = any(rule_matches(m, ev) for m, _ in rules)
            if hit != intended(ev):
                bad.append(f"{log}: {ev.get('ACTION')} {ev.get('SUBSYSTEM')} {ev.get('DEVPATH')}: "
                           f"rules {'match' if hit else 'miss'} it")
            s, a = ev.get("SUBSYSTEM"), ev.get("ACTION")
            seen["memory"] += s == "memory"
            seen["node add"] += s == "node" and a == "add"
            seen["dax bind kmem"] += s == "dax" and a == "bind" and ev.get("DRIVER") == "kmem"
            seen["memory_tiering add"] += s == "memory_tiering" and a == "add"
            seen["cxl region"] += s == "cxl" and ev.get("DEVTYPE") == "cxl_region"
            seen["matched"] += hit
    tap(not bad, f"over {len(logs)} recordings the rules match exactly the intended events "
        f"({seen['matched']} of them)", "\n".join(bad[:20]))
    tap(all(seen[k] for k in ("memory", "node add", "dax bind kmem", "memory_tiering add", "cxl region")),
        f"the recordings hold every kind: {seen}")
    mem = [ev for log in logs for ev in events(log) if ev.get("SUBSYSTEM") == "memory"]
    tap(mem and not any(any(rule_matches(m, ev) for m, _ in rules) for ev in mem),
        f"none of the {len(mem)} memory-block events matches")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
