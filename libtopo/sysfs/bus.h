/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef TOPO_SYSFS_BUS_H
#define TOPO_SYSFS_BUS_H

#include "topo-private.h"

/*
 * Walk sys/bus/<bus>/devices, calling @fill for every device whose name starts with @prefix,
 * with a new topo_dev whose name, resolved devpath and driver are already set. A device
 * @fill rejects (returns < 0) is dropped.
 */
int bus_for_each_dev(struct topo *topo, enum topo_bus bus, const char *prefix,
		     int (*fill)(struct topo *topo, struct topo_dev *dev, const char *dir));
/* Read dir/file as an int node id into *node; sets *has. -1 is a valid "no node". */
void bus_read_node(struct topo *topo, const char *dir, const char *file, bool *has, int *node);

#endif
