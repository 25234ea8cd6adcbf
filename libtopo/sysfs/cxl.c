/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sys/bus/cxl/devices/regionN: CXL regions, with their mode (ram or pmem) and size. A
 * region has no node file: its node is the one of the dax device below it.
 */
#include <stdlib.h>
#include <string.h>

#include "sysfs/sysfs.h"

static int fill_region(struct topo *topo, struct topo_dev *d, const char *dir)
{
	char path[4096];

	if (strspn(d->name + strlen("region"), "0123456789") != strlen(d->name + strlen("region")))
		return -1;
	snprintf(path, sizeof(path), "%s/size", dir);
	d->size.known = read_u64(topo, path, 0, &d->size.v) == 0;
	snprintf(path, sizeof(path), "%s/mode", dir);
	if (read_trimmed(topo, path, &d->mode) == 0 && strcmp(d->mode, "ram") &&
	    strcmp(d->mode, "pmem")) {
		findings_add(&topo->findings, "sysfs-garbled", TOPO_SEVERITY_WARNING, path,
			     "/%s is \"%s\", expected ram or pmem", path, d->mode);
		free(d->mode);
		d->mode = NULL;
	}
	return 0;
}

int sysfs_read_cxl(struct topo *topo)
{
	return bus_for_each_dev(topo, TOPO_BUS_CXL, "region", fill_region);
}
