/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sys/devices/system/node: the node masks and, per node, cpus, meminfo, distance, the HMAT
 * access classes and memory-side caches, and the memory blocks linked from the node.
 *
 * Finding ids of this file (stable):
 *   sysfs-no-numa               info     no node directory: one node 0 is the whole machine
 *   sysfs-node-masks-disagree   warning  a mask names nodes outside possible (or, for has_*,
 *                                        offline ones), or has_cpu disagrees with the cpu
 *                                        lists; the stale entries are ignored
 *   sysfs-cpu-not-present       info     a node lists cpus that cpu/present does not
 *   sysfs-distance-columns      warning  a distance row is not one column per online node
 *   numa-cpus-in-several-nodes  warning  broken SRAT processor affinity: the cpuN links decide
 *   numa-distance-missing       warning  a node with cpus has no distance row
 *   numa-distance-local         warning  an off-diagonal distance of 10 or less
 *   numa-distance-asymmetric    info     the matrix is not symmetric (ACPI allows it)
 *   numa-distance-not-metric    info     a detour through a third node is shorter
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs/sysfs.h"

#define NODE_DIR "sys/devices/system/node"

/* entries of nodeN/ that tell which files to read: no probe for what is not there */
enum {
	HAS_CPULIST = 1 << 0,
	HAS_CPUMAP = 1 << 1,
	HAS_ACCESS0 = 1 << 2,
	HAS_ACCESS1 = 1 << 3,
	HAS_CACHES = 1 << 4,
	HAS_CPU_LINKS = 1 << 5,
};


/* "node12" -> 12; -1 when the name is not a node directory */
static int node_name_id(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix);
	if (strncmp(name, prefix, pl) || !name[pl])
		return -1;
	long v = 0;
	for (const char *p = name + pl; *p; p++) {
		if (*p < '0' || *p > '9' || v >= TOPO_MAX_NODES)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v >= TOPO_MAX_NODES || (name[pl] == '0' && name[pl + 1]))
		return -1;
	return (int)v;
}

int sysfs_read_node_masks(struct topo *topo)
{
	static const struct {
		const char *file;
		size_t mask, has;
	} masks[] = {
		{"possible", offsetof(struct topo, possible), offsetof(struct topo, has_possible_file)},
		{"online", offsetof(struct topo, online), offsetof(struct topo, has_online_file)},
		{"has_cpu", offsetof(struct topo, has_cpu), offsetof(struct topo, has_cpu_file)},
		{"has_memory", offsetof(struct topo, has_memory), offsetof(struct topo, has_memory_file)},
		{"has_normal_memory", offsetof(struct topo, has_normal_memory),
		 offsetof(struct topo, has_normal_memory_file)},
		{"has_generic_initiator", offsetof(struct topo, has_gi), offsetof(struct topo, has_gi_file)},
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < ELEMENTSOF(masks); i++) {
		snprintf(path, sizeof(path), NODE_DIR "/%s", masks[i].file);
		struct nodemask *m = (struct nodemask *)((char *)topo + masks[i].mask);
		bool *has = (bool *)((char *)topo + masks[i].has);
		*has = read_nodelist(topo, path, m) == 0;
	}
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void add_cpu(void *data, unsigned int v)
{
	struct topo_node *n = data;
	unsigned int *c = realloc(n->cpus, (n->n_cpus + 1) * sizeof(*c));
	if (!c)
		return;
	c[n->n_cpus++] = v;
	n->cpus = c;
}

/* cpu ids (ascending) in the kernel's list format, malloc'd */
static char *cpulist_format(const unsigned int *v, size_t n)
{
	int *ids = malloc((n ? n : 1) * sizeof(int));
	if (!ids)
		return NULL;
	for (size_t i = 0; i < n; i++)
		ids[i] = (int)v[i];
	char *s = nodelist_format(ids, n);
	free(ids);
	return s;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;
	return (x > y) - (x < y);
}

/*
 * The node's cpus as listed, split: n->cpus the online ones, n->cpus_offline the present
 * but offline ones; a listed cpu that cpu/present does not name (a cpulist sized for the
 * possible cpus, as on POWER) is left out with a finding.
 */
static void split_cpus(struct topo *topo, struct topo_node *n, const char *path)
{
	unsigned int *off = NULL, *gone = NULL;
	size_t k = 0, n_off = 0, n_gone = 0;
	if (n->n_cpus > 1)
		qsort(n->cpus, n->n_cpus, sizeof(*n->cpus), cmp_uint);
	for (size_t i = 0; i < n->n_cpus; i++) {
		unsigned int c = n->cpus[i];
		unsigned int **dst = !topo_cpu_is_present(topo, c) ? &gone
				     : !topo_cpu_is_online(topo, c) ? &off
									: NULL;
		if (!dst) {
			n->cpus[k++] = c;
			continue;
		}
		size_t *cnt = dst == &gone ? &n_gone : &n_off;
		unsigned int *v = realloc(*dst, (*cnt + 1) * sizeof(*v));
		if (!v)
			continue;
		v[(*cnt)++] = c;
		*dst = v;
	}
	n->n_cpus = k;
	n->cpus_offline = off;
	n->n_cpus_offline = n_off;
	if (n_gone) {
		_cleanup_free_ char *l = cpulist_format(gone, n_gone);
		findings_add(&topo->findings, "sysfs-cpu-not-present", TOPO_SEVERITY_INFO, path,
			     "/%s names cpus %s, which sys/devices/system/cpu/present does not "
			     "list (POWER maps every possible cpu to a node): they do not exist "
			     "and are left out of node %d", path, l ? l : "?", n->id);
	}
	free(gone);
}

static void read_cpus(struct topo *topo, struct topo_node *n, unsigned int has)
{
	char path[PATH_MAX];
	_cleanup_free_ char *b = NULL;

	/* cpulist is the readable form; older trees (and hwloc's corpus) only have cpumap, and
	 * the oldest only the nodeN/cpuM links (already in n->cpus from the listing) */
	if (has & (HAS_CPULIST | HAS_CPUMAP)) {
		free(n->cpus);
		n->cpus = NULL;
		n->n_cpus = 0;
	}
	snprintf(path, sizeof(path), NODE_DIR "/node%d/cpulist", n->id);
	int r = has & HAS_CPULIST ? read_trimmed(topo, path, &b) : -ENOENT;
	if (r == 0) {
		if (parse_list(b, 1u << 22, add_cpu, n) < 0) {
			free(n->cpus);
			n->cpus = NULL;
			n->n_cpus = 0;
			finding_garbled(topo, path, b, "a cpu list such as 0-7,16");
		}
	} else if (r == -ENOENT && (has & HAS_CPUMAP)) {
		snprintf(path, sizeof(path), NODE_DIR "/node%d/cpumap", n->id);
		if (read_trimmed(topo, path, &b) == 0 &&
		    cpumap_parse(b, &n->cpus, &n->n_cpus) < 0)
			finding_garbled(topo, path, b, "a hexadecimal cpu mask");
	} else if (!(has & (HAS_CPULIST | HAS_CPUMAP))) {
		snprintf(path, sizeof(path), NODE_DIR "/node%d", n->id);
	}
	split_cpus(topo, n, path);
}

/* "Node 3 MemTotal:       16384 kB": the node, the key, the number and the unit. By hand:
 * sscanf was a tenth of discovery on small machines, for a file of ~30 lines per node. */
static bool parse_meminfo_line(const char *p, int *id, char key[64], unsigned long long *v,
			       char unit[8])
{
	if (strncmp(p, "Node", 4) || (p[4] != ' ' && p[4] != '\t'))
		return false;
	p += 4;
	while (*p == ' ' || *p == '\t')
		p++;
	long node = 0;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9' && node <= INT_MAX / 10)
		node = node * 10 + (*p++ - '0');
	if (*p != ' ' && *p != '\t')
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t k = 0;
	while (*p && *p != ':' && k < 63)
		key[k++] = *p++;
	if (!k || *p != ':')
		return false;
	key[k] = '\0';
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	unsigned long long x = 0;
	while (*p >= '0' && *p <= '9') {
		if (x > (ULLONG_MAX - 9) / 10)
			return false;
		x = x * 10 + (unsigned long long)(*p++ - '0');
	}
	while (*p == ' ' || *p == '\t')
		p++;
	size_t u = 0;
	while (*p && *p != ' ' && *p != '\t' && u < 7)
		unit[u++] = *p++;
	unit[u] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p)
		return false;
	*id = (int)node;
	*v = x;
	return true;
}

static void read_meminfo(struct topo *topo, struct topo_node *n)
{
	char path[PATH_MAX];
	_cleanup_free_ char *b = NULL;

	snprintf(path, sizeof(path), NODE_DIR "/node%d/meminfo", n->id);
	if (read_trimmed(topo, path, &b) < 0)
		return;

	bool bad = false;
	for (char *line = b, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line)
			continue; /* old kernels start with an empty line */
		int id;
		char key[64];
		unsigned long long kb;
		char unit[8] = "";
		if (!parse_meminfo_line(line, &id, key, &kb, unit) || id != n->id) {
			bad = true;
			continue;
		}
		struct opt_u64 *dst = !strcmp(key, "MemTotal") ? &n->mem_total
				      : !strcmp(key, "MemFree") ? &n->mem_free
								: NULL;
		if (!dst)
			continue;
		if (strcmp(unit, "kB") || kb > UINT64_MAX / 1024) {
			bad = true;
			continue;
		}
		dst->known = true;
		dst->v = kb * 1024;
	}
	if (bad || !n->mem_total.known)
		findings_add(&topo->findings, "sysfs-meminfo", TOPO_SEVERITY_WARNING, path,
			     "/%s has lines that are not \"Node %d Key: value kB\"%s", path, n->id,
			     n->mem_total.known ? "" : " and no MemTotal");
}

/* The columns of nodeN/distance are the online nodes in ascending id order. */
static void read_distance(struct topo *topo, struct topo_node *n, const int *cols, size_t ncols)
{
	char path[PATH_MAX];
	_cleanup_free_ char *b = NULL;

	snprintf(path, sizeof(path), NODE_DIR "/node%d/distance", n->id);
	if (read_trimmed(topo, path, &b) < 0)
		return;

	uint8_t *row = calloc(topo->n_nodes, sizeof(*row));
	if (!row)
		return;
	size_t k = 0;
	const char *p = b;
	/* a million numbers on a 1024-node machine: digits by hand, not strtoul */
	while (*p) {
		unsigned int v = 0;
		if (*p < '0' || *p > '9')
			goto garbled;
		while (*p >= '0' && *p <= '9' && v <= 255)
			v = v * 10 + (unsigned int)(*p++ - '0');
		if (v == 0 || v > 255 || (*p && *p != ' '))
			goto garbled;
		if (k >= ncols) {
			k++;
			break;
		}
		int idx = topo->node_index[cols[k]];
		row[idx] = (uint8_t)v;
		k++;
		while (*p == ' ')
			p++;
	}
	if (k != ncols) {
		findings_add(&topo->findings, "sysfs-distance-columns", TOPO_SEVERITY_WARNING, path,
			     "/%s has %s%zu columns but %zu nodes are online; distances of node %d "
			     "ignored",
			     path, k > ncols ? "more than " : "", k > ncols ? ncols : k, ncols, n->id);
		free(row);
		return;
	}
	n->distance = row;
	return;
garbled:
	finding_garbled(topo, path, b, "space-separated distances from 1 to 255");
	free(row);
}

const char *const sysfs_access_attrs[4] = {"read_latency", "write_latency", "read_bandwidth",
					    "write_bandwidth"};

/* a growing vector of ints */
struct ints {
	int *v;
	size_t n, cap;
};

static int ints_push(struct ints *x, int v)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 8;
		int *nv = realloc(x->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		x->v = nv;
		x->cap = cap;
	}
	x->v[x->n++] = v;
	return 0;
}

/* the nodeX links of a directory and which of the access attributes it holds */
struct links {
	struct ints ids;
	unsigned int attrs;
};

static int link_entry(void *data, const char *name)
{
	struct links *l = data;
	int id = node_name_id(name, "node");
	if (id >= 0)
		return ints_push(&l->ids, id);
	for (size_t i = 0; i < ELEMENTSOF(sysfs_access_attrs); i++)
		if (!strcmp(name, sysfs_access_attrs[i]))
			l->attrs |= 1u << i;
	return 0;
}

/* Scan @dir for node links (ascending into *ids); @keep as io_scan_dir(). */
static unsigned int read_node_links(struct topo *topo, const char *dir, bool keep, int **ids,
				    size_t *n)
{
	struct links l = {.attrs = 0};
	if (io_scan_dir(topo->ctx, dir, keep, link_entry, &l) < 0) {
		free(l.ids.v);
		return 0;
	}
	if (l.ids.n > 1)
		qsort(l.ids.v, l.ids.n, sizeof(int), cmp_int);
	*ids = l.ids.v;
	*n = l.ids.n;
	return l.attrs;
}

static void read_access(struct topo *topo, struct topo_node *n, unsigned int c)
{
	char path[PATH_MAX];
	struct topo_perf_class *a = &n->access[c];

	a->present = true;
	/* only initiators (nodes with cpus, Generic Initiators) are best for targets */
	if (n->has_cpu || n->generic_initiator) {
		snprintf(path, sizeof(path), NODE_DIR "/node%d/access%u/targets", n->id, c);
		read_node_links(topo, path, false, &a->targets, &a->n_targets);
	}
	/* the attributes the listing shows, each opened from the listed directory */
	snprintf(path, sizeof(path), NODE_DIR "/node%d/access%u/initiators", n->id, c);
	unsigned int attrs = read_node_links(topo, path, true, &a->initiators, &a->n_initiators);
	for (size_t i = 0; i < ELEMENTSOF(sysfs_access_attrs); i++) {
		if (!(attrs & (1u << i)))
			continue;
		snprintf(path, sizeof(path), NODE_DIR "/node%d/access%u/initiators/%s", n->id, c,
			 sysfs_access_attrs[i]);
		read_perf_figure(topo, path, &a->attr[i]);
	}
	io_pop_dir(topo->ctx);
}

/* memory_side_cache/indexN: the levels */
static int level_entry(void *data, const char *name)
{
	int level = node_name_id(name, "index");
	return level < 0 ? 0 : ints_push(data, level);
}

static void read_caches(struct topo *topo, struct topo_node *n)
{
	static const struct {
		const char *file;
		size_t off;
	} f[] = {
		{"size", offsetof(struct topo_cache, size)},
		{"line_size", offsetof(struct topo_cache, line_size)},
		{"indexing", offsetof(struct topo_cache, indexing)},
		{"write_policy", offsetof(struct topo_cache, write_policy)},
	};
	char path[PATH_MAX];
	struct ints l = {0};

	snprintf(path, sizeof(path), NODE_DIR "/node%d/memory_side_cache", n->id);
	if (io_scan_dir(topo->ctx, path, true, level_entry, &l) < 0)
		goto out;
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(int), cmp_int);
	for (size_t i = 0; i < l.n; i++) {
		struct topo_cache *c = realloc(n->caches, (n->n_caches + 1) * sizeof(*c));
		if (!c)
			break;
		n->caches = c;
		c = &c[n->n_caches++];
		memset(c, 0, sizeof(*c));
		c->level = (unsigned int)l.v[i];
		for (size_t k = 0; k < ELEMENTSOF(f); k++) {
			struct opt_u64 *o = (struct opt_u64 *)((char *)c + f[k].off);
			snprintf(path, sizeof(path), NODE_DIR "/node%d/memory_side_cache/index%d/%s",
				 n->id, l.v[i], f[k].file);
			o->known = read_u64(topo, path, 10, &o->v) == 0;
		}
	}
out:
	free(l.v);
	io_pop_dir(topo->ctx);
}

static int cmp_block(const void *a, const void *b)
{
	unsigned long x = ((const struct topo_mem_block *)a)->id;
	unsigned long y = ((const struct topo_mem_block *)b)->id;
	return (x > y) - (x < y);
}

/* entries of nodeN/: the memory blocks counted, the files worth opening noted */
struct node_scan {
	struct topo_node *n;
	unsigned int has;
	size_t blocks_cap;
};

static int node_entry(void *data, const char *name)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} known[] = {{"cpulist", HAS_CPULIST},	   {"cpumap", HAS_CPUMAP},
		     {"access0", HAS_ACCESS0},	   {"access1", HAS_ACCESS1},
		     {"memory_side_cache", HAS_CACHES}};
	struct node_scan *s = data;
	if (!strncmp(name, "memory", 6) && name[6] >= '0' && name[6] <= '9') {
		/* block ids are not node ids: memory4096 is the block at 512 GiB (128 MiB blocks) */
		unsigned long id = 0;
		const char *p = name + 6;
		while (*p >= '0' && *p <= '9' && id < (1ul << 40))
			id = id * 10 + (unsigned long)(*p++ - '0');
		if (*p || id >= (1ul << 40) || (name[6] == '0' && name[7]))
			return 0;
		struct topo_node *n = s->n;
		if (n->n_blocks == s->blocks_cap) {
			size_t cap = s->blocks_cap ? s->blocks_cap * 2 : 16;
			struct topo_mem_block *nb = realloc(n->blocks, cap * sizeof(*nb));
			if (!nb)
				return -ENOMEM;
			n->blocks = nb;
			s->blocks_cap = cap;
		}
		n->blocks[n->n_blocks++] = (struct topo_mem_block){.id = id, .online = -1};
		n->n_memory_blocks++;
		return 0;
	}
	/* nodeN/cpuM: the kernel's cpu_to_node(), the only cpu list of kernels before 2.6.x */
	/* cpuN, no leading zero */
	if (!strncmp(name, "cpu", 3) && name[3] >= '1' - (name[4] == '\0') && name[3] <= '9') {
		unsigned long cpu = 0;
		const char *p = name + 3;
		while (*p >= '0' && *p <= '9' && cpu < (1u << 22))
			cpu = cpu * 10 + (unsigned long)(*p++ - '0');
		if (!*p && cpu < (1u << 22)) {
			add_cpu(s->n, (unsigned int)cpu);
			s->has |= HAS_CPU_LINKS;
		}
		return 0;
	}
	for (size_t k = 0; k < ELEMENTSOF(known); k++)
		if (!strcmp(name, known[k].name))
			s->has |= known[k].bit;
	return 0;
}

/* Scan nodeN/ (@keep as io_scan_dir()); sets present and the memory block count. */
static unsigned int read_node_dir(struct topo *topo, struct topo_node *n, bool keep)
{
	char path[PATH_MAX];
	struct node_scan s = {n, 0, 0};

	snprintf(path, sizeof(path), NODE_DIR "/node%d", n->id);
	n->n_memory_blocks = 0;
	free(n->blocks);
	n->blocks = NULL;
	n->n_blocks = 0;
	free(n->cpus);
	n->cpus = NULL;
	n->n_cpus = 0;
	if (io_scan_dir(topo->ctx, path, keep, node_entry, &s) < 0) {
		n->n_memory_blocks = 0;
		free(n->blocks);
		n->blocks = NULL;
		n->n_blocks = 0;
		return 0;
	}
	if (n->n_blocks > 1)
		qsort(n->blocks, n->n_blocks, sizeof(*n->blocks), cmp_block);
	n->present = true;
	return s.has;
}

/* Everything below nodeN/ but the listing, for a node whose directory exists. */
static void read_node_files(struct topo *topo, struct topo_node *n, unsigned int h,
			    const int *cols, size_t ncols)
{
	read_cpus(topo, n, h);
	/* without has_cpu (very old kernels), a node with cpus has cpus */
	if (!topo->has_cpu_file)
		n->has_cpu = n->n_cpus > 0;
	read_meminfo(topo, n);
	if (!topo->has_memory_file)
		n->has_memory = n->mem_total.known && n->mem_total.v > 0;
	read_distance(topo, n, cols, ncols);
	if (h & HAS_ACCESS0)
		read_access(topo, n, 0);
	if (h & HAS_ACCESS1)
		read_access(topo, n, 1);
	if (h & HAS_CACHES)
		read_caches(topo, n);
}

/* nodes [begin, end): each directory scanned, held open while its files are read */
static void read_node_range(struct topo *topo, size_t begin, size_t end, const int *cols,
			    size_t ncols)
{
	for (size_t i = begin; i < end; i++) {
		struct topo_node *n = &topo->nodes[i];
		unsigned int h = read_node_dir(topo, n, true);
		if (n->present)
			read_node_files(topo, n, h, cols, ncols);
		io_pop_dir(topo->ctx);
	}
}

/*
 * A worker reads a contiguous range of nodes through a view (topo_view_init); everything
 * else it touches is its nodes' elements of nodes[] or read-only. The findings are
 * appended in range order afterwards: the same order as one thread.
 */
struct node_worker {
	struct topo view;
	struct topo_ctx ctx;
	size_t begin, end;
	const int *cols;
	size_t ncols;
	pthread_t thread;
	bool started;
};

static void *node_worker_main(void *data)
{
	struct node_worker *w = data;
	io_hold_dir(&w->ctx, NODE_DIR);
	read_node_range(&w->view, w->begin, w->end, w->cols, w->ncols);
	io_pop_dir(&w->ctx);
	return NULL;
}

/* 64 nodes, ~1000 files, per thread at least: a thread costs about what 20 files do */
#define NODES_PER_THREAD 64
#define MAX_THREADS 8

unsigned int sysfs_node_threads(const struct topo *topo)
{
	if (topo->ctx->recording)
		return 1; /* gather records paths in order, into one list */
	unsigned int t = topo->ctx->threads;
	if (!t) {
		cpu_set_t set;
		t = sched_getaffinity(0, sizeof(set), &set) == 0 ? (unsigned int)CPU_COUNT(&set) : 1;
		if (t > MAX_THREADS)
			t = MAX_THREADS;
		if (t > topo->n_nodes / NODES_PER_THREAD)
			t = (unsigned int)(topo->n_nodes / NODES_PER_THREAD);
	}
	if (t > topo->n_nodes)
		t = (unsigned int)topo->n_nodes;
	return t ? t : 1;
}

/*
 * Node directories are independent: on a large machine they are read by several threads
 * (the kernel serves sysfs reads of different files in parallel), this thread taking the
 * first range. Returns once every node is read.
 */
static void read_nodes_parallel(struct topo *topo, const int *cols, size_t ncols)
{
	unsigned int t = sysfs_node_threads(topo);
	struct node_worker *w = t > 1 ? calloc(t, sizeof(*w)) : NULL;
	if (!w) {
		read_node_range(topo, 0, topo->n_nodes, cols, ncols);
		return;
	}
	for (unsigned int k = 0; k < t; k++) {
		w[k].begin = topo->n_nodes * k / t;
		w[k].end = topo->n_nodes * (k + 1) / t;
		w[k].cols = cols;
		w[k].ncols = ncols;
	}
	for (unsigned int k = 1; k < t; k++) {
		topo_view_init(&w[k].view, &w[k].ctx, topo);
		w[k].started = pthread_create(&w[k].thread, NULL, node_worker_main, &w[k]) == 0;
	}
	read_node_range(topo, w[0].begin, w[0].end, cols, ncols);
	for (unsigned int k = 1; k < t; k++) {
		if (w[k].started)
			pthread_join(w[k].thread, NULL);
		else
			node_worker_main(&w[k]); /* no thread: this one reads the range */
		findings_move(&topo->findings, &w[k].view.findings);
	}
	free(w);
}

/*
 * A kernel without NUMA (CONFIG_NUMA=n: 32-bit and embedded kernels, s390 before 6.x, Alpha)
 * has no sys/devices/system/node. Like numactl and hwloc, the machine is then one node 0
 * holding every cpu and proc/meminfo's memory, at the local distance (10).
 */
static int read_no_numa(struct topo *topo)
{
	/* neither nodes nor proc/meminfo: not a machine (an empty or wrong sysroot) */
	if (!io_exists(topo->ctx, "proc/meminfo"))
		return -ENOENT;
	topo->nodes = calloc(1, sizeof(*topo->nodes));
	topo->node_index = malloc(sizeof(int));
	if (!topo->nodes || !topo->node_index)
		return -ENOMEM;
	topo->no_numa = true;
	topo->n_nodes = 1;
	topo->max_node_id = 0;
	topo->node_index[0] = 0;
	nodemask_set(&topo->possible, 0);
	nodemask_set(&topo->online, 0);
	struct topo_node *n = &topo->nodes[0];
	n->kernel_tier = -1;
	n->online = true;
	const unsigned int *all = topo->cpu_present_known ? topo->cpu_present : topo->cpu_dirs;
	size_t n_all = topo->cpu_present_known ? topo->n_cpu_present : topo->n_cpu_dirs;
	for (size_t i = 0; i < n_all; i++)
		add_cpu(n, all[i]);
	split_cpus(topo, n, "sys/devices/system/cpu/present");
	n->has_cpu = n->n_cpus > 0;

	_cleanup_free_ char *b = NULL;
	if (read_trimmed(topo, "proc/meminfo", &b) == 0) {
		for (char *line = b, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			unsigned long long kb;
			char unit[4];
			struct opt_u64 *dst = !strncmp(line, "MemTotal:", 9) ? &n->mem_total
					      : !strncmp(line, "MemFree:", 8) ? &n->mem_free
										: NULL;
			if (dst && sscanf(strchr(line, ':') + 1, "%llu %3s", &kb, unit) == 2 &&
			    !strcmp(unit, "kB") && kb <= UINT64_MAX / 1024) {
				dst->known = true;
				dst->v = kb * 1024;
			}
		}
	}
	if (!n->mem_total.known)
		finding_garbled(topo, "proc/meminfo", b ? b : "", "a MemTotal: line in kB");
	n->has_memory = n->has_normal_memory = n->mem_total.known && n->mem_total.v > 0;
	if (n->has_cpu)
		nodemask_set(&topo->has_cpu, 0);
	if (n->has_memory) {
		nodemask_set(&topo->has_memory, 0);
		nodemask_set(&topo->has_normal_memory, 0);
	}
	n->distance = malloc(1);
	if (n->distance)
		n->distance[0] = 10;
	findings_add(&topo->findings, "sysfs-no-numa", TOPO_SEVERITY_INFO, NODE_DIR,
		     "/%s does not exist: the kernel has no NUMA support, so the machine is one "
		     "node 0 with every cpu and proc/meminfo's memory (as numactl and hwloc "
		     "report it)", NODE_DIR);
	return 0;
}

/* Clear from @m (read from @file) the nodes outside @bound, with a finding naming them. */
static void bound_mask(struct topo *topo, struct nodemask *m, const char *file,
		       const struct nodemask *bound, const char *bound_name, const char *what)
{
	int *ids = NULL;
	size_t n = 0;
	for (unsigned int id = 0; id < TOPO_MAX_NODES; id++) {
		if (!nodemask_test(m, id) || nodemask_test(bound, id))
			continue;
		int *v = realloc(ids, (n + 1) * sizeof(*v));
		if (!v)
			break;
		ids = v;
		ids[n++] = (int)id;
		m->bits[id / 64] &= ~(UINT64_C(1) << (id % 64));
	}
	if (n) {
		_cleanup_free_ char *l = nodelist_format(ids, n);
		char path[PATH_MAX];
		snprintf(path, sizeof(path), NODE_DIR "/%s", file);
		findings_add(&topo->findings, "sysfs-node-masks-disagree", TOPO_SEVERITY_WARNING,
			     path, "/%s names node%s %s, which %s does not: %s", path,
			     n > 1 ? "s" : "", l ? l : "?", bound_name, what);
	}
	free(ids);
}

/*
 * After every node is read: cpus listed by more than one node (firmware that gives every
 * proximity domain every cpu; Linux itself puts each cpu in one node, cpu_to_node(), whose
 * nodeN/cpuM links then disagree with the cpulists), and has_cpu against the cpu lists.
 */
static void check_node_cpus(struct topo *topo)
{
	struct uvec_count {
		unsigned int cpu;
		int node;
	} *all = NULL;
	size_t n_all = 0;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		const struct topo_node *n = &topo->nodes[i];
		for (size_t k = 0; k < n->n_cpus + n->n_cpus_offline; k++) {
			struct uvec_count *v = realloc(all, (n_all + 1) * sizeof(*v));
			if (!v)
				break;
			all = v;
			all[n_all].cpu = k < n->n_cpus ? n->cpus[k] : n->cpus_offline[k - n->n_cpus];
			all[n_all++].node = n->id;
		}
	}
	if (n_all > 1)
		qsort(all, n_all, sizeof(*all), cmp_uint); /* by cpu: the first member */
	unsigned int *shared = NULL;
	size_t n_shared = 0;
	for (size_t i = 1; i < n_all; i++) {
		if (all[i].cpu != all[i - 1].cpu || (n_shared && shared[n_shared - 1] == all[i].cpu))
			continue;
		unsigned int *v = realloc(shared, (n_shared + 1) * sizeof(*v));
		if (!v)
			break;
		shared = v;
		shared[n_shared++] = all[i].cpu;
	}
	free(all);
	if (n_shared) {
		/* the links, where every node with cpus has them, are the kernel's own mapping */
		bool links = true;
		for (size_t i = 0; i < topo->n_nodes && links; i++) {
			struct topo_node *n = &topo->nodes[i];
			if (!n->present || !n->n_cpus)
				continue;
			struct topo_node probe = {.id = n->id};
			unsigned int h = read_node_dir(topo, &probe, false);
			links = h & HAS_CPU_LINKS;
			free(probe.cpus);
			free(probe.blocks);
		}
		for (size_t i = 0; i < topo->n_nodes && links; i++) {
			struct topo_node *n = &topo->nodes[i];
			if (!n->present)
				continue;
			free(n->cpus);
			free(n->cpus_offline);
			n->cpus = n->cpus_offline = NULL;
			n->n_cpus = n->n_cpus_offline = 0;
			size_t blocks = n->n_memory_blocks;
			read_node_dir(topo, n, false);
			n->n_memory_blocks = blocks;
			char path[PATH_MAX];
			snprintf(path, sizeof(path), NODE_DIR "/node%d", n->id);
			split_cpus(topo, n, path);
		}
		_cleanup_free_ char *l = cpulist_format(shared, n_shared);
		findings_add(&topo->findings, "numa-cpus-in-several-nodes", TOPO_SEVERITY_WARNING,
			     NODE_DIR,
			     "cpus %s are listed by more than one node: the firmware's NUMA data "
			     "(SRAT processor affinity) is broken. Linux puts each cpu in one node "
			     "(cpu_to_node(), the nodeN/cpuM links), which the scheduler and the "
			     "allocator use; %s", l ? l : "?",
			     links ? "tiertopo takes the cpus of each node from those links"
				   : "no links say which node, so the lists are kept as they are");
	}
	free(shared);

	/* has_cpu (N_CPU) against the online cpus the node lists */
	int *ids = NULL;
	size_t n_ids = 0;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		struct topo_node *n = &topo->nodes[i];
		if (!n->online || !topo->has_cpu_file || n->has_cpu == (n->n_cpus > 0))
			continue;
		int *v = realloc(ids, (n_ids + 1) * sizeof(*v));
		if (v) {
			ids = v;
			ids[n_ids++] = n->id;
		}
		n->has_cpu = n->n_cpus > 0;
	}
	if (n_ids) {
		_cleanup_free_ char *l = nodelist_format(ids, n_ids);
		findings_add(&topo->findings, "sysfs-node-masks-disagree", TOPO_SEVERITY_WARNING,
			     NODE_DIR "/has_cpu",
			     "/" NODE_DIR "/has_cpu disagrees with the online cpus that node%s %s "
			     "list%s: the cpu lists are taken", n_ids > 1 ? "s" : "", l ? l : "?",
			     n_ids > 1 ? "" : "s");
	}
	free(ids);
}

/*
 * The distance matrix as the kernel prints it, which is the SLIT as Linux accepted it
 * (acpi_numa_slit_init() drops a SLIT whose diagonal is not 10 or whose other entries are
 * not above 10, and node_distance() is then 10 or 20). What Linux keeps without checking:
 * a node with cpus and no row, an asymmetric matrix, and one where a detour through a third
 * node is shorter than the direct distance.
 */
/* whether some i -> k -> j is shorter than i -> j (i, j, k distinct, every distance
 * present): the loop below's condition, with k outside and j inside, so that the inner loop
 * runs along two rows without a branch instead of down a column */
static bool any_detour(const struct topo *topo)
{
	size_t nn = topo->n_nodes;
	/* per row, the smallest and the largest distance to another node: i -> k -> j can
	 * only be shorter than i -> j if di[k] + lo[k] < hi[i], which on real SLITs (remote
	 * distances within a factor of two) is never, so most rows are skipped whole */
	unsigned lo[128], hi[128];
	if (nn > 128)
		return false;
	for (size_t i = 0; i < nn; i++) {
		const uint8_t *di = topo->nodes[i].distance;
		lo[i] = UINT_MAX;
		hi[i] = 0;
		for (size_t j = 0; di && j < nn; j++) {
			if (j == i || !di[j])
				continue;
			lo[i] = di[j] < lo[i] ? di[j] : lo[i];
			hi[i] = di[j] > hi[i] ? di[j] : hi[i];
		}
	}
	for (size_t i = 0; i < nn; i++) {
		const uint8_t *di = topo->nodes[i].distance;
		for (size_t k = 0; di && k < nn; k++) {
			const uint8_t *dk = topo->nodes[k].distance;
			if (k == i || !dk || !di[k] || di[k] + lo[k] >= hi[i])
				continue;
			unsigned a = di[k];
			bool bad = false;
			for (size_t j = 0; j < nn; j++)
				bad |= (j != i) & (j != k) & (di[j] != 0) & (dk[j] != 0) &
				       (a + dk[j] < di[j]);
			if (bad)
				return true;
		}
	}
	return false;
}

static void check_distances(struct topo *topo)
{
	size_t nn = topo->n_nodes;
	int missing[8];
	size_t n_missing = 0, rows = 0;
	for (size_t i = 0; i < nn; i++) {
		const struct topo_node *n = &topo->nodes[i];
		rows += n->distance != NULL;
		if (n->online && n->present && n->n_cpus && !n->distance && n_missing < 8)
			missing[n_missing++] = n->id;
	}
	if (n_missing && rows) {
		_cleanup_free_ char *l = nodelist_format(missing, n_missing);
		findings_add(&topo->findings, "numa-distance-missing", TOPO_SEVERITY_WARNING,
			     NODE_DIR,
			     "node%s %s ha%s cpus but no distance row: the firmware's SLIT has no "
			     "locality for %s proximity domain; Linux then takes 10 to itself and "
			     "20 to every other node, and so does tiertopo",
			     n_missing > 1 ? "s" : "", l ? l : "?", n_missing > 1 ? "ve" : "s",
			     n_missing > 1 ? "their" : "its");
	}
	const struct topo_node *asym_a = NULL, *asym_b = NULL;
	const struct topo_node *tri[3] = {NULL, NULL, NULL};
	for (size_t i = 0; i < nn && !asym_a; i++)
		for (size_t j = i + 1; j < nn && topo->nodes[i].distance; j++) {
			const uint8_t *di = topo->nodes[i].distance, *dj = topo->nodes[j].distance;
			if (dj && di[j] && dj[i] && di[j] != dj[i]) {
				asym_a = &topo->nodes[i];
				asym_b = &topo->nodes[j];
				break;
			}
		}
	/* O(n^3): machines of up to 128 nodes; the search in report order runs only when the
	 * row-wise pass finds a detour (the usual answer is that there is none) */
	bool detour = nn <= 128 && any_detour(topo);
	for (size_t i = 0; i < nn && detour && !tri[0]; i++) {
		const uint8_t *di = topo->nodes[i].distance;
		for (size_t j = 0; di && j < nn && !tri[0]; j++)
			for (size_t k = 0; j != i && di[j] && k < nn; k++) {
				const uint8_t *dk = topo->nodes[k].distance;
				if (k == i || k == j || !dk || !di[k] || !dk[j])
					continue;
				if (di[k] + dk[j] < di[j]) {
					tri[0] = &topo->nodes[i];
					tri[1] = &topo->nodes[k];
					tri[2] = &topo->nodes[j];
					break;
				}
			}
	}
	for (size_t i = 0; i < nn; i++) {
		const uint8_t *di = topo->nodes[i].distance;
		size_t j = 0;
		while (di && j < nn && (j == i || di[j] == 0 || di[j] > 10))
			j++;
		if (!di || j == nn)
			continue;
		findings_add(&topo->findings, "numa-distance-local", TOPO_SEVERITY_WARNING, NODE_DIR,
			     "node %d to node %d is %u, no more than a node's distance to itself "
			     "(10): the SLIT is invalid. Linux rejects such a SLIT (slit_valid() in "
			     "acpi_numa_slit_init(): \"SLIT table looks invalid. Not used.\") and "
			     "takes 10 and 20; this kernel kept it, and tiertopo takes the "
			     "distances as printed",
			     topo->nodes[i].id, topo->nodes[j].id, di[j]);
		break;
	}
	if (asym_a)
		findings_add(&topo->findings, "numa-distance-asymmetric", TOPO_SEVERITY_INFO,
			     NODE_DIR,
			     "the distance from node %d to node %d (%u) is not the distance back "
			     "(%u): the SLIT is asymmetric, which ACPI allows; Linux uses each row "
			     "as it is (node_distance(from, to)), and so do demotion and tiertopo",
			     asym_a->id, asym_b->id,
			     asym_a->distance[topo->node_index[asym_b->id]],
			     asym_b->distance[topo->node_index[asym_a->id]]);
	if (tri[0]) {
		const uint8_t *d0 = tri[0]->distance, *d1 = tri[1]->distance;
		int i1 = topo->node_index[tri[1]->id], i2 = topo->node_index[tri[2]->id];
		findings_add(&topo->findings, "numa-distance-not-metric", TOPO_SEVERITY_INFO,
			     NODE_DIR,
			     "node %d to node %d is %u, but through node %d it is %u + %u: the "
			     "SLIT breaks the triangle inequality; Linux does not check it and "
			     "orders demotion targets by the direct distances, as tiertopo does",
			     tri[0]->id, tri[2]->id, d0[i2], tri[1]->id, d0[i1], d1[i2]);
	}
}

static int read_nodes(struct topo *topo)
{
	struct nodemask all = {0}, dirs = {0};
	char **names = NULL;
	size_t nn = 0;

	/* held open until the end: the node directories are opened from it */
	int r = io_list_dir(topo->ctx, NODE_DIR, true, &names, &nn);
	if (r == -ENOENT || r == -ENOTDIR)
		return read_no_numa(topo);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nn; i++) {
		int id = node_name_id(names[i], "node");
		if (id >= 0)
			nodemask_set(&dirs, (unsigned int)id);
	}
	strv_free(names, nn);

	/*
	 * The node set: `possible` (node_possible_map) bounds it; the other masks and the
	 * directories are checked against it. Without a possible file (kernels before 2.6.24),
	 * every node any mask or directory names.
	 */
	if (topo->has_possible_file && nodemask_weight(&topo->possible)) {
		all = topo->possible;
		static const char why[] = "a node the kernel cannot have; the stale entry is ignored";
		bound_mask(topo, &topo->online, "online", &all, "possible", why);
		bound_mask(topo, &topo->has_cpu, "has_cpu", &all, "possible", why);
		bound_mask(topo, &topo->has_memory, "has_memory", &all, "possible", why);
		bound_mask(topo, &topo->has_normal_memory, "has_normal_memory", &all, "possible",
			   why);
		bound_mask(topo, &topo->has_gi, "has_generic_initiator", &all, "possible", why);
		bound_mask(topo, &dirs, "node*", &all, "possible", why);
	} else {
		for (size_t w = 0; w < TOPO_MAX_NODES / 64; w++)
			all.bits[w] = topo->online.bits[w] | topo->has_cpu.bits[w] |
				      topo->has_memory.bits[w] | topo->has_normal_memory.bits[w] |
				      topo->has_gi.bits[w] | dirs.bits[w];
	}
	/* cpus and memory are states of online nodes (N_CPU, N_MEMORY ⊆ N_ONLINE) */
	if (topo->has_online_file) {
		static const char why[] =
			"cpus and memory belong to online nodes only; the node is offline and its "
			"entry is ignored";
		bound_mask(topo, &topo->has_cpu, "has_cpu", &topo->online, "online", why);
		bound_mask(topo, &topo->has_memory, "has_memory", &topo->online, "online", why);
		bound_mask(topo, &topo->has_normal_memory, "has_normal_memory", &topo->online,
			   "online", why);
	}

	topo->max_node_id = nodemask_last(&all);
	topo->n_nodes = nodemask_weight(&all);
	topo->nodes = calloc(topo->n_nodes ? topo->n_nodes : 1, sizeof(*topo->nodes));
	topo->node_index = malloc((size_t)(topo->max_node_id + 1) * sizeof(int) + sizeof(int));
	if (!topo->nodes || !topo->node_index)
		return -ENOMEM;

	/* Without an online file, a node with a directory is online. */
	size_t k = 0;
	for (int id = 0; id <= topo->max_node_id; id++) {
		topo->node_index[id] = -1;
		if (!nodemask_test(&all, (unsigned int)id))
			continue;
		struct topo_node *n = &topo->nodes[k];
		topo->node_index[id] = (int)k++;
		n->id = id;
		n->kernel_tier = -1;
		n->has_cpu = nodemask_test(&topo->has_cpu, (unsigned int)id);
		n->has_memory = nodemask_test(&topo->has_memory, (unsigned int)id);
		n->has_normal_memory = nodemask_test(&topo->has_normal_memory, (unsigned int)id);
		n->generic_initiator = nodemask_test(&topo->has_gi, (unsigned int)id);
	}

	/* Without an online file, the distance columns are the nodes with a directory: every
	 * directory is scanned first (kernels before 2.6.23). Otherwise each node directory is
	 * scanned once and held open while its files are read. */
	bool two_pass = !topo->has_online_file;
	unsigned int *has = NULL;
	if (two_pass) {
		has = calloc(topo->n_nodes + 1, sizeof(*has));
		if (!has)
			return -ENOMEM;
		for (size_t i = 0; i < topo->n_nodes; i++)
			has[i] = read_node_dir(topo, &topo->nodes[i], false);
	}

	/* the distance columns: the online nodes, ascending */
	int *cols = malloc(topo->n_nodes * sizeof(int) + sizeof(int));
	if (!cols) {
		free(has);
		return -ENOMEM;
	}
	size_t ncols = 0;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		struct topo_node *n = &topo->nodes[i];
		n->online = topo->has_online_file ? nodemask_test(&topo->online, (unsigned int)n->id)
						  : n->present;
		if (n->online)
			cols[ncols++] = n->id;
	}

	if (two_pass) {
		for (size_t i = 0; i < topo->n_nodes; i++)
			if (topo->nodes[i].present)
				read_node_files(topo, &topo->nodes[i], has[i], cols, ncols);
	} else {
		read_nodes_parallel(topo, cols, ncols);
	}
	free(cols);
	free(has);
	check_node_cpus(topo);
	check_distances(topo);
	return 0;
}

int sysfs_read_nodes(struct topo *topo)
{
	int r = read_nodes(topo);
	io_pop_dir(topo->ctx); /* NODE_DIR, held by read_nodes() */
	return r;
}
