#!/bin/bash
# The 'vm' suite: every topology in configs/ on both Debian kernels (6.1, 6.12), one boot each
# running scenarios/main.sh (a firmware vs kernel, b kernel model, e gather replay, and d
# `tiertopo apply` once the build has it), plus one boot with systemd-udevd per topology with
# an NVDIMM for scenario c once udev/ has rules. The checks run on the host (check-vm.py) and
# print TAP, one line per scenario x topology x kernel x state check.
#
# usage: tests/vm/test-vm.sh BUILD_DIR
# Env: TOPO_VM_KERNELS  (default "6.1 6.12")   TOPO_VM_CONFIGS (default: every configs/*.conf)
#      TOPO_VM_JOBS     VMs at a time (default 1; TCG is CPU-bound, 2 cores)
#      TOPO_VM_WORK     cache and runs (default /tmp/tiertopo-vm)
#      TOPO_VM_SAVE_FIXTURES=DIR  unpack every gathered tree into DIR/CONFIG-KERNEL-STATE
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:?usage: test-vm.sh BUILD_DIR}" && pwd)
TIERTOPO=$BUILD/tools/tiertopo
WORK=${TOPO_VM_WORK:-/tmp/tiertopo-vm}
KERNELS=${TOPO_VM_KERNELS:-6.1 6.12}
CONFIGS=${TOPO_VM_CONFIGS:-$(cd "$HERE/configs" && ls *.conf | sed 's/\.conf$//' | tr '\n' ' ')}
JOBS=${TOPO_VM_JOBS:-1}
RUNS=$WORK/suite
T0=$(date +%s)

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the VM suite needs root (apt-get, 9p with security_model=none)"
	exit 0
fi
# host packages, kernels and initramfs images first (cached), so that the runs only boot
mkdir -p "$WORK"
if ! "$HERE/vm.sh" prepare $KERNELS >"$WORK/prepare.log" 2>&1; then
	echo "not ok 1 - prepare: host packages, Debian kernels and initramfs images"
	sed 's/^/# /' "$WORK/prepare.log"
	echo "1..1"
	exit 1
fi

extra=()
"$TIERTOPO" apply --help >/dev/null 2>&1 && extra+=(apply)
have_rules=0
ls "$SRC"/udev/*.rules >/dev/null 2>&1 && have_rules=1

rm -rf "$RUNS"
mkdir -p "$RUNS/main" "$RUNS/udev"
jobs_list=()
for k in $KERNELS; do
	for c in $CONFIGS; do
		jobs_list+=("main $c $k")
		if [ $have_rules = 1 ] && grep -q '^NVDIMMS=' "$HERE/configs/$c.conf"; then
			jobs_list+=("udev $c $k")
		fi
	done
done

run_one() { # KIND CONFIG KERNEL
	local kind=$1 c=$2 k=$3 rc
	if [ "$kind" = main ]; then
		"$HERE/vm.sh" run -k "$k" -b "$BUILD" -o "$RUNS/main/$c-$k" "$c" "$HERE/scenarios/main.sh" "${extra[@]}"
	else
		"$HERE/vm.sh" run -k "$k" -b "$BUILD" -a vm.udev -o "$RUNS/udev/$c-$k" "$c" "$HERE/scenarios/udev.sh"
	fi >"$RUNS/$kind-$c-$k.log" 2>&1
	rc=$?
	echo "$rc" >"$RUNS/$kind-$c-$k.rc"
}

running=0
for j in "${jobs_list[@]}"; do
	# shellcheck disable=SC2086
	run_one $j &
	running=$((running + 1))
	if [ $running -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

args=("$TIERTOPO" "$RUNS")
[ -n "${TOPO_VM_SAVE_FIXTURES:-}" ] && args+=(--save-fixtures "$TOPO_VM_SAVE_FIXTURES")
python3 "$HERE/check-vm.py" "${args[@]}"
rc=$?
for j in "${jobs_list[@]}"; do
	set -- $j
	echo "# $1 $2 $3: $(tail -1 "$RUNS/$1-$2-$3.log")"
done
[ -n "${extra[*]}" ] || echo "# scenario d (tiertopo apply): pending, this build has no 'tiertopo apply'"
[ $have_rules = 1 ] || echo "# scenario c (udev): pending, $SRC/udev has no rules"
echo "# VM suite: $(($(date +%s) - T0)) s with $JOBS VM(s) at a time"
exit $rc
