#!/bin/bash
# tiertopo's end-to-end harness: real Debian kernels in QEMU (TCG), real firmware tables
# (SRAT/SLIT/HMAT/NFIT from QEMU), the freshly built tiertopo inside the guest.
#
# usage: tests/vm/vm.sh prepare [SERIES|KVER]...       host packages, kernels, initramfs
#                       SERIES: 6.1, 6.12 (Debian 12), 6.18, 7.3, ... or 7 (the newest 7.x)
#        tests/vm/vm.sh run [-k K] [-b BUILD] [-a KARGS] [-o DIR] [-t SECS] CONFIG SCRIPT [ARG...]
#                       boot configs/CONFIG.conf, run guest SCRIPT (a file, '-' = stdin)
#                       with ARGs; results in DIR/out (default $TOPO_VM_WORK/runs/CONFIG-K)
#        tests/vm/vm.sh kver SERIES                     the exact Debian kernel release used
#        tests/vm/vm.sh shell [-k K] [-b BUILD] CONFIG  interactive guest on this terminal
#        tests/vm/vm.sh rootfs                          the systemd guest's root image (cached)
#        tests/vm/vm.sh run -r [-d DEBDIR] ...          boot that image (systemd as PID 1) and
#                       install DEBDIR's libtopo0 and tiertopo .debs in it (scenarios/sysguest.sh)
#
# Env: TOPO_VM_CACHE (default ~/.cache/tiertopo-vm, outside any build dir, kept across runs):
#      the .debs, the unpacked kernels, the newer suites' apt lists, the initramfs images
#      (named by a hash of everything that goes into them, so reruns reuse them).
#      TOPO_VM_WORK (default /tmp/tiertopo-vm): the runs.
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
CACHE=${TOPO_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tiertopo-vm}
PKGS="qemu-system-x86 busybox-static ndctl daxctl udev cpio kmod xz-utils zstd acpica-tools mmdebstrap e2fsprogs"
MODS="virtio_pci 9pnet_virtio 9p nfit nd_pmem nd_btt nd_e820 dax_pmem device_dax kmem dax_hmem"
# the CXL stack (configs cxl1, cxl1-gp); 6.1 has no dax_cxl, so missing ones are skipped
MODS="$MODS cxl_acpi cxl_pci cxl_mem cxl_pmem cxl_port dax_cxl"
# the systemd guest's root disk (vm.sysroot): virtio-blk, ext4 (and the checksum it mounts with)
MODS="$MODS virtio_blk ext4 crc32c_generic"

# The systemd guest (issues 14, 17): a Debian 12 root file system with systemd as PID 1, udev,
# ndctl/daxctl and their libraries, and what the project's .debs depend on (their shlibs), so
# that `dpkg -i` of the packages built by the suite needs nothing from the network. Made with
# mmdebstrap into a directory and turned into an ext4 image by `mke2fs -d` (nothing mounted),
# cached as $CACHE/rootfs/bookworm-KEY.ext4, KEY a hash of this list, the suite, and the
# function that builds it. The guest boots it read-write on a QEMU snapshot (the image itself
# never changes); the initramfs loads virtio_blk/ext4, gives it the kernel's modules and the
# harness unit (guest/sysguest.service) and switches to /lib/systemd/systemd.
SYS_SUITE=bookworm
SYS_PKGS="systemd systemd-sysv udev dbus kmod ndctl daxctl libndctl6 libdaxctl1
libjson-c5 libsmartcols1 libarchive13 libiniparser1 libudev1"

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

# Kernels newer than Debian 12's come from Debian's own archive too (trixie-backports, sid),
# through a separate apt sources list and state below $CACHE/apt: the host's apt configuration
# is neither read for them nor changed (../shared/reference/qemu.md, "Newer kernels").
NEWER_SUITES=${TOPO_VM_SUITES:-trixie-backports sid}
newer_apt_opts() {
	echo "-o Dir::Etc::sourcelist=$CACHE/apt/sources.list -o Dir::Etc::sourceparts=/dev/null" \
		"-o Dir::State::Lists=$CACHE/apt/lists -o Dir::Cache=$CACHE/apt/cache"
}
# (re)fetch the newer suites' package lists when they are missing or older than a day
newer_apt_update() {
	local d=$CACHE/apt mirror key=/usr/share/keyrings/debian-archive-keyring.gpg s stamp
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	stamp=$d/lists/.updated
	if [ -f "$stamp" ] && [ -z "${VM_APT_FORCE:-}" ] &&
		[ $(($(date +%s) - $(stat -c %Y "$stamp"))) -lt "${TOPO_VM_APT_MAX_AGE:-86400}" ]; then
		return 0
	fi
	mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
	[ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $2 !~ /^\[/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
	mirror=${mirror:-http://deb.debian.org/debian}
	: >"$d/sources.list.tmp"
	for s in $NEWER_SUITES; do
		printf 'deb [signed-by=%s] %s %s main\n' "$key" "$mirror" "$s" >>"$d/sources.list.tmp"
	done
	mv "$d/sources.list.tmp" "$d/sources.list"
	log "apt-get update of $NEWER_SUITES (lists in $d)"
	# shellcheck disable=SC2046
	apt-get $(newer_apt_opts) -o APT::Sandbox::User=root update -qq >&2 || return 1
	touch "$stamp"
}

# are the packages that hold kernel K's image and modules in the archive? (stderr: the first
# that is not). linux-base-K is not one: 6.16-6.18's linux-image-K depends on it and holds all.
kernel_whole() {
	local k=$1 opts="" p
	apt-cache show "linux-image-$k" >/dev/null 2>&1 || opts=$(newer_apt_opts)
	# apt-cache depends writes a dependency no package satisfies in <angle brackets>
	# shellcheck disable=SC2086
	p=$(apt-cache $opts depends "linux-image-$k" 2>/dev/null |
		awk -v k="$k" '$1=="Depends:" && ($2=="<linux-binary-" k ">" || $2=="<linux-modules-" k ">") && !p {p=$2; gsub(/[<>]/, "", p)} END{print p}')
	[ -z "$p" ] && return 0
	echo "linux-image-$k depends on $p, which the archive does not have" >&2
	return 1
}

# the exact Debian kernel release for a series:
#   6.1  -> what bookworm's linux-image-amd64 pulls; 6.12 -> newest linux-image-6.12.*+deb12-amd64
#   6.18, 7.3, ... (major.minor)  -> newest linux-image-M.N.P+debX-amd64 of the newer suites
#   7, 8 (major only)             -> newest linux-image-M.*.*+debX-amd64 of the newer suites
#   anything with a third component is taken as an exact release
kver() {
	local want=$1 k="" re
	case $want in
	6.1) k=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-6\.1\./ && !p {p=$2; sub("linux-image-","",p)} END{print p}') ;;
	6.12) k=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' 2>/dev/null |
		awk '{print $1}' | sort -V | tail -1); k=${k#linux-image-} ;;
	[0-9] | [0-9][0-9] | [0-9].[0-9] | [0-9].[0-9][0-9] | [0-9][0-9].[0-9] | [0-9][0-9].[0-9][0-9])
		case $want in
		*.*) re="${want//./\\.}\\.[0-9]+" ;;
		*) re="$want\\.[0-9]+\\.[0-9]+" ;;
		esac
		if [ -z "${VM_OFFLINE:-}" ] && newer_apt_update; then
			# shellcheck disable=SC2046
			# the newest one the archive has whole: a mirror may serve linux-image-K and
			# linux-binary-K without the linux-modules-K they depend on (6.19, 7.0, 7.1 here)
			local c msg
			for c in $(apt-cache $(newer_apt_opts) search --names-only "^linux-image-$re\\+deb[0-9]+-amd64\$" 2>/dev/null |
				awk '{print $1}' | sort -rV); do
				if msg=$(kernel_whole "${c#linux-image-}" 2>&1); then
					k=${c#linux-image-}
					break
				fi
				log "skipping ${c#linux-image-}: $msg"
			done
		fi ;;
	*) echo "$want"; return ;;
	esac
	# no apt lists (offline): the newest one already unpacked
	[ -n "$k" ] || k=$(cd "$CACHE/kernels" 2>/dev/null && ls -d -- */.ready 2>/dev/null |
		sed 's,/\.ready$,,' | grep -E "^${want//./\\.}[.-]" | sort -V | tail -1)
	# no apt lists at all (a fresh machine): fetch them once and ask again
	if [ -z "$k" ] && [ -z "${VM_APT_UPDATED:-}" ] && case $want in 6.1 | 6.12) true ;; *) false ;; esac; then
		apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 && k=$(VM_APT_UPDATED=1 kver "$want")
	fi
	[ -n "$k" ] || die "cannot resolve kernel $want"
	echo "$k"
}

kseries() { echo "$1" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/'; } # 7.3.4+deb13-amd64 -> 7.3

# download the kernel's packages and unpack them below $CACHE/kernels (nothing is installed on
# the host). 6.16+ put everything below usr/lib/modules/K (a lib/modules symlink makes the tree
# look like the older ones); 7.x split the kernel: linux-image-K is empty and depends on
# linux-binary-K (usr/lib/modules/K/vmlinuz), linux-modules-K and linux-base-K (modules.builtin,
# modules.order, config), all unpacked into one tree. Debian 12's kmod cannot read the binary
# module indexes of the newer kernels, so depmod always regenerates them in the tree.
prepare_kernel() {
	local k=$1 kd=$CACHE/kernels/$1 opts="" p pkgs debs=() deb
	[ -f "$kd/.ready" ] && return 0
	mkdir -p "$CACHE/debs"
	apt-cache show "linux-image-$k" >/dev/null 2>&1 || opts=$(newer_apt_opts)
	# shellcheck disable=SC2086
	pkgs="linux-image-$k $(apt-cache $opts depends "linux-image-$k" 2>/dev/null |
		awk -v k="$k" '$1=="Depends:" && ($2=="linux-binary-" k || $2=="linux-modules-" k || $2=="linux-base-" k) {print $2}' | sort -u)"
	if ! p=$(kernel_whole "$k" 2>&1); then die "cannot boot $k: $p"; fi
	for p in $pkgs; do
		deb=$(ls "$CACHE"/debs/"${p}"_*.deb 2>/dev/null | head -1 || true)
		if [ -z "$deb" ]; then
			log "downloading $p"
			# shellcheck disable=SC2086
			(cd "$CACHE/debs" && apt-get $opts -o APT::Sandbox::User=root download -q "$p" >&2) ||
				die "cannot download $p"
			deb=$(ls "$CACHE"/debs/"${p}"_*.deb | head -1)
		fi
		debs+=("$deb")
	done
	rm -rf "$kd.tmp" && mkdir -p "$kd.tmp"
	for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$kd.tmp"; done
	if [ -d "$kd.tmp/usr/lib/modules/$k" ] && [ ! -e "$kd.tmp/lib/modules" ]; then
		mkdir -p "$kd.tmp/lib" && ln -s ../usr/lib/modules "$kd.tmp/lib/modules"
	fi
	if [ ! -f "$kd.tmp/boot/vmlinuz-$k" ]; then
		[ -f "$kd.tmp/usr/lib/modules/$k/vmlinuz" ] || die "no vmlinuz in ${debs[*]}"
		mkdir -p "$kd.tmp/boot" && ln -s "../usr/lib/modules/$k/vmlinuz" "$kd.tmp/boot/vmlinuz-$k"
	fi
	depmod -b "$kd.tmp" "$k" || die "depmod -b $kd.tmp $k"
	# only what the initramfs and the boot need stays: the kernel, the module tree
	rm -rf "$kd.tmp/usr/share" "$kd.tmp/etc"
	touch "$kd.tmp/.ready"
	rm -rf "$kd" && mv "$kd.tmp" "$kd"
}

# everything the image is made of: if any of it changes, the hash (and the file name) changes
initramfs_key() {
	local k=$1
	{
		echo "$k"; ls "$CACHE"/debs/linux-*-"$k"_*.deb 2>/dev/null
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
	local k=$1 kd=$CACHE/kernels/$1 key out root a f rel
	key=$(initramfs_key "$k")
	out=$CACHE/initramfs/$k-$key.cpio.gz
	if [ -f "$out" ]; then echo "$out"; return; fi
	log "building initramfs for $k ($key)"
	root=$CACHE/build/root-$k
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,host,etc,lib64,lib/x86_64-linux-gnu,lib/modules,lib/systemd,lib/udev/rules.d,etc/udev/rules.d}
	ln -s bin "$root/sbin"; mkdir -p "$root/usr"
	ln -s ../bin "$root/usr/bin"; ln -s ../bin "$root/usr/sbin"; ln -s ../lib "$root/usr/lib"
	cp /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"; done
	copy_with_libs /usr/bin/ndctl /bin/ndctl "$root"
	copy_with_libs /usr/bin/daxctl /bin/daxctl "$root"
	copy_with_libs /usr/bin/udevadm /bin/udevadm "$root"
	[ -x /usr/bin/cxl ] && copy_with_libs /usr/bin/cxl /bin/cxl "$root"
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
		modprobe -C /dev/null -d "$kd" -S "$k" --show-depends "$a" 2>/dev/null | awk '$1=="insmod"{print $2}'
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
	mkdir -p "$root/lib/vm-sysguest"
	install -m 755 "$HERE/guest/sysguest-run" "$root/lib/vm-sysguest/sysguest-run"
	install -m 644 "$HERE/guest/sysguest.service" "$root/lib/vm-sysguest/sysguest.service"
	mkdir -p "$CACHE/initramfs"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$root"
	# keep only the newest image per kernel
	ls -t "$CACHE/initramfs/$k"-*.cpio.gz | tail -n +2 | xargs -r rm -f
	echo "$out"
}

rootfs_key() {
	{ echo "$SYS_SUITE"; echo $SYS_PKGS; declare -f build_rootfs; } | sha256sum | cut -c1-16
}

build_rootfs() { # -> the image's path
	local key out dir mirror
	key=$(rootfs_key)
	out=$CACHE/rootfs/$SYS_SUITE-$key.ext4
	if [ -f "$out" ]; then echo "$out"; return; fi
	command -v mmdebstrap >/dev/null || die "no mmdebstrap (apt-get install mmdebstrap)"
	[ "$(id -u)" -eq 0 ] || die "need root for mmdebstrap --mode=root"
	mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
	mirror=${mirror:-http://deb.debian.org/debian}
	dir=$CACHE/build/rootfs-$key
	rm -rf "$dir" "$out.tmp"
	mkdir -p "$CACHE/rootfs" "$CACHE/build"
	log "mmdebstrap $SYS_SUITE ($key): $(echo $SYS_PKGS)"
	# a fixed machine-id: no first-boot setup (preset-all) in every run; the guest's console
	# on ttyS0 is the kernel's log, no getty there; no timers in a 1-minute life
	mmdebstrap --mode=root --variant=essential --include="$(echo $SYS_PKGS | tr ' ' ,)" \
		--customize-hook='echo 5d3c8a31c1b44e2a9e0f6a7b8c9d0e1f >"$1/etc/machine-id"' \
		--customize-hook='echo tiertopo-vm >"$1/etc/hostname"' \
		--customize-hook='echo "/dev/vda / ext4 rw,noatime 0 1" >"$1/etc/fstab"' \
		--customize-hook='ln -sf /dev/null "$1/etc/systemd/system/serial-getty@ttyS0.service"' \
		--customize-hook='rm -f "$1"/etc/systemd/system/timers.target.wants/* "$1"/etc/systemd/system/getty.target.wants/*' \
		--customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
		"$SYS_SUITE" "$dir" "$mirror" >&2 || die "mmdebstrap failed"
	# 1 GiB (sparse): ~250 MB of system, the .debs, the journal
	mke2fs -q -t ext4 -L tiertopo-vm -d "$dir" "$out.tmp" 1G || die "mke2fs -d $dir"
	rm -rf "$dir"
	mv "$out.tmp" "$out"
	ls -t "$CACHE/rootfs/$SYS_SUITE"-*.ext4 | tail -n +2 | xargs -r rm -f
	echo "$out"
}

prepare_one() { # SERIES|KVER -> "KVER VMLINUZ INITRD"
	local k
	k=$(kver "$1") || return 1
	prepare_kernel "$k" || return 1
	echo "$k $CACHE/kernels/$k/boot/vmlinuz-$k $(build_initramfs "$k")"
}

prepare() { # K... -> prints "KVER VMLINUZ INITRD" per kernel, in the order asked
	local k i=0 rc=0 tmp
	ensure_packages
	mkdir -p "$WORK" "$CACHE"
	[ $# -eq 1 ] && { prepare_one "$1"; return; }
	# the newer suites' lists once, before the kernels are resolved side by side
	for k in "$@"; do
		case $k in 6.1 | 6.12 | *.*.*) ;; *) newer_apt_update || log "no lists of $NEWER_SUITES" ;; esac
	done
	# several kernels: downloads, unpacking and initramfs builds side by side
	tmp=$(mktemp -d)
	for k in "$@"; do
		prepare_one "$k" >"$tmp/$i" 2>"$tmp/$i.err" &
		i=$((i + 1))
	done
	wait || true
	i=0
	for k in "$@"; do
		cat "$tmp/$i.err" >&2
		if [ -s "$tmp/$i" ]; then cat "$tmp/$i"; else log "prepare $k failed"; rc=1; fi
		i=$((i + 1))
	done
	rm -rf "$tmp"
	return $rc
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
	# and the ones it loads with dlopen() (libsmartcols at the first table, libudev in watch),
	# which ldd does not list: named in tools/*.c, found where the host's loader finds them
	local lib path
	for lib in $(grep -ho 'dlopen("lib[^"]*\.so\.[0-9]*"' "$SRC"/tools/*.c | sed 's/^dlopen("//; s/"$//' | sort -u); do
		# awk reads to the end: an early exit would kill ldconfig with SIGPIPE (pipefail)
		path=$(ldconfig -p | awk -v l="$lib" '$1==l && /x86-64/ && !p {p=$NF} END{print p}')
		[ -n "$path" ] || die "$lib (dlopen in tools/) is not installed on this host"
		cp -Ln "$path" "$dest/lib/$lib"
		ldd "$path" | awk '$2=="=>" && $3 ~ /^\//{print $3}' |
			while read -r f; do cp -Ln "$f" "$dest/lib/" 2>/dev/null || true; done
	done
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
	local k=6.1 build="" kargs="" dir="" tmo=600 o rootimg="" debdir=""
	OPTIND=1
	while getopts "k:b:a:o:t:rd:" o; do
		case $o in
		k) k=$OPTARG ;; b) build=$OPTARG ;; a) kargs=$OPTARG ;; o) dir=$OPTARG ;; t) tmo=$OPTARG ;;
		r) rootimg=1 ;; d) debdir=$OPTARG ;;
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
	dir=${dir:-$WORK/runs/$config-$(kseries "$kv")}
	rm -rf "$dir"; mkdir -p "$dir/share/out"
	dir=$(cd "$dir" && pwd)
	local RUN=$dir # configs refer to $RUN for their NVDIMM backing files
	if [ "$script" = - ]; then cat >"$dir/share/script.sh"; else cp "$script" "$dir/share/script.sh"; fi
	{
		# the series (6.1, 6.12, 6.18, 7.3): gathered trees and fixtures are named by it
		printf 'VM_CONFIG=%q\nVM_KERNEL=%q\nset --' "$config" "$(kseries "$kv")"
		[ $# -eq 0 ] || printf ' %q' "$@"
		printf '\n. /lib/vm-lib.sh\n. /host/script.sh\n'
	} >"$dir/share/cmd.sh"
	cp -a "$HERE/scenarios" "$dir/share/"
	[ -n "$build" ] && ship_project "$build" "$dir/share/in"
	local disk=()
	if [ -n "$rootimg" ]; then
		rootimg=$(build_rootfs)
		# snapshot=on: the guest writes to a temporary overlay, the cached image stays as built
		disk=(-drive "file=$rootimg,if=virtio,format=raw,snapshot=on")
		kargs="$kargs vm.sysroot systemd.show_status=false"
		echo "$rootimg" >"$dir/rootfs.txt"
	fi
	if [ -n "$debdir" ]; then # the packages under test, not the -dev or debug ones
		mkdir -p "$dir/share/in/debs"
		cp "$debdir"/libtopo0_*.deb "$debdir"/tiertopo_*.deb "$dir/share/in/debs/" ||
			die "no libtopo0/tiertopo .deb in $debdir"
	fi
	local NVDIMMS="" QEMU_ARGS=() KARGS=$kargs nv
	# shellcheck source=/dev/null
	source "$cfg"
	kargs=$KARGS # a config may add kernel arguments (memmap=, pcie_ports=compat)
	for nv in $NVDIMMS; do truncate -s "${nv#*:}" "$dir/${nv%%:*}.img"; done
	local cmd=(qemu-system-x86_64 -accel "${TOPO_VM_ACCEL:-tcg}" -nodefaults -no-user-config
		-display none -no-reboot -monitor none
		-kernel "$vmlinuz" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 loglevel=4 $kargs"
		-virtfs "local,path=$dir/share,mount_tag=host,security_model=none,id=host"
		"${disk[@]}" "${QEMU_ARGS[@]}")
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
rootfs) ensure_packages; build_rootfs ;;
*) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac
