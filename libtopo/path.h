/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef TOPO_PATH_H
#define TOPO_PATH_H

/*
 * Resolve a symlink target against the directory holding the link, lexically (".." and "."
 * collapse; nothing is read). Both are relative to the sysroot; an absolute @target is taken
 * as relative to the sysroot too. Returns a malloc'd path without a leading '/', or NULL
 * on allocation failure. A ".." above the root stays at the root.
 */
char *path_resolve(const char *link_dir, const char *target);
/* The last component of @path (points into @path). */
const char *path_basename(const char *path);

#endif
