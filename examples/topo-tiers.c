/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * topo-tiers: each NUMA node's kind, tier and demotion targets, as tiertopo recommends
 * them, next to the kernel's own tier. A consumer of the public API only; build it against
 * the installed library:
 *
 *   cc -o topo-tiers topo-tiers.c $(pkg-config --cflags --libs libtopo)
 *   ./topo-tiers [SYSROOT]
 *
 * Output, one line per node with memory:
 *   node 0 DRAM tier 4 kernel-tier 4 preferred 2 fallback 2
 * with '-' for a value that is unknown or a list that is empty.
 */
#include <errno.h>
#include <libtopo.h>
#include <stdio.h>
#include <string.h>

static void print_list(const char *label, const int *v, size_t n)
{
	printf(" %s ", label);
	if (!n)
		fputs("-", stdout);
	for (size_t i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", v[i]);
}

int main(int argc, char **argv)
{
	struct topo_ctx *ctx = NULL;
	struct topo *topo = NULL;
	struct topo_plan *plan = NULL;
	int r = topo_ctx_new(&ctx, argc > 1 ? argv[1] : NULL);
	if (r < 0) {
		fprintf(stderr, "topo_ctx_new: %s\n", strerror(-r));
		return 1;
	}
	r = topo_discover(ctx, &topo);
	if (r < 0) {
		fprintf(stderr, "topo_discover: %s\n", strerror(-r));
		goto out;
	}
	r = topo_plan_new(topo, TOPO_PLAN_RECOMMENDED, NULL, NULL, &plan);
	if (r < 0) {
		fprintf(stderr, "topo_plan_new: %s\n", strerror(-r));
		goto out;
	}

	for (size_t i = 0; i < topo_get_node_count(topo); i++) {
		const struct topo_node *n = topo_get_node_by_index(topo, i);
		int id = topo_node_get_id(n);
		if (!topo_node_has_memory(n))
			continue;
		printf("node %d %s", id, topo_kind_to_string(topo_plan_get_kind(plan, id)));
		int tier = topo_plan_get_tier(plan, id);
		int ktier = topo_node_get_kernel_tier(n);
		if (tier >= 0)
			printf(" tier %d", tier);
		else
			fputs(" tier -", stdout);
		if (ktier >= 0)
			printf(" kernel-tier %d", ktier);
		else
			fputs(" kernel-tier -", stdout); /* -ENODATA: before 6.1, or not placed */
		const int *t;
		size_t nt = topo_plan_get_preferred(plan, id, &t);
		print_list("preferred", t, nt);
		nt = topo_plan_get_fallback(plan, id, &t);
		print_list("fallback", t, nt);
		putchar('\n');
	}
	r = 0;
out:
	topo_plan_unref(plan);
	topo_unref(topo);
	topo_ctx_unref(ctx);
	return r < 0 ? 1 : 0;
}
