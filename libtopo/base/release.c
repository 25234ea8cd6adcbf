/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel release strings ("6.12.117+deb12-amd64", "7.3.4+deb13-amd64", "6.8.0-49-generic"):
 * the major and minor numbers the kernel models and the sinks decide by.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

int kernel_release_parse(const char *release, int *major, int *minor)
{
	char *end;
	if (!release)
		return -EINVAL;
	long maj = strtol(release, &end, 10);
	if (end == release || *end != '.' || maj < 2 || maj > 99)
		return -EINVAL;
	const char *p = end + 1;
	long min = strtol(p, &end, 10);
	/* then nothing, or the rest of a release: ".117+deb12-amd64", "-49-generic", "-rc1" */
	if (end == p || min < 0 || min > 999 || (*end && !strchr(".-+_~", *end)))
		return -EINVAL;
	*major = (int)maj;
	*minor = (int)min;
	return 0;
}

int kernel_release_sublevel(const char *release)
{
	int maj, min;
	if (kernel_release_parse(release, &maj, &min) < 0)
		return -EINVAL;
	const char *p = strchr(release, '.') + 1;
	p += strspn(p, "0123456789");
	if (*p != '.' || !strchr("0123456789", p[1]) || !p[1])
		return 0;
	char *end;
	long sub = strtol(p + 1, &end, 10);
	return sub > 0 && sub < 100000 ? (int)sub : 0;
}
