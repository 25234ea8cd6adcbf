/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opening a path below a root directory fd without ever leaving it: the one place of libtopo
 * that resolves a path under the sysroot (systemd's chase(), util-linux's ul_path_*).
 *
 * openat2() does it in the kernel (5.6+): RESOLVE_IN_ROOT treats the root as "/" for every
 * absolute link and "..", RESOLVE_BENEATH refuses to leave a held directory, and
 * RESOLVE_NO_MAGICLINKS refuses /proc/<pid>/fd-style jumps. Where openat2() is missing
 * (ENOSYS: kernels before 5.6, some seccomp filters), resolve_walk() does the same one
 * component at a time: each directory opened O_PATH|O_NOFOLLOW relative to the one before,
 * each symlink read and expanded by hand ("/" and ".." clamped at the root), at most
 * RESOLVE_MAX_LINKS links. Either way the last component is opened with O_NOFOLLOW after the
 * resolution, so a link swapped in meanwhile fails the open instead of being followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/base.h"

/* the kernel's MAXSYMLINKS */
#define RESOLVE_MAX_LINKS 40
/* deepest directory nesting the walk keeps open */
#define RESOLVE_MAX_DEPTH 128

/* 1: openat2() answered ENOSYS once; every later open walks */
static atomic_int no_openat2;

static int sys_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
	struct open_how how = {.flags = (uint64_t)flags, .resolve = resolve};
	if (flags & (O_CREAT | O_TMPFILE))
		how.mode = mode;
	for (int tries = 0;; tries++) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		/* EAGAIN: a rename raced with a ".." of RESOLVE_IN_ROOT/BENEATH; try again */
		if (errno != EAGAIN || tries >= 8)
			return -errno;
	}
}

struct walk {
	int fds[RESOLVE_MAX_DEPTH]; /* fds[0] is the caller's root, not ours */
	int depth;
	bool in_root;
};

static void walk_pop(struct walk *w)
{
	if (w->depth > 0)
		close(w->fds[w->depth--]);
}

static void walk_reset(struct walk *w)
{
	while (w->depth > 0)
		walk_pop(w);
}

/* Put @target in front of what is left of the path (@rest, of @size bytes). */
static int prepend(char *rest, size_t size, const char *target)
{
	size_t t = strlen(target), r = strlen(rest);
	if (t + 1 + r + 1 > size)
		return -ENAMETOOLONG;
	memmove(rest + t + 1, rest, r + 1);
	memcpy(rest, target, t);
	rest[t] = r ? '/' : '\0';
	return 0;
}

/*
 * The walk: like openat2(@root, @path, @flags, resolve = IN_ROOT or BENEATH | NO_MAGICLINKS
 * [| NO_SYMLINKS]), one component at a time.
 */
static int resolve_walk(int root, const char *path, int flags, mode_t mode, bool in_root,
			bool no_symlinks)
{
	char rest[4096 * 2];
	if (strlen(path) >= sizeof(rest) / 2)
		return -ENAMETOOLONG;
	snprintf(rest, sizeof(rest), "%s", path);
	struct walk w = {.fds = {root}, .in_root = in_root};
	int links = 0, r;

	for (;;) {
		/* the next component */
		char *p = rest;
		while (*p == '/')
			p++;
		if (!*p) {
			/* the path named a directory itself ("", ".", "a/.."): open it */
			r = openat(w.fds[w.depth], ".", flags & ~(O_CREAT | O_EXCL), mode);
			r = r < 0 ? -errno : r;
			break;
		}
		char comp[256];
		size_t n = strcspn(p, "/");
		if (n >= sizeof(comp)) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		while (*p == '/')
			p++;
		bool last = !*p;
		memmove(rest, p, strlen(p) + 1);

		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			if (w.depth > 0)
				walk_pop(&w);
			else if (!in_root) {
				r = -EXDEV; /* RESOLVE_BENEATH: never above the start */
				break;
			}
			if (last) {
				r = openat(w.fds[w.depth], ".", flags & ~(O_CREAT | O_EXCL), mode);
				r = r < 0 ? -errno : r;
				break;
			}
			continue;
		}

		struct stat st;
		int cur = w.fds[w.depth];
		bool exists = fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0;
		if (!exists && (errno != ENOENT || !last || !(flags & O_CREAT))) {
			r = -errno;
			break;
		}
		if (exists && S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			/* a link to follow: by hand, within the root */
			if (no_symlinks) {
				r = -ELOOP;
				break;
			}
			char target[4096];
			ssize_t k = readlinkat(cur, comp, target, sizeof(target) - 1);
			if (k < 0) {
				r = -errno;
				break;
			}
			target[k] = '\0';
			if (++links > RESOLVE_MAX_LINKS) {
				r = -ELOOP;
				break;
			}
			if (target[0] == '/') {
				if (!in_root) {
					r = -EXDEV;
					break;
				}
				walk_reset(&w);
			}
			if ((r = prepend(rest, sizeof(rest), target)) < 0)
				break;
			continue;
		}
		if (last) {
			r = openat(cur, comp, flags | O_NOFOLLOW, mode);
			r = r < 0 ? -errno : r;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			r = -ENOTDIR;
			break;
		}
		if (w.depth + 1 >= RESOLVE_MAX_DEPTH) {
			r = -ENAMETOOLONG;
			break;
		}
		int fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			break;
		}
		w.fds[++w.depth] = fd;
	}
	walk_reset(&w);
	return r;
}

const char *io_relpath(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

int io_resolve_open(const struct topo_ctx *ctx, int dirfd, const char *path, int flags,
		    mode_t mode, unsigned int how)
{
	bool in_root = !(how & IO_BENEATH), no_symlinks = how & IO_NO_SYMLINKS;
	/* openat2() refuses flags that O_PATH ignores */
	flags |= O_CLOEXEC | (flags & O_PATH ? 0 : O_NOCTTY);
	if (!(ctx && ctx->resolve_walk) && !atomic_load_explicit(&no_openat2, memory_order_relaxed)) {
		uint64_t resolve = (in_root ? RESOLVE_IN_ROOT : RESOLVE_BENEATH) |
				   RESOLVE_NO_MAGICLINKS | (no_symlinks ? RESOLVE_NO_SYMLINKS : 0);
		int fd = sys_openat2(dirfd, *path ? path : ".", flags, mode, resolve);
		if (fd != -ENOSYS)
			return fd;
		atomic_store_explicit(&no_openat2, 1, memory_order_relaxed);
	}
	return resolve_walk(dirfd, path, flags, mode, in_root, no_symlinks);
}

int io_resolve_parent(const struct topo_ctx *ctx, const char *path, unsigned int how,
		      const char **name)
{
	char dir[4096];
	const char *rel = io_relpath(path);
	const char *slash = strrchr(rel, '/');
	*name = slash ? slash + 1 : rel;
	if (!**name || !strcmp(*name, ".") || !strcmp(*name, ".."))
		return -EINVAL;
	size_t n = slash ? (size_t)(slash - rel) : 0;
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, rel, n);
	dir[n] = '\0';
	return io_resolve_open(ctx, ctx->rootfd, dir, O_PATH | O_DIRECTORY, 0, how);
}
