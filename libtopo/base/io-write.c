/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes below the sysroot: a knob's value in one write(2), a file replaced atomically
 * (temporary file, fsync, rename), the directories above it, the run directory. Every path is
 * resolved inside the sysroot without following any link (no knob, run directory or state
 * file of a real system is reached through one), only regular files are written, and what
 * is created is created O_EXCL|O_NOFOLLOW. A test can put a hook in front of every write
 * (topo_ctx_set_write_hook) to count writes or make one fail.
 */
#include <errno.h>
#include <stdlib.h>
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
	_cleanup_close_ int fd = io_resolve_open(ctx, ctx->rootfd, io_relpath(path),
						 O_WRONLY | O_NONBLOCK, 0,
						 IO_IN_ROOT | IO_NO_SYMLINKS);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -IO_ENOTREG;
	/* a copy in a test tree must not keep a longer old value's tail; sysfs and procfs
	 * ignore it (and may refuse it: no matter) */
	if (st.st_size > 0)
		(void)ftruncate(fd, 0);
	/* one write(2): sysfs takes a value in one store */
	ssize_t k = write(fd, data, len);
	if (k < 0)
		return -errno;
	return (size_t)k == len ? 0 : -EIO;
}

/* mkdir -p of @dir below the sysroot, refusing links and non-directories on the way; the
 * last directory's O_PATH fd, or -errno. */
static int mkdirs_fd(struct topo_ctx *ctx, const char *dir)
{
	int cur = fcntl(ctx->rootfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return -errno;
	char comp[256];
	for (const char *p = io_relpath(dir); *p;) {
		size_t n = strcspn(p, "/");
		if (n >= sizeof(comp) || (n == 2 && !strncmp(p, "..", 2))) {
			close(cur);
			return -EINVAL;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		while (*p == '/')
			p++;
		if (!n || !strcmp(comp, "."))
			continue;
		if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
			int r = -errno;
			close(cur);
			return r;
		}
		int fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int r = -errno;
		close(cur);
		if (fd < 0)
			return r == -ENOTDIR || r == -ELOOP ? -ENOTDIR : r;
		cur = fd;
	}
	return cur;
}

int io_mkdirs(struct topo_ctx *ctx, const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", io_relpath(path));
	char *slash = strrchr(buf, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	int fd = mkdirs_fd(ctx, buf);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int io_run_dir(struct topo_ctx *ctx)
{
	int fd = mkdirs_fd(ctx, TOPO_RUN_DIR);
	if (fd < 0) {
		err(ctx, "%s/" TOPO_RUN_DIR " cannot be used: %s\n",
		    strcmp(ctx->sysroot, "/") ? ctx->sysroot : "",
		    fd == -ENOTDIR ? "it, or a directory above it, is a link or not a directory"
				   : io_strerror(fd));
		return fd;
	}
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : io_check_trusted(&st);
	if (r >= 0 && (st.st_mode & S_ISVTX))
		r = -IO_EUNTRUSTED; /* not even sticky: only we write there */
	if (r < 0) {
		err(ctx, "%s/" TOPO_RUN_DIR " is refused: %s (uid %u, mode %04o); it must be "
			 "root's and writable by root alone\n",
		    strcmp(ctx->sysroot, "/") ? ctx->sysroot : "", io_strerror(r),
		    (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
		close(fd);
		return r;
	}
	return fd;
}

int io_replace_file(struct topo_ctx *ctx, const char *path, const char *data, size_t len,
		    mode_t mode)
{
	if (ctx->write_hook) {
		int r = ctx->write_hook(ctx->write_hook_data, io_relpath(path));
		if (r < 0)
			return r;
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", io_relpath(path));
	char *slash = strrchr(dir, '/');
	const char *name = slash ? slash + 1 : dir;
	if (slash)
		*slash = '\0';
	_cleanup_close_ int dfd = slash ? mkdirs_fd(ctx, dir) : fcntl(ctx->rootfd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0)
		return dfd;
	/* the directory must be ours alone: nobody else can swap the file or the temporary */
	int r = io_fd_trusted(dfd, false);
	if (r < 0)
		return r;
	char tmp[300];
	snprintf(tmp, sizeof(tmp), ".%.200s.tmp.%d", name, (int)getpid());

	/* O_PATH fds cannot be written through: the directory again, for the *at() calls */
	_cleanup_close_ int wdir = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (wdir < 0)
		return -errno;
	unlinkat(wdir, tmp, 0); /* a leftover of a killed run with our pid */
	int fd = openat(wdir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r >= 0 && fchmod(fd, mode) < 0) /* whatever the umask said */
		r = -errno;
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r >= 0)
		r = -errno;
	if (r >= 0 && renameat(wdir, tmp, wdir, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(wdir, tmp, 0);
		return r;
	}
	fsync(wdir);
	return 0;
}
