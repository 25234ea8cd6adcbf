/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sys/devices/system/memory: the memory block size, the hotplug policy (auto_online_blocks,
 * and memory_hotplug's memmap_on_memory parameter), and the state and zone of every block
 * the node directories link (node.c lists them): memoryN/state says online or offline, and
 * memoryN/valid_zones of an online block names the zone it is in (Normal, Movable, DMA32 ...;
 * "none" when it spans zones). An offline block's valid_zones lists where it could go, which
 * says nothing about where it is, so it is not read.
 */
#include <string.h>

#include "sysfs/sysfs.h"

#define MEMORY_DIR "sys/devices/system/memory"

static int count_block(void *data, const char *name)
{
	if (!strncmp(name, "memory", 6) && name[6] >= '0' && name[6] <= '9')
		++*(unsigned long *)data;
	return 0;
}

/* Returns whether the block's state file could be read. */
static bool read_block(struct topo *topo, struct topo_mem_block *b)
{
	char path[128];
	_cleanup_free_ char *state = NULL;

	snprintf(path, sizeof(path), MEMORY_DIR "/memory%lu/state", b->id);
	if (read_trimmed(topo, path, &state) < 0)
		return false;
	if (!strcmp(state, "offline") || !strcmp(state, "going-offline"))
		b->online = 0;
	else if (!strncmp(state, "online", 6))
		b->online = 1;
	else {
		finding_garbled(topo, path, state, "online or offline");
		return true;
	}
	if (b->online != 1)
		return true;
	_cleanup_free_ char *zones = NULL;
	snprintf(path, sizeof(path), MEMORY_DIR "/memory%lu/valid_zones", b->id);
	if (read_trimmed(topo, path, &zones) < 0)
		return true;
	/* an online block has one zone; older kernels (before 5.x) appended the zones it could
	 * move to: the first is where it is */
	size_t l = strcspn(zones, " ");
	if (l == 0 || l >= sizeof(b->zone)) {
		finding_garbled(topo, path, zones, "a zone name");
		return true;
	}
	memcpy(b->zone, zones, l);
	b->zone[l] = '\0';
	return true;
}

int sysfs_read_memory(struct topo *topo)
{
	const char *path = MEMORY_DIR "/block_size_bytes";
	uint64_t v;

	/* printed in hex without 0x, e.g. 8000000 for 128 MiB */
	if (read_u64(topo, path, 16, &v) == 0) {
		if (v == 0 || (v & (v - 1))) {
			findings_add(&topo->findings, "sysfs-garbled", TOPO_SEVERITY_WARNING, path,
				     "/%s is %#llx, not a power of two", path,
				     (unsigned long long)v);
		} else {
			topo->block_size.known = true;
			topo->block_size.v = v;
		}
	}

	/* offline, online, online_kernel, online_movable (4.7+); as printed */
	if (read_trimmed(topo, MEMORY_DIR "/auto_online_blocks", &topo->auto_online_blocks) < 0)
		topo->auto_online_blocks = NULL;
	/* Y, N, or (6.6+) force; absent without CONFIG_MHP_MEMMAP_ON_MEMORY or memory_hotplug */
	if (read_trimmed(topo, "sys/module/memory_hotplug/parameters/memmap_on_memory",
			 &topo->memmap_on_memory) < 0)
		topo->memmap_on_memory = NULL;

	bool any = false;
	for (size_t i = 0; i < topo->n_nodes && !any; i++)
		any = topo->nodes[i].n_blocks > 0;
	if (!any)
		return 0;
	io_hold_dir(topo->ctx, MEMORY_DIR);
	bool checked = false;
	for (size_t i = 0; i < topo->n_nodes; i++)
		for (size_t k = 0; k < topo->nodes[i].n_blocks; k++) {
			if (read_block(topo, &topo->nodes[i].blocks[k]) || checked)
				continue;
			/* the first block that does not answer: a tree gathered without the block
			 * directories (hwloc's keep only the node's links) has none at all, and
			 * probing each of its blocks would cost more than the rest of the job */
			checked = true;
			unsigned long blocks = 0;
			io_scan_dir(topo->ctx, MEMORY_DIR, false, count_block, &blocks);
			if (!blocks)
				goto done;
		}
done:
	io_pop_dir(topo->ctx);
	return 0;
}
