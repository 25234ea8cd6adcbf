# Scenario c (boot with vm.udev: systemd-udevd runs): the project's udev rules and the
# trigger they RUN react to an NVDIMM going online as system-ram. Nothing but daxctl is run after the hotplug: within
# 2 s demotion_enabled must be true and /run/tiertopo/state.json must list the new node.
# Host checks: check-vm.py scenario_c; the reaction time and the memory blocks' onlining time
# (issue 18) go to the suite's log.
d=$OUT/udev
mkdir -p $d
rules=$(ls /host/in/udev/*.rules 2>/dev/null)
if [ -z "$rules" ]; then
	echo "the project has no udev rules (udev/*.rules) yet" >$d/unsupported
	exit 0
fi
mkdir -p /etc/udev/rules.d /etc/systemd/system /usr/local/bin
cp $rules /etc/udev/rules.d/
# programs a rule RUNs without a path live in udev's own directory
for p in /host/in/udev/tiertopo-trigger; do
	[ -f "$p" ] && mkdir -p /lib/udev && cp "$p" /lib/udev/ && chmod 0755 /lib/udev/${p##*/}
done
ln -sf /bin/tiertopo /usr/local/bin/tiertopo
udevadm control --reload
# the trigger sends watch's lines to syslog when /dev/log exists: busybox's syslogd keeps them,
# so the apply's own "burst, quiet, apply" figures split the reaction time (check-vm.py)
syslogd -O /tmp/messages 2>/dev/null
# No systemd in this guest: the rules' trigger takes the path for systems without it and
# starts `tiertopo watch --once` itself (the watch daemon is tested on the host with replayed
# storms). Nothing else of the project runs.
mkdir -p /usr/local/sbin && ln -sf /bin/tiertopo /usr/local/sbin/tiertopo
sleep 1
to_devdax >/dev/null && udevadm settle -t 30
echo "demotion_enabled before: $(cat /sys/kernel/mm/numa/demotion_enabled)"
before=$(cat /sys/devices/system/node/has_memory)
echo "daxctl_start=$(mono_ns)" >$d/timing.txt
to_sysram >$d/daxctl.out 2>&1
echo "daxctl_end=$(mono_ns)" >>$d/timing.txt
i=0
while [ $i -lt 20 ]; do
	[ "$(cat /sys/kernel/mm/numa/demotion_enabled)" = true ] && [ -f /run/tiertopo/state.json ] &&
		grep -q "\"node\": *$(cat /sys/bus/dax/devices/dax0.0/target_node)" /run/tiertopo/state.json && break
	usleep 100000; i=$((i + 1))
done
{
	echo "waited_ms=$((i * 100))"
	echo "demotion_enabled=$(cat /sys/kernel/mm/numa/demotion_enabled)"
	echo "new_node=$(cat /sys/bus/dax/devices/dax0.0/target_node)"
	echo "has_memory_before=$before"
	echo "has_memory_after=$(cat /sys/devices/system/node/has_memory)"
} >$d/result.txt
# the hotplug reaction (issue 18): from the burst's last uevent (the monitor log below) to
# state.json written; check-vm.py computes it and the memory blocks' onlining time
timing_record $d/timing.txt /run/tiertopo/state.json
cp /run/tiertopo/state.json $d/state.json 2>/dev/null
cp /tmp/messages $d/watch.log 2>/dev/null
udevadm settle -t 10
cp /tmp/udevadm-monitor.log $d/ 2>/dev/null
exit 0
