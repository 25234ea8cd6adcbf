/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Abstract distance and memory tiers (mm/memory-tiers.c). A node's tier id is its abstract
 * distance >> MEMTIER_CHUNK_BITS; DRAM is 576, so memory_tier4 spans 512..639.
 *
 * The kernel models reproduce what a release computes, including its unsigned 32-bit
 * arithmetic; the recommended plan computes the same formula exactly and is kind-aware.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

static bool mul_u32(uint32_t a, uint32_t b, uint32_t *r)
{
	uint64_t x = (uint64_t)a * b;
	*r = (uint32_t)x;
	return x > UINT32_MAX;
}

int mt_perf_to_adistance_u32(const struct perf4 *perf, const struct perf4 *dram, uint32_t *adist,
			     bool *overflow)
{
	uint32_t lat = perf->read_latency + perf->write_latency;
	uint32_t bw = perf->read_bandwidth + perf->write_bandwidth;
	uint32_t dlat = dram->read_latency + dram->write_latency;
	uint32_t dbw = dram->read_bandwidth + dram->write_bandwidth;
	if (!lat || !bw || !dlat || !dbw)
		return -EINVAL;

	/* MEMTIER_ADISTANCE_DRAM * (Lr+Lw) / (Lr0+Lw0) * (Br0+Bw0) / (Br+Bw), left to right */
	bool of = false;
	uint32_t x;
	of |= mul_u32(MEMTIER_ADISTANCE_DRAM, lat, &x);
	x /= dlat;
	of |= mul_u32(x, dbw, &x);
	x /= bw;
	*adist = x;
	*overflow = of;
	return 0;
}

/* access1 (CPU initiators) as the kernel stores it for a memory target; false if absent */
static bool node_perf(const struct topo_node *n, struct perf4 *p)
{
	const struct topo_perf_class *a = &n->access[1];
	if (!a->present)
		return false;
	uint32_t *dst[] = {&p->read_latency, &p->write_latency, &p->read_bandwidth,
			   &p->write_bandwidth};
	bool any = false;
	for (int k = 0; k < 4; k++) {
		*dst[k] = a->attr[k].known ? (uint32_t)a->attr[k].v : 0;
		any |= *dst[k] != 0;
	}
	return any;
}

/* |x - ref| * 10 > ref on any of the four figures (mt_set_default_dram_perf) */
static bool perf_mismatch(const struct perf4 *x, const struct perf4 *ref)
{
	const uint32_t a[] = {x->read_latency, x->write_latency, x->read_bandwidth,
			      x->write_bandwidth};
	const uint32_t b[] = {ref->read_latency, ref->write_latency, ref->read_bandwidth,
			      ref->write_bandwidth};
	for (int k = 0; k < 4; k++)
		if (llabs((long long)a[k] - (long long)b[k]) * 10 > (long long)b[k])
			return true;
	return false;
}

static bool perf_usable(const struct perf4 *p)
{
	return p->read_latency + p->write_latency && p->read_bandwidth + p->write_bandwidth;
}

/*
 * The DRAM reference as hmat_set_default_dram_perf() finds it: the nodes with cpus and
 * memory (6.10+: default_dram_nodes, not driver-managed) or, on 6.7-6.9, every boot memory
 * node, CPU-less ones too (default_dram_type->nodes: memory_tier_init() put every boot
 * N_MEMORY node in the DRAM type until 6.10 deferred the CPU-less ones to late init),
 * ascending; the first with usable figures
 * is the reference, and any later one more than 10% off disables performance-based
 * abstract distance altogether. @dram_kind restricts the candidates to nodes classified
 * DRAM (the recommended plan, which also accepts memory-only DRAM nodes).
 */
static bool find_dram_reference(struct topo_plan *plan, bool recommended, struct perf4 *ref)
{
	const struct topo *topo = plan->topo;
	int ref_nid = -1;
	bool cpuless_candidates = !recommended && !KERNEL_AT_LEAST(plan, 6, 10);
	for (int pass = 0; pass < (recommended ? 2 : 1) && ref_nid < 0; pass++)
		for (size_t i = 0; i < plan->n_nodes; i++) {
			const struct topo_node *n = &topo->nodes[i];
			const struct plan_node *pn = &plan->nodes[i];
			struct perf4 p = {0};
			bool kmem_type = recommended ? pn->kmem
						     : pn->kmem && !pn->kmem_after_boot_memory;
			if (!pn->member || kmem_type ||
			    (pass == 0 && !n->has_cpu && !cpuless_candidates) ||
			    (recommended && pn->kind != TOPO_KIND_DRAM))
				continue;
			/* hmat_set_default_dram_perf(): a candidate the HMAT describes (it has
			 * access1) with a zero latency or bandwidth sum fails the whole loop, and
			 * hmat_init() then never registers the HMAT algorithm (6.7+) */
			if (!recommended && n->access[1].present) {
				node_perf(n, &p); /* 0 where a figure is 0 or absent */
				if (!perf_usable(&p)) {
					findings_add(&plan->findings, "plan-dram-perf-zero",
						     TOPO_SEVERITY_WARNING, NULL,
						     "DRAM node %d has a zero latency or bandwidth "
						     "in its HMAT figures: the kernel then never "
						     "registers the HMAT algorithm, and every node "
						     "keeps its default tier",
						     n->id);
					return false;
				}
			}
			/* the recommended plan makes do with latency or bandwidth alone */
			if (!node_perf(n, &p) ||
			    !(recommended ? p.read_latency + p.write_latency ||
						    p.read_bandwidth + p.write_bandwidth
					  : perf_usable(&p)))
				continue;
			if (ref_nid < 0) {
				*ref = p;
				ref_nid = n->id;
				continue;
			}
			if (perf_mismatch(&p, ref)) {
				findings_add(&plan->findings, "plan-dram-perf-mismatch",
					     recommended ? TOPO_SEVERITY_INFO : TOPO_SEVERITY_WARNING,
					     NULL,
					     "the performance of %s node %d%s differs by more than 10%% "
					     "from reference DRAM node %d%s",
					     n->has_cpu || recommended ? "DRAM" : "CPU-less memory",
					     n->id,
					     n->has_cpu || recommended ? ""
								       : ", which kernels 6.7-6.9 "
									 "take as DRAM too,",
					     ref_nid,
					     recommended ? ""
							 : ": the kernel then disables HMAT-based "
							   "abstract distance");
				if (!recommended)
					return false;
			}
		}
	return ref_nid >= 0;
}

static int kernel_adistance(struct topo_plan *plan, bool have_ref, const struct perf4 *ref)
{
	for (size_t i = 0; i < plan->n_nodes; i++) {
		struct plan_node *pn = &plan->nodes[i];
		const struct topo_node *n = &plan->topo->nodes[i];
		if (!pn->member)
			continue;
		/* dax/kmem claims its node with its own memory type, unless the node had memory
		 * (and so a type) before; everything else is DRAM */
		bool kmem = pn->kmem && !pn->kmem_after_boot_memory;
		uint32_t adist = kmem ? MEMTIER_DEFAULT_DAX_ADISTANCE : MEMTIER_ADISTANCE_DRAM;
		/*
		 * mt_calc_adistance() with HMAT: 6.7+ for kmem (dev_dax_kmem_probe), 6.10+ for
		 * CPU-less boot nodes and 6.11+ for every boot memory node, CPU nodes included
		 * (memory_tier_late_init -> set_node_memory_tier): two sockets whose figures
		 * differ by a few percent then land in different tiers.
		 */
		bool hmat = have_ref && ((kmem && KERNEL_AT_LEAST(plan, 6, 7)) ||
					 (!kmem && !n->has_cpu && KERNEL_AT_LEAST(plan, 6, 10)) ||
					 (!kmem && n->has_cpu && KERNEL_AT_LEAST(plan, 6, 11)));
		struct perf4 p;
		if (hmat && node_perf(n, &p)) {
			uint32_t a;
			bool overflow;
			if (mt_perf_to_adistance_u32(&p, ref, &a, &overflow) == 0) {
				if (overflow)
					findings_add(&plan->findings, "plan-adistance-overflow",
						     TOPO_SEVERITY_WARNING, NULL,
						     "node %d: the kernel's 32-bit abstract distance "
						     "arithmetic wraps; it computes %u (tier %u)",
						     pn->id, a, a >> MEMTIER_CHUNK_BITS);
				adist = a;
			}
		}
		pn->has_adist = true;
		pn->adist = adist;
	}
	return 0;
}

/* The same formula, exactly, with what the firmware gave (latency or bandwidth alone). */
static bool exact_adistance(const struct perf4 *p, const struct perf4 *ref, uint64_t *adist)
{
	uint64_t lat = (uint64_t)p->read_latency + p->write_latency;
	uint64_t bw = (uint64_t)p->read_bandwidth + p->write_bandwidth;
	uint64_t dlat = (uint64_t)ref->read_latency + ref->write_latency;
	uint64_t dbw = (uint64_t)ref->read_bandwidth + ref->write_bandwidth;
	uint64_t a = MEMTIER_ADISTANCE_DRAM;
	bool used = false;
	if (lat && dlat) {
		a = a * lat / dlat;
		used = true;
	}
	if (bw && dbw) {
		a = a * dbw / bw;
		used = true;
	}
	*adist = a;
	return used;
}

static int recommended_adistance(struct topo_plan *plan, const struct topo_plan_opts *opts)
{
	struct perf4 ref;
	bool have_ref = find_dram_reference(plan, true, &ref);

	for (size_t i = 0; i < plan->n_nodes; i++) {
		struct plan_node *pn = &plan->nodes[i];
		const struct topo_node *n = &plan->topo->nodes[i];
		if (!pn->member)
			continue;
		uint64_t adist;
		struct perf4 p;
		bool slow_default = pn->kmem || pn->kind == TOPO_KIND_PMEM ||
				    pn->kind == TOPO_KIND_CXL_PMEM || pn->kind == TOPO_KIND_CXL_DRAM;

		/*
		 * HMAT speaks for every node, DRAM too: a CPU-less DRAM node four times slower
		 * than the reference is slow memory, whatever it is made of.
		 */
		bool figures = have_ref && node_perf(n, &p);
		if (figures && n->has_cpu && pn->kind == TOPO_KIND_DRAM && !perf_mismatch(&p, &ref)) {
			/*
			 * Sockets stay together: the DRAM of a CPU node within the kernel's own 10%
			 * tolerance of the reference is DRAM, not slower memory to demote into (6.11+
			 * kernels split such sockets into two tiers; check says so).
			 */
			adist = MEMTIER_ADISTANCE_DRAM;
			if (memcmp(&p, &ref, sizeof(p)))
				plan_add_evidence(pn, "socket DRAM within 10%% of the reference "
						      "DRAM's HMAT figures: kept in the DRAM tier");
		} else if (figures && exact_adistance(&p, &ref, &adist)) {
			;
		} else {
			adist = slow_default ? MEMTIER_DEFAULT_DAX_ADISTANCE : MEMTIER_ADISTANCE_DRAM;
		}

		/* persistent memory never shares DRAM's tier, whatever the firmware says */
		uint64_t dram_tier_end = ((MEMTIER_ADISTANCE_DRAM >> MEMTIER_CHUNK_BITS) + 1)
					 << MEMTIER_CHUNK_BITS;
		if ((pn->kind == TOPO_KIND_PMEM || pn->kind == TOPO_KIND_CXL_PMEM) &&
		    adist < dram_tier_end) {
			plan_add_evidence(pn, "persistent memory is kept below the DRAM tier "
					      "(abstract distance %llu raised to %llu)",
					  (unsigned long long)adist, (unsigned long long)dram_tier_end);
			adist = dram_tier_end;
		}
		for (size_t k = 0; opts && k < opts->n_adists; k++)
			if (opts->adists[k].node == pn->id)
				adist = opts->adists[k].adistance;
		if (adist > INT32_MAX)
			adist = INT32_MAX;
		pn->has_adist = true;
		pn->adist = (uint32_t)adist;
	}
	return 0;
}

static int cmp_tier(const void *a, const void *b)
{
	const struct plan_tier *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

/*
 * Group member nodes by tier id, fastest first. An excluded node keeps its tier id but
 * stays out of the tiers: it is neither a source nor a target, and a tier of excluded
 * nodes only does not exist for demotion.
 */
int plan_build_tiers(struct topo_plan *plan)
{
	for (size_t i = 0; i < plan->n_nodes; i++) {
		struct plan_node *pn = &plan->nodes[i];
		if (!pn->member || pn->excluded || pn->tier < 0)
			continue;
		struct plan_tier *t = NULL;
		for (size_t k = 0; k < plan->n_tiers; k++)
			if (plan->tiers[k].id == pn->tier)
				t = &plan->tiers[k];
		if (!t) {
			t = realloc(plan->tiers, (plan->n_tiers + 1) * sizeof(*t));
			if (!t)
				return -ENOMEM;
			plan->tiers = t;
			t = &t[plan->n_tiers++];
			memset(t, 0, sizeof(*t));
			t->id = pn->tier;
			t->adistance_start = pn->has_adist ? (unsigned int)pn->tier << MEMTIER_CHUNK_BITS
							   : 0;
		}
		int *v = realloc(t->nodes, (t->n_nodes + 1) * sizeof(int));
		if (!v)
			return -ENOMEM;
		t->nodes = v;
		v[t->n_nodes++] = pn->id; /* plan nodes are ascending: so are the lists */
	}
	if (plan->n_tiers > 1)
		qsort(plan->tiers, plan->n_tiers, sizeof(*plan->tiers), cmp_tier);
	return 0;
}

int plan_assign_tiers(struct topo_plan *plan, const struct topo_plan_opts *opts)
{
	int r;
	if (plan->model == TOPO_PLAN_KERNEL) {
		/* 6.1+: memory tiers (the passes of 5.15-6.0 are demote.c's) */
		struct perf4 ref;
		bool have_ref = KERNEL_AT_LEAST(plan, 6, 7) && find_dram_reference(plan, false, &ref);
		r = kernel_adistance(plan, have_ref, &ref);
	} else {
		r = recommended_adistance(plan, opts);
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < plan->n_nodes; i++)
		if (plan->nodes[i].has_adist)
			plan->nodes[i].tier = (int)(plan->nodes[i].adist >> MEMTIER_CHUNK_BITS);
	return plan_build_tiers(plan);
}
