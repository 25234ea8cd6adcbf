/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Typed readers: one sysfs or procfs file to one value. A missing file is "unknown" and
 * silent; a file that exists but holds garbage becomes a finding that names the path and
 * shows what was in it, and the value stays unknown.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs/sysfs.h"

/* Show at most this much of a bad file in a finding. */
#define SHOW_MAX 64

void finding_garbled(struct topo *topo, const char *path, const char *content,
		     const char *expected)
{
	char shown[SHOW_MAX * 4 + 8];
	size_t o = 0, i, len = strlen(content);
	/* the newline every sysfs value ends with is not part of what is wrong */
	if (len && content[len - 1] == '\n')
		len--;
	for (i = 0; i < len && i < SHOW_MAX; i++) {
		unsigned char c = (unsigned char)content[i];
		if (c == '\n')
			o += (size_t)snprintf(shown + o, sizeof(shown) - o, "\\n");
		else if (isprint(c))
			shown[o++] = (char)c;
		else
			o += (size_t)snprintf(shown + o, sizeof(shown) - o, "\\x%02x", c);
	}
	if (i < len)
		o += (size_t)snprintf(shown + o, sizeof(shown) - o, "...");
	shown[o] = '\0';
	if (!len)
		findings_add(&topo->findings, "sysfs-empty", TOPO_SEVERITY_WARNING, path,
			     "/%s is empty, expected %s", path, expected);
	else
		findings_add(&topo->findings, "sysfs-garbled", TOPO_SEVERITY_WARNING, path,
			     "/%s holds \"%s\", expected %s", path, shown, expected);
}

/* Read a file; report oversized and unreadable files. Returns 0, -ENOENT or -EINVAL. */
static int read_raw(struct topo *topo, const char *path, char **buf)
{
	size_t len = 0;
	int r = io_read_file(topo->ctx, path, TOPO_ATTR_MAX, buf, &len);
	if (r == -ENOENT || r == -ENOTDIR)
		return -ENOENT;
	if (r == -EFBIG) {
		findings_add(&topo->findings, "sysfs-oversized", TOPO_SEVERITY_WARNING, path,
			     "/%s is larger than %u bytes; ignored", path, TOPO_ATTR_MAX);
		return -EINVAL;
	}
	if (r == -IO_ENOTREG) {
		findings_add(&topo->findings, "sysfs-not-regular", TOPO_SEVERITY_WARNING, path,
			     "/%s is %s; ignored", path, io_strerror(r));
		return -EINVAL;
	}
	if (r < 0) {
		findings_add(&topo->findings, "sysfs-unreadable", TOPO_SEVERITY_WARNING, path,
			     "/%s cannot be read: %s", path, io_strerror(r));
		return -EINVAL;
	}
	/* old kernels ended node lists with "\n\0": trailing NULs are harmless */
	while (len > 0 && (*buf)[len - 1] == '\0')
		len--;
	if (strlen(*buf) != len) {
		findings_add(&topo->findings, "sysfs-garbled", TOPO_SEVERITY_WARNING, path,
			     "/%s holds a NUL byte at offset %zu of %zu; ignored", path,
			     strlen(*buf), len);
		free(*buf);
		*buf = NULL;
		return -EINVAL;
	}
	return 0;
}

static void rstrip(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

int read_trimmed(struct topo *topo, const char *path, char **value)
{
	_cleanup_free_ char *b = NULL;
	int r = read_raw(topo, path, &b);
	if (r < 0)
		return r;
	rstrip(b);
	*value = TAKE_PTR(b);
	return 0;
}

int read_u64(struct topo *topo, const char *path, int base, uint64_t *value)
{
	_cleanup_free_ char *b = NULL;
	int r = read_raw(topo, path, &b);
	if (r < 0)
		return r;

	const char *p = b;
	while (*p == ' ')
		p++;
	char *end = NULL;
	errno = 0;
	unsigned long long v = (*p == '-' || !*p) ? 0 : strtoull(p, &end, base);
	if (*p == '-' || !end || end == p || errno) {
		finding_garbled(topo, path, b, base == 16 ? "a hexadecimal number" : "a number");
		return -EINVAL;
	}
	while (*end == ' ' || *end == '\n')
		end++;
	if (*end) {
		finding_garbled(topo, path, b, base == 16 ? "a hexadecimal number" : "a number");
		return -EINVAL;
	}
	*value = v;
	return 0;
}

int read_perf_figure(struct topo *topo, const char *path, struct opt_u64 *figure)
{
	uint64_t v;
	int r = read_u64(topo, path, 10, &v);
	if (r < 0)
		return r;
	if (v > UINT32_MAX) {
		finding_garbled(topo, path, "(value above 4294967295)",
				"a 32-bit number as the kernel prints it");
		return -EINVAL;
	}
	figure->known = true;
	figure->v = v;
	return 0;
}

int read_int(struct topo *topo, const char *path, int *value)
{
	_cleanup_free_ char *b = NULL;
	int r = read_raw(topo, path, &b);
	if (r < 0)
		return r;
	char *end = NULL;
	errno = 0;
	long v = strtol(b, &end, 10);
	if (end == b || errno || v < INT_MIN || v > INT_MAX) {
		finding_garbled(topo, path, b, "an integer");
		return -EINVAL;
	}
	while (*end == ' ' || *end == '\n')
		end++;
	if (*end) {
		finding_garbled(topo, path, b, "an integer");
		return -EINVAL;
	}
	*value = (int)v;
	return 0;
}

int read_bool(struct topo *topo, const char *path, bool *value)
{
	_cleanup_free_ char *b = NULL;
	int r = read_raw(topo, path, &b);
	if (r < 0)
		return r;
	rstrip(b);
	/* the kernel prints true/false; kstrtobool spellings are accepted too */
	static const char *const yes[] = {"true", "1", "y", "Y", "on"};
	static const char *const no[] = {"false", "0", "n", "N", "off"};
	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (!strcmp(b, yes[i])) {
			*value = true;
			return 0;
		}
		if (!strcmp(b, no[i])) {
			*value = false;
			return 0;
		}
	}
	finding_garbled(topo, path, b, "true or false");
	return -EINVAL;
}

int read_nodelist(struct topo *topo, const char *path, struct nodemask *mask)
{
	_cleanup_free_ char *b = NULL;
	int r = read_raw(topo, path, &b);
	if (r < 0)
		return r;
	if (nodemask_parse(b, mask) < 0) {
		finding_garbled(topo, path, b, "a node list such as 0-3,8 (ids below 1024)");
		return -EINVAL;
	}
	return 0;
}
