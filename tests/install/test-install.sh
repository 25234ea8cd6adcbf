#!/bin/bash
# After `meson install --destdir`, pkg-config finds libtopo and a program outside the tree
# builds and runs against the installed library (not the build tree's).
# usage: test-install.sh BUILD_DIR CONSUMER_C FIXTURES_DIR [EXAMPLE_C]
# EXAMPLE_C is examples/topo-tiers.c, the example the man page and README point to.
set -u
BUILD=$(realpath "$1")
SRC=$(realpath "$2")
FIX=$3
EXAMPLE=${4:+$(realpath "$4")}
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
# the public header includes no other library's: consumers need no json-c flags or .pc file
if [ -z "$(pkg-config --print-requires --print-requires-private libtopo)" ]; then ok "libtopo.pc requires no other .pc file"; else not_ok "libtopo.pc requires no other .pc file" "$(pkg-config --print-requires-private libtopo)"; fi
case "$flags" in *json*) not_ok "no json-c in the consumer's flags" "$flags";; *) ok "no json-c in the consumer's flags";; esac

# shellcheck disable=SC2086
if cc -std=c17 -Wall -Werror -o "$dest/consumer" "$SRC" $flags; then ok "consumer builds"; else not_ok "consumer builds"; fi
libdir=$(dirname "$(find "$dest" -name 'libtopo.so.0' | head -1)")
out=$(LD_LIBRARY_PATH=$libdir "$dest/consumer" "$FIX/sysfs/sparse5")
want="node 0 tier 4
node 1 tier 4
node 2 tier 22"
if [ "$out" = "$want" ]; then ok "consumer runs on the installed library"; else not_ok "consumer runs on the installed library" "$out"; fi
if LD_LIBRARY_PATH=$libdir ldd "$dest/consumer" | grep -q "$libdir/libtopo.so.0"; then ok "it links the installed libtopo.so.0"; else not_ok "it links the installed libtopo.so.0"; fi
# a static link of libtopo.a needs exactly what Libs.private names
static=$(pkg-config --static --libs libtopo)
# shellcheck disable=SC2086
if cc -std=c17 -Wall -Werror -o "$dest/consumer-static" "$SRC" $(pkg-config --cflags libtopo) ${static/-ltopo/-l:libtopo.a} &&
	[ "$("$dest/consumer-static" "$FIX/sysfs/sparse5")" = "$want" ] && ! ldd "$dest/consumer-static" | grep -q libtopo; then
	ok "a consumer links libtopo.a statically with pkg-config --static --libs ($static)"
else
	not_ok "a consumer links libtopo.a statically with pkg-config --static --libs ($static)"
fi
# what an administrator gets besides the programs
for f in rules.d/90-tiertopo.rules tiertopo-trigger tiertopo-apply.service tiertopo-watch.service \
	tiertopo-metrics.service tiertopo-metrics.timer \
	bash-completion/completions/tiertopo doc/tiertopo/examples/tiertopo.conf.sample \
	doc/tiertopo/examples/hooks.d/50-log-changes share/tiertopo/tiertopo.schema.json; do
	if find "$dest" -path "*/$f" | grep -q .; then ok "$f is installed"; else not_ok "$f is installed"; fi
done

# examples/topo-tiers.c: kind, tier and demotion targets through the public API only
if [ -n "$EXAMPLE" ]; then
	# shellcheck disable=SC2086
	if cc -std=c17 -Wall -Wextra -Werror -o "$dest/topo-tiers" "$EXAMPLE" $flags; then ok "examples/topo-tiers.c builds against the installed library"; else not_ok "examples/topo-tiers.c builds against the installed library"; fi
	out=$(LD_LIBRARY_PATH=$libdir "$dest/topo-tiers" "$FIX/sysfs/sparse5")
	want="node 0 DRAM tier 4 kernel-tier 4 preferred 2 fallback 2
node 1 DRAM tier 4 kernel-tier 4 preferred 2 fallback 2
node 2 PMEM tier 300 kernel-tier 22 preferred - fallback -"
	if [ "$out" = "$want" ]; then ok "topo-tiers prints sparse5's kinds, tiers and targets"; else not_ok "topo-tiers prints sparse5's kinds, tiers and targets" "got:" "$out"; fi
	if find "$dest" -path '*/man3/libtopo.3' | grep -q .; then ok "libtopo.3 is installed"; else not_ok "libtopo.3 is installed"; fi
fi

# only the API is exported: internal helpers stay hidden
if nm -D --defined-only "$libdir/libtopo.so.0" | awk '{print $3}' | grep -v '^topo_' | grep -v '^LIBTOPO_' | grep -q .; then
	not_ok "only topo_* symbols are exported" "$(nm -D --defined-only "$libdir/libtopo.so.0" | grep -v ' topo_' | head)"
else
	ok "only topo_* symbols are exported"
fi
done_testing
