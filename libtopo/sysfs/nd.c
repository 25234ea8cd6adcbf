/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sys/bus/nd/devices/regionN: the NVDIMM regions (NFIT SPA ranges as the kernel sees them):
 * numa_node, target_node, size, and the region type from its uevent DEVTYPE (nd_pmem is
 * persistent memory, nd_volatile is not).
 */
#include <stdlib.h>
#include <string.h>

#include "sysfs/sysfs.h"

static int fill_region(struct topo *topo, struct topo_dev *d, const char *dir)
{
	char path[4096];

	/* region0, not region0's children such as namespace0.0 */
	if (strspn(d->name + strlen("region"), "0123456789") != strlen(d->name + strlen("region")))
		return -1;
	bus_read_node(topo, dir, "target_node", &d->has_target_node, &d->target_node);
	bus_read_node(topo, dir, "numa_node", &d->has_numa_node, &d->numa_node);
	snprintf(path, sizeof(path), "%s/size", dir);
	d->size.known = read_u64(topo, path, 10, &d->size.v) == 0;

	_cleanup_free_ char *uevent = NULL;
	snprintf(path, sizeof(path), "%s/uevent", dir);
	if (read_trimmed(topo, path, &uevent) == 0) {
		const char *t = strstr(uevent, "DEVTYPE=");
		if (t && !strncmp(t + 8, "nd_pmem", 7))
			d->mode = strdup("pmem");
		else if (t && !strncmp(t + 8, "nd_volatile", 11))
			d->mode = strdup("volatile");
	}
	return 0;
}

int sysfs_read_nd(struct topo *topo)
{
	return bus_for_each_dev(topo, TOPO_BUS_ND, "region", fill_region);
}
