/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes below the sysroot: a knob's value in one write(2), a file replaced atomically
 * (temporary file, fsync, rename), the directories above it. A test can put a hook in front
 * of every write (topo_ctx_set_write_hook) to count writes or make one fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

void topo_ctx_set_write_hook(struct topo_ctx *ctx, int (*hook)(void *data, const char *path),
			     void *data)
{
	ctx->write_hook = hook;
	ctx->write_hook_data = data;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t k = write(fd, data, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += k;
		len -= (size_t)k;
	}
	return 0;
}

int io_write_file(struct topo_ctx *ctx, const char *path, const char *data, size_t len)
{
	if (ctx->write_hook) {
		int r = ctx->write_hook(ctx->write_hook_data, io_relpath(path));
		if (r < 0)
			return r;
		if (r > 0)
			return 0; /* a test's knob that takes the write and keeps its value */
	}
	/* O_TRUNC: a copy in a test tree must not keep a longer old value's tail; sysfs and
	 * procfs ignore it */
	_cleanup_close_ int fd = openat(ctx->rootfd, io_relpath(path),
					O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	/* one write(2): sysfs takes a value in one store */
	ssize_t k = write(fd, data, len);
	if (k < 0)
		return -errno;
	return (size_t)k == len ? 0 : -EIO;
}

int io_mkdirs(struct topo_ctx *ctx, const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", io_relpath(path));
	char *slash = strrchr(buf, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	for (char *p = buf;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = '\0';
		if (mkdirat(ctx->rootfd, buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		if (!c)
			return 0;
		*p = c;
	}
}

int io_replace_file(struct topo_ctx *ctx, const char *path, const char *data, size_t len,
		    mode_t mode)
{
	if (ctx->write_hook) {
		int r = ctx->write_hook(ctx->write_hook_data, io_relpath(path));
		if (r < 0)
			return r;
	}
	int r = io_mkdirs(ctx, path);
	if (r < 0)
		return r;
	char tmp[4096], dir[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", io_relpath(path), (int)getpid());
	snprintf(dir, sizeof(dir), "%s", io_relpath(path));
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");

	int fd = openat(ctx->rootfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
			mode);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r >= 0 && fchmod(fd, mode) < 0) /* whatever the umask said */
		r = -errno;
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r >= 0)
		r = -errno;
	if (r >= 0 && renameat(ctx->rootfd, tmp, ctx->rootfd, io_relpath(path)) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(ctx->rootfd, tmp, 0);
		return r;
	}
	_cleanup_close_ int dfd = openat(ctx->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return 0;
}
