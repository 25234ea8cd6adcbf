/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's demotion targets are in no sysfs file: mm/memory-tiers.c prints them
 * ("Demotion targets for Node N: preferred: X, fallback: Y" or "...: null") each time it
 * recomputes them. Read them from <sysroot>/dev/kmsg (records, root only, non-blocking) or,
 * in a gathered or hand-made tree, from a regular file of that name holding kmsg records
 * or dmesg text. The last line for a node wins: it is the current state.
 *
 * build_zonelists() also prints each node's zonelist ("Fallback order for Node N: 0 1 3 2",
 * 5.17+), one line per possible node at every full rebuild (and a lone line for a node being
 * brought up): the lines of the last complete block are what node_load[] was built from.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sysfs/sysfs.h"

#define KMSG "dev/kmsg"
#define MARK "Demotion targets for Node "
#define FALLBACK "Fallback order for Node "

/* the "Fallback order" lines in log order */
struct fallback_line {
	int node;
	int *order;
	size_t n;
};
struct fallback_log {
	struct fallback_line *v;
	size_t n;
};

struct targets {
	int *v;
	size_t n;
};

static void add_target(void *data, unsigned int v)
{
	struct targets *t = data;
	int *nv = realloc(t->v, (t->n + 1) * sizeof(int));
	if (!nv)
		return;
	nv[t->n++] = (int)v;
	t->v = nv;
}

static int parse_list_into(const char *s, size_t len, int **v, size_t *n)
{
	char buf[4096];
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	struct targets t = {0};
	if (parse_list(buf, TOPO_MAX_NODES, add_target, &t) < 0) {
		free(t.v);
		return -EINVAL;
	}
	free(*v);
	*v = t.v;
	*n = t.n;
	return 0;
}

/* "Fallback order for Node N: a b c " */
static void parse_fallback(struct fallback_log *log, const char *m, const char *end)
{
	const char *p = m + strlen(FALLBACK);
	char *e;
	long id = strtol(p, &e, 10);
	if (e == p || e >= end || *e != ':' || id < 0 || id >= TOPO_MAX_NODES)
		return;
	struct fallback_line l = {.node = (int)id};
	for (p = e + 1; p < end;) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		long v = strtol(p, &e, 10);
		if (e == p || v < 0 || v >= TOPO_MAX_NODES || l.n >= TOPO_MAX_NODES) {
			free(l.order);
			return; /* not a line of the kernel's */
		}
		int *nv = realloc(l.order, (l.n + 1) * sizeof(int));
		if (!nv) {
			free(l.order);
			return;
		}
		l.order = nv;
		l.order[l.n++] = (int)v;
		p = e;
	}
	struct fallback_line *nv = realloc(log->v, (log->n + 1) * sizeof(*nv));
	if (!nv) {
		free(l.order);
		return;
	}
	log->v = nv;
	log->v[log->n++] = l;
}

/*
 * The last complete block of "Fallback order" lines: a run of lines with ascending node
 * ids naming every possible node, given to the nodes of the snapshot.
 */
static void take_fallback_block(struct topo *topo, struct fallback_log *log)
{
	size_t want = topo->has_possible_file ? nodemask_weight(&topo->possible) : topo->n_nodes;
	size_t begin = 0, best = SIZE_MAX;
	for (size_t i = 0; i < log->n; i++) {
		if (i > begin && log->v[i].node <= log->v[i - 1].node)
			begin = i;
		if (i + 1 - begin == want && want)
			best = begin;
	}
	for (size_t i = 0; best != SIZE_MAX && i < want; i++) {
		struct fallback_line *l = &log->v[best + i];
		struct topo_node *n = topo_node_by_id(topo, l->node);
		if (!n)
			continue;
		free(n->fallback_order);
		n->fallback_order = l->order;
		n->n_fallback_order = l->n;
		n->fallback_order_known = true;
		l->order = NULL;
	}
	for (size_t i = 0; i < log->n; i++)
		free(log->v[i].order);
	free(log->v);
}

/* One log line (without its newline). */
static void parse_line(struct topo *topo, struct fallback_log *log, const char *line, size_t len)
{
	const char *fm = memmem(line, len, FALLBACK, strlen(FALLBACK));
	if (fm) {
		parse_fallback(log, fm, line + len);
		return;
	}
	const char *m = memmem(line, len, MARK, strlen(MARK));
	if (!m)
		return;
	const char *p = m + strlen(MARK), *end = line + len;
	char *e;
	long id = strtol(p, &e, 10);
	if (e == p || e >= end || *e != ':')
		return;
	struct topo_node *n = topo_node_by_id(topo, (int)id);
	if (!n)
		return;
	p = e + 1;
	while (p < end && *p == ' ')
		p++;
	if ((size_t)(end - p) >= 4 && !strncmp(p, "null", 4)) {
		n->kernel_demotion_known = true;
		n->n_kernel_preferred = n->n_kernel_fallback = 0;
		return;
	}
	const char *pref = "preferred: ", *fb = ", fallback: ";
	const char *f = memmem(p, (size_t)(end - p), fb, strlen(fb));
	if (strncmp(p, pref, strlen(pref)) || !f)
		return;
	const char *ps = p + strlen(pref);
	const char *fs = f + strlen(fb);
	if (parse_list_into(ps, (size_t)(f - ps), &n->kernel_preferred, &n->n_kernel_preferred) ||
	    parse_list_into(fs, (size_t)(end - fs), &n->kernel_fallback, &n->n_kernel_fallback))
		return;
	n->kernel_demotion_known = true;
}

static void parse_text(struct topo *topo, struct fallback_log *log, const char *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (buf + off)) : len - off;
		parse_line(topo, log, buf + off, l);
		off += l + 1;
	}
}

int sysfs_read_kmsg(struct topo *topo)
{
	_cleanup_close_ int fd = io_open_file(topo->ctx, KMSG, O_RDONLY | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return 0; /* absent, or not root: the targets stay unknown */
	struct fallback_log log = {0};

	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 11)) {
		/* /dev/kmsg itself (1:11, and no other device): one record per read; EAGAIN at
		 * the end; EPIPE when a record was overwritten */
		char rec[8192];
		for (int i = 0; i < 1 << 20; i++) {
			ssize_t k = read(fd, rec, sizeof(rec) - 1);
			if (k < 0 && errno == EPIPE)
				continue;
			if (k <= 0)
				break;
			parse_text(topo, &log, rec, (size_t)k);
		}
	} else if (S_ISREG(st.st_mode)) {
		/* a gathered tree's copy */
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		if (io_read_file(topo->ctx, KMSG, TOPO_TABLE_MAX, &buf, &len) == 0)
			parse_text(topo, &log, buf, len);
	} else {
		findings_add(&topo->findings, "sysfs-not-regular", TOPO_SEVERITY_WARNING, KMSG,
			     "/%s is neither the kernel log device (1:11) nor a file; not read",
			     KMSG);
	}
	take_fallback_block(topo, &log);
	return 0;
}
