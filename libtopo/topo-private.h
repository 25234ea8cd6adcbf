/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal model of libtopo. Only the library and its white-box tests include this.
 */
#ifndef TOPO_PRIVATE_H
#define TOPO_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "libtopo.h"
#include "findings.h"
#include "cleanup.h"
#include "nodemask.h"

/* ---- context ------------------------------------------------------------------------ */

struct topo_ctx {
	int refcount;
	char *sysroot; /* as given, "/" by default */
	int rootfd;    /* O_PATH directory fd of the sysroot: every read is relative to it */
	char *acpi_dir;
	topo_log_fn log_fn;
	void *log_data;
	int log_priority;
	bool recording;
	char **recorded;
	size_t n_recorded, cap_recorded;
	/* called before every write below the sysroot; a negative return fails that write, a
	 * positive one drops it silently (a knob that ignores writes): tests inject failures
	 * with it and count writes */
	int (*write_hook)(void *data, const char *path);
	void *write_hook_data;
	/* directories a reader holds open (io_scan_dir with keep): a path below one of them is
	 * opened relative to its fd, a walk of one or two components instead of eight */
	struct io_dir {
		char *path;
		size_t len;
		int fd;
	} dirs[4];
	int n_dirs;
	int lockfd; /* run/tiertopo/lock while topo_ctx_lock() holds it, else -1 */
	/* threads that read node directories: 0 = as many as the cpus this process may run on
	 * (at most 8, and only for machines of 128 nodes and more); 1 = none */
	unsigned int threads;
};

/* Tests: the number of discovery threads (0 = automatic). Not exported. */
void topo_ctx_set_threads(struct topo_ctx *ctx, unsigned int threads);

/* Tests: replace the write hook (NULL restores plain writes). Not exported. */
void topo_ctx_set_write_hook(struct topo_ctx *ctx, int (*hook)(void *data, const char *path),
			     void *data);

__attribute__((format(printf, 6, 7))) void topo_log(const struct topo_ctx *ctx, int priority,
						     const char *file, int line, const char *fn,
						     const char *format, ...);
#define topo_log_cond(ctx, prio, ...)                                                            \
	do {                                                                                     \
		if ((ctx)->log_priority >= (prio))                                               \
			topo_log((ctx), (prio), __FILE__, __LINE__, __func__, __VA_ARGS__);       \
	} while (0)
#define dbg(ctx, ...) topo_log_cond(ctx, 7, __VA_ARGS__)
#define info(ctx, ...) topo_log_cond(ctx, 6, __VA_ARGS__)
#define warn(ctx, ...) topo_log_cond(ctx, 4, __VA_ARGS__)
#define err(ctx, ...) topo_log_cond(ctx, 3, __VA_ARGS__)

/* ---- sysroot I/O (io.c) ------------------------------------------------------------- */

/* Largest file a reader accepts; sysfs attributes are one page, tables a few KiB. */
#define TOPO_ATTR_MAX (64u * 1024u)
#define TOPO_TABLE_MAX (16u * 1024u * 1024u)

/*
 * Read a whole file below the sysroot by content (never trusting st_size, which is 4096 for
 * every sysfs attribute). The buffer is NUL-terminated; *len excludes the NUL.
 * Returns 0, -ENOENT when absent, -EFBIG when longer than @max, or another -errno.
 */
int io_read_file(struct topo_ctx *ctx, const char *path, size_t max, char **buf, size_t *len);
/* Read from an absolute or cwd-relative path outside the sysroot (--acpi-dir). */
int io_read_file_abs(struct topo_ctx *ctx, const char *path, size_t max, char **buf,
		     size_t *len);
/* readlink below the sysroot; *target is malloc'd. */
int io_readlink(struct topo_ctx *ctx, const char *path, char **target);
/* List a directory below the sysroot: sorted names (no . and ..), malloc'd vector; @keep
 * as io_scan_dir(). */
int io_list_dir(struct topo_ctx *ctx, const char *path, bool keep, char ***names, size_t *n);
/*
 * Call @cb(data, name) for each entry of a directory below the sysroot (no . and ..), in
 * the directory's order, without copying or sorting; a negative return of @cb stops the
 * scan and is returned. With @keep, the directory stays open after the scan (even when it
 * failed) and files below @path are opened relative to it until the matching
 * io_pop_dir(): every io_scan_dir(..., true, ...) is paired with one io_pop_dir().
 */
int io_scan_dir(struct topo_ctx *ctx, const char *path, bool keep,
		int (*cb)(void *data, const char *name), void *data);
void io_pop_dir(struct topo_ctx *ctx);
/* Hold a directory open without scanning it (an O_PATH fd), paired with io_pop_dir(). */
int io_hold_dir(struct topo_ctx *ctx, const char *path);
bool io_exists(struct topo_ctx *ctx, const char *path);
/*
 * Write @len bytes to an existing file below the sysroot (a sysfs or procfs knob, or its
 * copy in a test tree), truncating a regular file first. Returns 0 or -errno.
 */
int io_write_file(struct topo_ctx *ctx, const char *path, const char *data, size_t len);
/*
 * Replace a file below the sysroot atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory; parent directories are created (0755). The old
 * file stays whole if anything fails.
 */
int io_replace_file(struct topo_ctx *ctx, const char *path, const char *data, size_t len,
		    mode_t mode);
/* Create the directories of @path below the sysroot (like mkdir -p of its dirname). */
int io_mkdirs(struct topo_ctx *ctx, const char *path);
void io_record(struct topo_ctx *ctx, const char *path);
void strv_free(char **v, size_t n);

/* ---- the snapshot ------------------------------------------------------------------- */

/* A value that may be unknown: the file did not exist or could not be parsed. */
struct opt_u64 {
	bool known;
	uint64_t v;
};

struct topo_perf_class {
	bool present; /* accessC/ exists */
	struct opt_u64 attr[4]; /* indexed by enum topo_perf_attr */
	int *initiators; /* accessC/initiators/nodeX: the best initiators of this target */
	size_t n_initiators;
	int *targets; /* accessC/targets/nodeY: the targets this node is best initiator of */
	size_t n_targets;
};

struct topo_cache {
	unsigned int level;
	struct opt_u64 size, line_size, indexing, write_policy;
};

struct topo_node {
	int id;
	bool present; /* nodeN/ exists */
	bool online, has_cpu, has_memory, has_normal_memory, generic_initiator;
	unsigned int *cpus;
	size_t n_cpus;
	struct opt_u64 mem_total, mem_free; /* bytes */
	size_t n_memory_blocks;
	/* distance to every node by node *index* in topo->nodes; 0 = unknown */
	uint8_t *distance; /* 1..255 (read_distance rejects others), 0 = unknown */
	struct topo_perf_class access[2];
	struct topo_cache *caches;
	size_t n_caches;
	int kernel_tier; /* -1: none */
	struct opt_u64 interleave_weight;
	/* the kernel's own targets, from its log (sysfs/kmsg.c) */
	bool kernel_demotion_known;
	int *kernel_preferred, *kernel_fallback;
	size_t n_kernel_preferred, n_kernel_fallback;
	/* the node's listed cpus that are present but offline (cpus holds the online ones) */
	unsigned int *cpus_offline;
	size_t n_cpus_offline;
	/* the PCI address of the GPU whose memory this node is (sysfs/cpu.c), or NULL */
	char *gpu;
};

struct topo_kernel_tier {
	int id;
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

struct topo_fw;
struct topo_node *topo_node_by_id(struct topo *topo, int id);

/* ---- typed readers with findings (sysfs/read.c) ------------------------------------ */

/*
 * Each returns 0 when a value was read, -ENOENT when the file is absent (not a finding),
 * and -EINVAL when the file exists but holds no usable value: then a finding naming the
 * path and the content has been recorded.
 */
int read_u64(struct topo *topo, const char *path, int base, uint64_t *value);
int read_int(struct topo *topo, const char *path, int *value);
int read_bool(struct topo *topo, const char *path, bool *value);
int read_nodelist(struct topo *topo, const char *path, struct nodemask *mask);
int read_trimmed(struct topo *topo, const char *path, char **value);
void finding_garbled(struct topo *topo, const char *path, const char *content,
		     const char *expected);

/* ---- JSON helpers (json.c) --------------------------------------------------------- */

struct json_object;
struct json_object *finding_json(const struct topo_finding *f);
struct topo_plan;
/* The snapshot with the plan, as topo_plan_to_json() prints it; the caller puts it. */
struct json_object *plan_document_json(const struct topo_plan *plan);
/* Serialize and drop @root; *out is malloc'd. */
int json_to_string(struct json_object *root, unsigned int flags, char **out);

/* ---- readers (sysfs/), each fills its part of the snapshot ------------------------- */

int sysfs_read_node_masks(struct topo *topo);
int sysfs_read_nodes(struct topo *topo);
/* the files of nodeN/accessC/initiators/, by enum topo_perf_attr */
extern const char *const sysfs_access_attrs[4];
/*
 * A view of @topo for a worker thread: the same snapshot, with @ctx, a copy of its context
 * (the same sysroot fd, no held directories, its own) and findings of its own; a worker
 * reads through it and its caller takes back what it filled.
 */
void topo_view_init(struct topo *view, struct topo_ctx *ctx, const struct topo *topo);
/* How many threads sysfs_read_nodes() uses for this machine (1: none of its own). */
unsigned int sysfs_node_threads(const struct topo *topo);
int sysfs_read_memory(struct topo *topo);
int sysfs_read_kernel_tiers(struct topo *topo);
int sysfs_read_knobs(struct topo *topo);
int sysfs_read_dax(struct topo *topo);
int sysfs_read_nd(struct topo *topo);
int sysfs_read_cxl(struct topo *topo);
int firmware_read_tables(struct topo *topo);
int sysfs_read_kmsg(struct topo *topo);
/* sysfs/cpu.c: present and online cpus and the processor model (before the nodes); the
 * GPUs whose memory is a node (after them) */
int sysfs_read_cpus(struct topo *topo);
int sysfs_read_gpu_nodes(struct topo *topo);
bool topo_cpu_is_present(const struct topo *topo, unsigned int cpu);
bool topo_cpu_is_online(const struct topo *topo, unsigned int cpu);

#endif
