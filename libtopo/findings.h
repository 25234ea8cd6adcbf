/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Findings: problems in the inputs (garbled sysfs files, bad firmware tables), each with a
 * stable id, a severity, a message an administrator understands and, where there is one,
 * the file it came from. Pure data; used by the readers and by the pure ACPI parsers.
 */
#ifndef TOPO_FINDINGS_H
#define TOPO_FINDINGS_H

#include <stddef.h>

#include "libtopo.h"

struct topo_finding {
	char *id;
	enum topo_severity severity;
	char *message;
	char *path;
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

#endif
