/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scope-bound cleanup, after systemd's _cleanup_: every early return frees what it owns.
 */
#ifndef TOPO_CLEANUP_H
#define TOPO_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "libtopo.h"

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand ownership on: returns the pointer and leaves NULL behind. */
#define TAKE_PTR(p)                                                                              \
	({                                                                                       \
		__typeof__(p) _p_ = (p);                                                         \
		(p) = NULL;                                                                      \
		_p_;                                                                             \
	})

/*
 * Per-type cleanup, as systemd's DEFINE_TRIVIAL_CLEANUP_FUNC: _cleanup_(topo_unrefp) drops
 * a reference when the variable goes out of scope (NULL is fine).
 */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                 \
	static inline void func##p(type *p)                                                      \
	{                                                                                        \
		if (*p)                                                                          \
			func(*p);                                                                \
	}

/* Hand an fd on: returns it and leaves -1 behind. */
#define TAKE_FD(fd)                                                                              \
	({                                                                                       \
		int _fd_ = (fd);                                                                 \
		(fd) = -1;                                                                       \
		_fd_;                                                                            \
	})

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

DEFINE_TRIVIAL_CLEANUP_FUNC(struct topo_ctx *, topo_ctx_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct topo *, topo_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct topo_plan *, topo_plan_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct topo_check *, topo_check_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct topo_plan_opts *, topo_plan_opts_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct topo_vmstat *, topo_vmstat_unref)

#endif
