#!/bin/bash
# tiertopo stat: exact counters per node on a 6.1 and a 6.12 tree, '-' and null where the
# kernel lacks a counter or counts it machine-wide only, and rates between two reports of a
# tree the test changes in between.
# usage: test-stat-cli.sh TIERTOPO FIXTURES_DIR
set -u
T=$(realpath "$1")
FIX=$2
. "$(dirname "$0")/../cli/tap.sh"
S61=$FIX/sysfs/stat-6.1
S612=$FIX/sysfs/stat-6.12
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status() { "$@" >/dev/null 2>&1; echo $?; }
same() { # NAME WANT GOT
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want:" "$2" "got:" "$3"; fi
}

check "stat --help lists the columns and the kernel names" bash -c "'$T' stat --help | grep -q 'DEM_KSWAPD.*pgdemote_kswapd' && '$T' --help | grep -q 'stat \[INTERVAL'"
check "bad interval is a usage error (2)" test "$(status "$T" stat -s "$S612" 0)" = 2
check "bad count is a usage error (2)" test "$(status "$T" stat -s "$S612" 1 x)" = 2
check "a third operand is a usage error (2)" test "$(status "$T" stat -s "$S612" 1 2 3)" = 2
check "unknown column is a usage error (2)" test "$(status "$T" stat -s "$S612" -o NODE,NOPE)" = 2
check "no vmstat file at all: every counter unknown, not an error (0)" test "$(status "$T" stat -s "$FIX/sysfs/sparse5")" = 0

# 6.1: pgdemote_* are machine-wide vm events: '-' per node, the machine row has them
out=$("$T" stat -s "$S61" -r -n 2>"$tmp/err")
same "6.1: since boot, per node and machine-wide" "0 4 - - - - 20000 30100 - - - - -
1 4 - - - - 13444 21100 - - - - -
2 22 - - - - 0 0 - - - - -
machine - 200456 2255 - - 33444 51200 - 233900 77 456789 400001" "$out"
if grep -q "counts pgdemote_\* for the whole machine only" "$tmp/err"; then ok "6.1: says the demotion counters are machine-wide"; else not_ok "6.1: says the demotion counters are machine-wide" "$(cat "$tmp/err")"; fi

# 6.12: pgdemote_* per source node; pgdemote_proactive (6.15) and _nrl (6.17) absent
out=$("$T" stat -s "$S612" -r -n 2>"$tmp/err")
same "6.12: since boot, per node and machine-wide" "0 4 120345 2210 17 - 20000 30100 - - - - -
1 4 80111 45 3 - 13444 21100 - - - - -
2 22 0 0 0 - 0 0 - - - - -
machine - 200456 2255 20 - 33444 51200 - 233900 77 456789 400001" "$out"
same "6.12: nothing on stderr" "" "$(cat "$tmp/err")"

out=$("$T" stat -s "$S612" -o NODE,PTIER,KIND,numa_hit,NUMA_FOREIGN,PTE_UPD -P | head -2)
same "columns by kernel name, pairs" 'NODE="0" PTIER="4" KIND="DRAM" NUMA_HIT="9876543" NUMA_FOREIGN="1234" PTE_UPD="-"
NODE="1" PTIER="4" KIND="DRAM" NUMA_HIT="7654321" NUMA_FOREIGN="900" PTE_UPD="-"' "$out"

out=$("$T" -s "$S612" stat | head -2)
case "$out" in "since boot"*NODE*TIER*DEM_KSWAPD*PRO_OK*HINT_LOCAL*) ok "title and default header";; *) not_ok "title and default header" "$out";; esac

if "$T" stat -s "$S61" -J | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["since_boot"] is True and d["seconds"] is None and d["unit"] == "count", d
assert d["schema"] == "tiertopo/1"
assert d["kernel"] == {"release": "6.1.0-56-amd64"}
assert d["scope"]["pgdemote_kswapd"] == "machine" and d["scope"]["pgpromote_success"] == "node"
assert d["scope"]["pgdemote_proactive"] is None and d["scope"]["pgpromote_candidate_nrl"] is None
n = {x["node"]: x for x in d["nodes"]}
assert sorted(n) == [0, 1, 2]
assert n[2]["kernel_tier"] == 22 and n[0]["kernel_tier"] == 4 and n[0]["tier"] == 4
assert n[2]["tier"] == 4 and "plan_tier" not in n[2]  # DRAM here: PTIER 4
c0 = n[0]["counters"]
assert c0["pgdemote_kswapd"] is None and c0["pgdemote_khugepaged"] is None, c0
assert c0["pgpromote_success"] == 20000 and c0["numa_hit"] == 9876543, c0
assert c0["numa_hint_faults"] is None and c0["pgmigrate_success"] is None, c0
m = d["machine"]["counters"]
assert m["pgdemote_kswapd"] == 200456 and m["pgdemote_direct"] == 2255, m
assert m["pgdemote_khugepaged"] is None and m["pgpromote_candidate_nrl"] is None, m
assert m["numa_hint_faults"] == 456789 and m["pgmigrate_fail"] == 77, m
assert d["findings"] == []
'; then ok "6.1 JSON: null where unavailable, machine-wide demotion"; else not_ok "6.1 JSON: null where unavailable, machine-wide demotion"; fi

# rates: the first report is since boot; the test changes the counters during the interval
cp -a "$S612" "$tmp/t"
# FILE NAME VALUE: the kernel changes a counter in the same file (stat keeps the file open and
# reads it again at offset 0), so the file is rewritten in place, not replaced; the new value
# has as many digits as the old, so the file never shrinks, and the reading is 2 s away
set_counter() {
	sed "s/^$2 .*/$2 $3/" "$tmp/t/$1" >"$tmp/new" &&
		[ "$(wc -c <"$tmp/new")" = "$(wc -c <"$tmp/t/$1")" ] &&
		dd if="$tmp/new" of="$tmp/t/$1" conv=notrunc status=none
}
"$T" stat -s "$tmp/t" -r -n -o NODE,DEM_KSWAPD,PRO_OK,HINT,DEM_PROACT 2 2 >"$tmp/rate" 2>&1 &
pid=$!
for _ in $(seq 1200); do [ "$(wc -l <"$tmp/rate")" -ge 4 ] && break; sleep 0.05; done
set_counter sys/devices/system/node/node0/vmstat pgdemote_kswapd $((120345 + 5000))
set_counter sys/devices/system/node/node1/vmstat pgpromote_success $((13444 + 1000))
set_counter proc/vmstat pgdemote_kswapd $((200456 + 5000))
set_counter proc/vmstat numa_hint_faults $((456789 + 901))
wait "$pid"
same "the first report is since boot" "0 120345 20000 - -
1 80111 13444 - -
2 0 0 - -
machine 200456 33444 456789 -" "$(head -4 "$tmp/rate")"
# the rate is over the measured interval: 2 s and a few ms, more on a loaded machine (up to
# 3 s is accepted): 5000 pages -> 1667..2500/s; the counters changed in the same interval,
# so their rates keep the ratios of the changes (5000 : 1000 : 901) whatever it was
if tail -n +5 "$tmp/rate" | awk '
	function near(x, y) { return x - y <= 5 && y - x <= 5 }
	$1 == "0" && $2 >= 1667 && $2 <= 2500 && $3 == 0 && $4 == "-" && $5 == "-" { a++; r0 = $2 }
	$1 == "1" && $2 == 0 && $3 >= 333 && $3 <= 500 { b++; r1 = $3 }
	$1 == "2" && $2 == 0 && $3 == 0 { c++ }
	$1 == "machine" && $2 >= 1667 && $2 <= 2500 && $5 == "-" { d++; rm = $2; rh = $4 }
	END { exit !(NR == 4 && a == 1 && b == 1 && c == 1 && d == 1 && near(r0, rm) &&
		     near(r0, 5 * r1) && near(rh, r0 * 901 / 5000)) }'; then
	ok "the second report is the rate per second over the interval"
else
	not_ok "the second report is the rate per second over the interval" "$(cat "$tmp/rate")"
fi

# JSON: one document per report; the second one has rates and the measured seconds
"$T" stat -s "$S612" -J 0.3 2 | python3 -c '
import json, sys
text, dec, i, docs = sys.stdin.read(), json.JSONDecoder(), 0, []
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    o, i = dec.raw_decode(text, i)
    docs.append(o)
assert len(docs) == 2, len(docs)
assert docs[0]["since_boot"] and not docs[1]["since_boot"]
assert docs[1]["unit"] == "per_second" and 0.29 < docs[1]["seconds"] < 1.0, docs[1]["seconds"]
c = docs[1]["nodes"][0]["counters"]
assert c["pgdemote_kswapd"] == 0 and c["pgdemote_proactive"] is None, c
' && ok "JSON: one document per report, rates in the second" || not_ok "JSON: one document per report, rates in the second"

# a garbled line: a finding on stderr with the path and the line, the rest is shown
cp -a "$S612" "$tmp/g"
printf 'numa_hit 7654321\npgdemote_kswapd 8O111\npgdemote_direct 45\n' >"$tmp/g/sys/devices/system/node/node1/vmstat"
out=$("$T" stat -s "$tmp/g" -r -n -o NODE,DEM_KSWAPD,DEM_DIRECT 2>"$tmp/err" | sed -n 2p)
same "a garbled line leaves that counter unavailable" "1 - 45" "$out"
if grep -q 'node1/vmstat line 2 holds "pgdemote_kswapd 8O111"' "$tmp/err"; then ok "a garbled line is reported with its path and content"; else not_ok "a garbled line is reported with its path and content" "$(cat "$tmp/err")"; fi
# a kernel tier above INT_MAX (the kernel's memory_tier%u of a negative abstract distance, 6.18's
# CXL capture with its tier renamed as such an id): shown as the kernel names it, not unknown
cp -a "$FIX/sysfs/vm/cxl1-gp-6.18-sysram" "$tmp/u32"
mv "$tmp/u32/sys/devices/virtual/memory_tiering/memory_tier6444642" \
	"$tmp/u32/sys/devices/virtual/memory_tiering/memory_tier4287191433"
out=$("$T" stat -s "$tmp/u32" -r -n -o NODE,TIER 2>/dev/null | awk '$1 == 2 {print $2}')
same "a kernel tier id above INT_MAX is printed as the kernel's u32" "4287191433" "$out"
out=$("$T" stat -s "$tmp/u32" -J 2>/dev/null | python3 -c 'import json, sys
print([n.get("kernel_tier") for n in json.load(sys.stdin)["nodes"] if n["node"] == 2])')
same "... and is -J's kernel_tier" "[4287191433]" "$out"
done_testing
