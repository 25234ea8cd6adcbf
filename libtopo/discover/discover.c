/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sources -> one snapshot. Each reader fills its part; the order matters only where one
 * reader needs another's result (nodes before tiers, knobs and devices).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "discover/discover.h"

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

static void *fw_task_main(void *data)
{
	struct fw_task *t = data;
	t->r = sysfs_read_acpi_tables(&t->view);
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

/*
 * The kernel prints 0 both for a figure the firmware did not give and for a 0 it gave: a 0
 * is a figure when the HMAT has figures of that kind (its derived access class says so), or,
 * without readable tables, when another node's same file holds a figure of that kind.
 */
static void mark_zero_figures(struct topo *topo)
{
	uint8_t seen[2] = {0, 0};
	for (size_t i = 0; i < topo->n_nodes; i++)
		for (int c = 0; c < 2; c++)
			for (int k = 0; k < 4; k++)
				if (topo->nodes[i].access[c].attr[k].known &&
				    topo->nodes[i].access[c].attr[k].v)
					seen[c] |= (uint8_t)(1u << k);
	bool hmat = topo->fw && topo->fw->have_hmat;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		struct topo_node *n = &topo->nodes[i];
		const struct fw_node *f = hmat ? fw_node_by_id(topo->fw, n->id) : NULL;
		for (int c = 0; c < 2; c++) {
			struct topo_perf_class *a = &n->access[c];
			uint8_t given = hmat ? (f && f->access[c].valid ? f->access[c].given : 0)
					     : seen[c];
			for (int k = 0; k < 4; k++)
				if (a->attr[k].known && !a->attr[k].v && (given >> k & 1))
					a->zero_figures |= (uint8_t)(1u << k);
		}
	}
}

int topo_discover(struct topo_ctx *ctx, struct topo **ret)
{
	if (!ctx || !ret)
		return -EINVAL;

	_cleanup_(topo_unrefp) struct topo *topo = topo_new(ctx);
	if (!topo)
		return -ENOMEM;
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
		return r;
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
		return r;
	mark_zero_figures(topo);

	/* the findings are the caller's to show (topo_get_finding): a debug echo only, so
	 * that a caller logging at info priority does not see each of them twice */
	for (size_t i = 0; i < topo->findings.n; i++)
		dbg(ctx, "%s: %s\n", topo->findings.v[i].id, topo->findings.v[i].message);
	*ret = TAKE_PTR(topo);
	return 0;
}
