/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every command prints the same way: lists of ids, findings.
 */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "tiertopo.h"

/* "0-3,8" of @n ids, the i-th being at(v, i); NULL for an empty list */
static char *format_ranges(const void *v, size_t n, unsigned int (*at)(const void *v, size_t i))
{
	if (!n)
		return NULL;
	size_t cap = 16 + n * 12, o = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && at(v, j + 1) == at(v, j) + 1)
			j++;
		o += (size_t)snprintf(s + o, cap - o, "%s%u", o ? "," : "", at(v, i));
		if (j > i)
			o += (size_t)snprintf(s + o, cap - o, "-%u", at(v, j));
		i = j + 1;
	}
	return s;
}

static unsigned int at_uint(const void *v, size_t i)
{
	return ((const unsigned int *)v)[i];
}

static unsigned int at_node(const void *v, size_t i)
{
	return (unsigned int)((const int *)v)[i]; /* node ids are never negative */
}

char *format_list(const unsigned int *v, size_t n)
{
	return format_ranges(v, n, at_uint);
}

char *format_node_list(const int *v, size_t n)
{
	return format_ranges(v, n, at_node);
}

const char *topo_strerror(int r)
{
	switch (r < 0 ? -r : r) {
	case EKEYREJECTED:
		return "refused: owned by another user, or writable by group or others";
	case EMEDIUMTYPE:
		return "refused: not a regular file";
	case ELOOP:
		return "refused: a link where none may be";
	default:
		return strerror(r < 0 ? -r : r);
	}
}

void print_finding(const struct global_opts *g, const struct topo_config *config,
		   const struct topo_finding *x, FILE *f, size_t *hidden)
{
	/* accepted in tiertopo.conf ([check] ignore): check marks it, a listing leaves it out */
	if (topo_config_ignores(config, x)) {
		if (hidden)
			(*hidden)++;
		return;
	}
	/* a note is no problem: a listing shows it when asked (-v); check lists them all */
	if (!g->verbose && topo_finding_get_severity(x) == TOPO_SEVERITY_INFO)
		return;
	fprintf(f, "%s: %s [%s]\n", topo_severity_to_string(topo_finding_get_severity(x)),
		topo_finding_get_message(x), topo_finding_get_id(x));
}

void print_findings(const struct global_opts *g, const struct topo_config *config,
		    const struct topo *topo, FILE *f, size_t *hidden)
{
	for (size_t i = 0; i < topo_get_finding_count(topo); i++)
		print_finding(g, config, topo_get_finding(topo, i), f, hidden);
}

void print_hidden(const struct global_opts *g, size_t hidden, FILE *f)
{
	if (g->verbose && hidden)
		fprintf(f,
			"tiertopo: %zu finding%s suppressed by tiertopo.conf ([check] ignore; "
			"tiertopo check -v shows %s)\n",
			hidden, hidden == 1 ? "" : "s", hidden == 1 ? "it" : "them");
}
