/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * base/: the bottom layer of libtopo. The context (sysroot, log, apply lock), every file
 * access below the sysroot, node masks and lists, findings, kernel release strings and
 * paths. It calls nothing of libtopo above it. Prototypes are grouped by the file that
 * defines them.
 */
#ifndef TOPO_BASE_H
#define TOPO_BASE_H

#include <stdbool.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "libtopo.h"
#include "base/cleanup.h"

/* ---- findings.c ------------------------------------------------------------------------ */

/*
 * Findings: problems in the inputs (garbled sysfs files, bad firmware tables), each with a
 * stable id, a severity, a message an administrator understands and, where there is one,
 * the file it came from. Pure data; used by the readers and by the pure ACPI parsers.
 */



struct topo_finding {
	char *id;
	enum topo_severity severity;
	char *message;
	char *path;
	/* the node it is about: the N of a path below nodeN/, else of a message that begins
	 * "node N" ("DRAM node N", "CPU node N"); -1 for none. [check] ignore ID node N
	 * matches it (tiertopo.conf(5)). */
	int node;
	bool suppressed; /* accepted by [check] ignore (topo_check_suppress) */
};

struct findings {
	struct topo_finding *v;
	size_t n, cap;
};

/*
 * Append a finding. @path may be NULL. Returns 0 or -ENOMEM (the finding is then lost, the
 * caller goes on).
 */
__attribute__((format(printf, 5, 6))) int findings_add(struct findings *f, const char *id,
							enum topo_severity severity,
							const char *path, const char *fmt, ...);
void findings_clear(struct findings *f);
/* Append all of @src to @dst, in order, and empty @src. -ENOMEM drops @src's findings. */
int findings_move(struct findings *dst, struct findings *src);
/* Number of findings with exactly this id (tests and check use it). */
size_t findings_count_id(const struct findings *f, const char *id);

/* ---- nodemask.c ------------------------------------------------------------------------ */

/*
 * Node masks and the kernel's list format ("0-3,8,10-11"), as printed by %*pbl.
 */


/* MAX_NUMNODES with the largest NODES_SHIFT (10) any distribution kernel uses. */
#define TOPO_MAX_NODES 1024

struct nodemask {
	uint64_t bits[TOPO_MAX_NODES / 64];
};

static inline void nodemask_set(struct nodemask *m, unsigned int n)
{
	if (n < TOPO_MAX_NODES)
		m->bits[n / 64] |= UINT64_C(1) << (n % 64);
}

static inline bool nodemask_test(const struct nodemask *m, unsigned int n)
{
	return n < TOPO_MAX_NODES && (m->bits[n / 64] >> (n % 64)) & 1;
}

/* Highest set bit, or -1 when empty. */
int nodemask_last(const struct nodemask *m);
size_t nodemask_weight(const struct nodemask *m);

/*
 * Parse a kernel list ("0-3,8"; an empty string or a lone newline is the empty list).
 * Values must be below @limit; @add is called once per member in ascending order of the
 * text. Returns 0 or -EINVAL (garbage, reversed range, value too large).
 */
int parse_list(const char *s, unsigned int limit, void (*add)(void *data, unsigned int v),
	       void *data);
int nodemask_parse(const char *s, struct nodemask *mask);

/* Node ids (ascending) in the kernel's list format, "0-3,8", or "none": malloc'd. */
char *nodelist_format(const int *ids, size_t n);

/* Parse a hex cpumap as in nodeN/cpumap ("0000,00000000,00000003"). */
int cpumap_parse(const char *s, unsigned int **cpus, size_t *n);

/* ---- path.c ---------------------------------------------------------------------------- */

/*
 * Resolve a symlink target against the directory holding the link, lexically (".." and "."
 * collapse; nothing is read). Both are relative to the sysroot; an absolute @target is taken
 * as relative to the sysroot too. Returns a malloc'd path without a leading '/', or NULL
 * on allocation failure. A ".." above the root stays at the root.
 */
char *path_resolve(const char *link_dir, const char *target);
/* The last component of @path (points into @path). */
const char *path_basename(const char *path);

/* ---- release.c ------------------------------------------------------------------------- */

/* "6.12.117+deb12-amd64" -> 6, 12. Returns 0 or -EINVAL. */
int kernel_release_parse(const char *release, int *major, int *minor);
/* "6.12.117+deb12-amd64" -> 117; 0 where there is none ("6.17", "6.17-rc1", and
 * "6.8.0-49-generic": a distribution's own backports are not counted). -EINVAL when
 * kernel_release_parse() refuses @release. */
int kernel_release_sublevel(const char *release);

/* ---- ctx.c: the context, its log and the apply lock --------------------------------- */

/* below the sysroot: the run directory, the apply lock in it, and the published state */
#define TOPO_RUN_DIR "run/tiertopo"
#define TOPO_LOCK_PATH TOPO_RUN_DIR "/lock"
#define TOPO_STATE_PATH TOPO_RUN_DIR "/state.json"
/* the largest state file read back: 1024 nodes with 1024 initiators make ~30 MB */
#define TOPO_STATE_MAX (256u * 1024u * 1024u)

struct topo_ctx {
	int refcount;
	char *sysroot; /* as given, "/" by default */
	int rootfd;    /* O_PATH directory fd of the sysroot: every read is relative to it */
	char *acpi_dir;
	topo_log_fn log_fn;
	void *log_data;
	int log_priority;
	bool recording;
	char **recorded;
	size_t n_recorded, cap_recorded;
	/* called before every write below the sysroot; a negative return fails that write, a
	 * positive one drops it silently (a knob that ignores writes): tests inject failures
	 * with it and count writes */
	int (*write_hook)(void *data, const char *path);
	void *write_hook_data;
	/* directories a reader holds open (io_scan_dir with keep): a path below one of them is
	 * opened relative to its fd, a walk of one or two components instead of eight */
	struct io_dir {
		char *path;
		size_t len;
		int fd;
	} dirs[4];
	int n_dirs;
	int lockfd; /* run/tiertopo/lock while topo_ctx_lock() holds it, else -1 */
	int watchfd; /* run/tiertopo/watch.lock once topo_ctx_lock_watch() took it, else -1 */
	/* threads that read node directories: 0 = as many as the cpus this process may run on
	 * (at most 8, and only for machines of 128 nodes and more); 1 = none */
	unsigned int threads;
	/* tests: resolve paths by the component walk even where openat2() exists */
	bool resolve_walk;
};

/* Tests: the number of discovery threads (0 = automatic). Not exported. */
void topo_ctx_set_threads(struct topo_ctx *ctx, unsigned int threads);
/* Tests: resolve by the component walk of resolve.c, as on kernels without openat2(). */
void topo_ctx_set_resolve_walk(struct topo_ctx *ctx, bool walk);

/* ---- log.c ---------------------------------------------------------------------------- */

__attribute__((format(printf, 6, 7))) void topo_log(const struct topo_ctx *ctx, int priority,
						     const char *file, int line, const char *fn,
						     const char *format, ...);
#define topo_log_cond(ctx, prio, ...)                                                            \
	do {                                                                                     \
		if ((ctx)->log_priority >= (prio))                                               \
			topo_log((ctx), (prio), __FILE__, __LINE__, __func__, __VA_ARGS__);       \
	} while (0)
#define dbg(ctx, ...) topo_log_cond(ctx, 7, __VA_ARGS__)
#define info(ctx, ...) topo_log_cond(ctx, 6, __VA_ARGS__)
#define warn(ctx, ...) topo_log_cond(ctx, 4, __VA_ARGS__)
#define err(ctx, ...) topo_log_cond(ctx, 3, __VA_ARGS__)

/* ---- resolve.c: a path below a root, never outside it ---------------------------------- */

/* how io_resolve_open() resolves: inside the root as "/" (absolute links and ".." stay
 * in it), or beneath a directory (never above it); optionally no symlink at all */
#define IO_IN_ROOT 0u
#define IO_BENEATH 1u
#define IO_NO_SYMLINKS 2u

/*
 * openat(@dirfd, @path, @flags | O_CLOEXEC | O_NOCTTY, @mode), resolved with openat2()
 * (RESOLVE_IN_ROOT or RESOLVE_BENEATH, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS with
 * IO_NO_SYMLINKS), or component by component where openat2() is missing. Returns the fd
 * or -errno (-EXDEV: IO_BENEATH and the path leaves @dirfd; -ELOOP: a link where none may
 * be, or too many).
 */
int io_resolve_open(const struct topo_ctx *ctx, int dirfd, const char *path, int flags,
		    mode_t mode, unsigned int how);
/* An O_PATH fd of the directory of @path below the sysroot, and in *name its last
 * component (pointing into @path). */
int io_resolve_parent(const struct topo_ctx *ctx, const char *path, unsigned int how,
		      const char **name);
/* @path without its leading slashes, "." for the root itself */
const char *io_relpath(const char *path);

/* ---- io.c: reads below the sysroot ---------------------------------------------------- */

/* errors of the sysroot I/O besides errno's own (io_strerror() says them) */
#define IO_ENOTREG EMEDIUMTYPE	 /* not a regular file: never read, never written */
#define IO_EUNTRUSTED EKEYREJECTED /* owned by another user, or group/other-writable */
const char *io_strerror(int r);
/*
 * Read a file that steers what a root process does (the configuration): below the sysroot
 * (@below) or at an absolute or relative path. The file, opened O_NOFOLLOW from its directory,
 * must be a regular file, and both must be trusted (io_check_trusted): -IO_EUNTRUSTED else.
 */
int io_read_trusted(struct topo_ctx *ctx, const char *path, bool below, size_t max, char **buf,
		    size_t *len);
/* Open a file below the sysroot for reading (@flags as open(2)), recorded for gather. */
int io_open_file(struct topo_ctx *ctx, const char *path, int flags);

/* Largest file a reader accepts; sysfs attributes are one page, tables a few KiB. */
#define TOPO_ATTR_MAX (64u * 1024u)
#define TOPO_TABLE_MAX (16u * 1024u * 1024u)

/*
 * Read a whole file below the sysroot by content (never trusting st_size, which is 4096 for
 * every sysfs attribute). The buffer is NUL-terminated; *len excludes the NUL.
 * Returns 0, -ENOENT when absent, -EFBIG when longer than @max, or another -errno.
 */
int io_read_file(struct topo_ctx *ctx, const char *path, size_t max, char **buf, size_t *len);
/*
 * A file below the sysroot read again and again (the counters of `tiertopo stat`): open it
 * once, as io_read_file() would (inside the sysroot, O_NONBLOCK, a regular file only: a FIFO,
 * device or socket is -IO_ENOTREG), and keep the fd; io_reread() then reads it whole from
 * offset 0 each time (pread: sysfs and procfs show a file afresh when read at offset 0),
 * one system call where a fresh open costs four. Returns the fd or -errno.
 */
int io_open_reread(struct topo_ctx *ctx, const char *path);
int io_reread(int fd, size_t max, char **buf, size_t *len);
/* Read from an absolute or cwd-relative path outside the sysroot (--acpi-dir). */
int io_read_file_abs(struct topo_ctx *ctx, const char *path, size_t max, char **buf,
		     size_t *len);
/* readlink below the sysroot; *target is malloc'd. */
int io_readlink(struct topo_ctx *ctx, const char *path, char **target);
/* List a directory below the sysroot: sorted names (no . and ..), malloc'd vector; @keep
 * as io_scan_dir(). */
int io_list_dir(struct topo_ctx *ctx, const char *path, bool keep, char ***names, size_t *n);
/*
 * Call @cb(data, name) for each entry of a directory below the sysroot (no . and ..), in
 * the directory's order, without copying or sorting; a negative return of @cb stops the
 * scan and is returned. With @keep, the directory stays open after the scan (even when it
 * failed) and files below @path are opened relative to it until the matching
 * io_pop_dir(): every io_scan_dir(..., true, ...) is paired with one io_pop_dir().
 */
int io_scan_dir(struct topo_ctx *ctx, const char *path, bool keep,
		int (*cb)(void *data, const char *name), void *data);
void io_pop_dir(struct topo_ctx *ctx);
/* Hold a directory open without scanning it (an O_PATH fd), paired with io_pop_dir(). */
int io_hold_dir(struct topo_ctx *ctx, const char *path);
bool io_exists(struct topo_ctx *ctx, const char *path);
void io_record(struct topo_ctx *ctx, const char *path);
void strv_free(char **v, size_t n);

/* ---- trust.c ------------------------------------------------------------------------- */

/*
 * Is what @fd holds (@st) trusted to steer a root process: owned by root or by us, and not
 * writable by group or others (a root-owned directory with the sticky bit, as /tmp, is).
 * Returns 0 or -IO_EUNTRUSTED.
 */
int io_check_trusted(const struct stat *st);
/* The same of what @fd is; with @regular, anything but a regular file is -IO_ENOTREG. */
int io_fd_trusted(int fd, bool regular);
/* What io_open_trusted_dir() or io_check_above_root() refused: the path below the sysroot
 * ("/" for the sysroot itself) or "N level(s) above the sysroot", and its stat. */
struct io_distrust {
	char path[256];
	struct stat st;
	int level;
};
/*
 * Open a directory below the sysroot one component at a time from the root, each a
 * directory (never a link) that io_check_trusted() accepts: an O_RDONLY fd of it, -ENOENT
 * when a component is missing, or -IO_EUNTRUSTED, -ENOTDIR, -ELOOP (a link) with *why
 * naming the component.
 */
int io_open_trusted_dir(struct topo_ctx *ctx, const char *path, struct io_distrust *why);
/* The directories above the sysroot up to the real /, each trusted (io_check_trusted):
 * 0, or -IO_EUNTRUSTED with *why naming the level. */
int io_check_above_root(const struct topo_ctx *ctx, struct io_distrust *why);

/* ---- io-write.c: writes below the sysroot ------------------------------------------- */

/*
 * The run directory below the sysroot (run/tiertopo), created 0755 when missing; an existing
 * one that is a link, not a directory, or not trusted is refused (-ENOTDIR, -ELOOP,
 * -IO_EUNTRUSTED) and the reason logged with its path. Returns an O_PATH fd of it.
 */
int io_run_dir(struct topo_ctx *ctx);

/*
 * Write @len bytes to an existing file below the sysroot (a sysfs or procfs knob, or its
 * copy in a test tree), truncating a regular file first. Returns 0 or -errno.
 */
int io_write_file(struct topo_ctx *ctx, const char *path, const char *data, size_t len);
/*
 * Replace a file below the sysroot atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory; parent directories are created (0755). The old
 * file stays whole if anything fails.
 */
int io_replace_file(struct topo_ctx *ctx, const char *path, const char *data, size_t len,
		    mode_t mode);
/* Create the directories of @path below the sysroot (like mkdir -p of its dirname). */
int io_mkdirs(struct topo_ctx *ctx, const char *path);

/* Tests: replace the write hook (NULL restores plain writes). Not exported. */
void topo_ctx_set_write_hook(struct topo_ctx *ctx, int (*hook)(void *data, const char *path),
			     void *data);

#endif
