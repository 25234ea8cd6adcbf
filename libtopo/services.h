/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The services over the model, at libtopo/: config.c (tiertopo.conf), json.c (the JSON
 * documents), check.c (findings and drift) and state-load.c (a published state file back
 * into a plan). They call model/, snapshot/, acpi/ and base/; sinks/ calls them. Their public
 * functions are in include/libtopo.h; what the library shares between them is here, grouped
 * by the file that defines it.
 */
#ifndef TOPO_SERVICES_H
#define TOPO_SERVICES_H

#include "model/model.h"

/* ---- config.c ---------------------------------------------------------------------------- */

/* An entry of [check] ignore: finding @id, on nodes @lo to @hi (-1: any node or none). */
struct config_ignore {
	char *id;
	int lo, hi;
	int line;   /* of the ignore key in the file */
	bool known; /* in the findings catalogue */
};
struct topo_config;
/* The [check] ignore entries of @c into *v, and the file they came from into *path. */
size_t config_ignores(const struct topo_config *c, const struct config_ignore **v,
		      const char **path);

/* ---- json.c ------------------------------------------------------------------------------ */

struct json_object;
struct json_object *finding_json(const struct topo_finding *f);
struct topo_plan;
/* The snapshot with the plan, as topo_plan_to_json() prints it; the caller puts it. */
struct json_object *plan_document_json(const struct topo_plan *plan);
/* Serialize and drop @root; *out is malloc'd. */
int json_to_string(struct json_object *root, unsigned int flags, char **out);

#endif
