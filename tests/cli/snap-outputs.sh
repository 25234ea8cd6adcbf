#!/bin/bash
# Record what a tiertopo binary prints for every tree it is meant to read, so two builds can
# be compared byte for byte (diff -r): the refactoring check of a step that must not change
# behaviour.  Usage: snap-outputs.sh TIERTOPO OUTDIR TREE...
# Each TREE is a sysroot (sys/ and proc/ below it) or a directory holding one level of them.
set -u
bin=$1 out=$2
shift 2
mkdir -p "$out"
run() { # name, args...
	local name=$1
	shift
	"$bin" "$@" >"$out/$name.out" 2>"$out/$name.err"
	echo "exit $?" >>"$out/$name.out"
}
for t in "$@"; do
	roots=()
	if [ -d "$t/sys" ] || [ -d "$t/proc" ]; then roots=("$t"); else
		for d in "$t"/*/; do roots+=("${d%/}"); done
	fi
	for r in "${roots[@]}"; do
		n=$(echo "$r" | tr '/' '_')
		run "$n.dump-json" -s "$r" --dump --json
		run "$n.dump" -s "$r" --dump --output-all
		run "$n.plan-json" -s "$r" plan --json
		run "$n.check-json" -s "$r" check --json
	done
done
