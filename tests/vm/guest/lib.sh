# Functions for guest scripts (busybox sh), sourced before /host/script.sh.
# VM_CONFIG (hmat4, ...) and VM_KERNEL (6.1, 6.12) come from the host.
OUT=/host/out
N=/sys/devices/system/node

mark() { echo "### MARK $* t=$(cut -d' ' -f1 /proc/uptime)" >>/tmp/uevents.log; echo "### $*"; }

# the kernel's own view, as path:value lines (grep -H), read independently of tiertopo
kview() {
	for f in $N/possible $N/online $N/has_cpu $N/has_memory $N/has_normal_memory; do
		echo "$f:$(cat $f 2>/dev/null)"
	done
	for a in $N/node*/access*; do
		[ -d "$a" ] || continue
		echo "$a/initiators:$(ls $a/initiators 2>/dev/null | grep '^node' | tr '\n' ' ')"
		echo "$a/targets:$(ls $a/targets 2>/dev/null | grep '^node' | tr '\n' ' ')"
	done
	grep -H . $N/node*/distance $N/node*/cpulist \
		$N/node*/access*/initiators/read_latency $N/node*/access*/initiators/write_latency \
		$N/node*/access*/initiators/read_bandwidth $N/node*/access*/initiators/write_bandwidth \
		$N/node*/memory_side_cache/index*/size $N/node*/memory_side_cache/index*/line_size \
		$N/node*/memory_side_cache/index*/indexing $N/node*/memory_side_cache/index*/write_policy \
		/sys/devices/virtual/memory_tiering/memory_tier*/nodelist \
		/sys/kernel/mm/numa/demotion_enabled /proc/sys/kernel/numa_balancing \
		/sys/devices/system/memory/auto_online_blocks /proc/sys/kernel/osrelease 2>/dev/null
	# CXL (configs cxl1, cxl1-gp): the regions' own performance figures (6.18+ show none on
	# the node), the devices' QoS class, the regions' target nodes
	grep -H . /sys/bus/cxl/devices/region*/access*/* /sys/bus/cxl/devices/region*/target_node \
		/sys/bus/cxl/devices/region*/resource /sys/bus/cxl/devices/region*/size \
		/sys/bus/cxl/devices/region*/mode \
		/sys/bus/cxl/devices/mem*/pmem/qos_class /sys/bus/cxl/devices/mem*/ram/qos_class \
		/sys/bus/nd/devices/region*/target_node /sys/bus/dax/devices/dax*/target_node 2>/dev/null
}

# capture STATE: the kernel's view and tiertopo's, in $OUT/STATE/
capture() {
	st=$1
	d=$OUT/$st
	mkdir -p $d
	kview >$d/kernel.txt
	dmesg >$d/dmesg.txt
	tiertopo --json >$d/tiertopo.json 2>$d/tiertopo.err; echo $? >$d/tiertopo.rc
	# right after the live read, so that both see the same machine
	tiertopo gather -o $d/$VM_CONFIG-$VM_KERNEL-$st.tar.gz >$d/gather.out 2>&1; echo $? >$d/gather.rc
	tiertopo plan --kernel-model "$(uname -r)" --json >$d/plan-kernel.json 2>$d/plan-kernel.err
	echo $? >$d/plan-kernel.rc
	tiertopo plan --json >$d/plan.json 2>$d/plan.err
	tiertopo check --json >$d/check.json 2>$d/check.err; echo $? >$d/check.rc
	tiertopo check >$d/check.txt 2>&1
	tiertopo >$d/dump.txt 2>&1; echo $? >$d/dump-table.rc
	mark "captured $st"
}

# raw namespace -> devdax; devdax -> system-ram (the kernel onlines it as a new node)
to_devdax() {
	ndctl create-namespace -f -e ${1:-namespace0.0} --mode=devdax --align=2M
}
to_sysram() {
	# Debian 6.12 auto-onlines hot-added memory (MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO) and
	# daxctl 76 refuses then unless --force; the kernel, not daxctl, onlines the blocks
	f=""
	[ "$(cat /sys/devices/system/memory/auto_online_blocks)" != offline ] && f=--force
	daxctl reconfigure-device --mode=system-ram $f ${1:-dax0.0}
}
has_nvdimm() { [ -e /sys/bus/nd/devices/namespace0.0 ]; }
# a CXL host bridge (ACPI0016) and the CXL root (ACPI0017): QEMU's cxl=on machines
has_cxl() { grep -qs ACPI0017 /sys/bus/acpi/devices/*/hid; }
# the CXL stack, then a pmem region on mem0 (QEMU 7.2's Type-3 device has no volatile capacity)
# and an nd region over it; prints the nd region's name
cxl_region() {
	for m in cxl_acpi cxl_pci cxl_mem cxl_pmem cxl_port dax_cxl; do modprobe $m 2>/dev/null; done
	i=0
	while [ ! -e /sys/bus/cxl/devices/mem0 ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
	cxl create-region -m -d decoder0.0 -w 1 -t pmem mem0 >&2
	i=0
	while [ -z "$(ls /sys/bus/nd/devices 2>/dev/null | grep '^region')" ] && [ $i -lt 100 ]; do
		usleep 100000; i=$((i + 1))
	done
	ls /sys/bus/nd/devices | grep '^region' | head -1
}

# Hotplug timing (issue 18): the clock of `udevadm monitor`'s KERNEL[...] stamps is
# CLOCK_MONOTONIC; /proc/timer_list's "now at" line reads it in ns (no coreutils needed).
mono_ns() { awk '/^now at/{print $3; exit}' /proc/timer_list; }
# timing_record OUTFILE PATH...: appends the realtime<->monotonic offset (a file's mtime set by
# the shell itself, between two monotonic readings) and each PATH's mtime, so that check-vm.py
# puts the uevents and the files (state.json) on one clock. Files' times are the kernel's coarse
# clock (a jiffy, 4 ms at HZ=250): that is the resolution of the result.
timing_record() {
	o=$1
	shift
	m1=$(mono_ns)
	: >/tmp/.clock
	m2=$(mono_ns)
	{
		echo "clock_mono_before=$m1"
		echo "clock_mono_after=$m2"
		echo "clock_real=$(stat -c '%Y %y' /tmp/.clock)"
		for f in "$@"; do [ -e "$f" ] && echo "mtime $f=$(stat -c '%Y %y' "$f")"; done
	} >>"$o"
}
