/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtopo: NUMA topology, memory tiering and HMAT discovery.
 *
 * The one public header. Every object is opaque and owned by the context or the snapshot
 * that returned it; every call that can fail returns a negative errno value and sends the
 * details to the log function (topo_ctx_set_log_fn). The library never prints and never
 * exits. Nothing here touches the machine except through the sysroot given to topo_ctx_new().
 */
#ifndef LIBTOPO_H
#define LIBTOPO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct topo_ctx;
struct topo;
struct topo_node;
struct topo_dev;
struct topo_finding;

/* ---- context ------------------------------------------------------------------------ */

/*
 * Create a context reading the machine below @sysroot (a directory holding sys/ and proc/,
 * like `lscpu --sysroot`); NULL or "/" means the running machine. Returns 0 or -errno.
 */
int topo_ctx_new(struct topo_ctx **ctx, const char *sysroot);
struct topo_ctx *topo_ctx_ref(struct topo_ctx *ctx);
struct topo_ctx *topo_ctx_unref(struct topo_ctx *ctx);
const char *topo_ctx_get_sysroot(const struct topo_ctx *ctx);

/*
 * Read ACPI tables from @dir (SRAT.dat, SLIT.dat, HMAT.dat, CEDT.dat, NFIT.dat, as written
 * by `acpixtract -a`) instead of <sysroot>/sys/firmware/acpi/tables. NULL restores the
 * default.
 */
int topo_ctx_set_acpi_dir(struct topo_ctx *ctx, const char *dir);

/* Log priorities follow syslog: 3 error, 4 warning, 6 info, 7 debug. Default: 3. */
typedef void (*topo_log_fn)(void *data, int priority, const char *file, int line,
			    const char *fn, const char *format, va_list args);
void topo_ctx_set_log_fn(struct topo_ctx *ctx, topo_log_fn fn, void *data);
void topo_ctx_set_log_priority(struct topo_ctx *ctx, int priority);
int topo_ctx_get_log_priority(const struct topo_ctx *ctx);

/*
 * Record every path the readers open, list or follow (relative to the sysroot) while
 * topo_discover() runs; used by `tiertopo gather`. Off by default.
 */
void topo_ctx_set_recording(struct topo_ctx *ctx, bool on);
size_t topo_ctx_get_recorded_count(const struct topo_ctx *ctx);
/* Returns the i-th recorded path (relative, no leading '/'); NULL past the end. */
const char *topo_ctx_get_recorded_path(const struct topo_ctx *ctx, size_t i);

/* ---- snapshot ----------------------------------------------------------------------- */

/*
 * Read the machine into a new snapshot. Missing files are normal (an older kernel, a
 * feature that is off) and leave the value unknown; garbled files become findings. Fails
 * only when nothing can be read at all (no node directory under the sysroot): -ENOENT.
 */
int topo_discover(struct topo_ctx *ctx, struct topo **topo);
struct topo *topo_ref(struct topo *topo);
struct topo *topo_unref(struct topo *topo);

/* Kernel release from proc/sys/kernel/osrelease, or NULL when unknown. */
const char *topo_get_kernel_release(const struct topo *topo);

/* Node masks from sys/devices/system/node: the highest node id + 1 that any mask names. */
int topo_get_max_node_id(const struct topo *topo);

/* Nodes known to the snapshot (every possible node), in ascending id order. */
size_t topo_get_node_count(const struct topo *topo);
const struct topo_node *topo_get_node_by_index(const struct topo *topo, size_t index);
/* NULL when @node_id is not a possible node. */
const struct topo_node *topo_get_node(const struct topo *topo, int node_id);

int topo_node_get_id(const struct topo_node *node);
bool topo_node_is_online(const struct topo_node *node);
bool topo_node_has_cpu(const struct topo_node *node);
bool topo_node_has_memory(const struct topo_node *node);
bool topo_node_has_normal_memory(const struct topo_node *node);
bool topo_node_is_generic_initiator(const struct topo_node *node);

/* CPUs of the node, ascending. Returns the count; *cpus stays owned by the snapshot. */
size_t topo_node_get_cpus(const struct topo_node *node, const unsigned int **cpus);

/* MemTotal / MemFree of nodeN/meminfo in bytes; -ENODATA when unknown. */
int topo_node_get_mem_total(const struct topo_node *node, uint64_t *bytes);
int topo_node_get_mem_free(const struct topo_node *node, uint64_t *bytes);

/* Memory blocks linked from nodeN/ (memoryM); block size is topo_get_memory_block_size. */
size_t topo_node_get_memory_block_count(const struct topo_node *node);
int topo_get_memory_block_size(const struct topo *topo, uint64_t *bytes);

/*
 * SLIT distance as the kernel reports it in nodeN/distance (whose columns are the online
 * nodes, not node ids). -ENODATA when unknown.
 */
int topo_get_distance(const struct topo *topo, int from, int to, unsigned int *distance);

/*
 * The smallest distance from @node to a node with CPUs (itself included), and that node
 * (the lowest id among ties). -ENODATA when no distance to a CPU node is known.
 */
int topo_get_nearest_cpu_distance(const struct topo *topo, int node, unsigned int *distance,
				  int *cpu_node);

/* HMAT performance as the kernel reports it in nodeN/access{0,1}/initiators. */
enum topo_perf_attr {
	TOPO_PERF_READ_LATENCY = 0,   /* ns */
	TOPO_PERF_WRITE_LATENCY = 1,  /* ns */
	TOPO_PERF_READ_BANDWIDTH = 2, /* MB/s */
	TOPO_PERF_WRITE_BANDWIDTH = 3 /* MB/s */
};
/*
 * @access_class is 0 (any initiator) or 1 (CPU initiators). -ENODATA when not reported,
 * including the 0 the kernel prints for a figure the firmware did not give; a 0 the
 * firmware gave (its HMAT has figures of that kind) is returned as 0.
 */
int topo_node_get_perf(const struct topo_node *node, unsigned int access_class,
		       enum topo_perf_attr attr, uint32_t *value);
/* The initiator nodes linked from accessC/initiators, ascending; returns the count. */
size_t topo_node_get_perf_initiators(const struct topo_node *node, unsigned int access_class,
				     const int **initiators);
/* On an initiator node: the targets it is the best initiator of (accessC/targets). */
size_t topo_node_get_perf_targets(const struct topo_node *node, unsigned int access_class,
				  const int **targets);

/* Memory-side caches (nodeN/memory_side_cache/indexL), in ascending level order. */
size_t topo_node_get_cache_count(const struct topo_node *node);
enum topo_cache_attr {
	TOPO_CACHE_LEVEL = 0,
	TOPO_CACHE_SIZE = 1,	    /* bytes */
	TOPO_CACHE_LINE_SIZE = 2,   /* bytes */
	TOPO_CACHE_INDEXING = 3,    /* 0 direct-mapped, 1 indexed, 2 other */
	TOPO_CACHE_WRITE_POLICY = 4 /* 0 write-back, 1 write-through, 2 other */
};
int topo_node_get_cache(const struct topo_node *node, size_t index, enum topo_cache_attr attr,
			uint64_t *value);

/*
 * The kernel's own memory tiers (sys/devices/virtual/memory_tiering/memory_tierN), in
 * ascending id order. The node list is owned by the snapshot. N is the kernel's u32 tier
 * id: an abstract distance past INT_MAX makes a tier whose id is above INT_MAX (it sorts
 * before every other); topo_get_kernel_tier() then sets *tier_id to -1 and returns -ERANGE
 * (the nodes are still set), and topo_get_kernel_tier_id() (LIBTOPO_0.3) gives the id.
 */
size_t topo_get_kernel_tier_count(const struct topo *topo);
int topo_get_kernel_tier(const struct topo *topo, size_t index, int *tier_id,
			 const int **nodes, size_t *n_nodes);
int topo_get_kernel_tier_id(const struct topo *topo, size_t index, uint32_t *tier_id);
/* The kernel tier id of a node, or -ENODATA when the kernel has not placed it; -ERANGE when
 * the id is above INT_MAX: topo_node_get_kernel_tier_id() (LIBTOPO_0.3) gives every id. */
int topo_node_get_kernel_tier(const struct topo_node *node);
int topo_node_get_kernel_tier_id(const struct topo_node *node, uint32_t *tier_id);

/*
 * The kernel's demotion targets of a node as its log last printed them ("Demotion targets
 * for Node N", read from dev/kmsg). -ENODATA when the log is not readable or says nothing.
 */
int topo_node_get_kernel_demotion(const struct topo_node *node, const int **preferred,
				  size_t *n_preferred, const int **fallback, size_t *n_fallback);

/* Tiering knobs; each returns -ENODATA when the file does not exist on this kernel. */
int topo_get_demotion_enabled(const struct topo *topo, bool *enabled);
int topo_get_numa_balancing(const struct topo *topo, int *mode);
int topo_get_promote_rate_limit(const struct topo *topo, uint64_t *mbps);
/* weighted_interleave/auto (or __auto_type on some kernels). */
int topo_get_weighted_interleave_auto(const struct topo *topo, bool *automatic);
int topo_node_get_interleave_weight(const struct topo_node *node, unsigned int *weight);

/*
 * Firmware view (ACPI tables): the proximity domain Linux maps to the node, and the HMAT
 * figure of an initiator -> target pair of nodes, in ns or MB/s as the kernel normalises
 * them. -ENODATA when the tables do not say.
 */
int topo_node_get_pxm(const struct topo_node *node, const struct topo *topo, unsigned int *pxm);
int topo_get_hmat_perf(const struct topo *topo, int initiator, int target,
		       enum topo_perf_attr attr, uint32_t *value);
/*
 * Since LIBTOPO_0.3. The distance from node @from to node @to in the firmware's SLIT (by
 * their proximity domains), which the kernel may have replaced (nodeN/distance:
 * topo_get_distance). -ENODATA when the SLIT does not say.
 */
int topo_get_slit_distance(const struct topo *topo, int from, int to, unsigned int *distance);
/*
 * Since LIBTOPO_0.3. Whether the firmware table @signature ("SRAT", "SLIT", "HMAT", "CEDT",
 * "NFIT") was read: 0 when it was (*used: parsed and taken, not rejected), -ENOENT when
 * absent.
 */
int topo_get_acpi_table(const struct topo *topo, const char *signature, bool *used);

/* ---- dax, nd and cxl devices, as raw facts ------------------------------------------ */

enum topo_bus { TOPO_BUS_DAX = 0, TOPO_BUS_ND = 1, TOPO_BUS_CXL = 2 };
size_t topo_get_dev_count(const struct topo *topo);
const struct topo_dev *topo_get_dev(const struct topo *topo, size_t index);
enum topo_bus topo_dev_get_bus(const struct topo_dev *dev);
const char *topo_dev_get_name(const struct topo_dev *dev);	/* dax0.0, region1 */
const char *topo_dev_get_driver(const struct topo_dev *dev);	/* kmem, device_dax, NULL */
const char *topo_dev_get_devpath(const struct topo_dev *dev);	/* devices/... (resolved) */
/* The parent chain's kind: "nd_region", "hmem", "cxl_region", or NULL when none. */
const char *topo_dev_get_parent_kind(const struct topo_dev *dev);
const char *topo_dev_get_parent(const struct topo_dev *dev);	/* region0, hmem.1 */
/* target_node / numa_node; -ENODATA when the file is absent (hidden when < 0). */
int topo_dev_get_target_node(const struct topo_dev *dev, int *node);
int topo_dev_get_numa_node(const struct topo_dev *dev, int *node);
int topo_dev_get_size(const struct topo_dev *dev, uint64_t *bytes);

/* ---- memory hotplug (since LIBTOPO_0.3) ------------------------------------------- */

/*
 * The node's memory blocks (nodeN/memoryM) by sys/devices/system/memory/memoryM/state:
 * how many are online and how many offline. -ENODATA when no block's state could be read.
 */
int topo_node_get_memory_block_states(const struct topo_node *node, size_t *online,
				      size_t *offline);
/*
 * The zones of the node's online blocks (memoryM/valid_zones: "Normal", "Movable", "DMA32",
 * "none" for a block spanning zones ...), each once, DMA, DMA32, Normal, Movable first. Writes
 * up to @max names (owned by the snapshot) to @zones; returns how many there are.
 */
size_t topo_node_get_memory_zones(const struct topo_node *node, const char **zones, size_t max);
/* sys/devices/system/memory/auto_online_blocks as printed (offline, online, online_kernel,
 * online_movable); -ENODATA when absent. */
int topo_get_auto_online_blocks(const struct topo *topo, const char **policy);
/* sys/module/memory_hotplug/parameters/memmap_on_memory as printed (Y, N, force);
 * -ENODATA when absent. */
int topo_get_memmap_on_memory(const struct topo *topo, const char **value);
/* A dax device's mode as daxctl names it: "system-ram" (bound to kmem), "devdax" (bound to
 * device_dax), or NULL (not bound, or not a dax device). */
const char *topo_dev_get_dax_mode(const struct topo_dev *dev);
/* A system-ram dax device's memory blocks on its target node (its resource range): online
 * and total, as daxctl's online_memblocks and total_memblocks. -ENODATA when unknown. */
int topo_dev_get_memory_blocks(const struct topo_dev *dev, size_t *online, size_t *total);
/* Whether every block of a system-ram dax device is online in ZONE_MOVABLE (daxctl's
 * "movable"). -ENODATA when unknown, also when a block is offline (as daxctl). */
int topo_dev_get_movable(const struct topo_dev *dev, bool *movable);

/* ---- findings ----------------------------------------------------------------------- */

enum topo_severity { TOPO_SEVERITY_INFO = 0, TOPO_SEVERITY_WARNING = 1, TOPO_SEVERITY_ERROR = 2 };
size_t topo_get_finding_count(const struct topo *topo);
const struct topo_finding *topo_get_finding(const struct topo *topo, size_t index);
const char *topo_finding_get_id(const struct topo_finding *finding);	 /* stable id */
enum topo_severity topo_finding_get_severity(const struct topo_finding *finding);
const char *topo_finding_get_message(const struct topo_finding *finding);
const char *topo_finding_get_path(const struct topo_finding *finding); /* may be NULL */
const char *topo_severity_to_string(enum topo_severity severity);

/* ---- classification, tiers and demotion (plans) ------------------------------------- */

enum topo_kind {
	TOPO_KIND_UNKNOWN = 0,
	TOPO_KIND_DRAM = 1,
	TOPO_KIND_PMEM = 2,
	TOPO_KIND_HBM = 3,
	TOPO_KIND_CXL_DRAM = 4,
	TOPO_KIND_CXL_PMEM = 5,
	TOPO_KIND_SPM = 6, /* EFI specific-purpose (soft-reserved) memory of unknown speed */
	/* Since 0.3: a GPU's own memory onlined as a NUMA node (NVIDIA coherent GPU memory);
	 * never a demotion target or source of the recommended plan. Callers that switch on
	 * the kind must expect values added in later versions. */
	TOPO_KIND_GPU = 7,
};
/* "DRAM", "PMEM", "HBM", "CXL-DRAM", "CXL-PMEM", "SPM", "GPU", "unknown" */
const char *topo_kind_to_string(enum topo_kind kind);
/* Case-insensitive; -EINVAL for an unknown name. */
int topo_kind_from_string(const char *name, enum topo_kind *kind);

/* The kernel's abstract-distance constants (include/linux/memory-tiers.h, drivers/dax/kmem.c). */
#define TOPO_MEMTIER_CHUNK_BITS 7
#define TOPO_MEMTIER_ADISTANCE_DRAM 576
#define TOPO_MEMTIER_DEFAULT_DAX_ADISTANCE 2880

/*
 * Options of a plan: per-node overrides and exclusions. A plan is built from a snapshot
 * and options; neither is changed.
 */
struct topo_plan_opts;
int topo_plan_opts_new(struct topo_plan_opts **opts);
void topo_plan_opts_free(struct topo_plan_opts *opts);
/* Decide the node's kind (evidence: "override"). */
int topo_plan_opts_set_kind(struct topo_plan_opts *opts, int node, enum topo_kind kind);
/* Put the node at this abstract distance (its tier is adistance >> 7). */
int topo_plan_opts_set_adistance(struct topo_plan_opts *opts, int node, unsigned int adistance);
/* The node is neither a demotion source nor a target. */
int topo_plan_opts_exclude(struct topo_plan_opts *opts, int node);

enum topo_plan_model {
	/* tiertopo's own plan: HMAT-aware and kind-aware (PMEM never shares DRAM's tier) */
	TOPO_PLAN_RECOMMENDED = 0,
	/* what a given kernel release does with this machine (see topo_plan_new) */
	TOPO_PLAN_KERNEL = 1,
};

struct topo_plan;
/*
 * Build a plan. For TOPO_PLAN_KERNEL, @kernel_release names the kernel to model ("6.1",
 * "6.12.117+deb12-amd64"); NULL means the snapshot's own release (-ENODATA when unknown).
 * Any release from 5.15 on maps to the model of the first release that behaves the same
 * (topo_kernel_model_get lists them; topo_plan_get_kernel_model names the one used). An
 * unparsable release is -EINVAL; one before 5.15, which has no demotion or memory tiers to
 * model, is -EOPNOTSUPP. Returns 0 or -errno; the plan is verified (topo_plan_verify)
 * before it is returned.
 */
int topo_plan_new(const struct topo *topo, enum topo_plan_model model, const char *kernel_release,
		  const struct topo_plan_opts *opts, struct topo_plan **plan);
struct topo_plan *topo_plan_ref(struct topo_plan *plan);
struct topo_plan *topo_plan_unref(struct topo_plan *plan);
enum topo_plan_model topo_plan_get_model(const struct topo_plan *plan);
/* The modelled kernel release (TOPO_PLAN_KERNEL), else NULL. */
const char *topo_plan_get_kernel_release(const struct topo_plan *plan);
/*
 * The kernel model used for that release (TOPO_PLAN_KERNEL), else NULL: the name of the
 * first release that behaves as it does ("6.7" for "6.8.0-49-generic").
 */
const char *topo_plan_get_kernel_model(const struct topo_plan *plan);
/* The number of kernel models topo_plan_new knows. */
size_t topo_kernel_model_count(void);
/*
 * The name of kernel model @index (0 the oldest), and in *changes (if not NULL) what that
 * release changed; NULL when @index is out of range.
 */
const char *topo_kernel_model_get(size_t index, const char **changes);

/* Kind of a node with the evidence that decided it, strongest first. */
enum topo_kind topo_plan_get_kind(const struct topo_plan *plan, int node);
size_t topo_plan_get_evidence_count(const struct topo_plan *plan, int node);
const char *topo_plan_get_evidence(const struct topo_plan *plan, int node, size_t index);

/* Abstract distance and tier of a node; -ENODATA for a node in no tier (no memory, offline). */
int topo_plan_get_adistance(const struct topo_plan *plan, int node, unsigned int *adistance);
/* topo_plan_get_tier() is -ERANGE for a tier id above INT_MAX (a kernel model's tier of an
 * abstract distance past INT_MAX, which the kernel names memory_tier<u32>);
 * topo_plan_get_tier_id() (LIBTOPO_0.3) gives every id. */
int topo_plan_get_tier(const struct topo_plan *plan, int node);
int topo_plan_get_tier_id(const struct topo_plan *plan, int node, uint32_t *tier_id);

/* Tiers, fastest first: in the kernel's order, by the signed adistance_start, so a tier of
 * a negative start (an id above INT_MAX) comes first. The node list is owned by the plan.
 * topo_plan_get_tier_info() sets *tier_id to -1 and returns -ERANGE (the rest set) for an
 * id above INT_MAX; topo_plan_get_tier_id_at() (LIBTOPO_0.3) gives the id and the signed
 * start. */
size_t topo_plan_get_tier_count(const struct topo_plan *plan);
int topo_plan_get_tier_info(const struct topo_plan *plan, size_t index, int *tier_id,
			    unsigned int *adistance_start, const int **nodes, size_t *n_nodes);
int topo_plan_get_tier_id_at(const struct topo_plan *plan, size_t index, uint32_t *tier_id,
			     int32_t *adistance_start);

/* Demotion targets of a node (ascending ids): preferred, and every node of slower tiers. */
size_t topo_plan_get_preferred(const struct topo_plan *plan, int node, const int **targets);
size_t topo_plan_get_fallback(const struct topo_plan *plan, int node, const int **targets);
/* True when some node has a demotion target. */
bool topo_plan_has_demotion(const struct topo_plan *plan);

/*
 * Promotion's top tier (node_is_toptier()): 1 when NUMA balancing's memory-tiering mode
 * never promotes from @node because it counts as the fastest memory, 0 when its hot pages
 * are promoted. A kernel plan follows its release (5.18-6.0: the nodes with CPUs; 6.1+:
 * every tier up to the slowest one holding a node with CPUs, and nodes without memory); the
 * recommended plan applies the 6.1+ rule to its own tiers. -EOPNOTSUPP when the modelled
 * kernel has no memory-tiering mode (before 5.18, or without NUMA), -EINVAL for an unknown
 * node. topo_is_toptier() says the same of the running kernel, from its own memory
 * tiers in sysfs and its release (-ENODATA when either is unknown).
 */
int topo_plan_is_toptier(const struct topo_plan *plan, int node);
int topo_is_toptier(const struct topo *topo, int node);

/*
 * Check the invariants: no cycle, every target in a strictly slower tier, every node of a
 * non-terminal tier has a preferred target, no offline or memoryless target, no excluded
 * node as source or target. Returns 0, or -EINVAL with a sentence in *why (malloc'd; may be
 * NULL to ignore).
 */
int topo_plan_verify(const struct topo_plan *plan, char **why);

/* Problems met while planning (e.g. adistance overflow), as for the snapshot. */
size_t topo_plan_get_finding_count(const struct topo_plan *plan);
const struct topo_finding *topo_plan_get_finding(const struct topo_plan *plan, size_t index);

/* The plan as JSON: tiers[] and nodes[]{node, kind, evidence[], adistance, tier, demotion}. */
int topo_plan_to_json(const struct topo_plan *plan, unsigned int flags, char **json);
/* The same document printed to @f as it is made, without a final newline: no copy of the
 * whole text in memory (a 1024-node machine's is 30 MB). 0, or -errno (-EIO: @f failed;
 * part of the document may be printed). */
int topo_plan_print_json(const struct topo_plan *plan, unsigned int flags, FILE *f);

/* ---- configuration (/etc/tiertopo/tiertopo.conf) ----------------------------------- */

/*
 * Load the configuration: @path, or NULL for <sysroot>/etc/tiertopo/tiertopo.conf. A
 * missing file gives the defaults. A bad file fails with -EINVAL and the reason, with its
 * line, in *error (malloc'd; may be NULL to ignore). See tiertopo.conf(5).
 */
struct topo_config;
int topo_config_load(struct topo_ctx *ctx, const char *path, struct topo_config **config,
		     char **error);
void topo_config_free(struct topo_config *config);
/* The per-node overrides and exclusions, for topo_plan_new(); owned by the config. */
const struct topo_plan_opts *topo_config_get_plan_opts(const struct topo_config *config);
/* The [plan] kernel_model, or NULL. */
const char *topo_config_get_kernel_model(const struct topo_config *config);
/* "demotion", "numa_balancing", "promote_rate_limit", "weighted_interleave", "tier_files",
 * "state", "hooks". */
bool topo_config_sink_enabled(const struct topo_config *config, const char *sink);
/* [hooks] timeout, [watch] debounce and max_wait, in milliseconds. */
unsigned int topo_config_get_hook_timeout_ms(const struct topo_config *config);
unsigned int topo_config_get_debounce_ms(const struct topo_config *config);
unsigned int topo_config_get_max_wait_ms(const struct topo_config *config);

/* ---- apply: the plan to the kernel's knobs and to consumers ------------------------ */

enum topo_apply_flags {
	TOPO_APPLY_DRY_RUN = 1 << 0, /* compute and report the changes, make none */
	TOPO_APPLY_NO_HOOKS = 1 << 1,
};

enum topo_change_status {
	TOPO_CHANGE_PLANNED = 0,	/* dry run: would be written */
	TOPO_CHANGE_WRITTEN = 1,	/* written and read back */
	TOPO_CHANGE_FAILED = 2,		/* this write failed: the transaction was undone */
	TOPO_CHANGE_RESTORED = 3,	/* written, then restored after a later failure */
	TOPO_CHANGE_RESTORE_FAILED = 4, /* written, and could not be restored */
	TOPO_CHANGE_NOT_ATTEMPTED = 5,	/* after the failure: never written */
};

/*
 * Serialize with every other apply on the sysroot: take <sysroot>/run/tiertopo/lock (made
 * when missing; blocks while another process holds it) and hold it until topo_ctx_unlock()
 * or the context is freed. Take it before topo_discover() when the snapshot is made to be
 * applied: then no other apply writes while it is read, and topo_apply() uses the held lock.
 * Returns 0 (also when already held) or -errno.
 */
int topo_ctx_lock(struct topo_ctx *ctx);
void topo_ctx_unlock(struct topo_ctx *ctx);

/*
 * One watcher per sysroot: take <sysroot>/run/tiertopo/watch.lock without waiting and hold it
 * until the context is freed. Returns 0 (also when already held), -EWOULDBLOCK when another
 * process holds it, or -errno (a run directory or lock file that is a link, not root's or
 * writable by others is refused; the log says which). Since LIBTOPO_0.3.
 */
int topo_ctx_lock_watch(struct topo_ctx *ctx);

/*
 * Apply @plan (normally the recommended plan, built with the configuration's options) as
 * one transaction, serialized by <sysroot>/run/tiertopo/lock (the context's, when
 * topo_ctx_lock() holds it): every enabled sink is probed,
 * its current value read and compared with the desired one; only differing values are
 * written, and each is read back. If any write fails, every value already changed is
 * restored and the state file is left as it was. Then the hooks run (their failure undoes
 * nothing). Returns 0, or -errno with what happened in *report either way.
 */
struct topo_apply_report;
int topo_apply(struct topo_ctx *ctx, const struct topo_plan *plan,
	       const struct topo_config *config, unsigned int flags,
	       struct topo_apply_report **report);
void topo_apply_report_free(struct topo_apply_report *report);
size_t topo_apply_report_get_change_count(const struct topo_apply_report *report);
/* sink name, path below the sysroot, value before, value wanted, status, errno (0 or > 0). */
int topo_apply_report_get_change(const struct topo_apply_report *report, size_t index,
				 const char **sink, const char **path, const char **old_value,
				 const char **new_value, enum topo_change_status *status, int *error);
/* One sentence on why the transaction failed, or NULL. */
const char *topo_apply_report_get_error(const struct topo_apply_report *report);
size_t topo_apply_report_get_hook_count(const struct topo_apply_report *report);
/* hook path, exit status (-1 killed at the timeout or not run), message (or NULL) */
int topo_apply_report_get_hook(const struct topo_apply_report *report, size_t index,
			       const char **path, int *status, const char **message);

/*
 * Load a published state file (<sysroot>/run/tiertopo/state.json when @path is NULL): the
 * plan it holds, with its nodes, kinds, evidence, tiers and targets, without rediscovering.
 * The plan's snapshot holds only the nodes; topo_plan_get_* work on it as on a new plan.
 */
int topo_plan_load(struct topo_ctx *ctx, const char *path, struct topo_plan **plan);

/* ---- check: findings and drift --------------------------------------------------- */

/*
 * Everything wrong or surprising about a machine: the snapshot's findings (garbled files,
 * firmware tables), and drift, each explained in one sentence: the kernel's tiers and
 * demotion targets against the model of @kernel_release (NULL: the running kernel), and
 * against the recommended plan built with @opts (may be NULL).
 */
struct topo_check;
int topo_check_new(const struct topo *topo, const char *kernel_release,
		   const struct topo_plan_opts *opts, struct topo_check **check);
struct topo_check *topo_check_unref(struct topo_check *check);
size_t topo_check_get_finding_count(const struct topo_check *check);
const struct topo_finding *topo_check_get_finding(const struct topo_check *check, size_t index);
/* The number of findings at @severity or worse, but for those topo_check_suppress() marked. */
size_t topo_check_count(const struct topo_check *check, enum topo_severity severity);
/*
 * Mark the findings that the configuration accepts ([check] ignore of tiertopo.conf: an id,
 * optionally on node N or nodes N-M) as suppressed: they stay in the check, marked
 * ("suppressed": true in its JSON), and topo_check_count() no longer counts them. Each id
 * of that list the findings catalogue does not know becomes a warning,
 * config-unknown-finding, whose path is FILE:LINE. Returns the number of findings
 * suppressed, or -EINVAL, -ENOMEM. @config may be NULL (nothing to do).
 */
int topo_check_suppress(struct topo_check *check, const struct topo_config *config);
/* Whether topo_check_suppress() marked @finding; false for the findings of a snapshot or plan. */
bool topo_finding_is_suppressed(const struct topo_finding *finding);
/*
 * Whether [check] ignore of @config accepts @finding (its id, and its node when the entry
 * names nodes), as topo_check_suppress() decides: for the findings of a snapshot, a plan or
 * vmstat, which no check marks. false when @config or @finding is NULL.
 */
bool topo_config_ignores(const struct topo_config *config, const struct topo_finding *finding);
int topo_check_to_json(const struct topo_check *check, unsigned int flags, char **json);

/* ---- counters (tiertopo stat) ---- */

/*
 * One reading of the demotion, promotion and migration counters: every nodeN/vmstat of
 * sys/devices/system/node and proc/vmstat below the sysroot, and nothing else (no
 * discovery), so that a caller sampling at an interval pays only for these files. The
 * reading owns everything it returns. Garbled lines become findings; the other counters
 * are kept. Returns 0, or -ENOENT when neither proc/vmstat nor any nodeN/vmstat exists.
 */
struct topo_vmstat;
int topo_read_vmstat(struct topo_ctx *ctx, struct topo_vmstat **vmstat);
struct topo_vmstat *topo_vmstat_ref(struct topo_vmstat *vmstat);
struct topo_vmstat *topo_vmstat_unref(struct topo_vmstat *vmstat);
/*
 * Readings at an interval: a reader keeps each vmstat file open after its first reading and
 * reads it again from offset 0 (one system call per file where topo_read_vmstat() makes
 * four), keeps at most half of RLIMIT_NOFILE's fds open (the rest are opened each time; when
 * an open fails for want of fds it closes them all and keeps none from then on), and lists
 * the node directory at each reading, so that a node that comes or goes is seen.
 * Each reading is as topo_read_vmstat()'s. The reader holds a reference to @ctx.
 */
struct topo_vmstat_reader;
int topo_vmstat_reader_new(struct topo_ctx *ctx, struct topo_vmstat_reader **reader);
int topo_vmstat_reader_read(struct topo_vmstat_reader *reader, struct topo_vmstat **vmstat);
struct topo_vmstat_reader *topo_vmstat_reader_free(struct topo_vmstat_reader *reader);
/* CLOCK_MONOTONIC, in ns, when the reading was taken. */
uint64_t topo_vmstat_get_time_ns(const struct topo_vmstat *vmstat);

/* The nodes that have a vmstat file, in ascending id order; -EINVAL past the end. */
size_t topo_vmstat_get_node_count(const struct topo_vmstat *vmstat);
int topo_vmstat_get_node_id(const struct topo_vmstat *vmstat, size_t index);

/*
 * The counter @name ("pgdemote_kswapd", any name the kernel prints) of @node, or of the
 * whole machine (proc/vmstat) when @node is -1. -ENODATA when that file does not have it:
 * the kernel lacks the counter, or counts it only machine-wide (pgdemote_* before 6.8,
 * numa_hint_faults, pgmigrate_*), or the file is absent. Never 0 for "unknown".
 */
int topo_vmstat_get(const struct topo_vmstat *vmstat, int node, const char *name,
		    uint64_t *value);

enum topo_vmstat_scope {
	TOPO_VMSTAT_ABSENT = 0,	 /* in no file: the kernel does not have it */
	TOPO_VMSTAT_MACHINE = 1, /* only in proc/vmstat: counted for the whole machine */
	TOPO_VMSTAT_NODE = 2,	 /* in nodeN/vmstat (and summed in proc/vmstat) */
};
enum topo_vmstat_scope topo_vmstat_get_scope(const struct topo_vmstat *vmstat, const char *name);

/*
 * Per-second rate of a counter between two readings: (after - before) / @seconds, or over
 * the time between the readings when @seconds <= 0. -ENODATA when either reading lacks it,
 * -ERANGE when the counter went back (the node was removed and added again).
 */
int topo_vmstat_get_rate(const struct topo_vmstat *before, const struct topo_vmstat *after,
			 int node, const char *name, double seconds, double *rate);

/* Problems met while reading (garbled lines), as for the snapshot. */
size_t topo_vmstat_get_finding_count(const struct topo_vmstat *vmstat);
const struct topo_finding *topo_vmstat_get_finding(const struct topo_vmstat *vmstat,
						   size_t index);

/* ---- JSON --------------------------------------------------------------------------- */

/* The whole snapshot as JSON (keys: docs/json.md). *json is malloc'd; the caller frees it.
 * Every JSON document (these, topo_check_to_json(), the state file, tiertopo's -J) starts
 * with "schema": TOPO_JSON_SCHEMA; the number changes when a key changes meaning or type.
 * The JSON Schema: /usr/share/tiertopo/tiertopo.schema.json. */
#define TOPO_JSON_SCHEMA "tiertopo/1"
enum topo_json_flags { TOPO_JSON_PRETTY = 1 << 0 };
int topo_to_json(const struct topo *topo, unsigned int flags, char **json);

#ifdef __cplusplus
}
#endif
#endif
