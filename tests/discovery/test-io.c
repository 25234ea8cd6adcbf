/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sysroot I/O layer: directory scans, and reads through the directories a reader holds. */
#include <criterion/criterion.h>
#include <dirent.h>
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

/* ---- links out of the root: the same escapes by openat2() and by the component walk ---- */

static char outside[64];

/* a file and a directory outside the root, and links to them from inside (after the suite's
 * setup, which made the root and the context) */
static void escapes_setup(void)
{
	snprintf(outside, sizeof(outside), "/tmp/test-io-out-XXXXXX");
	cr_assert_not_null(mkdtemp(outside));
	char path[256];
	snprintf(path, sizeof(path), "%s/knob", outside);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("secret", f);
	fclose(f);
	put("k/knob", "0");
	/* the relative links go up from /tmp/test-io-XXXXXX/k (or its root) to /tmp, then down */
	const char *out = outside + strlen("/tmp/");
	char abs_knob[256], rel_knob[256], rel_dir[256];
	snprintf(abs_knob, sizeof(abs_knob), "%s/knob", outside);
	snprintf(rel_knob, sizeof(rel_knob), "../../%s/knob", out);
	snprintf(rel_dir, sizeof(rel_dir), "../%s", out);
	const char *links[][2] = {
	    {"k/abs", abs_knob}, /* absolute, to a file outside */
	    {"k/rel", rel_knob}, /* relative, up past the root */
	    {"absdir", outside}, /* absolute, to a directory outside */
	    {"reldir", rel_dir}, /* relative, to a directory outside */
	    {"k/loop", "loop2"}, /* a loop */
	    {"k/loop2", "loop"},
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		char at[256];
		snprintf(at, sizeof(at), "%s/%s", root, links[i][0]);
		cr_assert_eq(symlink(links[i][1], at), 0, "%s: %s", at, strerror(errno));
	}
}

static void escapes_teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", outside);
	cr_assert_eq(system(cmd), 0);
}

/* outside holds exactly its knob, unchanged */
static void expect_outside_untouched(void)
{
	char path[256], *b = NULL;
	snprintf(path, sizeof(path), "%s/knob", outside);
	cr_expect_eq(io_read_file_abs(ctx, path, 64, &b, NULL), 0);
	cr_expect_str_eq(b ? b : "(null)", "secret");
	free(b);
	int n = 0;
	DIR *d = opendir(outside);
	cr_assert_not_null(d);
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	cr_expect_eq(n, 1, "%d entries outside, want only the knob", n);
}

static void reads_stay_inside(bool walk)
{
	topo_ctx_set_resolve_walk(ctx, walk);
	/* the links resolve inside the root, where their targets do not exist */
	cr_expect_null(get("k/abs"));
	cr_expect_eq(errno, ENOENT, "k/abs: %s", strerror(errno));
	cr_expect_null(get("k/rel"));
	cr_expect_eq(errno, ENOENT, "k/rel: %s", strerror(errno));
	cr_expect_null(get("absdir/knob"));
	cr_expect_null(get("reldir/knob"));
	cr_expect_null(get("k/loop"));
	cr_expect_eq(errno, ELOOP, "k/loop: %s", strerror(errno));
	expect_reads("k/knob", "0");
	expect_outside_untouched();
}

static void writes_stay_inside(bool walk)
{
	topo_ctx_set_resolve_walk(ctx, walk);
	const char *paths[] = {"k/abs", "k/rel", "absdir/knob", "reldir/knob", "k/loop"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		cr_expect_lt(io_write_file(ctx, paths[i], "1", 1), 0, "%s written", paths[i]);
	/* a knob is never written through a link, even one whose target is inside */
	char at[256];
	snprintf(at, sizeof(at), "%s/k/in", root);
	cr_assert_eq(symlink("knob", at), 0);
	cr_expect_eq(io_write_file(ctx, "k/in", "1", 1), -ELOOP);
	expect_reads("k/knob", "0");
	cr_expect_eq(io_write_file(ctx, "k/knob", "1", 1), 0);
	expect_reads("k/knob", "1");
	expect_outside_untouched();
}

/* run (@whole) or run/tiertopo a link to the directory outside */
static void run_dir_refuses(bool walk, bool whole)
{
	topo_ctx_set_resolve_walk(ctx, walk);
	char at[256];
	if (!whole)
		put("run/.keep", "");
	snprintf(at, sizeof(at), "%s/%s", root, whole ? "run" : "run/tiertopo");
	cr_assert_eq(symlink(outside, at), 0);
	int fd = io_run_dir(ctx);
	cr_expect_lt(fd, 0, "run dir through %s accepted", at);
	if (fd >= 0)
		close(fd);
	expect_outside_untouched();
}

Test(io, reads_by_openat2_stay_inside, .init = escapes_setup, .fini = escapes_teardown)
{
	reads_stay_inside(false);
}

Test(io, reads_by_the_walk_stay_inside, .init = escapes_setup, .fini = escapes_teardown)
{
	reads_stay_inside(true);
}

Test(io, writes_by_openat2_stay_inside, .init = escapes_setup, .fini = escapes_teardown)
{
	writes_stay_inside(false);
}

Test(io, writes_by_the_walk_stay_inside, .init = escapes_setup, .fini = escapes_teardown)
{
	writes_stay_inside(true);
}

Test(io, run_link_refused_by_openat2, .init = escapes_setup, .fini = escapes_teardown)
{
	run_dir_refuses(false, true);
}

Test(io, run_link_refused_by_the_walk, .init = escapes_setup, .fini = escapes_teardown)
{
	run_dir_refuses(true, true);
}

Test(io, run_tiertopo_link_refused_by_openat2, .init = escapes_setup, .fini = escapes_teardown)
{
	run_dir_refuses(false, false);
}

Test(io, run_tiertopo_link_refused_by_the_walk, .init = escapes_setup, .fini = escapes_teardown)
{
	run_dir_refuses(true, false);
}
