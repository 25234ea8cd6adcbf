/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers the test suites share: fixture trees, the corpus, temporary copies. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdbool.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "libtopo.h"

/* ../shared (TOPO_SHARED_DIR); the test is skipped, with the reason, when it is absent. */
const char *shared_dir_or_skip(void);
/* fixtures/ of the source tree (TOPO_FIXTURES_DIR). */
const char *fixtures_dir(void);

/*
 * Unpack ../shared/corpus/hwloc/NAME.tar.bz2 into a new temporary directory and return the
 * sysroot inside it (the tarball's single top directory). Skips when the corpus is absent.
 */
char *unpack_corpus(const char *name);
/* A private copy of fixtures/sysfs/NAME (or of any directory) that a test may change. */
char *copy_tree(const char *src);
/* Remove a copy_tree() directory and free its name. */
void remove_tree(char *dir);

/* Write @len bytes to @root/@rel, creating the file and its directories (and replacing a
 * symlink). */
void write_file(const char *root, const char *rel, const void *data, size_t len);
void write_str(const char *root, const char *rel, const char *s);

/* Discover @sysroot with the library's log silenced; asserts success. */
struct topo *discover(const char *sysroot, struct topo_ctx **ctx);
/* The first finding whose path is @path (relative to the sysroot), or NULL. */
const struct topo_finding *finding_for_path(const struct topo *topo, const char *path);
size_t count_findings_id(const struct topo *topo, const char *id);

/*
 * Discover @root, plan with the tree's configuration and apply with @flags (the library's log
 * silenced; asserts each step but the apply): topo_apply()'s result. @write_hook (may be NULL)
 * is put in front of every write (topo_ctx_set_write_hook); *seconds (may be NULL) is how
 * long the apply took.
 */
int apply_tree_with(const char *root, unsigned int flags,
		    int (*write_hook)(void *data, const char *path), void *hook_data,
		    struct topo_apply_report **rep, double *seconds);

/* Run a shell command line; returns its exit status (or -1). */
int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
