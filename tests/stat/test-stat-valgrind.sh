#!/bin/bash
# tiertopo stat under valgrind: no invalid access, no leak, with and without an interval.
# usage: test-stat-valgrind.sh TIERTOPO FIXTURES_DIR
set -u
T=$(realpath "$1")
FIX=$2
. "$(dirname "$0")/../cli/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# valgrind's own notes ("--PID-- WARNING: unhandled amd64-linux syscall: 437": valgrind 3.19
# has no openat2, and the library then resolves paths by its component walk) are not errors
vg() {
	valgrind -q --log-file="$tmp/vg.raw" --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$@" >/dev/null 2>&1
	local rc=$?
	grep -Ev '^--[0-9]+-- ' "$tmp/vg.raw" >"$tmp/vg.log"
	return $rc
}

if ! command -v valgrind >/dev/null; then
	skip "valgrind" "valgrind is not installed (.ci/install-deps installs it)"
	done_testing
	exit 0
fi
cp -a "$FIX/sysfs/stat-6.12" "$tmp/g"
printf 'numa_hit 1\ngarbage\n' >"$tmp/g/sys/devices/system/node/node1/vmstat"
for args in "stat -s $FIX/sysfs/stat-6.1 --output-all" "stat -s $FIX/sysfs/stat-6.12 -J 0.1 3" \
	"stat -s $FIX/sysfs/stat-6.12 -r 0.1 2" "stat -s $tmp/g -P" "stat -s $FIX/sysfs/sparse5"; do
	# shellcheck disable=SC2086
	vg "$T" $args
	rc=$?
	# sparse5 has no vmstat file: exit 1, still clean
	if [ "$rc" -ne 99 ] && ! grep -q . "$tmp/vg.log"; then ok "valgrind-clean: $args"; else not_ok "valgrind-clean: $args" "$(head -30 "$tmp/vg.log")"; fi
done
done_testing
