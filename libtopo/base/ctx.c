/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The context: the sysroot every read goes through, the log function, the recorder, and the
 * apply lock (run/tiertopo/lock below the sysroot) that serialises applies.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <syslog.h>

#include "base/base.h"

int topo_ctx_new(struct topo_ctx **ret, const char *sysroot)
{
	if (!ret)
		return -EINVAL;
	if (!sysroot || !*sysroot)
		sysroot = "/";

	struct topo_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->refcount = 1;
	ctx->lockfd = -1;
	ctx->watchfd = -1;
	/* no log function until the caller sets one: the library never prints */
	ctx->log_fn = NULL;
	ctx->log_priority = LOG_ERR;
	ctx->sysroot = strdup(sysroot);
	if (!ctx->sysroot) {
		free(ctx);
		return -ENOMEM;
	}
	ctx->rootfd = open(sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->rootfd < 0) {
		int r = -errno;
		err(ctx, "cannot open sysroot %s: %s\n", sysroot, strerror(errno));
		free(ctx->sysroot);
		free(ctx);
		return r;
	}
	*ret = ctx;
	return 0;
}

void topo_ctx_set_resolve_walk(struct topo_ctx *ctx, bool walk)
{
	ctx->resolve_walk = walk;
}

void topo_ctx_set_threads(struct topo_ctx *ctx, unsigned int threads)
{
	ctx->threads = threads;
}

struct topo_ctx *topo_ctx_ref(struct topo_ctx *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

struct topo_ctx *topo_ctx_unref(struct topo_ctx *ctx)
{
	if (!ctx || --ctx->refcount > 0)
		return NULL;
	while (ctx->n_dirs > 0)
		io_pop_dir(ctx);
	topo_ctx_unlock(ctx);
	if (ctx->watchfd >= 0)
		close(ctx->watchfd);
	close(ctx->rootfd);
	strv_free(ctx->recorded, ctx->n_recorded);
	free(ctx->acpi_dir);
	free(ctx->sysroot);
	free(ctx);
	return NULL;
}

const char *topo_ctx_get_sysroot(const struct topo_ctx *ctx)
{
	return ctx ? ctx->sysroot : NULL;
}

int topo_ctx_set_acpi_dir(struct topo_ctx *ctx, const char *dir)
{
	if (!ctx)
		return -EINVAL;
	char *d = NULL;
	if (dir) {
		struct stat st;
		if (stat(dir, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		d = strdup(dir);
		if (!d)
			return -ENOMEM;
	}
	free(ctx->acpi_dir);
	ctx->acpi_dir = d;
	return 0;
}

void topo_ctx_set_log_fn(struct topo_ctx *ctx, topo_log_fn fn, void *data)
{
	if (!ctx)
		return;
	ctx->log_fn = fn;
	ctx->log_data = data;
}

void topo_ctx_set_log_priority(struct topo_ctx *ctx, int priority)
{
	if (ctx)
		ctx->log_priority = priority;
}

int topo_ctx_get_log_priority(const struct topo_ctx *ctx)
{
	return ctx ? ctx->log_priority : -EINVAL;
}

void topo_ctx_set_recording(struct topo_ctx *ctx, bool on)
{
	if (ctx)
		ctx->recording = on;
}

size_t topo_ctx_get_recorded_count(const struct topo_ctx *ctx)
{
	return ctx ? ctx->n_recorded : 0;
}

const char *topo_ctx_get_recorded_path(const struct topo_ctx *ctx, size_t i)
{
	return ctx && i < ctx->n_recorded ? ctx->recorded[i] : NULL;
}

/* Open (made when missing) a lock file in the run directory: a regular file that only we can
 * change, never reached through a link. */
static int open_lock_file(struct topo_ctx *ctx, const char *name)
{
	_cleanup_close_ int dir = io_run_dir(ctx);
	if (dir < 0)
		return dir;
	/* O_PATH fds cannot create: the directory again, read-only, for openat() */
	_cleanup_close_ int wdir = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (wdir < 0)
		return -errno;
	const char *root = strcmp(ctx->sysroot, "/") ? ctx->sysroot : "";
	_cleanup_close_ int fd = openat(wdir, name,
					O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0) {
		int r = -errno;
		err(ctx, "%s/" TOPO_RUN_DIR "/%s cannot be opened: %s\n", root, name,
		    r == -ELOOP ? "it is a link" : strerror(-r));
		return r;
	}
	int r = io_fd_trusted(fd, true);
	if (r < 0) {
		err(ctx, "%s/" TOPO_RUN_DIR "/%s is refused: %s\n", root, name, io_strerror(r));
		return r;
	}
	return TAKE_FD(fd);
}

int topo_ctx_lock(struct topo_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	if (ctx->lockfd >= 0)
		return 0;
	_cleanup_close_ int fd = open_lock_file(ctx, "lock");
	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	ctx->lockfd = TAKE_FD(fd);
	return 0;
}

int topo_ctx_lock_watch(struct topo_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	if (ctx->watchfd >= 0)
		return 0;
	_cleanup_close_ int fd = open_lock_file(ctx, "watch.lock");
	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;
	ctx->watchfd = TAKE_FD(fd);
	return 0;
}

void topo_ctx_unlock(struct topo_ctx *ctx)
{
	if (!ctx || ctx->lockfd < 0)
		return;
	close(ctx->lockfd); /* releases the lock */
	ctx->lockfd = -1;
}
