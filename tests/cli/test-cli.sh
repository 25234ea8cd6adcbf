#!/bin/bash
# tiertopo's command line: options, columns, exit status, JSON, on fixture trees.
# usage: test-cli.sh TIERTOPO FIXTURES_DIR SHARED_DIR
set -u
T=$(realpath "$1")
FIX=$2
SHARED=$3
. "$(dirname "$0")/tap.sh"
S=$FIX/sysfs/sparse5

status() { "$@" >/dev/null 2>&1; echo $?; }

check "help exits 0 and names the commands" bash -c "'$T' --help | grep -q 'gather' && '$T' --help | grep -q -- '--sysroot'"
check "dump --help lists every column" bash -c "'$T' --dump --help | grep -q 'RLAT' && '$T' --dump --help | grep -q 'FLAGS'"
check "version" bash -c "'$T' --version | grep -Eq '^tiertopo [0-9]+\.[0-9]+'"
check "unknown option is a usage error (2)" test "$(status "$T" --bogus)" = 2
check "unknown command is a usage error (2)" test "$(status "$T" frobnicate)" = 2
check "unknown column is a usage error (2)" test "$(status "$T" -s "$S" -o NODE,NOPE)" = 2
check "missing sysroot is an error (1)" test "$(status "$T" -s /nonexistent/root)" = 1
check "sysroot without nodes is an error (1)" test "$(status "$T" -s "$FIX")" = 1

out=$("$T" -s "$S" -o NODE,CPUS,TIER,RLAT,RBW -r -n)
want="0 0-1 4 10 20480
1 2-3 4 10 20480
2 - 22 80 4096
3 - - - -
4 - - - -"
if [ "$out" = "$want" ]; then ok "raw selected columns of sparse5"; else not_ok "raw selected columns of sparse5" "got:" "$out"; fi

out=$("$T" -s "$S" -o NODE,MEMORY -b -P | head -1)
if [ "$out" = 'NODE="0" MEMORY="1073741824"' ]; then ok "pairs with bytes"; else not_ok "pairs with bytes" "$out"; fi

out=$("$T" --sysroot "$S" --dump -o +FLAGS | head -1)
case "$out" in *NODE*CPUS*MEMORY*TIER*FLAGS*) ok "+LIST adds to the default columns";; *) not_ok "+LIST adds to the default columns" "$out";; esac

# global options after the command word, and the JSON keys of DESIGN.md
json=$("$T" dump -s "$S" --json)
if printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
n2 = [n for n in d["nodes"] if n["node"] == 2][0]
assert n2["perf"]["read_latency_ns"] == 80 and n2["perf"]["initiator"] == 0, n2["perf"]
assert n2["kernel_tier"] == 22 and n2["memory_bytes"] == 2 * 2**30
assert d["kernel"]["tiers"] == [{"id": 4, "nodes": [0, 1]}, {"id": 22, "nodes": [2]}]
assert d["kernel"]["demotion_enabled"] is False
assert d["kernel"]["weighted_interleave"]["auto_file"] == "__auto_type"
assert d["dax"][0]["parent_kind"] == "nd_region" and d["findings"] == []
'; then ok "json keys and values of sparse5"; else not_ok "json keys and values of sparse5"; fi

# findings go to stderr, the table to stdout
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a "$S"/. "$tmp"/
echo "twenty" > "$tmp/sys/devices/system/node/node2/access1/initiators/read_latency"
"$T" -s "$tmp" >"$tmp/out" 2>"$tmp/err"
if grep -q 'node2/access1/initiators/read_latency holds "twenty"' "$tmp/err" && ! grep -q twenty "$tmp/out"; then
	ok "a garbled file is reported on stderr with its path and content"
else
	not_ok "a garbled file is reported on stderr with its path and content" "$(cat "$tmp/err")"
fi

# the issue's acceptance example: the Optane machine of hwloc's corpus, through --json
tb="$SHARED/corpus/hwloc/fakememinitiators-1np2c+1npp+gi.tar.bz2"
if [ -f "$tb" ]; then
	tar -xjf "$tb" -C "$tmp"
	if "$T" --sysroot "$tmp/fakememinitiators-1np2c+1npp+gi" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
nodes = {n["node"]: n for n in d["nodes"]}
assert sorted(nodes) == list(range(11)), sorted(nodes)
# cpus from nodeN/cpumap; flags from has_cpu 0-3, has_memory 5-10, has_generic_initiator 4
for i in range(11):
    n = nodes[i]
    assert n["cpus"] == ([2 * i, 2 * i + 1] if i < 4 else []), (i, n["cpus"])
    assert n["online"] and n["has_cpu"] == (i < 4) and n["has_memory"] == (i >= 5), i
    assert n["generic_initiator"] == (i == 4), i
# node7/distance is "17 28 17 28 13 17 17 10 28 28 28" (one entry per nodes[] entry)
assert nodes[7]["distances"] == [17, 28, 17, 28, 13, 17, 17, 10, 28, 28, 28]
# access1: node5 read bandwidth 131072 from node 0; node7 read latency 77 from nodes 0 and 2
assert nodes[5]["access1"]["read_bandwidth_mbps"] == 131072 and nodes[5]["access1"]["initiators"] == [0]
assert nodes[7]["access1"]["read_latency_ns"] == 77 and nodes[7]["access1"]["initiators"] == [0, 2]
assert nodes[7]["perf"]["access_class"] == 1 and nodes[7]["perf"]["read_bandwidth_mbps"] == 78644
assert nodes[5]["access0"]["initiators"] == [4] and nodes[5]["access0"]["read_latency_ns"] == 8
# node 0 is an initiator only: access1/ holds no initiators, and targets node5, node7
assert nodes[0]["access1"]["initiators"] == [] and nodes[0]["access1"]["targets"] == [5, 7]
assert nodes[0]["access1"]["read_latency_ns"] is None and nodes[0]["memory_bytes"] == 0
dax = {x["device"]: x for x in d["dax"]}
assert dax["dax0.0"]["target_node"] == 7 and dax["dax0.0"]["driver"] == "kmem"
assert dax["dax0.0"]["parent_kind"] == "nd_region"
'; then ok "--json of fakememinitiators-1np2c+1npp+gi"; else not_ok "--json of fakememinitiators-1np2c+1npp+gi"; fi
else
	skip "--json of the corpus" "$tb is absent (meson option shared_dir)"
fi

done_testing
