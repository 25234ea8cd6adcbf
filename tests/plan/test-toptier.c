/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Promotion's top tier (node_is_toptier(), model/promotion.c) on the trees gathered from real
 * kernels (fixtures/sysfs/vm): what each release's rule promises, and that the running
 * kernel's own tiers and the model of its release give the same answer.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libtopo.h"
#include "testutil.h"

/* trees whose model tiers are known not to match the kernel (tests/vm/check-vm.py KNOWN) */
static bool model_gap(const char *name)
{
	return !strncmp(name, "cxl1-gp-6.18", 12) || !strncmp(name, "cxl1-gp-7.3", 11);
}

static struct topo *load(const char *root)
{
	struct topo_ctx *ctx;
	struct topo *topo;
	cr_assert_eq(topo_ctx_new(&ctx, root), 0, "%s", root);
	topo_ctx_set_log_fn(ctx, NULL, NULL);
	cr_assert_eq(topo_discover(ctx, &topo), 0, "%s", root);
	topo_ctx_unref(ctx);
	return topo;
}

static int each_tree(void (*fn)(const char *name, const char *root))
{
	char dir[4096], root[8192];
	snprintf(dir, sizeof(dir), "%s/sysfs/vm", fixtures_dir());
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(root, sizeof(root), "%s/%s", dir, de->d_name);
		fn(de->d_name, root);
		n++;
	}
	closedir(d);
	return n;
}

static void kernel_against_model(const char *name, const char *root)
{
	struct topo *topo = load(root);
	struct topo_plan *model;
	cr_assert_eq(topo_plan_new(topo, TOPO_PLAN_KERNEL, NULL, NULL, &model), 0, "%s", name);
	for (size_t i = 0; i < topo_get_node_count(topo); i++) {
		const struct topo_node *n = topo_get_node_by_index(topo, i);
		int id = topo_node_get_id(n);
		int k = topo_is_toptier(topo, id), m = topo_plan_is_toptier(model, id);
		cr_assert_geq(k, 0, "%s node %d: the kernel's answer is %d", name, id, k);
		cr_assert_geq(m, 0, "%s node %d: the model's answer is %d", name, id, m);
		/* a node with CPUs and memory is always top tier: promotion never takes pages
		 * away from the CPUs' own memory */
		if (topo_node_has_cpu(n) && topo_node_has_memory(n))
			cr_expect_eq(k, 1, "%s node %d has CPUs and memory", name, id);
		/* a node without memory has no tier and counts as top tier */
		if (!topo_node_has_memory(n) && topo_node_is_online(n))
			cr_expect_eq(k, 1, "%s node %d has no memory", name, id);
		if (!model_gap(name))
			cr_expect_eq(k, m, "%s node %d: the kernel's tiers say %d, the model of %s %d",
				     name, id, k, topo_get_kernel_release(topo), m);
	}
	topo_plan_unref(model);
	topo_unref(topo);
}

Test(toptier, the_kernels_tiers_and_the_model_of_its_release_agree)
{
	cr_assert_gt(each_tree(kernel_against_model), 40, "the VM trees");
}

/* after kmem onlines an NVDIMM as system-ram into a node of its own, that node sits in a
 * tier slower than every CPU node's (kmem's default or HMAT type) on every release: it is
 * what promotion promotes from */
static void sysram_node_is_promoted_from(const char *name, const char *root)
{
	if (!strstr(name, "-sysram") || (strncmp(name, "hmat4-", 6) && strncmp(name, "plain2-", 7)))
		return;
	struct topo *topo = load(root);
	int kmem = 0;
	for (size_t i = 0; i < topo_get_dev_count(topo); i++) {
		const struct topo_dev *dev = topo_get_dev(topo, i);
		const char *driver = topo_dev_get_driver(dev);
		int node;
		if (topo_dev_get_bus(dev) != TOPO_BUS_DAX || !driver || strcmp(driver, "kmem") ||
		    topo_dev_get_target_node(dev, &node) < 0)
			continue;
		kmem++;
		cr_expect_eq(topo_is_toptier(topo, node), 0, "%s: kmem node %d", name, node);
	}
	cr_expect_gt(kmem, 0, "%s has a dax device onlined by kmem", name);
	topo_unref(topo);
}

Test(toptier, memory_onlined_by_kmem_is_not_top_tier)
{
	each_tree(sysram_node_is_promoted_from);
}

Test(toptier, each_release_has_its_rule)
{
	char root[4096];
	snprintf(root, sizeof(root), "%s/sysfs/vm/hmat4-6.12-sysram", fixtures_dir());
	struct topo *topo = load(root);
	struct topo_plan *p;
	/* before 5.18 there is no memory-tiering mode: nothing to say */
	cr_assert_eq(topo_plan_new(topo, TOPO_PLAN_KERNEL, "5.17", NULL, &p), 0);
	cr_expect_eq(topo_plan_is_toptier(p, 0), -EOPNOTSUPP);
	topo_plan_unref(p);
	/* 5.18-6.0: exactly the nodes with CPUs */
	cr_assert_eq(topo_plan_new(topo, TOPO_PLAN_KERNEL, "6.0", NULL, &p), 0);
	for (size_t i = 0; i < topo_get_node_count(topo); i++) {
		const struct topo_node *n = topo_get_node_by_index(topo, i);
		cr_expect_eq(topo_plan_is_toptier(p, topo_node_get_id(n)), topo_node_has_cpu(n),
			     "6.0 node %d", topo_node_get_id(n));
	}
	cr_expect_eq(topo_plan_is_toptier(p, 999), -EINVAL);
	topo_plan_unref(p);
	/* 6.1+: the tiers; the recommended plan uses the same rule on its own tiers */
	cr_assert_eq(topo_plan_new(topo, TOPO_PLAN_RECOMMENDED, NULL, NULL, &p), 0);
	int fastest_cpu_less = -1;
	for (size_t i = 0; i < topo_get_node_count(topo); i++) {
		const struct topo_node *n = topo_get_node_by_index(topo, i);
		if (!topo_node_has_cpu(n) && topo_node_has_memory(n))
			fastest_cpu_less = topo_node_get_id(n);
	}
	cr_assert_geq(fastest_cpu_less, 0);
	cr_expect_eq(topo_plan_is_toptier(p, fastest_cpu_less), 0);
	topo_plan_unref(p);
	topo_unref(topo);
}

/* the 6.1+ rule's sharp edge: a CPU node in a slow tier makes every tier down to it top tier,
 * so memory between the DRAM and that tier is never promoted from (the kernel's own rule,
 * shown by a kernel model of a tree whose kernel tiers are unknown) */
Test(toptier, a_cpu_node_in_a_slow_tier_drags_the_top_tier_down)
{
	char *root = copy_tree("vm/hmat4-6.12-sysram");
	char cmd[8192];
	/* no kernel tiers: the answer for the running kernel is unknown, not guessed */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/sys/devices/virtual/memory_tiering'", root);
	cr_assert_eq(system(cmd), 0);
	struct topo *topo = load(root);
	cr_expect_eq(topo_is_toptier(topo, 0), -ENODATA);
	struct topo_plan_opts *opts;
	cr_assert_eq(topo_plan_opts_new(&opts), 0);
	/* node 1 (a CPU node) declared PMEM: the slowest kind */
	cr_assert_eq(topo_plan_opts_set_kind(opts, 1, TOPO_KIND_PMEM), 0);
	cr_assert_eq(topo_plan_opts_set_adistance(opts, 1, 100000), 0);
	struct topo_plan *p;
	cr_assert_eq(topo_plan_new(topo, TOPO_PLAN_RECOMMENDED, NULL, opts, &p), 0);
	for (size_t i = 0; i < topo_get_node_count(topo); i++) {
		const struct topo_node *n = topo_get_node_by_index(topo, i);
		int id = topo_node_get_id(n);
		if (topo_node_is_online(n))
			cr_expect_eq(topo_plan_is_toptier(p, id), 1,
				     "node %d is above or in node 1's tier: top tier", id);
	}
	topo_plan_unref(p);
	topo_plan_opts_free(opts);
	topo_unref(topo);
	remove_tree(root);
}
