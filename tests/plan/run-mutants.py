#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Mutants of the kernel models (issue 16, done-when 4): each tests/plan/mutants/*.patch
breaks one rule in a copy of libtopo/model (its first line says which); the property test
(tests/plan/test-plan-property.c) is linked against that copy and must FAIL. First the
unbroken copy, built the same way, must pass with the same number of machines: that is what
makes a mutant's failure mean something.

Only the mutated file is compiled (with the build's own command, from ninja), and the test
is linked with the build's own link command, the model library replaced by the copy's
objects. Suite 'mutants' (not in the default run; .ci/run runs it).

usage: run-mutants.py BUILD_ROOT SOURCE_ROOT"""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

tap = Tap()
BUILD, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
TARGET = "tests/plan/test-plan-property"
RUNS = os.environ.get("TOPO_MUTANT_RUNS", "1500")
MODEL_LIB = "libtopo/model/libtopo-model.a"

cmds = subprocess.run(["ninja", "-C", BUILD, "-t", "commands", TARGET], capture_output=True,
                      text=True, check=True).stdout.splitlines()
link = shlex.split(cmds[-1])
compile_cmd = {}  # model source basename -> the build's compile command
for c in cmds:
    m = re.search(r" -c (\S*libtopo/model/(\w+\.c))$", c)
    if m:
        compile_cmd[m.group(2)] = (shlex.split(c), m.group(1))
if MODEL_LIB not in link or not compile_cmd:
    tap(False, "the build's link and compile commands of the property test are known",
        f"link: {cmds[-1]}\nmodel sources: {sorted(compile_cmd)}")
    sys.exit(tap.done())


def compile_one(name, src, obj):
    argv, orig = compile_cmd[name]
    out = []
    skip = 0
    for a in argv:
        if skip:
            skip -= 1
            continue
        if a in ("-MD",):
            continue
        if a in ("-MQ", "-MF", "-o"):
            skip = 1
            continue
        out.append(src if a == orig else a)
    out[-1:] = [src]  # the source comes last (-c SRC)
    return subprocess.run(out + ["-o", obj], cwd=BUILD, capture_output=True, text=True)


def build(tmp, objs):
    exe = os.path.join(tmp, "test-plan-property")
    argv = []
    skip = False
    for a in link:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a == MODEL_LIB:
            argv += objs
        else:
            argv.append(a)
    p = subprocess.run(argv + ["-o", exe], cwd=BUILD, capture_output=True, text=True)
    return exe if p.returncode == 0 else None, p.stderr


def run(exe):
    env = dict(os.environ, TOPO_PROPERTY_RUNS=RUNS)
    p = subprocess.run([exe, "--tap=-"], capture_output=True, text=True, env=env, timeout=600)
    return p.returncode, p.stdout + p.stderr


with tempfile.TemporaryDirectory() as tmp:
    # the unbroken copy: every model object from the sources as they are
    base = os.path.join(tmp, "base")
    os.makedirs(base)
    objs = {}
    ok = True
    for name in sorted(compile_cmd):
        obj = os.path.join(base, name + ".o")
        p = compile_one(name, os.path.join(SRC, "libtopo", "model", name), obj)
        ok &= p.returncode == 0
        objs[name] = obj
    exe, why = build(base, list(objs.values())) if ok else (None, "compile failed")
    rc, out = run(exe) if exe else (-1, why)
    tap(rc == 0, f"the unbroken model copy passes the property test ({RUNS} machines)", out[-3000:])
    if rc != 0:
        sys.exit(tap.done())

    for patch in sorted(glob.glob(os.path.join(SRC, "tests", "plan", "mutants", "*.patch"))):
        mname = os.path.basename(patch)[:-len(".patch")]
        what = open(patch).readline().strip()
        d = os.path.join(tmp, mname)
        shutil.copytree(os.path.join(SRC, "libtopo", "model"), os.path.join(d, "libtopo", "model"))
        p = subprocess.run(["patch", "-s", "-p1", "-d", d, "-i", patch], capture_output=True, text=True)
        touched = sorted(set(re.findall(r"^\+\+\+ b/libtopo/model/(\w+\.c)", open(patch).read(), re.M)))
        if p.returncode or not touched:
            tap(False, f"mutant {mname} applies to libtopo/model", p.stdout + p.stderr)
            continue
        mobjs = dict(objs)
        err = ""
        for name in touched:
            obj = os.path.join(d, name + ".o")
            c = compile_one(name, os.path.join(d, "libtopo", "model", name), obj)
            err += c.stderr
            mobjs[name] = obj if c.returncode == 0 else None
        exe, why = build(d, list(mobjs.values())) if None not in mobjs.values() else (None, err)
        if not exe:
            tap(False, f"mutant {mname} builds", why)
            continue
        rc, out = run(exe)
        reason = next((l for l in out.splitlines() if "run " in l and ("reference" in l or "differ" in l
                       or "not slower" in l or "target" in l)), "") or \
            next((l for l in out.splitlines() if "never exercised" in l or "Assertion" in l), "")
        tap(rc != 0, f"mutant {mname} ({what}) fails the property test"
            + (f": {reason.strip(' [-]')}" if rc != 0 else ""),
            f"the property test passed with this rule broken ({RUNS} machines)")
sys.exit(tap.done(need_some=True))
