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

/*
 * mt_perf_to_adistance() after "mm/memory-tier: fix abstract distance calculation overflow"
 * (cce35103135c): MEMTIER_ADISTANCE_DRAM became a long, so the product is computed in 64
 * bits, then stored through the int *adist. Merged for 6.17 (model 6.17), and taken by the
 * stable branches alive then (review of 18 Aug 2025: 6.12.43, 6.15.11, 6.16.2). The VM suite
 * saw it on 6.12.118 (cxl1-gpslow), 6.16.3 and 6.16.12 (cxl1-gp); docs/KERNELS.md.
 */
static const struct {
	int major, minor, sublevel;
} adist_long_backports[] = {{6, 12, 43}, {6, 15, 11}, {6, 16, 2}};

int plan_adist_long(const struct topo_plan *plan)
{
	if (KERNEL_AT_LEAST(plan, 6, 17))
		return 1;
	if (plan->adist_long_forced)
		return 3;
	int maj, min, sub = kernel_release_sublevel(plan->release);
	if (sub <= 0 || kernel_release_parse(plan->release, &maj, &min) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(adist_long_backports) / sizeof(adist_long_backports[0]);
	     i++)
		if (maj == adist_long_backports[i].major && min == adist_long_backports[i].minor &&
		    sub >= adist_long_backports[i].sublevel)
			return 2;
	return 0;
}

static int mt_perf_to_adistance_long(const struct perf4 *perf, const struct perf4 *dram,
				     uint32_t *adist, bool *truncated)
{
	uint64_t lat = (uint32_t)(perf->read_latency + perf->write_latency);
	uint64_t bw = (uint32_t)(perf->read_bandwidth + perf->write_bandwidth);
	uint64_t dlat = (uint32_t)(dram->read_latency + dram->write_latency);
	uint64_t dbw = (uint32_t)(dram->read_bandwidth + dram->write_bandwidth);
	if (!lat || !bw || !dlat || !dbw)
		return -EINVAL;
	uint64_t x = (uint64_t)MEMTIER_ADISTANCE_DRAM * lat / dlat * dbw / bw;
	*adist = (uint32_t)x;
	*truncated = x > INT32_MAX;
	return 0;
}

bool kernel_stored_adistance(uint32_t computed, int32_t *stored, uint32_t *tier_id)
{
	/* the conversion to int, modulo 2^32 as the kernel's compilers do it */
	int32_t s = computed <= INT32_MAX ? (int32_t)computed
					  : (int32_t)(computed - UINT32_C(0x80000000)) + INT32_MIN;
	/* round_down(): a mask, so toward minus infinity; then the arithmetic >> 7 */
	int64_t start = (int64_t)s - (((int64_t)s % MEMTIER_CHUNK_SIZE) + MEMTIER_CHUNK_SIZE) %
					 MEMTIER_CHUNK_SIZE;
	*stored = s;
	*tier_id = (uint32_t)(start / MEMTIER_CHUNK_SIZE); /* modulo 2^32: device.id is a u32 */
	return s < 0;
}

/* the first node one of whose memory blocks lies in [start, start + size) */
static int node_of_range(const struct topo *topo, uint64_t start, uint64_t size)
{
	if (!topo->block_size.known || !topo->block_size.v || !size)
		return -1;
	uint64_t bs = topo->block_size.v;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		const struct topo_node *n = &topo->nodes[i];
		for (size_t k = 0; k < n->n_blocks; k++) {
			uint64_t b = (uint64_t)n->blocks[k].id * bs;
			if (b >= start && b - start < size)
				return n->id;
		}
	}
	return -1;
}

/*
 * The node a CXL region's memory went to: the kmem dax device below a ram region
 * (regionN/dax_regionN/daxN.M), else the node whose memory blocks lie in the region's
 * range (a pmem region's memory goes through an nd region on the nvdimm bus, with no link
 * back to the CXL region). -1 when not onlined.
 */
int cxl_region_node(const struct topo *topo, const struct topo_dev *region)
{
	for (size_t i = 0; i < topo->n_devs; i++) {
		const struct topo_dev *d = &topo->devs[i];
		if (d->bus == TOPO_BUS_DAX && d->has_target_node && d->parent &&
		    d->parent_kind && !strcmp(d->parent_kind, "cxl_region") &&
		    !strcmp(d->parent, region->name))
			return d->target_node;
	}
	if (region->resource.known && region->size.known)
		return node_of_range(topo, region->resource.v, region->size.v);
	return -1;
}

/*
 * The CXL region figures the kernel's adistance notifier (cxl_region_calculate_adistance,
 * 6.9+) uses for @node: coord[ACCESS_COORDINATE_CPU], i.e. regionN/access1, of the first
 * region (lowest id) whose memory is on @node. false when none has figures.
 */
static bool cxl_region_perf(const struct topo *topo, int node, struct perf4 *p,
			    const struct topo_dev **which)
{
	const struct topo_dev *best = NULL;
	for (size_t i = 0; i < topo->n_devs; i++) {
		const struct topo_dev *d = &topo->devs[i];
		if (d->bus != TOPO_BUS_CXL || !d->figures_present[1] || cxl_region_node(topo, d) != node)
			continue;
		if (!best || strtol(d->name + 6, NULL, 10) < strtol(best->name + 6, NULL, 10))
			best = d;
	}
	if (!best)
		return false;
	uint32_t *dst[] = {&p->read_latency, &p->write_latency, &p->read_bandwidth,
			   &p->write_bandwidth};
	for (int k = 0; k < 4; k++)
		*dst[k] = best->figures[1][k].known ? (uint32_t)best->figures[1][k].v : 0;
	*which = best;
	return true;
}

/*
 * The firmware's own HMAT figures (CPU initiators) for @node when the HMAT describes it as a
 * memory target: hmat_calculate_adistance() is asked first and stops the chain with them, so
 * an SRAT-backed CXL window's node is tiered by the firmware's figures, whatever the CXL driver
 * later writes into the node's access0/1 (6.9+: CDAT).
 */
static bool firmware_hmat_perf(const struct topo *topo, int node, struct perf4 *p)
{
	const struct fw_node *f = fw_node_by_id(topo->fw, node);
	if (!f || !f->hmat_target || !f->access[1].valid)
		return false;
	*p = (struct perf4){f->access[1].v[0], f->access[1].v[1], f->access[1].v[2],
			    f->access[1].v[3]};
	return p->read_latency + p->write_latency && p->read_bandwidth + p->write_bandwidth;
}

/*
 * The figures mt_calc_adistance() finds for a kmem node of a CXL region (6.9+): the
 * firmware HMAT's when the node is its memory target (checked from the tables, or, without
 * them, from the node's access1 initiator links, which the CXL path never makes), else the
 * region's own. Returns 1 with the region's figures, 2 with the firmware's, 0 when the node
 * has no CXL region.
 */
static int cxl_node_perf(struct topo_plan *plan, const struct topo_node *n, struct perf4 *p,
			 const struct topo_dev **region)
{
	const struct topo *topo = plan->topo;
	struct perf4 rp;
	if (!cxl_region_perf(topo, n->id, &rp, region))
		return 0;
	if (firmware_hmat_perf(topo, n->id, p))
		return 2;
	/* hmat_calculate_adistance() stops the chain only when mt_perf_to_adistance() works:
	 * an HMAT target with a zero latency or bandwidth sum leaves it to the region */
	if (!topo->fw && n->access[1].present && n->access[1].n_initiators && node_perf(n, p) &&
	    p->read_latency + p->write_latency && p->read_bandwidth + p->write_bandwidth)
		return 2;
	*p = rp;
	return 1;
}

/* 6.16-7.2: the CXL link latency added in picoseconds (region access files, hence the tier) */
static void note_cxl_link_latency_ps(struct topo_plan *plan, int node, const struct topo_dev *r,
				     const struct perf4 *p, uint32_t adist)
{
	/* a defect of some releases, not a model: the release string itself. The VM suite saw
	 * it on 6.16.12, 6.17.13, 6.18.15 and 7.2.13, not on 6.12.118 or 7.3.4; 6.13-6.15 (not
	 * in Debian) and 6.19-7.1 (no modules in the archive) were not booted (docs/KERNELS.md) */
	int maj, min;
	if (!plan->release || kernel_release_parse(plan->release, &maj, &min) < 0 ||
	    maj * 1000 + min < 6016 || maj * 1000 + min >= 7003)
		return;
	/* the tier the kernel makes of it: a negative int sorts before DRAM's */
	int32_t stored;
	uint32_t id;
	bool negative = kernel_stored_adistance(adist, &stored, &id);
	findings_add(&plan->findings, "kernel-cxl-link-latency-ps", TOPO_SEVERITY_WARNING,
		     r->devpath,
		     "kernel %s adds the CXL link's latency to %s's figures in picoseconds, not "
		     "nanoseconds (a defect of 6.16-7.2, seen on 6.16.12, 6.17.13, 6.18.15 and 7.2.13; "
		     "7.3 is fixed): read/write latency "
		     "%u/%u ns, so node %d gets abstract distance %u (memory_tier%u), far slower "
		     "than the device is; %s",
		     plan->release, r->name, p->read_latency,
		     p->write_latency, node, adist, id,
		     negative ? "stored as a negative int, that tier comes before DRAM's"
			      : "its place in the tier order is still below DRAM");
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
	/* the arithmetic is the release's, one for every node */
	int long_from = plan_adist_long(plan);
	bool wide = long_from != 0;
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
		const struct topo_dev *region = NULL;
		int cxl = hmat && kmem && KERNEL_AT_LEAST(plan, 6, 9)
				  ? cxl_node_perf(plan, n, &p, &region)
				  : 0;
		if (hmat && (cxl || node_perf(n, &p))) {
			uint32_t a;
			bool overflow;
			int r = wide ? mt_perf_to_adistance_long(&p, ref, &a, &overflow)
				     : mt_perf_to_adistance_u32(&p, ref, &a, &overflow);
			if (r == 0) {
				int32_t stored;
				uint32_t kernel_id; /* memory_tierN of the int the kernel stores */
				bool negative = kernel_stored_adistance(a, &stored, &kernel_id);
				if (overflow)
					findings_add(&plan->findings, "plan-adistance-overflow",
						     TOPO_SEVERITY_WARNING, NULL,
						     wide ? "node %d: the kernel's abstract distance "
							    "exceeds an int; it stores %u (tier %u)"
							  : "node %d: the kernel's 32-bit abstract "
							    "distance arithmetic wraps; it computes "
							    "%u (tier %u)",
						     pn->id, a, kernel_id);
				if (negative)
					findings_add(
					    &plan->findings, "plan-adistance-negative",
					    TOPO_SEVERITY_WARNING, NULL,
					    "node %d: the kernel keeps abstract distance %u in "
					    "an int, as %d: it makes memory_tier%u and sorts it "
					    "before every tier of a positive distance, DRAM's "
					    "too: node %d demotes into the other tiers and is "
					    "never demoted into",
					    pn->id, a, stored, kernel_id, pn->id);
				adist = a;
				uint32_t a32;
				bool o32;
				if (long_from == 2 &&
				    mt_perf_to_adistance_u32(&p, ref, &a32, &o32) == 0 && a32 != a)
					plan_add_evidence(pn,
							  "abstract distance %u in 64 bits, not %u: "
							  "%s has the stable backport of 6.17's "
							  "overflow fix",
							  a, a32, plan->release);
				if (cxl == 1) {
					plan_add_evidence(pn, "abstract distance from CXL %s's own "
							      "figures (%s/access1)",
							  region->name, region->name);
					note_cxl_link_latency_ps(plan, pn->id, region, &p, a);
				} else if (cxl == 2) {
					plan_add_evidence(pn, "abstract distance from the firmware's "
							      "HMAT figures, not CXL %s's: the HMAT "
							      "describes this node",
							  region->name);
				}
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
		const struct topo_dev *region = NULL;
		bool figures = have_ref && (node_perf(n, &p) || (pn->kmem &&
						cxl_region_perf(plan->topo, n->id, &p, &region)));
		if (figures && region)
			plan_add_evidence(pn, "performance from CXL %s's own figures "
					      "(%s/access1): the node has none",
					  region->name, region->name);
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
	/* memory_tiers is sorted by the signed adistance_start: a negative one comes first */
	int64_t p = tier_order(x->id), q = tier_order(y->id);
	return (p > q) - (p < q);
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
			t->adistance_start =
			    pn->has_adist ? (unsigned int)((uint32_t)pn->tier << MEMTIER_CHUNK_BITS) : 0;
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
	for (size_t i = 0; i < plan->n_nodes; i++) {
		struct plan_node *pn = &plan->nodes[i];
		if (!pn->has_adist)
			continue;
		/* the kernel's tier: the int it stores, rounded down, named by the u32 of >> 7 (a
		 * distance past INT_MAX gives a tier in the billions, first in the order); the
		 * recommended plan's distances stay below INT_MAX */
		int32_t stored;
		uint32_t id;
		kernel_stored_adistance(pn->adist, &stored, &id);
		pn->tier = id;
	}
	return plan_build_tiers(plan);
}
