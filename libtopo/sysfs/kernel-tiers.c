/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's own memory tiers (6.1+): sys/devices/virtual/memory_tiering/memory_tierN/
 * nodelist, N = adistance_start >> 7. A tier directory exists only while it has nodes.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs/sysfs.h"

#define TIER_DIR "sys/devices/virtual/memory_tiering"

/* N of memory_tierN: the kernel's u32 device id ("%s%u"), so up to 4294967295 (a tier of
 * an abstract distance past INT_MAX, stored negative); -1 when not such a name */
static int64_t tier_id(const char *name)
{
	const char *p = name + strlen("memory_tier");
	if (strncmp(name, "memory_tier", strlen("memory_tier")) || !*p)
		return -1;
	int64_t v = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	return v;
}

int sysfs_read_kernel_tiers(struct topo *topo)
{
	char **names = NULL;
	size_t nn = 0;
	char path[PATH_MAX];

	if (io_list_dir(topo->ctx, TIER_DIR, false, &names, &nn) < 0)
		return 0; /* before 6.1, or no memory nodes: unknown */

	for (size_t i = 0; i < nn; i++) {
		int64_t id = tier_id(names[i]);
		if (id < 0)
			continue;
		struct nodemask m;
		snprintf(path, sizeof(path), TIER_DIR "/%s/nodelist", names[i]);
		if (read_nodelist(topo, path, &m) < 0)
			continue;

		struct topo_kernel_tier *t = realloc(topo->tiers, (topo->n_tiers + 1) * sizeof(*t));
		if (!t)
			break;
		topo->tiers = t;
		t = &t[topo->n_tiers++];
		t->id = id;
		t->n_nodes = 0;
		t->nodes = malloc(nodemask_weight(&m) * sizeof(int) + sizeof(int));
		if (!t->nodes) {
			topo->n_tiers--;
			break;
		}
		for (int n = 0; n <= nodemask_last(&m); n++) {
			if (!nodemask_test(&m, (unsigned int)n))
				continue;
			t->nodes[t->n_nodes++] = n;
			struct topo_node *node = topo_node_by_id(topo, n);
			if (!node) {
				findings_add(&topo->findings, "sysfs-unknown-node",
					     TOPO_SEVERITY_WARNING, path,
					     "/%s names node %d, which is not a possible node", path,
					     n);
				continue;
			}
			if (node->kernel_tier >= 0)
				findings_add(&topo->findings, "sysfs-node-in-two-tiers",
					     TOPO_SEVERITY_WARNING, path,
					     "node %d is listed in memory_tier%lld and memory_tier%lld",
					     n, (long long)node->kernel_tier, (long long)id);
			node->kernel_tier = id;
		}
	}
	strv_free(names, nn);
	return 0;
}
