#!/bin/bash
# One option vocabulary (util-linux's) and honest messages: each check is one CLI problem of
# issue 17, and fails on the behaviour it replaced.
# usage: test-vocabulary.sh TIERTOPO FIXTURES_DIR
set -u
T=$(realpath "$1")
FIX=$(realpath "$2")
. "$(dirname "$0")/tap.sh"
S=$FIX/sysfs/sparse5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run ARGS...: stdout in $tmp/out, stderr in $tmp/err, status in $rc
run() { "$T" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
# a writable copy of a fixture tree
copy() { rm -rf "$tmp/root"; cp -a "$1" "$tmp/root"; }
# every file and directory below a tree, for "wrote nothing"
listing() { (cd "$1" && find . | sort); }

# -n is --noheadings (lsblk, lsmem, findmnt); the dry run is --dry-run alone
copy "$S"
listing "$tmp/root" >"$tmp/before"
run -s "$tmp/root" apply -n
if [ $rc = 2 ] && grep -q -- '--dry-run' "$tmp/err" && listing "$tmp/root" | cmp -s - "$tmp/before"; then
	ok "apply -n is refused (exit 2), pointing to --dry-run"
else
	not_ok "apply -n is refused (exit 2), pointing to --dry-run" "status $rc" "$(cat "$tmp/err")"
fi
run -s "$tmp/root" watch --once -n --events /dev/null
if [ $rc = 2 ] && grep -q -- '--dry-run' "$tmp/err"; then
	ok "watch -n is refused (exit 2), pointing to --dry-run"
else
	not_ok "watch -n is refused (exit 2), pointing to --dry-run" "status $rc" "$(cat "$tmp/err")"
fi
run -s "$tmp/root" apply --dry-run
if [ $rc = 0 ] && ! "$T" apply --help | grep -q -- '-n, --dry-run'; then
	ok "apply --dry-run works; --help no longer offers -n for it"
else
	not_ok "apply --dry-run works; --help no longer offers -n for it" "status $rc"
fi

# -o is the column list; gather's tarball is -O/--output-file
(cd "$tmp" && "$T" gather -s "$S" -O named.tar.gz 2>/dev/null && "$T" gather -s "$S" --output-file long.tar.gz 2>/dev/null)
if [ -s "$tmp/named.tar.gz" ] && [ -s "$tmp/long.tar.gz" ] && "$T" gather --help | grep -q -- '-O, --output-file'; then
	ok "gather -O/--output-file names the tarball"
else
	not_ok "gather -O/--output-file names the tarball"
fi

# -J, -P and -r each choose the output form: together they are a usage error
# (stat on a tree with vmstat files: without them an old stat failed for that reason alone)
for args in "-J -r" "-P -J" "-r -P" "plan -J -r" "stat -J -P" "stat -r -P" "--json --raw"; do
	case $args in
	stat*) run -s "$FIX/sysfs/stat-6.12" $args ;;
	*) run -s "$S" $args ;;
	esac
	if [ $rc = 2 ] && grep -q 'cannot be used together' "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok "'$args' is refused (exit 2) with a message"
	else
		not_ok "'$args' is refused (exit 2) with a message" "status $rc" "$(cat "$tmp/err")"
	fi
done

# --dump names the dump command: with another command it is a contradiction
run -s "$S" --dump plan
if [ $rc = 2 ] && grep -q -- "--dump" "$tmp/err" && [ ! -s "$tmp/out" ]; then
	ok "--dump plan is refused (exit 2)"
else
	not_ok "--dump plan is refused (exit 2)" "status $rc" "$(head -3 "$tmp/out")"
fi

# '-' is standard output where a file is named
mkdir -p "$tmp/cwd"
(cd "$tmp/cwd" && "$T" gather -s "$S" -o - >"$tmp/stdout.tar.gz" 2>"$tmp/err")
rc=$?
if [ $rc = 0 ] && [ ! -e "$tmp/cwd/-" ] && tar -tzf "$tmp/stdout.tar.gz" 2>/dev/null | grep -q '^tiertopo-[^/]*/sys/devices/system/node/'; then
	ok "gather -o - writes the tarball to stdout, no file named '-'"
else
	not_ok "gather -o - writes the tarball to stdout, no file named '-'" "status $rc" "$(ls "$tmp/cwd")"
fi
(cd "$tmp/cwd" && "$T" gather -s "$S" -O - 2>/dev/null) | tar -xzf - -C "$tmp/cwd"
if [ ! -e "$tmp/cwd/-" ] && [ -n "$(ls "$tmp"/cwd/tiertopo-*/sys/devices/system/node 2>/dev/null)" ]; then
	ok "gather -O - | tar x replays"
else
	not_ok "gather -O - | tar x replays"
fi

# a bad configuration: plan applies nothing, so it does not say "nothing was applied"
run -s "$S" plan --config "$tmp/missing.conf"
if [ $rc = 1 ] && grep -q "missing.conf" "$tmp/err" && ! grep -q 'nothing was applied' "$tmp/err"; then
	ok "plan --config /missing names the file, not an apply"
else
	not_ok "plan --config /missing names the file, not an apply" "$(cat "$tmp/err")"
fi
copy "$S"
run -s "$tmp/root" apply --dry-run --config "$tmp/missing.conf"
if [ $rc = 1 ] && grep -q 'nothing was applied' "$tmp/err"; then
	ok "apply --config /missing still says nothing was applied"
else
	not_ok "apply --config /missing still says nothing was applied" "$(cat "$tmp/err")"
fi

# the library never prints: every message is the tool's
run -s /nonexistent/root
if [ $rc = 1 ] && [ -s "$tmp/err" ] && ! grep -qv '^tiertopo: ' "$tmp/err"; then
	ok "-s /nonexistent: every stderr line is tiertopo's"
else
	not_ok "-s /nonexistent: every stderr line is tiertopo's" "$(cat "$tmp/err")"
fi

# notes (info findings) are no problem: not on a plain listing, once with -v
V=$FIX/sysfs/vm/fast3-6.12-boot
id=$("$T" -s "$V" check -J | python3 -c '
import json, sys
print(next(f["id"] for f in json.load(sys.stdin)["findings"] if f["severity"] == "info"))')
run -s "$V"
plain=$(grep -c -- "$id" "$tmp/err")
run -s "$V" -v
verbose=$(grep -c -- "$id" "$tmp/err")
if [ -n "$id" ] && [ "$plain" = 0 ] && [ "$verbose" = 1 ]; then
	ok "info finding $id: not on a plain listing, once with -v"
else
	not_ok "info finding $id: not on a plain listing, once with -v" "plain $plain, -v $verbose"
fi

# a dry run writes nothing below the sysroot, not even the watcher's lock
copy "$V"
listing "$tmp/root" >"$tmp/before"
: >"$tmp/no-events"
run -s "$tmp/root" watch --once --dry-run --debounce 0 --events "$tmp/no-events"
if [ $rc = 0 ] && listing "$tmp/root" | cmp -s - "$tmp/before"; then
	ok "watch --once --dry-run writes nothing into the sysroot"
else
	not_ok "watch --once --dry-run writes nothing into the sysroot" "status $rc" \
		"$(listing "$tmp/root" | diff "$tmp/before" - | head -5)"
fi

# a kernel before demotion (4.19) has nothing to model: refused, with the reason, nothing printed
run -s "$S" plan --kernel-model 4.19
if [ $rc = 2 ] && [ ! -s "$tmp/out" ] && grep -q "4.19 has no demotion" "$tmp/err"; then
	ok "plan --kernel-model 4.19 is refused and says why"
else
	not_ok "plan --kernel-model 4.19 is refused and says why" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi

# no vmstat files: the counters are unknown, not an error
if [ ! -e "$S/proc/vmstat" ]; then
	run -s "$S" stat -r -n -o NODE,pgdemote_kswapd,numa_hit
	nodes=$("$T" -s "$S" -o NODE -r -n | wc -l)
	rows=$(grep -c -- ' - -$' "$tmp/out")
	if [ $rc = 0 ] && [ "$rows" = $((nodes + 1)) ] && grep -q 'unknown' "$tmp/err"; then
		ok "stat without vmstat: exit 0, every counter unknown ($rows rows)"
	else
		not_ok "stat without vmstat: exit 0, every counter unknown" "status $rc" "$(cat "$tmp/out" "$tmp/err")"
	fi
	run -s "$S" stat -J
	if [ $rc = 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["nodes"] and all(v is None for n in d["nodes"] for v in n["counters"].values())
assert all(v is None for v in d["machine"]["counters"].values())
assert all(v is None for v in d["scope"].values())' "$tmp/out"; then
		ok "stat -J without vmstat: every counter null"
	else
		not_ok "stat -J without vmstat: every counter null" "status $rc"
	fi
else
	not_ok "sparse5 has no proc/vmstat" "the fixture changed: pick another tree without vmstat"
fi

done_testing
