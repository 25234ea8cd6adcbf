# Scenario d, sourced by main.sh after the captures: `tiertopo apply` on a real kernel.
# Every write must succeed and read back; a second apply must change nothing.
# Host checks: check-vm.py scenario_d.
d=$OUT/apply
mkdir -p $d
knobs() {
	grep -H . /sys/kernel/mm/numa/demotion_enabled /proc/sys/kernel/numa_balancing \
		/proc/sys/kernel/numa_balancing_promote_rate_limit_MBps \
		/sys/kernel/mm/mempolicy/weighted_interleave/* 2>/dev/null
	for f in /sys/devices/system/node/node*/memtier /sys/devices/system/node/node*/adistance_offset \
		/sys/devices/system/node/demotion_targets; do
		[ -f "$f" ] && echo "$f:$(cat $f)"
	done
}
if ! tiertopo apply --help >/dev/null 2>&1; then
	echo "tiertopo apply does not exist in this build" >$d/unsupported
else
	knobs >$d/knobs-before.txt
	tiertopo apply --json >$d/apply1.json 2>$d/apply1.err; echo $? >$d/apply1.rc
	knobs >$d/knobs-after.txt
	cp /run/tiertopo/state.json $d/state1.json 2>/dev/null
	tiertopo apply --json >$d/apply2.json 2>$d/apply2.err; echo $? >$d/apply2.rc
	cp /run/tiertopo/state.json $d/state2.json 2>/dev/null
	tiertopo apply >$d/apply2.txt 2>&1
	knobs >$d/knobs-after2.txt
	cp /run/tiertopo/state.json $d/state.json 2>/dev/null
fi
