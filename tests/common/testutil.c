/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <time.h>

#include "base/base.h" /* topo_ctx_set_write_hook: tests only */
#include "testutil.h"

const char *shared_dir_or_skip(void)
{
	const char *d = getenv("TOPO_SHARED_DIR");
	struct stat st;
	if (!d || stat(d, &st) < 0 || !S_ISDIR(st.st_mode))
		cr_skip_test("the third-party corpus folder %s is absent (meson option shared_dir)",
			     d ? d : "(TOPO_SHARED_DIR unset)");
	return d;
}

const char *fixtures_dir(void)
{
	const char *d = getenv("TOPO_FIXTURES_DIR");
	cr_assert_not_null(d, "TOPO_FIXTURES_DIR is not set: run the tests through meson test");
	return d;
}

int run(const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	cr_assert_geq(r, 0);
	int st = system(cmd);
	free(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static char *mktemp_dir(void)
{
	char *t = strdup("/tmp/topo-test-XXXXXX");
	cr_assert_not_null(mkdtemp(t), "mkdtemp: %s", strerror(errno));
	return t;
}

/* The tarball's single top directory inside @dir, or NULL. */
static char *single_top_dir(const char *dir, const char *what)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	struct dirent *de;
	char *root = NULL;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		cr_assert_null(root, "%s has more than one top directory", what);
		cr_assert_geq(asprintf(&root, "%s/%s", dir, de->d_name), 0);
	}
	closedir(d);
	return root;
}

char *unpack_corpus(const char *name)
{
	const char *shared = shared_dir_or_skip();
	const char *build = getenv("TOPO_BUILD_DIR");
	char tarball[4096], cache[4096];
	snprintf(tarball, sizeof(tarball), "%s/corpus/hwloc/%s.tar.bz2", shared, name);
	cr_assert_eq(access(tarball, R_OK), 0, "corpus tarball %s is missing", tarball);

	/*
	 * Unpacked once per build tree, into a temporary directory renamed into place, so
	 * that concurrent tests never see half a tree. Tests treat it as read-only (they
	 * copy_tree() what they change).
	 */
	cr_assert_not_null(build, "TOPO_BUILD_DIR is not set: run the tests through meson test");
	snprintf(cache, sizeof(cache), "%s/corpus", build);
	mkdir(cache, 0755);
	snprintf(cache, sizeof(cache), "%s/corpus/%s", build, name);
	char *root = single_top_dir(cache, tarball);
	if (root)
		return root;

	char tmp[4096 + 32];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", cache, (int)getpid());
	cr_assert_eq(mkdir(tmp, 0755), 0, "mkdir %s: %s", tmp, strerror(errno));
	cr_assert_eq(run("tar -xjf '%s' -C '%s'", tarball, tmp), 0, "cannot unpack %s", tarball);
	if (rename(tmp, cache) < 0)
		run("rm -rf '%s'", tmp); /* another test was first */
	root = single_top_dir(cache, tarball);
	cr_assert_not_null(root, "%s is empty", tarball);
	return root;
}

char *copy_tree(const char *src)
{
	char *dir = mktemp_dir();
	char *full = NULL;
	if (src[0] != '/')
		cr_assert_geq(asprintf(&full, "%s/sysfs/%s", fixtures_dir(), src), 0);
	cr_assert_eq(run("cp -a '%s'/. '%s'/", full ? full : src, dir), 0, "cannot copy %s",
		     full ? full : src);
	free(full);
	return dir;
}

void remove_tree(char *dir)
{
	/* only what copy_tree() made */
	if (dir && !strncmp(dir, "/tmp/topo-test-", 15))
		run("rm -rf '%s'", dir);
	free(dir);
}

void write_file(const char *root, const char *rel, const void *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	/* mkdir -p of the file's directory */
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0, "cannot create %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

void write_str(const char *root, const char *rel, const char *s)
{
	write_file(root, rel, s, strlen(s));
}

static void quiet(void *data, int priority, const char *file, int line, const char *fn,
		  const char *format, va_list args)
{
}

struct topo *discover(const char *sysroot, struct topo_ctx **ctxp)
{
	struct topo_ctx *ctx = NULL;
	struct topo *topo = NULL;
	cr_assert_eq(topo_ctx_new(&ctx, sysroot), 0, "topo_ctx_new(%s)", sysroot);
	topo_ctx_set_log_fn(ctx, quiet, NULL);
	int r = topo_discover(ctx, &topo);
	cr_assert_eq(r, 0, "topo_discover(%s) = %d", sysroot, r);
	if (ctxp)
		*ctxp = ctx;
	else
		topo_ctx_unref(ctx);
	return topo;
}

const struct topo_finding *finding_for_path(const struct topo *topo, const char *path)
{
	for (size_t i = 0; i < topo_get_finding_count(topo); i++) {
		const struct topo_finding *f = topo_get_finding(topo, i);
		const char *p = topo_finding_get_path(f);
		if (p && !strcmp(p, path))
			return f;
	}
	return NULL;
}

size_t count_findings_id(const struct topo *topo, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < topo_get_finding_count(topo); i++)
		n += !strcmp(topo_finding_get_id(topo_get_finding(topo, i)), id);
	return n;
}

static double now_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int apply_tree_with(const char *root, unsigned int flags,
		    int (*write_hook)(void *data, const char *path), void *hook_data,
		    struct topo_apply_report **rep, double *seconds)
{
	struct topo_ctx *ctx;
	cr_assert_eq(topo_ctx_new(&ctx, root), 0);
	topo_ctx_set_log_fn(ctx, NULL, NULL);
	if (write_hook)
		topo_ctx_set_write_hook(ctx, write_hook, hook_data);
	struct topo *t = NULL;
	cr_assert_eq(topo_discover(ctx, &t), 0);
	struct topo_config *config = NULL;
	char *error = NULL;
	cr_assert_eq(topo_config_load(ctx, NULL, &config, &error), 0, "%s", error);
	struct topo_plan *p = NULL;
	cr_assert_eq(topo_plan_new(t, TOPO_PLAN_RECOMMENDED, NULL, topo_config_get_plan_opts(config),
				   &p),
		     0);
	double start = now_seconds();
	int r = topo_apply(ctx, p, config, flags, rep);
	if (seconds)
		*seconds = now_seconds() - start;
	topo_plan_unref(p);
	topo_config_free(config);
	topo_unref(t);
	topo_ctx_unref(ctx);
	return r;
}
