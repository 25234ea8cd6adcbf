/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Demotion, promotion and migration counters: sys/devices/system/node/nodeN/vmstat and
 * proc/vmstat, both "name value" lines (mm/vmstat.c, drivers/base/node.c).
 *
 * A counter is per node when the kernel keeps it as a node statistic: pgpromote_* since
 * they exist (5.18, 6.1), pgdemote_* since 6.8. Before 6.8 pgdemote_* were vm events,
 * counted for the whole machine and printed only in proc/vmstat; numa_hint_faults*,
 * numa_pte_updates and pgmigrate_* are vm events still. So a reading keeps the two sources
 * apart and never splits a machine-wide figure over nodes: a counter a file lacks is
 * unknown (-ENODATA), not zero.
 *
 * A reading reads only these files, never the rest of the topology, so that `tiertopo
 * stat INTERVAL` costs a few reads per interval.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sysfs/sysfs.h"

#define NODE_DIR "sys/devices/system/node"
#define PROC_VMSTAT "proc/vmstat"
/* Show at most this much of a bad line in a finding. */
#define SHOW_MAX 64

struct vm_counter {
	char *name;
	uint64_t value;
	size_t line; /* keeps the sort stable: the first of a repeated name wins */
};

/* One file: its counters sorted by name. */
struct vm_source {
	int node; /* -1: proc/vmstat */
	bool present;
	struct vm_counter *v;
	size_t n;
};

struct topo_vmstat {
	int refcount;
	uint64_t time_ns; /* CLOCK_MONOTONIC when the reading started */
	struct vm_source machine;
	struct vm_source *nodes; /* ascending ids, only nodes with a vmstat file */
	size_t n_nodes;
	struct findings findings;
};

static void source_clear(struct vm_source *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct vm_counter *)a)->name, ((const struct vm_counter *)b)->name);
}

static int cmp_counter(const void *a, const void *b)
{
	const struct vm_counter *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static const struct vm_counter *source_find(const struct vm_source *s, const char *name)
{
	if (!s->present || !s->n)
		return NULL;
	struct vm_counter key = {.name = (char *)name};
	return bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_name);
}

/* The bad line as a finding shows it: printable, cut at SHOW_MAX. */
static void show_line(const char *line, size_t len, char *out, size_t size)
{
	size_t o = 0, i;
	for (i = 0; i < len && i < SHOW_MAX && o + 8 < size; i++) {
		unsigned char c = (unsigned char)line[i];
		if (isprint(c))
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
	}
	if (i < len && o + 4 < size)
		o += (size_t)snprintf(out + o, size - o, "...");
	out[o] = '\0';
}

/* "name value": a name of [a-z0-9_] and an unsigned decimal number. */
static bool parse_line(char *line, size_t len, char **name, uint64_t *value)
{
	char *sp = memchr(line, ' ', len);
	if (!sp || sp == line)
		return false;
	for (char *p = line; p < sp; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			return false;
	const char *num = sp + 1;
	const char *end = line + len;
	if (num == end)
		return false;
	uint64_t v = 0;
	for (const char *p = num; p < end; p++) {
		if (!isdigit((unsigned char)*p) || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*sp = '\0';
	*name = line;
	*value = v;
	return true;
}

/*
 * Read one vmstat file into @s. -ENOENT when absent (not a finding); an unreadable file is
 * a finding and leaves the source absent; each garbled or repeated line is a finding and
 * the others are kept.
 */
static int read_source(struct topo_vmstat *vs, struct topo_ctx *ctx, const char *path,
		       struct vm_source *s)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = io_read_file(ctx, path, TOPO_ATTR_MAX, &buf, &len);
	if (r == -ENOENT || r == -ENOTDIR)
		return -ENOENT;
	if (r == -EFBIG) {
		findings_add(&vs->findings, "sysfs-oversized", TOPO_SEVERITY_WARNING, path,
			     "/%s is larger than %u bytes; ignored", path, TOPO_ATTR_MAX);
		return 0;
	}
	if (r < 0) {
		findings_add(&vs->findings, "sysfs-unreadable", TOPO_SEVERITY_WARNING, path,
			     "/%s cannot be read: %s", path, strerror(-r));
		return 0;
	}

	size_t lineno = 0, cap = 0;
	char *p = buf, *end = buf + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = p;
		p = nl ? nl + 1 : end;
		lineno++;
		if (!ll && p == end)
			break; /* the file's last newline */

		char *name;
		uint64_t value;
		if (!parse_line(line, ll, &name, &value)) {
			char shown[SHOW_MAX * 4 + 8];
			show_line(line, ll, shown, sizeof(shown));
			findings_add(&vs->findings, "vmstat-garbled", TOPO_SEVERITY_WARNING, path,
				     "/%s line %zu holds \"%s\", expected \"name value\"; ignored",
				     path, lineno, shown);
			continue;
		}
		if (s->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct vm_counter *v = realloc(s->v, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			s->v = v;
		}
		if (!(s->v[s->n].name = strdup(name)))
			return -ENOMEM;
		s->v[s->n].line = lineno;
		s->v[s->n++].value = value;
	}
	s->present = true;
	if (!s->n)
		return 0;

	/* sorted for lookup; a name printed twice keeps its first value */
	qsort(s->v, s->n, sizeof(*s->v), cmp_counter);
	size_t o = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (o && !strcmp(s->v[o - 1].name, s->v[i].name)) {
			findings_add(&vs->findings, "vmstat-duplicate", TOPO_SEVERITY_WARNING, path,
				     "/%s prints %s twice; the second value is ignored", path,
				     s->v[i].name);
			free(s->v[i].name);
			continue;
		}
		s->v[o++] = s->v[i];
	}
	s->n = o;
	return 0;
}

/* "node12" -> 12; -1 for anything else. */
static int node_dir_id(const char *name)
{
	if (strncmp(name, "node", 4) || !name[4])
		return -1;
	long v = 0;
	for (const char *p = name + 4; *p; p++) {
		if (*p < '0' || *p > '9' || v > INT_MAX / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return (int)v;
}

static int cmp_source_node(const void *a, const void *b)
{
	int x = ((const struct vm_source *)a)->node, y = ((const struct vm_source *)b)->node;
	return (x > y) - (x < y);
}

int topo_read_vmstat(struct topo_ctx *ctx, struct topo_vmstat **vmstat)
{
	if (!ctx || !vmstat)
		return -EINVAL;

	_cleanup_(topo_vmstat_unrefp) struct topo_vmstat *vs = calloc(1, sizeof(*vs));
	if (!vs)
		return -ENOMEM;
	vs->refcount = 1;
	vs->machine.node = -1;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	vs->time_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;

	int r = read_source(vs, ctx, PROC_VMSTAT, &vs->machine);
	if (r < 0 && r != -ENOENT)
		return r;

	char **names = NULL;
	size_t nn = 0;
	if (io_list_dir(ctx, NODE_DIR, false, &names, &nn) == 0) {
		char path[PATH_MAX];
		for (size_t i = 0; i < nn; i++) {
			int id = node_dir_id(names[i]);
			if (id < 0)
				continue;
			struct vm_source s = {.node = id};
			snprintf(path, sizeof(path), NODE_DIR "/%s/vmstat", names[i]);
			r = read_source(vs, ctx, path, &s);
			if (r == -ENOENT || (r == 0 && !s.present))
				continue;
			struct vm_source *v =
			    r < 0 ? NULL : realloc(vs->nodes, (vs->n_nodes + 1) * sizeof(*v));
			if (!v) {
				source_clear(&s);
				strv_free(names, nn);
				return r < 0 ? r : -ENOMEM;
			}
			vs->nodes = v;
			vs->nodes[vs->n_nodes++] = s;
		}
		strv_free(names, nn);
		/* io_list_dir sorts by version order already; node ids decide */
		if (vs->n_nodes)
			qsort(vs->nodes, vs->n_nodes, sizeof(*vs->nodes), cmp_source_node);
	}

	if (!vs->machine.present && !vs->n_nodes) {
		dbg(ctx, "neither /%s nor any /%s/nodeN/vmstat can be read\n", PROC_VMSTAT,
		    NODE_DIR);
		return -ENOENT;
	}
	*vmstat = TAKE_PTR(vs);
	return 0;
}

struct topo_vmstat *topo_vmstat_ref(struct topo_vmstat *vmstat)
{
	if (vmstat)
		vmstat->refcount++;
	return vmstat;
}

struct topo_vmstat *topo_vmstat_unref(struct topo_vmstat *vmstat)
{
	if (!vmstat || --vmstat->refcount > 0)
		return NULL;
	source_clear(&vmstat->machine);
	for (size_t i = 0; i < vmstat->n_nodes; i++)
		source_clear(&vmstat->nodes[i]);
	free(vmstat->nodes);
	findings_clear(&vmstat->findings);
	free(vmstat);
	return NULL;
}

uint64_t topo_vmstat_get_time_ns(const struct topo_vmstat *vmstat)
{
	return vmstat ? vmstat->time_ns : 0;
}

size_t topo_vmstat_get_node_count(const struct topo_vmstat *vmstat)
{
	return vmstat ? vmstat->n_nodes : 0;
}

int topo_vmstat_get_node_id(const struct topo_vmstat *vmstat, size_t index)
{
	if (!vmstat || index >= vmstat->n_nodes)
		return -EINVAL;
	return vmstat->nodes[index].node;
}

static const struct vm_source *source_of(const struct topo_vmstat *vs, int node)
{
	if (node < 0)
		return &vs->machine;
	for (size_t i = 0; i < vs->n_nodes; i++)
		if (vs->nodes[i].node == node)
			return &vs->nodes[i];
	return NULL;
}

int topo_vmstat_get(const struct topo_vmstat *vmstat, int node, const char *name, uint64_t *value)
{
	if (!vmstat || !name)
		return -EINVAL;
	const struct vm_source *s = source_of(vmstat, node);
	const struct vm_counter *c = s ? source_find(s, name) : NULL;
	if (!c)
		return -ENODATA;
	if (value)
		*value = c->value;
	return 0;
}

enum topo_vmstat_scope topo_vmstat_get_scope(const struct topo_vmstat *vmstat, const char *name)
{
	if (!vmstat || !name)
		return TOPO_VMSTAT_ABSENT;
	for (size_t i = 0; i < vmstat->n_nodes; i++)
		if (source_find(&vmstat->nodes[i], name))
			return TOPO_VMSTAT_NODE;
	return source_find(&vmstat->machine, name) ? TOPO_VMSTAT_MACHINE : TOPO_VMSTAT_ABSENT;
}

int topo_vmstat_get_rate(const struct topo_vmstat *before, const struct topo_vmstat *after,
			 int node, const char *name, double seconds, double *rate)
{
	if (!before || !after || !name || !rate)
		return -EINVAL;
	if (seconds <= 0) {
		if (after->time_ns <= before->time_ns)
			return -EINVAL;
		seconds = (double)(after->time_ns - before->time_ns) / 1e9;
	}
	uint64_t a, b;
	int r = topo_vmstat_get(before, node, name, &b);
	if (r < 0)
		return r;
	r = topo_vmstat_get(after, node, name, &a);
	if (r < 0)
		return r;
	/* a counter never goes back, unless the node went away and came back in between */
	if (a < b)
		return -ERANGE;
	*rate = (double)(a - b) / seconds;
	return 0;
}

size_t topo_vmstat_get_finding_count(const struct topo_vmstat *vmstat)
{
	return vmstat ? vmstat->findings.n : 0;
}

const struct topo_finding *topo_vmstat_get_finding(const struct topo_vmstat *vmstat, size_t index)
{
	return vmstat && index < vmstat->findings.n ? &vmstat->findings.v[index] : NULL;
}
