/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel's list and mask formats, as printed by %*pbl and the cpumap attributes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "base/base.h"

Test(nodemask, parses_ranges_and_singles_in_the_kernel_format)
{
	struct nodemask m;
	cr_assert_eq(nodemask_parse("0-3,8,10-11\n", &m), 0);
	for (unsigned int i = 0; i < 16; i++)
		cr_expect_eq(nodemask_test(&m, i), i <= 3 || i == 8 || i == 10 || i == 11,
			     "node %u", i);
	cr_expect_eq(nodemask_weight(&m), 7);
	cr_expect_eq(nodemask_last(&m), 11);
}

Test(nodemask, empty_line_is_the_empty_list)
{
	struct nodemask m;
	cr_assert_eq(nodemask_parse("\n", &m), 0);
	cr_expect_eq(nodemask_weight(&m), 0);
	cr_expect_eq(nodemask_last(&m), -1);
	cr_assert_eq(nodemask_parse("", &m), 0);
	cr_expect_eq(nodemask_weight(&m), 0);
}

Test(nodemask, highest_node_id_is_1023)
{
	struct nodemask m;
	cr_assert_eq(nodemask_parse("1023", &m), 0);
	cr_expect_eq(nodemask_last(&m), 1023);
	cr_expect_eq(nodemask_parse("1024", &m), -EINVAL);
	cr_expect_eq(nodemask_parse("0-99999999999999999999", &m), -EINVAL);
}

Test(nodemask, rejects_garbage_without_touching_the_result)
{
	static const char *const bad[] = {"x",	 "1-",	"-1",  "3-1", "1,,2", "1,",
					  "1 2", "0x1", "1\n2", "1-2-3", " ,"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nodemask m = {{0}};
		nodemask_set(&m, 5);
		cr_expect_eq(nodemask_parse(bad[i], &m), -EINVAL, "\"%s\" accepted", bad[i]);
		cr_expect(nodemask_test(&m, 5) && nodemask_weight(&m) == 1,
			  "\"%s\" changed the mask", bad[i]);
	}
}

Test(cpumap, reads_comma_separated_32_bit_words_least_significant_last)
{
	unsigned int *cpus = NULL;
	size_t n = 0;
	cr_assert_eq(cpumap_parse("0000,00000001,00000003\n", &cpus, &n), 0);
	cr_assert_eq(n, 3);
	cr_expect_eq(cpus[0], 0);
	cr_expect_eq(cpus[1], 1);
	cr_expect_eq(cpus[2], 32);
	free(cpus);
}

Test(cpumap, all_zero_mask_has_no_cpus_and_garbage_is_refused)
{
	unsigned int *cpus = NULL;
	size_t n = 7;
	cr_assert_eq(cpumap_parse("00000000,00000000", &cpus, &n), 0);
	cr_expect_eq(n, 0);
	free(cpus);
	cr_expect_eq(cpumap_parse("00g0", &cpus, &n), -EINVAL);
	cr_expect_eq(cpumap_parse("", &cpus, &n), -EINVAL);
}
