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
