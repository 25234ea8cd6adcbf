#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bash completion against the program: for every subcommand, what the completion
offers after '-' is every option its --help lists and nothing --help does not know; the
subcommands offered are the ones --help's usage names; the column names offered after -o are
the ones --help's column table lists. Runs the completion function in a real bash.
usage: test-completion.py TIERTOPO COMPLETION_FILE"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tiertopo, completion = sys.argv[1:3]
tap = Tap()


def complete(*words):
    """COMPREPLY of _tiertopo for the command line `tiertopo WORDS...`, the last word being
    the one under the cursor"""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tiertopo; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    out = subprocess.run(["bash", "-c", script, "bash", completion, "tiertopo", *words],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def help_text(*args):
    r = subprocess.run([tiertopo, *args, "--help"], capture_output=True, text=True)
    return r.stdout


def options(text):
    opts = set()
    for line in text.splitlines():
        m = re.match(r"^ {1,6}(-\w)?,?\s*(--[\w-]+)", line)
        if m:
            opts |= {o for o in m.groups() if o}
    return opts


def columns(text):
    part = text.split("\nColumns:\n", 1)
    return {m.group(1) for m in re.finditer(r"^ +([A-Z][A-Z0-9_]*)  ", part[1], re.M)} \
        if len(part) == 2 else set()


top = help_text()
subcommands = set(re.findall(r"^ tiertopo \[options\] (\w+)", top, re.M))
tap(len(subcommands) >= 6, f"tiertopo --help names the subcommands ({' '.join(sorted(subcommands))})")
got = complete("")
tap(got == subcommands, "`tiertopo <TAB>` offers exactly the subcommands of --help",
    f"missing {sorted(subcommands - got)}, unknown {sorted(got - subcommands)}")

glob = options(top)
dump = options(help_text("--dump"))
contexts = {"dump": (["--dump"], dump, dump | glob),
            "(none)": ([], glob | dump, glob | dump | {"--dump"})}
for s in sorted(subcommands):
    o = options(help_text(s))
    contexts[s] = ([s], o, o | glob)
for name, (words, want, known) in contexts.items():
    got = {w for w in complete(*words, "-") if w.startswith("-")}
    tap(len(want) > 2 and want <= got,
        f"`tiertopo {' '.join(words)} -<TAB>` offers every option of its --help ({len(want)})",
        f"missing: {' '.join(sorted(want - got))}")
    tap(got <= known, f"`tiertopo {' '.join(words)} -<TAB>` offers no option --help does not know",
        f"unknown: {' '.join(sorted(got - known))}")

for words, helpargs in ((["-o"], ["--dump"]), (["stat", "-o"], ["stat"])):
    want = columns(help_text(*helpargs))
    got = complete(*words, "")
    tap(len(want) > 5 and got == want,
        f"`tiertopo {' '.join(words)} <TAB>` offers the {len(want)} columns of --help",
        f"missing {sorted(want - got)}, unknown {sorted(got - want)}")
got = complete("stat", "-o", "NODE,DEM_KS")
tap(got == {"NODE,DEM_KSWAPD"}, "a column list completes its last name", f"got {got}")
got = complete("-o", "+EVID")
tap(got == {"+EVIDENCE"}, "-o +COL completes the name after the +", f"got {got}")
sys.exit(tap.done())
