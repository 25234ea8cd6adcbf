#!/bin/bash
# The 'vm' suite: every topology in configs/ on every kernel series (Debian 12's 6.1 and 6.12,
# and the newest 6.18 and 7.x of trixie-backports/sid, resolved by query), one boot each
# running scenarios/main.sh (a firmware vs kernel, b kernel model, e gather replay, and d
# `tiertopo apply` once the build has it), plus one boot with systemd-udevd per udev topology
# for scenario c once udev/ has rules, and one boot of the systemd guest per sysguest topology x
# kernel for scenario f (the .debs built here once, installed with dpkg). The checks run on the host (check-vm.py) and print TAP,
# one line per scenario x topology x kernel x state check; check-vm.py also writes what each
# kernel did and what `plan --kernel-model` predicted to RUNS/results.json and results.txt.
#
# usage: tests/vm/test-vm.sh BUILD_DIR
# Env: TOPO_VM_KERNELS  series (default "6.1 6.12 6.18 7": 7 = the newest 7.x)
#      TOPO_VM_CONFIGS  (default: every configs/*.conf)
#      TOPO_VM_UDEV_CONFIGS  topologies that also get the udev boot (default: every topology with an NVDIMM)
#      TOPO_VM_KINDS    which boots (default "main udev sysguest")
#      TOPO_VM_SYSGUEST_CONFIGS  topologies of the systemd guest (default "hmat4")
#      TOPO_VM_SYSGUEST_KERNELS  its kernel series (default "7")
#      TOPO_VM_DEBS=DIR  install these .debs in the systemd guest instead of building them
#      TOPO_VM_JOBS     VMs at a time (default 2: TCG is CPU-bound, one VM per core)
#      TOPO_VM_WORK     runs (default /tmp/tiertopo-vm)   TOPO_VM_CACHE  see vm.sh
#      TOPO_VM_RESULTS=FILE       copy results.json there too
#      TOPO_VM_SAVE_FIXTURES=DIR  unpack every gathered tree into DIR/CONFIG-KERNEL-STATE
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:?usage: test-vm.sh BUILD_DIR}" && pwd)
TIERTOPO=$BUILD/tools/tiertopo
WORK=${TOPO_VM_WORK:-/tmp/tiertopo-vm}
KERNELS=${TOPO_VM_KERNELS:-6.1 6.12 6.18 7}
UDEV_CONFIGS=${TOPO_VM_UDEV_CONFIGS:-fast3 hmat4 tiers3 neartie zeroref nvslots}
CONFIGS=${TOPO_VM_CONFIGS:-$(cd "$HERE/configs" && ls *.conf | sed 's/\.conf$//' | tr '\n' ' ')}
JOBS=${TOPO_VM_JOBS:-2}
KINDS=${TOPO_VM_KINDS:-main udev sysguest}
SYS_CONFIGS=${TOPO_VM_SYSGUEST_CONFIGS:-hmat4}
SYS_KERNELS=${TOPO_VM_SYSGUEST_KERNELS:-7}
want() { case " $KINDS " in *" $1 "*) return 0 ;; esac; return 1; }
RUNS=$WORK/suite
T0=$(date +%s)

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the VM suite needs root (apt-get, 9p with security_model=none)"
	exit 0
fi
# host packages, kernels and initramfs images first (cached), so that the runs only boot
mkdir -p "$WORK"
ALL_KERNELS=""
want main || want udev && ALL_KERNELS=$KERNELS
if want sysguest; then
	for k in $SYS_KERNELS; do
		case " $ALL_KERNELS " in *" $k "*) ;; *) ALL_KERNELS="$ALL_KERNELS $k" ;; esac
	done
fi
# shellcheck disable=SC2086
if ! "$HERE/vm.sh" prepare $ALL_KERNELS >"$WORK/prepared.txt" 2>"$WORK/prepare.log"; then
	echo "not ok 1 - prepare: host packages, Debian kernels and initramfs images"
	sed 's/^/# /' "$WORK/prepare.log" "$WORK/prepared.txt"
	echo "1..1"
	exit 1
fi
T_PREP=$(($(date +%s) - T0))
# "KVER VMLINUZ INITRD" per series, in order: the runs boot the exact releases
declare -A RELEASE_OF
i=1
for k in $ALL_KERNELS; do RELEASE_OF[$k]=$(awk -v n=$i 'NR==n{print $1}' "$WORK/prepared.txt"); i=$((i + 1)); done
RELEASES=""
want main || want udev && for k in $KERNELS; do RELEASES="$RELEASES ${RELEASE_OF[$k]}"; done

# The systemd guest's inputs, made while the other VMs boot: its root image (vm.sh rootfs:
# mmdebstrap + mke2fs -d, cached by its package list) and the project's .debs, built once per
# suite run with dpkg-buildpackage -b -us -uc from the tracked and new files of the tree (as
# tests/package/test-deb.sh does; the package, not the build directory, is what it tests)
DEBS=${TOPO_VM_DEBS:-$WORK/deb}
build_debs() {
	local d=$WORK/deb
	rm -rf "$d" && mkdir -p "$d/src"
	if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$SRC" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"; done | xargs -0 cp -a --parents -t "$d/src")
	else
		(cd "$SRC" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$d/src"
	fi
	local t=$(date +%s)
	(cd "$d/src" && dpkg-buildpackage -b -us -uc) >"$d/build.log" 2>&1
	echo $? >"$d/rc.tmp"
	echo "dpkg-buildpackage: $(($(date +%s) - t)) s" >>"$d/build.log"
	rm -rf "$d/src"
	mv "$d/rc.tmp" "$d/rc"
}
if want sysguest; then
	rm -f "$WORK/rootfs.rc"
	(t=$(date +%s); "$HERE/vm.sh" rootfs >"$WORK/rootfs.txt" 2>"$WORK/rootfs.log"
	 echo "$? $(($(date +%s) - t))" >"$WORK/rootfs.rc.tmp"; mv "$WORK/rootfs.rc.tmp" "$WORK/rootfs.rc") &
	if [ -z "${TOPO_VM_DEBS:-}" ]; then build_debs & fi
fi

extra=()
"$TIERTOPO" apply --help >/dev/null 2>&1 && extra+=(apply)
have_rules=0
ls "$SRC"/udev/*.rules >/dev/null 2>&1 && have_rules=1

rm -rf "$RUNS"
mkdir -p "$RUNS/main" "$RUNS/udev" "$RUNS/sysguest"
jobs_list=()
for kv in $RELEASES; do
	for c in $CONFIGS; do
		want main && jobs_list+=("main $c $kv")
		if want udev && [ $have_rules = 1 ] && grep -q 'device nvdimm' "$HERE/configs/$c.conf" &&
			case " $UDEV_CONFIGS " in *" $c "*) true ;; *) false ;; esac; then
			jobs_list+=("udev $c $kv")
		fi
	done
done

# last: their inputs are made meanwhile
if want sysguest; then
	for k in $SYS_KERNELS; do
		for c in $SYS_CONFIGS; do jobs_list+=("sysguest $c ${RELEASE_OF[$k]}"); done
	done
fi

kseries() { echo "$1" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/'; }

run_one() { # KIND CONFIG KVER
	local kind=$1 c=$2 kv=$3 k
	k=$(kseries "$kv")
	if [ "$kind" = main ]; then
		"$HERE/vm.sh" run -k "$kv" -b "$BUILD" -o "$RUNS/main/$c-$k" "$c" "$HERE/scenarios/main.sh" "${extra[@]}"
	elif [ "$kind" = sysguest ]; then
		while [ ! -f "$WORK/rootfs.rc" ] || { [ -z "${TOPO_VM_DEBS:-}" ] && [ ! -f "$WORK/deb/rc" ]; }; do sleep 2; done
		if [ "$(cut -d' ' -f1 "$WORK/rootfs.rc")" != 0 ]; then
			echo "vm: no root image:"; cat "$WORK/rootfs.log"
		elif [ -z "${TOPO_VM_DEBS:-}" ] && [ "$(cat "$WORK/deb/rc")" != 0 ]; then
			echo "vm: dpkg-buildpackage failed:"; tail -30 "$WORK/deb/build.log"
		else
			"$HERE/vm.sh" run -k "$kv" -r -d "$DEBS" -a vm.udev -o "$RUNS/sysguest/$c-$k" "$c" "$HERE/scenarios/sysguest.sh"
		fi
	else
		"$HERE/vm.sh" run -k "$kv" -b "$BUILD" -a vm.udev -o "$RUNS/udev/$c-$k" "$c" "$HERE/scenarios/udev.sh"
	fi >"$RUNS/$kind-$c-$k.log" 2>&1
	echo "$?" >"$RUNS/$kind-$c-$k.rc"
}

running=0
for j in "${jobs_list[@]}"; do
	# shellcheck disable=SC2086
	run_one $j &
	running=$((running + 1))
	if [ $running -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

T_RUNS=$(($(date +%s) - T0 - T_PREP))
args=("$TIERTOPO" "$RUNS" --results "$RUNS")
[ -n "${TOPO_VM_SAVE_FIXTURES:-}" ] && args+=(--save-fixtures "$TOPO_VM_SAVE_FIXTURES")
python3 "$HERE/check-vm.py" "${args[@]}"
rc=$?
for j in "${jobs_list[@]}"; do
	# shellcheck disable=SC2086
	set -- $j
	echo "# $1 $2 $3: $(tail -1 "$RUNS/$1-$2-$(kseries "$3").log")"
done
[ -n "${TOPO_VM_RESULTS:-}" ] && cp "$RUNS/results.json" "$TOPO_VM_RESULTS"
echo "# kernels: $ALL_KERNELS -> ${RELEASE_OF[*]}"
echo "# what each kernel did and what the model predicted: $RUNS/results.txt, $RUNS/results.json"
[ -n "${extra[*]}" ] || echo "# scenario d (tiertopo apply): pending, this build has no 'tiertopo apply'"
[ $have_rules = 1 ] || echo "# scenario c (udev): pending, $SRC/udev has no rules"
if want sysguest; then
	echo "# systemd guest: root image $(cat "$WORK/rootfs.txt" 2>/dev/null) in $(cut -d' ' -f2 "$WORK/rootfs.rc" 2>/dev/null) s ($(grep -qs mmdebstrap "$WORK/rootfs.log" && echo mmdebstrap || echo cached))"
	[ -f "$WORK/deb/build.log" ] && echo "# $(tail -1 "$WORK/deb/build.log")"
fi
echo "# VM suite: $(($(date +%s) - T0)) s (prepare ${T_PREP} s, ${#jobs_list[@]} boots ${T_RUNS} s) with $JOBS VM(s) at a time"
exit $rc
