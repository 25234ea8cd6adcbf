#!/usr/bin/env python3
"""Count test cases from meson's testlog.json files: every TAP line of a TAP test is a
case (criterion and the shell tests speak TAP); any other test counts as one. A test
that failed without a failing TAP line (a crash, a timeout) counts as one failure more.
A TAP "not ok ... # TODO" is a known gap, listed by name in the test (an expected failure):
it counts with the skipped, not as passed; an "ok ... # TODO" (the gap is closed but still
listed) counts as failed, as meson's unexpected pass does.
Prints the plain closing line: N passed, N failed[, N skipped]."""
import json
import re
import sys

passed = failed = skipped = 0
for build in sys.argv[1:]:
    try:
        lines = open(f"{build}/meson-logs/testlog.json").read().splitlines()
    except OSError:
        print(f"count: no {build}/meson-logs/testlog.json", file=sys.stderr)
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        out = t.get("stdout") or ""
        oks = nots = skips = 0
        for l in out.splitlines():
            todo = re.search(r"#\s*TODO", l, re.I)
            if re.match(r"^not ok\b", l):
                if todo:
                    skips += 1
                else:
                    nots += 1
            elif re.match(r"^ok\b", l):
                if todo:
                    nots += 1
                elif re.search(r"#\s*SKIP", l, re.I):
                    skips += 1
                else:
                    oks += 1
        res = t["result"]
        if oks + nots + skips == 0:
            if res == "OK":
                passed += 1
            elif res == "SKIP":
                skipped += 1
            else:
                failed += 1
            continue
        passed += oks
        failed += nots
        skipped += skips
        if res not in ("OK", "SKIP") and nots == 0:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
