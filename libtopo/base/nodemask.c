/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

int nodemask_last(const struct nodemask *m)
{
	for (int w = TOPO_MAX_NODES / 64 - 1; w >= 0; w--)
		if (m->bits[w])
			return w * 64 + 63 - __builtin_clzll(m->bits[w]);
	return -1;
}

size_t nodemask_weight(const struct nodemask *m)
{
	size_t n = 0;
	for (size_t w = 0; w < TOPO_MAX_NODES / 64; w++)
		n += (size_t)__builtin_popcountll(m->bits[w]);
	return n;
}

static int parse_uint(const char **p, unsigned int limit, unsigned int *v)
{
	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	unsigned long x = 0;
	while (isdigit((unsigned char)**p)) {
		x = x * 10 + (unsigned long)(**p - '0');
		if (x >= limit)
			return -EINVAL;
		(*p)++;
	}
	*v = (unsigned int)x;
	return 0;
}

int parse_list(const char *s, unsigned int limit, void (*add)(void *data, unsigned int v),
	       void *data)
{
	const char *p = s;
	/* an empty list is printed as an empty line */
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\n' || *p == '\0')
		return p[*p == '\n'] == '\0' ? 0 : -EINVAL;

	for (;;) {
		unsigned int a, b;
		if (parse_uint(&p, limit, &a) < 0)
			return -EINVAL;
		b = a;
		if (*p == '-') {
			p++;
			if (parse_uint(&p, limit, &b) < 0 || b < a)
				return -EINVAL;
		}
		if (add)
			for (unsigned int v = a; v <= b; v++)
				add(data, v);
		if (*p == ',') {
			p++;
			continue;
		}
		break;
	}
	if (*p == '\n')
		p++;
	return *p == '\0' ? 0 : -EINVAL;
}

static void mask_add(void *data, unsigned int v)
{
	nodemask_set(data, v);
}

int nodemask_parse(const char *s, struct nodemask *mask)
{
	struct nodemask m = {0};
	int r = parse_list(s, TOPO_MAX_NODES, mask_add, &m);
	if (r < 0)
		return r;
	*mask = m;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int cpumap_parse(const char *s, unsigned int **cpus, size_t *n)
{
	size_t len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	if (len == 0)
		return -EINVAL;

	/* Walk the hex digits from the least significant end; commas separate 32-bit words. */
	size_t cap = 0, cnt = 0;
	unsigned int *v = NULL;
	unsigned int bit = 0;
	for (size_t i = len; i-- > 0;) {
		if (s[i] == ',')
			continue;
		int h = hexval(s[i]);
		if (h < 0 || bit > (1u << 22)) {
			free(v);
			return -EINVAL;
		}
		for (int k = 0; k < 4; k++, bit++) {
			if (!(h >> k & 1))
				continue;
			if (cnt == cap) {
				cap = cap ? cap * 2 : 16;
				unsigned int *nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			v[cnt++] = bit;
		}
	}
	*cpus = v;
	*n = cnt;
	return 0;
}

char *nodelist_format(const int *v, size_t n)
{
	size_t cap = 8 + n * 12, o = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	snprintf(s, cap, "none");
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		o += (size_t)snprintf(s + o, cap - o, "%s%d", o ? "," : "", v[i]);
		if (j > i)
			o += (size_t)snprintf(s + o, cap - o, "-%d", v[j]);
		i = j + 1;
	}
	return s;
}
