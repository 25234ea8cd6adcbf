/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's tiering knobs (reference/kernel.md §4):
 *   demotion     sys/kernel/mm/numa/demotion_enabled (5.15+): true when the plan demotes;
 *                tiertopo never switches it off (that is the administrator's call);
 *   numa_balancing  proc/sys/kernel/numa_balancing: the memory-tiering bit (2) added, the
 *                other bits kept (mode bits are 5.18+);
 *   promote_rate_limit  proc/sys/kernel/numa_balancing_promote_rate_limit_MBps (6.1+): a
 *                tenth of the slowest tier's write bandwidth, as the kernel's documentation
 *                advises, when HMAT gives it;
 *   weighted_interleave  sys/kernel/mm/mempolicy/weighted_interleave/nodeN (6.9+): weights
 *                from bandwidth as the kernel's own auto mode computes them; off unless
 *                configured, and never while the kernel's auto mode is on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/sinks.h"

#define DEMOTION "sys/kernel/mm/numa/demotion_enabled"
#define BALANCING "proc/sys/kernel/numa_balancing"
#define RATE_LIMIT "proc/sys/kernel/numa_balancing_promote_rate_limit_MBps"
#define WI_DIR "sys/kernel/mm/mempolicy/weighted_interleave"

/* mempolicy.c: NUMA_BALANCING_MEMORY_TIERING */
#define NUMA_BALANCING_MEMORY_TIERING 2
/* mempolicy.c reduce_interleave_weights(): "weightiness" */
#define WEIGHTINESS 32

static bool sink_on(struct apply *a, const char *sink)
{
	return topo_config_sink_enabled(a->config, sink);
}

static int demotion(struct apply *a)
{
	if (!sink_on(a, "demotion") || !topo_plan_has_demotion(a->plan))
		return 0;
	_cleanup_free_ char *cur = apply_read_value(a, DEMOTION);
	if (!cur || value_equal(VALUE_BOOL, cur, "true"))
		return 0; /* before 5.15, or already on */
	return apply_add_change(a, "demotion", DEMOTION, cur, "true", VALUE_BOOL);
}

static int balancing(struct apply *a)
{
	if (!sink_on(a, "numa_balancing") || !topo_plan_has_demotion(a->plan))
		return 0;
	int maj, min;
	if (a->topo->release && kernel_release_parse(a->topo->release, &maj, &min) == 0 &&
	    (maj < 5 || (maj == 5 && min < 18)))
		return 0; /* a 0/1 switch before 5.18: no tiering mode to set */
	_cleanup_free_ char *cur = apply_read_value(a, BALANCING);
	char *end;
	long v = cur ? strtol(cur, &end, 10) : -1;
	if (!cur || *end || v < 0 || (v & NUMA_BALANCING_MEMORY_TIERING))
		return 0;
	char want[32];
	snprintf(want, sizeof(want), "%ld", v | NUMA_BALANCING_MEMORY_TIERING);
	return apply_add_change(a, "numa_balancing", BALANCING, cur, want, VALUE_INT);
}

/* write bandwidth the kernel reports for a node (access1, else access0); 0 if unknown */
static uint64_t write_bandwidth(const struct topo_node *n)
{
	for (int c = 1; c >= 0; c--)
		if (n->access[c].attr[TOPO_PERF_WRITE_BANDWIDTH].known &&
		    n->access[c].attr[TOPO_PERF_WRITE_BANDWIDTH].v)
			return n->access[c].attr[TOPO_PERF_WRITE_BANDWIDTH].v;
	return 0;
}

static int rate_limit(struct apply *a)
{
	const struct topo_plan *p = a->plan;
	if (!sink_on(a, "promote_rate_limit") || !topo_plan_has_demotion(p) || p->n_tiers < 2)
		return 0;
	const struct plan_tier *slow = &p->tiers[p->n_tiers - 1];
	uint64_t bw = 0;
	for (size_t i = 0; i < slow->n_nodes; i++) {
		const struct topo_node *n = topo_node_by_id((struct topo *)a->topo, slow->nodes[i]);
		uint64_t w = n ? write_bandwidth(n) : 0;
		if (w && (!bw || w < bw))
			bw = w;
	}
	if (!bw)
		return 0; /* no HMAT figure: leave the kernel's default */
	_cleanup_free_ char *cur = apply_read_value(a, RATE_LIMIT);
	if (!cur)
		return 0;
	char want[32];
	snprintf(want, sizeof(want), "%llu", (unsigned long long)(bw / 10 ? bw / 10 : 1));
	if (value_equal(VALUE_INT, cur, want))
		return 0;
	return apply_add_change(a, "promote_rate_limit", RATE_LIMIT, cur, want, VALUE_INT);
}

static uint64_t gcd(uint64_t x, uint64_t y)
{
	while (y) {
		uint64_t t = x % y;
		x = y;
		y = t;
	}
	return x;
}

static int weighted_interleave(struct apply *a)
{
	if (!sink_on(a, "weighted_interleave") || !io_exists(a->ctx, WI_DIR))
		return 0;
	static const char *const auto_files[] = {WI_DIR "/auto", WI_DIR "/__auto_type"};
	for (size_t i = 0; i < ELEMENTSOF(auto_files); i++) {
		_cleanup_free_ char *v = apply_read_value(a, auto_files[i]);
		if (v && value_equal(VALUE_BOOL, v, "true"))
			return 0; /* the kernel weighs by bandwidth itself: never fight it */
	}

	/* bw[n] = min(read, write) bandwidth, as mempolicy_set_node_perf() records it */
	const struct topo *t = a->topo;
	_cleanup_free_ uint64_t *bw = calloc(t->n_nodes + 1, sizeof(*bw));
	uint64_t sum = 0, g = 0;
	if (!bw)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_perf_class *c = &t->nodes[i].access[1];
		if (!t->nodes[i].online || !t->nodes[i].has_memory ||
		    !c->attr[TOPO_PERF_READ_BANDWIDTH].known ||
		    !c->attr[TOPO_PERF_WRITE_BANDWIDTH].known)
			continue;
		uint64_t r = c->attr[TOPO_PERF_READ_BANDWIDTH].v,
			 w = c->attr[TOPO_PERF_WRITE_BANDWIDTH].v;
		bw[i] = r < w ? r : w;
		sum += bw[i];
	}
	if (!sum)
		return 0;
	_cleanup_free_ uint64_t *wt = calloc(t->n_nodes + 1, sizeof(*wt));
	if (!wt)
		return -ENOMEM;
	int ret = 0;
	for (size_t i = 0; i < t->n_nodes; i++) {
		wt[i] = bw[i] && sum < WEIGHTINESS * bw[i] ? WEIGHTINESS * bw[i] / sum : 1;
		g = gcd(g, wt[i]);
	}
	for (size_t i = 0; i < t->n_nodes && ret >= 0; i++) {
		if (!t->nodes[i].online || !t->nodes[i].has_memory)
			continue;
		char path[128], want[32];
		snprintf(path, sizeof(path), WI_DIR "/node%d", t->nodes[i].id);
		_cleanup_free_ char *cur = apply_read_value(a, path);
		if (!cur)
			continue;
		snprintf(want, sizeof(want), "%llu", (unsigned long long)(wt[i] / (g ? g : 1)));
		if (!value_equal(VALUE_INT, cur, want))
			ret = apply_add_change(a, "weighted_interleave", path, cur, want, VALUE_INT);
	}
	return ret;
}

int sinks_kernel(struct apply *a)
{
	int r = demotion(a);
	if (r >= 0)
		r = balancing(a);
	if (r >= 0)
		r = rate_limit(a);
	if (r >= 0)
		r = weighted_interleave(a);
	return r;
}
