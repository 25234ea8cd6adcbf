/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The planner: snapshot + options -> a verified plan. It runs the decisions in their order
 * (classify, tiers, demotion targets, each as the modelled kernel release makes them) and
 * checks the invariants every plan must keep before handing it out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

static int verr(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int verr(char **why, const char *fmt, ...)
{
	if (why) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(why, fmt, ap) < 0)
			*why = NULL;
		va_end(ap);
	}
	return -EINVAL;
}

/* depth-first search for a cycle over preferred and fallback edges */
static bool has_cycle(const struct topo_plan *plan, size_t i, unsigned char *state)
{
	state[i] = 1;
	const struct plan_node *pn = &plan->nodes[i];
	const int *lists[] = {pn->preferred, pn->fallback};
	size_t lens[] = {pn->n_preferred, pn->n_fallback};
	for (int l = 0; l < 2; l++)
		for (size_t k = 0; k < lens[l]; k++) {
			int idx = plan->topo->node_index[lists[l][k]];
			if (state[idx] == 1 || (state[idx] == 0 && has_cycle(plan, (size_t)idx, state)))
				return true;
		}
	state[i] = 2;
	return false;
}

int plan_verify(const struct topo_plan *plan, char **why)
{
	bool pass_model = plan->model == TOPO_PLAN_KERNEL && !KERNEL_AT_LEAST(plan, 6, 1);
	if (why)
		*why = NULL;

	for (size_t i = 0; i < plan->n_nodes; i++) {
		const struct plan_node *pn = &plan->nodes[i];
		const int *lists[] = {pn->preferred, pn->fallback};
		size_t lens[] = {pn->n_preferred, pn->n_fallback};
		if ((pn->n_preferred || pn->n_fallback) && pn->excluded)
			return verr(why, "node %d is excluded from demotion but has targets", pn->id);
		for (int l = 0; l < 2; l++)
			for (size_t k = 0; k < lens[l]; k++) {
				int t = lists[l][k];
				const struct plan_node *tn =
					t >= 0 && t <= plan->topo->max_node_id &&
							plan->topo->node_index[t] >= 0
						? &plan->nodes[plan->topo->node_index[t]]
						: NULL;
				if (!tn)
					return verr(why, "node %d demotes to node %d, which does not "
							 "exist", pn->id, t);
				if (!tn->member)
					return verr(why, "node %d demotes to node %d, which is offline "
							 "or has no memory", pn->id, t);
				if (tn->excluded)
					return verr(why, "node %d demotes to excluded node %d", pn->id,
						    t);
				if (pn->tier < 0 || tier_order(tn->tier) <= tier_order(pn->tier))
					return verr(why, "node %d (tier %lld) demotes to node %d (tier "
							 "%lld), which is not in a slower tier",
						    pn->id, (long long)pn->tier, t,
						    (long long)tn->tier);
			}
		if (!pass_model && pn->member && !pn->excluded && pn->tier >= 0 &&
		    !pn->n_preferred && plan->n_tiers &&
		    plan->tiers[plan->n_tiers - 1].id != pn->tier)
			return verr(why, "node %d is in tier %lld, not the slowest, but has no "
					 "preferred target", pn->id, (long long)pn->tier);
	}

	unsigned char *state = calloc(plan->n_nodes + 1, 1);
	if (!state)
		return -ENOMEM;
	for (size_t i = 0; i < plan->n_nodes; i++)
		if (!state[i] && has_cycle(plan, i, state)) {
			free(state);
			return verr(why, "the demotion graph has a cycle through node %d",
				    plan->nodes[i].id);
		}
	free(state);
	return 0;
}

/* Tiers and demotion targets, as the modelled release makes them (the recommended plan as
 * the memory-tier releases do, with its own adistances). */
static int plan_tiers_and_targets(struct topo_plan *plan, const struct topo_plan_opts *opts)
{
	/* memory tiers and demotion are NUMA code: a kernel without NUMA has neither */
	if (plan->model == TOPO_PLAN_KERNEL &&
	    (!KERNEL_AT_LEAST(plan, 5, 15) || plan->topo->no_numa))
		return 0; /* no demotion, no tiers */
	if (plan->model == TOPO_PLAN_KERNEL && !KERNEL_AT_LEAST(plan, 6, 1)) {
		/* the node_demotion[] era: the passes give the targets, and the tiers */
		int r = migrate_pass_targets(plan);
		return r < 0 ? r : plan_build_tiers(plan);
	}
	int r = plan_assign_tiers(plan, opts);
	return r < 0 ? r : establish_demotion_targets(plan);
}

int topo_plan_new(const struct topo *ctopo, enum topo_plan_model model, const char *release,
		  const struct topo_plan_opts *opts, struct topo_plan **ret)
{
	if (!ctopo || !ret || (model != TOPO_PLAN_RECOMMENDED && model != TOPO_PLAN_KERNEL))
		return -EINVAL;
	struct topo *topo = (struct topo *)ctopo; /* only the reference count changes */
	_cleanup_(topo_plan_unrefp) struct topo_plan *plan = plan_new(topo, model);
	if (!plan)
		return -ENOMEM;

	int r;
	if (model == TOPO_PLAN_KERNEL) {
		if (!release)
			release = topo->release;
		if (!release) {
			err(topo->ctx, "no kernel release to model: the sysroot has no "
				       "proc/sys/kernel/osrelease; name one\n");
			return -ENODATA;
		}
		int major, minor;
		if (kernel_release_parse(release, &major, &minor) < 0) {
			err(topo->ctx, "'%s' is not a kernel release such as 6.12 or "
				       "6.8.0-49-generic\n",
			    release);
			return -EINVAL;
		}
		/* the model of the first release that behaves as this one does */
		plan->kmodel = kernel_model_for(major, minor);
		if (!plan->kmodel) {
			err(topo->ctx, "kernel %s has no demotion and no memory tiers (they came in "
				       "%s): there is nothing to model\n",
			    release, kernel_models[0].name);
			return -EOPNOTSUPP;
		}
		plan->kmajor = plan->kmodel->major;
		plan->kminor = plan->kmodel->minor;
		plan->release = strdup(release);
		if (!plan->release)
			return -ENOMEM;
		plan->adist_long_forced = opts && opts->adist_long;
	}

	plan->n_nodes = topo->n_nodes;
	plan->nodes = calloc(plan->n_nodes + 1, sizeof(*plan->nodes));
	if (!plan->nodes)
		return -ENOMEM;
	for (size_t i = 0; i < plan->n_nodes; i++) {
		struct plan_node *pn = &plan->nodes[i];
		const struct topo_node *n = &topo->nodes[i];
		pn->id = n->id;
		pn->tier = -1;
		pn->member = n->online && n->has_memory;
		/* the kernel knows nothing of tiertopo's exclusions */
		for (size_t k = 0; opts && model == TOPO_PLAN_RECOMMENDED && k < opts->n_excluded; k++)
			pn->excluded |= opts->excluded[k] == n->id;
	}

	/* ties between targets are broken by node_load[]: the kernel's, from its log, else
	 * simulated (5.15/5.16 print no zonelists; the log may be unreadable or rotated) */
	const char *hot = NULL;
	if (model == TOPO_PLAN_KERNEL && (plan->node_load = node_load_from_log(topo))) {
		findings_add(&plan->findings, "plan-node-load-from-log", TOPO_SEVERITY_INFO, "dev/kmsg",
			     "ties between demotion targets are broken as the kernel does, with the "
			     "node_load[] of its last zonelist rebuild (its \"Fallback order\" lines)");
	} else if (model == TOPO_PLAN_KERNEL) {
		bool hotplug = memory_hotplugged(topo, &hot);
		plan->node_load = node_load_simulate(topo, plan->kmajor, plan->kminor, hotplug,
						     NULL, NULL);
		if (plan->node_load && hotplug)
			findings_add(&plan->findings, "plan-node-load-simulated", TOPO_SEVERITY_INFO,
				     NULL,
				     "the kernel log has no zonelists: ties between demotion targets "
				     "are broken with a simulated node_load[], of the rebuild when "
				     "%s's memory was onlined (nodes with cpus penalised)",
				     hot);
		else if (plan->node_load)
			findings_add(&plan->findings, "plan-node-load-simulated", TOPO_SEVERITY_INFO,
				     NULL,
				     "the kernel log has no zonelists: ties between demotion targets "
				     "are broken with a simulated node_load[], of the boot build "
				     "(on x86 without the penalty of nodes with cpus)");
	}

	r = classify_nodes(plan, opts);
	if (r >= 0)
		r = plan_tiers_and_targets(plan, opts);
	if (r < 0)
		return r;

	_cleanup_free_ char *why = NULL;
	r = plan_verify(plan, &why);
	if (r < 0) {
		/* a plan that breaks the invariants is a bug: never hand it out */
		err(topo->ctx, "internal error, plan rejected: %s\n", why ? why : "(no reason)");
		return r;
	}
	*ret = TAKE_PTR(plan);
	return 0;
}

int topo_plan_verify(const struct topo_plan *plan, char **why)
{
	return plan ? plan_verify(plan, why) : -EINVAL;
}
