#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""man/tiertopo.8 against the program, both ways, for whatever subcommands, options and
columns the program has (they are read from its --help, so new ones are covered):
- the subcommands of `tiertopo --help` (and dump) are the .SS sections of COMMANDS;
- each command's options in --help are its section's option tags (.TP) plus its "The common
  options it takes:" line, and those common options are described under OPTIONS;
- the global options of `tiertopo --help` are the tags of OPTIONS, "Global options";
- each command's columns in --help are its section's column tags, and its "Default
  columns:" line is what the command prints without -o;
- the exit statuses of --help are the tags of EXIT STATUS; the JSON section names the
  installed schema and every top-level key of each document of docs/tiertopo.schema.json;
- the udev rules, units and trigger of udev/ are in UDEV AND SYSTEMD;
- tiertopo.conf(5) has every section and key config.c parses and no other;
- every man page renders with groff -ww without a warning, and with man -l.
usage: test-man-help.py TIERTOPO SOURCE_ROOT FIXTURES_DIR [GENERATED_PAGE...]"""
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tiertopo, root, fixtures = sys.argv[1:4]
generated = sys.argv[4:]
tap = Tap()
SYSROOT = os.path.join(fixtures, "sysfs", "sparse5")


def run(*args):
    return subprocess.run([tiertopo, *args], capture_output=True, text=True)


def help_text(*cmd):
    return run(*cmd, "--help").stdout


def help_options(text):
    """the options of an Options: table (lines ' -x, --long ...' / '     --long ...')"""
    opts = set()
    for line in text.splitlines():
        m = re.match(r"^ {1,6}(-\w)?,?\s*(--[\w-]+)?", line)
        if m and (m.group(1) or m.group(2)):
            opts |= {o for o in m.groups() if o}
    return opts


def help_columns(text):
    part = text.split("\nColumns:\n", 1)
    if len(part) < 2:
        return set()
    return {m.group(1) for m in re.finditer(r"^ +([A-Z][A-Z0-9_]*)  ", part[1], re.M)}


def unescape(s):
    return s.replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")


page = open(os.path.join(root, "man", "tiertopo.8"), encoding="utf-8").read()


def sections(text, level):
    """{name: body} of the .SH (level 'SH') or .SS sections of @text"""
    out = {}
    parts = re.split(r"^\.%s +(.*)$" % level, text, flags=re.M)
    for name, body in zip(parts[1::2], parts[2::2]):
        out[name.strip().strip('"')] = body
    return out


def tags(body, pattern):
    """the tokens matching @pattern in the tag lines (the line after .TP) of @body"""
    lines = body.splitlines()
    found = set()
    for i, line in enumerate(lines[:-1]):
        if line.startswith(".TP"):
            found |= set(re.findall(pattern, unescape(lines[i + 1])))
    return found


OPT = r"(?<![\w-])(--?[A-Za-z][\w-]*)"
COL = r"\b([A-Z][A-Z0-9_]+)\b"


def column_tags(body):
    """the columns of a section: tags made of upper-case names only (.B NODE, .BR A ", " B)"""
    lines = body.splitlines()
    found = set()
    for i, line in enumerate(lines[:-1]):
        if line.startswith(".TP"):
            words = unescape(re.sub(r"^\.\w+\s*", "", lines[i + 1])).replace('", "', " ").split()
            if words and all(re.fullmatch(r"[A-Z][A-Z0-9_]+", w) for w in words):
                found |= set(words)
    return found


def line_after(body, lead):
    m = re.search(r"^%s\s*\n(\.B[IR]?.*)$" % re.escape(lead), body, re.M)
    return unescape(m.group(1)) if m else None


SH = sections(page, "SH")
commands = sections(SH.get("COMMANDS", ""), "SS")
options = sections(SH.get("OPTIONS", ""), "SS")
described = set().union(*(tags(b, OPT) for b in options.values())) if options else set()

top = help_text()
subcommands = set(re.findall(r"^ tiertopo \[options\] (\w+)", top, re.M)) | {"dump"}
tap(len(subcommands) >= 7, f"tiertopo --help names {len(subcommands)} commands")
tap(set(commands) == subcommands, "COMMANDS has a section for each command of --help and no other",
    f"missing {sorted(subcommands - set(commands))}, unknown {sorted(set(commands) - subcommands)}")
synopsis = unescape(SH.get("SYNOPSIS", ""))
absent = [c for c in subcommands - {"dump"} if not re.search(r"^\.B %s\b" % c, synopsis, re.M)]
tap(not absent, "the SYNOPSIS shows each command", f"missing {absent}")

glob_opts = help_options(top)
man_glob = tags(options.get("Global options", ""), OPT)
tap(glob_opts and man_glob == glob_opts,
    "OPTIONS, Global options describes exactly the options of tiertopo --help",
    f"missing {sorted(glob_opts - man_glob)}, unknown {sorted(man_glob - glob_opts)}")

every_help_opt = set(glob_opts)
for cmd in sorted(subcommands):
    text = help_text("--dump") if cmd == "dump" else help_text(cmd)
    want = help_options(text)
    every_help_opt |= want
    body = commands.get(cmd, "")
    common_line = line_after(body, "The common options it takes:")
    common = set(re.findall(OPT, common_line or ""))
    own = tags(body, OPT)
    got = own | common
    tap(len(want) > 2 and got == want,
        f"{cmd}: the man page's options are those of its --help ({len(want)})",
        f"in --help only: {sorted(want - got)}; in the man page only: {sorted(got - want)}")
    undescribed = sorted(common - described)
    tap(common_line is not None and not undescribed,
        f"{cmd}: its common options are described under OPTIONS",
        f"line {'missing' if common_line is None else 'found'}; not described: {undescribed}")
    want_cols = help_columns(text)
    got_cols = column_tags(body)
    tap(got_cols == want_cols,
        f"{cmd}: the man page's columns are those of its --help ({len(want_cols)})",
        f"in --help only: {sorted(want_cols - got_cols)}; in the man page only: "
        f"{sorted(got_cols - want_cols)}")
    if want_cols:
        defaults = re.findall(COL, re.sub(r"^\.\w+", "", line_after(body, "Default columns:") or ""))
        r = run("-s", SYSROOT, *([] if cmd == "dump" else [cmd]), "-P")
        printed = re.findall(r'(?:^| )([A-Z][A-Z0-9_]*)="', r.stdout.splitlines()[0]) \
            if r.stdout else []
        tap(printed and defaults == printed,
            f"{cmd}: 'Default columns:' is what it prints without -o",
            f"man: {defaults}\nprinted: {printed} (status {r.returncode}) {r.stderr[:200]}")

stale = sorted(described - every_help_opt)
tap(not stale, "OPTIONS describes no option that no --help knows", f"{stale}")

statuses = set(re.findall(r"(\d) [a-z]", top.split("Exit status:", 1)[-1].splitlines()[0]))
man_statuses = tags(SH.get("EXIT STATUS", ""), r"^\.?B? ?(\d)$") | \
    set(re.findall(r"^\.TP\n\.B (\d)$", SH.get("EXIT STATUS", ""), re.M))
tap(statuses and man_statuses == statuses, "EXIT STATUS has exactly the statuses of --help",
    f"--help {sorted(statuses)}, man {sorted(man_statuses)}")

json_sec = unescape(SH.get("JSON", ""))
schema = json.load(open(os.path.join(root, "docs", "tiertopo.schema.json")))
missing = [f"{d}.{k}" for d, v in schema["$defs"].items() if d != "finding"
           for k in v.get("properties", {}) if not re.search(r"\b%s\b" % re.escape(k), json_sec)]
tap("/usr/share/tiertopo/tiertopo.schema.json" in json_sec and not missing,
    "JSON names the installed schema and the top-level keys of every document",
    f"missing: {missing}")

udev_sec = unescape(SH.get("UDEV AND SYSTEMD", ""))
names = [os.path.basename(p)[:-3] if p.endswith(".in") else os.path.basename(p)
         for p in glob.glob(os.path.join(root, "udev", "*")) if not p.endswith("meson.build")]
subsystems = set()
for rules in glob.glob(os.path.join(root, "udev", "*.rules")):
    subsystems |= set(re.findall(r'SUBSYSTEM=="([^"]+)"', open(rules).read()))
missing = [n for n in names + sorted(subsystems) if n not in udev_sec]
units = "".join(open(p).read() for p in glob.glob(os.path.join(root, "udev", "*.service.in")))
for key in ("RuntimeDirectory", "ProtectSystem", "CapabilityBoundingSet", "SystemCallFilter"):
    m = re.search(r"^%s=(\S+)" % key, units, re.M)
    if not m or f"{key}={m.group(1)}" not in udev_sec:
        missing.append(f"{key}={m.group(1) if m else '?'}")
tap(len(names) >= 4 and not missing,
    f"UDEV AND SYSTEMD names the {len(names)} files of udev/, the subsystems the rules match "
    "and the units' settings as they are", f"missing: {missing}")

# tiertopo.conf(5) against the parser
conf = open(os.path.join(root, "man", "tiertopo.conf.5"), encoding="utf-8").read()
src = open(os.path.join(root, "libtopo", "config.c"), encoding="utf-8").read()
parsed = set(re.findall(r'strcmp\(sec, "(\w+)"\)', src)) | {"node N"}
conf_sections = {n.strip("[]") for n in sections(sections(conf, "SH").get("SECTIONS", ""), "SS")}
tap(parsed == conf_sections, "tiertopo.conf(5) has a section for each section config.c parses",
    f"parser {sorted(parsed)}, page {sorted(conf_sections)}")
keys = set(re.findall(r'strcmp\(key, "(\w+)"\)', src))
keys |= set(re.findall(r'"(\w+)"', src[src.index("sink_names[]"):].split(";", 1)[0]))
conf_keys = set()
for body in sections(sections(conf, "SH").get("SECTIONS", ""), "SS").values():
    conf_keys |= tags(body, r"^\.?B[IR]? ?(\w+)") | set(
        re.findall(r"^\.TP\n\.B[IR]? (\w+)", body, re.M))
tap(keys and keys == conf_keys, "tiertopo.conf(5) describes exactly the keys config.c parses",
    f"parser only: {sorted(keys - conf_keys)}; page only: {sorted(conf_keys - keys)}")

# every page renders cleanly
pages = sorted(glob.glob(os.path.join(root, "man", "*.[0-9]"))) + generated
for p in pages:
    r = subprocess.run(["groff", "-man", "-ww", "-z", p], capture_output=True, text=True)
    m = subprocess.run(["man", "-l", p], capture_output=True, text=True,
                       env={**os.environ, "MANWIDTH": "80", "MAN_KEEP_STDERR": "1"})
    tap(r.returncode == 0 and not r.stderr and m.returncode == 0 and not m.stderr.strip()
        and len(m.stdout) > 1000,
        f"{os.path.basename(p)} renders without a warning (groff -ww, man -l)",
        r.stderr + m.stderr)
sys.exit(tap.done())
