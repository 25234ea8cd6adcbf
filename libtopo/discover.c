/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sources -> one snapshot. Each reader fills its part; the order matters only where one
 * reader needs another's result (nodes before tiers, knobs and devices).
 */
#include <errno.h>
#include <pthread.h>
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
		free(n->cpus_offline);
		free(n->gpu);
	}
	free(topo->cpu_present);
	free(topo->cpu_online);
	free(topo->cpu_offline);
	free(topo->cpu_dirs);
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

/*
 * The firmware task works on a view of the snapshot: a context of its own (the same sysroot
 * fd) and findings of its own; what it fills (tables, fw) is copied back, and its findings
 * appended, when it is joined: the same result, in the same order, as reading in line.
 * Everything else it reads (nodes[] as the node reader left it) nobody writes meanwhile.
 */
struct fw_task {
	struct topo view;
	struct topo_ctx ctx;
	pthread_t thread;
	bool started;
	int r;
};

void topo_view_init(struct topo *view, struct topo_ctx *ctx, const struct topo *topo)
{
	*ctx = *topo->ctx;
	ctx->lockfd = -1; /* the caller's: never released through a view */
	ctx->n_dirs = 0;
	memset(ctx->dirs, 0, sizeof(ctx->dirs));
	*view = *topo;
	view->ctx = ctx;
	memset(&view->findings, 0, sizeof(view->findings));
}

static void *fw_task_main(void *data)
{
	struct fw_task *t = data;
	t->r = firmware_read_tables(&t->view);
	if (t->r >= 0)
		t->r = firmware_merge(&t->view); /* frees each table's bytes once parsed */
	return NULL;
}

static void fw_task_start(struct fw_task *t, struct topo *topo)
{
	topo_view_init(&t->view, &t->ctx, topo);
	t->started = sysfs_node_threads(topo) > 1 &&
		     pthread_create(&t->thread, NULL, fw_task_main, t) == 0;
	if (!t->started)
		t->view.ctx = topo->ctx; /* in line, later: the context itself (gather records) */
}

static int fw_task_finish(struct fw_task *t, struct topo *topo, bool run)
{
	if (t->started)
		pthread_join(t->thread, NULL);
	else if (run)
		fw_task_main(t); /* in line: small machine, or no thread */
	topo->tables = t->view.tables;
	topo->n_tables = t->view.n_tables;
	topo->fw = t->view.fw;
	int r = findings_move(&topo->findings, &t->view.findings);
	return t->r < 0 ? t->r : r;
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
	struct fw_task fw = {.r = 0};

	int r = sysfs_read_cpus(topo);
	if (r >= 0)
		r = sysfs_read_node_masks(topo);
	if (r >= 0)
		r = sysfs_read_nodes(topo);
	if (r >= 0)
		r = sysfs_read_gpu_nodes(topo);
	if (r == -ENOENT) {
		err(ctx, "no NUMA node information below %s/sys/devices/system/node, and no "
			 "proc/meminfo\n",
		    strcmp(ctx->sysroot, "/") ? ctx->sysroot : "");
		goto fail;
	}
	/* the firmware tables (3 MB on a 1024-node machine) are read, parsed and merged by a
	 * thread of their own while the other readers run, when the machine is large enough
	 * for the node reader to use threads */
	bool fw_begun = r >= 0;
	if (fw_begun)
		fw_task_start(&fw, topo);
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
	if (fw_begun) {
		/* a reader failed: a running task is joined (its tables freed with the snapshot),
		 * one not started is not run */
		int fr = fw_task_finish(&fw, topo, r >= 0);
		if (r >= 0)
			r = fr;
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
