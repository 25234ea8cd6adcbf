#!/bin/bash
# The systemd units, as built: `systemd-analyze security --offline=yes` rates each at 2.5 or
# lower, and the hardening leaves the job what it needs (every knob a sink writes, the run
# directory, a start timeout on the oneshot, the initial network namespace for uevents).
# usage: test-units.sh BUILT_UNIT_DIR SOURCE_DIR
set -u
UNITS=$1
SRC=$2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../cli/tap.sh"
MAX=2.5

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze is not installed (apt-get install systemd): the units' rating cannot be checked"
	exit 0
fi

# the knob paths the sinks write, as they name them (sysroot-relative)
knobs=$(grep -ho '"\(sys\|proc\)/[^"%]*"' "$SRC"/libtopo/sinks/kernel.c "$SRC"/libtopo/sinks/tier-files.c | tr -d '"' | sort -u)
[ -n "$knobs" ] || not_ok "the sinks' knob paths were found in libtopo/sinks" "grep found none"

for u in tiertopo-apply.service tiertopo-watch.service; do
	f=$UNITS/$u
	out=$(systemd-analyze security --offline=yes "$f" 2>&1)
	level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ -z "$level" ]; then
		not_ok "$u: systemd-analyze rated it" "$(printf '%s' "$out" | tail -5)"
	elif awk -v l="$level" -v m="$MAX" 'BEGIN { exit !(l <= m) }'; then
		ok "$u: exposure $level <= $MAX"
	else
		not_ok "$u: exposure $level <= $MAX" "$(printf '%s\n' "$out" | grep '✗')"
	fi
	# every knob a sink writes is under a ReadWritePaths= (or ProtectSystem=strict would
	# make the apply fail with EROFS)
	rw=$(sed -n 's/^ReadWritePaths=-\?//p' "$f")
	missing=
	for k in $knobs; do
		covered=
		for d in $rw; do
			case "/$k" in "$d"|"$d"/*) covered=1;; esac
		done
		[ -n "$covered" ] || missing="$missing /$k"
	done
	check "$u: every knob the sinks write is writable (missing:${missing:- none})" test -z "$missing"
	check "$u: ProtectSystem=strict" grep -qx 'ProtectSystem=strict' "$f"
	check "$u: /run/tiertopo is its RuntimeDirectory, kept between runs" \
		sh -c "grep -qx 'RuntimeDirectory=tiertopo' '$f' && grep -qx 'RuntimeDirectoryPreserve=yes' '$f'"
	check "$u: sockets only AF_UNIX and AF_NETLINK" grep -qx 'RestrictAddressFamilies=AF_UNIX AF_NETLINK' "$f"
	check "$u: no PrivateNetwork (uevents reach only the initial network namespace)" \
		sh -c "! grep -q '^PrivateNetwork=yes' '$f'"
done
check "tiertopo-apply.service (oneshot) has a start timeout" \
	grep -qE '^TimeoutStartSec=[1-9][0-9]*$' "$UNITS/tiertopo-apply.service"

# tiertopo-metrics.service and its timer (issue 17): hardened, no capability, writing only
# node_exporter's textfile directory, atomically (metrics -O), every minute
f=$UNITS/tiertopo-metrics.service
timer=$SRC/udev/tiertopo-metrics.timer
out=$(systemd-analyze security --offline=yes "$f" 2>&1)
level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -n "$level" ] && awk -v l="$level" -v m="$MAX" 'BEGIN { exit !(l <= m) }'; then
	ok "tiertopo-metrics.service: exposure $level <= $MAX"
else
	not_ok "tiertopo-metrics.service: exposure ${level:-unrated} <= $MAX" "$(printf '%s\n' "$out" | grep '✗')"
fi
textfile=/var/lib/prometheus/node-exporter
check "tiertopo-metrics.service: a oneshot with a start timeout" \
	sh -c "grep -qx 'Type=oneshot' '$f' && grep -qE '^TimeoutStartSec=[1-9][0-9]*$' '$f'"
check "tiertopo-metrics.service: runs tiertopo metrics -O $textfile/tiertopo.prom" \
	grep -qE "^ExecStart=/[^ ]*/tiertopo metrics -O $textfile/tiertopo\.prom$" "$f"
check "tiertopo-metrics.service: the textfile directory is its only writable path" \
	sh -c "[ \"\$(grep '^ReadWritePaths=' '$f')\" = 'ReadWritePaths=$textfile' ] && grep -qx 'ProtectSystem=strict' '$f'"
check "tiertopo-metrics.service: no capability" grep -qx 'CapabilityBoundingSet=' "$f"
check "tiertopo-metrics.service: skipped where no node_exporter directory exists" \
	grep -qx "ConditionPathIsDirectory=$textfile" "$f"
check "tiertopo-metrics.timer: every minute, enabled by timers.target" \
	sh -c "grep -qx 'OnUnitActiveSec=1min' '$timer' && grep -qx 'WantedBy=timers.target' '$timer'"
if command -v systemd-analyze >/dev/null && out=$(systemd-analyze verify --man=no "$timer" "$f" 2>&1 | grep -v 'is not executable'); [ -z "$out" ]; then
	ok "tiertopo-metrics.timer and .service: systemd-analyze verify finds nothing else"
else
	not_ok "tiertopo-metrics.timer and .service: systemd-analyze verify finds nothing else" "$out"
fi
done_testing
