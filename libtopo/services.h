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
/* The snapshot (with @plan, the plan's decisions too) as a json-c tree, the text that
 * topo_plan_to_json() prints without building one; @state: the state file's form (no SLIT
 * distances, no HMAT matrix, no fallback list that tiers[] gives). The caller puts it. */
struct json_object *document_tree(const struct topo *topo, const struct topo_plan *plan,
				  bool state);
/* A knob's value in the state file: null (unknown), a boolean or an integer. */
struct state_knob {
	bool known, boolean;
	int64_t v;
};
/* The knobs as the apply leaves them, which the state file holds instead of the snapshot's. */
struct state_knobs {
	struct state_knob demotion_enabled, numa_balancing, promote_rate_limit;
	struct state_knob *interleave_weight; /* per entry of the snapshot's nodes[] */
};
/* The state file's text (compact, with a final newline; *text malloc'd): the snapshot with
 * the plan in the state file's form, with @knobs, without memory_free_bytes. */
int state_document(const struct topo_plan *plan, const struct state_knobs *knobs, char **text,
		   size_t *len);
/* Serialize and drop @root; *out is malloc'd. */
int json_to_string(struct json_object *root, unsigned int flags, char **out);

#endif
