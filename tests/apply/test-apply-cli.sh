#!/bin/bash
# tiertopo apply from the command line: the QEMU hmat4 machine after its NVDIMM hotplug
# (6.12), concurrent runs, dry run, bad configuration, not root.
# usage: test-apply-cli.sh TIERTOPO FIXTURES_DIR SHARED_DIR
set -u
T=$(realpath "$1")
FIX=$2
SHARED=$3
. "$(dirname "$0")/../cli/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- the hmat4 machine after hotplug, on 6.12 -------------------------------------------
state="$SHARED/qemu-lab/tables/hmat4/linux-6.12/state-sysram.txt"
gathered="$FIX/sysfs/vm/hmat4-6.12-sysram"
if [ -d "$gathered" ]; then
	cp -a "$gathered" "$tmp/h"
elif [ -f "$state" ]; then
	# the capture is a summary without /proc: give it the knobs a 6.12 kernel has
	python3 "$(dirname "$0")/../common/state2sysroot.py" "$state" "$tmp/h"
	mkdir -p "$tmp/h/proc/sys/kernel"
	echo 1 >"$tmp/h/proc/sys/kernel/numa_balancing"
	echo 65536 >"$tmp/h/proc/sys/kernel/numa_balancing_promote_rate_limit_MBps"
fi
if [ -d "$tmp/h" ]; then
	mkdir -p "$tmp/h/etc/tiertopo/hooks.d"
	for h in 20-b 10-a; do
		printf '#!/bin/sh\necho %s "$1" >>%s/hooks.log\n' "$h" "$tmp" >"$tmp/h/etc/tiertopo/hooks.d/$h"
		chmod 0755 "$tmp/h/etc/tiertopo/hooks.d/$h"
	done
	nb_before=$(cat "$tmp/h/proc/sys/kernel/numa_balancing")
	check "apply on hmat4 6.12 after hotplug" "$T" -s "$tmp/h" apply
	check "demotion_enabled is true" grep -qx true "$tmp/h/sys/kernel/mm/numa/demotion_enabled"
	check "numa_balancing gains the tiering bit and keeps the others" \
		test "$(cat "$tmp/h/proc/sys/kernel/numa_balancing")" = "$((nb_before | 2))"
	# node 3 (the onlined NVDIMM) writes at 2048 MB/s in HMAT: a tenth
	check "the rate limit is a tenth of the slowest tier's write bandwidth" \
		grep -qx 204 "$tmp/h/proc/sys/kernel/numa_balancing_promote_rate_limit_MBps"
	check "hooks ran in name order with the state path" bash -c \
		"printf '10-a %s\n20-b %s\n' '$tmp/h/run/tiertopo/state.json' '$tmp/h/run/tiertopo/state.json' | cmp -s - '$tmp/hooks.log'"
	"$T" -s "$tmp/h" plan --json >"$tmp/plan.json"
	if python3 - "$tmp/h/run/tiertopo/state.json" "$tmp/plan.json" <<'PY'
import json, sys
state, plan = (json.load(open(p)) for p in sys.argv[1:3])
# the state file leaves out a fallback that is every node of the slower tiers[] (docs/json.md)
ids = [t["id"] for t in state["tiers"]]
for n in state["nodes"]:
    if "fallback" not in n["demotion"]:
        slower = state["tiers"][ids.index(n["tier"]) + 1:]
        n["demotion"]["fallback"] = sorted(x for t in slower for x in t["nodes"])
assert any("fallback" not in n["demotion"] for n in json.load(open(sys.argv[1]))["nodes"])
key = lambda d: (d["tiers"], [(n["node"], n["kind"], n["adistance"], n["tier"], n["demotion"], n["evidence"]) for n in d["nodes"]])
assert key(state) == key(plan), "state.json and plan --json differ"
n3 = [n for n in state["nodes"] if n["node"] == 3][0]
assert n3["kind"] == "PMEM" and n3["tier"] == 360, n3
assert [n for n in state["nodes"] if n["node"] == 2][0]["demotion"]["preferred"] == [3]
PY
	then ok "state.json holds the plan that plan --json prints (node 3 PMEM, tier 360)"; else not_ok "state.json holds the plan that plan --json prints"; fi
	out=$("$T" -s "$tmp/h" apply)
	check "a second apply has nothing to change" test "$out" = "nothing to change: the kernel and the state file already have the plan"
else
	skip "apply on hmat4 6.12" "neither $gathered nor $state is present"
fi

# --- 20 concurrent runs: serialized by the lock -----------------------------------------
cp -a "$FIX/sysfs/sparse5" "$tmp/c"
for i in $(seq 20); do
	"$T" -s "$tmp/c" apply >"$tmp/run.$i" 2>&1 &
done
fail=0
for job in $(jobs -p); do wait "$job" || fail=$((fail + 1)); done
check "20 concurrent applies all succeed" test "$fail" = 0
writers=$(grep -l "demotion_enabled: false -> true  written" "$tmp"/run.* | wc -l)
idle=$(grep -lx "nothing to change: the kernel and the state file already have the plan" "$tmp"/run.* | wc -l)
check "exactly one of them wrote, the 19 others found nothing to change" test "$writers/$idle" = "1/19"
check "the result is consistent: a 21st apply has nothing to change" bash -c \
	"'$T' -s '$tmp/c' apply | grep -qx 'nothing to change: the kernel and the state file already have the plan'"
check "the state file is whole JSON" python3 -c "import json; json.load(open('$tmp/c/run/tiertopo/state.json'))"
check "no temporary file is left behind" bash -c "! ls '$tmp/c/run/tiertopo' | grep -q tmp"

# --- dry run, bad configuration, not root -----------------------------------------------
cp -a "$FIX/sysfs/sparse5" "$tmp/d"
out=$("$T" -s "$tmp/d" apply --dry-run)
case "$out" in *"demotion_enabled: false -> true  would write"*"(dry run: nothing was written)"*) ok "dry run lists the changes";; *) not_ok "dry run lists the changes" "$out";; esac
check "dry run wrote nothing" bash -c "diff -r --no-dereference '$FIX/sysfs/sparse5' '$tmp/d'"
mkdir -p "$tmp/d/etc/tiertopo"
printf '[sinks]\ndemotion = yes\n\n[node 2]\nkind = flash\n' >"$tmp/d/etc/tiertopo/tiertopo.conf"
err=$("$T" -s "$tmp/d" apply 2>&1 >/dev/null)
rc=$?
check "a bad configuration fails with status 1" test "$rc" = 1
case "$err" in *"tiertopo.conf:5: kind = 'flash' is not DRAM"*"nothing was applied"*) ok "it names the line and the reason";; *) not_ok "it names the line and the reason" "$err";; esac
check "and nothing was applied" grep -qx false "$tmp/d/sys/kernel/mm/numa/demotion_enabled"
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	err=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$T" apply 2>&1)
	rc=$?
	case "$rc:$err" in 1:*"must run as root"*"--dry-run"*) ok "not root: a clear message";; *) not_ok "not root: a clear message" "$rc $err";; esac
else
	skip "not root" "no nobody user or setpriv"
fi
done_testing
