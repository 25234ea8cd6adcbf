#!/bin/bash
# The ABI of the built libtopo.so.0 against the checked-in baseline abi/libtopo.abi:
# removing a public function or changing a signature or a public type fails; adding a
# function passes, but only in a version node the baseline does not have (after a release
# LIBTOPO_0.1 is frozen: new functions go into LIBTOPO_0.2, see libtopo/libtopo.sym).
# usage: test-abi.sh LIBTOPO_SO SOURCE_ROOT
set -u
SO=$1
SRC=$2
. "$(dirname "$0")/../cli/tap.sh"
BASE=$SRC/abi/libtopo.abi

if ! command -v abidiff >/dev/null; then
	skip "abidiff" "abigail-tools is not installed (.ci/install-deps installs it)"
	done_testing
	exit 0
fi
if [ ! -f "$BASE" ]; then
	not_ok "the baseline $BASE exists"
	done_testing
	exit 1
fi

# abidiff's exit status is a bit field: 1 error, 2 usage error, 4 ABI change, 8 incompatible
# change. Removed functions set 4|8; a changed signature or public type sets 4 (libabigail
# leaves "compatible or not" to a human there, so 4 fails too). Added functions would set 4
# as well: --no-added-syms leaves them out, the version-node check below covers them.
out=$(abidiff --exported-interfaces-only --no-added-syms --headers-dir1 "$SRC/include" --headers-dir2 "$SRC/include" "$BASE" "$SO" 2>&1)
rc=$?
if [ "$rc" -eq 0 ]; then
	ok "abidiff: no removed or changed public function or type against abi/libtopo.abi"
else
	not_ok "abidiff: no removed or changed public function or type against abi/libtopo.abi" \
		"abidiff exit status $rc ($( ((rc & 1)) && echo -n 'error ')$( ((rc & 4)) && echo -n 'ABI-change ')$( ((rc & 8)) && echo -n 'incompatible'))" \
		"$out" "If the change is wanted: see the top of libtopo/libtopo.sym."
fi

# every symbol the baseline does not know must sit in a version node the baseline does not know
mapfile -t bad < <(python3 - "$BASE" "$SO" <<'PY'
import re, subprocess, sys
base = open(sys.argv[1]).read()
known = set(re.findall(r"<elf-symbol name='([^']+)'", base))
versions = set(re.findall(r"<elf-symbol name='[^']+' version='([^']+)'", base))
dyn = subprocess.run(['nm', '-D', '--defined-only', sys.argv[2]], capture_output=True, text=True,
                     check=True).stdout
for line in dyn.splitlines():
    parts = line.split()
    if len(parts) < 3 or parts[1] not in 'TtDdBbRr':
        continue
    name, _, ver = parts[2].partition('@@')
    if not ver:
        name, _, ver = parts[2].partition('@')
    if name not in known and name != ver and ver in versions:
        print(f'{name}@@{ver}')
PY
)
if [ "${#bad[@]}" -eq 0 ]; then
	ok "new functions are only in new version nodes"
else
	not_ok "new functions are only in new version nodes" "${bad[@]}" \
		"the baseline's version nodes are released: put them into a new node (LIBTOPO_0.2)"
fi
done_testing
