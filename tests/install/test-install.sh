#!/bin/bash
# After `meson install --destdir`, pkg-config finds libtopo and a program outside the tree
# builds and runs against the installed library (not the build tree's).
# usage: test-install.sh BUILD_DIR CONSUMER_C FIXTURES_DIR
set -u
BUILD=$(realpath "$1")
SRC=$(realpath "$2")
FIX=$3
. "$(dirname "$0")/../cli/tap.sh"
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

if meson install -C "$BUILD" --no-rebuild --destdir "$dest" --quiet >"$dest.log" 2>&1; then
	ok "meson install --destdir"
else
	not_ok "meson install --destdir" "$(tail -5 "$dest.log")"
	done_testing
	exit 1
fi
rm -f "$dest.log"

pcdir=$(dirname "$(find "$dest" -name libtopo.pc | head -1)")
export PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$dest
if flags=$(pkg-config --cflags --libs libtopo); then ok "pkg-config --cflags --libs libtopo: $flags"; else not_ok "pkg-config finds libtopo"; fi
case "$flags" in *"$dest"*) ok "flags point into the installed tree";; *) not_ok "flags point into the installed tree" "$flags";; esac

# shellcheck disable=SC2086
if cc -std=c17 -Wall -Werror -o "$dest/consumer" "$SRC" $flags; then ok "consumer builds"; else not_ok "consumer builds"; fi
libdir=$(dirname "$(find "$dest" -name 'libtopo.so.0' | head -1)")
out=$(LD_LIBRARY_PATH=$libdir "$dest/consumer" "$FIX/sysfs/sparse5")
want="node 0 tier 4
node 1 tier 4
node 2 tier 22"
if [ "$out" = "$want" ]; then ok "consumer runs on the installed library"; else not_ok "consumer runs on the installed library" "$out"; fi
if LD_LIBRARY_PATH=$libdir ldd "$dest/consumer" | grep -q "$libdir/libtopo.so.0"; then ok "it links the installed libtopo.so.0"; else not_ok "it links the installed libtopo.so.0"; fi

# only the API is exported: internal helpers stay hidden
if nm -D --defined-only "$libdir/libtopo.so.0" | awk '{print $3}' | grep -v '^topo_' | grep -v '^LIBTOPO_' | grep -q .; then
	not_ok "only topo_* symbols are exported" "$(nm -D --defined-only "$libdir/libtopo.so.0" | grep -v ' topo_' | head)"
else
	ok "only topo_* symbols are exported"
fi
done_testing
