/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-node tier and demotion files that were proposed upstream and never merged
 * (reference/kernel.md §4.3). No mainline kernel has them; a patched kernel may. Each is
 * probed and, where present, given the plan:
 *   nodeN/memtier            (memtier RFC v4-v6)    the node's tier id
 *   nodeN/memtier_override   (Thanneeru RFC v2)     the node's tier id (reads memory_tierN)
 *   nodeN/adistance_offset   (Thanneeru RFC v1)     plan adistance - the kernel's own
 *   node/demotion_targets    (Gediya N_DEMOTION_TARGETS v3)  every node that is a target
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/sinks.h"

#define NODE_DIR "sys/devices/system/node"

static int per_node(struct apply *a, const struct topo_plan *kernel_model)
{
	const struct topo_plan *p = a->plan;
	int r = 0;
	for (size_t i = 0; i < p->n_nodes && r >= 0; i++) {
		const struct plan_node *pn = &p->nodes[i];
		if (!pn->member || pn->tier < 0)
			continue;
		char path[128], want[32];
		static const char *const tier_files[] = {"memtier", "memtier_override"};
		for (size_t f = 0; f < ELEMENTSOF(tier_files) && r >= 0; f++) {
			snprintf(path, sizeof(path), NODE_DIR "/node%d/%s", pn->id, tier_files[f]);
			_cleanup_free_ char *cur = apply_read_value(a, path);
			snprintf(want, sizeof(want), "%lld", (long long)pn->tier);
			if (cur && !value_equal(VALUE_TIER, cur, want))
				r = apply_add_change(a, "tier_files", path, cur, want, VALUE_TIER);
		}
		unsigned int base;
		snprintf(path, sizeof(path), NODE_DIR "/node%d/adistance_offset", pn->id);
		if (r < 0 || !io_exists(a->ctx, path) || !kernel_model ||
		    topo_plan_get_adistance(kernel_model, pn->id, &base) < 0 || !pn->has_adist)
			continue;
		/* the RFC: node adistance = its memory type's + offset; offsets are relative to the
		 * kernel's own choice, which is the kernel model of the running release */
		snprintf(want, sizeof(want), "%lld", (long long)pn->adist - (long long)base);
		_cleanup_free_ char *cur = apply_read_value(a, path);
		if (cur && !value_equal(VALUE_INT, cur, want))
			r = apply_add_change(a, "tier_files", path, cur, want, VALUE_INT);
	}
	return r;
}

static int demotion_targets(struct apply *a)
{
	const char *path = NODE_DIR "/demotion_targets";
	_cleanup_free_ char *cur = apply_read_value(a, path);
	if (!cur)
		return 0;
	struct nodemask m = {{0}};
	for (size_t i = 0; i < a->plan->n_nodes; i++) {
		const struct plan_node *pn = &a->plan->nodes[i];
		for (size_t k = 0; k < pn->n_preferred; k++)
			nodemask_set(&m, (unsigned int)pn->preferred[k]);
		for (size_t k = 0; k < pn->n_fallback; k++)
			nodemask_set(&m, (unsigned int)pn->fallback[k]);
	}
	int ids[TOPO_MAX_NODES];
	size_t n = 0;
	for (int id = 0; id <= nodemask_last(&m); id++)
		if (nodemask_test(&m, (unsigned int)id))
			ids[n++] = id;
	if (!n)
		return 0; /* writing an empty list would forbid demotion altogether */
	_cleanup_free_ char *want = nodelist_format(ids, n);
	if (!want)
		return -ENOMEM;
	if (value_equal(VALUE_NODELIST, cur, want))
		return 0;
	return apply_add_change(a, "tier_files", path, cur, want, VALUE_NODELIST);
}

int sinks_tier_files(struct apply *a)
{
	if (!topo_config_sink_enabled(a->config, "tier_files"))
		return 0;
	int r = per_node(a, a->kernel_model);
	return r < 0 ? r : demotion_targets(a);
}
