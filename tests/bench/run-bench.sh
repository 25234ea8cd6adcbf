#!/bin/bash
# meson test --benchmark: the whole report on stdout (see bench.py).
# usage: run-bench.sh TIERTOPO BENCH_PLAN SOURCE_DIR SHARED_DIR [--quick]
set -eu
exec python3 "$(dirname "$0")/bench.py" "$@"
