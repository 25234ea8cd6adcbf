#!/usr/bin/env python3
"""Write a uevent storm to a FIFO: COUNT memory `online` events (KEY=VALUE blocks, as
`udevadm monitor --property` prints them) for the blocks of one new node, paced evenly over
SECONDS; optionally an "!overflow" marker in the middle (events were lost).

usage: storm.py FIFO COUNT SECONDS [--overflow] [--first-block N]"""
import sys
import time

fifo, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
overflow = "--overflow" in sys.argv
first = int(sys.argv[sys.argv.index("--first-block") + 1]) if "--first-block" in sys.argv else 1024
start = time.monotonic()
with open(fifo, "w") as f:
    batch = max(1, count // 200)
    for i in range(count):
        f.write(f"KERNEL[{i}] online /devices/system/memory/memory{first + i} (memory)\n"
                f"ACTION=online\nDEVPATH=/devices/system/memory/memory{first + i}\n"
                f"SUBSYSTEM=memory\nSEQNUM={5000 + i}\n\n")
        if overflow and i == count // 2:
            f.write("!overflow\n")
        if i % batch == batch - 1:
            f.flush()
            due = start + seconds * (i + 1) / count
            time.sleep(max(0.0, due - time.monotonic()))
