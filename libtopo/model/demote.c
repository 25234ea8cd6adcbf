/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Demotion targets, as the kernel chooses them, and the invariants every plan keeps.
 *
 * Memory tiers (6.1+, establish_demotion_targets): a node's preferred targets are the
 * nodes of the next slower tier that tie at the smallest distance find_next_best_node()
 * finds; its fallback is every node of every slower tier. Targets are always in a strictly
 * slower tier and the slowest tier has none, so demotion can never cycle.
 *
 * Before 6.1 (5.15-6.0, __set_migration_target_nodes): passes starting from the nodes with
 * cpus; each pass's sources are marked used, so a source can never become a later target,
 * which is what kept that scheme acyclic.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

unsigned int node_distance(const struct topo *topo, int from, int to)
{
	unsigned int d;
	if (topo_get_distance(topo, from, to, &d) == 0)
		return d;
	return from == to ? LOCAL_DISTANCE : REMOTE_DISTANCE;
}

/*
 * node_distance() as build_zonelists() sees it for any possible node: the node's distance
 * file when it is online, else the firmware's SLIT (sysfs has no row for an offline node),
 * else LOCAL_DISTANCE / REMOTE_DISTANCE (a CXL window's node has no SLIT row).
 */
unsigned int zonelist_distance(const struct topo *topo, int from, int to)
{
	unsigned int d;
	if (topo_get_distance(topo, from, to, &d) == 0)
		return d;
	const struct fw_node *a = fw_node_by_id(topo->fw, from);
	if (a && a->slit_row && to >= 0 && (size_t)to < topo->fw->n_nodes && a->slit_row[to])
		return a->slit_row[to];
	return from == to ? LOCAL_DISTANCE : REMOTE_DISTANCE;
}

/*
 * Memory onlined since boot: a dax device bound to kmem. Its first block onlined into an
 * unpopulated zone rebuilt every zonelist (online_pages -> build_all_zonelists), with CPU
 * penalties for the nodes with cpus, which the boot build on x86 does not have.
 */
bool memory_hotplugged(const struct topo *topo, const char **dev)
{
	for (size_t i = 0; i < topo->n_devs; i++) {
		const struct topo_dev *d = &topo->devs[i];
		if (d->bus == TOPO_BUS_DAX && d->driver && !strcmp(d->driver, "kmem")) {
			if (dev)
				*dev = d->name;
			return true;
		}
	}
	return false;
}

/*
 * mm/page_alloc.c __build_all_zonelists() simulated: node_load[] zeroed, then each node's
 * build_zonelists() in ascending id order over the possible nodes (5.18+, for_each_node;
 * online nodes before), each reading the load the earlier ones left:
 *   find_next_best_node(): the local node first (6.7+: only if it has memory), then the
 *     N_MEMORY node of least (distance + (n < local) + cpu penalty) * MAX_NUMNODES +
 *     node_load[n], the lowest id winning an exact tie;
 *   5.17+: node_load[n] += 1 for each node listed at a new distance; before: = load, the
 *     count of nodes still to list (nr_online_nodes - k).
 * @cpu_penalty: whether nodes with cpus are penalised (cpumask_of_node non-empty): not at
 * the x86 boot build (numa_add_cpu runs after it), yes at hotplug rebuilds. N_MEMORY is
 * the snapshot's nodes with memory. @orders (may be NULL) gets a malloc'd zonelist per
 * entry of topo->nodes (NULL for a node not built), @n_orders their lengths.
 * Returns node_load[] by node id (TOPO_MAX_NODES entries, malloc'd), NULL without memory or
 * on a machine too large to simulate in reasonable time.
 */
int *node_load_simulate(const struct topo *topo, int kmajor, int kminor, bool cpu_penalty,
			int **orders, size_t *n_orders)
{
#define AT_LEAST(maj, min) (kmajor > (maj) || (kmajor == (maj) && kminor >= (min)))
	int *load = calloc(TOPO_MAX_NODES, sizeof(int));
	int *order = malloc(TOPO_MAX_NODES * sizeof(int));
	if (!load || !order) {
		free(load);
		free(order);
		return NULL;
	}
	struct nodemask memory = {{0}}, penalty = {{0}}, build = {{0}};
	size_t n_online = 0;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		const struct topo_node *n = &topo->nodes[i];
		if (n->online && n->has_memory)
			nodemask_set(&memory, (unsigned int)n->id);
		if (cpu_penalty && n->online && n->has_cpu)
			nodemask_set(&penalty, (unsigned int)n->id);
		n_online += n->online;
		if (n->online || (AT_LEAST(5, 18) && (topo->has_possible_file
							     ? nodemask_test(&topo->possible,
									     (unsigned int)n->id)
							     : true)))
			nodemask_set(&build, (unsigned int)n->id);
	}
	/* builds x picks x candidates: a 1024-node machine would take 1e9 steps; past 5e7 the
	 * simulation is not worth its time (ties are then broken by id, node_load taken as 0) */
	if ((uint64_t)nodemask_weight(&build) * nodemask_weight(&memory) * topo->n_nodes >
	    50000000u) {
		free(load);
		free(order);
		return NULL;
	}
	if (orders)
		memset(orders, 0, topo->n_nodes * sizeof(*orders));
	for (size_t i = 0; i < topo->n_nodes; i++) {
		int local = topo->nodes[i].id;
		if (!nodemask_test(&build, (unsigned int)local))
			continue;
		struct nodemask used = {{0}};
		size_t k = 0;
		int prev = local;
		int nload = (int)n_online;
		for (;;) {
			int best = -1;
			if (!nodemask_test(&used, (unsigned int)local) &&
			    (!AT_LEAST(6, 7) || nodemask_test(&memory, (unsigned int)local))) {
				best = local;
			} else {
				long min_val = LONG_MAX;
				for (size_t j = 0; j < topo->n_nodes; j++) {
					int n = topo->nodes[j].id;
					if (!nodemask_test(&memory, (unsigned int)n) ||
					    nodemask_test(&used, (unsigned int)n))
						continue;
					long val = zonelist_distance(topo, local, n);
					val += n < local;
					if (nodemask_test(&penalty, (unsigned int)n))
						val += PENALTY_FOR_NODE_WITH_CPUS;
					val = val * TOPO_MAX_NODES + load[n];
					if (val < min_val) {
						min_val = val;
						best = n;
					}
				}
			}
			if (best < 0)
				break;
			nodemask_set(&used, (unsigned int)best);
			if (zonelist_distance(topo, local, best) != zonelist_distance(topo, local, prev)) {
				if (AT_LEAST(5, 17))
					load[best] += 1;
				else
					load[best] = nload;
			}
			order[k++] = best;
			prev = best;
			nload--;
		}
		if (orders) {
			orders[i] = malloc((k + 1) * sizeof(int));
			if (orders[i])
				memcpy(orders[i], order, k * sizeof(int));
			n_orders[i] = orders[i] ? k : 0;
		}
	}
	free(order);
	return load;
#undef AT_LEAST
}

/*
 * node_load[] as the kernel's last full zonelist rebuild left it (mm/page_alloc.c
 * build_zonelists): for each node's logged fallback order, +1 to every node whose distance
 * from the local node differs from the previous one's (the first of each distance group).
 * Returns a malloc'd array by node id (TOPO_MAX_NODES), or NULL when the log gave no
 * complete block (then the kernel's node_load is unknown and taken as 0).
 */
int *node_load_from_log(const struct topo *topo)
{
	bool any = false;
	for (size_t i = 0; i < topo->n_nodes; i++)
		any |= topo->nodes[i].fallback_order_known;
	if (!any)
		return NULL;
	int *load = calloc(TOPO_MAX_NODES, sizeof(int));
	if (!load)
		return NULL;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		const struct topo_node *n = &topo->nodes[i];
		int prev = n->id;
		for (size_t k = 0; k < n->n_fallback_order; k++) {
			int to = n->fallback_order[k];
			if (to < 0 || to >= TOPO_MAX_NODES)
				continue;
			if (zonelist_distance(topo, n->id, to) !=
			    zonelist_distance(topo, n->id, prev))
				load[to]++;
			prev = to;
		}
	}
	return load;
}

/*
 * mm/page_alloc.c find_next_best_node(): the unused memory node nearest to @node, with a
 * +1 penalty for nodes below it ("prefer the next node") and one for nodes with cpus, and
 * @node_load[] (by node id; NULL: 0) that orders nodes of equal value: the kernel's is left
 * over from building zonelists and is known only from its log (node_load_from_log); without
 * it the lowest id wins a tie.
 */
int find_next_best_node(const struct topo *topo, const struct nodemask *memory, int node,
			struct nodemask *used, const int *node_load)
{
	if (!nodemask_test(used, (unsigned int)node)) {
		nodemask_set(used, (unsigned int)node);
		return node;
	}
	long min_val = LONG_MAX;
	int best = -1;
	/* node_distance() inlined: @node's row once, indexed like nodes[] (768 calls of 1024
	 * candidates on a 1024-node machine) */
	const struct topo_node *from = topo_get_node(topo, node);
	const uint8_t *row = from ? from->distance : NULL;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		int n = topo->nodes[i].id;
		if (!nodemask_test(memory, (unsigned int)n) || nodemask_test(used, (unsigned int)n))
			continue;
		long val = row && row[i] ? row[i] : n == node ? LOCAL_DISTANCE : REMOTE_DISTANCE;
		val += n < node;
		if (topo->nodes[i].has_cpu)
			val += PENALTY_FOR_NODE_WITH_CPUS;
		val *= TOPO_MAX_NODES;
		if (node_load)
			val += node_load[n];
		if (val < min_val) {
			min_val = val;
			best = n;
		}
	}
	if (best >= 0)
		nodemask_set(used, (unsigned int)best);
	return best;
}

static int push(int **v, size_t *n, int x)
{
	int *nv = realloc(*v, (*n + 1) * sizeof(int));
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = x;
	*v = nv;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* N_MEMORY as the plan sees it: online nodes with memory that are not excluded */
static void plan_memory_mask(const struct topo_plan *plan, struct nodemask *m)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < plan->n_nodes; i++)
		if (plan->nodes[i].member && !plan->nodes[i].excluded)
			nodemask_set(m, (unsigned int)plan->nodes[i].id);
}

int establish_demotion_targets(struct topo_plan *plan)
{
	struct nodemask memory;
	plan_memory_mask(plan, &memory);

	for (size_t i = 0; i < plan->n_nodes; i++) {
		struct plan_node *pn = &plan->nodes[i];
		if (!pn->member || pn->excluded || pn->tier < 0)
			continue;
		size_t t = 0;
		while (t < plan->n_tiers && plan->tiers[t].id != pn->tier)
			t++;
		if (t + 1 >= plan->n_tiers)
			continue; /* the slowest tier: terminal */

		/* everything but the next tier is "used", the node itself included */
		const struct plan_tier *next = &plan->tiers[t + 1];
		struct nodemask used = memory;
		for (size_t k = 0; k < next->n_nodes; k++)
			used.bits[next->nodes[k] / 64] &= ~(UINT64_C(1) << (next->nodes[k] % 64));
		nodemask_set(&used, (unsigned int)pn->id);

		long best = -1;
		for (;;) {
			int target = find_next_best_node(plan->topo, &memory, pn->id, &used,
							 plan->node_load);
			if (target < 0)
				break;
			long d = node_distance(plan->topo, pn->id, target);
			if (best != -1 && d != best)
				break;
			best = d;
			if (push(&pn->preferred, &pn->n_preferred, target) < 0)
				return -ENOMEM;
		}
		if (pn->n_preferred > 1)
			qsort(pn->preferred, pn->n_preferred, sizeof(int), cmp_int);

		/* fallback: every node of every slower tier (the tier's lower_tier_mask), one
		 * list per tier that its nodes share (768 nodes x 768 on a 1024-node machine) */
		if (plan_tier_lower(plan, t) < 0)
			return -ENOMEM;
		if (!pn->fallback_shared)
			free(pn->fallback);
		pn->fallback = plan->tiers[t].lower;
		pn->n_fallback = plan->tiers[t].n_lower;
		pn->fallback_shared = true;
	}
	return 0;
}

int migrate_pass_targets(struct topo_plan *plan)
{
	const struct topo *topo = plan->topo;
	bool multi = KERNEL_AT_LEAST(plan, 5, 17);
	struct nodemask memory, this_pass, next_pass = {{0}}, used = {{0}};
	plan_memory_mask(plan, &memory);

	/* allocations start near the cpus: the first pass is N_CPU */
	for (size_t i = 0; i < plan->n_nodes; i++)
		if (topo->nodes[i].has_cpu && topo->nodes[i].online)
			nodemask_set(&next_pass, (unsigned int)plan->nodes[i].id);

	for (int pass = 0; nodemask_weight(&next_pass); pass++) {
		this_pass = next_pass;
		memset(&next_pass, 0, sizeof(next_pass));
		for (size_t w = 0; w < TOPO_MAX_NODES / 64; w++)
			used.bits[w] |= this_pass.bits[w];

		for (size_t i = 0; i < plan->n_nodes; i++) {
			struct plan_node *pn = &plan->nodes[i];
			if (!nodemask_test(&this_pass, (unsigned int)pn->id))
				continue;
			if (pn->tier < 0)
				pn->tier = pass;
			long best = -1;
			for (;;) {
				int target = find_next_best_node(topo, &memory, pn->id, &used,
								 plan->node_load);
				if (target < 0)
					break;
				if (multi && best != -1 &&
				    (long)node_distance(topo, pn->id, target) > best) {
					/* 5.17 fix: a rejected candidate stays free for others */
					used.bits[target / 64] &= ~(UINT64_C(1) << (target % 64));
					break;
				}
				if (multi && pn->n_preferred >= DEMOTION_TARGET_NODES) {
					used.bits[target / 64] &= ~(UINT64_C(1) << (target % 64));
					break;
				}
				if (push(&pn->preferred, &pn->n_preferred, target) < 0)
					return -ENOMEM;
				if (best == -1)
					best = node_distance(topo, pn->id, target);
				nodemask_set(&next_pass, (unsigned int)target);
				struct plan_node *tn = plan_node(plan, target);
				if (tn && tn->tier < 0)
					tn->tier = pass + 1;
				if (!multi)
					break; /* 5.15: one target per node */
			}
			if (pn->n_preferred > 1)
				qsort(pn->preferred, pn->n_preferred, sizeof(int), cmp_int);
		}
	}
	return 0;
}

