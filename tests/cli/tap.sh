# Minimal TAP helpers for the shell tests (sourced).
_n=0
_failed=0
ok() { _n=$((_n + 1)); echo "ok $_n - $1"; }
not_ok() { _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# check NAME COMMAND...: the command must succeed
check() { local name=$1; shift; local out; if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "command: $*" "$(printf '%s' "$out" | head -20)"; fi; }
skip() { _n=$((_n + 1)); echo "ok $_n - $1 # SKIP $2"; }
done_testing() { echo "1..$_n"; [ "$_failed" -eq 0 ]; }
