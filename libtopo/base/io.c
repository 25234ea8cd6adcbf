/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reads below the sysroot: whole files by content, links, directory listings and scans,
 * and the directories a reader holds open so that the files below them are opened
 * relative to them. Every path is relative to the sysroot's directory fd ("sys/devices/...";
 * a leading '/' is ignored so that callers can think in absolute kernel paths) and opened
 * inside the sysroot (resolve.c: a link never leads out of it); files are opened O_NONBLOCK
 * and read only when they are regular files, up to a size bound; every path read is recorded
 * for gather when recording is on. Nothing here writes: writes are in io-write.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/base.h"

/* The directory fd to open @path from, and the rest of the path below it: a held directory
 * (*held) or the sysroot itself. */
static const char *at(const struct topo_ctx *ctx, const char *path, int *fd, bool *held)
{
	path = io_relpath(path);
	int top = ctx->n_dirs < (int)ELEMENTSOF(ctx->dirs) ? ctx->n_dirs : (int)ELEMENTSOF(ctx->dirs);
	for (int i = top; i-- > 0;) {
		const struct io_dir *d = &ctx->dirs[i];
		if (d->fd >= 0 && !strncmp(path, d->path, d->len) && path[d->len] == '/' &&
		    path[d->len + 1]) {
			*fd = d->fd;
			*held = true;
			return path + d->len + 1;
		}
	}
	*fd = ctx->rootfd;
	*held = false;
	return path;
}

/*
 * Open @path below the sysroot, never outside it: below a held directory without leaving it
 * (a link that climbs out of it is resolved again from the sysroot), else inside the
 * sysroot as if it were "/".
 */
static int open_below(const struct topo_ctx *ctx, const char *path, int flags, unsigned int how)
{
	int dfd;
	bool held;
	const char *p = at(ctx, path, &dfd, &held);
	if (held) {
		int fd = io_resolve_open(ctx, dfd, p, flags, 0, how | IO_BENEATH);
		if (fd != -EXDEV)
			return fd;
	}
	return io_resolve_open(ctx, ctx->rootfd, io_relpath(path), flags, 0, how & ~IO_BENEATH);
}

void io_record(struct topo_ctx *ctx, const char *path)
{
	if (!ctx->recording)
		return;
	if (ctx->n_recorded == ctx->cap_recorded) {
		size_t cap = ctx->cap_recorded ? ctx->cap_recorded * 2 : 256;
		char **v = realloc(ctx->recorded, cap * sizeof(*v));
		if (!v)
			return;
		ctx->recorded = v;
		ctx->cap_recorded = cap;
	}
	char *p = strdup(io_relpath(path));
	if (p)
		ctx->recorded[ctx->n_recorded++] = p;
}

void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* read(2), or pread(2) at @*off when @off: the latter advances @*off */
static ssize_t read_at(int fd, void *b, size_t want, off_t *off)
{
	if (!off)
		return read(fd, b, want);
	ssize_t k = pread(fd, b, want, *off);
	if (k > 0)
		*off += k;
	return k;
}

/* Read @fd whole: from its position, or with @off from offset *@off on (pread). */
static int read_fd_at(int fd, off_t *off, size_t max, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	_cleanup_free_ char *b = malloc(cap + 1);
	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap > max)
				return -EFBIG;
			cap *= 2;
			char *nb = realloc(b, cap + 1);
			if (!nb)
				return -ENOMEM;
			b = nb;
		}
		size_t want = cap - n;
		ssize_t k = read_at(fd, b + n, want, off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		/* a sysfs or procfs attribute is produced whole by one show() and a local file is
		 * read whole up to the end: a short read is the end, and spares a read(2) per
		 * file (discovery reads ~15 files per node) */
		if ((size_t)k < want)
			break;
	}
	if (n > max)
		return -EFBIG;
	b[n] = '\0';
	*buf = TAKE_PTR(b);
	if (len)
		*len = n;
	return 0;
}

static int read_fd(int fd, size_t max, char **buf, size_t *len)
{
	return read_fd_at(fd, NULL, max, buf, len);
}

/* Read an open file whole, if it is a regular file (sysfs and procfs attributes are): a FIFO,
 * device or socket in a tree is never read, so it cannot hang or flood a reader. */
static int read_regular(int fd, size_t max, char **buf, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -IO_ENOTREG;
	return read_fd(fd, max, buf, len);
}

int io_read_file(struct topo_ctx *ctx, const char *path, size_t max, char **buf, size_t *len)
{
	_cleanup_close_ int fd = open_below(ctx, path, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	io_record(ctx, path);
	int r = read_regular(fd, max, buf, len);
	/* the callers turn this into a finding, which apply does not print: say it here too, so
	 * that 'apply -v' names the file it refused */
	if (r == -IO_ENOTREG)
		warn(ctx, "/%s is %s; not read", io_relpath(path), io_strerror(r));
	return r;
}

int io_open_reread(struct topo_ctx *ctx, const char *path)
{
	int fd = open_below(ctx, path, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	/* the check read_regular() makes on every read, once: the fd stays this file */
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -IO_ENOTREG;
	if (r < 0) {
		if (r == -IO_ENOTREG)
			warn(ctx, "/%s is %s; not read", io_relpath(path), io_strerror(r));
		close(fd);
		return r;
	}
	io_record(ctx, path);
	return fd;
}

int io_reread(int fd, size_t max, char **buf, size_t *len)
{
	off_t off = 0;
	return read_fd_at(fd, &off, max, buf, len);
}

int io_read_file_abs(struct topo_ctx *ctx, const char *path, size_t max, char **buf,
		     size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return read_regular(fd, max, buf, len);
}

int io_read_trusted(struct topo_ctx *ctx, const char *path, bool below, size_t max, char **buf,
		    size_t *len)
{
	char dir[4096];
	const char *p = below ? io_relpath(path) : path;
	const char *slash = strrchr(p, '/');
	const char *name = slash ? slash + 1 : p;
	if (!*name)
		return -EISDIR;
	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", slash == p ? 1 : (int)(slash - p), p);
	else
		snprintf(dir, sizeof(dir), ".");
	/* the directory first, then the file in it: what is checked is what is read */
	_cleanup_close_ int dfd = below ? open_below(ctx, slash ? dir : ".", O_PATH | O_DIRECTORY, 0)
				       : open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return below ? dfd : -errno;
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC |
							  O_NOCTTY);
	if (fd < 0)
		return errno == ELOOP ? -IO_ENOTREG : -errno; /* absent: nothing to trust */
	int r = io_fd_trusted(dfd, false);
	if (r >= 0)
		r = io_fd_trusted(fd, true);
	if (r < 0)
		return r;
	if (below)
		io_record(ctx, path);
	return read_fd(fd, max, buf, len);
}

int io_open_file(struct topo_ctx *ctx, const char *path, int flags)
{
	int fd = open_below(ctx, path, flags, 0);
	if (fd >= 0)
		io_record(ctx, path);
	return fd;
}

int io_readlink(struct topo_ctx *ctx, const char *path, char **target)
{
	char b[4096], dir[4096];
	int dfd;
	bool held;
	const char *p = at(ctx, path, &dfd, &held);
	/* the link itself is read, not followed: only its directory is resolved */
	const char *slash = strrchr(p, '/'), *name = slash ? slash + 1 : p;
	_cleanup_close_ int pfd = -1;
	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - p), p);
		pfd = io_resolve_open(ctx, dfd, dir, O_PATH | O_DIRECTORY, 0,
				      held ? IO_BENEATH : IO_IN_ROOT);
		if (pfd == -EXDEV && held) {
			const char *full = io_relpath(path);
			const char *fs = strrchr(full, '/');
			snprintf(dir, sizeof(dir), "%.*s", (int)(fs - full), full);
			pfd = io_resolve_open(ctx, ctx->rootfd, dir, O_PATH | O_DIRECTORY, 0,
					      IO_IN_ROOT);
		}
		if (pfd < 0)
			return pfd;
		dfd = pfd;
	}
	ssize_t k = readlinkat(dfd, name, b, sizeof(b) - 1);
	if (k < 0)
		return -errno;
	b[k] = '\0';
	io_record(ctx, path);
	*target = strdup(b);
	return *target ? 0 : -ENOMEM;
}

bool io_exists(struct topo_ctx *ctx, const char *path)
{
	_cleanup_close_ int fd = open_below(ctx, path, O_PATH, 0);
	return fd >= 0;
}

const char *io_strerror(int r)
{
	switch (-r) {
	case IO_ENOTREG:
		return "not a regular file (a FIFO, device or socket is never read)";
	case IO_EUNTRUSTED:
		return "owned by another user or writable by group or others";
	default:
		return strerror(r < 0 ? -r : r);
	}
}

static int cmp_name(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* the kernel's struct linux_dirent64 (getdents64(2)) */
struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int scan_fd(int fd, int (*cb)(void *data, const char *name), void *data)
{
	_Alignas(8) char buf[32768];
	for (;;) {
		long k = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return 0;
		for (long off = 0; off < k;) {
			struct dirent64_raw *de = (struct dirent64_raw *)(buf + off);
			off += de->d_reclen;
			if (de->d_name[0] == '.' &&
			    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
				continue;
			int r = cb(data, de->d_name);
			if (r < 0)
				return r;
		}
	}
}

/* a slot even when the directory could not be opened (fd < 0): io_pop_dir() pops it */
static void push_dir(struct topo_ctx *ctx, const char *path, int fd)
{
	struct io_dir *d = ctx->n_dirs < (int)ELEMENTSOF(ctx->dirs) ? &ctx->dirs[ctx->n_dirs] : NULL;
	char *copy = d && fd >= 0 ? strdup(io_relpath(path)) : NULL;
	if (!copy && fd >= 0) {
		close(fd);
		fd = -1;
	}
	if (d) {
		d->path = copy;
		d->len = copy ? strlen(copy) : 0;
		d->fd = fd;
	}
	ctx->n_dirs++; /* past the array: a depth the readers never reach, counted all the same */
}

int io_scan_dir(struct topo_ctx *ctx, const char *path, bool keep,
		int (*cb)(void *data, const char *name), void *data)
{
	/* getdents64 on the fd itself: fdopendir() would add an fstat and an fcntl per
	 * directory, and discovery lists a few thousand on a large machine */
	int fd = open_below(ctx, path, O_RDONLY | O_DIRECTORY, 0);
	int r = fd < 0 ? fd : 0;
	if (fd >= 0) {
		io_record(ctx, path);
		r = scan_fd(fd, cb, data);
	}
	if (!keep) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	push_dir(ctx, path, fd);
	return r;
}

int io_hold_dir(struct topo_ctx *ctx, const char *path)
{
	int fd = open_below(ctx, path, O_PATH | O_DIRECTORY, 0);
	int r = fd < 0 ? fd : 0;
	push_dir(ctx, path, fd);
	return r;
}

void io_pop_dir(struct topo_ctx *ctx)
{
	if (ctx->n_dirs <= 0)
		return;
	if (--ctx->n_dirs < (int)ELEMENTSOF(ctx->dirs)) {
		struct io_dir *d = &ctx->dirs[ctx->n_dirs];
		if (d->fd >= 0)
			close(d->fd);
		free(d->path);
		d->path = NULL;
		d->fd = -1;
	}
}

struct names {
	char **v;
	size_t n, cap;
};

static int add_name(void *data, const char *name)
{
	struct names *l = data;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		char **nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(name)))
		return -ENOMEM;
	l->n++;
	return 0;
}

int io_list_dir(struct topo_ctx *ctx, const char *path, bool keep, char ***names, size_t *n)
{
	struct names l = {0};
	int r = io_scan_dir(ctx, path, keep, add_name, &l);
	if (r < 0) {
		strv_free(l.v, l.n);
		return r;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_name);
	*names = l.v;
	*n = l.n;
	return 0;
}
