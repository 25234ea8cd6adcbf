#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build the ACPI parser fuzz targets with clang (libFuzzer + ASan + UBSan), without meson,
# and run each for N executions with the ACPI fixtures as seed corpus.
#
#   tests/acpi/run-fuzz.sh [RUNS] [PARSERS...]     (default RUNS=100000, all five parsers)
#
# Environment: CC (default clang), OUT (build/work dir, default /tmp/topo-fuzz),
# FUZZ_ARGS (extra libFuzzer flags, e.g. "-fork=2" or "-max_len=8192"),
# SEEDS (extra directory of seed inputs, e.g. a meson build's fixtures/acpi).
# A crash leaves crash-* / leak-* files in $OUT/<parser>/; copy them to
# fixtures/acpi/crashers/ so tests/acpi keeps them as regression inputs.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-100000}
[ $# -gt 0 ] && shift
parsers=${*:-srat slit hmat cedt nfit}
CC=${CC:-clang}
OUT=${OUT:-/tmp/topo-fuzz}
FUZZ_ARGS=${FUZZ_ARGS:-}
flags="-g -O1 -std=c17 -D_GNU_SOURCE -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I$root/include -I$root/libtopo"
srcs="$root/libtopo/base/findings.c $root/libtopo/acpi/table.c $root/libtopo/acpi/srat.c \
	$root/libtopo/acpi/slit.c $root/libtopo/acpi/hmat.c $root/libtopo/acpi/cedt.c \
	$root/libtopo/acpi/nfit.c"

mkdir -p "$OUT"
for p in $parsers; do
	dir="$OUT/$p"
	mkdir -p "$dir/corpus" "$dir/seeds"
	# seeds: the iasl sources' binaries if built, QEMU captures, and every crasher
	for f in "${SEEDS:-/nonexistent}"/*.aml "${SEEDS:-/nonexistent}"/*.dat \
		"$root"/../shared/qemu-lab/tables/*/*.dat "$root"/fixtures/acpi/crashers/*; do
		[ -f "$f" ] && cp "$f" "$dir/seeds/" 2>/dev/null || true
	done
	rm -f "$dir/seeds/README"
	echo "== building fuzz-$p"
	# shellcheck disable=SC2086
	$CC $flags -DFUZZ_TABLE="$p" -o "$dir/fuzz-$p" "$here/fuzz-acpi.c" $srcs
	echo "== running fuzz-$p for $runs executions"
	(cd "$dir" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		./"fuzz-$p" -runs="$runs" -max_len=4096 -print_final_stats=1 $FUZZ_ARGS \
		corpus seeds 2>&1) | tee "$dir/log" | grep -E "stat::number_of_executed_units|ERROR|SUMMARY|Done" || true
	if grep -q "ERROR: \|SUMMARY: " "$dir/log"; then
		echo "fuzz-$p FAILED: see $dir/log and $dir/crash-*" >&2
		exit 1
	fi
done
