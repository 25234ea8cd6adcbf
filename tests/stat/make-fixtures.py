#!/usr/bin/env python3
# Writes fixtures/sysfs/stat-6.1 and stat-6.12: three-node machines (two CPU+DRAM nodes,
# one CPU-less slow node in the kmem tier) whose node vmstat and proc/vmstat files hold the
# counters as those kernels print them (names and order of mm/vmstat.c's vmstat_text,
# abridged to the lines around the ones tiertopo stat reads). Run once; the output is
# checked in, and tests/stat assert its exact values.
#
#  6.1:  pgdemote_kswapd/direct are vm events: proc/vmstat only; no pgdemote_khugepaged
#        (6.2), no pgdemote_proactive (6.15), no pgpromote_candidate_nrl (6.17);
#        pgpromote_success/candidate are node stats (5.18/6.1): per node.
#  6.12: pgdemote_kswapd/direct/khugepaged are node stats (6.8): per node and summed in
#        proc/vmstat; still no pgdemote_proactive, no pgpromote_candidate_nrl.
#  Both: numa_hint_faults*, numa_pte_updates, numa_pages_migrated, pgmigrate_* are vm
#        events (proc/vmstat only); numa_hit/miss/foreign/interleave/local/other are per node.
import os, sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'sysfs')

def w(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)

ZONE = ['nr_free_pages', 'nr_zone_inactive_anon', 'nr_zone_active_anon', 'nr_zone_inactive_file',
        'nr_zone_active_file', 'nr_zone_unevictable', 'nr_zone_write_pending', 'nr_mlock',
        'nr_bounce', 'nr_zspages', 'nr_free_cma']
NUMA = ['numa_hit', 'numa_miss', 'numa_foreign', 'numa_interleave', 'numa_local', 'numa_other']
NODE_COMMON = ['nr_inactive_anon', 'nr_active_anon', 'nr_inactive_file', 'nr_active_file',
               'nr_unevictable', 'nr_slab_reclaimable', 'nr_slab_unreclaimable',
               'nr_isolated_anon', 'nr_isolated_file', 'workingset_nodes', 'nr_anon_pages',
               'nr_mapped', 'nr_file_pages', 'nr_dirty', 'nr_writeback', 'nr_shmem',
               'nr_kernel_stack', 'nr_page_table_pages', 'nr_sec_page_table_pages',
               'nr_swapcached']
NODE_61 = NODE_COMMON + ['pgpromote_success', 'pgpromote_candidate']
NODE_612 = NODE_COMMON + ['pgpromote_success', 'pgpromote_candidate', 'pgdemote_kswapd',
                          'pgdemote_direct', 'pgdemote_khugepaged', 'nr_hugetlb',
                          'nr_memmap_pages', 'nr_memmap_boot_pages']
EV_HEAD = ['nr_dirty_threshold', 'nr_dirty_background_threshold', 'pgpgin', 'pgpgout',
           'pswpin', 'pswpout', 'pgalloc_dma', 'pgalloc_dma32', 'pgalloc_normal',
           'pgalloc_movable', 'pgfree', 'pgactivate', 'pgdeactivate', 'pgfault', 'pgmajfault',
           'pgsteal_kswapd', 'pgsteal_direct', 'pgscan_kswapd', 'pgscan_direct']
EV_DEMOTE_61 = ['pgdemote_kswapd', 'pgdemote_direct']
EV_TAIL = ['pginodesteal', 'slabs_scanned', 'kswapd_inodesteal', 'pageoutrun', 'pgrotated',
           'drop_pagecache', 'drop_slab', 'oom_kill', 'numa_pte_updates',
           'numa_huge_pte_updates', 'numa_hint_faults', 'numa_hint_faults_local',
           'numa_pages_migrated', 'pgmigrate_success', 'pgmigrate_fail', 'thp_migration_success',
           'thp_migration_fail', 'thp_migration_split', 'compact_migrate_scanned']

# the values the tests assert: per node, and machine-wide vm events. Demotions count on
# the source node (the fast ones), promotions on the target node (the fast ones too).
PER_NODE = {
    0: {'pgpromote_success': 20000, 'pgpromote_candidate': 30100, 'pgdemote_kswapd': 120345,
        'pgdemote_direct': 2210, 'pgdemote_khugepaged': 17, 'numa_hit': 9876543,
        'numa_miss': 4321, 'numa_foreign': 1234, 'numa_interleave': 512, 'numa_local': 9870000,
        'numa_other': 10864},
    1: {'pgpromote_success': 13444, 'pgpromote_candidate': 21100, 'pgdemote_kswapd': 80111,
        'pgdemote_direct': 45, 'pgdemote_khugepaged': 3, 'numa_hit': 7654321,
        'numa_miss': 1000, 'numa_foreign': 900, 'numa_interleave': 511, 'numa_local': 7650000,
        'numa_other': 5321},
    2: {'pgpromote_success': 0, 'pgpromote_candidate': 0, 'pgdemote_kswapd': 0,
        'pgdemote_direct': 0, 'pgdemote_khugepaged': 0, 'numa_hit': 200500,
        'numa_miss': 5221, 'numa_foreign': 0, 'numa_interleave': 0, 'numa_local': 0,
        'numa_other': 205721},
}
EVENTS = {'numa_pte_updates': 987654, 'numa_huge_pte_updates': 12, 'numa_hint_faults': 456789,
          'numa_hint_faults_local': 400001, 'numa_pages_migrated': 33500,
          'pgmigrate_success': 233900, 'pgmigrate_fail': 77}

def val(name, node=None):
    if node is not None and name in PER_NODE[node]:
        return PER_NODE[node][name]
    if node is None and name in EVENTS:
        return EVENTS[name]
    if node is None and name in PER_NODE[0]:
        return sum(PER_NODE[n][name] for n in PER_NODE)
    # filler, stable and plausible
    return (sum(map(ord, name)) * 37 + (node or 0) * 1009) % 100000

def tree(name, release, node_names, proc_names, tiers):
    d = os.path.join(root, name)
    n = d + '/sys/devices/system/node'
    w(n + '/possible', '0-2\n')
    w(n + '/online', '0-2\n')
    w(n + '/has_cpu', '0-1\n')
    w(n + '/has_memory', '0-2\n')
    w(n + '/has_normal_memory', '0-2\n')
    cpus = {0: '0-1', 1: '2-3', 2: ''}
    dist = {0: '10 21 28', 1: '21 10 28', 2: '28 28 10'}
    kb = {0: 2097152, 1: 2097152, 2: 4194304}
    for i in range(3):
        w(f'{n}/node{i}/cpulist', cpus[i] + '\n')
        w(f'{n}/node{i}/distance', dist[i] + '\n')
        w(f'{n}/node{i}/meminfo', f'Node {i} MemTotal:       {kb[i]} kB\n'
          f'Node {i} MemFree:        {kb[i] // 2} kB\nNode {i} MemUsed:        {kb[i] // 2} kB\n')
        w(f'{n}/node{i}/vmstat', ''.join(f'{k} {val(k, i)}\n' for k in node_names))
    for t, nodes in tiers.items():
        w(f'{d}/sys/devices/virtual/memory_tiering/memory_tier{t}/nodelist', nodes + '\n')
    w(d + '/sys/kernel/mm/numa/demotion_enabled', 'true\n')
    w(d + '/proc/sys/kernel/osrelease', release + '\n')
    w(d + '/proc/sys/kernel/numa_balancing', '2\n')
    w(d + '/proc/vmstat', ''.join(f'{k} {val(k)}\n' for k in proc_names))

tree('stat-6.1', '6.1.0-56-amd64', ZONE + NUMA + NODE_61,
     ZONE + NUMA + NODE_61 + EV_HEAD + EV_DEMOTE_61 + EV_TAIL, {4: '0-1', 22: '2'})
tree('stat-6.12', '6.12.117+deb12-amd64', ZONE + NUMA + NODE_612,
     ZONE + NUMA + NODE_612 + EV_HEAD + EV_TAIL, {4: '0-1', 22: '2'})
