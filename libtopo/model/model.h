/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * model/: plans. Classification, abstract distance, tiers and demotion targets computed
 * from a snapshot. Everything here is pure: it reads a struct topo and writes a struct
 * topo_plan, no I/O. Calls snapshot/, acpi/ and base/ only. Prototypes grouped by the file
 * that defines them; within the folder plan.c is the bottom, planner.c the top.
 */
#ifndef TOPO_MODEL_H
#define TOPO_MODEL_H

#include "snapshot/snapshot.h"

/* MEMTIER_* of include/linux/memory-tiers.h, named as there */
#define MEMTIER_CHUNK_BITS TOPO_MEMTIER_CHUNK_BITS
#define MEMTIER_CHUNK_SIZE (1u << MEMTIER_CHUNK_BITS)
#define MEMTIER_ADISTANCE_DRAM TOPO_MEMTIER_ADISTANCE_DRAM
#define MEMTIER_DEFAULT_DAX_ADISTANCE TOPO_MEMTIER_DEFAULT_DAX_ADISTANCE
/* include/linux/topology.h */
#define LOCAL_DISTANCE 10
#define REMOTE_DISTANCE 20
/* mm/page_alloc.c */
#define PENALTY_FOR_NODE_WITH_CPUS 1
/* mm/migrate.c (5.17-6.0) */
#define DEMOTION_TARGET_NODES 15

struct topo_plan_opts {
	struct opt_kind {
		int node;
		enum topo_kind kind;
	} *kinds;
	size_t n_kinds;
	struct opt_adist {
		int node;
		unsigned int adistance;
	} *adists;
	size_t n_adists;
	int *excluded;
	size_t n_excluded;
	/* kernel plans: the abstract distance in 64 bits whatever the release says (check's
	 * question "does this kernel carry the overflow fix?"); set only inside the library */
	bool adist_long;
};

struct plan_node {
	int id;
	bool member; /* online with memory: has a tier, may be a target */
	bool excluded;
	enum topo_kind kind;
	char **evidence;
	size_t n_evidence;
	bool kmem;	  /* claimed by dax/kmem (driver-managed memory type) */
	/* memory besides what kmem onlined (the node had boot memory): the kernel keeps the
	 * node's first memory type, so kmem does not choose its tier (kmem.c,
	 * __init_node_memory_type sets a type only on a node without one) */
	bool kmem_after_boot_memory;
	bool has_adist;
	uint32_t adist;
	int64_t tier; /* tier id (the kernel's u32 memory_tierN name), -1 when none; order by
			 tier_order() */
	int *preferred, *fallback;
	size_t n_preferred, n_fallback;
	bool fallback_shared; /* fallback is its tier's lower[], not owned */
};

struct plan_tier {
	int64_t id; /* memory_tierN's N, 0..UINT32_MAX */
	unsigned int adistance_start; /* the kernel's int start, as its 32 bits */
	int *nodes;
	size_t n_nodes;
	int *lower; /* every node of every slower tier, ascending: the fallback of its nodes */
	size_t n_lower;
};

/* kernels.c: one model per release that changed the behaviour, oldest first */
struct kernel_model {
	const char *name; /* the first release that behaves so */
	int major, minor;
	const char *changes; /* what that release changed */
};
extern const struct kernel_model kernel_models[];
extern const size_t n_kernel_models;
/* the newest model not after @major.@minor, NULL before the first (5.15) */
const struct kernel_model *kernel_model_for(int major, int minor);

struct topo_plan {
	int refcount;
	struct topo *topo;
	enum topo_plan_model model;
	char *release;	  /* modelled kernel */
	const struct kernel_model *kmodel; /* the model of that release */
	int kmajor, kminor; /* the model's version (KERNEL_AT_LEAST tests it) */
	bool adist_long_forced; /* topo_plan_opts.adist_long */
	struct plan_node *nodes; /* parallel to topo->nodes */
	size_t n_nodes;
	struct plan_tier *tiers; /* fastest first: by tier_order(), the signed start */
	size_t n_tiers;
	/* kernel models: node_load[] by node id from the kernel log, NULL when unknown (0) */
	int *node_load;
	struct findings findings;
};

#define KERNEL_AT_LEAST(p, maj, min) ((p)->kmajor > (maj) || ((p)->kmajor == (maj) && (p)->kminor >= (min)))

/* ---- plan.c: the plan object ------------------------------------------------------------ */

/* How @plan computes abstract distances: 0 in 32 bits, 1 in 64 (its model, 6.17+), 2 in 64 by
 * a stable backport its release shows (6.12.43, 6.15.11, 6.16.2), 3 forced (opts). */
int plan_adist_long(const struct topo_plan *plan);

/* An empty plan of @topo (referenced) for @model, one reference; NULL without memory. */
struct topo_plan *plan_new(struct topo *topo, enum topo_plan_model model);
void plan_free(struct topo_plan *plan);
struct plan_node *plan_node(struct topo_plan *plan, int id);
int plan_add_evidence(struct plan_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* tiers[t].lower, made once: every node of every tier after t, ascending (a fallback). */
int plan_tier_lower(struct topo_plan *plan, size_t t);

/* ---- classify.c --------------------------------------------------------------------------- */

int classify_nodes(struct topo_plan *plan, const struct topo_plan_opts *opts);

/* ---- tiers.c ------------------------------------------------------------------------------ */

/*
 * mt_perf_to_adistance() in the kernel's unsigned 32-bit left-to-right arithmetic.
 * Returns 0, -EINVAL when a latency or bandwidth sum is 0; sets *overflow when an
 * intermediate wrapped (the result is then the wrapped value, as the kernel computes it).
 */
struct perf4 {
	uint32_t read_latency, write_latency, read_bandwidth, write_bandwidth;
};
int mt_perf_to_adistance_u32(const struct perf4 *perf, const struct perf4 *dram, uint32_t *adist,
			     bool *overflow);
/*
 * The kernel keeps an abstract distance in an int (mt_perf_to_adistance's int *adist,
 * memory_dev_type.adistance, memory_tier.adistance_start; every release): @computed (the
 * u32 of 6.7-6.16, the low 32 bits of 6.17's long) is *stored as that int, and
 * find_create_memory_tier() names the tier memory_tier<*tier_id> (round_down to 128, >> 7,
 * printed from the u32 device id). Returns true when *stored is negative: that tier then
 * sorts before every other one (signed comparison of adistance_start).
 */
bool kernel_stored_adistance(uint32_t computed, int32_t *stored, uint32_t *tier_id);
/* 6.1+ and the recommended plan: every member's adistance, tier, and the tier list */
int plan_assign_tiers(struct topo_plan *plan, const struct topo_plan_opts *opts);
/* The node a CXL region's memory was onlined into, -1 when none. */
int cxl_region_node(const struct topo *topo, const struct topo_dev *region);
/* The tier list from the nodes' tiers, fastest first. */
int plan_build_tiers(struct topo_plan *plan);

/* ---- demote.c ----------------------------------------------------------------------------- */

/* node_distance() as the kernel sees it: the SLIT, or 10/20 where it is unknown */
unsigned int node_distance(const struct topo *topo, int from, int to);
int *node_load_from_log(const struct topo *topo);
/* node_distance() for any possible node (offline ones from the SLIT) */
unsigned int zonelist_distance(const struct topo *topo, int from, int to);
/* a kmem dax device (memory onlined after boot; *dev its name), i.e. a zonelist rebuild */
bool memory_hotplugged(const struct topo *topo, const char **dev);
/*
 * build_all_zonelists() simulated for release @kmajor.@kminor, with (@cpu_penalty: a
 * hotplug rebuild) or without (the x86 boot build) the penalty of nodes with cpus: node_load[]
 * by node id, and optionally each node's zonelist (@orders/@n_orders by topo->nodes index).
 */
int *node_load_simulate(const struct topo *topo, int kmajor, int kminor, bool cpu_penalty,
			int **orders, size_t *n_orders);
int find_next_best_node(const struct topo *topo, const struct nodemask *memory, int node,
			struct nodemask *used, const int *node_load);
int establish_demotion_targets(struct topo_plan *plan);
int migrate_pass_targets(struct topo_plan *plan);

/* ---- planner.c ---------------------------------------------------------------------------- */

/* The invariants of every plan (no cycle, targets strictly slower, ...); *why says which
 * one broke. */
int plan_verify(const struct topo_plan *plan, char **why);

#endif
