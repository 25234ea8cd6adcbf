#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The meson options -Dudevdir, -Dsystemdunitdir and -Dbashcompletiondir decide where the
# rules, the trigger, the units and the completion go (a distribution sets them), and the
# defaults are absolute paths. Read from `meson introspect --installed` of a fresh setup,
# nothing is built.
# usage: test-install-dirs.sh SOURCE_ROOT
set -u
SRC=$1
. "$(dirname "$0")/../cli/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

installed() { # BUILD_DIR: the destination of every installed file, one a line
	meson introspect "$1" --installed | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin).values()))'
}
if meson setup "$tmp/b" "$SRC" -Dtests=disabled -Dudevdir=/opt/u -Dsystemdunitdir=/opt/s/system \
	-Dbashcompletiondir=/opt/bc >"$tmp/setup.log" 2>&1; then
	ok "meson setup with the three directory options"
else
	not_ok "meson setup with the three directory options" "$(tail -5 "$tmp/setup.log")"
	done_testing
	exit 1
fi
files=$(installed "$tmp/b")
for f in /opt/u/rules.d/90-tiertopo.rules /opt/u/tiertopo-trigger /opt/s/system/tiertopo-apply.service \
	/opt/s/system/tiertopo-watch.service /opt/bc/tiertopo; do
	if grep -qx "$f" <<<"$files"; then ok "installs $f"; else not_ok "installs $f" "$(grep -E 'rules|trigger|service|complet' <<<"$files")"; fi
done

meson setup "$tmp/d" "$SRC" -Dtests=disabled >/dev/null 2>&1
files=$(installed "$tmp/d")
for f in 90-tiertopo.rules tiertopo-apply.service completions/tiertopo; do
	p=$(grep "/$f\$" <<<"$files")
	case $p in
	/*/*) ok "by default $f goes to the absolute path $p" ;;
	*) not_ok "by default $f goes to an absolute path" "$p" ;;
	esac
done
done_testing
