#!/usr/bin/env python3
"""tiertopo watch under a flood: 1,000,000 replayed memory uevents, a recording in a regular
file (always readable: a loop that reads until there is nothing left would not come back
before its end). While watch is in the middle of it (its file offset says where), SIGHUP is
answered (the configuration re-read) and SIGTERM ends it, each within 100 ms; the whole flood
is one burst, so it applies once (with a max_wait longer than the flood). watch reads the
recording from its start, so the flood falls in the burst its start apply waits for: that
apply, and no other, counts the 1,000,000 events.

usage: test-flood.py TIERTOPO FIXTURES_DIR"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from tap import Tap  # noqa: E402

T, FIX = os.path.realpath(sys.argv[1]), sys.argv[2]
EVENTS = 1_000_000
CHUNK = 10_000  # distinct events in one block of the recording, written EVENTS/CHUNK times
LIMIT = 0.100  # seconds to answer a signal
tap = Tap()


def recording(path):
    """EVENTS memory online events as `udevadm monitor --property` prints them, shortened to
    the keys watch reads (ACTION, DEVPATH, SUBSYSTEM)"""
    with open(path, "w") as f:
        for base in range(0, EVENTS, CHUNK):
            f.write("".join(f"ACTION=online\nDEVPATH=/devices/system/memory/memory{base + i}\n"
                            "SUBSYSTEM=memory\n\n" for i in range(CHUNK)))
    return os.path.getsize(path)


class Watch:
    """tiertopo watch --events - on a fixture copy; its log lines with their arrival times"""

    def __init__(self, root, events):
        self.lines = []
        self.cond = threading.Condition()
        # the recording on its stdin: /proc/PID/fdinfo/0 shows how far it has read
        with open(events, "rb") as f:
            self.p = subprocess.Popen(
                [T, "-s", root, "watch", "--events", "-", "--debounce", "1", "--max-wait",
                 "600"], stdin=f, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.p.stderr:
            with self.cond:
                self.lines.append((time.monotonic(), raw.decode(errors="replace").rstrip()))
                self.cond.notify_all()

    def wait_line(self, pattern, timeout):
        """the arrival time of the first line matching @pattern, or None"""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, line in self.lines:
                    if re.search(pattern, line):
                        return t
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def pos(self):
        try:
            with open(f"/proc/{self.p.pid}/fdinfo/0") as f:
                return int(re.search(r"^pos:\s*(\d+)", f.read(), re.M).group(1))
        except (OSError, AttributeError):
            return -1

    def until_read(self, n, timeout=60):
        """wait until it has read @n bytes of the recording; how far it is"""
        end = time.monotonic() + timeout
        while 0 <= self.pos() < n and self.p.poll() is None and time.monotonic() < end:
            time.sleep(0.0005)
        return self.pos()

    def log(self):
        return "\n".join(line for _, line in self.lines)


def fixture(tmp, name):
    root = os.path.join(tmp, name)
    shutil.copytree(os.path.join(FIX, "sysfs", "sparse5"), root, symlinks=True)
    os.makedirs(os.path.join(root, "etc", "tiertopo"), exist_ok=True)
    with open(os.path.join(root, "etc", "tiertopo", "tiertopo.conf"), "w") as f:
        f.write("[hooks]\ntimeout = 5\n")
    return root


def main():
    tmp = tempfile.mkdtemp(prefix="topo-flood-")
    try:
        events = os.path.join(tmp, "flood.events")
        size = recording(events)
        # --- SIGHUP under the flood, then one apply for the whole burst ---------------------
        w = Watch(fixture(tmp, "hup"), events)
        at = w.until_read(size // 4)
        sent = time.monotonic()
        w.p.send_signal(signal.SIGHUP)
        answered = w.wait_line(r"configuration re-read", 10)
        took = (answered - sent) if answered else None
        tap(size // 4 <= at < size,
            f"the flood was still on when SIGHUP was sent (read {at} of {size} bytes)")
        tap(took is not None and took <= LIMIT,
            f"SIGHUP answered within {LIMIT * 1000:.0f} ms under the flood "
            f"({'never' if took is None else f'{took * 1000:.1f} ms'})", w.log())
        try:
            rc = w.p.wait(300)
        except subprocess.TimeoutExpired:
            w.p.kill()
            rc = None
        tap(rc == 0, f"it ends cleanly at the end of the recording (status {rc})", w.log())
        applies = re.findall(r"apply #\d+ \((?:events|start), (\d+) events", w.log())
        tap(applies == [str(EVENTS)],
            f"one apply for the burst of {EVENTS} events (applies: {applies})", w.log())

        # --- SIGTERM under the flood ---------------------------------------------------------
        w = Watch(fixture(tmp, "term"), events)
        at = w.until_read(size // 4)
        sent = time.monotonic()
        w.p.send_signal(signal.SIGTERM)
        try:
            rc = w.p.wait(10)
            exited = time.monotonic() - sent
        except subprocess.TimeoutExpired:
            w.p.kill()
            rc, exited = w.p.wait(), None
        answered = w.wait_line(r"SIGTERM: stopping", 1)
        took = (answered - sent) if answered else None
        tap(size // 4 <= at < size,
            f"the flood was still on when SIGTERM was sent (read {at} of {size} bytes)")
        tap(took is not None and took <= LIMIT,
            f"SIGTERM answered (its loop stops) within {LIMIT * 1000:.0f} ms under the flood "
            f"({'never' if took is None else f'{took * 1000:.1f} ms'})", w.log())
        # the exit after it: a sanitizer's leak check at exit may take a moment
        tap(exited is not None and exited <= 2,
            f"... and it exits ({'never' if exited is None else f'{exited * 1000:.1f} ms'}), "
            f"status 0 ({rc})" if rc == 0 else f"... with status 0 ({rc})", w.log())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


sys.exit(main())
