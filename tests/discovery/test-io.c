/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sysroot I/O layer: directory scans, and reads through the directories a reader holds. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

static char root[64];
static struct topo_ctx *ctx;

static void put(const char *rel, const char *content)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(content, f);
	fclose(f);
}

static char *get(const char *rel)
{
	char *b = NULL;
	int r = io_read_file(ctx, rel, 4096, &b, NULL);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return b;
}

static void expect_reads(const char *rel, const char *want)
{
	char *b = get(rel);
	cr_expect_str_eq(b ? b : "(null)", want, "%s", rel);
	free(b);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/test-io-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	put("a/node1/f", "one");
	put("a/node10/f", "ten");
	put("a/node2/f", "two");
	put("a/node1/sub/g", "deep");
	cr_assert_eq(topo_ctx_new(&ctx, root), 0);
}

static void teardown(void)
{
	topo_ctx_unref(ctx);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

static int count(void *data, const char *name)
{
	cr_expect(strcmp(name, ".") && strcmp(name, ".."), "scan passed %s", name);
	(*(int *)data)++;
	return 0;
}

static int stop_at_second(void *data, const char *name)
{
	(void)name;
	return ++*(int *)data == 2 ? -ECANCELED : 0;
}

TestSuite(io, .init = setup, .fini = teardown);

Test(io, scan_visits_every_entry_but_dot_and_dotdot)
{
	int n = 0;
	cr_expect_eq(io_scan_dir(ctx, "a", false, count, &n), 0);
	cr_expect_eq(n, 3);
	n = 0;
	cr_expect_eq(io_scan_dir(ctx, "a/node1", false, count, &n), 0);
	cr_expect_eq(n, 2); /* f and sub */
}

Test(io, scan_stops_with_the_callbacks_error)
{
	int n = 0;
	cr_expect_eq(io_scan_dir(ctx, "a", false, stop_at_second, &n), -ECANCELED);
	cr_expect_eq(n, 2);
}

Test(io, list_is_sorted_as_versions)
{
	char **names = NULL;
	size_t n = 0;
	cr_assert_eq(io_list_dir(ctx, "a", false, &names, &n), 0);
	cr_assert_eq(n, 3);
	cr_expect_str_eq(names[0], "node1");
	cr_expect_str_eq(names[1], "node2");
	cr_expect_str_eq(names[2], "node10");
	strv_free(names, n);
}

Test(io, a_held_directory_serves_the_paths_below_it)
{
	int n = 0;
	cr_assert_eq(io_scan_dir(ctx, "/a/node1", true, count, &n), 0);
	/* renamed behind the reader's back: only a read through the held fd still finds it */
	char from[128], to[128];
	snprintf(from, sizeof(from), "%s/a/node1", root);
	snprintf(to, sizeof(to), "%s/a/moved", root);
	cr_assert_eq(rename(from, to), 0);

	expect_reads("a/node1/f", "one");
	expect_reads("/a/node1/sub/g", "deep");
	/* a sibling whose name starts the same is not below it */
	expect_reads("a/node10/f", "ten");

	io_pop_dir(ctx);
	cr_expect_null(get("a/node1/f"));
	cr_expect_eq(errno, ENOENT);
	cr_expect_eq(ctx->n_dirs, 0);
}

Test(io, nested_holds_pick_the_innermost_and_pop_in_order)
{
	int n = 0;
	cr_assert_eq(io_scan_dir(ctx, "a", true, count, &n), 0);
	cr_assert_eq(io_scan_dir(ctx, "a/node1", true, count, &n), 0);
	cr_assert_eq(io_scan_dir(ctx, "a/node1/sub", true, count, &n), 0);
	expect_reads("a/node1/sub/g", "deep");
	expect_reads("a/node2/f", "two");
	io_pop_dir(ctx);
	io_pop_dir(ctx);
	io_pop_dir(ctx);
	cr_expect_eq(ctx->n_dirs, 0);
}

Test(io, a_failed_hold_still_takes_a_slot_that_pop_releases)
{
	int n = 0;
	cr_expect_eq(io_scan_dir(ctx, "a/none", true, count, &n), -ENOENT);
	cr_expect_eq(ctx->n_dirs, 1);
	expect_reads("a/node2/f", "two");
	io_pop_dir(ctx);
	cr_expect_eq(ctx->n_dirs, 0);
}

Test(io, holds_deeper_than_the_table_still_read_and_balance)
{
	int n = 0;
	for (int i = 0; i < 6; i++)
		cr_assert_eq(io_scan_dir(ctx, "a/node1", true, count, &n), 0);
	expect_reads("a/node1/f", "one");
	for (int i = 0; i < 6; i++)
		io_pop_dir(ctx);
	cr_expect_eq(ctx->n_dirs, 0);
	io_pop_dir(ctx); /* one too many: harmless */
	cr_expect_eq(ctx->n_dirs, 0);
}
