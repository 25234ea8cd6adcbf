/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the dax, nd and cxl readers share: walking sys/bus/<bus>/devices and resolving each
 * device's link to its place under sys/devices.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs/sysfs.h"

static const char *const bus_names[] = {
	[TOPO_BUS_DAX] = "dax",
	[TOPO_BUS_ND] = "nd",
	[TOPO_BUS_CXL] = "cxl",
};

void bus_read_node(struct topo *topo, const char *dir, const char *file, bool *has, int *node)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int v;
	if (read_int(topo, path, &v) < 0)
		return;
	if (v < -1 || v >= TOPO_MAX_NODES) {
		findings_add(&topo->findings, "sysfs-garbled", TOPO_SEVERITY_WARNING, path,
			     "/%s is %d, not a node id", path, v);
		return;
	}
	*has = true;
	*node = v;
}

static void dev_free(struct topo_dev *d)
{
	free(d->name);
	free(d->devpath);
	free(d->driver);
	free(d->parent);
	free(d->mode);
}

int bus_for_each_dev(struct topo *topo, enum topo_bus bus, const char *prefix,
		     int (*fill)(struct topo *topo, struct topo_dev *dev, const char *dir))
{
	char dir[64], path[PATH_MAX];
	char **names = NULL;
	size_t nn = 0;

	snprintf(dir, sizeof(dir), "sys/bus/%s/devices", bus_names[bus]);
	/* held open: each device's files are opened from it */
	if (io_list_dir(topo->ctx, dir, true, &names, &nn) < 0) {
		io_pop_dir(topo->ctx);
		return 0; /* bus not present: nothing to report */
	}

	for (size_t i = 0; i < nn; i++) {
		if (strncmp(names[i], prefix, strlen(prefix)))
			continue;
		struct topo_dev d = {.bus = bus};
		if (snprintf(path, sizeof(path), "%s/%s/driver", dir, names[i]) >= (int)sizeof(path))
			continue; /* a name no kernel makes */
		d.name = strdup(names[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		char *target = NULL;
		if (io_readlink(topo->ctx, path, &target) == 0) {
			d.devpath = path_resolve(dir, target);
			free(target);
		} else {
			d.devpath = strdup(path); /* a plain directory in a hand-made tree */
		}
		/* held: the device's files are opened from it, not through its link each time */
		io_hold_dir(topo->ctx, path);
		snprintf(path, sizeof(path), "%s/%s/driver", dir, names[i]);
		if (io_readlink(topo->ctx, path, &target) == 0) {
			d.driver = strdup(path_basename(target));
			free(target);
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		int r = !d.name || !d.devpath ? -ENOMEM : fill(topo, &d, path);
		io_pop_dir(topo->ctx);
		if (r < 0) {
			dev_free(&d);
			continue;
		}
		struct topo_dev *v = realloc(topo->devs, (topo->n_devs + 1) * sizeof(*v));
		if (!v) {
			dev_free(&d);
			break;
		}
		topo->devs = v;
		topo->devs[topo->n_devs++] = d;
	}
	strv_free(names, nn);
	io_pop_dir(topo->ctx);
	return 0;
}
