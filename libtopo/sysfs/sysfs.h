/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysfs/: the readers. Each reads its files below the sysroot (through base/io.c) and fills
 * its part of the snapshot; a garbled file is a finding naming the path. Readers call base/,
 * acpi/ and snapshot/, never discover/ or anything above. Prototypes grouped by the file
 * that defines them.
 */
#ifndef TOPO_SYSFS_H
#define TOPO_SYSFS_H

#include "snapshot/snapshot.h"

/* ---- read.c: typed readers with findings -------------------------------------------- */

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
/* An HMAT-style performance figure (nodeN/accessC/initiators/ATTR, regionN/accessC/ATTR): a decimal
 * the kernel prints from a 32-bit value; a larger one is a finding. Sets *figure on 0. */
int read_perf_figure(struct topo *topo, const char *path, struct opt_u64 *figure);
void finding_garbled(struct topo *topo, const char *path, const char *content,
		     const char *expected);

/* ---- bus.c: the devices of a bus ------------------------------------------------------- */

/*
 * Walk sys/bus/<bus>/devices, calling @fill for every device whose name starts with @prefix,
 * with a new topo_dev whose name, resolved devpath and driver are already set. A device
 * @fill rejects (returns < 0) is dropped.
 */
int bus_for_each_dev(struct topo *topo, enum topo_bus bus, const char *prefix,
		     int (*fill)(struct topo *topo, struct topo_dev *dev, const char *dir));
/* Read dir/file as an int node id into *node; sets *has. -1 is a valid "no node". */
void bus_read_node(struct topo *topo, const char *dir, const char *file, bool *has, int *node);

/* ---- node.c ------------------------------------------------------------------------------ */

int sysfs_read_node_masks(struct topo *topo);
int sysfs_read_nodes(struct topo *topo);
/* the files of nodeN/accessC/initiators/, by enum topo_perf_attr */
extern const char *const sysfs_access_attrs[4];
/* How many threads sysfs_read_nodes() uses for this machine (1: none of its own). */
unsigned int sysfs_node_threads(const struct topo *topo);

/* ---- memory.c, kernel-tiers.c, knobs.c, kmsg.c ------------------------------------------- */

int sysfs_read_memory(struct topo *topo);
int sysfs_read_kernel_tiers(struct topo *topo);
int sysfs_read_knobs(struct topo *topo);
int sysfs_read_kmsg(struct topo *topo);

/* ---- cpu.c: present and online cpus and the processor model (before the nodes); the GPUs
 * whose memory is a node (after them) ------------------------------------------------------ */

int sysfs_read_cpus(struct topo *topo);
int sysfs_read_gpu_nodes(struct topo *topo);
bool topo_cpu_is_present(const struct topo *topo, unsigned int cpu);
bool topo_cpu_is_online(const struct topo *topo, unsigned int cpu);

/* ---- dax.c, nd.c, cxl.c ------------------------------------------------------------------ */

int sysfs_read_dax(struct topo *topo);
int sysfs_read_nd(struct topo *topo);
int sysfs_read_cxl(struct topo *topo);

/* ---- acpi-tables.c: the raw tables (sys/firmware/acpi/tables or --acpi-dir) ------------ */

int sysfs_read_acpi_tables(struct topo *topo);

#endif
