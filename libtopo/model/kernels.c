/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel models: one per release that changed what a kernel does with tiers, abstract
 * distance or demotion targets, named by the first release that behaves that way. Any
 * release string maps to the newest model not after it ("6.8.0-49-generic" -> 6.7), so
 * every version test in model/ (KERNEL_AT_LEAST, promotion.c's release_rule) must name a
 * release of this table: the
 * plan takes the model's version, not the release's (tests/plan/test-kernel-models.py
 * checks both, and that man/tiertopo.8 lists the same models).
 *
 * Sources and verification: docs/KERNELS.md.
 */
#include <stdlib.h>

#include "libtopo.h"
#include "model/model.h"

const struct kernel_model kernel_models[] = {
	{"5.15", 5, 15,
	 "demotion: node_demotion[], passes from the nodes with CPUs, one target per node"},
	{"5.17", 5, 17,
	 "several targets per node, every node at the first distance found (up to 15)"},
	{"5.18", 5, 18,
	 "NUMA balancing's memory-tiering mode: promotion counts the nodes with CPUs as top "
	 "tier (node_is_toptier); demotion targets unchanged"},
	{"6.1", 6, 1,
	 "memory tiers: boot memory 576 (DRAM tier 4), dax/kmem nodes 2880 (tier 22); "
	 "preferred targets the nearest nodes of the next slower tier, fallback every slower "
	 "tier"},
	{"6.7", 6, 7,
	 "HMAT abstract distance for dax/kmem nodes; the DRAM reference is every boot memory "
	 "node, CPU-less ones too: one more than 10% off, or with a zero figure, turns HMAT "
	 "distances off"},
	{"6.9", 6, 9,
	 "a dax/kmem node of a CXL region the HMAT does not describe takes the region's own "
	 "figures (regionN/access0|1: CDAT, Generic Port, link) for its abstract distance"},
	{"6.10", 6, 10,
	 "CPU-less boot memory nodes get their HMAT abstract distance too (late init); the "
	 "DRAM reference is the nodes with CPUs only"},
	{"6.11", 6, 11,
	 "every boot memory node gets its HMAT abstract distance, CPU nodes included: socket "
	 "DRAM a few percent off the reference gets a tier of its own"},
	{"6.17", 6, 17,
	 "abstract distance in 64-bit arithmetic (MEMTIER_ADISTANCE_DRAM a long; also in the "
	 "stable releases 6.12.43, 6.15.11 and 6.16.2 on): figures that wrapped in 32 bits now "
	 "give a very slow tier"},
};
const size_t n_kernel_models = sizeof(kernel_models) / sizeof(kernel_models[0]);

const struct kernel_model *kernel_model_for(int major, int minor)
{
	const struct kernel_model *m = NULL;
	for (size_t i = 0; i < n_kernel_models; i++)
		if (major > kernel_models[i].major ||
		    (major == kernel_models[i].major && minor >= kernel_models[i].minor))
			m = &kernel_models[i];
	return m;
}

size_t topo_kernel_model_count(void)
{
	return n_kernel_models;
}

const char *topo_kernel_model_get(size_t index, const char **changes)
{
	if (index >= n_kernel_models)
		return NULL;
	if (changes)
		*changes = kernel_models[index].changes;
	return kernel_models[index].name;
}
