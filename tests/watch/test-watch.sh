#!/bin/bash
# tiertopo watch on fixture trees that change between bursts, fed recorded uevent streams.
# usage: test-watch.sh TIERTOPO FIXTURES_DIR SOURCE_DIR
set -u
T=$(realpath "$1")
FIX=$2
SRC=$3
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../cli/tap.sh"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT

# A machine before and after an NVDIMM goes online as system-ram: sparse5 without node 2's
# memory, then sparse5 as it is.
before() {
	rm -rf "$1" && cp -a "$FIX/sysfs/sparse5" "$1"
	local n=$1/sys/devices/system/node
	echo 0-1 >"$n/has_memory"
	printf 'Node 2 MemTotal:       0 kB\nNode 2 MemFree:        0 kB\n' >"$n/node2/meminfo"
	rm -f "$n"/node2/memory[0-9]*
	rm -rf "$1/sys/devices/virtual/memory_tiering/memory_tier22" "$1/sys/bus/dax/devices/dax0.0"
}
after() { # the kernel's files change under the running daemon
	cp -a "$FIX/sysfs/sparse5/." "$1/"
}
node2_tier() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([n['tier'] for n in d['nodes'] if n['node']==2][0])" "$1/run/tiertopo/state.json" 2>/dev/null
}
wait_for() { # COND... : up to 60 s (a sanitizer build on a loaded machine is slow)
	for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done
	return 1
}

# --- 1. a storm of 24,576 memory online events over two seconds -------------------------
before "$tmp/s"
mkfifo "$tmp/fifo"
exec 9<>"$tmp/fifo" # hold the FIFO open: its end is the end of the recording
"$T" -s "$tmp/s" -v watch --events "$tmp/fifo" --debounce 0.5 --max-wait 5 2>"$tmp/storm.log" 9>&- &
daemon=$!
# the start apply sees the machine before the hotplug; then the kernel's files change and
# the storm comes
wait_for test -f "$tmp/s/run/tiertopo/state.json"
check "at start the new node has no tier yet" test "$(node2_tier "$tmp/s")" = None
after "$tmp/s"
python3 "$HERE/storm.py" "$tmp/fifo" 24576 2 --first-block 64
exec 9>&-
wait $daemon
rc=$?
check "the daemon ends cleanly at the end of the recording" test $rc = 0
applies=$(grep -c "apply #[0-9]* (events" "$tmp/storm.log")
check "24,576 events make it apply at most twice (applied $applies time(s))" test "$applies" -ge 1 -a "$applies" -le 2
check "... and it saw every event" grep -q "apply #2 (events, 24576 events; " "$tmp/storm.log"
check "... and says how long the burst lasted, the quiet before the apply and the apply took" \
	grep -Eq "apply #2 \(events, 24576 events; burst [0-9]+ ms, quiet [0-9]+ ms, apply [0-9.]+ ms\)" "$tmp/storm.log"
# the apply waits for the debounce's quiet (0.5 s) unless --max-wait (5 s from the first event) ends
# the wait first: never earlier than either
check "... and it applied only after the debounce's quiet or at --max-wait" awk '
	/apply #2 \(events/ { match($0, /burst [0-9]+ ms, quiet [0-9]+ ms/); split(substr($0, RSTART, RLENGTH), f, " ")
		ok = f[5] + 0 >= 499 || f[2] + f[5] >= 4999; seen = 1 }
	END { exit !(seen && ok) }' "$tmp/storm.log"
check "the new node is in its tier in the state file" test "$(node2_tier "$tmp/s")" = 300
check "demotion_enabled is true" grep -qx true "$tmp/s/sys/kernel/mm/numa/demotion_enabled"
grep "cpu" "$tmp/storm.log" | sed 's/^/# /'

# --- 2. lost events: a receive-buffer overflow makes it rescan --------------------------
before "$tmp/o"
{ echo "!overflow"; } >"$tmp/overflow.events"
"$T" -s "$tmp/o" watch --events - --debounce 0.3 2>"$tmp/overflow.log" < <(
	# nothing but the overflow: every memory event of the hotplug was lost
	sleep 1; after "$tmp/o"; cat "$tmp/overflow.events"; sleep 0.1)
check "an overflow is reported" grep -q "uevents were lost (receive buffer overflow): rescanning" "$tmp/overflow.log"
check "and the rescan converges: the new node is in its tier" test "$(node2_tier "$tmp/o")" = 300

# --- 3. signals: SIGHUP re-reads the configuration, SIGTERM ends it ----------------------
before "$tmp/h"
mkfifo "$tmp/hfifo"
exec 7<>"$tmp/hfifo"
"$T" -s "$tmp/h" watch --events "$tmp/hfifo" --debounce 0.2 2>"$tmp/hup.log" 7>&- &
daemon=$!
wait_for test -f "$tmp/h/run/tiertopo/state.json"
mkdir -p "$tmp/h/etc/tiertopo" && printf '[node 2]\nkind = HBM\n' >"$tmp/h/etc/tiertopo/tiertopo.conf"
kill -HUP $daemon
wait_for grep -q "configuration re-read" "$tmp/hup.log"
check "SIGHUP re-reads the configuration" grep -q "configuration re-read" "$tmp/hup.log"
printf '[node 2\n' >"$tmp/h/etc/tiertopo/tiertopo.conf"
kill -HUP $daemon
wait_for grep -q "nothing was applied" "$tmp/hup.log"
check "a bad configuration on SIGHUP is refused, the daemon goes on" kill -0 $daemon
kill -TERM $daemon
wait $daemon
check "SIGTERM ends it with status 0" test $? = 0
exec 7>&-

# --- 4. one watcher at a time -------------------------------------------------------------
before "$tmp/l"
mkfifo "$tmp/lfifo"
exec 8<>"$tmp/lfifo"
"$T" -s "$tmp/l" watch --events "$tmp/lfifo" 2>/dev/null 8>&- &
daemon=$!
wait_for test -f "$tmp/l/run/tiertopo/watch.lock"
sleep 0.2
start=$(date +%s%N)
"$T" -s "$tmp/l" watch --once --debounce 5 2>"$tmp/once.log"
rc=$?
took=$(( ($(date +%s%N) - start) / 1000000 ))
check "a oneshot while a watcher runs exits at once ($took ms)" test $rc = 0 -a $took -lt 2000
err=$("$T" -s "$tmp/l" watch --events /dev/null 2>&1)
case "$err" in *"another tiertopo watch is running"*) ok "a second daemon is refused";; *) not_ok "a second daemon is refused" "$err";; esac
kill $daemon; wait $daemon 2>/dev/null
exec 8>&-

# --- 5. the trigger the udev rules run ------------------------------------------------------
# without systemd: it starts the oneshot, detached, and returns at once
before "$tmp/t"
after "$tmp/t"
mkdir -p "$tmp/bin" && ln -s "$T" "$tmp/bin/tiertopo"
# it used to append its output to run/tiertopo/watch.log: a link there, to a file outside
# the tree, must not be written through
mkdir -p "$tmp/t/run/tiertopo" && echo decoy >"$tmp/decoy" && ln -s "$tmp/decoy" "$tmp/t/run/tiertopo/watch.log"
start=$(date +%s%N)
PATH="$tmp/bin:$PATH" TIERTOPO_SYSROOT="$tmp/t" sh "$SRC/udev/tiertopo-trigger"
took=$(( ($(date +%s%N) - start) / 1000000 ))
check "without systemd the trigger returns at once ($took ms)" test $took -lt 1000
wait_for test -f "$tmp/t/run/tiertopo/state.json"
check "... and the oneshot it started applied the plan" test "$(node2_tier "$tmp/t")" = 300
sleep 0.2
check "... and wrote nothing through run/tiertopo/watch.log, a link to outside" \
	test "$(cat "$tmp/decoy")" = decoy
# with systemd: it asks systemd for the oneshot unit and nothing else
before "$tmp/y"
mkdir -p "$tmp/y/run/systemd/system"
printf '#!/bin/sh\necho "$@" >%s/systemctl.args\n' "$tmp" >"$tmp/bin/systemctl" && chmod +x "$tmp/bin/systemctl"
PATH="$tmp/bin:/usr/bin:/bin" TIERTOPO_SYSROOT="$tmp/y" sh "$SRC/udev/tiertopo-trigger"
check "with systemd it runs 'systemctl --no-block start tiertopo-apply.service'" \
	test "$(cat "$tmp/systemctl.args" 2>/dev/null)" = "--no-block start tiertopo-apply.service"
sleep 0.5
check "... and applies nothing itself" test ! -e "$tmp/y/run/tiertopo/state.json"
done_testing
