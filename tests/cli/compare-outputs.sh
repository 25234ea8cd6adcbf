#!/bin/bash
# Compare what two tiertopo builds print, byte for byte: stdout, stderr and exit status of
# every listing (dump in its table, raw, pairs and JSON forms, plan, check, stat), apply
# --dry-run and every --help, on every tree of the corpus, of fixtures/sysfs and a generated
# 256-node machine. For refactors of tools/ that must not change behaviour.
#
# usage: compare-outputs.sh OLD_TIERTOPO NEW_TIERTOPO [SOURCE_DIR [SHARED_DIR]]
#   SOURCE_DIR: the source tree (default: this script's ../..), for fixtures/ and the
#   generator; SHARED_DIR: the corpus (default SOURCE_DIR/../shared).
# Exit status: 0 identical, 1 a difference (each is listed), 2 usage.
set -u
[ $# -ge 2 ] || { echo "usage: $0 OLD_TIERTOPO NEW_TIERTOPO [SOURCE_DIR [SHARED_DIR]]" >&2; exit 2; }
OLD=$(realpath "$1")
NEW=$(realpath "$2")
SRC=$(realpath "${3:-$(dirname "$0")/../..}")
SHARED=$(realpath "${4:-$SRC/../shared}")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/trees" "$work/out"

# the trees: corpus tarballs holding a sys/, fixture trees, a generated 256-node machine
trees=()
for tb in "$SHARED"/corpus/hwloc/*.tar.bz2 "$SHARED"/corpus/machines/*.tar.bz2; do
	[ -f "$tb" ] || continue
	d="$work/trees/$(basename "$(dirname "$tb")")-$(basename "$tb" .tar.bz2)"
	mkdir -p "$d"
	tar -xjf "$tb" -C "$d" 2>/dev/null || continue
	for top in "$d"/*/; do
		[ -d "$top/sys" ] && trees+=("${top%/}")
	done
done
for t in "$SRC"/fixtures/sysfs/* "$SRC"/fixtures/sysfs/vm/*; do
	[ -d "$t/sys" ] && trees+=("$t")
done
python3 "$SRC/tests/bench/gen-machine.py" 256 "$work/trees/gen256" >/dev/null &&
	trees+=("$work/trees/gen256")

cases=0
diffs=0
# run NAME ARGS...: both binaries, the same arguments; compare stdout, stderr, status
run() {
	local name=$1
	shift
	local a="$work/out/a" b="$work/out/b"
	# the same argv[0] for both: getopt's messages name the program
	(cd "$work" && (exec -a tiertopo "$OLD" "$@") >"$a.out" 2>"$a.err"; echo $? >"$a.rc")
	(cd "$work" && (exec -a tiertopo "$NEW" "$@") >"$b.out" 2>"$b.err"; echo $? >"$b.rc")
	cases=$((cases + 1))
	local k
	for k in out err rc; do
		if ! cmp -s "$a.$k" "$b.$k"; then
			diffs=$((diffs + 1))
			echo "DIFF ($k) $name: tiertopo $*"
			diff "$a.$k" "$b.$k" | head -10 | sed 's/^/    /'
		fi
	done
}

# every --help, and usage errors
for cmd in "" dump plan check apply watch stat gather; do
	run "help $cmd" $cmd --help
done
run "help dump" --dump --help
run "help -h" -h
run "version" --version
run "bad option" --bogus
run "bad command" frobnicate
run "bad column" -s "$SRC/fixtures/sysfs/sparse5" -o NODE,NOPE
run "bad stat column" stat -s "$SRC/fixtures/sysfs/stat-6.12" -o NOPE
run "no sysroot" -s /nonexistent/root
run "operand" -s "$SRC/fixtures/sysfs/sparse5" extra
run "plan operand" plan -s "$SRC/fixtures/sysfs/sparse5" extra
run "bad model" plan -s "$SRC/fixtures/sysfs/sparse5" --kernel-model x.y
run "missing config" plan -s "$SRC/fixtures/sysfs/sparse5" --config /nonexistent.conf
run "stat bad interval" stat -s "$SRC/fixtures/sysfs/stat-6.12" 0

for t in "${trees[@]}"; do
	n=${t#"$work"/trees/}
	n=${n#"$SRC"/}
	run "$n" -s "$t" --dump --json
	run "$n" -s "$t" --dump
	run "$n" -s "$t" -o +EVIDENCE
	run "$n" -s "$t" --output-all
	run "$n" -s "$t" --output-all -b -r
	run "$n" -s "$t" -r
	run "$n" -s "$t" -P
	run "$n" -s "$t" -n -o NODE,KIND,PTIER,FLAGS,CACHE,ACCESS,INITIATOR
	run "$n" -s "$t" plan --json
	run "$n" -s "$t" plan
	run "$n" -s "$t" plan -r -n
	run "$n" -s "$t" plan --kernel-model 6.1
	run "$n" -s "$t" plan --kernel-model 5.10
	run "$n" -s "$t" check --json
	run "$n" -s "$t" check
	run "$n" -s "$t" check --strict --kernel-model 6.12
	run "$n" -s "$t" stat -J
	run "$n" -s "$t" stat
	run "$n" -s "$t" stat --output-all -r
	run "$n" -s "$t" stat -P -o NODE,KIND,pgdemote_kswapd
	run "$n" -s "$t" apply --dry-run
	run "$n" -s "$t" apply --dry-run -J
done

echo "$cases cases, ${#trees[@]} trees, $diffs differences"
[ "$diffs" -eq 0 ]
