/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* "node" then digits, ended by '/', the end or (in a message) a non-digit: the digits, or -1 */
static int node_after(const char *p, bool in_path)
{
	if (strncmp(p, "node", 4) || p[4] < '0' || p[4] > '9')
		return -1;
	char *end;
	long n = strtol(p + 4, &end, 10);
	if (n > 0xffff || (in_path && *end && *end != '/'))
		return -1;
	return (int)n;
}

/* the node a finding is about (struct topo_finding.node) */
static int finding_node(const char *path, const char *message)
{
	for (const char *p = path; p && (p = strstr(p, "node")); p++) {
		int n = (p == path || p[-1] == '/') ? node_after(p, true) : -1;
		if (n >= 0)
			return n;
	}
	if (!strncmp(message, "DRAM ", 5) || !strncmp(message, "CPU ", 4))
		message = strchr(message, ' ') + 1;
	if (!strncmp(message, "node ", 5) && message[5] >= '0' && message[5] <= '9')
		return (int)strtol(message + 5, NULL, 10);
	return -1;
}

int findings_add(struct findings *f, const char *id, enum topo_severity severity, const char *path,
		 const char *fmt, ...)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct topo_finding *v = realloc(f->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}

	struct topo_finding *x = &f->v[f->n];
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&x->message, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	x->id = strdup(id);
	x->path = path ? strdup(path) : NULL;
	if (!x->id || (path && !x->path)) {
		free(x->message);
		free(x->id);
		free(x->path);
		return -ENOMEM;
	}
	x->severity = severity;
	x->node = finding_node(path, x->message);
	x->suppressed = false;
	f->n++;
	return 0;
}

void findings_clear(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].id);
		free(f->v[i].message);
		free(f->v[i].path);
	}
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

int findings_move(struct findings *dst, struct findings *src)
{
	if (!src->n)
		return 0;
	if (dst->n + src->n > dst->cap) {
		size_t cap = dst->n + src->n;
		struct topo_finding *v = realloc(dst->v, cap * sizeof(*v));
		if (!v) {
			findings_clear(src);
			return -ENOMEM;
		}
		dst->v = v;
		dst->cap = cap;
	}
	memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	free(src->v);
	src->v = NULL;
	src->n = src->cap = 0;
	return 0;
}

size_t findings_count_id(const struct findings *f, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += strcmp(f->v[i].id, id) == 0;
	return n;
}

const char *topo_severity_to_string(enum topo_severity severity)
{
	switch (severity) {
	case TOPO_SEVERITY_INFO:
		return "info";
	case TOPO_SEVERITY_WARNING:
		return "warning";
	case TOPO_SEVERITY_ERROR:
		return "error";
	}
	return "unknown";
}
