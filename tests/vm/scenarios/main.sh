# Guest script of scenarios a (firmware vs kernel), b (kernel model) and e (gather replay):
# capture at boot and, when the machine has an NVDIMM, legacy pmem (memmap=) or a CXL memory
# device, after each hotplug step (namespace -> devdax -> system-ram). The checks run on the
# host (check-vm.py). Further guest steps (scenario d: apply) are named as arguments and run at
# the end.
if has_cxl; then
	# CXL: the region is made after the boot capture; the memory lands on the CFMWS node.
	# QEMU 7.2 backs the window with MMIO that virtio cannot DMA into: online it as movable
	# (daxctl, auto-online off) so that no kernel buffer (9p) lands there.
	capture boot
	mark "cxl region"; ndr=$(cxl_region); echo "nd region: $ndr"
	mark "to devdax"; ndctl create-namespace -f -r "$ndr" --mode=devdax --align=2M; echo "rc=$?"; sleep 1
	capture devdax
	echo offline >/sys/devices/system/memory/auto_online_blocks
	mark "to system-ram"; to_sysram dax0.0; echo "rc=$?"; sleep 2
	capture sysram
else
	capture boot
	if has_nvdimm; then
		mark "to devdax"; to_devdax; echo "rc=$?"; sleep 1
		capture devdax
		mark "to system-ram"; to_sysram; echo "rc=$?"; sleep 2
		capture sysram
	fi
fi
for extra in "$@"; do
	mark "scenario $extra"
	. /host/scenarios/$extra.sh
done
exit 0
