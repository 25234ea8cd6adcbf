#!/usr/bin/env python3
"""Turn a qemu-lab kernel view (state-*.txt: `path=value` lines the guest's dump-state
wrote) into a sysroot tiertopo can read. Only what the file records is written: values as
files, `initiators:`/`targets:` lists as node links, `-> target` lines as symlinks, bus
devices as plain directories (their place under devices/ was not recorded), and the
kernel log lines as a dev/kmsg file.

usage: state2sysroot.py STATE.txt DEST"""
import os
import re
import sys


def write(dest, path, value):
    full = os.path.join(dest, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(value + "\n")


def link(dest, path, target):
    full = os.path.join(dest, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if os.path.lexists(full):
        os.unlink(full)
    os.symlink(target, full)


def convert(state, dest):
    meminfo = {}
    log = None
    for line in open(state, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if log is not None:
            log.append(line)
            continue
        if line.startswith("## dmesg"):
            log = []  # the kernel log: what dev/kmsg would give
            continue
        m = re.match(r"^uname -r=(.*)$", line)
        if m:
            write(dest, "/proc/sys/kernel/osrelease", m.group(1))
            continue
        m = re.match(r"^(/sys/\S+) -> (\S+)$", line)
        if m:
            link(dest, m.group(1), m.group(2))
            continue
        m = re.match(r"^(/sys/devices/system/node/node\d+/access\d)/(initiators|targets): ?(.*)$", line)
        if m:
            d = os.path.join(dest, m.group(1).lstrip("/"), m.group(2))
            os.makedirs(d, exist_ok=True)
            for n in m.group(3).split():
                link(dest, f"{m.group(1)}/{m.group(2)}/{n}", f"../../../{n}")
            continue
        m = re.match(r"^(/sys/devices/system/node/node(\d+))/(MemTotal)=(\d+) kB$", line)
        if m:
            meminfo.setdefault(m.group(1), []).append(f"Node {m.group(2)} {m.group(3)}:  {m.group(4)} kB")
            continue
        m = re.match(r"^(/sys/\S+)=(.*)$", line)
        if not m:
            continue
        path, value = m.groups()
        if value.startswith("cat: ") or path.endswith("/memory_blocks"):
            continue  # unreadable in the guest; a count, not a file
        if re.match(r"^/sys/bus/nd/devices/[^/]+/devtype$", path):
            write(dest, path.rsplit("/", 1)[0] + "/uevent", f"DEVTYPE={value}")
            continue
        write(dest, path, value)
    for node, lines in meminfo.items():
        write(dest, node + "/meminfo", "\n".join(lines))
    if log:
        write(dest, "/dev/kmsg", "\n".join(log))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    convert(sys.argv[1], sys.argv[2])
