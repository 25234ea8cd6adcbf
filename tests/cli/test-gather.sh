#!/bin/bash
# tiertopo gather: the tarball replays to the same --json as the tree it was made from.
# usage: test-gather.sh TIERTOPO FIXTURES_DIR SHARED_DIR
set -u
T=$(realpath "$1")
FIX=$2
SHARED=$3
. "$(dirname "$0")/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

roundtrip() { # NAME SYSROOT
	local name=$1 root=$2
	"$T" -s "$root" --json >"$tmp/$name.tree.json" 2>/dev/null
	if ! (cd "$tmp" && "$T" gather -s "$root" -O "$name-g.tar.gz" 2>/dev/null); then
		not_ok "gather $name" "gather failed"
		return
	fi
	mkdir -p "$tmp/x-$name" && tar -xzf "$tmp/$name-g.tar.gz" -C "$tmp/x-$name"
	"$T" -s "$tmp/x-$name/$name-g" --json >"$tmp/$name.replay.json" 2>/dev/null
	if cmp -s "$tmp/$name.tree.json" "$tmp/$name.replay.json"; then
		ok "gather of $name replays to the same --json"
	else
		not_ok "gather of $name replays to the same --json" "$(diff "$tmp/$name.tree.json" "$tmp/$name.replay.json" | head -20)"
	fi
}

roundtrip sparse5 "$FIX/sysfs/sparse5"

# the counters of tiertopo stat replay too
(cd "$tmp" && "$T" gather -s "$FIX/sysfs/stat-6.12" -O stat612.tar.gz 2>/dev/null)
mkdir -p "$tmp/xs" && tar -xzf "$tmp/stat612.tar.gz" -C "$tmp/xs"
if "$T" -s "$FIX/sysfs/stat-6.12" stat -J >"$tmp/s1.json" 2>/dev/null &&
	"$T" -s "$tmp/xs/stat612" stat -J >"$tmp/s2.json" 2>/dev/null &&
	python3 -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); [d.pop("seconds",None) for d in (a,b)]; assert a == b and a["nodes"], (a, b)' "$tmp/s1.json" "$tmp/s2.json"; then
	ok "gather packs the vmstat files: stat replays to the same counters"
else
	not_ok "gather packs the vmstat files: stat replays to the same counters" "$(diff "$tmp/s1.json" "$tmp/s2.json" | head)"
fi

# symlinks stay symlinks; write-only files are left out
mkdir -p "$tmp/wo" && cp -a "$FIX/sysfs/sparse5/." "$tmp/wo/"
: >"$tmp/wo/sys/kernel/mm/numa/demotion_enabled.wo"
# memoryN/state is read (the hotplug context, issue 17); memoryN/removable by no reader
echo 1 >"$tmp/wo/sys/devices/system/memory/memory0/removable"
(cd "$tmp" && "$T" gather -s "$tmp/wo" -O links.tar.gz 2>/dev/null)
if tar -tvzf "$tmp/links.tar.gz" | grep -q '^l.* links/sys/bus/dax/devices/dax0.0 -> '; then
	ok "bus device links are packed as symlinks"
else
	not_ok "bus device links are packed as symlinks"
fi
if tar -tzf "$tmp/links.tar.gz" | grep -q 'memory/memory0/removable' ||
	! tar -tzf "$tmp/links.tar.gz" | grep -q 'memory/memory0/state'; then
	not_ok "files no reader uses are left out (memory0/removable), the ones read are in (state)"
else
	ok "files no reader uses are left out (memory0/removable), the ones read are in (state)"
fi

# a failing gather leaves no tarball behind
if "$T" gather -s "$FIX/sysfs/sparse5" -O "$tmp/no/such/dir/x.tar.gz" 2>/dev/null || [ -e "$tmp/no/such/dir/x.tar.gz" ]; then
	not_ok "an unwritable output fails cleanly"
else
	ok "an unwritable output fails cleanly"
fi

if [ -d "$SHARED/corpus/hwloc" ]; then
	for tb in "$SHARED"/corpus/hwloc/*.tar.bz2; do
		name=$(basename "$tb" .tar.bz2)
		mkdir -p "$tmp/c-$name" && tar -xjf "$tb" -C "$tmp/c-$name"
		roundtrip "$name" "$(find "$tmp/c-$name" -mindepth 1 -maxdepth 1 -type d | head -1)"
	done
else
	skip "gather of the hwloc corpus" "the corpus folder $SHARED/corpus/hwloc is absent (meson option shared_dir)"
fi

done_testing
