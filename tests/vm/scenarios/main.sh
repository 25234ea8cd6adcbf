# Guest script of scenarios a (firmware vs kernel), b (kernel model) and e (gather replay):
# capture at boot and, when the machine has an NVDIMM, after each hotplug step (raw
# namespace -> devdax -> system-ram). The checks run on the host (check-vm.py).
# Further guest steps (scenario d: apply) are named as arguments and run at the end.
capture boot
if has_nvdimm; then
	mark "to devdax"; to_devdax; echo "rc=$?"; sleep 1
	capture devdax
	mark "to system-ram"; to_sysram; echo "rc=$?"; sleep 2
	capture sysram
fi
for extra in "$@"; do
	mark "scenario $extra"
	. /host/scenarios/$extra.sh
done
exit 0
