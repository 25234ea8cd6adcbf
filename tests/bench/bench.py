#!/usr/bin/env python3
"""tiertopo's benchmarks, as one markdown report on stdout (docs/PERFORMANCE.md is one run of
it). Wall time is the median of repeated runs; CPU time and peak RSS come from the kernel's
rusage of each run (wait4 in bench-run.c, which spawns the program directly). Synthetic machines (gen-machine.py) live on tmpfs, which like
sysfs serves files from memory.

usage: bench.py TIERTOPO BENCH_PLAN SOURCE_DIR SHARED_DIR [--quick]"""
import glob
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

TIERTOPO, BENCH_PLAN, SRC, SHARED = sys.argv[1:5]
BENCH_RUN = os.path.join(os.path.dirname(os.path.abspath(BENCH_PLAN)), "bench-run")
QUICK = "--quick" in sys.argv
HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = [2, 16, 64, 256, 1024]


def run(argv, env=None, runs=7):
    """median wall (ms), median cpu (ms), peak RSS (KiB) of RUNS runs, measured by bench-run
    around posix_spawn() and wait4() of the program itself (no shell, no /usr/bin/time)"""
    out = subprocess.run([BENCH_RUN, str(runs)] + argv, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{argv}: {out.stderr.strip()}")
    f = dict(kv.split("=") for kv in out.stdout.split())
    return float(f["wall_ms"]), float(f["cpu_ms"]), int(f["maxrss_kb"])


def paired(a, env_a, b, env_b, runs):
    """median walls of A and B, run alternately (A, B, A, B, ...) so that a machine that
    speeds up or slows down during the run weighs on both alike"""
    wa, wb = [], []
    for _ in range(runs):
        wa.append(run(a, env_a, 1)[0])
        wb.append(run(b, env_b, 1)[0])
    return statistics.median(wa), statistics.median(wb)


def opens(tree):
    """openat calls below the tree (whether by path or relative to a directory fd below it),
    and the distinct files among them that opened (strace -y names every fd's file)"""
    tree = os.path.realpath(tree)
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as log:
        subprocess.run(["strace", "-f", "-qq", "-y", "-e", "trace=openat", "-o", log.name, TIERTOPO,
                        "-s", tree, "--dump", "--json"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        calls, ok = 0, set()
        for line in log:
            m = re.search(r'openat\((?:AT_FDCWD|\d+<([^>]*)>), "([^"]*)"', line)
            if m:
                where = m.group(2) if m.group(2).startswith("/") else (m.group(1) or "")
                if where.startswith(tree + "/") or where == tree:
                    calls += 1
            r = re.search(r'= \d+<([^>]*)>$', line.strip())
            if r and r.group(1).startswith(tree + "/"):
                ok.add(r.group(1))
        return calls, len(ok)


def main():
    work = "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()
    work = tempfile.mkdtemp(prefix="tiertopo-bench-", dir=work)
    out = []
    cpuinfo = open("/proc/cpuinfo").read()
    model = re.search(r"model name\s*:\s*(.*)", cpuinfo)
    out.append(f"Machine: {os.cpu_count()} cores ({model.group(1) if model else 'cpu unknown'}), "
               f"{platform.machine()}, Linux {platform.release()}.")
    out.append("")
    out.append("### Synthetic machines (tests/bench/gen-machine.py, on tmpfs)")
    out.append("")
    out.append("| nodes | discover+plan in process (median / best) | peak RSS | `--dump --json` wall / cpu / RSS | "
               "`plan` wall / cpu | `apply --dry-run` wall / cpu | files opened / needed | "
               "`lstopo-no-graphics --of xml` wall | lstopo / tiertopo |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    lstopo = shutil.which("lstopo-no-graphics")
    second = []
    for n in (SIZES[:3] if QUICK else SIZES):
        tree = f"{work}/m{n}"
        subprocess.run([sys.executable, f"{HERE}/gen-machine.py", str(n), tree], check=True)
        with tempfile.NamedTemporaryFile("r") as t:
            bp = subprocess.run(["/usr/bin/time", "-o", t.name, "-f", "%M", BENCH_PLAN, tree,
                                 "5" if QUICK else "21"], capture_output=True, text=True,
                                check=True).stdout
            f = dict(kv.split("=") for kv in bp.split())
            f["maxrss_kb"] = t.read().split()[-1]  # as GNU time sees it, without python's pages
        runs = 3 if QUICK else 7
        dj = run([TIERTOPO, "-s", tree, "--dump", "--json"], runs=runs)
        pl = run([TIERTOPO, "-s", tree, "plan"], runs=runs)
        ap = run([TIERTOPO, "-s", tree, "apply", "--dry-run"], runs=runs)
        calls, needed = opens(tree)
        # apply for real on a copy, twice: the second must find nothing to change
        copy = f"{work}/a{n}"
        shutil.copytree(tree, copy, symlinks=True)
        subprocess.run([TIERTOPO, "-s", copy, "apply"], capture_output=True, check=True)
        t0 = time.monotonic()
        again = subprocess.run([TIERTOPO, "-s", copy, "apply"], capture_output=True, text=True,
                               check=True).stdout
        second.append((n, (time.monotonic() - t0) * 1000, "nothing to change" in again,
                       os.path.getsize(f"{copy}/run/tiertopo/state.json")))
        shutil.rmtree(copy)
        if lstopo:
            env = dict(os.environ, HWLOC_FSROOT=tree, HWLOC_COMPONENTS="linux,stop")
            ls = run([lstopo, "--of", "xml", "-"], env=env, runs=runs)
            lcol, ratio = f"{ls[0]:.1f} ms", f"{ls[0] / dj[0]:.1f}x"
        else:
            lcol = ratio = "n/a"
        out.append(f"| {n} | {float(f['median_ms']):.1f} / {float(f['best_ms']):.1f} ms | "
                   f"{int(f['maxrss_kb']) / 1024:.1f} MiB | {dj[0]:.1f} ms / {dj[1]:.0f} ms / "
                   f"{dj[2] / 1024:.1f} MiB | {pl[0]:.1f} / {pl[1]:.0f} ms | {ap[0]:.1f} / {ap[1]:.0f} ms | "
                   f"{calls} / {needed} ({calls / needed:.2f}) | {lcol} | {ratio} |")
        shutil.rmtree(tree)

    out.append("")
    out.append("A real `apply` on a copy of each machine, then a second one, which must change "
               "nothing: " + "; ".join(f"{n} nodes: {'nothing to change' if ok else 'CHANGED AGAIN'}"
                                      f" in {ms:.0f} ms, state file {size / 1e6:.1f} MB"
                                      for n, ms, ok, size in second) + ".")
    out.append("")
    out.append("### hwloc's corpus (../shared/corpus/hwloc): `tiertopo --dump --json` against "
               "`lstopo-no-graphics --of xml` on the same tree")
    out.append("")
    bench_lib = os.path.join(os.path.dirname(os.path.abspath(BENCH_PLAN)), "bench-lib")
    out.append("| tree | tiertopo | lstopo | lstopo / tiertopo | in process: libtopo (discover, plan, "
               "JSON) | libhwloc (load, XML) | libhwloc / libtopo |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for tb in sorted(glob.glob(f"{SHARED}/corpus/hwloc/*.tar.bz2")):
        d = tempfile.mkdtemp(dir=work)
        with tarfile.open(tb) as t:
            t.extractall(d)
        root = os.path.join(d, os.listdir(d)[0])
        runs = 11 if QUICK else 41
        env = dict(os.environ, HWLOC_FSROOT=root, HWLOC_COMPONENTS="linux,stop")
        if lstopo:
            tt, ls = paired([TIERTOPO, "-s", root, "--dump", "--json"], None,
                            [lstopo, "--of", "xml", "-"], env, runs)
        else:
            tt, ls = run([TIERTOPO, "-s", root, "--dump", "--json"], runs=runs)[0], float("nan")
        lib = "n/a | n/a | n/a"
        if os.access(bench_lib, os.X_OK):
            f = dict(kv.split("=") for kv in subprocess.run(
                [bench_lib, root, "21" if QUICK else "201"], capture_output=True, text=True,
                check=True).stdout.split())
            lt, lh = float(f["libtopo_ms"]), float(f["hwloc_ms"])
            lib = f"{lt:.2f} ms | {lh:.2f} ms | {lh / lt:.1f}x"
        out.append(f"| {os.path.basename(tb)[:-8]} | {tt:.2f} ms | {ls:.2f} ms | {ls / tt:.1f}x | {lib} |")

    out.append("")
    out.append("### `tiertopo watch`: a storm of 24,576 memory `online` uevents over 2 s")
    out.append("")
    tree = f"{work}/storm"
    shutil.copytree(f"{SRC}/fixtures/sysfs/sparse5", tree, symlinks=True)
    fifo = f"{work}/fifo"
    os.mkfifo(fifo)
    keep = os.open(fifo, os.O_RDWR)
    p = subprocess.Popen([TIERTOPO, "-s", tree, "watch", "--events", fifo, "--debounce", "0.5"],
                         stderr=subprocess.PIPE, text=True, pass_fds=())
    time.sleep(1)
    subprocess.run([sys.executable, f"{HERE}/../watch/storm.py", fifo, "24576", "2"], check=True)
    os.close(keep)
    _, status, ru = os.wait4(p.pid, 0)
    applies = p.stderr.read().count("apply #")
    out.append(f"CPU time of the daemon for the whole run: {(ru.ru_utime + ru.ru_stime) * 1000:.0f} ms "
               f"(user {ru.ru_utime * 1000:.0f} ms, system {ru.ru_stime * 1000:.0f} ms), "
               f"{applies} applies (one at start, one for the storm), peak RSS {ru.ru_maxrss / 1024:.1f} MiB.")
    shutil.rmtree(work)
    print("\n".join(out))


if __name__ == "__main__":
    main()
