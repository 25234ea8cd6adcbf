#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tiertopo diff A B on pairs of fixture trees whose differences are known from their files:
# the same machine before and after its PMEM was onlined (boot vs sysram), and under two
# kernels (6.1 vs 6.12); a tree against itself, its tarball and its state file. Exit status as
# diff(1): 0 the same, 1 different, 2 trouble.
# usage: test-diff.sh TIERTOPO FIXTURES_DIR
set -u
T=$(realpath "$1")
FIX=$(realpath "$2")
. "$(dirname "$0")/../cli/tap.sh"
V=$FIX/sysfs/vm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# where diff unpacks tarballs: to see that it cleans up
export TMPDIR=$tmp/unpack
mkdir "$TMPDIR"

run() { "$T" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
# the field of a node's file, for the expectations (not tiertopo's readers)
osrelease() { tr -d '\n' <"$1/proc/sys/kernel/osrelease"; }

# the same machine, the same kernel: the PMEM node 3 onlined by daxctl (sysram) or not (boot)
A=$V/hmat4-6.12-boot B=$V/hmat4-6.12-sysram
run diff "$A" "$B"
if [ $rc = 1 ] && grep -qx 'node 3 online: false -> true' "$tmp/out" &&
	grep -qx 'node 3 kernel_tier: null -> 360' "$tmp/out" &&
	grep -q '^node 3 kind: "unknown" -> "PMEM"$' "$tmp/out" &&
	grep -qx 'node 2 demotion: {"preferred":\[\],"fallback":\[\]} -> {"preferred":\[3\],"fallback":\[3\]}' "$tmp/out" &&
	! grep -q '^kernel.release' "$tmp/out"; then
	ok "boot -> sysram: node 3 online, in kernel tier 360, PMEM, node 2 demotes to it (exit 1)"
else
	not_ok "boot -> sysram: node 3 online, in kernel tier 360, PMEM, node 2 demotes to it (exit 1)" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
# every node 3 memory figure appears, as the tree's meminfo says
mem=$(awk '/MemTotal/ { print $4 * 1024 }' "$B/sys/devices/system/node/node3/meminfo")
check "boot -> sysram: node 3 memory_bytes null -> $mem (its meminfo)" grep -qx "node 3 memory_bytes: null -> $mem" "$tmp/out"

# the same topology under two kernels: the release and the kernel's tiers change, the
# recommended plan does not
A=$V/hmat4-6.1-sysram B=$V/hmat4-6.12-sysram
run diff "$A" "$B"
if [ $rc = 1 ] && grep -qx "kernel.release: \"$(osrelease "$A")\" -> \"$(osrelease "$B")\"" "$tmp/out" &&
	grep -q '^kernel.tiers: ' "$tmp/out" && grep -q '^node 2 kernel_tier: 4 -> 72$' "$tmp/out" &&
	! grep -qE '^(tiers|node [0-9]+ (tier|kind|demotion)):' "$tmp/out"; then
	ok "6.1 -> 6.12: the release and the kernel's tiers change, not the recommended plan"
else
	not_ok "6.1 -> 6.12: the release and the kernel's tiers change, not the recommended plan" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
# the firmware is the same machine's: no firmware line
check "6.1 -> 6.12: the same firmware (no firmware line)" sh -c "! grep -q firmware '$tmp/out'"

# different firmware: another topology's tree (nodes added and removed, HMAT figures)
run diff "$V/plain2-6.12-boot" "$V/hmat4-6.12-sysram"
if [ $rc = 1 ] && grep -qx 'node 2 added: null -> true' "$tmp/out" && grep -qx 'node 3 added: null -> true' "$tmp/out" &&
	grep -q '^firmware.tables: ' "$tmp/out"; then
	ok "plain2 -> hmat4: nodes 2 and 3 added, the firmware tables differ"
else
	not_ok "plain2 -> hmat4: nodes 2 and 3 added, the firmware tables differ" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
run diff "$V/hmat4-6.12-sysram" "$V/plain2-6.12-boot"
check "hmat4 -> plain2: nodes 2 and 3 removed" sh -c "[ $rc = 1 ] && grep -qx 'node 2 removed: true -> null' '$tmp/out' && grep -qx 'node 3 removed: true -> null' '$tmp/out'"

# the same: a tree against itself, its gather tarball, its state file (plan -J, and the one
# apply publishes in a copy)
S=$V/hmat4-6.12-sysram
run diff "$S" "$S"
check "a tree against itself: nothing printed, exit 0" sh -c "[ $rc = 0 ] && [ ! -s '$tmp/out' ]"
"$T" gather -s "$S" -O "$tmp/g.tar.gz" 2>/dev/null
run diff "$tmp/g.tar.gz" "$S"
check "its gather tarball against the tree: the same (exit 0)" sh -c "[ $rc = 0 ] && [ ! -s '$tmp/out' ]"
"$T" -s "$S" plan -J >"$tmp/plan.json"
run diff "$S" "$tmp/plan.json"
check "its plan -J document against the tree: the same (exit 0)" sh -c "[ $rc = 0 ] && [ ! -s '$tmp/out' ]"
cp -a "$S" "$tmp/root"
"$T" -s "$tmp/root" apply --no-hooks >/dev/null 2>&1
run diff "$tmp/root/run/tiertopo/state.json" "$S"
# the state file is the machine after apply: the knobs apply wrote, nothing else
if [ $rc = 1 ] && grep -qx 'kernel.demotion_enabled: true -> false' "$tmp/out" &&
	! grep -vE '^kernel\.(demotion_enabled|numa_balancing|promote_rate_limit_mbps): ' "$tmp/out" | grep -q .; then
	ok "the published state against the tree before apply: only the knobs apply set (exit 1)"
else
	not_ok "the published state against the tree before apply: only the knobs apply set (exit 1)" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
run diff "$tmp/g.tar.gz" "$V/hmat4-6.1-sysram"
check "a tarball against another kernel's tree: different (exit 1)" sh -c "[ $rc = 1 ] && grep -q '^kernel.release' '$tmp/out'"

# -J: the changes as one document (validated by the json suite through tiertopo-spool)
run diff -J "$V/hmat4-6.12-boot" "$V/hmat4-6.12-sysram"
if [ $rc = 1 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = [x for x in d["changes"] if x["node"] == 3 and x["key"] == "kernel_tier"]
assert d["schema"] == "tiertopo/1" and d["same"] is False
assert c == [{"node": 3, "key": "kernel_tier", "a": None, "b": 360}], c
' "$tmp/out"; then
	ok "-J: schema, same false, node 3 kernel_tier null -> 360"
else
	not_ok "-J: schema, same false, node 3 kernel_tier null -> 360" "status $rc" "$(head -20 "$tmp/out")"
fi
run diff -J "$S" "$S"
check "-J of the same: same true, no change, exit 0" sh -c "[ $rc = 0 ] && grep -q '\"same\":true' '$tmp/out' && grep -q '\"changes\":\[' '$tmp/out'"

# trouble: exit 2, as diff(1)
run diff "$S"
check "one operand: exit 2" sh -c "[ $rc = 2 ] && grep -q 'two operands' '$tmp/err'"
run diff "$S" "$tmp/missing"
check "a missing operand: exit 2" sh -c "[ $rc = 2 ] && [ ! -s '$tmp/out' ]"
echo '{"schema":"other/9"}' >"$tmp/bad.json"
run diff "$tmp/bad.json" "$S"
check "a JSON file that is no state document: exit 2, saying so" sh -c "[ $rc = 2 ] && grep -q 'not a tiertopo state document' '$tmp/err'"
printf 'not a tarball' >"$tmp/junk"
run diff "$tmp/junk" "$S"
check "a file that is neither: exit 2" test $rc = 2
run diff --nonsense "$S" "$S"
check "an unknown option: exit 2" test $rc = 2
# a tarball with an entry outside its tree is refused, and nothing lands outside
python3 - "$tmp/evil.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    i = tarfile.TarInfo("x/../../escaped")
    i.size = 3
    t.addfile(i, io.BytesIO(b"bad"))
EOF
(cd "$tmp" && mkdir -p w/d && cd w/d && "$T" diff "$tmp/evil.tar" "$S" >/dev/null 2>"$tmp/err"; echo $? >"$tmp/rc")
if [ "$(cat "$tmp/rc")" = 2 ] && [ ! -e "$tmp/escaped" ] && [ ! -e "$tmp/w/escaped" ] && ! ls /tmp/escaped 2>/dev/null; then
	ok "a tarball entry with '..' is refused (exit 2), nothing written outside"
else
	not_ok "a tarball entry with '..' is refused (exit 2), nothing written outside" "$(cat "$tmp/err")"
fi
check "no unpacking directory is left behind" sh -c "[ -z \"\$(ls -A '$TMPDIR')\" ]"
done_testing
