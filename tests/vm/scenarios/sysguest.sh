# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario f (issues 14, 17, 18): the systemd guest (vm.sh run -r -d DEBDIR: Debian 12, systemd
# as PID 1, udev, ndctl/daxctl). The project's packages are installed with dpkg, as an
# administrator would; then nothing but `daxctl reconfigure-device --mode=system-ram` is run:
# the packaged udev rule must start the packaged, hardened tiertopo-apply.service, which writes
# the knobs and /run/tiertopo/state.json. Saved for the host (check-vm.py scenario_f) in
# $OUT/sysguest: dpkg's log, the unit's properties and journal, the sandbox's rating
# (systemd-analyze security, live), the hotplug timing, daxctl/ndctl's and tiertopo's views,
# the watch service's run and the metrics textfile when the package has that unit.
d=$OUT/sysguest
mkdir -p $d
unitdir=/lib/systemd/system
props=Result,ExecMainStatus,ExecMainCode,ActiveState,InvocationID,ExecMainStartTimestampMonotonic,ExecMainExitTimestampMonotonic,NRestarts
show() { systemctl show -p "$props" "$1"; }

ls /host/in/debs >$d/debs.txt 2>&1
dpkg -i /host/in/debs/*.deb >$d/dpkg.log 2>&1
echo $? >$d/dpkg.rc
dpkg-query -W -f='${Package} ${Version} ${Status}\n' libtopo0 tiertopo >$d/dpkg-query.txt 2>&1
for u in tiertopo-apply.service tiertopo-watch.service tiertopo-metrics.service tiertopo-metrics.timer; do
	echo "$u=$(systemctl is-enabled $u 2>&1)"
done >$d/enabled.txt
command -v tiertopo >$d/which.txt 2>&1

to_devdax >$d/devdax.out 2>&1
udevadm settle -t 30
sleep 1
show tiertopo-apply.service >$d/apply-before.txt
echo "demotion_enabled_before=$(cat /sys/kernel/mm/numa/demotion_enabled)" >$d/result.txt
echo "has_memory_before=$(cat /sys/devices/system/node/has_memory)" >>$d/result.txt
start0=$(systemctl show -p ExecMainStartTimestampMonotonic --value tiertopo-apply.service)

# the burst: every kernel uevent with its CLOCK_MONOTONIC stamp
udevadm monitor --kernel --property >$d/monitor.log 2>&1 &
mon=$!
sleep 1
echo "daxctl_start=$(mono_ns)" >$d/timing.txt
to_sysram >$d/daxctl.out 2>&1
echo "daxctl_rc=$?" >>$d/result.txt
echo "daxctl_end=$(mono_ns)" >>$d/timing.txt
node=$(cat /sys/bus/dax/devices/dax0.0/target_node)
# the unit ran once the journal has its end (systemd collects an inactive oneshot that nothing
# references, and `systemctl show` then reads a fresh, never-started unit: the journal is what
# keeps the result); 60 s at most, on the clock (systemctl and journalctl are slow under TCG)
t0=$(date +%s%N)
while [ $(($(date +%s%N) - t0)) -lt 60000000000 ]; do
	show tiertopo-apply.service >$d/apply-after.txt
	journalctl -q -o cat -u tiertopo-apply.service 2>/dev/null |
		grep -qE 'Deactivated successfully|Failed with result|Failed to start' && break
	sleep 0.1
done
i=$((($(date +%s%N) - t0) / 100000000))
{
	echo "waited_ms=$((i * 100))"
	echo "demotion_enabled=$(cat /sys/kernel/mm/numa/demotion_enabled)"
	echo "new_node=$node"
	echo "has_memory_after=$(cat /sys/devices/system/node/has_memory)"
} >>$d/result.txt
timing_record $d/timing.txt /run/tiertopo/state.json
kill $mon 2>/dev/null
cp /run/tiertopo/state.json $d/state.json 2>/dev/null
ls -ld /run/tiertopo /run/tiertopo/* >$d/run-tiertopo.txt 2>&1
journalctl -b -o short-monotonic --no-pager -u tiertopo-apply.service >$d/journal-apply.txt 2>&1
journalctl -b -o json --no-pager -u tiertopo-apply.service >$d/journal-apply.json 2>&1

# the sandbox, rated by the running systemd (not --offline): the exposure table of each unit
for u in apply watch; do
	systemd-analyze security --no-pager tiertopo-$u.service >$d/security-$u.txt 2>&1
done

# the daemon variant: started as the administrator would (the package leaves it disabled),
# reloaded (SIGHUP) and stopped; its journal must not show the sandbox in its way
systemctl start tiertopo-watch.service
sleep 3
systemctl reload tiertopo-watch.service
sleep 2
systemctl show -p ActiveState,SubState,Result,NRestarts,MainPID tiertopo-watch.service >$d/watch-running.txt
systemctl stop tiertopo-watch.service
systemctl show -p ActiveState,Result,ExecMainStatus,ExecMainCode tiertopo-watch.service >$d/watch-stopped.txt
journalctl -b -o short-monotonic --no-pager -u tiertopo-watch.service >$d/journal-watch.txt 2>&1

# the metrics service, when the package ships it (node_exporter's textfile directory)
if [ -f $unitdir/tiertopo-metrics.service ] || [ -f /usr$unitdir/tiertopo-metrics.service ]; then
	# what prometheus-node-exporter's package creates (the unit's ConditionPathIsDirectory=)
	mkdir -p /var/lib/prometheus/node-exporter
	# the timer as packaged starts the service by itself: OnBootSec=1min has passed on a TCG boot
	# (else OnUnitActiveSec=1min after its last trigger); nothing here starts the service
	systemctl restart tiertopo-metrics.timer
	i=0
	while [ $i -lt 90 ] && [ ! -s /var/lib/prometheus/node-exporter/tiertopo.prom ]; do
		sleep 1
		i=$((i + 1))
	done
	{
		systemctl show -p ActiveState,LastTriggerUSecMonotonic,NextElapseUSecMonotonic tiertopo-metrics.timer
		echo "waited_s=$i"
	} >$d/metrics-timer.txt
	systemctl show -p Result,ExecMainStatus tiertopo-metrics.service >$d/metrics-unit.txt
	journalctl -b -o short-monotonic --no-pager -u tiertopo-metrics.service >$d/journal-metrics.txt 2>&1
	cp /var/lib/prometheus/node-exporter/tiertopo.prom $d/tiertopo.prom 2>>$d/metrics-unit.txt
	ls -l /var/lib/prometheus/node-exporter/ >>$d/metrics-unit.txt 2>&1
else
	echo "the package has no tiertopo-metrics.service" >$d/metrics-unsupported
fi

# the hotplug context as daxctl/ndctl (libdaxctl/libndctl) and tiertopo see it
daxctl list -M -D -R >$d/daxctl-list.json 2>$d/daxctl-list.err
ndctl list -NRD >$d/ndctl-list.json 2>$d/ndctl-list.err
tiertopo --dump -J >$d/dump.json 2>$d/dump.err
echo $? >$d/dump.rc
cat /sys/devices/system/memory/auto_online_blocks >$d/auto_online_blocks 2>&1
uname -r >$d/uname.txt
exit 0
