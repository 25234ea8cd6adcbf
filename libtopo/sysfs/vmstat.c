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
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sysfs/sysfs.h"

#define NODE_DIR "sys/devices/system/node"
#define PROC_VMSTAT "proc/vmstat"
/* Show at most this much of a bad line in a finding. */
#define SHOW_MAX 64

struct vm_counter {
	const char *name; /* in its source's buf */
	uint64_t value;
	size_t line; /* keeps the sort stable: the first of a repeated name wins */
};

/* One file: its counters sorted by name. */
struct vm_source {
	int node; /* -1: proc/vmstat */
	bool present;
	char *buf; /* the file as read; the names point into it */
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

/* A node file the reader keeps open between readings. */
struct vm_file {
	int node;
	int fd; /* -1: not open (absent, or past the reader's budget of fds) */
};

/*
 * The order of a clean file's lines (every line parsed, no name twice) once sorted:
 * order[k] is where line k goes. Every node file of a kernel prints the same names in the
 * same order, so the next file's lines, if they carry the same names, take their places
 * without a sort.
 */
struct vm_layout {
	const struct vm_source *ref; /* the file whose sorted names the order leads to */
	size_t *order;
	size_t *len; /* strlen of the name of line k */
	size_t n;
};

struct topo_vmstat_reader {
	struct topo_ctx *ctx;
	int machine_fd; /* proc/vmstat, -1 when not open */
	struct vm_file *files; /* ascending node ids */
	size_t n_files;
	size_t budget; /* fds it may keep open, from RLIMIT_NOFILE */
	struct vm_layout layout;
};

static void source_clear(struct vm_source *s)
{
	free(s->v);
	free(s->buf);
	s->v = NULL;
	s->buf = NULL;
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

/* [a-z0-9_] and [0-9] in ASCII whatever the locale (the kernel prints ASCII), without
 * <ctype.h>'s table lookup per character: 1025 files of ~45 lines per report */
static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
}

/* "name value": a name of [a-z0-9_] and an unsigned decimal number. */
static bool parse_line(char *line, size_t len, char **name, uint64_t *value)
{
	const char *end = line + len;
	char *sp = line;
	while (sp < end && is_name_char(*sp))
		sp++;
	if (sp == end || *sp != ' ' || sp == line)
		return false;
	const char *num = sp + 1;
	if (num == end)
		return false;
	uint64_t v = 0;
	for (const char *p = num; p < end; p++) {
		if (!is_digit(*p) || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*sp = '\0';
	*name = line;
	*value = v;
	return true;
}

/*
 * Parse @buf into @s if it prints, line for line, the names of @lay's file: each counter
 * goes straight to its sorted place, its name the layout file's (same reading, same
 * lifetime). false, leaving @buf untouched, at the first line that differs.
 */
static bool parse_as_layout(const struct vm_layout *lay, const char *buf, size_t len,
			    struct vm_source *s)
{
	if (!lay->ref)
		return false;
	const char *p = buf, *end = buf + len;
	for (size_t k = 0; k < lay->n; k++) {
		const struct vm_counter *ref = &lay->ref->v[lay->order[k]];
		size_t nl = lay->len[k];
		if ((size_t)(end - p) < nl + 2 || memcmp(p, ref->name, nl) || p[nl] != ' ')
			return false;
		p += nl + 1;
		uint64_t v = 0;
		const char *num = p;
		for (; p < end && *p != '\n'; p++) {
			if (!is_digit(*p) || v > (UINT64_MAX - 9) / 10)
				return false;
			v = v * 10 + (uint64_t)(*p - '0');
		}
		if (p == num)
			return false;
		if (p < end)
			p++; /* the newline */
		s->v[lay->order[k]] = (struct vm_counter){.name = ref->name, .value = v, .line = k + 1};
	}
	if (p != end)
		return false;
	s->n = lay->n;
	return true;
}

/* Learn the order of a clean file @s, just sorted; its lines were numbered 1..n. */
static void layout_learn(struct vm_layout *lay, const struct vm_source *s)
{
	lay->ref = NULL;
	if (lay->n < s->n) {
		size_t *o = realloc(lay->order, s->n * sizeof(*o));
		if (o)
			lay->order = o;
		size_t *l = o ? realloc(lay->len, s->n * sizeof(*l)) : NULL;
		if (l)
			lay->len = l;
		if (!o || !l) {
			lay->n = 0;
			return;
		}
	}
	lay->n = s->n;
	for (size_t i = 0; i < s->n; i++) {
		lay->order[s->v[i].line - 1] = i;
		lay->len[s->v[i].line - 1] = strlen(s->v[i].name);
	}
	lay->ref = s;
}

/*
 * Parse a vmstat file @buf (taken) into @s. Each garbled or repeated line is a finding and
 * the others are kept. With @lay (node files), a file laid out as the last clean one is
 * sorted by its order; a clean file sorted afresh becomes the layout.
 */
static int parse_source(struct topo_vmstat *vs, const char *path, char *buf, size_t len,
			struct vm_source *s, struct vm_layout *lay)
{
	s->buf = buf;
	size_t lineno = 0, cap = 1;
	if (lay && lay->ref) {
		if (!(s->v = malloc(lay->n * sizeof(*s->v))))
			return -ENOMEM;
		if (parse_as_layout(lay, buf, len, s)) {
			s->present = true;
			return 0;
		}
		free(s->v);
	}
	for (const char *q = buf; (q = memchr(q, '\n', (size_t)(buf + len - q))); q++)
		cap++;
	if (!(s->v = malloc(cap * sizeof(*s->v))))
		return -ENOMEM;
	bool clean = true;
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
			clean = false;
			continue;
		}
		s->v[s->n].name = name;
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
			clean = false;
			continue;
		}
		s->v[o++] = s->v[i];
	}
	s->n = o;
	if (clean && lay)
		layout_learn(lay, s);
	return 0;
}

/* A read that failed or was refused, as the findings say it. -ENOENT: absent, no finding. */
static int read_failed(struct topo_vmstat *vs, const char *path, int r)
{
	if (r == -ENOENT || r == -ENOTDIR)
		return -ENOENT;
	if (r == -EFBIG)
		findings_add(&vs->findings, "sysfs-oversized", TOPO_SEVERITY_WARNING, path,
			     "/%s is larger than %u bytes; ignored", path, TOPO_ATTR_MAX);
	else
		findings_add(&vs->findings, "sysfs-unreadable", TOPO_SEVERITY_WARNING, path,
			     "/%s cannot be read: %s", path, strerror(-r));
	return 0;
}

/*
 * Read one vmstat file into @s through *@fd, opening it when *@fd < 0 (and keeping the fd
 * when @keep). -ENOENT when absent (not a finding); an unreadable file is a finding and
 * leaves the source absent. A kept fd that no longer reads (the node went away, perhaps to
 * come back) is closed and the file opened again.
 */
/* Out of fds: the reader gives back every fd it keeps and keeps none from now on, so that
 * it never takes from its caller the fds it needs. */
static void shed_fds(struct topo_vmstat_reader *rd)
{
	for (size_t i = 0; i < rd->n_files; i++) {
		if (rd->files[i].fd >= 0)
			close(rd->files[i].fd);
		rd->files[i].fd = -1;
	}
	if (rd->machine_fd >= 0)
		close(rd->machine_fd);
	rd->machine_fd = -1;
	rd->budget = 0;
}

static int read_source(struct topo_vmstat *vs, struct topo_vmstat_reader *rd, const char *path,
		       int *fd, bool keep, struct vm_source *s, struct vm_layout *lay)
{
	struct topo_ctx *ctx = rd->ctx;
	char *buf = NULL;
	size_t len = 0;
	int r = -EBADF;
	if (*fd >= 0) {
		r = io_reread(*fd, TOPO_ATTR_MAX, &buf, &len);
		if (r < 0 && r != -EFBIG) {
			close(*fd);
			*fd = -1;
		}
	}
	if (*fd < 0) {
		int f = io_open_reread(ctx, path);
		if ((f == -EMFILE || f == -ENFILE) && rd->budget) {
			shed_fds(rd);
			keep = false;
			f = io_open_reread(ctx, path);
		}
		r = f < 0 ? f : io_reread(f, TOPO_ATTR_MAX, &buf, &len);
		if (f >= 0 && keep && r >= 0)
			*fd = f;
		else if (f >= 0)
			close(f);
	}
	if (r < 0)
		return read_failed(vs, path, r);
	int k = parse_source(vs, path, buf, len, s, lay);
	if (k < 0)
		source_clear(s);
	return k;
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

static int cmp_file_node(const void *a, const void *b)
{
	int x = ((const struct vm_file *)a)->node, y = ((const struct vm_file *)b)->node;
	return (x > y) - (x < y);
}

static void files_close(struct topo_vmstat_reader *rd)
{
	for (size_t i = 0; i < rd->n_files; i++)
		if (rd->files[i].fd >= 0)
			close(rd->files[i].fd);
	free(rd->files);
	rd->files = NULL;
	rd->n_files = 0;
}

int topo_vmstat_reader_new(struct topo_ctx *ctx, struct topo_vmstat_reader **reader)
{
	if (!ctx || !reader)
		return -EINVAL;
	struct topo_vmstat_reader *rd = calloc(1, sizeof(*rd));
	if (!rd)
		return -ENOMEM;
	rd->ctx = topo_ctx_ref(ctx);
	rd->machine_fd = -1;
	/* keep at most half the fds the process may still open: the caller has its own */
	struct rlimit rl;
	rd->budget = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
			     ? (size_t)(rl.rlim_cur / 2)
			     : 4096;
	*reader = rd;
	return 0;
}

struct topo_vmstat_reader *topo_vmstat_reader_free(struct topo_vmstat_reader *reader)
{
	if (!reader)
		return NULL;
	files_close(reader);
	if (reader->machine_fd >= 0)
		close(reader->machine_fd);
	free(reader->layout.order);
	free(reader->layout.len);
	topo_ctx_unref(reader->ctx);
	free(reader);
	return NULL;
}

struct id_list {
	struct vm_file *f;
	size_t n, cap;
};

static int add_node_id(void *data, const char *name)
{
	struct id_list *l = data;
	int id = node_dir_id(name);
	if (id < 0)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct vm_file *f = realloc(l->f, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		l->f = f;
		l->cap = cap;
	}
	l->f[l->n++] = (struct vm_file){.node = id, .fd = -1};
	return 0;
}

/* The node files of this reading: the ids listed now (ascending), with the fds of those
 * still there; the others' fds are closed. */
static void files_update(struct topo_vmstat_reader *rd, struct id_list *l)
{
	struct vm_file *f = l->f;
	size_t n = l->n;
	qsort(f, n, sizeof(*f), cmp_file_node);
	size_t j = 0;
	for (size_t i = 0; i < rd->n_files; i++) {
		struct vm_file *old = &rd->files[i];
		while (j < n && f[j].node < old->node)
			j++;
		if (j < n && f[j].node == old->node && f[j].fd < 0) {
			f[j].fd = old->fd;
			old->fd = -1;
		}
	}
	files_close(rd);
	rd->files = f;
	rd->n_files = n;
}

int topo_vmstat_reader_read(struct topo_vmstat_reader *rd, struct topo_vmstat **vmstat)
{
	if (!rd || !vmstat)
		return -EINVAL;
	struct topo_ctx *ctx = rd->ctx;

	_cleanup_(topo_vmstat_unrefp) struct topo_vmstat *vs = calloc(1, sizeof(*vs));
	if (!vs)
		return -ENOMEM;
	vs->refcount = 1;
	vs->machine.node = -1;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	vs->time_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;

	int r = read_source(vs, rd, PROC_VMSTAT, &rd->machine_fd, rd->budget > 0, &vs->machine,
			    NULL);
	if (r < 0 && r != -ENOENT)
		return r;

	/* the directory is listed at every reading: a node that comes or goes is seen */
	struct id_list ids = {0};
	r = io_scan_dir(ctx, NODE_DIR, false, add_node_id, &ids);
	if ((r == -EMFILE || r == -ENFILE) && rd->budget) {
		shed_fds(rd);
		ids.n = 0;
		r = io_scan_dir(ctx, NODE_DIR, false, add_node_id, &ids);
	}
	if (r == -ENOMEM) {
		free(ids.f);
		return r;
	}
	if (r == 0) {
		files_update(rd, &ids);
		vs->nodes = calloc(rd->n_files ? rd->n_files : 1, sizeof(*vs->nodes));
		if (!vs->nodes)
			return -ENOMEM;
		rd->layout.ref = NULL; /* a layout refers to a file of this reading only */
		size_t open = rd->machine_fd >= 0;
		for (size_t i = 0; i < rd->n_files; i++)
			open += rd->files[i].fd >= 0;
		char path[PATH_MAX];
		for (size_t i = 0; i < rd->n_files; i++) {
			struct vm_file *f = &rd->files[i];
			struct vm_source *s = &vs->nodes[vs->n_nodes];
			s->node = f->node;
			snprintf(path, sizeof(path), NODE_DIR "/node%d/vmstat", f->node);
			bool had = f->fd >= 0;
			r = read_source(vs, rd, path, &f->fd, open < rd->budget, s, &rd->layout);
			open += (f->fd >= 0) - had;
			if (r < 0 && r != -ENOENT)
				return r;
			if (r == 0 && s->present)
				vs->n_nodes++;
			else
				source_clear(s);
		}
	} else {
		free(ids.f);
		files_close(rd);
	}

	if (!vs->machine.present && !vs->n_nodes) {
		dbg(ctx, "neither /%s nor any /%s/nodeN/vmstat can be read\n", PROC_VMSTAT,
		    NODE_DIR);
		return -ENOENT;
	}
	*vmstat = TAKE_PTR(vs);
	return 0;
}

int topo_read_vmstat(struct topo_ctx *ctx, struct topo_vmstat **vmstat)
{
	if (!ctx || !vmstat)
		return -EINVAL;
	struct topo_vmstat_reader *rd = NULL;
	int r = topo_vmstat_reader_new(ctx, &rd);
	if (r < 0)
		return r;
	rd->budget = 0; /* one reading: no fd kept beyond its own read */
	r = topo_vmstat_reader_read(rd, vmstat);
	topo_vmstat_reader_free(rd);
	return r;
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

/* nodes[] is sorted by id: a lookup halves it (1024 nodes x 13 counters per report) */
static const struct vm_source *source_of(const struct topo_vmstat *vs, int node)
{
	if (node < 0)
		return &vs->machine;
	struct vm_source key = {.node = node};
	return vs->n_nodes ? bsearch(&key, vs->nodes, vs->n_nodes, sizeof(*vs->nodes),
				     cmp_source_node)
			   : NULL;
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
