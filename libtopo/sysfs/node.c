/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sys/devices/system/node: the node masks and, per node, cpus, meminfo, distance, the HMAT
 * access classes and memory-side caches, and the memory blocks linked from the node.
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

static void read_cpus(struct topo *topo, struct topo_node *n, unsigned int has)
{
	char path[PATH_MAX];
	_cleanup_free_ char *b = NULL;

	/* cpulist is the readable form; older trees (and hwloc's corpus) only have cpumap */
	snprintf(path, sizeof(path), NODE_DIR "/node%d/cpulist", n->id);
	int r = has & HAS_CPULIST ? read_trimmed(topo, path, &b) : -ENOENT;
	if (r == 0) {
		if (parse_list(b, 1u << 22, add_cpu, n) < 0) {
			free(n->cpus);
			n->cpus = NULL;
			n->n_cpus = 0;
			finding_garbled(topo, path, b, "a cpu list such as 0-7,16");
		}
		return;
	}
	if (r != -ENOENT || !(has & HAS_CPUMAP))
		return;
	snprintf(path, sizeof(path), NODE_DIR "/node%d/cpumap", n->id);
	if (read_trimmed(topo, path, &b) == 0 && cpumap_parse(b, &n->cpus, &n->n_cpus) < 0)
		finding_garbled(topo, path, b, "a hexadecimal cpu mask");
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
		uint64_t v;
		if (read_u64(topo, path, 10, &v) < 0)
			continue;
		if (v > UINT32_MAX) {
			finding_garbled(topo, path, "(value above 4294967295)",
					"a 32-bit number as the kernel prints it");
			continue;
		}
		a->attr[i].known = true;
		a->attr[i].v = v;
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

/* entries of nodeN/: the memory blocks counted, the files worth opening noted */
struct node_scan {
	struct topo_node *n;
	unsigned int has;
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
	if (node_name_id(name, "memory") >= 0) {
		s->n->n_memory_blocks++;
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
	struct node_scan s = {n, 0};

	snprintf(path, sizeof(path), NODE_DIR "/node%d", n->id);
	n->n_memory_blocks = 0;
	if (io_scan_dir(topo->ctx, path, keep, node_entry, &s) < 0) {
		n->n_memory_blocks = 0;
		return 0;
	}
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

static int read_nodes(struct topo *topo)
{
	struct nodemask all = {0};
	char **names = NULL;
	size_t nn = 0;

	/* Every node any mask names, and every nodeN directory. */
	for (size_t w = 0; w < TOPO_MAX_NODES / 64; w++)
		all.bits[w] = topo->possible.bits[w] | topo->online.bits[w] |
			      topo->has_cpu.bits[w] | topo->has_memory.bits[w] |
			      topo->has_normal_memory.bits[w] | topo->has_gi.bits[w];
	/* held open until the end: the node directories are opened from it */
	int r = io_list_dir(topo->ctx, NODE_DIR, true, &names, &nn);
	if (r < 0)
		return r == -ENOTDIR ? -ENOENT : r;
	for (size_t i = 0; i < nn; i++) {
		int id = node_name_id(names[i], "node");
		if (id >= 0)
			nodemask_set(&all, (unsigned int)id);
	}
	strv_free(names, nn);

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
	return 0;
}

int sysfs_read_nodes(struct topo *topo)
{
	int r = read_nodes(topo);
	io_pop_dir(topo->ctx); /* NODE_DIR, held by read_nodes() */
	return r;
}
