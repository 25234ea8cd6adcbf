/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plan object: its options, its nodes with their kind names and evidence, its life and
 * its accessors. The decisions that fill it live in classify.c, tiers.c and demote.c, and
 * planner.c runs them.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

int topo_plan_opts_new(struct topo_plan_opts **opts)
{
	if (!opts)
		return -EINVAL;
	*opts = calloc(1, sizeof(**opts));
	return *opts ? 0 : -ENOMEM;
}

void topo_plan_opts_free(struct topo_plan_opts *opts)
{
	if (!opts)
		return;
	free(opts->kinds);
	free(opts->adists);
	free(opts->excluded);
	free(opts);
}

static bool valid_node(int node)
{
	return node >= 0 && node < TOPO_MAX_NODES;
}

int topo_plan_opts_set_kind(struct topo_plan_opts *opts, int node, enum topo_kind kind)
{
	if (!opts || !valid_node(node) || (unsigned int)kind > TOPO_KIND_GPU)
		return -EINVAL;
	for (size_t i = 0; i < opts->n_kinds; i++)
		if (opts->kinds[i].node == node) {
			opts->kinds[i].kind = kind;
			return 0;
		}
	struct opt_kind *v = realloc(opts->kinds, (opts->n_kinds + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	opts->kinds = v;
	v[opts->n_kinds++] = (struct opt_kind){node, kind};
	return 0;
}

int topo_plan_opts_set_adistance(struct topo_plan_opts *opts, int node, unsigned int adistance)
{
	if (!opts || !valid_node(node) || adistance > INT32_MAX)
		return -EINVAL;
	for (size_t i = 0; i < opts->n_adists; i++)
		if (opts->adists[i].node == node) {
			opts->adists[i].adistance = adistance;
			return 0;
		}
	struct opt_adist *v = realloc(opts->adists, (opts->n_adists + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	opts->adists = v;
	v[opts->n_adists++] = (struct opt_adist){node, adistance};
	return 0;
}

int topo_plan_opts_exclude(struct topo_plan_opts *opts, int node)
{
	if (!opts || !valid_node(node))
		return -EINVAL;
	for (size_t i = 0; i < opts->n_excluded; i++)
		if (opts->excluded[i] == node)
			return 0;
	int *v = realloc(opts->excluded, (opts->n_excluded + 1) * sizeof(int));
	if (!v)
		return -ENOMEM;
	opts->excluded = v;
	v[opts->n_excluded++] = node;
	return 0;
}

static const char *const kind_names[] = {
	[TOPO_KIND_UNKNOWN] = "unknown", [TOPO_KIND_DRAM] = "DRAM",
	[TOPO_KIND_PMEM] = "PMEM",	 [TOPO_KIND_HBM] = "HBM",
	[TOPO_KIND_CXL_DRAM] = "CXL-DRAM", [TOPO_KIND_CXL_PMEM] = "CXL-PMEM",
	[TOPO_KIND_SPM] = "SPM",	 [TOPO_KIND_GPU] = "GPU",
};

const char *topo_kind_to_string(enum topo_kind kind)
{
	return (unsigned int)kind < ELEMENTSOF(kind_names) ? kind_names[kind] : "unknown";
}

int topo_kind_from_string(const char *name, enum topo_kind *kind)
{
	for (size_t i = 0; i < ELEMENTSOF(kind_names); i++)
		if (name && !strcasecmp(name, kind_names[i])) {
			*kind = (enum topo_kind)i;
			return 0;
		}
	return -EINVAL;
}

int plan_add_evidence(struct plan_node *n, const char *fmt, ...)
{
	char **v = realloc(n->evidence, (n->n_evidence + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	n->evidence = v;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&v[n->n_evidence], fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	n->n_evidence++;
	return 0;
}

struct plan_node *plan_node(struct topo_plan *plan, int id)
{
	const struct topo *topo = plan->topo;
	if (id < 0 || id > topo->max_node_id || topo->node_index[id] < 0)
		return NULL;
	return &plan->nodes[topo->node_index[id]];
}

static const struct plan_node *cplan_node(const struct topo_plan *plan, int id)
{
	return plan ? plan_node((struct topo_plan *)plan, id) : NULL;
}

struct topo_plan *plan_new(struct topo *topo, enum topo_plan_model model)
{
	struct topo_plan *plan = calloc(1, sizeof(*plan));
	if (!plan)
		return NULL;
	plan->refcount = 1;
	plan->topo = topo_ref(topo);
	plan->model = model;
	return plan;
}

void plan_free(struct topo_plan *plan)
{
	for (size_t i = 0; i < plan->n_nodes; i++) {
		struct plan_node *pn = &plan->nodes[i];
		strv_free(pn->evidence, pn->n_evidence);
		free(pn->preferred);
		if (!pn->fallback_shared)
			free(pn->fallback);
	}
	free(plan->nodes);
	for (size_t i = 0; i < plan->n_tiers; i++) {
		free(plan->tiers[i].nodes);
		free(plan->tiers[i].lower);
	}
	free(plan->tiers);
	findings_clear(&plan->findings);
	free(plan->node_load);
	free(plan->release);
	topo_unref(plan->topo);
	free(plan);
}

struct topo_plan *topo_plan_ref(struct topo_plan *plan)
{
	if (plan)
		plan->refcount++;
	return plan;
}

struct topo_plan *topo_plan_unref(struct topo_plan *plan)
{
	if (plan && --plan->refcount == 0)
		plan_free(plan);
	return NULL;
}

enum topo_plan_model topo_plan_get_model(const struct topo_plan *plan)
{
	return plan ? plan->model : TOPO_PLAN_RECOMMENDED;
}

const char *topo_plan_get_kernel_release(const struct topo_plan *plan)
{
	return plan ? plan->release : NULL;
}

const char *topo_plan_get_kernel_model(const struct topo_plan *plan)
{
	return plan && plan->kmodel ? plan->kmodel->name : NULL;
}

enum topo_kind topo_plan_get_kind(const struct topo_plan *plan, int node)
{
	const struct plan_node *pn = cplan_node(plan, node);
	return pn ? pn->kind : TOPO_KIND_UNKNOWN;
}

size_t topo_plan_get_evidence_count(const struct topo_plan *plan, int node)
{
	const struct plan_node *pn = cplan_node(plan, node);
	return pn ? pn->n_evidence : 0;
}

const char *topo_plan_get_evidence(const struct topo_plan *plan, int node, size_t index)
{
	const struct plan_node *pn = cplan_node(plan, node);
	return pn && index < pn->n_evidence ? pn->evidence[index] : NULL;
}

int topo_plan_get_adistance(const struct topo_plan *plan, int node, unsigned int *adistance)
{
	const struct plan_node *pn = cplan_node(plan, node);
	if (!pn)
		return -EINVAL;
	if (!pn->has_adist)
		return -ENODATA;
	if (adistance)
		*adistance = pn->adist;
	return 0;
}

int topo_plan_get_tier(const struct topo_plan *plan, int node)
{
	const struct plan_node *pn = cplan_node(plan, node);
	if (!pn)
		return -EINVAL;
	if (pn->tier < 0 || !pn->member)
		return -ENODATA;
	return pn->tier <= INT_MAX ? (int)pn->tier : -ERANGE;
}

int topo_plan_get_tier_id(const struct topo_plan *plan, int node, uint32_t *tier_id)
{
	const struct plan_node *pn = cplan_node(plan, node);
	if (!pn)
		return -EINVAL;
	if (pn->tier < 0 || !pn->member)
		return -ENODATA;
	if (tier_id)
		*tier_id = (uint32_t)pn->tier;
	return 0;
}

int topo_plan_get_tier_id_at(const struct topo_plan *plan, size_t index, uint32_t *tier_id,
			     int32_t *adistance_start)
{
	if (!plan || index >= plan->n_tiers)
		return -EINVAL;
	const struct plan_tier *t = &plan->tiers[index];
	if (tier_id)
		*tier_id = (uint32_t)t->id;
	if (adistance_start)
		*adistance_start = (int32_t)(tier_order(t->id) * (int64_t)MEMTIER_CHUNK_SIZE);
	return 0;
}

size_t topo_plan_get_tier_count(const struct topo_plan *plan)
{
	return plan ? plan->n_tiers : 0;
}

int topo_plan_get_tier_info(const struct topo_plan *plan, size_t index, int *tier_id,
			    unsigned int *adistance_start, const int **nodes, size_t *n_nodes)
{
	if (!plan || index >= plan->n_tiers)
		return -EINVAL;
	const struct plan_tier *t = &plan->tiers[index];
	if (tier_id)
		*tier_id = t->id <= INT_MAX ? (int)t->id : -1;
	if (adistance_start)
		*adistance_start = t->adistance_start;
	if (nodes)
		*nodes = t->nodes;
	if (n_nodes)
		*n_nodes = t->n_nodes;
	return t->id <= INT_MAX ? 0 : -ERANGE;
}

size_t topo_plan_get_preferred(const struct topo_plan *plan, int node, const int **targets)
{
	const struct plan_node *pn = cplan_node(plan, node);
	if (!pn)
		return 0;
	if (targets)
		*targets = pn->preferred;
	return pn->n_preferred;
}

size_t topo_plan_get_fallback(const struct topo_plan *plan, int node, const int **targets)
{
	const struct plan_node *pn = cplan_node(plan, node);
	if (!pn)
		return 0;
	if (targets)
		*targets = pn->fallback;
	return pn->n_fallback;
}

bool topo_plan_has_demotion(const struct topo_plan *plan)
{
	for (size_t i = 0; plan && i < plan->n_nodes; i++)
		if (plan->nodes[i].n_preferred)
			return true;
	return false;
}

size_t topo_plan_get_finding_count(const struct topo_plan *plan)
{
	return plan ? plan->findings.n : 0;
}

const struct topo_finding *topo_plan_get_finding(const struct topo_plan *plan, size_t index)
{
	return plan && index < plan->findings.n ? &plan->findings.v[index] : NULL;
}

int plan_tier_lower(struct topo_plan *plan, size_t t)
{
	if (plan->tiers[t].lower)
		return 0;
	struct nodemask lower = {{0}};
	for (size_t s = t + 1; s < plan->n_tiers; s++)
		for (size_t k = 0; k < plan->tiers[s].n_nodes; k++)
			nodemask_set(&lower, (unsigned int)plan->tiers[s].nodes[k]);
	int *v = malloc((nodemask_weight(&lower) + 1) * sizeof(int));
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (unsigned int id = 0; id < TOPO_MAX_NODES; id++)
		if (nodemask_test(&lower, id))
			v[k++] = (int)id;
	plan->tiers[t].lower = v;
	plan->tiers[t].n_lower = k;
	return 0;
}
