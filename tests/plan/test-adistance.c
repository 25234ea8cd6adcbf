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

/* cxl1-gp as gathered on 6.18.15, its sockets' figures made twice as fast (see below) */
static char *overflowing_tree(void)
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
	return root;
}

static bool has(const int *v, size_t n, int x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* the kernel's name of the tier: -995310435 rounded down to -995310464, >> 7 = -7775863,
 * printed as the u32 2^32 - 7775863 */
#define NEG_TIER UINT32_C(4287191433)

/*
 * cxl1-gp as gathered on 6.18.15 (region0's latency with the link's in picoseconds,
 * 218128/218228 ns, 312 MB/s), its sockets made twice as fast (5 ns, 40960 MB/s): 6.17+
 * computes 576 * 436356 / 10 * 81920 / 624 = 3299656861 in 64 bits, which the int keeps as
 * -995310435: the kernel makes memory_tier4287191433 and sorts it before DRAM's (signed
 * adistance_start), so node 2 is the top tier and demotes into DRAM. 6.12.42's 32-bit
 * arithmetic wraps to 2718825 instead (tier 21240), a positive int: the slowest tier.
 */
Test(adistance, a_machine_whose_figures_overflow_the_int)
{
	char *root = overflowing_tree();
	struct topo_ctx *ctx;
	struct topo *topo = discover(root, &ctx);
	struct topo_plan *plan;

	cr_assert_eq(topo_plan_new(topo, TOPO_PLAN_KERNEL, "6.18.15+deb13-amd64", NULL, &plan), 0);
	const char *m = plan_finding(plan, "plan-adistance-negative", 2);
	cr_assert(m, "no plan-adistance-negative finding for node 2 on 6.18");
	cr_expect(strstr(m, "abstract distance 3299656861 in an int, as -995310435") &&
		      strstr(m, "memory_tier4287191433 "),
		  "%s", m);
	cr_expect_not_null(plan_finding(plan, "plan-adistance-overflow", 2),
			   "6.18 warns that the value exceeds an int");
	/* the picosecond defect names the kernel's tier and its place, before DRAM's */
	bool ps = false;
	for (size_t i = 0; i < topo_plan_get_finding_count(plan); i++) {
		const struct topo_finding *f = topo_plan_get_finding(plan, i);
		if (strcmp(topo_finding_get_id(f), "kernel-cxl-link-latency-ps"))
			continue;
		ps = true;
		cr_expect(strstr(topo_finding_get_message(f), "(memory_tier4287191433)") &&
			      strstr(topo_finding_get_message(f), "comes before DRAM's"),
			  "%s", topo_finding_get_message(f));
	}
	cr_expect(ps, "no kernel-cxl-link-latency-ps on 6.18.15");
	/* the kernel's tier, by its u32 name; the int API does not return a wrong id */
	uint32_t id = 0;
	cr_expect_eq(topo_plan_get_tier_id(plan, 2, &id), 0);
	cr_expect_eq(id, NEG_TIER);
	cr_expect_eq(topo_plan_get_tier(plan, 2), -ERANGE);
	cr_expect_eq(topo_plan_get_tier(plan, 0), 4);
	/* first in the order (signed start), DRAM's tier after it */
	cr_assert_eq(topo_plan_get_tier_count(plan), 2);
	int32_t start = 0;
	int iid = 0;
	const int *tn;
	size_t nn;
	cr_expect_eq(topo_plan_get_tier_id_at(plan, 0, &id, &start), 0);
	cr_expect_eq(id, NEG_TIER);
	cr_expect_eq(start, -995310464);
	cr_expect_eq(topo_plan_get_tier_info(plan, 0, &iid, NULL, &tn, &nn), -ERANGE);
	cr_expect(iid == -1 && nn == 1 && tn[0] == 2);
	cr_expect_eq(topo_plan_get_tier_info(plan, 1, &iid, NULL, &tn, &nn), 0);
	cr_expect(iid == 4 && nn == 2);
	/* node 2 demotes into DRAM; nothing demotes into node 2 */
	const int *t;
	size_t n = topo_plan_get_preferred(plan, 2, &t);
	cr_expect(n >= 1 && (has(t, n, 0) || has(t, n, 1)), "node 2 has no DRAM target");
	n = topo_plan_get_fallback(plan, 2, &t);
	cr_expect(n == 2 && has(t, n, 0) && has(t, n, 1));
	for (int d = 0; d < 2; d++) {
		cr_expect_not(has(t, topo_plan_get_preferred(plan, d, &t), 2), "node %d", d);
		cr_expect_not(has(t, topo_plan_get_fallback(plan, d, &t), 2), "node %d", d);
	}
	/* promotion: a tier starting at or below the CPU nodes' is top tier */
	cr_expect_eq(topo_plan_is_toptier(plan, 2), 1);
	/* JSON: the u32 id and the signed start */
	char *json = NULL;
	cr_assert_eq(topo_plan_to_json(plan, 0, &json), 0);
	cr_expect(strstr(json, "4287191433") && strstr(json, "-995310464"), "%s", json);
	free(json);
	char *why = NULL;
	cr_expect_eq(topo_plan_verify(plan, &why), 0, "%s", why ? why : "");
	free(why);
	topo_plan_unref(plan);

	/* 6.12 before the stable backport (6.12.43) */
	cr_assert_eq(topo_plan_new(topo, TOPO_PLAN_KERNEL, "6.12.42", NULL, &plan), 0);
	cr_expect_null(plan_finding(plan, "plan-adistance-negative", 2));
	cr_expect_not_null(plan_finding(plan, "plan-adistance-overflow", 2));
	cr_expect_eq(topo_plan_get_tier(plan, 2), 21240);
	cr_expect_eq(topo_plan_get_tier_id_at(plan, 1, &id, &start), 0);
	cr_expect(id == 21240 && start == 21240 * 128, "6.12: node 2's tier is the slowest");
	cr_expect_eq(topo_plan_get_preferred(plan, 2, &t), 0);
	cr_expect_eq(topo_plan_is_toptier(plan, 2), 0);
	topo_plan_unref(plan);

	topo_unref(topo);
	topo_ctx_unref(ctx);
	remove_tree(root);
}

/* the same machine as a 6.18 kernel shows it: node 2 in memory_tier4287191433 */
Test(adistance, reads_the_kernels_tier_past_int_max_without_drift)
{
	char *root = overflowing_tree();
	char from[4096], to[4096];
	snprintf(from, sizeof(from), "%s/sys/devices/virtual/memory_tiering/memory_tier6444642",
		 root);
	snprintf(to, sizeof(to), "%s/sys/devices/virtual/memory_tiering/memory_tier4287191433",
		 root);
	cr_assert_eq(rename(from, to), 0);
	struct topo_ctx *ctx;
	struct topo *topo = discover(root, &ctx);

	const struct topo_node *n2 = topo_get_node(topo, 2);
	uint32_t id = 0;
	cr_expect_eq(topo_node_get_kernel_tier_id(n2, &id), 0);
	cr_expect_eq(id, NEG_TIER);
	cr_expect_eq(topo_node_get_kernel_tier(n2), -ERANGE);
	cr_expect_eq(topo_node_get_kernel_tier(topo_get_node(topo, 0)), 4);
	bool seen = false;
	for (size_t i = 0; i < topo_get_kernel_tier_count(topo); i++) {
		int iid;
		cr_assert_eq(topo_get_kernel_tier_id(topo, i, &id), 0);
		int r = topo_get_kernel_tier(topo, i, &iid, NULL, NULL);
		if (id == NEG_TIER) {
			seen = true;
			cr_expect(r == -ERANGE && iid == -1);
		} else {
			cr_expect(r == 0 && iid == (int)id);
		}
	}
	cr_expect(seen, "memory_tier4287191433 not read");
	/* the running kernel: node 2's tier starts below the CPU nodes', so it is top tier */
	cr_expect_eq(topo_is_toptier(topo, 2), 1);

	struct topo_check *check;
	cr_assert_eq(topo_check_new(topo, "6.18.15+deb13-amd64", NULL, &check), 0);
	for (size_t i = 0; i < topo_check_get_finding_count(check); i++) {
		const struct topo_finding *f = topo_check_get_finding(check, i);
		cr_expect(strcmp(topo_finding_get_id(f), "drift-kernel-model-tier"), "%s",
			  topo_finding_get_message(f));
	}
	topo_check_unref(check);

	/* a name past UINT32_MAX is no tier of the kernel's */
	topo_unref(topo);
	topo_ctx_unref(ctx);
	snprintf(from, sizeof(from), "%s/sys/devices/virtual/memory_tiering/memory_tier4294967296",
		 root);
	cr_assert_eq(rename(to, from), 0);
	topo = discover(root, &ctx);
	cr_expect_eq(topo_node_get_kernel_tier_id(topo_get_node(topo, 2), &id), -ENODATA);
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

/* cxl1-gpslow as gathered on 6.12.118 (its path in @root), discovered */
static struct topo *gpslow_612(char *root, size_t size, struct topo_ctx **ctx)
{
	snprintf(root, size, "%s/sysfs/vm/cxl1-gpslow-6.12-sysram", fixtures_dir());
	return discover(root, ctx);
}

/*
 * cxl1-gpslow as gathered on 6.12.118 (a Generic Port 2000 ns away, so the CXL region reads
 * 2368/2468 ns, 312 MB/s): 576 * 4836 / 20 * 40960 / 624 = 9142219 in 64 bits (tier 71423,
 * what the kernel made), 2259259 in 32 (tier 17650). The overflow fix went to the stable
 * branches (6.12.43, 6.15.11, 6.16.2) before 6.17 merged it: the full release string decides.
 */
Test(adistance, the_stable_releases_that_took_the_64_bit_fix)
{
	char root[4096];
	struct topo_ctx *ctx;
	struct topo *topo = gpslow_612(root, sizeof(root), &ctx);
	static const struct {
		const char *release;
		uint32_t tier;
	} cases[] = {
	    {"6.12.118+deb12-amd64", 71423}, {"6.12.43", 71423}, {"6.12.42", 17650},
	    {"6.12", 17650},		     {"6.13.12", 17650}, {"6.14.11", 17650},
	    {"6.15.10", 17650},		     {"6.15.11", 71423}, {"6.16.1", 17650},
	    {"6.16.2", 71423},		     {"6.16", 17650},	 {"6.17", 71423},
	    {"6.17.0-rc1", 71423},	     {"7.3.4+deb13-amd64", 71423},
	    {"6.8.0-49-generic", 17650},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct topo_plan *plan;
		cr_assert_eq(topo_plan_new(topo, TOPO_PLAN_KERNEL, cases[i].release, NULL, &plan),
			     0);
		uint32_t id = 0;
		cr_expect_eq(topo_plan_get_tier_id(plan, 2, &id), 0);
		cr_expect_eq(id, cases[i].tier, "%s: node 2 in tier %u, want %u", cases[i].release,
			     id, cases[i].tier);
		/* a backport says so in the node's evidence; the 6.17 model needs no word */
		bool said = false;
		for (size_t k = 0; k < topo_plan_get_evidence_count(plan, 2); k++)
			said |= strstr(topo_plan_get_evidence(plan, 2, k), "stable backport") != NULL;
		bool backport = cases[i].tier == 71423 && strncmp(cases[i].release, "6.17", 4) &&
				cases[i].release[0] != '7';
		cr_expect_eq(said, backport, "%s: evidence names the backport: %d", cases[i].release,
			     said);
		topo_plan_unref(plan);
	}
	topo_unref(topo);
	topo_ctx_unref(ctx);
}

static bool check_has(const struct topo_check *check, const char *id, const char *text)
{
	for (size_t i = 0; i < topo_check_get_finding_count(check); i++) {
		const struct topo_finding *f = topo_check_get_finding(check, i);
		if (!strcmp(topo_finding_get_id(f), id) &&
		    (!text || strstr(topo_finding_get_message(f), text)))
			return true;
	}
	return false;
}

/*
 * The same tree checked as releases that, by their string, compute in 32 bits: the kernel's
 * tier 71423 is the 64-bit one, so check says the kernel carries the fix (a backport the
 * string does not show), not that the firmware data differ. A release that computes in 64
 * bits already has nothing to explain.
 */
Test(adistance, check_names_a_kernel_that_carries_the_fix_its_release_hides)
{
	char root[4096];
	struct topo_ctx *ctx;
	struct topo *topo = gpslow_612(root, sizeof(root), &ctx);
	static const struct {
		const char *release;
		bool explained;
	} cases[] = {{"6.12.42", true},
		     {"6.13.5", true},
		     {"6.8.0-49-generic", true},
		     {"6.12.118+deb12-amd64", false},
		     {"7.3.4+deb13-amd64", false}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct topo_check *check;
		cr_assert_eq(topo_check_new(topo, cases[i].release, NULL, &check), 0);
		cr_expect_eq(check_has(check, "drift-kernel-adistance-64bit",
				       "node 2 is in memory_tier71423, the tier 64-bit arithmetic "
				       "gives, not memory_tier17650"),
			     cases[i].explained, "%s", cases[i].release);
		cr_expect_not(check_has(check, "drift-kernel-model-tier", NULL), "%s",
			      cases[i].release);
		topo_check_unref(check);
	}
	topo_unref(topo);
	topo_ctx_unref(ctx);

	/* a kernel whose tier is neither: the plain drift, as before */
	char *copy = copy_tree(root);
	char from[4096], to[4096];
	snprintf(from, sizeof(from), "%s/sys/devices/virtual/memory_tiering/memory_tier71423", copy);
	snprintf(to, sizeof(to), "%s/sys/devices/virtual/memory_tiering/memory_tier20000", copy);
	cr_assert_eq(rename(from, to), 0);
	topo = discover(copy, &ctx);
	struct topo_check *check;
	cr_assert_eq(topo_check_new(topo, "6.12.42", NULL, &check), 0);
	cr_expect(check_has(check, "drift-kernel-model-tier", "node 2 is in memory_tier20000"));
	cr_expect_not(check_has(check, "drift-kernel-adistance-64bit", NULL));
	topo_check_unref(check);
	topo_unref(topo);
	topo_ctx_unref(ctx);
	remove_tree(copy);
}
