/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lexical resolution of sysfs symlinks inside a sysroot. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "base/base.h"

static void expect_resolves(const char *dir, const char *target, const char *want)
{
	char *got = path_resolve(dir, target);
	cr_assert_not_null(got);
	cr_expect_str_eq(got, want, "%s + %s", dir, target);
	free(got);
}

Test(path, resolves_relative_sysfs_links_against_their_directory)
{
	expect_resolves("sys/bus/dax/devices", "../../../devices/platform/hmem.0/dax0.0",
			"sys/devices/platform/hmem.0/dax0.0");
	expect_resolves("sys/devices/system/node/node5", "../../memory/memory0",
			"sys/devices/system/memory/memory0");
	expect_resolves("a/b", "./c/./d", "a/b/c/d");
}

Test(path, never_climbs_above_the_sysroot)
{
	expect_resolves("sys", "../../../../etc/passwd", "etc/passwd");
	expect_resolves("sys/x", "/sys/y", "sys/y");
}

Test(path, basename_is_the_last_component)
{
	cr_expect_str_eq(path_basename("../../bus/dax/drivers/kmem"), "kmem");
	cr_expect_str_eq(path_basename("kmem"), "kmem");
}
