/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sys/bus/cxl/devices/regionN: CXL regions, with their mode (ram or pmem), size, host
 * physical start (resource) and, 6.9+, their own performance figures (access0/ and
 * access1/: read_latency, write_latency in ns, read_bandwidth, write_bandwidth in MB/s,
 * computed from the device's CDAT, the Generic Port's HMAT entry, switches and the link).
 * 6.18+ show those figures only here: the CFMWS window's node has no access0/1.
 * A region has no node file: its node is the one of the dax device below it, or the one
 * whose memory blocks lie in its range (model/tiers.c).
 */
#include <stdlib.h>
#include <string.h>

#include "sysfs/sysfs.h"

static void read_region_figures(struct topo *topo, struct topo_dev *d, const char *dir)
{
	char path[4096];
	for (unsigned int c = 0; c < 2; c++) {
		for (size_t k = 0; k < ELEMENTSOF(sysfs_access_attrs); k++) {
			snprintf(path, sizeof(path), "%s/access%u/%s", dir, c, sysfs_access_attrs[k]);
			if (read_perf_figure(topo, path, &d->figures[c][k]) == 0)
				d->figures_present[c] = true;
		}
	}
}

static int fill_region(struct topo *topo, struct topo_dev *d, const char *dir)
{
	char path[4096];

	if (strspn(d->name + strlen("region"), "0123456789") != strlen(d->name + strlen("region")))
		return -1;
	snprintf(path, sizeof(path), "%s/size", dir);
	d->size.known = read_u64(topo, path, 0, &d->size.v) == 0;
	/* "%#llx"; all ones while the region has no range yet */
	snprintf(path, sizeof(path), "%s/resource", dir);
	d->resource.known = read_u64(topo, path, 16, &d->resource.v) == 0 &&
			    d->resource.v != UINT64_MAX;
	snprintf(path, sizeof(path), "%s/mode", dir);
	if (read_trimmed(topo, path, &d->mode) == 0 && strcmp(d->mode, "ram") &&
	    strcmp(d->mode, "pmem")) {
		findings_add(&topo->findings, "sysfs-garbled", TOPO_SEVERITY_WARNING, path,
			     "/%s is \"%s\", expected ram or pmem", path, d->mode);
		free(d->mode);
		d->mode = NULL;
	}
	read_region_figures(topo, d, dir);
	return 0;
}

int sysfs_read_cxl(struct topo *topo)
{
	return bus_for_each_dev(topo, TOPO_BUS_CXL, "region", fill_region);
}
