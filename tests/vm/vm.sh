#!/bin/bash
# tiertopo's end-to-end harness: real Debian kernels in QEMU (TCG), real firmware tables
# (SRAT/SLIT/HMAT/NFIT from QEMU), the freshly built tiertopo inside the guest.
#
# usage: tests/vm/vm.sh prepare [6.1|6.12|KVER]...     host packages, kernels, initramfs
#        tests/vm/vm.sh run [-k K] [-b BUILD] [-a KARGS] [-o DIR] [-t SECS] CONFIG SCRIPT [ARG...]
#                       boot configs/CONFIG.conf, run guest SCRIPT (a file, '-' = stdin)
#                       with ARGs; results in DIR/out (default $TOPO_VM_WORK/runs/CONFIG-K)
#        tests/vm/vm.sh kver 6.1|6.12                   the exact Debian kernel release used
#        tests/vm/vm.sh shell [-k K] [-b BUILD] CONFIG  interactive guest on this terminal
#
# Env: TOPO_VM_WORK (default /tmp/tiertopo-vm): .debs, unpacked kernels, initramfs images
#      (named by a hash of everything that goes into them, so reruns reuse them), runs.
#      TOPO_VM_ACCEL (default tcg: KVM does not boot stock kernels on the project's machines).
#
# The guest is a busybox initramfs (guest/init is PID 1) with ndctl, daxctl, udevadm and
# systemd-udevd, and the nvdimm/dax/9p modules of that kernel. Nothing of the project is in
# the image: each run ships BUILD/tools/tiertopo, BUILD/libtopo/libtopo.so* and their shared
# libraries, and whatever udev/ holds, through a 9p share that the guest mounts at /host and
# installs into its root before the script runs (/bin/tiertopo, /host/in/udev/...).
# Results come back through the share: SCRIPT writes below /host/out.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
WORK=${TOPO_VM_WORK:-/tmp/tiertopo-vm}
PKGS="qemu-system-x86 busybox-static ndctl daxctl udev cpio kmod xz-utils zstd acpica-tools"
MODS="virtio_pci 9pnet_virtio 9p nfit nd_pmem nd_btt nd_e820 dax_pmem device_dax kmem dax_hmem"

log() { echo "vm: $*" >&2; }
die() { echo "vm: error: $*" >&2; exit 1; }

ensure_packages() {
	local need=() p
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
	done
	[ ${#need[@]} -eq 0 ] && return 0
	log "installing ${need[*]}"
	[ "$(id -u)" -eq 0 ] || die "need root to apt-get install ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >&2 ||
		{ apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 &&
		  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >&2; }
}

# 6.1 -> what bookworm's linux-image-amd64 pulls; 6.12 -> newest linux-image-6.12.*+deb12-amd64
kver() {
	local want=$1 k=""
	case $want in
	6.1) k=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-6\.1\./{sub("linux-image-","",$2); print $2; exit}') ;;
	6.12) k=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' 2>/dev/null |
		awk '{print $1}' | sort -V | tail -1); k=${k#linux-image-} ;;
	*) echo "$want"; return ;;
	esac
	# no apt lists (offline): the newest one already unpacked
	[ -n "$k" ] || k=$(ls "$WORK/kernels" 2>/dev/null | grep "^${want//./\\.}[.-]" | sort -V | tail -1)
	# no apt lists at all (a fresh machine): fetch them once and ask again
	if [ -z "$k" ] && [ -z "${VM_APT_UPDATED:-}" ]; then
		apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 && k=$(VM_APT_UPDATED=1 kver "$want")
	fi
	[ -n "$k" ] || die "cannot resolve kernel $want"
	echo "$k"
}

# download the kernel .deb and unpack it below $WORK/kernels (nothing is installed on the host)
prepare_kernel() {
	local k=$1 kd=$WORK/kernels/$1 deb
	if [ ! -f "$kd/boot/vmlinuz-$k" ]; then
		mkdir -p "$WORK/debs"
		deb=$(ls "$WORK"/debs/linux-image-"$k"_*.deb 2>/dev/null | head -1 || true)
		if [ -z "$deb" ]; then
			log "downloading linux-image-$k"
			(cd "$WORK/debs" && apt-get -o APT::Sandbox::User=root download -q "linux-image-$k" >&2)
			deb=$(ls "$WORK"/debs/linux-image-"$k"_*.deb | head -1)
		fi
		rm -rf "$kd.tmp" && mkdir -p "$kd.tmp" && dpkg-deb -x "$deb" "$kd.tmp"
		rm -rf "$kd" && mv "$kd.tmp" "$kd"
	fi
	[ -f "$kd/lib/modules/$k/modules.dep" ] || depmod -b "$kd" "$k"
}

# everything the image is made of: if any of it changes, the hash (and the file name) changes
initramfs_key() {
	local k=$1
	{
		echo "$k"; ls "$WORK"/debs/linux-image-"$k"_*.deb 2>/dev/null
		dpkg-query -W busybox-static ndctl daxctl udev libc6 2>/dev/null
		echo "$MODS"
		cat "$HERE"/guest/*
		declare -f build_initramfs copy_with_libs
	} | sha256sum | cut -c1-16
}

copy_with_libs() { # FILE DEST-IN-ROOT ROOT
	local f=$1 dst=$2 root=$3 l
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$f" "$root$dst"
	ldd "$f" 2>/dev/null | awk '$2=="=>" && $3 ~ /^\//{print $3} $1 ~ /^\//{print $1}' |
		while read -r l; do
			[ -e "$root$l" ] && continue
			mkdir -p "$root$(dirname "$l")" && cp -L "$l" "$root$l"
		done
}

build_initramfs() {
	local k=$1 kd=$WORK/kernels/$1 key out root a f rel
	key=$(initramfs_key "$k")
	out=$WORK/initramfs/$k-$key.cpio.gz
	if [ -f "$out" ]; then echo "$out"; return; fi
	log "building initramfs for $k ($key)"
	root=$WORK/build/root-$k
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,host,etc,lib64,lib/x86_64-linux-gnu,lib/modules,lib/systemd,lib/udev/rules.d,etc/udev/rules.d}
	ln -s bin "$root/sbin"; mkdir -p "$root/usr"
	ln -s ../bin "$root/usr/bin"; ln -s ../bin "$root/usr/sbin"; ln -s ../lib "$root/usr/lib"
	cp /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"; done
	copy_with_libs /usr/bin/ndctl /bin/ndctl "$root"
	copy_with_libs /usr/bin/daxctl /bin/daxctl "$root"
	copy_with_libs /usr/bin/udevadm /bin/udevadm "$root"
	ln -sf /bin/udevadm "$root/lib/systemd/systemd-udevd"
	for f in 50-udev-default 80-drivers 90-daxctl-device; do
		[ -f /lib/udev/rules.d/$f.rules ] && cp /lib/udev/rules.d/$f.rules "$root/lib/udev/rules.d/"
	done
	if [ -f /usr/share/daxctl/daxctl.conf ]; then
		mkdir -p "$root/lib/modprobe.d" && cp /usr/share/daxctl/daxctl.conf "$root/lib/modprobe.d/"
	fi
	echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
	echo 'root:x:0:' >"$root/etc/group"
	echo 'tiertopo-vm' >"$root/etc/hostname"
	# modules: the closure of $MODS (-C /dev/null: the host's ndctl adds an install rule for
	# libnvdimm), decompressed so that busybox modprobe loads them, and a fresh depmod
	for a in $MODS; do
		modprobe -C /dev/null -d "$kd" -S "$k" --show-depends "$a" | awk '$1=="insmod"{print $2}'
	done | sort -u | while read -r f; do
		rel=${f#"$kd"}; rel=${rel%.xz}; rel=${rel%.zst}
		mkdir -p "$root$(dirname "$rel")"
		case $f in
		*.xz) xz -dc "$f" >"$root$rel" ;;
		*.zst) zstd -dqc "$f" >"$root$rel" ;;
		*) cp "$f" "$root$rel" ;;
		esac
	done
	cp "$kd/lib/modules/$k"/modules.{builtin,builtin.modinfo,order} "$root/lib/modules/$k/"
	depmod -b "$root" "$k"
	install -m 755 "$HERE/guest/init" "$root/init"
	install -m 755 "$HERE/guest/uevent-log" "$root/bin/uevent-log"
	install -m 644 "$HERE/guest/lib.sh" "$root/lib/vm-lib.sh"
	mkdir -p "$WORK/initramfs"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$root"
	# keep only the newest image per kernel
	ls -t "$WORK/initramfs/$k"-*.cpio.gz | tail -n +2 | xargs -r rm -f
	echo "$out"
}

prepare() { # K... -> prints "KVER VMLINUZ INITRD" per kernel
	local k
	ensure_packages
	mkdir -p "$WORK"
	for k in "$@"; do
		k=$(kver "$k")
		prepare_kernel "$k"
		echo "$k $WORK/kernels/$k/boot/vmlinuz-$k $(build_initramfs "$k")"
	done
}

# the project's files for the guest: tiertopo, libtopo.so*, their libraries, udev/
ship_project() { # BUILD DEST
	local build=$1 dest=$2 f
	[ -x "$build/tools/tiertopo" ] || die "no $build/tools/tiertopo (build first)"
	mkdir -p "$dest/bin" "$dest/lib"
	cp -L "$build/tools/tiertopo" "$dest/bin/"
	for f in "$build"/libtopo/libtopo.so*; do [ -e "$f" ] && cp -a "$f" "$dest/lib/"; done
	ldd "$build/tools/tiertopo" | awk '$2=="=>" && $3 ~ /^\//{print $3}' |
		while read -r f; do cp -Ln "$f" "$dest/lib/" 2>/dev/null || true; done
	for f in "$build"/tools/*; do # other helper programs the tools/ directory builds
		[ -f "$f" ] && [ -x "$f" ] && [ "${f##*/}" != tiertopo ] && head -c4 "$f" | grep -q ELF ||
			continue
		cp -L "$f" "$dest/bin/"
		# tiertopo-gather brings libarchive's libraries
		ldd "$f" | awk '$2=="=>" && $3 ~ /^\//{print $3}' |
			while read -r l; do cp -Ln "$l" "$dest/lib/" 2>/dev/null || true; done
	done
	if [ -d "$SRC/udev" ] && [ -n "$(ls -A "$SRC/udev")" ]; then
		mkdir -p "$dest/udev" && cp -a "$SRC/udev/." "$dest/udev/"
		# rules/units may be generated by the build (e.g. configure_file with the bindir)
		[ -d "$build/udev" ] && cp -a "$build/udev/." "$dest/udev/" 2>/dev/null || true
	fi
}

run() {
	local k=6.1 build="" kargs="" dir="" tmo=600 o
	OPTIND=1
	while getopts "k:b:a:o:t:" o; do
		case $o in
		k) k=$OPTARG ;; b) build=$OPTARG ;; a) kargs=$OPTARG ;; o) dir=$OPTARG ;; t) tmo=$OPTARG ;;
		*) exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	local config=${1:?config} script=${2:?guest script}
	shift 2
	local cfg=$HERE/configs/$config.conf
	[ -f "$cfg" ] || die "no such config: $cfg"
	local line kv vmlinuz initrd
	line=$(prepare "$k")
	read -r kv vmlinuz initrd <<<"$line"
	dir=${dir:-$WORK/runs/$config-$k}
	rm -rf "$dir"; mkdir -p "$dir/share/out"
	dir=$(cd "$dir" && pwd)
	local RUN=$dir # configs refer to $RUN for their NVDIMM backing files
	if [ "$script" = - ]; then cat >"$dir/share/script.sh"; else cp "$script" "$dir/share/script.sh"; fi
	{
		printf 'VM_CONFIG=%q\nVM_KERNEL=%q\nset --' "$config" "$k"
		[ $# -eq 0 ] || printf ' %q' "$@"
		printf '\n. /lib/vm-lib.sh\n. /host/script.sh\n'
	} >"$dir/share/cmd.sh"
	cp -a "$HERE/scenarios" "$dir/share/"
	[ -n "$build" ] && ship_project "$build" "$dir/share/in"
	local NVDIMMS="" QEMU_ARGS=() nv
	# shellcheck source=/dev/null
	source "$cfg"
	for nv in $NVDIMMS; do truncate -s "${nv#*:}" "$dir/${nv%%:*}.img"; done
	local cmd=(qemu-system-x86_64 -accel "${TOPO_VM_ACCEL:-tcg}" -nodefaults -no-user-config
		-display none -no-reboot -monitor none
		-kernel "$vmlinuz" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 loglevel=4 $kargs"
		-virtfs "local,path=$dir/share,mount_tag=host,security_model=none,id=host"
		"${QEMU_ARGS[@]}")
	if [ "${VM_INTERACTIVE:-0}" = 1 ]; then
		cmd=("${cmd[@]/console=ttyS0 /console=ttyS0 vm.shell }")
		exec "${cmd[@]}" -serial mon:stdio
	fi
	cmd+=(-serial "file:$dir/console.log")
	printf '%q ' "${cmd[@]}" >"$dir/qemu.cmd"; echo >>"$dir/qemu.cmd"
	echo "$kv" >"$dir/kernel.txt"
	local t0 t1 qrc
	t0=$(date +%s.%N)
	set +e
	timeout "$tmo" "${cmd[@]}" >"$dir/qemu.stdout" 2>&1
	qrc=$?
	set -e
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" -v rc="$qrc" 'BEGIN{printf "qemu_s=%.1f\nqemu_rc=%s\n", b-a, rc}' >"$dir/time.txt"
	rm -f "$dir"/*.img
	log "$config on $kv: $(tr '\n' ' ' <"$dir/time.txt")-> $dir"
	if [ $qrc -ne 0 ]; then
		log "qemu failed (rc=$qrc)"; tail -5 "$dir/qemu.stdout" >&2; tail -20 "$dir/console.log" >&2 || true
		return 125
	fi
	[ -f "$dir/share/out/script.rc" ] || { log "the guest script did not finish"; tail -20 "$dir/console.log" >&2; return 125; }
	return "$(cat "$dir/share/out/script.rc")"
}

cmd=${1:-}
shift || true
case $cmd in
prepare) [ $# -gt 0 ] || set -- 6.1 6.12; prepare "$@" ;;
kver) kver "${1:?6.1 or 6.12}" ;;
run) run "$@" ;;
shell) VM_INTERACTIVE=1 run "$@" /dev/null ;;
*) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac
