#!/usr/bin/env python3
"""tiertopo's benchmarks, as one markdown report on stdout (docs/PERFORMANCE.md is one run of
it). The yardstick is each command's floor: tests/bench/floor.c, a static program that opens
and reads exactly the files tiertopo read on that tree (and lists exactly its directories),
recorded with `strace -f -y` of tiertopo itself, and does nothing else. tiertopo, its floor
and `lstopo-no-graphics --of xml` (HWLOC_COMPONENTS=linux,stop, HWLOC_FSROOT=tree) run
alternately, one round after another (bench-run -a); each ratio is taken within a round and
the report gives the median of the rounds' ratios, so that a machine that slows down or
speeds up during the run weighs on both sides alike. Wall and CPU time and peak RSS come from
wait4() of each program (bench-run.c spawns it directly: no shell, no /usr/bin/time).
Synthetic machines (gen-machine.py) live on tmpfs, which like sysfs serves files from memory.

Without strace there is no floor (its columns say n/a); without lstopo-no-graphics no lstopo
column: the report says which is missing and runs the rest.

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
BIN = os.path.dirname(os.path.abspath(BENCH_PLAN))
BENCH_RUN = os.path.join(BIN, "bench-run")
FLOOR = os.path.join(BIN, "floor")
QUICK = "--quick" in sys.argv
HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = [2, 16, 64] if QUICK else [2, 16, 64, 256, 1024]
STRACE = shutil.which("strace")
# strace may be installed where ptrace is not allowed (some containers)
STRACE_OK = bool(STRACE) and subprocess.run([STRACE, "-o", "/dev/null", "true"],
                                            capture_output=True).returncode == 0
LSTOPO = shutil.which("lstopo-no-graphics")
GOAL_CORPUS, GOAL_1024 = 1.3, 1.5


def run(argv, env=None, runs=7):
    """median wall (ms), median cpu (ms), peak RSS (KiB) of RUNS runs (bench-run)"""
    out = subprocess.run([BENCH_RUN, str(runs)] + argv, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{argv}: {out.stderr.strip()}")
    f = dict(kv.split("=") for kv in out.stdout.split())
    return float(f["wall_ms"]), float(f["cpu_ms"]), int(f["maxrss_kb"])


def rounds(cmds, env, runs):
    """run CMDS alternately RUNS rounds; per command the lists of walls, cpus and peak RSS"""
    argv = [BENCH_RUN, "-a", str(runs)]
    for i, c in enumerate(cmds):
        argv += ([":::"] if i else []) + c
    out = subprocess.run(argv, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{cmds}: {out.stderr.strip()}")
    res = [([], [], []) for _ in cmds]
    for line in out.stdout.split("\n"):
        v = line.split()
        for i in range(len(v) // 3):
            res[i][0].append(float(v[3 * i]))
            res[i][1].append(float(v[3 * i + 1]))
            res[i][2].append(int(v[3 * i + 2]))
    return res


def med_ratio(a, b):
    """median over the rounds of a[i] / b[i]"""
    return statistics.median(x / y for x, y in zip(a, b) if y > 0) if a else float("nan")


_UNFINISHED = re.compile(r"^(\d+)\s+(\w+)\((.*) <unfinished \.\.\.>$")
_RESUMED = re.compile(r"^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$")
_CALL = re.compile(r"^(\d+)\s+(\w+)\((.*)$")


def record(argv, tree, listfile, every=None):
    """strace ARGV, write the floor's list of what it read below TREE to LISTFILE (in the
    order of first use: "R BYTES PATH" for files read, "D PATH" for directories listed), and
    return (opens below the tree that succeeded, distinct paths among them, paths opened
    more than once). With EVERY (the number of reports of `stat`), only what each report
    reads again: the files read at least EVERY times (the bytes of one read) and the
    directories opened at least EVERY times."""
    tree = os.path.realpath(tree)
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as log:
        subprocess.run([STRACE, "-f", "-qq", "-y", "-e", "trace=openat,openat2,read,pread64,getdents64",
                        "-o", log.name] + argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        pending = {}
        order, nbytes, dirs, opened, reads = [], {}, set(), {}, {}
        for line in log:
            line = line.rstrip("\n")
            m = _UNFINISHED.match(line)
            if m:
                pending[m.group(1)] = (m.group(2), m.group(3))
                continue
            m = _RESUMED.match(line)
            if m:
                call, head = pending.pop(m.group(1), (m.group(2), ""))
                line = f"{m.group(1)} {call}({head}{m.group(3)}"
            m = _CALL.match(line)
            if not m:
                continue
            call, rest = m.group(2), m.group(3)
            res = re.search(r"\) += (-?\d+)(?:<(.*)>)?(?: .*)?$", rest)
            if not res:
                continue
            ret = int(res.group(1))
            if call in ("openat", "openat2"):
                path = res.group(2)
                if ret >= 0 and path and path.startswith(tree + "/") and "O_PATH" not in rest:
                    opened[path] = opened.get(path, 0) + 1
                continue
            fd = re.match(r"\d+<(.*?)>, ", rest)
            if not fd or not fd.group(1).startswith(tree + "/") or ret < 0:
                continue
            path = fd.group(1)
            if call == "getdents64":
                if path not in dirs:
                    dirs.add(path)
                    order.append(path)
            else:
                if path not in nbytes:
                    nbytes[path] = 0
                    order.append(path)
                nbytes[path] += ret
                reads[path] = reads.get(path, 0) + 1
    # a file opened twice may have been read twice: the floor reads it once
    with open(listfile, "w") as f:
        for p in order:
            if every and (opened.get(p, 0) if p in dirs else reads[p]) < every:
                continue
            if p in dirs:
                f.write(f"D {p}\n")
            else:
                f.write(f"R {nbytes[p] // (reads[p] if every else 1)} {p}\n")
    return sum(opened.values()), len(opened), sum(1 for v in opened.values() if v > 1)


def floor_of(argv, tree, work, name):
    """the floor's command line for ARGV on TREE (None without strace), and the open counts"""
    if not STRACE_OK:
        return None, None
    lst = f"{work}/{name}.list"
    counts = record(argv, tree, lst)
    return [FLOOR, lst], counts


def fmt(x, unit="", digits=2):
    return "n/a" if x is None or x != x else f"{x:.{digits}f}{unit}"


def compare(tree, argv, work, name, runs, with_lstopo=True):
    """tiertopo ARGV, its floor and (if asked and installed) lstopo on TREE, alternately:
    dict of medians and median ratios"""
    fl, counts = floor_of(argv, tree, work, name)
    cmds = [argv] + ([fl] if fl else [])
    env = dict(os.environ, HWLOC_FSROOT=tree, HWLOC_COMPONENTS="linux,stop")
    ls = with_lstopo and LSTOPO
    # lstopo gives up on some trees (no sys/devices/system/cpu): then it has no column
    if ls and subprocess.run([LSTOPO, "--of", "xml", "-"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL).returncode != 0:
        ls = False
    if ls:
        cmds.append([LSTOPO, "--of", "xml", "-"])
    r = rounds(cmds, env, runs)
    out = {"wall": statistics.median(r[0][0]), "cpu": statistics.median(r[0][1]),
           "rss": max(r[0][2]), "counts": counts, "floor": None, "ratio": None,
           "cpu_ratio": None, "lstopo": None, "vs_lstopo": None}
    if fl:
        out.update(floor=statistics.median(r[1][0]), ratio=med_ratio(r[0][0], r[1][0]),
                   floor_cpu=statistics.median(r[1][1]), cpu_ratio=med_ratio(r[0][1], r[1][1]))
    if ls:
        out.update(lstopo=statistics.median(r[-1][0]), vs_lstopo=med_ratio(r[-1][0], r[0][0]))
    return out


def row(name, c, goal, lstopo_goal=False):
    """one table row; GOAL: the ratio to the floor asked for (None: no goal at this size);
    LSTOPO_GOAL: never slower than lstopo too"""
    opens = "n/a"
    if c["counts"]:
        calls, distinct, twice = c["counts"]
        opens = f"{calls} / {distinct}" + (f" ({twice} twice)" if twice else "")
    met = "n/a" if goal else "-"
    if goal and c["ratio"] is not None:
        ok = c["ratio"] <= goal and not (lstopo_goal and c["vs_lstopo"] is not None and c["vs_lstopo"] < 1)
        met = "yes" if ok else "**no**"
    return (f"| {name} | {fmt(c['wall'], ' ms')} | {fmt(c['floor'], ' ms')} | {fmt(c['ratio'], 'x')} | "
            f"{fmt(c['cpu_ratio'], 'x')} | {fmt(c['lstopo'], ' ms')} | {fmt(c['vs_lstopo'], 'x', 1)} | "
            f"{c['rss'] / 1024:.1f} MiB | {opens} | {met} |")


HEAD = ("| {what} | tiertopo wall | floor wall | tiertopo / floor | same, CPU time | lstopo wall | "
        "lstopo / tiertopo | tiertopo peak RSS | opens below the tree / distinct | goal |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|:-:|")


def corpus(work, out):
    tarballs = sorted(glob.glob(f"{SHARED}/corpus/hwloc/*.tar.bz2") +
                      glob.glob(f"{SHARED}/corpus/machines/*.tar.bz2"))
    out.append(f"### The corpus: `tiertopo -s TREE --dump --json` (goal: <= {GOAL_CORPUS}x its floor, "
               "lstopo / tiertopo >= 1)")
    out.append("")
    if not tarballs:
        out.append(f"Skipped: no corpus below {SHARED}/corpus (meson option shared_dir).")
        out.append("")
        return
    out.append(HEAD.format(what="tree"))
    runs = 11 if QUICK else 41
    for tb in tarballs:
        d = tempfile.mkdtemp(dir=work)
        with tarfile.open(tb) as t:
            t.extractall(d)
        for top in sorted(os.listdir(d)):
            root = os.path.join(d, top)
            if not os.path.isdir(root):
                continue
            name = f"{os.path.basename(os.path.dirname(tb))}/{os.path.basename(tb)[:-8]}"
            c = compare(root, [TIERTOPO, "-s", root, "--dump", "--json"], work, "corpus", runs)
            out.append(row(name, c, GOAL_CORPUS, lstopo_goal=True))
        shutil.rmtree(d)
    out.append("")


def synthetic(work, out):
    out.append("### Synthetic machines (tests/bench/gen-machine.py, on tmpfs): `--dump --json` "
               f"(goal at 1024 nodes: <= {GOAL_1024}x its floor)")
    out.append("")
    out.append(HEAD.format(what="nodes"))
    extra = []
    runs = 5 if QUICK else 11
    for n in SIZES:
        tree = f"{work}/m{n}"
        subprocess.run([sys.executable, f"{HERE}/gen-machine.py", str(n), tree, "--vmstat"], check=True)
        c = compare(tree, [TIERTOPO, "-s", tree, "--dump", "--json"], work, f"m{n}", runs)
        out.append(row(str(n), c, GOAL_1024 if n == 1024 else None))
        if n == SIZES[-1]:
            extra = more(n, tree, work, runs)
        shutil.rmtree(tree)
    out.append("")
    out.extend(extra)


def more(n, tree, work, runs):
    """plan, apply --dry-run, in-process discover+plan, a real apply twice and stat on the
    largest machine"""
    out = [f"### {n} nodes: `plan`, `apply --dry-run` (goal: <= {GOAL_1024}x floor), state file, "
           "`stat`", ""]
    out.append(HEAD.format(what="command"))
    for cmd in (["plan"], ["apply", "--dry-run"]):
        c = compare(tree, [TIERTOPO, "-s", tree] + cmd, work, "cmd", runs, with_lstopo=False)
        out.append(row(" ".join(cmd), c, GOAL_1024))
    out.append("")
    bp = subprocess.run([BENCH_PLAN, tree, "5" if QUICK else "21"], capture_output=True, text=True,
                        check=True).stdout
    f = dict(kv.split("=") for kv in bp.split())
    out.append(f"In process (`bench-plan`: `topo_ctx_new` + `topo_discover` + `topo_plan_new`, "
               f"{5 if QUICK else 21} times): median {float(f['median_ms']):.1f} ms, best "
               f"{float(f['best_ms']):.1f} ms.")
    # apply for real on a copy, twice: the second must find nothing to change
    copy = f"{work}/a{n}"
    shutil.copytree(tree, copy, symlinks=True)
    first = run([TIERTOPO, "-s", copy, "apply"], runs=1)
    t0 = time.monotonic()
    again = subprocess.run([TIERTOPO, "-s", copy, "apply"], capture_output=True, text=True,
                           check=True).stdout
    ms = (time.monotonic() - t0) * 1000
    size = os.path.getsize(f"{copy}/run/tiertopo/state.json")
    out.append(f"A real `apply` on a copy: {first[0]:.0f} ms, peak RSS {first[2] / 1024:.1f} MiB, "
               f"state file {size / 1e6:.2f} MB (goal <= 2 MB: {'met' if size <= 2e6 else '**not met**'}); "
               f"a second `apply`: {'nothing to change' if 'nothing to change' in again else '**CHANGED AGAIN**'}"
               f" in {ms:.0f} ms.")
    shutil.rmtree(copy)
    out.extend(stat_interval(n, tree, work))
    return out


def stat_interval(n, tree, work):
    """`tiertopo stat`'s CPU per interval against its floor's: the floor reads what one
    interval of `stat` reads (recorded from `stat 0.1 20`: what every report read again, the
    node directory's listing and every vmstat file) with open, read, close each time. CPU per
    interval is the difference between K+1 reports and 1 (start-up, discovery and the
    since-boot report cancel out), for tiertopo and for the floor repeating its list K+1
    times and once; the four run alternately and the ratio is taken per round (median)."""
    k = 20 if QUICK else 100
    nrounds = 5 if QUICK else 11
    cmd = [TIERTOPO, "-s", tree, "stat", "0.001"]
    out = []
    if not STRACE_OK:
        one = run(cmd + ["1"], runs=5)
        many = run(cmd + [str(k + 1)], runs=5)
        out.append(f"`tiertopo stat` on {n} nodes: {(many[1] - one[1]) / k:.2f} ms of CPU per "
                   "interval (no strace: no floor).")
        out.append("")
        return out
    lst = f"{work}/stat.list"
    record([TIERTOPO, "-s", tree, "stat", "0.1", "20"], tree, lst, every=20)
    with open(lst) as f:
        entries = f.read().split("\n")
    files = sum(1 for e in entries if e.startswith("R "))
    dirs = sum(1 for e in entries if e.startswith("D "))
    r = rounds([cmd + ["1"], cmd + [str(k + 1)], [FLOOR, lst, "1"], [FLOOR, lst, str(k + 1)],
                [FLOOR, lst, "1", "held"], [FLOOR, lst, str(k + 1), "held"]], None, nrounds)
    per = [(b - a) / k for a, b in zip(r[0][1], r[1][1])]
    fper = [(b - a) / k for a, b in zip(r[2][1], r[3][1])]
    hper = [(b - a) / k for a, b in zip(r[4][1], r[5][1])]
    ratio = med_ratio(per, fper)
    out.append(f"`tiertopo stat 0.001 {k + 1}` against `stat 0.001 1` on {n} nodes, {nrounds} "
               "alternating rounds (CPU time per interval, median; default table output):")
    out.append("")
    out.append("| per interval | CPU | tiertopo / it |")
    out.append("|---|---:|---:|")
    out.append(f"| tiertopo stat | {statistics.median(per):.2f} ms | - |")
    out.append(f"| floor: list {dirs} directory, open+read+close {files} files | "
               f"{statistics.median(fper):.2f} ms | {ratio:.2f}x |")
    out.append(f"| floor with the files held open (pread) | {statistics.median(hper):.2f} ms | "
               f"{med_ratio(per, hper):.2f}x |")
    out.append("")
    out.append(f"Goal `stat` <= {GOAL_1024}x the floor (open+read+close): "
               f"{'met' if ratio <= GOAL_1024 else '**not met**'}.")
    out.append("")
    return out


def storm(work, out):
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


class Report(list):
    """the report's lines, printed as they come: a run cut short still shows what it had"""

    def append(self, line):
        print(line, flush=True)

    def extend(self, lines):
        for line in lines:
            self.append(line)


def main():
    work = "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()
    work = tempfile.mkdtemp(prefix="tiertopo-bench-", dir=work)
    out = Report()
    cpuinfo = open("/proc/cpuinfo").read()
    model = re.search(r"model name\s*:\s*(.*)", cpuinfo)
    with open(FLOOR, "rb") as f:  # a dynamic executable names its loader near the start
        static = "dynamically (no static libc here)" if b"/ld-" in f.read(4096) else "statically"
    out.append(f"Machine: {os.cpu_count()} cores ({model.group(1) if model else 'cpu unknown'}), "
               f"{platform.machine()}, Linux {platform.release()}; load average at the start "
               f"{os.getloadavg()[0]:.1f}. The floor is linked {static}.")
    if not STRACE_OK:
        out.append("")
        out.append(f"strace is {'not allowed to trace here' if STRACE else 'not installed'}: no floor "
                   "is recorded (floor columns: n/a).")
    if not LSTOPO:
        out.append("")
        out.append("lstopo-no-graphics is not installed (hwloc-nox): no lstopo column.")
    out.append("")
    try:
        corpus(work, out)
        synthetic(work, out)
        storm(work, out)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
