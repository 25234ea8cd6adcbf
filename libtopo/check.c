/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo check: what is wrong with this machine's tiering, in sentences an administrator
 * understands. The snapshot's own findings come first; then drift: what the kernel did
 * (memory_tiering, its logged demotion targets, the knobs) against the model of the
 * running kernel and against the recommended plan.
 *
 * Finding ids (stable):
 *   kernel-release-unknown          info     no osrelease: no kernel model to compare with
 *   kernel-release-before-tiering   info     a release before 5.15: no demotion to compare
 *   cpu-node-slow-memory            warning  a node with CPUs is classified as slower memory
 *   drift-kernel-model-tier         warning  the kernel's tier of a node is not the model's
 *   drift-kernel-model-targets      warning  the kernel's logged targets are not the model's
 *   drift-kernel-adistance-64bit    warning  the kernel's tier of a node is what 64-bit arithmetic
 *                                            gives, where its release says 32 (a backport of
 *                                            the overflow fix the release string does not show)
 *   drift-slow-memory-in-dram-tier  warning  slow memory shares the tier of DRAM nodes
 *   drift-fast-memory-in-dram-tier  warning  memory faster than DRAM (HBM) shares their tier
 *   drift-tier-order                warning  the kernel orders two nodes against the plan
 *   drift-socket-tier-split         warning  two CPU sockets' DRAM the plan keeps together is in
 *                                            two kernel tiers (6.11+, HMAT figures a few
 *                                            percent apart): one socket demotes into the other
 *   drift-demotion-disabled         warning  demotion is off though slower tiers exist
 *   drift-no-tiering-promotion      info     NUMA balancing does not promote from slow tiers
 *   drift-demotion-into-gpu-memory  warning  the kernel demotes (or, as modelled, would
 *                                            demote) into a node that is GPU memory
 *   drift-promotion-top-tier        warning  with NUMA balancing's memory-tiering mode on, the
 *                                            running kernel counts a node as top tier (never
 *                                            promotes from it) that the plan promotes from,
 *                                            or the other way round
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"

struct topo_check {
	struct findings findings;
	struct nodemask cpu_slow; /* nodes of cpu-node-slow-memory */
};

static int copy_findings(struct findings *dst, const struct findings *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct topo_finding *f = &src->v[i];
		int r = findings_add(dst, f->id, f->severity, f->path, "%s", f->message);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool same_ids(const int *a, size_t na, const int *b, size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(int)));
}

static bool slow_kind(enum topo_kind k)
{
	return k == TOPO_KIND_PMEM || k == TOPO_KIND_CXL_PMEM || k == TOPO_KIND_CXL_DRAM;
}

/* the table a piece of evidence comes from ("SRAT: ..."), as a path below the sysroot */
static const char *evidence_table(const char *e)
{
	static const char *const tables[][2] = {
		{"SRAT:", "sys/firmware/acpi/tables/SRAT"},
		{"NFIT:", "sys/firmware/acpi/tables/NFIT"},
		{"CEDT:", "sys/firmware/acpi/tables/CEDT"},
	};
	for (size_t i = 0; e && i < ELEMENTSOF(tables); i++)
		if (!strncmp(e, tables[i][0], strlen(tables[i][0])))
			return tables[i][1];
	return NULL;
}

/*
 * A node with CPUs that the plan classifies as slower memory (PMEM, CXL): nearly always a
 * firmware flag set by mistake (SRAT's non-volatile bit on the range of a CPU node, say),
 * and costly: the node's own CPUs get slow-tier treatment and the DRAM nodes demote onto
 * it. An override is the administrator's word and is not questioned.
 */
static void cpu_nodes_as_slow_memory(struct topo_check *c, const struct topo *topo,
				     const struct topo_plan *plan)
{
	int dram_tier = -1;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		int t = topo_plan_get_tier(plan, topo->nodes[i].id);
		if (topo->nodes[i].has_memory &&
		    topo_plan_get_kind(plan, topo->nodes[i].id) == TOPO_KIND_DRAM && t >= 0 &&
		    (dram_tier < 0 || t < dram_tier))
			dram_tier = t;
	}
	for (size_t i = 0; i < topo->n_nodes; i++) {
		const struct topo_node *n = &topo->nodes[i];
		enum topo_kind kind = topo_plan_get_kind(plan, n->id);
		size_t ne = topo_plan_get_evidence_count(plan, n->id);
		const char *first = ne ? topo_plan_get_evidence(plan, n->id, 0) : NULL;
		if (!n->has_cpu || !n->has_memory || !slow_kind(kind) ||
		    (first && !strncmp(first, "override", 8)))
			continue;
		/* why: the evidence, strongest first */
		char why[1024] = "";
		for (size_t k = 0, o = 0; k < ne && o < sizeof(why); k++)
			o += (size_t)snprintf(why + o, sizeof(why) - o, "%s%s", k ? "; " : "",
					      topo_plan_get_evidence(plan, n->id, k));
		/* what it costs: the nodes that demote onto it */
		int onto[64];
		size_t n_onto = 0;
		for (size_t j = 0; j < topo->n_nodes && n_onto < ELEMENTSOF(onto); j++) {
			const int *v;
			size_t nv = topo_plan_get_preferred(plan, topo->nodes[j].id, &v);
			for (size_t k = 0; k < nv; k++)
				if (v[k] == n->id && n_onto < ELEMENTSOF(onto))
					onto[n_onto++] = topo->nodes[j].id;
		}
		char *list = nodelist_format(onto, n_onto);
		int tier = topo_plan_get_tier(plan, n->id);
		char cost[256] = "";
		if (tier >= 0 && dram_tier >= 0 && tier > dram_tier)
			snprintf(cost, sizeof(cost),
				 "; so the plan puts it in tier %d, below the DRAM tier %d%s%s", tier,
				 dram_tier, n_onto ? ", and demotes node(s) onto it: " : "",
				 n_onto && list ? list : "");
		findings_add(&c->findings, "cpu-node-slow-memory", TOPO_SEVERITY_WARNING,
			     evidence_table(first),
			     "node %d has %zu CPU(s) but is classified as %s, slower memory, "
			     "because %s%s. A node with CPUs is nearly always DRAM: the firmware "
			     "likely marks it wrongly. If it is DRAM, say so in tiertopo.conf "
			     "([node %d] kind = DRAM)",
			     n->id, n->n_cpus, topo_kind_to_string(kind), why[0] ? why : "of no evidence",
			     cost, n->id);
		nodemask_set(&c->cpu_slow, (unsigned int)n->id);
		free(list);
	}
}

/*
 * The same kernel with the abstract distance in 64 bits: a release before the overflow fix's
 * (6.7-6.16 without a stable backport the release string shows) whose kernel carries it all
 * the same (a distribution's backport, or a stable release counted from elsewhere). NULL where
 * the model computes in 64 bits already, or without memory.
 */
static struct topo_plan *model_adist_long(const struct topo *topo, const struct topo_plan *model)
{
	if (plan_adist_long(model) || !KERNEL_AT_LEAST(model, 6, 7))
		return NULL;
	struct topo_plan_opts opts = {.adist_long = true};
	struct topo_plan *p = NULL;
	if (topo_plan_new(topo, TOPO_PLAN_KERNEL, topo_plan_get_kernel_release(model), &opts, &p) < 0)
		return NULL;
	return p;
}

/* the kernel's tiers and logged targets against what the model of that kernel says */
static void drift_against_model(struct topo_check *c, const struct topo *topo,
				const struct topo_plan *model)
{
	const char *rel = topo_plan_get_kernel_release(model);
	_cleanup_(topo_plan_unrefp) struct topo_plan *wide = NULL;
	bool wide_tried = false;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		const struct topo_node *n = &topo->nodes[i];
		/* every u32 id: a distance past INT_MAX makes memory_tier4287191433 */
		uint32_t wid;
		int64_t want = topo_plan_get_tier_id(model, n->id, &wid) == 0 ? (int64_t)wid : -1;
		bool drift = topo->n_tiers && n->online && n->has_memory &&
			     n->kernel_tier != want && !(want < 0 && n->kernel_tier < 0);
		if (drift && !wide_tried) {
			wide = model_adist_long(topo, model);
			wide_tried = true;
		}
		if (drift && wide && topo_plan_get_tier_id(wide, n->id, &wid) == 0 &&
		    (int64_t)wid == n->kernel_tier) {
			findings_add(
			    &c->findings, "drift-kernel-adistance-64bit", TOPO_SEVERITY_WARNING,
			    NULL,
			    "node %d is in memory_tier%lld, the tier 64-bit arithmetic gives, not "
			    "memory_tier%lld: kernel %s carries the abstract distance overflow fix "
			    "(cce35103135c: 6.17, stable 6.12.43, 6.15.11, 6.16.2) although its "
			    "release does not say so; tiertopo's model of this release computes in "
			    "32 bits",
			    n->id, (long long)n->kernel_tier, (long long)want, rel);
			drift = false;
		}
		if (drift)
			findings_add(
			    &c->findings, "drift-kernel-model-tier", TOPO_SEVERITY_WARNING, NULL,
			    "node %d is in %s%lld, but kernel %s as modelled puts it in %s%lld: "
			    "the firmware data or the kernel's inputs differ from what "
			    "tiertopo read",
			    n->id, n->kernel_tier >= 0 ? "memory_tier" : "no tier",
			    n->kernel_tier >= 0 ? (long long)n->kernel_tier : 0, rel,
			    want >= 0 ? "memory_tier" : "no tier", want >= 0 ? (long long)want : 0);
		if (!n->kernel_demotion_known)
			continue;
		const int *mp, *mf;
		size_t nmp = topo_plan_get_preferred(model, n->id, &mp);
		size_t nmf = topo_plan_get_fallback(model, n->id, &mf);
		/* the log prints the fallback only with preferred targets */
		if (!nmp)
			nmf = 0;
		if (same_ids(n->kernel_preferred, n->n_kernel_preferred, mp, nmp) &&
		    same_ids(n->kernel_fallback, n->n_kernel_fallback, mf, nmf))
			continue;
		char *kp = nodelist_format(n->kernel_preferred, n->n_kernel_preferred);
		char *kf = nodelist_format(n->kernel_fallback, n->n_kernel_fallback);
		char *pp = nodelist_format(mp, nmp), *pf = nodelist_format(mf, nmf);
		findings_add(
		    &c->findings, "drift-kernel-model-targets", TOPO_SEVERITY_WARNING, NULL,
		    "node %d: the kernel log says it demotes to %s (fallback %s), kernel %s "
		    "as modelled to %s (fallback %s)",
		    n->id, kp, kf, rel, pp, pf);
		free(kp);
		free(kf);
		free(pp);
		free(pf);
	}
}

/*
 * GPU memory as a demotion target: kernels 5.15 to 6.0 demote from every node with cpus to
 * the nearest CPU-less memory node, which on a Power9+V100 is the GPUs' memory; later
 * kernels do whenever the GPU node lands in a slower tier. The logged targets say what the
 * kernel did, the model what it does.
 */
static void demotion_into_gpu(struct topo_check *c, const struct topo *topo,
			      const struct topo_plan *plan, const struct topo_plan *model)
{
	for (size_t i = 0; i < topo->n_nodes; i++) {
		const struct topo_node *src = &topo->nodes[i];
		const int *p, *f;
		size_t np = model ? topo_plan_get_preferred(model, src->id, &p) : 0;
		size_t nf = model ? topo_plan_get_fallback(model, src->id, &f) : 0;
		for (int pass = 0; pass < 2; pass++) {
			const int *v = pass ? src->kernel_preferred : p;
			size_t nv = pass ? src->n_kernel_preferred : np;
			if (!pass && !np) {
				v = f;
				nv = nf;
			}
			for (size_t k = 0; k < nv; k++) {
				const struct topo_node *t = topo_node_by_id((struct topo *)topo, v[k]);
				if (!t || topo_plan_get_kind(plan, t->id) != TOPO_KIND_GPU)
					continue;
				findings_add(
				    &c->findings, "drift-demotion-into-gpu-memory",
				    TOPO_SEVERITY_WARNING, NULL,
				    "node %d demotes into node %d (%s), the memory of GPU %s: "
				    "the CPUs' cold pages would fill the GPU's memory (kernels 5.15 "
				    "to 6.0 take every CPU-less memory node as slower memory). "
				    "tiertopo never demotes into GPU memory: tiertopo apply writes "
				    "its plan, or set /sys/kernel/mm/numa/demotion_enabled to false",
				    src->id, t->id, pass ? "the kernel log" : "the kernel's model",
				    t->gpu ? t->gpu : "?");
				break;
			}
		}
	}
}

/* the kernel's tiers against the recommended plan */
static void drift_against_plan(struct topo_check *c, const struct topo *topo,
			       const struct topo_plan *plan)
{
	struct nodemask fast_reported = {{0}};
	if (topo->n_tiers) {
		for (size_t i = 0; i < topo->n_nodes; i++) {
			const struct topo_node *slow = &topo->nodes[i];
			int ps = topo_plan_get_tier(plan, slow->id);
			/* a CPU node taken for slow memory: cpu-node-slow-memory says why, the
			 * kernel is not to blame */
			if (slow->kernel_tier < 0 || ps < 0 ||
			    nodemask_test(&c->cpu_slow, (unsigned int)slow->id))
				continue;
			for (size_t j = 0; j < topo->n_nodes; j++) {
				const struct topo_node *fast = &topo->nodes[j];
				int pf = topo_plan_get_tier(plan, fast->id);
				if (fast->kernel_tier < 0 || pf < 0 || pf >= ps)
					continue;
				enum topo_kind ks = topo_plan_get_kind(plan, slow->id);
				enum topo_kind kf = topo_plan_get_kind(plan, fast->id);
				unsigned int as = 0, af = 0;
				topo_plan_get_adistance(plan, slow->id, &as);
				topo_plan_get_adistance(plan, fast->id, &af);
				if (slow->kernel_tier == fast->kernel_tier &&
				    kf == TOPO_KIND_DRAM) {
					findings_add(
					    &c->findings, "drift-slow-memory-in-dram-tier",
					    TOPO_SEVERITY_WARNING, NULL,
					    "node %d is slow memory (%s, abstract distance %u "
					    "against %u of DRAM node %d) but the kernel put "
					    "both in memory_tier%lld: demotion never moves pages "
					    "from node %d to node %d",
					    slow->id, topo_kind_to_string(ks), as, af, fast->id,
					    (long long)slow->kernel_tier, fast->id, slow->id);
					break;
				}
				if (slow->kernel_tier == fast->kernel_tier && ks == TOPO_KIND_DRAM) {
					if (nodemask_test(&fast_reported, (unsigned int)fast->id))
						break; /* once per fast node, not per DRAM node */
					nodemask_set(&fast_reported, (unsigned int)fast->id);
					findings_add(&c->findings, "drift-fast-memory-in-dram-tier",
						     TOPO_SEVERITY_WARNING, NULL,
						     "node %d is faster than DRAM (%s, abstract distance "
						     "%u against %u of DRAM node %d) but the kernel put "
						     "both in memory_tier%lld: cold pages on node %d are "
						     "never demoted to node %d, hot ones never promoted "
						     "to node %d",
						     fast->id, topo_kind_to_string(kf), af, as, slow->id,
						     (long long)fast->kernel_tier, fast->id, slow->id,
						     fast->id);
					break;
				}
				if (tier_order(slow->kernel_tier) < tier_order(fast->kernel_tier)) {
					findings_add(
					    &c->findings, "drift-tier-order", TOPO_SEVERITY_WARNING,
					    NULL,
					    "node %d (%s) is slower than node %d (%s), but the "
					    "kernel ranks it faster (memory_tier%lld before "
					    "memory_tier%lld): pages are demoted the wrong way",
					    slow->id, topo_kind_to_string(ks), fast->id,
					    topo_kind_to_string(kf), (long long)slow->kernel_tier,
					    (long long)fast->kernel_tier);
					break;
				}
			}
		}
	}

	/*
	 * Sockets split by the kernel: two nodes with CPUs that the plan keeps in one tier, in
	 * two kernel tiers. Since 6.11 memory_tier_late_init() gives every boot memory node an
	 * HMAT abstract distance, so DRAM a few percent slower than the reference socket's (in
	 * the 10% tolerance) lands in the next tier, and the faster socket demotes into the
	 * other socket's DRAM. The plan keeps sockets together: remote DRAM is not slower
	 * memory to demote cold pages into.
	 */
	for (size_t i = 0; i < topo->n_nodes; i++) {
		const struct topo_node *a = &topo->nodes[i];
		int pa = topo_plan_get_tier(plan, a->id);
		if (!a->has_cpu || a->kernel_tier < 0 || pa < 0)
			continue;
		for (size_t j = 0; j < topo->n_nodes; j++) {
			const struct topo_node *b = &topo->nodes[j];
			if (!b->has_cpu || tier_order(b->kernel_tier) <= tier_order(a->kernel_tier) ||
			    topo_plan_get_tier(plan, b->id) != pa)
				continue;
			int major = 0, minor = 0;
			bool late = topo->release &&
				    kernel_release_parse(topo->release, &major, &minor) == 0 &&
				    (major > 6 || (major == 6 && minor >= 11));
			findings_add(&c->findings, "drift-socket-tier-split", TOPO_SEVERITY_WARNING,
				     NULL,
				     "the kernel put the DRAM of CPU node %d in memory_tier%lld and of "
				     "CPU node %d in memory_tier%lld, where the plan keeps both in tier "
				     "%d: %s; node %d now demotes to node %d's DRAM",
				     a->id, (long long)a->kernel_tier, b->id, (long long)b->kernel_tier,
				     pa,
				     late ? "kernel 6.11+ gives socket DRAM its own tier when its "
					    "HMAT figures differ slightly from the reference socket's"
					  : "the kernel's abstract distances of the two differ",
				     a->id, b->id);
		}
	}

	bool on;
	if (topo_plan_has_demotion(plan) && topo_get_demotion_enabled(topo, &on) == 0 && !on)
		findings_add(
		    &c->findings, "drift-demotion-disabled", TOPO_SEVERITY_WARNING,
		    "sys/kernel/mm/numa/demotion_enabled",
		    "demotion is off (/sys/kernel/mm/numa/demotion_enabled is false) although "
		    "this machine has slower memory: cold pages are reclaimed instead of "
		    "demoted; tiertopo apply switches it on");
	int mode;
	if (topo_plan_has_demotion(plan) && topo_get_numa_balancing(topo, &mode) == 0 &&
	    !(mode & 2))
		findings_add(&c->findings, "drift-no-tiering-promotion", TOPO_SEVERITY_INFO,
			     "proc/sys/kernel/numa_balancing",
			     "NUMA balancing is %d, without the memory-tiering bit (2): hot pages "
			     "demoted to slower memory are never promoted back",
			     mode);
}

/*
 * Promotion's top tier (model/promotion.c) of the running kernel against the recommended
 * plan's, when the memory-tiering mode is on: a slow node the kernel counts as top tier
 * keeps its hot pages where they are; a fast one it does not is scanned for nothing.
 */
static void drift_promotion(struct topo_check *c, const struct topo *topo,
			    const struct topo_plan *plan)
{
	int mode;
	if (topo_get_numa_balancing(topo, &mode) < 0 || !(mode & 2))
		return;
	/* the slowest kernel tier holding a node with CPUs, and one such node, to name */
	int64_t top = -1;
	int top_cpu = -1;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		const struct topo_node *n = &topo->nodes[i];
		if (n->online && n->has_cpu && n->has_memory && n->kernel_tier >= 0 &&
		    (top < 0 || tier_order(n->kernel_tier) > tier_order(top))) {
			top = n->kernel_tier;
			top_cpu = n->id;
		}
	}
	for (size_t i = 0; i < topo->n_nodes; i++) {
		const struct topo_node *n = &topo->nodes[i];
		int k = topo_is_toptier(topo, n->id), p = topo_plan_is_toptier(plan, n->id);
		if (k < 0 || p < 0 || k == p || !n->has_memory)
			continue;
		const char *kind = topo_kind_to_string(topo_plan_get_kind(plan, n->id));
		if (k && top_cpu >= 0)
			findings_add(&c->findings, "drift-promotion-top-tier", TOPO_SEVERITY_WARNING,
				     "proc/sys/kernel/numa_balancing",
				     "node %d (%s) counts as top tier for promotion in the running "
				     "kernel, whose top tier reaches memory_tier%lld (the slowest tier "
				     "holding a node with CPUs, node %d): its hot pages are never "
				     "promoted",
				     n->id, kind, (long long)top, top_cpu);
		else if (k)
			findings_add(&c->findings, "drift-promotion-top-tier", TOPO_SEVERITY_WARNING,
				     "proc/sys/kernel/numa_balancing",
				     "node %d (%s) counts as top tier for promotion in the running "
				     "kernel: its hot pages are never promoted",
				     n->id, kind);
		else
			findings_add(&c->findings, "drift-promotion-top-tier", TOPO_SEVERITY_WARNING,
				     "proc/sys/kernel/numa_balancing",
				     "node %d (%s) is scanned for promotion by the running kernel "
				     "although the plan counts it as top tier (memory as fast as it "
				     "gets for the CPUs)",
				     n->id, kind);
	}
}

int topo_check_new(const struct topo *topo, const char *release, const struct topo_plan_opts *opts,
		   struct topo_check **ret)
{
	if (!topo || !ret)
		return -EINVAL;
	_cleanup_(topo_check_unrefp) struct topo_check *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	_cleanup_(topo_plan_unrefp) struct topo_plan *plan = NULL;
	_cleanup_(topo_plan_unrefp) struct topo_plan *model = NULL;
	int r = copy_findings(&c->findings, &topo->findings);
	if (r >= 0)
		r = topo_plan_new(topo, TOPO_PLAN_RECOMMENDED, NULL, opts, &plan);
	if (r >= 0)
		r = copy_findings(&c->findings, &plan->findings);
	if (r < 0)
		return r;

	if (!release && !topo->release) {
		findings_add(&c->findings, "kernel-release-unknown", TOPO_SEVERITY_INFO,
			     "proc/sys/kernel/osrelease",
			     "the kernel release is unknown: the kernel's tiers are not compared "
			     "with a model (tiertopo check --kernel-model V)");
	} else {
		r = topo_plan_new(topo, TOPO_PLAN_KERNEL, release, NULL, &model);
		if (r == -EOPNOTSUPP && !release) {
			/* the running kernel predates demotion: nothing of its to compare */
			findings_add(&c->findings, "kernel-release-before-tiering",
				     TOPO_SEVERITY_INFO, "proc/sys/kernel/osrelease",
				     "kernel %s has no demotion and no memory tiers (5.15 brought "
				     "them): only the recommended plan is checked",
				     topo->release);
		} else {
			if (r >= 0)
				r = copy_findings(&c->findings, &model->findings);
			if (r < 0)
				return r;
			drift_against_model(c, topo, model);
		}
	}
	demotion_into_gpu(c, topo, plan, model);
	cpu_nodes_as_slow_memory(c, topo, plan);
	drift_against_plan(c, topo, plan);
	drift_promotion(c, topo, plan);
	*ret = TAKE_PTR(c);
	return 0;
}

struct topo_check *topo_check_unref(struct topo_check *c)
{
	if (c) {
		findings_clear(&c->findings);
		free(c);
	}
	return NULL;
}

size_t topo_check_get_finding_count(const struct topo_check *c)
{
	return c ? c->findings.n : 0;
}

const struct topo_finding *topo_check_get_finding(const struct topo_check *c, size_t index)
{
	return c && index < c->findings.n ? &c->findings.v[index] : NULL;
}

size_t topo_check_count(const struct topo_check *c, enum topo_severity severity)
{
	size_t n = 0;
	for (size_t i = 0; c && i < c->findings.n; i++)
		n += c->findings.v[i].severity >= severity && !c->findings.v[i].suppressed;
	return n;
}

/* @g, an entry of [check] ignore, accepts @f: its id, and its node when the entry has one */
static bool ignore_matches(const struct config_ignore *g, const struct topo_finding *f)
{
	return g->known && !strcmp(g->id, f->id) &&
	       (g->lo < 0 || (f->node >= g->lo && f->node <= g->hi));
}

bool topo_config_ignores(const struct topo_config *config, const struct topo_finding *finding)
{
	const struct config_ignore *v;
	const char *path;
	size_t n = finding ? config_ignores(config, &v, &path) : 0;
	for (size_t k = 0; k < n; k++)
		if (ignore_matches(&v[k], finding))
			return true;
	return false;
}

int topo_check_suppress(struct topo_check *c, const struct topo_config *config)
{
	if (!c)
		return -EINVAL;
	const struct config_ignore *v;
	const char *path;
	size_t n = config_ignores(config, &v, &path);
	int suppressed = 0;
	for (size_t i = 0; i < c->findings.n; i++) {
		struct topo_finding *f = &c->findings.v[i];
		for (size_t k = 0; k < n && !f->suppressed; k++)
			f->suppressed = ignore_matches(&v[k], f);
		suppressed += f->suppressed;
	}
	for (size_t k = 0; k < n; k++) {
		if (v[k].known)
			continue;
		char *where = NULL;
		if (asprintf(&where, "%s:%d", path, v[k].line) < 0)
			return -ENOMEM;
		int r = findings_add(&c->findings, "config-unknown-finding", TOPO_SEVERITY_WARNING,
				     where,
				     "%s: [check] ignore names '%s', which is no finding id "
				     "(tiertopo check --explain lists them): it suppresses nothing",
				     where, v[k].id);
		free(where);
		if (r < 0)
			return r;
	}
	return suppressed;
}

bool topo_finding_is_suppressed(const struct topo_finding *f)
{
	return f && f->suppressed;
}

int topo_check_to_json(const struct topo_check *c, unsigned int flags, char **out)
{
	if (!c || !out)
		return -EINVAL;
	struct json_object *root = json_object_new_object();
	struct json_object *a = json_object_new_array();
	json_object_object_add(root, "schema", json_object_new_string(TOPO_JSON_SCHEMA));
	for (size_t i = 0; i < c->findings.n; i++)
		json_object_array_add(a, finding_json(&c->findings.v[i]));
	json_object_object_add(root, "findings", a);
	json_object_object_add(
	    root, "errors",
	    json_object_new_int64((int64_t)topo_check_count(c, TOPO_SEVERITY_ERROR)));
	json_object_object_add(
	    root, "warnings",
	    json_object_new_int64((int64_t)(topo_check_count(c, TOPO_SEVERITY_WARNING) -
					    topo_check_count(c, TOPO_SEVERITY_ERROR))));
	return json_to_string(root, flags, out);
}
