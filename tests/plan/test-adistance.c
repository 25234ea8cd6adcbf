/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mt_perf_to_adistance() in the kernel's unsigned 32-bit arithmetic: the worked examples
 * of reference/kernel.md §2.3 (DRAM reference 100 ns / 100000 MB/s read and write).
 */
#include <criterion/criterion.h>

#include <errno.h>

#include "model/model.h"

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
