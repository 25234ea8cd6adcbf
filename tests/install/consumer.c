/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tool outside the tree, built against the installed libtopo with pkg-config: prints
 * each node with memory and its kernel tier, as a tiering tool would start.
 */
#include <libtopo.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct topo_ctx *ctx;
	struct topo *topo;
	int r = topo_ctx_new(&ctx, argc > 1 ? argv[1] : NULL);
	if (r < 0) {
		fprintf(stderr, "topo_ctx_new: %s\n", strerror(-r));
		return 1;
	}
	r = topo_discover(ctx, &topo);
	if (r < 0) {
		fprintf(stderr, "topo_discover: %s\n", strerror(-r));
		topo_ctx_unref(ctx);
		return 1;
	}
	for (size_t i = 0; i < topo_get_node_count(topo); i++) {
		const struct topo_node *n = topo_get_node_by_index(topo, i);
		if (!topo_node_has_memory(n))
			continue;
		printf("node %d tier %d\n", topo_node_get_id(n), topo_node_get_kernel_tier(n));
	}
	topo_unref(topo);
	topo_ctx_unref(ctx);
	return 0;
}
