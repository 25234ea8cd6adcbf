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
 * including the 0 the kernel prints for a figure the firmware did not give.
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
 * ascending id order. The node list is owned by the snapshot.
 */
size_t topo_get_kernel_tier_count(const struct topo *topo);
int topo_get_kernel_tier(const struct topo *topo, size_t index, int *tier_id,
			 const int **nodes, size_t *n_nodes);
/* The kernel tier id of a node, or -ENODATA when the kernel has not placed it. */
int topo_node_get_kernel_tier(const struct topo_node *node);

/* Tiering knobs; each returns -ENODATA when the file does not exist on this kernel. */
int topo_get_demotion_enabled(const struct topo *topo, bool *enabled);
int topo_get_numa_balancing(const struct topo *topo, int *mode);
int topo_get_promote_rate_limit(const struct topo *topo, uint64_t *mbps);
/* weighted_interleave/auto (or __auto_type on some kernels). */
int topo_get_weighted_interleave_auto(const struct topo *topo, bool *automatic);
int topo_node_get_interleave_weight(const struct topo_node *node, unsigned int *weight);

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

/* ---- findings ----------------------------------------------------------------------- */

enum topo_severity { TOPO_SEVERITY_INFO = 0, TOPO_SEVERITY_WARNING = 1, TOPO_SEVERITY_ERROR = 2 };
size_t topo_get_finding_count(const struct topo *topo);
const struct topo_finding *topo_get_finding(const struct topo *topo, size_t index);
const char *topo_finding_get_id(const struct topo_finding *finding);	 /* stable id */
enum topo_severity topo_finding_get_severity(const struct topo_finding *finding);
const char *topo_finding_get_message(const struct topo_finding *finding);
const char *topo_finding_get_path(const struct topo_finding *finding); /* may be NULL */
const char *topo_severity_to_string(enum topo_severity severity);

/* ---- JSON --------------------------------------------------------------------------- */

/* The whole snapshot as JSON (keys of DESIGN.md). *json is malloc'd; the caller frees it. */
enum topo_json_flags { TOPO_JSON_PRETTY = 1 << 0 };
int topo_to_json(const struct topo *topo, unsigned int flags, char **json);

#ifdef __cplusplus
}
#endif
#endif
