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

/* ---- json.c ------------------------------------------------------------------------------ */

struct json_object;
struct json_object *finding_json(const struct topo_finding *f);
struct topo_plan;
/* The snapshot (with @plan, the plan's decisions too) as a json-c tree, the text that
 * topo_plan_to_json() prints without building one; @state: the state file's form (no SLIT
 * distances, no HMAT matrix, no fallback list that tiers[] gives). The caller puts it. */
struct json_object *document_tree(const struct topo *topo, const struct topo_plan *plan,
				  bool state);
/* The state file's document: the snapshot with the plan, in the state file's form. */
struct json_object *plan_document_json(const struct topo_plan *plan);
/* Serialize and drop @root; *out is malloc'd. */
int json_to_string(struct json_object *root, unsigned int flags, char **out);

#endif
