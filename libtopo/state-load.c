/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * topo_plan_load(): a published state file (sinks/state.c writes it) back into a plan, for
 * tools that read the plan without rediscovering. The file is untrusted input: every key is
 * type-checked, node ids are bounded, and the plan must keep the invariants of every plan.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"

static int ints(struct json_object *a, int **v, size_t *n)
{
	size_t len = a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
	*v = NULL;
	*n = 0;
	if (!len)
		return 0;
	*v = calloc(len, sizeof(int));
	if (!*v)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		struct json_object *x = json_object_array_get_idx(a, i);
		if (!json_object_is_type(x, json_type_int))
			return -EINVAL;
		int64_t id = json_object_get_int64(x);
		if (id < 0 || id >= TOPO_MAX_NODES)
			return -EINVAL;
		(*v)[(*n)++] = (int)id;
	}
	return 0;
}

static struct json_object *get(struct json_object *o, const char *key, json_type type)
{
	struct json_object *v = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static bool get_bool(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key, json_type_boolean);
	return v && json_object_get_boolean(v);
}

/*
 * The fallback the state file leaves out (json.c): every node of every tier after @pn's own
 * in tiers[] (plan_tier_lower, as the planner makes it), shared by the tier's nodes.
 */
static int slower_tiers(struct topo_plan *p, struct plan_node *pn)
{
	size_t t = 0;
	while (t < p->n_tiers && (pn->tier < 0 || p->tiers[t].id != pn->tier))
		t++;
	if (t == p->n_tiers)
		return -EINVAL; /* no tier of its own to be slower than */
	if (plan_tier_lower(p, t) < 0)
		return -ENOMEM;
	pn->fallback = p->tiers[t].lower;
	pn->n_fallback = p->tiers[t].n_lower;
	return 0;
}

static int build(struct topo_ctx *ctx, struct json_object *root, struct topo_plan **ret)
{
	struct json_object *nodes = get(root, "nodes", json_type_array);
	struct json_object *tiers = get(root, "tiers", json_type_array);
	struct json_object *meta = get(root, "plan", json_type_object);
	if (!nodes || !tiers || !meta)
		return -EINVAL;

	_cleanup_(topo_unrefp) struct topo *t = topo_new(ctx);
	if (!t)
		return -ENOMEM;
	_cleanup_(topo_plan_unrefp) struct topo_plan *p = plan_new(t, TOPO_PLAN_RECOMMENDED);
	if (!p)
		return -ENOMEM;
	int r = 0;

	struct json_object *k = get(root, "kernel", json_type_object);
	struct json_object *rel = get(k, "release", json_type_string);
	if (rel && !(t->release = strdup(json_object_get_string(rel))))
		r = -ENOMEM;
	struct json_object *model = get(meta, "model", json_type_string);
	p->model = model && !strcmp(json_object_get_string(model), "kernel") ? TOPO_PLAN_KERNEL
									     : TOPO_PLAN_RECOMMENDED;
	struct json_object *prel = get(meta, "kernel_release", json_type_string);
	if (r >= 0 && prel) {
		if (!(p->release = strdup(json_object_get_string(prel))))
			r = -ENOMEM;
		else if (kernel_release_parse(p->release, &p->kmajor, &p->kminor) < 0)
			r = -EINVAL;
		else if ((p->kmodel = kernel_model_for(p->kmajor, p->kminor))) {
			p->kmajor = p->kmodel->major;
			p->kminor = p->kmodel->minor;
		}
	}

	size_t n = json_object_array_length(nodes);
	t->nodes = calloc(n + 1, sizeof(*t->nodes));
	p->nodes = calloc(n + 1, sizeof(*p->nodes));
	if (!t->nodes || !p->nodes)
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct json_object *o = json_object_array_get_idx(nodes, i);
		struct json_object *id = get(o, "node", json_type_int);
		if (!id || json_object_get_int(id) < 0 || json_object_get_int(id) >= TOPO_MAX_NODES ||
		    (i && json_object_get_int(id) <= t->nodes[i - 1].id)) {
			r = -EINVAL;
			break;
		}
		struct topo_node *tn = &t->nodes[i];
		struct plan_node *pn = &p->nodes[i];
		t->n_nodes = p->n_nodes = i + 1;
		tn->id = pn->id = json_object_get_int(id);
		tn->kernel_tier = -1;
		tn->present = tn->online = get_bool(o, "online");
		tn->has_cpu = get_bool(o, "has_cpu");
		tn->has_memory = get_bool(o, "has_memory");
		struct json_object *mem = get(o, "memory_bytes", json_type_int);
		if (mem) {
			tn->mem_total.known = true;
			tn->mem_total.v = (uint64_t)json_object_get_int64(mem);
		}
		pn->member = tn->online && tn->has_memory;
		pn->excluded = get_bool(o, "excluded");
		pn->tier = -1;
		struct json_object *kind = get(o, "kind", json_type_string);
		enum topo_kind kd;
		if (!kind || topo_kind_from_string(json_object_get_string(kind), &kd) < 0) {
			r = -EINVAL;
			break;
		}
		pn->kind = kd;
		struct json_object *ev = get(o, "evidence", json_type_array);
		for (size_t e = 0; r >= 0 && ev && e < json_object_array_length(ev); e++) {
			struct json_object *s = json_object_array_get_idx(ev, e);
			if (!json_object_is_type(s, json_type_string))
				r = -EINVAL;
			else
				r = plan_add_evidence(pn, "%s", json_object_get_string(s));
		}
		struct json_object *ad = get(o, "adistance", json_type_int);
		if (ad) {
			pn->has_adist = true;
			pn->adist = (uint32_t)json_object_get_int64(ad);
		}
		struct json_object *tier = get(o, "tier", json_type_int);
		if (tier)
			pn->tier = json_object_get_int64(tier);
		struct json_object *d = get(o, "demotion", json_type_object);
		if (r >= 0)
			r = ints(get(d, "preferred", json_type_array), &pn->preferred,
				 &pn->n_preferred);
		/* no fallback: every node of every slower tier (set once tiers[] is read) */
		if (d && !json_object_object_get_ex(d, "fallback", NULL))
			pn->fallback_shared = true;
		else if (r >= 0)
			r = ints(get(d, "fallback", json_type_array), &pn->fallback, &pn->n_fallback);
	}
	if (r >= 0) {
		t->max_node_id = t->n_nodes ? t->nodes[t->n_nodes - 1].id : -1;
		t->node_index = malloc(((size_t)t->max_node_id + 2) * sizeof(int));
		if (!t->node_index)
			r = -ENOMEM;
		for (int id = 0; r >= 0 && id <= t->max_node_id; id++)
			t->node_index[id] = -1;
		for (size_t i = 0; r >= 0 && i < t->n_nodes; i++)
			t->node_index[t->nodes[i].id] = (int)i;
	}

	size_t nt = json_object_array_length(tiers);
	p->tiers = calloc(nt + 1, sizeof(*p->tiers));
	if (!p->tiers && r >= 0)
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < nt; i++) {
		struct json_object *o = json_object_array_get_idx(tiers, i);
		struct json_object *id = get(o, "id", json_type_int);
		struct json_object *start = get(o, "adistance_start", json_type_int);
		if (!id || !start || json_object_get_int64(id) < 0 ||
		    json_object_get_int64(id) > UINT32_MAX) {
			r = -EINVAL;
			break;
		}
		struct plan_tier *pt = &p->tiers[p->n_tiers++];
		pt->id = json_object_get_int64(id);
		pt->adistance_start = (unsigned int)json_object_get_int64(start);
		r = ints(get(o, "nodes", json_type_array), &pt->nodes, &pt->n_nodes);
	}
	for (size_t i = 0; r >= 0 && i < p->n_nodes; i++)
		if (p->nodes[i].fallback_shared)
			r = slower_tiers(p, &p->nodes[i]);
	/* a published plan must keep the invariants, and name only its own nodes */
	char *why = NULL;
	if (r >= 0 && plan_verify(p, &why) < 0) {
		err(ctx, "the state file's plan breaks an invariant: %s\n", why ? why : "?");
		r = -EINVAL;
	}
	free(why);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

int topo_plan_load(struct topo_ctx *ctx, const char *path, struct topo_plan **ret)
{
	if (!ctx || !ret)
		return -EINVAL;
	char *text = NULL;
	int r = path ? io_read_file_abs(ctx, path, TOPO_STATE_MAX, &text, NULL)
		     : io_read_file(ctx, TOPO_STATE_PATH, TOPO_STATE_MAX, &text, NULL);
	if (r < 0)
		return r;
	enum json_tokener_error jerr;
	struct json_object *root = json_tokener_parse_verbose(text, &jerr);
	free(text);
	if (!root) {
		err(ctx, "%s is not JSON: %s\n", path ? path : TOPO_STATE_PATH,
		    json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	r = build(ctx, root, ret);
	json_object_put(root);
	if (r == -EINVAL)
		err(ctx, "%s is not a tiertopo state file\n", path ? path : TOPO_STATE_PATH);
	return r;
}
