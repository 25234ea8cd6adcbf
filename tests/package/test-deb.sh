#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages: a copy of the source tree builds with `dpkg-buildpackage -b -us -uc`,
# lintian reports no error (each warning left is listed in debian/README.source), each
# package holds what it should, and the programs of the unpacked packages run. The .debs
# are left in $TOPO_DEB_DIR when it is set (the VM suite installs them from there).
# usage: test-deb.sh SOURCE_ROOT FIXTURES_DIR
set -u
SRC=$(realpath "$1")
FIX=$(realpath "$2")
. "$(dirname "$0")/../cli/tap.sh"
missing=""
for t in dpkg-buildpackage dh lintian; do command -v "$t" >/dev/null || missing="$missing $t"; done
if [ -n "$missing" ]; then
	# CI runs .ci/install-deps first: there a missing tool is a failure, not a skip
	if [ "${CI:-}" = true ]; then not_ok "dpkg-buildpackage, debhelper and lintian are installed" "missing:$missing"; done_testing; exit 1; fi
	skip "the Debian packages" "missing:$missing (.ci/install-deps installs them)"
	done_testing
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the tracked and new files of the tree, not its build directories
mkdir "$tmp/src"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$SRC" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"; done | xargs -0 cp -a --parents -t "$tmp/src")
else
	(cd "$SRC" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$tmp/src"
fi
if (cd "$tmp/src" && dpkg-buildpackage -b -us -uc) >"$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage -b -us -uc"
else
	not_ok "dpkg-buildpackage -b -us -uc" "$(tail -30 "$tmp/build.log")"
	done_testing
	exit 1
fi
changes=$(ls "$tmp"/*.changes)
lintian --display-info --tag-display-limit 0 "$changes" >"$tmp/lintian.log" 2>&1
echo "# lintian: $(grep -c '^E: ' "$tmp/lintian.log") errors, $(grep -c '^W: ' "$tmp/lintian.log") warnings, $(grep -c '^I: ' "$tmp/lintian.log") info"
sed 's/^/# /' "$tmp/lintian.log"
errors=$(grep '^E: ' "$tmp/lintian.log")
if [ -z "$errors" ]; then ok "lintian: no error"; else not_ok "lintian: no error" "$errors"; fi
# every warning left is one debian/README.source explains
unexplained=""
while read -r tag; do
	grep -q -- "$tag" "$SRC/debian/README.source" || unexplained="$unexplained $tag"
done < <(grep '^W: ' "$tmp/lintian.log" | awk '{print $3}' | sort -u)
if [ -z "$unexplained" ]; then ok "lintian: each warning is explained in debian/README.source"; else not_ok "lintian: each warning is explained in debian/README.source" "unexplained:$unexplained" "$(grep '^W: ' "$tmp/lintian.log")"; fi

contents() { dpkg-deb -c "$tmp/$1"_*.deb | awk '{print $6}' | sed 's|^\./|/|'; }
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
expect() { # PACKAGE PATH...
	local p=$1 f have
	shift
	have=$(contents "$p")
	for f in "$@"; do
		if grep -qx -- "$f" <<<"$have"; then ok "$p holds $f"; else not_ok "$p holds $f" "$have"; fi
	done
}
expect libtopo0 "/usr/lib/$ma/libtopo.so.0" "/usr/lib/$ma/libtopo.so.0.1.0"
expect libtopo-dev /usr/include/libtopo.h "/usr/lib/$ma/libtopo.so" "/usr/lib/$ma/pkgconfig/libtopo.pc" \
	/usr/share/man/man3/libtopo.3.gz
expect tiertopo /usr/sbin/tiertopo /usr/libexec/tiertopo/tiertopo-gather /lib/udev/rules.d/90-tiertopo.rules \
	/lib/udev/tiertopo-trigger /lib/systemd/system/tiertopo-apply.service \
	/lib/systemd/system/tiertopo-watch.service /usr/share/bash-completion/completions/tiertopo \
	/lib/systemd/system/tiertopo-metrics.service /lib/systemd/system/tiertopo-metrics.timer \
	/usr/share/man/man8/tiertopo.8.gz /usr/share/man/man5/tiertopo.conf.5.gz \
	/usr/share/doc/tiertopo/examples/tiertopo.conf.sample \
	/usr/share/doc/tiertopo/examples/hooks.d/50-log-changes /usr/share/tiertopo/tiertopo.schema.json \
	/usr/share/doc/tiertopo/json.md
if contents libtopo-dev | grep -q 'libtopo\.a$'; then not_ok "libtopo-dev ships no static library"; else ok "libtopo-dev ships no static library"; fi

# the unpacked packages: the units start the packaged program, which runs on the packaged library
root=$tmp/root
for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$root"; done
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$root/lib/systemd/system/tiertopo-apply.service")
if [ "$exec_start" = /usr/sbin/tiertopo ] && [ -x "$root$exec_start" ]; then ok "the unit starts the packaged /usr/sbin/tiertopo"; else not_ok "the unit starts the packaged /usr/sbin/tiertopo" "ExecStart=$exec_start"; fi
out=$(LD_LIBRARY_PATH=$root/usr/lib/$ma "$root/usr/sbin/tiertopo" -s "$FIX/sysfs/sparse5" -o NODE,KIND,PTIER -n 2>&1 | awk '{print $1, $2, $3}')
want="0 DRAM 4
1 DRAM 4
2 PMEM 300
3 unknown -
4 unknown -"
if [ "$out" = "$want" ]; then ok "the packaged tiertopo runs on the packaged libtopo.so.0"; else not_ok "the packaged tiertopo runs on the packaged libtopo.so.0" "$out"; fi
if LD_LIBRARY_PATH=$root/usr/lib/$ma ldd "$root/usr/sbin/tiertopo" | grep -q "$root/usr/lib/$ma/libtopo.so.0"; then ok "it links the packaged library"; else not_ok "it links the packaged library"; fi
if [ -n "${TOPO_DEB_DIR:-}" ]; then mkdir -p "$TOPO_DEB_DIR" && cp "$tmp"/*.deb "$TOPO_DEB_DIR"/; fi
done_testing
