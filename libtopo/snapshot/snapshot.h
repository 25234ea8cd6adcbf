/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot/: struct topo, one machine as read (nodes, masks, kernel tiers, knobs, devices,
 * raw tables, findings), and its firmware view (struct topo_fw) as plain data. Above base/
 * and acpi/; the readers (sysfs/) and the merge (discover/) fill it, the model reads it.
 * Prototypes grouped by the file that defines them.
 */
#ifndef TOPO_SNAPSHOT_H
#define TOPO_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "acpi/acpi.h"
#include "base/base.h"

/* ---- the snapshot ------------------------------------------------------------------- */

/* A value that may be unknown: the file did not exist or could not be parsed. */
struct opt_u64 {
	bool known;
	uint64_t v;
};

struct topo_perf_class {
	bool present; /* accessC/ exists */
	struct opt_u64 attr[4]; /* indexed by enum topo_perf_attr */
	/* bit per attr: the file reads 0 and that 0 is a figure (the firmware gives that kind
	 * of figure, for this node or, without tables, for another), not "none given" */
	uint8_t zero_figures;
	int *initiators; /* accessC/initiators/nodeX: the best initiators of this target */
	size_t n_initiators;
	int *targets; /* accessC/targets/nodeY: the targets this node is best initiator of */
	size_t n_targets;
};

struct topo_cache {
	unsigned int level;
	struct opt_u64 size, line_size, indexing, write_policy;
};

/* a memory block linked from its node (sys/devices/system/memory/memoryN, sysfs/memory.c) */
struct topo_mem_block {
	unsigned long id; /* N: the block starts at N * block size */
	signed char online; /* memoryN/state: 1 online, 0 offline, -1 unknown (no state file) */
	char zone[16];	    /* memoryN/valid_zones of an online block: its zone; "" unknown */
};

struct topo_node {
	int id;
	bool present; /* nodeN/ exists */
	bool online, has_cpu, has_memory, has_normal_memory, generic_initiator;
	unsigned int *cpus;
	size_t n_cpus;
	struct opt_u64 mem_total, mem_free; /* bytes */
	size_t n_memory_blocks;
	/* the blocks themselves, ascending ids (node.c lists them, memory.c reads their state) */
	struct topo_mem_block *blocks;
	size_t n_blocks;
	/* distance to every node by node *index* in topo->nodes; 0 = unknown */
	uint8_t *distance; /* 1..255 (read_distance rejects others), 0 = unknown */
	struct topo_perf_class access[2];
	struct topo_cache *caches;
	size_t n_caches;
	int64_t kernel_tier; /* memory_tierN's N (a u32, up to 4294967295), -1: none */
	struct opt_u64 interleave_weight;
	/* the kernel's own targets, from its log (sysfs/kmsg.c) */
	bool kernel_demotion_known;
	int *kernel_preferred, *kernel_fallback;
	size_t n_kernel_preferred, n_kernel_fallback;
	/* the zonelist order the kernel logged ("Fallback order for Node N: ...", 5.17+) in its
	 * last complete rebuild: the input of node_load[] (sysfs/kmsg.c) */
	bool fallback_order_known;
	int *fallback_order;
	size_t n_fallback_order;
	/* the node's listed cpus that are present but offline (cpus holds the online ones) */
	unsigned int *cpus_offline;
	size_t n_cpus_offline;
	/* the PCI address of the GPU whose memory this node is (sysfs/cpu.c), or NULL */
	char *gpu;
};

/*
 * The kernel orders memory_tiers by their signed int adistance_start, and names a tier by
 * the u32 adistance_start >> 7: an id past INT32_MAX is a negative start (an abstract
 * distance past INT_MAX, mm/memory-tiers.c) and sorts before every other tier. The signed
 * chunk index of tier @id (0..UINT32_MAX): the order to compare tiers by.
 */
static inline int64_t tier_order(int64_t id)
{
	return id > INT32_MAX ? id - (INT64_C(1) << 32) : id;
}

struct topo_kernel_tier {
	int64_t id; /* memory_tierN's N: the kernel's u32 device id */
	int *nodes;
	size_t n_nodes;
};

struct topo_dev {
	enum topo_bus bus;
	char *name;
	char *devpath; /* resolved path below the sysroot, e.g. sys/devices/.../dax0.0 */
	char *driver;
	char *parent;
	const char *parent_kind; /* static string */
	bool has_target_node, has_numa_node;
	int target_node, numa_node;
	struct opt_u64 size;
	char *mode; /* cxl region mode (ram/pmem), nd region persistence_domain */
	/* dax: daxX.Y/resource (the first byte of its range), and its memory blocks on the
	 * target node when bound to kmem (daxctl's total_memblocks, online_memblocks, movable:
	 * -1 unknown, as when a block is offline); cxl regions: regionN/resource, the start of
	 * the host physical range */
	struct opt_u64 resource;
	bool blocks_known;
	size_t blocks_total, blocks_online;
	int movable;
	/* cxl regions: the region's own performance figures (regionN/access0|1/, 6.9+: CDAT,
	 * Generic Port, link), by enum topo_perf_attr; figures_present[c]: the accessC
	 * directory exists */
	bool figures_present[2];
	struct opt_u64 figures[2][4];
};

/* A raw firmware table as read; parsed by the pure parsers in acpi/. */
struct topo_acpi_blob {
	char name[8]; /* SRAT, SLIT, HMAT, CEDT, NFIT */
	char *origin; /* the path it came from */
	uint8_t *data;
	size_t len;
};

struct topo {
	int refcount;
	struct topo_ctx *ctx;
	char *release;

	/* node masks, with whether the file existed */
	struct nodemask possible, online, has_cpu, has_memory, has_normal_memory, has_gi;
	bool has_possible_file, has_online_file, has_cpu_file, has_memory_file,
		has_normal_memory_file, has_gi_file;

	struct topo_node *nodes; /* ascending id */
	size_t n_nodes;
	int max_node_id; /* -1 when there are no nodes */
	int *node_index; /* node id -> index in nodes, -1; sized max_node_id + 1 */

	struct opt_u64 block_size;
	/* sys/devices/system/memory/auto_online_blocks and
	 * sys/module/memory_hotplug/parameters/memmap_on_memory as printed, or NULL */
	char *auto_online_blocks, *memmap_on_memory;

	struct topo_kernel_tier *tiers;
	size_t n_tiers;
	struct opt_u64 demotion_enabled, numa_balancing, promote_rate_limit, wi_auto;
	char *wi_auto_file; /* "auto" or "__auto_type" when present */

	struct topo_dev *devs;
	size_t n_devs;

	struct topo_acpi_blob *tables;
	size_t n_tables;
	struct topo_fw *fw; /* the tables parsed and merged (firmware.c), NULL without tables */

	struct findings findings;

	/* sysfs/cpu.c, ascending: cpu/present and cpu/online (known: the file was read); without
	 * the online file, the cpus whose cpuN/online says 0; the cpuN directories (or, without
	 * sys/devices/system/cpu, proc/stat's cpuN lines) */
	unsigned int *cpu_present, *cpu_online, *cpu_offline, *cpu_dirs;
	size_t n_cpu_present, n_cpu_online, n_cpu_offline, n_cpu_dirs;
	bool cpu_present_known, cpu_online_known;
	/* proc/cpuinfo of the first processor: "GenuineIntel" family and model, else 0 */
	unsigned int intel_family, intel_model;
	/* no sys/devices/system/node (a kernel without NUMA): node 0 is the whole machine */
	bool no_numa;
};

/* ---- topo.c: the snapshot's life and lookups --------------------------------------------- */

/* An empty snapshot of @ctx (referenced), with one reference; NULL without memory. */
struct topo *topo_new(struct topo_ctx *ctx);
struct topo_node *topo_node_by_id(struct topo *topo, int id);
/*
 * A view of @topo for a worker thread: the same snapshot, with @ctx, a copy of its context
 * (the same sysroot fd, no held directories, its own) and findings of its own; a worker
 * reads through it and its caller takes back what it filled.
 */
void topo_view_init(struct topo *view, struct topo_ctx *ctx, const struct topo *topo);

/* ---- fw.c: the firmware view ----------------------------------------------------------- */

struct fw_range {
	uint64_t base, length;
	bool hotplug, nonvolatile, specific_purpose;
};

struct fw_access {
	bool valid;
	uint32_t v[4]; /* enum topo_perf_attr; 0 = none */
	uint8_t given;	 /* bit per attr: the HMAT has a structure of that kind (0 is a figure) */
	int *initiators; /* node ids, ascending */
	size_t n_initiators;
};

struct fw_node {
	int node;
	uint32_t pxm;
	bool cpu, generic_initiator, memory;
	bool cfmws_fake; /* a node Linux made for a CXL window without SRAT memory */
	struct fw_range *ranges;
	size_t n_ranges;
	bool nfit_pmem;	 /* an NFIT SPA range of persistent memory in this domain */
	bool cxl_window; /* memory of the node is in a CEDT CFMWS window */
	uint16_t cxl_restrictions;
	bool hmat_target; /* SRAT memory the HMAT may describe */
	uint32_t processor_pxm; /* HMAT type 0 attached initiator, or UINT32_MAX */
	struct fw_access access[2]; /* as hmat_update_target_attrs() derives them */
	/* a node with no distance file (possible, offline): its SLIT row by node id, kept
	 * when the SLIT is freed (build_zonelists lists every possible node); NULL otherwise */
	uint8_t *slit_row;
};

/* one initiator x target pair of the HMAT memory hierarchy, normalised to ns and MB/s */
struct fw_perf {
	uint32_t v[4]; /* enum topo_perf_attr; 0 = not given */
};

/* proximity domains Linux can map: MAX_PXM_DOMAINS, plus fake CFMWS ones after them */
#define FW_PXM_MAP 2048

struct topo_fw {
	bool have_srat, have_slit, have_hmat, have_cedt, have_nfit; /* parsed, not rejected */
	struct acpi_srat srat;
	struct acpi_slit slit;
	struct acpi_hmat hmat;
	struct acpi_cedt cedt;
	struct acpi_nfit nfit;
	struct fw_node *nodes; /* by node id: nodes[i].node == i */
	size_t n_nodes;
	int pxm_node[FW_PXM_MAP]; /* pxm -> node id, -1 */
	/* the HMAT matrix: initiators (ascending PXMs that have a node) x every node, looked up
	 * in the locality structures when asked (256 x 1024 x 4 figures would be 4 MB) */
	uint32_t *init_pxm;
	size_t n_inits;
	int init_index[FW_PXM_MAP]; /* pxm -> row, -1 */
	bool have_matrix;	    /* the HMAT was merged: the figures below can be asked */
	struct fw_loc *locs;	    /* the memory-hierarchy locality structures, in table order */
	size_t n_locs;
};

/* a locality structure with, per PXM, its first row and column and the next duplicates */
struct fw_loc {
	const struct acpi_hmat_locality *l;
	int row_first[FW_PXM_MAP], col_first[FW_PXM_MAP]; /* -1: not listed */
	int *row_next, *col_next;			  /* the next row / column of the same PXM */
};

/*
 * The HMAT figures of initiator node -> target node as hmat_parse_locality() leaves them
 * (every structure in table order, the last figure given wins). False when there is no
 * matrix or the initiator is not in it.
 */
bool fw_perf_get(const struct topo_fw *fw, int initiator, int target, struct fw_perf *out);
/* One figure (enum topo_perf_attr) by matrix row (index into init_pxm) and target node; 0
 * when not given or outside the matrix. */
uint32_t fw_perf_attr_at(const struct topo_fw *fw, size_t row, int target, int attr);

#define FW_NO_PXM UINT32_MAX

/* every (row, column) of @ipxm x @tpxm in @loc, rows outer, as the kernel walks them */
#define FW_FOR_EACH_CELL(loc, ipxm, tpxm, r, c)                                                  \
	for (int r = (ipxm) < FW_PXM_MAP ? (loc)->row_first[(ipxm)] : -1; r >= 0;                \
	     r = (loc)->row_next[r])                                                             \
		for (int c = (tpxm) < FW_PXM_MAP ? (loc)->col_first[(tpxm)] : -1; c >= 0;        \
		     c = (loc)->col_next[c])
/* The figure of cell (@r, @c) of a locality structure, normalised to ns or MB/s; 0 = none. */
uint32_t fw_loc_cell(const struct topo_fw *fw, const struct fw_loc *x, int r, int c);
/* Set the fields of v[enum topo_perf_attr] that an HMAT data type gives
 * (hmat_update_target_access). */
void fw_set_attr(uint32_t v[4], uint8_t type, uint32_t value);
const struct fw_node *fw_node_by_id(const struct topo_fw *fw, int node);
/* the node Linux gives @pxm, or -1 */
int fw_pxm_to_node(const struct topo_fw *fw, uint32_t pxm);
void firmware_free(struct topo_fw *fw);

#endif
