#!/bin/bash
# tiertopo -s on hostile copies of a fixture tree (issue 14): links out of the tree at every
# level tiertopo opens, FIFOs in place of the files it reads, run and config files it must not
# trust. Nothing outside the tree may be created or changed, nothing may hang, and every
# refusal names the path.
# usage: test-sysroot.sh TIERTOPO FIXTURES_DIR SOURCE_DIR
set -u
T=$(realpath "$1")
FIX=$2
SRC=$3
. "$(dirname "$0")/../cli/tap.sh"
BOX=$FIX/sysfs/vm/hmat4-6.12-sysram
EVENTS=$SRC/tests/watch/recorded/cxl-ram-region.uevents
KNOB=sys/kernel/mm/numa/demotion_enabled

tmp=$(mktemp -d /tmp/test-sysroot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# output as one TAP diagnostic line
oneline() { printf '%s' "$1" | head -20 | tr '\n' ' '; }

# everything in $tmp but the box: names, types, modes, owners, sizes, link targets, contents
outside() {
	{
		find "$tmp" -path "$tmp/box" -prune -o -printf '%P %y %m %u %s %l\n'
		find "$tmp" -path "$tmp/box" -prune -o -type f -print0 | sort -z | xargs -0r sha256sum
	} | sort | sha256sum
}

# a fresh box, and a decoy outside it: a file and a directory with a knob of the same name
fresh() {
	chmod -R u+w "$tmp" 2>/dev/null
	rm -rf "$tmp/box" "$tmp/decoy" "$tmp/sysout"
	cp -a "$BOX" "$tmp/box"
	mkdir -p "$tmp/decoy/numa" "$tmp/decoy/tiertopo"
	echo secret >"$tmp/decoy/file"
	echo false >"$tmp/decoy/numa/demotion_enabled"
}

# attack NAME REFUSED PATH -- COMMAND...: run COMMAND (tiertopo -s box ...) under a timeout;
# nothing outside the box changes, it does not hang, and it fails naming PATH when REFUSED=1
attack() {
	local name=$1 refused=$2 path=$3
	shift 4
	local before after out rc
	before=$(outside)
	out=$(timeout 60 "$@" 2>&1)
	rc=$?
	after=$(outside)
	if [ "$before" != "$after" ]; then
		not_ok "$name: nothing outside the box changes" "$(cd "$tmp" && ls -lR decoy sysout 2>/dev/null | head -20 | tr "\n" " ")"
	else
		ok "$name: nothing outside the box changes"
	fi
	if [ $rc = 124 ]; then
		not_ok "$name: finishes within 60 s" "timed out"
		return
	fi
	[ "$refused" = 1 ] || return 0
	case "$out" in
	*"$path"*) if [ $rc != 0 ]; then ok "$name: refused ($rc), naming $path"
		   else not_ok "$name: refused, naming $path" "exit status 0" "$(oneline "$out")"; fi ;;
	*) not_ok "$name: refused, naming $path" "exit status $rc" "$(oneline "$out")" ;;
	esac
}


# --- links out of the box ------------------------------------------------------------------
for how in absolute relative; do
	# the decoy as seen from run/tiertopo/lock, run/tiertopo, run, the knob, its directory
	if [ $how = absolute ]; then
		df=$tmp/decoy/file; dt=$tmp/decoy/tiertopo; dr=$tmp/decoy
		dk=$tmp/decoy/file; dn=$tmp/decoy/numa
	else
		df=../../../decoy/file; dt=../../decoy/tiertopo; dr=../decoy
		dk=../../../../../decoy/file; dn=../../../../decoy/numa
	fi

	fresh; mkdir -p box/run/tiertopo; ln -s "$df" box/run/tiertopo/lock
	attack "run/tiertopo/lock, $how link to a file outside: apply" 1 box/run/tiertopo/lock -- "$T" -s box apply
	fresh; mkdir -p box/run/tiertopo; ln -s "${df%file}new" box/run/tiertopo/lock
	attack "run/tiertopo/lock, $how link to a new file outside: apply" 1 box/run/tiertopo/lock -- "$T" -s box apply
	fresh; mkdir -p box/run/tiertopo; ln -s "$df" box/run/tiertopo/watch.lock
	attack "run/tiertopo/watch.lock, $how link outside: watch --once" 1 box/run/tiertopo/watch.lock -- "$T" -s box watch --once --events "$EVENTS"
	fresh; mkdir -p box/run; ln -s "$dt" box/run/tiertopo
	attack "run/tiertopo, $how link to a directory outside: apply" 1 box/run/tiertopo -- "$T" -s box apply
	attack "run/tiertopo, $how link to a directory outside: watch --once" 1 box/run/tiertopo -- "$T" -s box watch --once --events "$EVENTS"
	fresh; ln -s "$dr" box/run
	attack "run, $how link to a directory outside: apply" 1 box/run -- "$T" -s box apply
	attack "run, $how link to a directory outside: watch --once" 1 box/run -- "$T" -s box watch --once --events "$EVENTS"

	# state.json is replaced by a rename inside run/tiertopo: the link goes, its target stays
	fresh; mkdir -p box/run/tiertopo; ln -s "$df" box/run/tiertopo/state.json
	attack "run/tiertopo/state.json, $how link outside: apply" 0 "" -- "$T" -s box apply
	if [ -f box/run/tiertopo/state.json ] && [ ! -L box/run/tiertopo/state.json ]; then
		ok "... state.json became a file inside the box"
	else not_ok "... state.json became a file inside the box" "$(ls -l box/run/tiertopo)"; fi

	# a knob linked out of the box resolves inside it (absent there): not written, anywhere
	fresh; rm box/$KNOB; ln -s "$dk" box/$KNOB
	attack "$KNOB, $how link outside: apply" 0 "" -- "$T" -s box apply
	fresh; rm -r box/sys/kernel/mm/numa; ln -s "$dn" box/sys/kernel/mm/numa
	attack "sys/kernel/mm/numa, $how link to a directory outside: apply" 0 "" -- "$T" -s box apply
	attack "sys/kernel/mm/numa, $how link to a directory outside: watch --once" 0 "" -- "$T" -s box watch --once --events "$EVENTS"
done

# a knob, or its directory, linked to a copy inside the box: read, but never written through
fresh; mv box/$KNOB box/knob; ln -s /knob box/$KNOB
attack "$KNOB, a link inside the box: apply refuses to write through it" 1 /$KNOB -- "$T" -s box apply
check "... and the link's target is unchanged" grep -qx false box/knob
fresh; mv box/sys/kernel/mm/numa box/numa; ln -s ../../../numa box/sys/kernel/mm/numa
attack "sys/kernel/mm/numa, a link inside the box: apply refuses to write through it" 1 /$KNOB -- "$T" -s box apply
check "... and the knob behind it is unchanged" grep -qx false box/numa/demotion_enabled

# sys itself a link to a copy outside: the copy is not read as the box's, nor written
fresh; mv box/sys sysout; ln -s "$tmp/sysout" box/sys
attack "sys, absolute link to a copy outside: apply" 1 box/sys -- "$T" -s box apply
attack "sys, absolute link to a copy outside: --dump" 1 box/sys -- "$T" -s box --dump
fresh; mv box/sys sysout; ln -s ../sysout box/sys
attack "sys, relative link to a copy outside: apply" 1 box/sys -- "$T" -s box apply

# --- FIFOs in place of the files tiertopo reads --------------------------------------------
N=sys/devices/system/node
for f in $N/node0/distance $N/node0/access1/initiators/read_latency $N/possible \
	proc/sys/kernel/osrelease sys/firmware/acpi/tables/SRAT etc/tiertopo/tiertopo.conf; do
	for c in --dump check plan apply; do
		fresh; mkdir -p "box/${f%/*}"; rm -f "box/$f"; mkfifo "box/$f"
		# apply prints its actions, not the readers' findings: -v makes it say them
		v=; [ $c = apply ] && v=-v
		before=$(outside)
		out=$(timeout 60 "$T" -s box $v $c 2>&1)
		rc=$?
		if [ $rc = 124 ]; then not_ok "FIFO $f: $c finishes within 60 s" "timed out"; continue; fi
		if [ "$before" = "$(outside)" ]; then ok "FIFO $f: $c finishes ($rc), nothing outside changes"
		else not_ok "FIFO $f: $c finishes, nothing outside changes"; fi
		case "$out" in
		*"$f"*) ok "FIFO $f: $c names it" ;;
		*) not_ok "FIFO $f: $c names it" "exit status $rc" "$(oneline "$out")" ;;
		esac
	done
done
# the configuration steers a root process: a FIFO there stops everything
fresh; mkdir -p box/etc/tiertopo; mkfifo box/etc/tiertopo/tiertopo.conf
attack "FIFO config: apply" 1 box/etc/tiertopo/tiertopo.conf -- "$T" -s box apply
check "... and wrote no knob" grep -qx false box/$KNOB

# --- what a root process must not trust ----------------------------------------------------
fresh; mkdir -p box/run/tiertopo; chmod 0777 box/run/tiertopo
attack "run/tiertopo of mode 0777: apply" 1 box/run/tiertopo -- "$T" -s box apply
attack "run/tiertopo of mode 0777: watch --once" 1 box/run/tiertopo -- "$T" -s box watch --once --events "$EVENTS"
fresh; mkdir -p box/run/tiertopo; chown nobody box/run/tiertopo
attack "run/tiertopo owned by nobody: apply" 1 box/run/tiertopo -- "$T" -s box apply
fresh; mkdir -p box/etc/tiertopo; echo '[global]' >box/etc/tiertopo/tiertopo.conf
chmod 0666 box/etc/tiertopo/tiertopo.conf
attack "tiertopo.conf of mode 0666: apply" 1 box/etc/tiertopo/tiertopo.conf -- "$T" -s box apply
check "... and wrote no knob" grep -qx false box/$KNOB
attack "tiertopo.conf of mode 0666: check" 1 box/etc/tiertopo/tiertopo.conf -- "$T" -s box check
fresh; mkdir -p box/etc/tiertopo; echo '[global]' >box/etc/tiertopo/tiertopo.conf
chown nobody box/etc/tiertopo/tiertopo.conf
attack "tiertopo.conf owned by nobody: apply" 1 box/etc/tiertopo/tiertopo.conf -- "$T" -s box apply
check "... and wrote no knob" grep -qx false box/$KNOB

# the control: the same box, untouched, applies
fresh
attack "the untouched box: apply" 0 "" -- "$T" -s box apply
check "... and wrote the knob" grep -qx true box/$KNOB

done_testing
