/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What each node's memory is, with the evidence that decided it, strongest first
 * (DESIGN.md, Classification):
 *   1. a configured override;
 *   2. a dax device onlined by kmem whose parent is an NVDIMM (nd) region -> PMEM;
 *   3. an NVDIMM region of persistent memory (the kernel's view of an NFIT SPA range)
 *      whose target is the node, or an NFIT SPA range of persistent memory in the node's
 *      proximity domain -> PMEM;
 *   4. a dax device onlined by kmem below a CXL region -> CXL-DRAM / CXL-PMEM by its mode;
 *      memory in a CEDT CFMWS window -> CXL-DRAM (CXL-PMEM for a persistent-only window);
 *   5. SRAT memory affinity with the non-volatile flag -> PMEM; a dax device onlined by kmem
 *      below an hmem device, or SRAT specific-purpose memory -> SPM;
 *   6. CPU-less or SPM memory with more than twice the bandwidth of the DRAM nodes -> HBM;
 *   7. otherwise a node with memory -> DRAM.
 * Before 2: an offline node is unknown (nothing is known of it); a node that the NVIDIA
 * driver names as a GPU's memory (proc/driver/nvidia/gpus/BUS-ID/numa_status) -> GPU,
 * excluded from the recommended plan's demotion; on a Xeon Phi (Knights Landing/Mill,
 * proc/cpuinfo family 6 model 87/133) a CPU-less memory node is on-package MCDRAM -> HBM.
 * The "kmem" mark (memory whose tier a driver chooses) is kept apart from the kind: the
 * kernel models need it whatever the memory is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

static const struct topo_dev *find_dev(const struct topo *topo, enum topo_bus bus,
				       const char *name)
{
	for (size_t i = 0; name && i < topo->n_devs; i++)
		if (topo->devs[i].bus == bus && !strcmp(topo->devs[i].name, name))
			return &topo->devs[i];
	return NULL;
}

/* read + write bandwidth the kernel reports (access1, else access0); 0 when unknown */
static uint64_t node_bandwidth(const struct topo_node *n)
{
	for (int c = 1; c >= 0; c--) {
		uint64_t r = n->access[c].attr[TOPO_PERF_READ_BANDWIDTH].known
				     ? n->access[c].attr[TOPO_PERF_READ_BANDWIDTH].v
				     : 0;
		uint64_t w = n->access[c].attr[TOPO_PERF_WRITE_BANDWIDTH].known
				     ? n->access[c].attr[TOPO_PERF_WRITE_BANDWIDTH].v
				     : 0;
		if (r || w)
			return r && w ? r + w : 2 * (r | w);
	}
	return 0;
}

/* Evidence from the dax, nd and cxl buses (2 to 5). */
static int classify_from_devices(struct topo_plan *plan, struct plan_node *pn)
{
	const struct topo *topo = plan->topo;
	int r = 0;
	uint64_t kmem_bytes = 0;
	bool kmem_sizes_known = true;

	for (size_t i = 0; i < topo->n_devs && r >= 0; i++) {
		const struct topo_dev *d = &topo->devs[i];
		if (d->bus != TOPO_BUS_DAX || !d->has_target_node || d->target_node != pn->id ||
		    !d->driver || strcmp(d->driver, "kmem"))
			continue;
		pn->kmem = true;
		kmem_bytes += d->size.known ? d->size.v : 0;
		kmem_sizes_known &= d->size.known;
		const char *pk = d->parent_kind;
		if (pk && !strcmp(pk, "nd_region")) {
			r = plan_add_evidence(pn, "%s is onlined by kmem below NVDIMM %s "
						  "(persistent memory)", d->name, d->parent);
			if (pn->kind == TOPO_KIND_UNKNOWN)
				pn->kind = TOPO_KIND_PMEM;
		} else if (pk && !strcmp(pk, "cxl_region")) {
			const struct topo_dev *region = find_dev(topo, TOPO_BUS_CXL, d->parent);
			bool pmem = region && region->mode && !strcmp(region->mode, "pmem");
			r = plan_add_evidence(pn, "%s is onlined by kmem below CXL %s (%s)", d->name,
					      d->parent, region && region->mode ? region->mode
										: "mode unknown");
			if (pn->kind == TOPO_KIND_UNKNOWN)
				pn->kind = pmem ? TOPO_KIND_CXL_PMEM : TOPO_KIND_CXL_DRAM;
		} else if (pk && !strcmp(pk, "hmem")) {
			r = plan_add_evidence(pn, "%s is onlined by kmem below %s (EFI "
						  "specific-purpose memory)", d->name, d->parent);
			if (pn->kind == TOPO_KIND_UNKNOWN)
				pn->kind = TOPO_KIND_SPM;
		} else {
			r = plan_add_evidence(pn, "%s is onlined by kmem (parent not known)",
					      d->name);
		}
	}
	for (size_t i = 0; i < topo->n_devs && r >= 0; i++) {
		const struct topo_dev *d = &topo->devs[i];
		if (d->bus != TOPO_BUS_ND || !d->has_target_node || d->target_node != pn->id ||
		    !d->mode || strcmp(d->mode, "pmem"))
			continue;
		r = plan_add_evidence(pn, "NVDIMM %s (an NFIT persistent-memory range) targets "
					  "node %d", d->name, pn->id);
		if (pn->kind == TOPO_KIND_UNKNOWN)
			pn->kind = TOPO_KIND_PMEM;
	}
	/* more memory blocks than the kmem devices can fill: the node had memory of its own
	 * (boot memory) before kmem onlined into it */
	const struct topo_node *n = &topo->nodes[pn - plan->nodes];
	if (pn->kmem && kmem_sizes_known && topo->block_size.known && topo->block_size.v &&
	    n->n_memory_blocks) {
		uint64_t bs = topo->block_size.v;
		uint64_t kmem_blocks = (kmem_bytes + bs - 1) / bs;
		if (n->n_memory_blocks > kmem_blocks) {
			pn->kmem_after_boot_memory = true;
			if (r >= 0)
				r = plan_add_evidence(pn, "%zu memory blocks, of which kmem onlined at "
							  "most %llu: the node had memory of its own "
							  "first, whose memory type it keeps",
						      n->n_memory_blocks,
						      (unsigned long long)kmem_blocks);
		}
	}
	return r;
}

/* Evidence from the firmware tables (3 to 5): NFIT, CEDT windows, SRAT flags. */
static int classify_from_firmware(struct topo_plan *plan, struct plan_node *pn)
{
	const struct fw_node *f = fw_node_by_id(plan->topo->fw, pn->id);
	int r = 0;
	if (!f)
		return 0;
	if (f->nfit_pmem) {
		r = plan_add_evidence(pn, "NFIT: a persistent-memory SPA range is in proximity "
					  "domain %u", f->pxm);
		if (pn->kind == TOPO_KIND_UNKNOWN)
			pn->kind = TOPO_KIND_PMEM;
	}
	if (r >= 0 && f->cxl_window) {
		/* CFMWS restrictions: bit 2 volatile, bit 3 persistent */
		bool pmem_only = (f->cxl_restrictions & 0x8) && !(f->cxl_restrictions & 0x4);
		r = plan_add_evidence(pn, "CEDT: the node's memory is in a CXL window%s%s",
				      f->cfmws_fake ? " that has no SRAT memory (a node of its own)" : "",
				      pmem_only ? " for persistent memory only" : "");
		if (pn->kind == TOPO_KIND_UNKNOWN)
			pn->kind = pmem_only ? TOPO_KIND_CXL_PMEM : TOPO_KIND_CXL_DRAM;
	}
	bool nv = false, sp = false;
	for (size_t k = 0; k < f->n_ranges; k++) {
		nv |= f->ranges[k].nonvolatile;
		sp |= f->ranges[k].specific_purpose;
	}
	if (r >= 0 && nv) {
		r = plan_add_evidence(pn, "SRAT: memory of proximity domain %u is non-volatile",
				      f->pxm);
		if (pn->kind == TOPO_KIND_UNKNOWN)
			pn->kind = TOPO_KIND_PMEM;
	}
	if (r >= 0 && sp) {
		r = plan_add_evidence(pn, "SRAT: memory of proximity domain %u is specific-purpose",
				      f->pxm);
		if (pn->kind == TOPO_KIND_UNKNOWN)
			pn->kind = TOPO_KIND_SPM;
	}
	return r;
}

/* Xeon Phi x200 (Knights Landing, model 0x57) and Knights Mill (0x85) */
static bool xeon_phi(const struct topo *topo)
{
	return topo->intel_family == 6 && (topo->intel_model == 87 || topo->intel_model == 133);
}

/* GPU memory and Xeon Phi MCDRAM: what the memory is, told by the device that holds it */
static int classify_special(struct topo_plan *plan, struct plan_node *pn,
			    const struct topo_node *n)
{
	int r = 0;
	if (n->gpu) {
		r = plan_add_evidence(pn, "proc/driver/nvidia/gpus/%s/numa_status: the memory of "
					  "NVIDIA GPU %s, onlined as a NUMA node by its driver",
				      n->gpu, n->gpu);
		if (pn->kind == TOPO_KIND_UNKNOWN)
			pn->kind = TOPO_KIND_GPU;
	}
	if (r >= 0 && pn->kind == TOPO_KIND_GPU && plan->model == TOPO_PLAN_RECOMMENDED &&
	    !pn->excluded) {
		pn->excluded = true;
		r = plan_add_evidence(pn, "GPU memory is kept out of demotion: the GPU's working "
					  "set, not a place for the CPUs' cold pages");
	}
	if (r >= 0 && !n->gpu && xeon_phi(plan->topo) && n->has_memory && !n->has_cpu &&
	    !n->n_cpus_offline) {
		r = plan_add_evidence(pn, "proc/cpuinfo: Intel Xeon Phi (family 6 model %u); its "
					  "CPU-less memory is the on-package MCDRAM (flat or hybrid "
					  "mode)", plan->topo->intel_model);
		if (pn->kind == TOPO_KIND_UNKNOWN)
			pn->kind = TOPO_KIND_HBM;
	}
	return r;
}

int classify_nodes(struct topo_plan *plan, const struct topo_plan_opts *opts)
{
	const struct topo *topo = plan->topo;
	int r = 0;

	for (size_t i = 0; i < plan->n_nodes && r >= 0; i++) {
		struct plan_node *pn = &plan->nodes[i];
		const struct topo_node *n = &topo->nodes[i];

		for (size_t k = 0; opts && k < opts->n_kinds; k++)
			if (opts->kinds[k].node == pn->id) {
				pn->kind = opts->kinds[k].kind;
				r = plan_add_evidence(pn, "override: configured as %s",
						      topo_kind_to_string(pn->kind));
			}
		if (r >= 0 && !n->online) {
			r = plan_add_evidence(pn, "offline: node %d is possible but not online, "
						  "nothing is known of its memory", pn->id);
			continue;
		}
		if (r >= 0)
			r = classify_special(plan, pn, n);
		if (r >= 0)
			r = classify_from_devices(plan, pn);
		if (r >= 0 && topo->nodes[i].has_memory)
			r = classify_from_firmware(plan, pn);
		if (r >= 0 && !n->has_memory && pn->kind == TOPO_KIND_UNKNOWN)
			r = plan_add_evidence(pn, "no memory");
	}
	if (r < 0)
		return r;

	/*
	 * 6. HBM by bandwidth. The DRAM reference: nodes with cpus and memory that no dax
	 * device claims; failing those (machines with memory-only DRAM nodes), every memory
	 * node no evidence has classified.
	 */
	uint64_t dram_bw = 0;
	for (int pass = 0; pass < 2 && !dram_bw; pass++)
		for (size_t i = 0; i < plan->n_nodes; i++) {
			const struct topo_node *n = &topo->nodes[i];
			const struct plan_node *pn = &plan->nodes[i];
			if (!n->online || !n->has_memory || pn->kmem || pn->kind != TOPO_KIND_UNKNOWN ||
			    (pass == 0 && !n->has_cpu))
				continue;
			uint64_t bw = node_bandwidth(n);
			if (bw > dram_bw)
				dram_bw = bw;
		}
	for (size_t i = 0; i < plan->n_nodes && r >= 0 && dram_bw; i++) {
		const struct topo_node *n = &topo->nodes[i];
		struct plan_node *pn = &plan->nodes[i];
		bool candidate = pn->kind == TOPO_KIND_SPM ||
				 (pn->kind == TOPO_KIND_UNKNOWN && !n->has_cpu && !pn->kmem);
		uint64_t bw = node_bandwidth(n);
		if (!n->has_memory || !candidate || bw <= 2 * dram_bw)
			continue;
		r = plan_add_evidence(pn, "HMAT bandwidth %llu MB/s (read+write) is more than twice "
					  "the DRAM nodes' %llu MB/s",
				      (unsigned long long)bw, (unsigned long long)dram_bw);
		pn->kind = TOPO_KIND_HBM;
	}

	/* 7. the rest */
	for (size_t i = 0; i < plan->n_nodes && r >= 0; i++) {
		struct plan_node *pn = &plan->nodes[i];
		if (pn->kind != TOPO_KIND_UNKNOWN || !topo->nodes[i].has_memory ||
		    !topo->nodes[i].online)
			continue;
		if (pn->kmem) {
			r = plan_add_evidence(pn, "kmem memory of unknown origin");
			continue;
		}
		pn->kind = TOPO_KIND_DRAM;
		r = plan_add_evidence(pn, "memory with no evidence of another kind");
	}
	return r;
}
