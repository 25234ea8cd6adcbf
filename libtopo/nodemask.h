/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Node masks and the kernel's list format ("0-3,8,10-11"), as printed by %*pbl.
 */
#ifndef TOPO_NODEMASK_H
#define TOPO_NODEMASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* MAX_NUMNODES with the largest NODES_SHIFT (10) any distribution kernel uses. */
#define TOPO_MAX_NODES 1024

struct nodemask {
	uint64_t bits[TOPO_MAX_NODES / 64];
};

static inline void nodemask_set(struct nodemask *m, unsigned int n)
{
	if (n < TOPO_MAX_NODES)
		m->bits[n / 64] |= UINT64_C(1) << (n % 64);
}

static inline bool nodemask_test(const struct nodemask *m, unsigned int n)
{
	return n < TOPO_MAX_NODES && (m->bits[n / 64] >> (n % 64)) & 1;
}

/* Highest set bit, or -1 when empty. */
int nodemask_last(const struct nodemask *m);
size_t nodemask_weight(const struct nodemask *m);

/*
 * Parse a kernel list ("0-3,8"; an empty string or a lone newline is the empty list).
 * Values must be below @limit; @add is called once per member in ascending order of the
 * text. Returns 0 or -EINVAL (garbage, reversed range, value too large).
 */
int parse_list(const char *s, unsigned int limit, void (*add)(void *data, unsigned int v),
	       void *data);
int nodemask_parse(const char *s, struct nodemask *mask);

/* Node ids (ascending) in the kernel's list format, "0-3,8", or "none": malloc'd. */
char *nodelist_format(const int *ids, size_t n);

/* Parse a hex cpumap as in nodeN/cpumap ("0000,00000000,00000003"). */
int cpumap_parse(const char *s, unsigned int **cpus, size_t *n);

#endif
