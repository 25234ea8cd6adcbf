#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Suppression of accepted findings ([check] ignore of tiertopo.conf, tiertopo.conf(5)): a
# check per behaviour, on a copy of the sparse5 fixture, whose check reports two warnings
# (drift-kernel-model-tier on node 2, drift-demotion-disabled on no node) and notes (info
# findings: their number is counted from the first run, each says N note(s)).
# usage: test-suppress.sh TIERTOPO(-SPOOL) FIXTURES_DIR
set -u
T=$1
FIX=$(realpath "$2")
. "$(dirname "$0")/../cli/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a "$FIX/sysfs/sparse5" "$tmp/root"
chmod -R go-w "$tmp/root"
mkdir -p "$tmp/root/etc/tiertopo"
CONF=$tmp/root/etc/tiertopo/tiertopo.conf

# conf LINES...: the configuration, one argument a line
conf() { printf '%s\n' "$@" >"$CONF"; }
# run ARGS...: tiertopo -s ROOT ARGS; stdout in $tmp/out, stderr in $tmp/err, status in $rc
run() { "$T" -s "$tmp/root" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
# the finding lines of check's output with ID
lines() { grep -c "^[a-z]* *$1:" "$tmp/out"; }
# jq-less JSON: python reads check -J in $tmp/out
pyjson() { python3 -c "import json,sys; d=json.load(open('$tmp/out')); $1"; }

rm -f "$CONF"
run check --strict
notes=$(grep -c '^info ' "$tmp/out")
[ "$notes" = 1 ] && N="1 note" || N="$notes notes"
if [ $rc = 3 ] && [ "$(lines drift-kernel-model-tier)" = 1 ] && [ "$(lines drift-demotion-disabled)" = 1 ] &&
	[ "$notes" -ge 1 ] && grep -q "^0 errors, 2 warnings, $N\$" "$tmp/out"; then
	ok "without [check]: two warnings, check --strict exits 3"
else
	not_ok "without [check]: two warnings, check --strict exits 3" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi

conf '[check]' 'ignore = drift-kernel-model-tier node 2, drift-demotion-disabled'
run check --strict
if [ $rc = 0 ] && [ "$(lines drift-kernel-model-tier)" = 0 ] && [ "$(lines drift-demotion-disabled)" = 0 ] &&
	[ "$(lines drift-no-tiering-promotion)" = 1 ] &&
	grep -q "^0 errors, 0 warnings, $N, 2 suppressed (-v shows them)\$" "$tmp/out"; then
	ok "suppressed findings are hidden, counted apart and no longer make --strict exit 3"
else
	not_ok "suppressed findings are hidden, counted apart and no longer make --strict exit 3" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi

run check --strict -v
if [ $rc = 0 ] && grep -q '^warning drift-kernel-model-tier: node 2 .*(suppressed by tiertopo.conf)$' "$tmp/out" &&
	grep -q '^warning drift-demotion-disabled: .*(suppressed by tiertopo.conf)$' "$tmp/out" &&
	! grep -q 'drift-no-tiering-promotion.*suppressed' "$tmp/out" &&
	grep -q "^0 errors, 0 warnings, $N, 2 suppressed\$" "$tmp/out"; then
	ok "-v shows the suppressed findings, marked, and only those"
else
	not_ok "-v shows the suppressed findings, marked, and only those" "status $rc" "$(cat "$tmp/out")"
fi

run check --strict -J
if [ $rc = 0 ] && pyjson '
f = {x["id"]: x.get("suppressed") for x in d["findings"] if x["severity"] != "info"}
assert f == {"drift-kernel-model-tier": True, "drift-demotion-disabled": True}, f
assert all(x.get("suppressed") is None for x in d["findings"] if x["severity"] == "info"), d
assert d["warnings"] == 0 and d["errors"] == 0, d' 2>"$tmp/err"; then
	ok "-J marks the suppressed findings (\"suppressed\": true) and does not count them"
else
	not_ok "-J marks the suppressed findings (\"suppressed\": true) and does not count them" "status $rc" "$(cat "$tmp/err")"
fi

conf '[check]' 'ignore = drift-kernel-model-tier node 3'
run check --strict
if [ $rc = 3 ] && [ "$(lines drift-kernel-model-tier)" = 1 ] && ! grep -q suppressed "$tmp/out"; then
	ok "'ID node 3' does not suppress the finding about node 2"
else
	not_ok "'ID node 3' does not suppress the finding about node 2" "status $rc" "$(cat "$tmp/out")"
fi

conf '[check]' 'ignore = drift-kernel-model-tier node 1-4, drift-demotion-disabled'
run check --strict
if [ $rc = 0 ] && [ "$(lines drift-kernel-model-tier)" = 0 ]; then
	ok "'ID node 1-4' suppresses it on node 2"
else
	not_ok "'ID node 1-4' suppresses it on node 2" "status $rc" "$(cat "$tmp/out")"
fi

conf '[check]' 'ignore = drift-demotion-disabled node 0'
run check --strict
if [ $rc = 3 ] && [ "$(lines drift-demotion-disabled)" = 1 ]; then
	ok "a finding about no node is not suppressed by an entry for a node"
else
	not_ok "a finding about no node is not suppressed by an entry for a node" "status $rc" "$(cat "$tmp/out")"
fi

conf '# accepted findings' '[check]' 'ignore = drift-demotion-disabled, no-such-finding'
run check
if [ $rc = 0 ] && grep -q "^warning config-unknown-finding: $CONF:3: .*'no-such-finding'" "$tmp/out" &&
	[ "$(lines drift-demotion-disabled)" = 0 ]; then
	ok "an unknown id is a config-unknown-finding warning with file:line; the rest applies"
else
	not_ok "an unknown id is a config-unknown-finding warning with file:line; the rest applies" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
run check -J
if pyjson '
f = [x for x in d["findings"] if x["id"] == "config-unknown-finding"]
assert len(f) == 1 and f[0]["path"] == "'"$CONF"':3" and f[0]["severity"] == "warning", f' 2>"$tmp/err"; then
	ok "-J: config-unknown-finding's path is FILE:LINE"
else
	not_ok "-J: config-unknown-finding's path is FILE:LINE" "$(cat "$tmp/err")"
fi

for bad in 'drift-tier-order nodes 2' 'drift-tier-order node 2,3' 'Drift-Tier-Order' \
	'drift-tier-order node 3-1' 'drift-tier-order node 2 extra'; do
	conf '[check]' "ignore = $bad"
	run check
	if [ $rc = 1 ] && grep -q "tiertopo.conf:2: ignore: " "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok "a malformed entry ('$bad') refuses the file, naming file:line (exit 1)"
	else
		not_ok "a malformed entry ('$bad') refuses the file, naming file:line (exit 1)" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
	fi
done
conf '[check]' 'hide = drift-tier-order'
run check
if [ $rc = 1 ] && grep -q "unknown key 'hide' in \[check\]" "$tmp/err"; then
	ok "[check] has no other key than ignore"
else
	not_ok "[check] has no other key than ignore" "status $rc" "$(cat "$tmp/err")"
fi

# a finding about a file below nodeN/ is about node N
chmod u+w "$tmp/root/sys/devices/system/node/node1/distance"
cp "$tmp/root/sys/devices/system/node/node1/distance" "$tmp/distance"
echo "10 20 bogus" >"$tmp/root/sys/devices/system/node/node1/distance"
conf '[check]' 'ignore = sysfs-garbled node 0'
run check -J
if pyjson '
f = [x for x in d["findings"] if x["id"] == "sysfs-garbled"]
assert len(f) == 1 and f[0]["path"].endswith("node1/distance") and "suppressed" not in f[0], f' 2>"$tmp/err"; then
	ok "'sysfs-garbled node 0' leaves the garbled node1/distance reported"
else
	not_ok "'sysfs-garbled node 0' leaves the garbled node1/distance reported" "$(cat "$tmp/err")"
fi
conf '[check]' 'ignore = sysfs-garbled node 1'
run check -J
if pyjson '
f = [x for x in d["findings"] if x["id"] == "sysfs-garbled"]
assert len(f) == 1 and f[0].get("suppressed") is True, f' 2>"$tmp/err"; then
	ok "'sysfs-garbled node 1' suppresses it: the node of a file below node1/ is 1"
else
	not_ok "'sysfs-garbled node 1' suppresses it: the node of a file below node1/ is 1" "$(cat "$tmp/err")"
fi
cp "$tmp/distance" "$tmp/root/sys/devices/system/node/node1/distance"

# apply reads the same file: [check] does not disturb it
conf '[check]' 'ignore = drift-demotion-disabled'
run apply --dry-run
if [ $rc = 0 ] && grep -q demotion_enabled "$tmp/out"; then
	ok "apply --dry-run accepts a configuration with [check] and still plans demotion"
else
	not_ok "apply --dry-run accepts a configuration with [check] and still plans demotion" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
# the listings (dump, plan, stat) leave out on stderr what [check] ignore accepts, and -v
# counts it; node1/distance garbled gives two warnings about node 1 (sysfs-garbled,
# numa-distance-missing)
echo "10 20 bogus" >"$tmp/root/sys/devices/system/node/node1/distance"
warned() { grep -c -e '\[sysfs-garbled\]' -e '\[numa-distance-missing\]' "$tmp/err"; }
rm -f "$CONF"
for args in "-o NODE,KIND" "plan" "stat -o NODE" "-J -o NODE"; do
	run $args
	if [ "$(warned)" = 2 ]; then
		ok "without [check]: '$args' warns of both on stderr"
	else
		not_ok "without [check]: '$args' warns of both on stderr" "status $rc" "$(cat "$tmp/err")"
	fi
done
run -o NODE,KIND
cp "$tmp/out" "$tmp/table"
conf '[check]' 'ignore = sysfs-garbled node 1, numa-distance-missing'
for args in "-o NODE,KIND" "plan" "stat -o NODE" "-J -o NODE"; do
	run $args
	if [ $rc = 0 ] && [ "$(warned)" = 0 ] && ! grep -q suppressed "$tmp/err"; then
		ok "'$args' leaves out the findings [check] ignore accepts, without a word"
	else
		not_ok "'$args' leaves out the findings [check] ignore accepts, without a word" "status $rc" "$(cat "$tmp/err")"
	fi
	run -v $args
	if [ $rc = 0 ] && [ "$(warned)" = 0 ] &&
		grep -q '^tiertopo: 2 findings suppressed by tiertopo.conf' "$tmp/err"; then
		ok "-v $args counts them: 2 findings suppressed"
	else
		not_ok "-v $args counts them: 2 findings suppressed" "status $rc" "$(cat "$tmp/err")"
	fi
done
run -o NODE,KIND
if cmp -s "$tmp/out" "$tmp/table"; then
	ok "the table is the same with and without them"
else
	not_ok "the table is the same with and without them" "$(diff "$tmp/table" "$tmp/out")"
fi
conf '[check]' 'ignore = sysfs-garbled node 2, numa-distance-missing node 0-0'
run -o NODE
if [ "$(warned)" = 2 ]; then
	ok "entries for other nodes leave the listing's warnings about node 1"
else
	not_ok "entries for other nodes leave the listing's warnings about node 1" "$(cat "$tmp/err")"
fi
cp "$tmp/distance" "$tmp/root/sys/devices/system/node/node1/distance"
done_testing
