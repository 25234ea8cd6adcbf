/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sys/bus/dax/devices/daxX.Y: target node, numa node, size, driver (kmem = onlined as
 * system-ram, device_dax = devdax) and the parent that says where the memory comes from:
 * an nd region (persistent memory), an hmem platform device (EFI soft-reserved), or a CXL
 * region.
 */
#include <stdlib.h>
#include <string.h>

#include "sysfs/sysfs.h"

/* Find the component of @devpath that starts with @prefix; copy it to a new string. */
static char *component(const char *devpath, const char *prefix)
{
	const char *p = devpath;
	while (p && *p) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (!strncmp(p, prefix, strlen(prefix)))
			return strndup(p, l);
		p = e ? e + 1 : NULL;
	}
	return NULL;
}

static int fill_dax(struct topo *topo, struct topo_dev *d, const char *dir)
{
	bus_read_node(topo, dir, "target_node", &d->has_target_node, &d->target_node);
	bus_read_node(topo, dir, "numa_node", &d->has_numa_node, &d->numa_node);
	char path[4096];
	snprintf(path, sizeof(path), "%s/size", dir);
	d->size.known = read_u64(topo, path, 10, &d->size.v) == 0;

	if (strstr(d->devpath, "/ndbus") && (d->parent = component(d->devpath, "region")))
		d->parent_kind = "nd_region";
	else if ((d->parent = component(d->devpath, "hmem.")))
		d->parent_kind = "hmem";
	else if (strstr(d->devpath, "/dax_region") && (d->parent = component(d->devpath, "region")))
		d->parent_kind = "cxl_region";

	/* resource: the range's first byte, "0x..." (4.x+); with kmem, its memory blocks are
	 * the target node's blocks inside [resource, resource + size), as daxctl counts them
	 * (daxctl_memory_num_sections, daxctl_memory_is_online, daxctl_memory_is_movable) */
	snprintf(path, sizeof(path), "%s/resource", dir);
	d->resource.known = read_u64(topo, path, 16, &d->resource.v) == 0;
	d->movable = -1;
	const struct topo_node *n = d->has_target_node && d->target_node >= 0
					? topo_node_by_id(topo, d->target_node)
					: NULL;
	if (d->driver && !strcmp(d->driver, "kmem") && n && d->resource.known && d->size.known &&
	    topo->block_size.known) {
		bool all_movable = true, states = true, zones = true;
		uint64_t bs = topo->block_size.v;
		for (size_t k = 0; k < n->n_blocks; k++) {
			const struct topo_mem_block *b = &n->blocks[k];
			uint64_t start = (uint64_t)b->id * bs;
			if (start < d->resource.v || start - d->resource.v >= d->size.v)
				continue;
			d->blocks_total++;
			if (b->online == 1)
				d->blocks_online++;
			states = states && b->online == 1;
			all_movable = all_movable && !strcmp(b->zone, "Movable");
			zones = zones && b->zone[0];
		}
		d->blocks_known = true;
		/* daxctl: -ENXIO (unknown) when any block is offline */
		if (d->blocks_total && states && zones)
			d->movable = all_movable;
	}

	if (d->has_target_node && d->target_node >= 0 && !topo_node_by_id(topo, d->target_node))
		findings_add(&topo->findings, "dax-target-node-missing", TOPO_SEVERITY_WARNING,
			     dir, "%s targets node %d, which is not a possible node", d->name,
			     d->target_node);
	return 0;
}

int sysfs_read_dax(struct topo *topo)
{
	return bus_for_each_dev(topo, TOPO_BUS_DAX, "dax", fill_dax);
}
