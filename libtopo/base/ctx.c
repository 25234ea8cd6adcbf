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

static void log_stderr(void *data, int priority, const char *file, int line, const char *fn,
		       const char *format, va_list args)
{
	fprintf(stderr, "libtopo: %s: ", fn);
	vfprintf(stderr, format, args);
}

void topo_log(const struct topo_ctx *ctx, int priority, const char *file, int line,
	      const char *fn, const char *format, ...)
{
	if (!ctx->log_fn)
		return;
	/* discovery of a large machine runs a few threads: the caller's function is called
	 * by one at a time, as if there were only one */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	va_list ap;
	va_start(ap, format);
	pthread_mutex_lock(&lock);
	ctx->log_fn(ctx->log_data, priority, file, line, fn, format, ap);
	pthread_mutex_unlock(&lock);
	va_end(ap);
}

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
	ctx->log_fn = log_stderr;
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

int topo_ctx_lock(struct topo_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	if (ctx->lockfd >= 0)
		return 0;
	int r = io_mkdirs(ctx, TOPO_LOCK_PATH);
	if (r < 0)
		return r;
	int fd = openat(ctx->rootfd, TOPO_LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = -errno;
			close(fd);
			return r;
		}
	}
	ctx->lockfd = fd;
	return 0;
}

void topo_ctx_unlock(struct topo_ctx *ctx)
{
	if (!ctx || ctx->lockfd < 0)
		return;
	close(ctx->lockfd); /* releases the lock */
	ctx->lockfd = -1;
}
