#!/bin/bash
# tiertopo under valgrind: no invalid access, no leak, on a hand-made tree and the corpus.
# usage: test-valgrind.sh TIERTOPO FIXTURES_DIR SHARED_DIR
set -u
T=$(realpath "$1")
FIX=$2
SHARED=$3
. "$(dirname "$0")/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# valgrind's own notes ("--PID-- WARNING: unhandled amd64-linux syscall: 437": valgrind 3.19
# has no openat2, and the library then resolves paths by its component walk) are not errors
vg() {
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$@" >/dev/null 2>"$tmp/vg.raw"
	local rc=$?
	grep -Ev '^--[0-9]+-- ' "$tmp/vg.raw" >"$tmp/vg.log"
	return $rc
}

if ! command -v valgrind >/dev/null; then
	skip "valgrind" "valgrind is not installed (.ci/install-deps installs it)"
	done_testing
	exit 0
fi
for args in "--output-all" "-J" "gather -O $tmp/g.tar.gz"; do
	# shellcheck disable=SC2086
	if (cd "$tmp" && vg "$T" -s "$FIX/sysfs/sparse5" $args); then ok "valgrind-clean: sparse5 $args"; else not_ok "valgrind-clean: sparse5 $args" "$(head -30 "$tmp/vg.log")"; fi
done
tb="$SHARED/corpus/hwloc/fakememinitiators-1np2c+1npp+gi.tar.bz2"
if [ -f "$tb" ]; then
	tar -xjf "$tb" -C "$tmp"
	if vg "$T" -s "$tmp/fakememinitiators-1np2c+1npp+gi" -J; then ok "valgrind-clean: corpus tree -J"; else not_ok "valgrind-clean: corpus tree -J" "$(head -30 "$tmp/vg.log")"; fi
else
	skip "valgrind on the corpus" "$tb is absent (meson option shared_dir)"
fi
done_testing
