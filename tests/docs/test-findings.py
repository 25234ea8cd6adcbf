#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The findings catalogue (docs/findings.txt) against the code: every finding id the sources
can emit has an entry and every entry is an id the sources emit (an id added or removed on
one side only fails); the severities the code gives are the catalogue's; tiertopo check
--explain prints the catalogue and the generated tiertopo-findings(7) holds every entry; the
findings tiertopo check reports on the fixture trees are all in the catalogue.

Ids are found in the sources as the literal id argument of findings_add(), and, for the ids
a call takes from a variable (tables of reports, a choice between ids), as every other string
literal of libtopo shaped like an id with the prefix of one of those.
usage: test-findings.py SOURCE_ROOT TIERTOPO MAN7 FIXTURES_DIR"""
import glob
import json
import os
import re
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "common"))
from tap import Tap  # noqa: E402

root, tiertopo, man7, fixtures = sys.argv[1:5]
sys.path.insert(0, os.path.join(root, "docs"))
import importlib  # noqa: E402
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
gen = importlib.import_module("gen-findings")

tap = Tap()
catalogue = {e["id"]: e for e in gen.parse(os.path.join(root, "docs", "findings.txt"))}


def strip_comments(s):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", s, flags=re.S)


sources = {}
for path in sorted(glob.glob(os.path.join(root, "libtopo", "**", "*.c"), recursive=True) +
                   glob.glob(os.path.join(root, "tools", "*.c"))):
    sources[os.path.relpath(path, root)] = strip_comments(open(path, encoding="utf-8").read())

# the literal ids of findings_add(LIST, "id", SEVERITY, ...), with their literal severity
literal = {}
call = re.compile(r'\bfindings_add\(\s*[^,]+,\s*"([^"]+)"\s*,\s*([^,]+),')
for path, text in sources.items():
    for m in call.finditer(text):
        sev = re.fullmatch(r"TOPO_SEVERITY_(\w+)", m.group(2).strip())
        literal.setdefault(m.group(1), set()).add(sev.group(1).lower() if sev else None)
tap(len(literal) > 50, f"the sources name {len(literal)} finding ids in findings_add() calls")

prefixes = sorted({i.split("-")[0] for i in literal})
shaped = re.compile(r'"((?:%s)-[a-z0-9]+(?:-[a-z0-9]+)*)"' % "|".join(prefixes))
emitted = set(literal)
for path, text in sources.items():
    if path.startswith("libtopo"):
        emitted |= set(shaped.findall(text))
tap(len(emitted) > len(literal), f"with the ids chosen through variables: {len(emitted)} ids")

missing = sorted(emitted - set(catalogue))
tap(not missing, "every finding id of the sources is in docs/findings.txt",
    "not in the catalogue: " + " ".join(missing))
stale = sorted(set(catalogue) - emitted)
tap(not stale, "every id of docs/findings.txt is one the sources emit",
    "no longer emitted: " + " ".join(stale))

wrong = []
for i, sevs in sorted(literal.items()):
    allowed = {s.strip() for s in catalogue.get(i, {}).get("severity", "").split(",")}
    for s in sevs - {None}:
        if i in catalogue and s not in allowed:
            wrong.append(f"{i}: the code says {s}, the catalogue {catalogue[i]['severity']}")
tap(not wrong, "the severities the code gives its ids are the catalogue's", "\n".join(wrong))

# --explain: the list, one entry, an unknown id
r = subprocess.run([tiertopo, "check", "--explain"], capture_output=True, text=True)
listed = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
tap(r.returncode == 0 and listed == sorted(catalogue),
    f"tiertopo check --explain lists the {len(catalogue)} ids of the catalogue, sorted",
    f"status {r.returncode}; differ: {sorted(set(listed) ^ set(catalogue))}")
bad = []
for i, e in sorted(catalogue.items()):
    r = subprocess.run([tiertopo, "check", "--explain", i], capture_output=True, text=True)
    want = [f"{i} ({e['severity']})", e["means"], e["matters"], e["action"]]
    if r.returncode != 0 or not all(w in r.stdout for w in want):
        bad.append(f"{i}: status {r.returncode}: {r.stdout[:200]!r}")
tap(not bad, "tiertopo check --explain ID prints the id's severity, meaning, why and what to do",
    "\n".join(bad[:5]))
r = subprocess.run([tiertopo, "check", "--explain", "srat-disabled", "no-such-finding"],
                   capture_output=True, text=True)
tap(r.returncode == 2 and "no-such-finding" in r.stderr and not r.stdout,
    "an unknown id is a usage error (exit 2) naming it, and nothing is explained",
    f"status {r.returncode}, stderr {r.stderr!r}")
r = subprocess.run([tiertopo, "check", "srat-disabled"], capture_output=True, text=True)
tap(r.returncode == 2, "without --explain, check still takes no operand", f"status {r.returncode}")

# the bash completion offers the ids after --explain, as the program lists them
script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tiertopo; '
          'printf "%s\\n" "${COMPREPLY[@]}"')
r = subprocess.run(["bash", "-c", script, "bash", os.path.join(root, "completions", "tiertopo"),
                    os.path.abspath(tiertopo), "check", "--explain", "srat-"],
                   capture_output=True, text=True)
want = {i for i in catalogue if i.startswith("srat-")}
tap(set(r.stdout.split()) == want, f"`tiertopo check --explain srat-<TAB>` offers the {len(want)} srat ids",
    f"got {r.stdout.split()}")

# the man page, as groff renders it
page = subprocess.run(["groff", "-man", "-Tutf8", "-ww", man7], capture_output=True,
                      text=True, env={**os.environ, "GROFF_NO_SGR": "1"})
text = re.sub(r".\x08", "", page.stdout)
text = re.sub(r"\u2010\s*\n\s*", "", text)  # words hyphenated across lines
flat = " ".join(text.split()).replace("\u2010", "-").replace("\u2212", "-")
absent = [i for i in catalogue if f"{i} ({catalogue[i]['severity']})" not in flat]
tap(page.returncode == 0 and not page.stderr and not absent,
    "tiertopo-findings(7) renders without warnings and has an entry for every id",
    page.stderr + " missing: " + " ".join(absent))
absent = [i for i, e in catalogue.items() if " ".join(e["matters"].split()[:6]) not in flat]
tap(not absent, "each entry of tiertopo-findings(7) says why the finding matters",
    " ".join(absent[:10]))

# what tiertopo check reports on real trees is catalogued (ids built at run time too)
seen = set()
trees = sorted(glob.glob(os.path.join(fixtures, "sysfs", "*", "sys")))
for sys_dir in trees:
    r = subprocess.run([tiertopo, "-s", os.path.dirname(sys_dir), "check", "-J"],
                       capture_output=True, text=True)
    if r.returncode in (0, 3) and r.stdout:
        seen |= {f["id"] for f in json.loads(r.stdout).get("findings", [])}
unknown = sorted(seen - set(catalogue))
tap(trees and seen and not unknown,
    f"the {len(seen)} ids tiertopo check reports on {len(trees)} fixture trees are catalogued",
    "unknown: " + " ".join(unknown))
sys.exit(tap.done())
