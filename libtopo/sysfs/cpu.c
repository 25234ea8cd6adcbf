/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The machine's cpus, for the node reader: which exist (sys/devices/system/cpu/present) and
 * which run (…/online), so that a node's cpu list is split into online and offline cpus and
 * a cpu that does not exist is not reported as one. Old kernels have neither file: then the
 * cpuN directories (each with an "online" file but the boot cpu's), and on kernels without
 * sys/devices/system/cpu at all (Alpha), the cpuN lines of proc/stat (online cpus only).
 *
 * Also the processor model of proc/cpuinfo (Xeon Phi's on-package MCDRAM is told by it) and
 * the GPUs whose memory the NVIDIA driver onlined as a NUMA node
 * (proc/driver/nvidia/gpus/BUS-ID/numa_status, "Node: N").
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs/sysfs.h"

#define CPU_DIR "sys/devices/system/cpu"
#define CPU_LIMIT (1u << 22)

struct uvec {
	unsigned int *v;
	size_t n;
};

static void uvec_add(void *data, unsigned int x)
{
	struct uvec *u = data;
	unsigned int *v = realloc(u->v, (u->n + 1) * sizeof(*v));
	if (!v)
		return;
	v[u->n++] = x;
	u->v = v;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;
	return (x > y) - (x < y);
}

static void uvec_sort(struct uvec *u)
{
	if (u->n > 1)
		qsort(u->v, u->n, sizeof(*u->v), cmp_uint);
}

/* "cpu12" -> 12, else -1 */
static long cpu_name_id(const char *name)
{
	if (strncmp(name, "cpu", 3) || name[3] < '0' || name[3] > '9' ||
	    (name[3] == '0' && name[4]))
		return -1;
	long v = 0;
	for (const char *p = name + 3; *p; p++) {
		if (*p < '0' || *p > '9' || v >= CPU_LIMIT)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v < CPU_LIMIT ? v : -1;
}

static int read_cpu_list(struct topo *topo, const char *path, struct uvec *u)
{
	_cleanup_free_ char *b = NULL;
	int r = read_trimmed(topo, path, &b);
	if (r < 0)
		return r;
	if (parse_list(b, CPU_LIMIT, uvec_add, u) < 0) {
		free(u->v);
		u->v = NULL;
		u->n = 0;
		finding_garbled(topo, path, b, "a cpu list such as 0-7,16");
		return -EINVAL;
	}
	uvec_sort(u);
	return 0;
}

/* cpuN entries of sys/devices/system/cpu */
static int dir_entry(void *data, const char *name)
{
	long id = cpu_name_id(name);
	if (id >= 0)
		uvec_add(data, (unsigned int)id);
	return 0;
}

/* a file that may exceed a page (proc/stat, proc/cpuinfo of a large machine) */
static char *read_big(struct topo *topo, const char *path)
{
	char *b = NULL;
	size_t len;
	return io_read_file(topo->ctx, path, TOPO_TABLE_MAX, &b, &len) == 0 ? b : NULL;
}

/* "cpu3 1 2 3 ..." lines of proc/stat: the online cpus */
static void stat_cpus(struct topo *topo, struct uvec *u)
{
	_cleanup_free_ char *b = read_big(topo, "proc/stat");
	for (char *line = b, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		long id = cpu_name_id(line);
		if (id >= 0)
			uvec_add(u, (unsigned int)id);
	}
	uvec_sort(u);
}

static void read_cpuinfo(struct topo *topo)
{
	_cleanup_free_ char *b = read_big(topo, "proc/cpuinfo");
	bool intel = false;
	unsigned long family = 0, model = 0;
	/* the first processor's block: up to the first empty line */
	for (char *line = b, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		char *key_end = colon;
		while (key_end > line && (key_end[-1] == ' ' || key_end[-1] == '\t'))
			key_end--;
		*key_end = '\0';
		const char *val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		if (!strcmp(line, "vendor_id"))
			intel = !strncmp(val, "GenuineIntel", 12);
		else if (!strcmp(line, "cpu family"))
			family = strtoul(val, NULL, 10);
		else if (!strcmp(line, "model"))
			model = strtoul(val, NULL, 10);
		if (next && *next == '\n')
			break;
	}
	if (intel && family <= UINT_MAX && model <= UINT_MAX) {
		topo->intel_family = (unsigned int)family;
		topo->intel_model = (unsigned int)model;
	}
}

/*
 * present: the present file (kernels since 2.6.26). Without it nothing is said about
 * presence (hwloc's snapshots keep only some cpuN directories), but for the whole-machine
 * node of a kernel without NUMA, which takes the cpuN directories, else proc/stat.
 * online: the online file; without it, cpuN/online "0" marks an offline cpu (the boot cpu has
 * no such file), and proc/stat's cpuN lines are the online cpus.
 */
int sysfs_read_cpus(struct topo *topo)
{
	struct uvec present = {0}, online = {0}, dirs = {0}, off = {0};
	char path[PATH_MAX];

	topo->cpu_present_known = read_cpu_list(topo, CPU_DIR "/present", &present) == 0;
	topo->cpu_online_known = read_cpu_list(topo, CPU_DIR "/online", &online) == 0;
	if (!topo->cpu_present_known || !topo->cpu_online_known) {
		if (io_scan_dir(topo->ctx, CPU_DIR, false, dir_entry, &dirs) == 0)
			uvec_sort(&dirs);
		for (size_t i = 0; !topo->cpu_online_known && i < dirs.n; i++) {
			snprintf(path, sizeof(path), CPU_DIR "/cpu%u/online", dirs.v[i]);
			bool on = true;
			if (read_bool(topo, path, &on) == 0 && !on)
				uvec_add(&off, dirs.v[i]);
		}
	}
	if (!dirs.n && !topo->cpu_present_known)
		stat_cpus(topo, &dirs);
	topo->cpu_present = present.v;
	topo->n_cpu_present = present.n;
	topo->cpu_online = online.v;
	topo->n_cpu_online = online.n;
	topo->cpu_offline = off.v;
	topo->n_cpu_offline = off.n;
	topo->cpu_dirs = dirs.v;
	topo->n_cpu_dirs = dirs.n;
	read_cpuinfo(topo);
	return 0;
}

static bool in_sorted(const unsigned int *v, size_t n, unsigned int x)
{
	return v && bsearch(&x, v, n, sizeof(*v), cmp_uint);
}

bool topo_cpu_is_present(const struct topo *topo, unsigned int cpu)
{
	return !topo->cpu_present_known || in_sorted(topo->cpu_present, topo->n_cpu_present, cpu);
}

bool topo_cpu_is_online(const struct topo *topo, unsigned int cpu)
{
	if (topo->cpu_online_known)
		return in_sorted(topo->cpu_online, topo->n_cpu_online, cpu);
	return !in_sorted(topo->cpu_offline, topo->n_cpu_offline, cpu);
}

/* numa_status: "Node: 255" then "Status: online" (and Address, Size) */
static int gpu_entry(void *data, const char *name)
{
	struct topo *topo = data;
	char path[PATH_MAX];
	_cleanup_free_ char *b = NULL;

	if (name[0] == '.')
		return 0;
	snprintf(path, sizeof(path), "proc/driver/nvidia/gpus/%s/numa_status", name);
	if (read_trimmed(topo, path, &b) < 0)
		return 0;
	long node = -1;
	for (char *line = b, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "Node:", 5)) {
			char *end;
			node = strtol(line + 5, &end, 10);
			if (end == line + 5 || *end)
				node = -1;
		}
	}
	struct topo_node *n = node >= 0 && node < INT_MAX ? topo_node_by_id(topo, (int)node) : NULL;
	if (n && !n->gpu)
		n->gpu = strdup(name);
	return 0;
}

int sysfs_read_gpu_nodes(struct topo *topo)
{
	int r = io_scan_dir(topo->ctx, "proc/driver/nvidia/gpus", false, gpu_entry, topo);
	return r == -ENOMEM ? r : 0;
}
