/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Promotion's top tier: the nodes whose pages NUMA balancing's memory-tiering mode
 * (numa_balancing bit 2, 5.18+) never scans for promotion, because they are already as fast
 * as memory gets for the CPUs. node_is_toptier() is
 *   5.18-6.0  node_state(node, N_CPU): the nodes with CPUs (include/linux/node.h);
 *   6.1+      a node whose memory tier starts at or below top_tier_adistance, the last
 *             abstract distance of the slowest tier holding a node with CPUs
 *             (mm/memory-tiers.c, establish_demotion_targets()); a node in no tier (no
 *             memory) is top tier, an offline one (no pgdat) is not.
 * A CPU node that lands in a slow tier thus drags every tier above it into the top tier,
 * and nothing of theirs is promoted. Pure: reads a plan or a snapshot.
 */
#include <errno.h>
#include <stdint.h>

#include "model/model.h"

/* no tier: tier_of()'s answer for a node in none (orders are signed, -1 is a tier's) */
#define NO_TIER INT64_MIN

/* The 6.1+ rule over tiers given by their order (tier_order(): the signed adistance_start
 * >> MEMTIER_CHUNK_BITS; a tier of a distance past INT_MAX is negative): the order up to
 * which every tier is top tier. With no tier holding a CPU node the kernel's
 * top_tier_adistance stays 0, and only a tier starting at 0 or below is top. */
static int64_t top_tier_order(const struct topo *topo, int64_t (*tier_of)(const void *, size_t),
			      const void *data)
{
	int64_t top = NO_TIER;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		int64_t t = tier_of(data, i);
		if (t != NO_TIER && topo->nodes[i].has_cpu && topo->nodes[i].online && t > top)
			top = t;
	}
	return top == NO_TIER ? 0 : top;
}

static int toptier(const struct topo *topo, size_t i, int64_t tier, int64_t top, bool cpu_rule)
{
	const struct topo_node *n = &topo->nodes[i];
	if (cpu_rule)
		return n->has_cpu && n->online;
	if (!n->online)
		return 0;
	return tier == NO_TIER || tier <= top; /* signed: adistance_start <= top_tier_adistance */
}

static int64_t plan_tier_of(const void *data, size_t i)
{
	const struct topo_plan *plan = data;
	const struct plan_node *pn = &plan->nodes[i];
	return pn->member && pn->tier >= 0 ? tier_order(pn->tier) : NO_TIER;
}

static int64_t kernel_tier_of(const void *data, size_t i)
{
	const struct topo *topo = data;
	const struct topo_node *n = &topo->nodes[i];
	return n->online && n->has_memory && n->kernel_tier >= 0 ? tier_order(n->kernel_tier)
								 : NO_TIER;
}

/* -EOPNOTSUPP before 5.18 (no memory-tiering mode) and without NUMA; 1 for the N_CPU rule
 * (5.18-6.0), 0 for the tier rule */
static int release_rule(const struct topo *topo, int major, int minor)
{
	if (topo->no_numa || major < 5 || (major == 5 && minor < 18))
		return -EOPNOTSUPP;
	return major == 5 || (major == 6 && minor < 1);
}

int topo_plan_is_toptier(const struct topo_plan *plan, int node)
{
	if (!plan || !plan_node((struct topo_plan *)plan, node))
		return -EINVAL;
	size_t i = (size_t)plan->topo->node_index[node];
	int cpu_rule = 0;
	if (plan->model == TOPO_PLAN_KERNEL &&
	    (cpu_rule = release_rule(plan->topo, plan->kmajor, plan->kminor)) < 0)
		return cpu_rule;
	/* the recommended plan: what 6.1+ would do with its tiers */
	return toptier(plan->topo, i, plan_tier_of(plan, i),
		       top_tier_order(plan->topo, plan_tier_of, plan), cpu_rule);
}

int topo_is_toptier(const struct topo *topo, int node)
{
	int major, minor;
	if (!topo || node < 0 || node > topo->max_node_id || topo->node_index[node] < 0)
		return -EINVAL;
	if (!topo->release || kernel_release_parse(topo->release, &major, &minor) < 0)
		return -ENODATA;
	int cpu_rule = release_rule(topo, major, minor);
	if (cpu_rule < 0)
		return cpu_rule;
	size_t i = (size_t)topo->node_index[node];
	if (!cpu_rule && !topo->n_tiers)
		return -ENODATA; /* no memory_tiering in sysfs: the kernel's tiers are unknown */
	return toptier(topo, i, kernel_tier_of(topo, i), top_tier_order(topo, kernel_tier_of, topo),
		       cpu_rule);
}
