/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sources -> one snapshot. Each reader fills its part; the order matters only where one
 * reader needs another's result (nodes before tiers, knobs and devices).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "firmware.h"

struct topo_node *topo_node_by_id(struct topo *topo, int id)
{
	if (id < 0 || id > topo->max_node_id || topo->node_index[id] < 0)
		return NULL;
	return &topo->nodes[topo->node_index[id]];
}

static void topo_free(struct topo *topo)
{
	for (size_t i = 0; i < topo->n_nodes; i++) {
		struct topo_node *n = &topo->nodes[i];
		free(n->cpus);
		free(n->distance);
		for (int c = 0; c < 2; c++) {
			free(n->access[c].initiators);
			free(n->access[c].targets);
		}
		free(n->caches);
		free(n->kernel_preferred);
		free(n->kernel_fallback);
	}
	free(topo->nodes);
	free(topo->node_index);
	for (size_t i = 0; i < topo->n_tiers; i++)
		free(topo->tiers[i].nodes);
	free(topo->tiers);
	for (size_t i = 0; i < topo->n_devs; i++) {
		struct topo_dev *d = &topo->devs[i];
		free(d->name);
		free(d->devpath);
		free(d->driver);
		free(d->parent);
		free(d->mode);
	}
	free(topo->devs);
	for (size_t i = 0; i < topo->n_tables; i++) {
		free(topo->tables[i].origin);
		free(topo->tables[i].data);
	}
	free(topo->tables);
	firmware_free(topo->fw);
	findings_clear(&topo->findings);
	free(topo->release);
	free(topo->wi_auto_file);
	topo_ctx_unref(topo->ctx);
	free(topo);
}

int topo_discover(struct topo_ctx *ctx, struct topo **ret)
{
	if (!ctx || !ret)
		return -EINVAL;

	struct topo *topo = calloc(1, sizeof(*topo));
	if (!topo)
		return -ENOMEM;
	topo->refcount = 1;
	topo->ctx = topo_ctx_ref(ctx);
	topo->max_node_id = -1;

	int r = sysfs_read_node_masks(topo);
	if (r >= 0)
		r = sysfs_read_nodes(topo);
	if (r == -ENOENT) {
		err(ctx, "no NUMA node information below %s/sys/devices/system/node\n",
		    strcmp(ctx->sysroot, "/") ? ctx->sysroot : "");
		goto fail;
	}
	if (r >= 0)
		r = sysfs_read_memory(topo);
	if (r >= 0)
		r = sysfs_read_kernel_tiers(topo);
	if (r >= 0)
		r = sysfs_read_knobs(topo);
	if (r >= 0)
		r = sysfs_read_dax(topo);
	if (r >= 0)
		r = sysfs_read_nd(topo);
	if (r >= 0)
		r = sysfs_read_cxl(topo);
	if (r >= 0)
		r = sysfs_read_kmsg(topo);
	if (r >= 0)
		r = firmware_read_tables(topo);
	if (r >= 0)
		r = firmware_merge(topo);
	/* parsed: the raw bytes (3 MB on a 1024-node machine) are not needed any more */
	for (size_t i = 0; r >= 0 && i < topo->n_tables; i++) {
		free(topo->tables[i].data);
		topo->tables[i].data = NULL;
	}
	if (r < 0)
		goto fail;

	for (size_t i = 0; i < topo->findings.n; i++)
		info(ctx, "%s: %s\n", topo->findings.v[i].id, topo->findings.v[i].message);
	*ret = topo;
	return 0;
fail:
	topo_free(topo);
	return r;
}

struct topo *topo_ref(struct topo *topo)
{
	if (topo)
		topo->refcount++;
	return topo;
}

struct topo *topo_unref(struct topo *topo)
{
	if (topo && --topo->refcount == 0)
		topo_free(topo);
	return NULL;
}
