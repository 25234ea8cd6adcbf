/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What may steer a root process: a file or directory that only root (or the user running
 * tiertopo) can change. The run directory, the lock, the state file's directory, the
 * configuration and the hooks are all held to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

int io_check_trusted(const struct stat *st)
{
	bool owner = st->st_uid == 0 || st->st_uid == geteuid();
	bool sticky_root_dir = S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) && st->st_uid == 0;
	if (!owner || ((st->st_mode & (S_IWGRP | S_IWOTH)) && !sticky_root_dir))
		return -IO_EUNTRUSTED;
	return 0;
}

int io_fd_trusted(int fd, bool regular)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (regular && !S_ISREG(st.st_mode))
		return -IO_ENOTREG;
	return io_check_trusted(&st);
}

int io_open_trusted_dir(struct topo_ctx *ctx, const char *path, struct io_distrust *why)
{
	char shown[sizeof(why->path)] = "";
	const char *p = io_relpath(path);
	struct stat st;
	int fd = fcntl(ctx->rootfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (fstat(fd, &st) < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		int r = !S_ISDIR(st.st_mode) ? -ENOTDIR : io_check_trusted(&st);
		if (r < 0) {
			snprintf(why->path, sizeof(why->path), "%s", shown[0] ? shown : "/");
			why->st = st;
			close(fd);
			return r;
		}
		while (*p == '/')
			p++;
		if (!*p || !strcmp(p, "."))
			return fd;
		size_t n = strcspn(p, "/");
		char part[256];
		if (n >= sizeof(part) || (n == 2 && !strncmp(p, "..", 2))) {
			close(fd);
			return -EINVAL;
		}
		memcpy(part, p, n);
		part[n] = '\0';
		p += n;
		size_t l = strlen(shown);
		if (l + 1 + n >= sizeof(shown)) {
			close(fd);
			return -ENAMETOOLONG;
		}
		shown[l] = '/';
		memcpy(shown + l + 1, part, n + 1);
		/* no link at any level: a link is refused, not followed */
		int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		if (next < 0) {
			snprintf(why->path, sizeof(why->path), "%s", shown);
			memset(&why->st, 0, sizeof(why->st));
			if ((e == ENOTDIR || e == ELOOP) &&
			    fstatat(fd, part, &why->st, AT_SYMLINK_NOFOLLOW) == 0)
				e = S_ISLNK(why->st.st_mode) ? ELOOP : ENOTDIR;
			close(fd);
			return -e;
		}
		close(fd);
		fd = next;
	}
}

int io_check_above_root(const struct topo_ctx *ctx, struct io_distrust *why)
{
	struct stat st, up;
	int fd = fcntl(ctx->rootfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return -e;
	}
	for (int level = 1; level < 256; level++) {
		int parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		int e = errno;
		close(fd);
		if (parent < 0 || fstat(parent, &up) < 0) {
			e = parent < 0 ? e : errno;
			if (parent >= 0)
				close(parent);
			return -e;
		}
		if (up.st_dev == st.st_dev && up.st_ino == st.st_ino) {
			close(parent); /* the real / is its own parent */
			return 0;
		}
		if (io_check_trusted(&up) < 0) {
			why->level = level;
			why->st = up;
			snprintf(why->path, sizeof(why->path), "%d level(s) above the sysroot", level);
			close(parent);
			return -IO_EUNTRUSTED;
		}
		fd = parent;
		st = up;
	}
	close(fd);
	return -ELOOP;
}
