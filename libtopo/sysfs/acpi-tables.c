/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The raw ACPI tables that matter for memory: from <sysroot>/sys/firmware/acpi/tables/NAME
 * (root-only on a live system) or from a directory of NAME.dat files (acpixtract -a). The
 * bytes are kept as read; the pure parsers in acpi/ turn them into structures.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs/sysfs.h"

static const char *const table_names[] = {"SRAT", "SLIT", "HMAT", "CEDT", "NFIT"};

static int add_blob(struct topo *topo, const char *name, const char *origin, char *data,
		    size_t len)
{
	struct topo_acpi_blob *v = realloc(topo->tables, (topo->n_tables + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	topo->tables = v;
	struct topo_acpi_blob *b = &v[topo->n_tables];
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->origin = strdup(origin);
	if (!b->origin)
		return -ENOMEM;
	b->data = (uint8_t *)data;
	b->len = len;
	topo->n_tables++;
	return 0;
}

int sysfs_read_acpi_tables(struct topo *topo)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < ELEMENTSOF(table_names); i++) {
		const char *name = table_names[i];
		char *data = NULL;
		size_t len = 0;
		int r;

		if (topo->ctx->acpi_dir) {
			/* acpixtract -a writes srat.dat; accept SRAT.dat too */
			char lower[8];
			for (size_t k = 0; k <= strlen(name); k++)
				lower[k] = (char)(name[k] | (name[k] ? 0x20 : 0));
			snprintf(path, sizeof(path), "%s/%s.dat", topo->ctx->acpi_dir, name);
			r = io_read_file_abs(topo->ctx, path, TOPO_TABLE_MAX, &data, &len);
			if (r == -ENOENT) {
				snprintf(path, sizeof(path), "%s/%s.dat", topo->ctx->acpi_dir, lower);
				r = io_read_file_abs(topo->ctx, path, TOPO_TABLE_MAX, &data, &len);
			}
		} else {
			snprintf(path, sizeof(path), "sys/firmware/acpi/tables/%s", name);
			r = io_read_file(topo->ctx, path, TOPO_TABLE_MAX, &data, &len);
		}
		if (r == -ENOENT)
			continue;
		if (r == -EACCES) {
			findings_add(&topo->findings, "acpi-unreadable", TOPO_SEVERITY_INFO, path,
				     "%s cannot be read without root; firmware checks skipped", path);
			continue;
		}
		if (r < 0) {
			findings_add(&topo->findings, "acpi-unreadable", TOPO_SEVERITY_WARNING, path,
				     "%s cannot be read: %s", path, strerror(-r));
			continue;
		}
		r = add_blob(topo, name, path, data, len);
		if (r < 0) {
			free(data);
			return r;
		}
	}
	return 0;
}
