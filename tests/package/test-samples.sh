#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The sample configuration and hook that are installed for administrators work as they say:
# the configuration is accepted commented and with every key uncommented (so it names only
# real keys), and the hook, installed as its comment says, runs after an apply and logs each
# value written. On copies of a fixture tree.
# usage: test-samples.sh TIERTOPO EXAMPLES_DIR FIXTURES_DIR
set -u
T=$(realpath "$1")
EX=$2
FIX=$3
. "$(dirname "$0")/../cli/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a "$FIX/sysfs/sparse5" "$tmp/s"

conf=$EX/tiertopo.conf.sample
check "tiertopo plan accepts the sample configuration as installed" "$T" -s "$tmp/s" plan --config "$conf"
# every commented key and section uncommented
sed -e 's/^#\([a-z_]* = \)/\1/' -e 's/^#\(\[node [0-9]*\]\)/\1/' "$conf" >"$tmp/all.conf"
keys=$(grep -c '^[a-z_]* = ' "$tmp/all.conf")
if [ "$keys" -ge 14 ]; then ok "the sample names $keys keys"; else not_ok "the sample names every key" "only $keys"; fi
check "tiertopo plan accepts the sample with every key uncommented" "$T" -s "$tmp/s" plan --config "$tmp/all.conf"
printf '[sinks]\nbogus = yes\n' >>"$tmp/all.conf"
if "$T" -s "$tmp/s" plan --config "$tmp/all.conf" >/dev/null 2>&1; then
	not_ok "an unknown key is refused (the configuration is really read)"
else
	ok "an unknown key is refused (the configuration is really read)"
fi

# the sample hook, installed as its comment says
mkdir -p "$tmp/s/etc/tiertopo/hooks.d"
install -m 0755 "$EX/hooks.d/50-log-changes" "$tmp/s/etc/tiertopo/hooks.d/"
if "$T" -s "$tmp/s" apply -J >"$tmp/apply.json" 2>"$tmp/hook.err"; then ok "apply with the sample hook"; else not_ok "apply with the sample hook" "$(cat "$tmp/hook.err")"; fi
if python3 - "$tmp/apply.json" "$tmp/hook.err" "$tmp/s" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
err = open(sys.argv[2]).read().splitlines()
written = [c for c in rep["changes"] if c["status"] == "written"]
assert written, "the apply wrote nothing"
assert len(rep["hooks"]) == 1, rep["hooks"]
assert rep["hooks"][0]["exit_status"] == 0, rep["hooks"][0]
# a hook's output (its first 4 KiB) is in its report line, which apply prints and the
# units' journal keeps
err = (rep["hooks"][0]["message"] or "").removeprefix("ok; output: ").splitlines()
for c in written:
    value = "new" if c["sink"] == "state" else c["new"]
    line = f"tiertopo hook: /{c['path']}={value}"
    assert line in err, f"{line!r} not in {err}"
state = f"{sys.argv[3]}/run/tiertopo/state.json"
assert f"tiertopo hook: {len(written)} change(s), plan published in {state}" in err, err
PY
then ok "the hook logged each value written and the state file"; else not_ok "the hook logged each value written and the state file"; fi
done_testing
