/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mt_perf_to_adistance() in the kernel's unsigned 32-bit arithmetic: the worked examples
 * of reference/kernel.md §2.3 (DRAM reference 100 ns / 100000 MB/s read and write).
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "testutil.h"

static const struct perf4 dram = {100, 100, 100000, 100000};

static uint32_t adist_of(uint32_t lat, uint32_t rbw, uint32_t wbw, bool *overflow)
{
	struct perf4 p = {lat, lat, rbw, wbw};
	uint32_t a = 0;
	cr_assert_eq(mt_perf_to_adistance_u32(&p, &dram, &a, overflow), 0);
	return a;
}

Test(adistance, kernel_worked_examples_and_their_tiers)
{
	bool of;
	cr_expect_eq(adist_of(250, 30000, 30000, &of), 4800); /* CXL: memory_tier37 */
	cr_expect_eq(4800 >> MEMTIER_CHUNK_BITS, 37);
	cr_expect_eq(adist_of(300, 8000, 3000, &of), 31418); /* PMEM: memory_tier245 */
	cr_expect_eq(31418 >> MEMTIER_CHUNK_BITS, 245);
	cr_expect_eq(adist_of(90, 400000, 400000, &of), 129); /* HBM: memory_tier1 */
	cr_expect_eq(adist_of(105, 95000, 95000, &of), 635); /* near-DRAM shares tier 4 */
	cr_expect_eq(635 >> MEMTIER_CHUNK_BITS, 4);
	cr_expect_not(of);
	cr_expect_eq(adist_of(100, 100000, 100000, &of), MEMTIER_ADISTANCE_DRAM);
}

Test(adistance, wraps_like_the_kernel_and_says_so)
{
	/* DRAM 100 ns / 400 GB/s against 1000 ns / 10 GB/s: 4.6e9 wraps to 15651 */
	struct perf4 ref = {100, 100, 400000, 400000}, p = {1000, 1000, 10000, 10000};
	uint32_t a;
	bool of = false;
	cr_assert_eq(mt_perf_to_adistance_u32(&p, &ref, &a, &of), 0);
	cr_expect(of);
	cr_expect_eq(a, 15651);
}

Test(adistance, the_kernel_stores_it_in_an_int)
{
	int32_t stored;
	uint32_t id;
	/* 576: DRAM's tier 4, not negative */
	cr_expect_not(kernel_stored_adistance(576, &stored, &id));
	cr_expect(stored == 576 && id == 4);
	/* INT32_MAX is the last positive one: tier 16777215 */
	cr_expect_not(kernel_stored_adistance(INT32_MAX, &stored, &id));
	cr_expect_eq(id, 16777215u);
	/* 2^31 is INT_MIN: round_down keeps it, >> 7 gives -2^24, the u32 device id 2^32 - 2^24 */
	cr_expect(kernel_stored_adistance(UINT32_C(0x80000000), &stored, &id));
	cr_expect(stored == INT32_MIN && id == 4278190080u);
	/* round_down is a mask: -1 goes to -128 (tier id -1, printed 4294967295), not to 0 */
	cr_expect(kernel_stored_adistance(UINT32_MAX, &stored, &id));
	cr_expect(stored == -1 && id == 4294967295u);
	cr_expect(kernel_stored_adistance(UINT32_MAX - 127, &stored, &id));
	cr_expect(stored == -128 && id == 4294967295u);
	cr_expect(kernel_stored_adistance(UINT32_MAX - 128, &stored, &id));
	cr_expect(stored == -129 && id == 4294967294u);
}

/* the finding of @id on @plan that names node @node, NULL when none */
static const char *plan_finding(const struct topo_plan *plan, const char *id, int node)
{
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "node %d: ", node);
	for (size_t i = 0; i < topo_plan_get_finding_count(plan); i++) {
		const struct topo_finding *f = topo_plan_get_finding(plan, i);
		if (!strcmp(topo_finding_get_id(f), id) &&
		    !strncmp(topo_finding_get_message(f), prefix, strlen(prefix)))
			return topo_finding_get_message(f);
	}
	return NULL;
}

/*
 * cxl1-gp as gathered on 6.18.15 (region0's latency with the link's in picoseconds,
 * 218128/218228 ns, 312 MB/s), its sockets made twice as fast (5 ns, 40960 MB/s): 6.17+
 * computes 576 * 436356 / 10 * 81920 / 624 = 3299656861 in 64 bits, which the int keeps as
 * -995310435: the kernel would make memory_tier4287191433, before DRAM's. 6.12's 32-bit
 * arithmetic wraps to 2718825 instead (tier 21240), a positive int.
 */
Test(adistance, a_machine_whose_figures_overflow_the_int)
{
	char src[4096];
	snprintf(src, sizeof(src), "%s/sysfs/vm/cxl1-gp-6.18-sysram", fixtures_dir());
	char *root = copy_tree(src);
	static const char *const files[] = {"read_latency", "write_latency", "read_bandwidth",
					    "write_bandwidth"};
	for (int n = 0; n < 2; n++)
		for (int k = 0; k < 4; k++) {
			char rel[256];
			snprintf(rel, sizeof(rel),
				 "sys/devices/system/node/node%d/access1/initiators/%s", n,
				 files[k]);
			write_str(root, rel, k < 2 ? "5\n" : "40960\n");
		}
	struct topo_ctx *ctx;
	struct topo *topo = discover(root, &ctx);
	struct topo_plan *plan;

	cr_assert_eq(topo_plan_new(topo, TOPO_PLAN_KERNEL, "6.18.15+deb13-amd64", NULL, &plan), 0);
	const char *m = plan_finding(plan, "plan-adistance-negative", 2);
	cr_assert(m, "no plan-adistance-negative finding for node 2 on 6.18");
	cr_expect(strstr(m, "abstract distance 3299656861 in an int, as -995310435") &&
		      strstr(m, "memory_tier4287191433 "),
		  "%s", m);
	cr_expect_eq(topo_plan_get_tier(plan, 2), (int)(UINT32_C(3299656861) >> 7));
	cr_expect_not_null(plan_finding(plan, "plan-adistance-overflow", 2),
			   "6.18 warns that the value exceeds an int");
	topo_plan_unref(plan);

	cr_assert_eq(topo_plan_new(topo, TOPO_PLAN_KERNEL, "6.12.118+deb12-amd64", NULL, &plan), 0);
	cr_expect_null(plan_finding(plan, "plan-adistance-negative", 2));
	cr_expect_not_null(plan_finding(plan, "plan-adistance-overflow", 2));
	cr_expect_eq(topo_plan_get_tier(plan, 2), 21240);
	topo_plan_unref(plan);

	topo_unref(topo);
	topo_ctx_unref(ctx);
	remove_tree(root);
}

Test(adistance, zero_sums_are_no_value)
{
	struct perf4 zero_lat = {0, 0, 1000, 1000}, zero_bw = {10, 10, 0, 0};
	uint32_t a;
	bool of;
	cr_expect_eq(mt_perf_to_adistance_u32(&zero_lat, &dram, &a, &of), -EINVAL);
	cr_expect_eq(mt_perf_to_adistance_u32(&zero_bw, &dram, &a, &of), -EINVAL);
	cr_expect_eq(mt_perf_to_adistance_u32(&dram, &zero_bw, &a, &of), -EINVAL);
}

Test(release, parses_distribution_release_strings)
{
	int maj, min;
	cr_assert_eq(kernel_release_parse("6.12.117+deb12-amd64", &maj, &min), 0);
	cr_expect(maj == 6 && min == 12);
	cr_assert_eq(kernel_release_parse("6.1", &maj, &min), 0);
	cr_expect(maj == 6 && min == 1);
	cr_assert_eq(kernel_release_parse("5.15.0-91-generic", &maj, &min), 0);
	cr_expect(maj == 5 && min == 15);
	cr_expect_eq(kernel_release_parse("six", &maj, &min), -EINVAL);
	cr_expect_eq(kernel_release_parse("6", &maj, &min), -EINVAL);
	cr_expect_eq(kernel_release_parse("6.x", &maj, &min), -EINVAL);
	cr_expect_eq(kernel_release_parse(NULL, &maj, &min), -EINVAL);
}
