/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Property test over random machines (up to 64 nodes, sparse ids; random SLITs with ties
 * and asymmetry; offline, memoryless and cpu-less nodes; random HMAT figures including
 * missing ones; dax/kmem nodes of every parent kind; random overrides and exclusions):
 *   - every plan, recommended or any kernel model, keeps the invariants, checked here
 *     independently of topo_plan_verify();
 *   - the 6.1 and 6.12 kernel models give exactly the tiers and targets of the plain
 *     reference implementation of the kernel rule below, written from mm/memory-tiers.c
 *     without looking at libtopo's code.
 * TOPO_PROPERTY_RUNS sets the number of machines (default 100000).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

/* ---- a deterministic generator ------------------------------------------------------ */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)(rng_state % n) : 0;
}

static struct topo *random_topo(struct topo_ctx *ctx)
{
	struct topo *t = calloc(1, sizeof(*t));
	cr_assert_not_null(t);
	t->refcount = 1;
	t->ctx = topo_ctx_ref(ctx);
	size_t n = 1 + rnd(64);
	t->n_nodes = n;
	t->nodes = calloc(n, sizeof(*t->nodes));
	int id = -1;
	for (size_t i = 0; i < n; i++) {
		id += 1 + (rnd(4) == 0 ? (int)rnd(5) : 0);
		struct topo_node *x = &t->nodes[i];
		x->id = id;
		x->kernel_tier = -1;
		x->present = x->online = rnd(10) != 0;
		x->has_memory = x->online && rnd(5) != 0;
		x->has_cpu = x->online && rnd(2);
		if (x->has_cpu) {
			x->cpus = malloc(sizeof(unsigned int));
			x->cpus[0] = (unsigned int)i;
			x->n_cpus = 1;
		}
	}
	t->max_node_id = id;
	t->node_index = malloc((size_t)(id + 1) * sizeof(int));
	for (int k = 0; k <= id; k++)
		t->node_index[k] = -1;
	for (size_t i = 0; i < n; i++)
		t->node_index[t->nodes[i].id] = (int)i;

	/*
	 * SLIT: a few values so that ties are common, and neighbours 1 or 2 apart so that
	 * find_next_best_node's penalties decide; asymmetric a third of the time
	 */
	static const uint8_t dists[] = {12, 15, 15, 16, 17, 20, 20, 21, 22, 28, 30, 40};
	bool slit = rnd(8) != 0; /* sometimes no SLIT: the kernel's 10/20 */
	for (size_t i = 0; i < n && slit; i++) {
		struct topo_node *x = &t->nodes[i];
		if (!x->online)
			continue;
		x->distance = calloc(n, sizeof(*x->distance));
		x->distance[i] = 10;
	}
	for (size_t i = 0; i < n && slit; i++)
		for (size_t j = i + 1; j < n; j++) {
			if (!t->nodes[i].distance || !t->nodes[j].distance)
				continue;
			uint8_t d = dists[rnd(ELEMENTSOF(dists))];
			t->nodes[i].distance[j] = d;
			t->nodes[j].distance[i] = rnd(3) == 0 ? dists[rnd(ELEMENTSOF(dists))] : d;
		}

	/* HMAT access1 figures, sometimes missing or partly zero */
	for (size_t i = 0; i < n; i++) {
		struct topo_node *x = &t->nodes[i];
		if (!x->has_memory || rnd(4) == 0)
			continue;
		x->access[1].present = true;
		uint32_t lat = 5 + rnd(300), bw = 100 + rnd(200000);
		uint32_t v[4] = {lat, lat + rnd(50), bw, bw / (1 + rnd(3))};
		for (int k = 0; k < 4; k++) {
			x->access[1].attr[k].known = true;
			x->access[1].attr[k].v = rnd(20) == 0 ? 0 : v[k];
		}
	}
	/* dax/kmem nodes of every parent kind, and their CXL regions */
	static const char *const kinds[] = {"nd_region", "hmem", "cxl_region", NULL};
	for (size_t i = 0; i < n; i++) {
		struct topo_node *x = &t->nodes[i];
		if (!x->has_memory || x->has_cpu || rnd(3) != 0)
			continue;
		t->devs = realloc(t->devs, (t->n_devs + 2) * sizeof(*t->devs));
		struct topo_dev *d = &t->devs[t->n_devs++];
		memset(d, 0, sizeof(*d));
		d->bus = TOPO_BUS_DAX;
		cr_assert_geq(asprintf(&d->name, "dax%zu.0", i), 0);
		d->devpath = strdup("sys/devices/x");
		d->driver = strdup("kmem");
		d->has_target_node = true;
		d->target_node = x->id;
		d->parent_kind = kinds[rnd(4)];
		if (d->parent_kind)
			cr_assert_geq(asprintf(&d->parent, "region%zu", i), 0);
		if (d->parent_kind && !strcmp(d->parent_kind, "cxl_region")) {
			struct topo_dev *r = &t->devs[t->n_devs++];
			memset(r, 0, sizeof(*r));
			r->bus = TOPO_BUS_CXL;
			r->name = strdup(d->parent);
			r->devpath = strdup("sys/devices/y");
			r->mode = strdup(rnd(2) ? "ram" : "pmem");
		}
	}
	return t;
}

/* ---- the reference: the kernel rule, written plainly ------------------------------- */

static unsigned int dist(const struct topo *t, size_t a, size_t b)
{
	if (t->nodes[a].distance && t->nodes[a].distance[b])
		return t->nodes[a].distance[b];
	return a == b ? 10 : 20;
}

static bool is_kmem(const struct topo *t, int id)
{
	for (size_t i = 0; i < t->n_devs; i++)
		if (t->devs[i].bus == TOPO_BUS_DAX && t->devs[i].target_node == id &&
		    !strcmp(t->devs[i].driver, "kmem"))
			return true;
	return false;
}

struct ref {
	int tier[64];
	int pref[64][64], npref[64];
	int fb[64][64], nfb[64];
};

/*
 * adistance per node for kernel 6.1 (defaults only) or 6.12 (HMAT for kmem and, since 6.11's
 * late init, every boot memory node, CPU nodes included)
 */
static void ref_tiers(const struct topo *t, bool hmat, struct ref *r)
{
	/* the DRAM reference: the first cpu+memory node with HMAT figures; one whose latency
	 * or bandwidth sum is zero fails hmat_set_default_dram_perf(), and the HMAT algorithm
	 * is never registered (every node keeps its default) */
	uint32_t ref[4] = {0};
	bool have = false, broken = false;
	for (size_t i = 0; i < t->n_nodes && hmat; i++) {
		const struct topo_node *x = &t->nodes[i];
		if (!x->online || !x->has_memory || !x->has_cpu || is_kmem(t, x->id) ||
		    !x->access[1].present)
			continue;
		uint32_t v[4];
		for (int k = 0; k < 4; k++)
			v[k] = (uint32_t)x->access[1].attr[k].v;
		if (!(v[0] + v[1]) || !(v[2] + v[3])) {
			broken = true;
			break;
		}
		if (!have) {
			memcpy(ref, v, sizeof(ref));
			have = true;
			continue;
		}
		for (int k = 0; k < 4; k++) {
			long long diff = (long long)v[k] - (long long)ref[k];
			if ((diff < 0 ? -diff : diff) * 10 > (long long)ref[k])
				broken = true;
		}
	}
	have &= !broken;

	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *x = &t->nodes[i];
		r->tier[i] = -1;
		if (!x->online || !x->has_memory)
			continue;
		bool kmem = is_kmem(t, x->id);
		uint32_t adist = kmem ? 2880 : 576;
		if (have && x->access[1].present) {
			uint32_t v[4];
			for (int k = 0; k < 4; k++)
				v[k] = (uint32_t)x->access[1].attr[k].v;
			uint32_t l = v[0] + v[1], b = v[2] + v[3];
			if (l && b) {
				uint32_t a = 576u * l;
				a = a / (ref[0] + ref[1]);
				a = a * (ref[2] + ref[3]);
				adist = a / b;
			}
		}
		r->tier[i] = (int)(adist >> 7);
	}
}

/*
 * node_load[] of the last zonelist build (mm/page_alloc.c), the machine having no kernel log
 * to read it from: every node's build_zonelists() in id order, +1 to the first node of each
 * distance; the local node first (6.7+: only with memory), then the memory node of least
 * (distance + below-local + cpu penalty) * MAX_NUMNODES + node_load; cpu penalties only
 * when kmem onlined memory after boot (a hotplug rebuild; the x86 boot build has none).
 */
static void ref_node_load(const struct topo *t, bool local_needs_memory, int *load)
{
	size_t n = t->n_nodes;
	bool penalty = false;
	for (size_t i = 0; i < n; i++)
		penalty |= is_kmem(t, t->nodes[i].id);
	memset(load, 0, 64 * sizeof(int));
	for (size_t i = 0; i < n; i++) {
		bool used[64] = {false};
		size_t prev = i;
		for (;;) {
			long best = -1, min = 0;
			const struct topo_node *li = &t->nodes[i];
			if (!used[i] && (!local_needs_memory || (li->online && li->has_memory))) {
				best = (long)i;
			} else {
				for (size_t j = 0; j < n; j++) {
					const struct topo_node *x = &t->nodes[j];
					if (used[j] || !x->online || !x->has_memory)
						continue;
					long v = (long)dist(t, i, j) + (x->id < li->id) +
						 (penalty && x->online && x->has_cpu);
					v = v * 1024 + load[j];
					if (best < 0 || v < min) {
						best = (long)j;
						min = v;
					}
				}
			}
			if (best < 0)
				break;
			used[best] = true;
			if (dist(t, i, (size_t)best) != dist(t, i, prev))
				load[best]++;
			prev = (size_t)best;
		}
	}
}

static void ref_targets(const struct topo *t, bool local_needs_memory, struct ref *r)
{
	int load[64];
	ref_node_load(t, local_needs_memory, load);
	size_t n = t->n_nodes;
	for (size_t i = 0; i < n; i++) {
		r->npref[i] = r->nfb[i] = 0;
		if (r->tier[i] < 0)
			continue;
		/* the next slower tier that exists */
		int next = -1;
		for (size_t j = 0; j < n; j++)
			if (r->tier[j] > r->tier[i] && (next < 0 || r->tier[j] < next))
				next = r->tier[j];
		if (next < 0)
			continue;
		/* candidates of that tier sorted by the kernel's value, then id */
		size_t cand[64], nc = 0;
		long val[64];
		for (size_t j = 0; j < n; j++)
			if (r->tier[j] == next) {
				val[j] = ((long)dist(t, i, j) + (t->nodes[j].id < t->nodes[i].id) +
					  (t->nodes[j].has_cpu ? 1 : 0)) * 1024 + load[j];
				cand[nc++] = j;
			}
		for (size_t a = 1; a < nc; a++)
			for (size_t b = a; b > 0 && (val[cand[b]] < val[cand[b - 1]] ||
						     (val[cand[b]] == val[cand[b - 1]] &&
						      cand[b] < cand[b - 1]));
			     b--) {
				size_t tmp = cand[b];
				cand[b] = cand[b - 1];
				cand[b - 1] = tmp;
			}
		/* take them in that order while the distance equals the first one's */
		unsigned int d0 = dist(t, i, cand[0]);
		for (size_t a = 0; a < nc && dist(t, i, cand[a]) == d0; a++)
			r->pref[i][r->npref[i]++] = t->nodes[cand[a]].id;
		for (size_t j = 0; j < n; j++)
			if (r->tier[j] > r->tier[i])
				r->fb[i][r->nfb[i]++] = t->nodes[j].id;
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static bool same_set(const int *a, size_t na, const int *b, size_t nb)
{
	if (na != nb)
		return false;
	int x[64], y[64];
	if (!na)
		return true;
	memcpy(x, a, na * sizeof(int));
	memcpy(y, b, nb * sizeof(int));
	qsort(x, na, sizeof(int), cmp_int);
	qsort(y, nb, sizeof(int), cmp_int);
	return !memcmp(x, y, na * sizeof(int));
}

/* ---- invariants, checked from the outside ------------------------------------------- */

static void check_invariants(const struct topo *t, const struct topo_plan *p, const char *what,
			     unsigned long run, const bool *excluded)
{
	char *why = NULL;
	cr_assert_eq(topo_plan_verify(p, &why), 0, "run %lu %s: %s", run, what, why);
	bool pass_model = topo_plan_get_model(p) == TOPO_PLAN_KERNEL &&
			  topo_plan_get_tier_count(p) && strncmp(topo_plan_get_kernel_release(p), "6.", 2);
	int last_tier = -1;
	for (size_t k = 0; k < topo_plan_get_tier_count(p); k++) {
		int id;
		topo_plan_get_tier_info(p, k, &id, NULL, NULL, NULL);
		cr_assert_gt(id, last_tier, "run %lu %s: tiers out of order", run, what);
		last_tier = id;
	}
	for (size_t i = 0; i < t->n_nodes; i++) {
		int id = t->nodes[i].id;
		const int *v;
		int tier = topo_plan_get_tier(p, id);
		for (int l = 0; l < 2; l++) {
			size_t nv = l ? topo_plan_get_fallback(p, id, &v) : topo_plan_get_preferred(p, id, &v);
			for (size_t k = 0; k < nv; k++) {
				const struct topo_node *x = topo_get_node(t, v[k]);
				cr_assert(x && x->online && x->has_memory,
					  "run %lu %s: node %d targets offline/memoryless %d", run, what, id,
					  v[k]);
				cr_assert(!excluded[t->node_index[v[k]]],
					  "run %lu %s: node %d targets excluded node %d", run, what, id,
					  v[k]);
				cr_assert(!excluded[i], "run %lu %s: excluded node %d has targets", run,
					  what, id);
				int tt = topo_plan_get_tier(p, v[k]);
				cr_assert(tt >= 0 && (tier < 0 ? pass_model : tt > tier),
					  "run %lu %s: node %d (tier %d) -> %d (tier %d) not slower", run,
					  what, id, tier, v[k], tt);
			}
		}
		/* a node of a tier that is not the slowest has somewhere to go */
		if (!pass_model && tier >= 0 && tier != last_tier && !excluded[i])
			cr_assert_gt(topo_plan_get_preferred(p, id, NULL), 0,
				     "run %lu %s: node %d in tier %d has no target", run, what, id, tier);
	}
}

Test(property, random_machines_keep_the_invariants_and_match_the_reference, .timeout = 3000)
{
	const char *env = getenv("TOPO_PROPERTY_RUNS");
	unsigned long runs = env ? strtoul(env, NULL, 10) : 100000;
	struct topo_ctx *ctx;
	cr_assert_eq(topo_ctx_new(&ctx, "/"), 0);
	rng_state = 0x9e3779b97f4a7c15ull;
	static const char *const models[] = {"4.19", "5.15", "5.17", "6.1", "6.7", "6.12"};
	unsigned long compared = 0, edges = 0;

	for (unsigned long run = 0; run < runs; run++) {
		struct topo *t = random_topo(ctx);
		struct topo_plan *p = NULL;

		/* the recommended plan, sometimes with overrides and exclusions */
		struct topo_plan_opts *opts = NULL;
		bool excluded[64] = {false}, none[64] = {false};
		cr_assert_eq(topo_plan_opts_new(&opts), 0);
		for (size_t i = 0; i < t->n_nodes; i++) {
			if (rnd(12) == 0) {
				topo_plan_opts_exclude(opts, t->nodes[i].id);
				excluded[i] = true;
			}
			if (rnd(15) == 0)
				topo_plan_opts_set_kind(opts, t->nodes[i].id,
							(enum topo_kind)rnd(TOPO_KIND_SPM + 1));
			if (rnd(20) == 0)
				topo_plan_opts_set_adistance(opts, t->nodes[i].id, rnd(40000));
		}
		int pr = topo_plan_new(t, TOPO_PLAN_RECOMMENDED, NULL, opts, &p);
		cr_assert_eq(pr, 0, "run %lu: recommended plan: %s", run, strerror(-pr));
		check_invariants(t, p, "recommended", run, excluded);
		topo_plan_unref(p);
		topo_plan_opts_free(opts);

		for (size_t m = 0; m < ELEMENTSOF(models); m++) {
			cr_assert_eq(topo_plan_new(t, TOPO_PLAN_KERNEL, models[m], NULL, &p), 0,
				     "run %lu kernel %s", run, models[m]);
			check_invariants(t, p, models[m], run, none);
			if (!strcmp(models[m], "6.1") || !strcmp(models[m], "6.12")) {
				struct ref r;
				ref_tiers(t, !strcmp(models[m], "6.12"), &r);
				ref_targets(t, !strcmp(models[m], "6.12"), &r);
				for (size_t i = 0; i < t->n_nodes; i++) {
					int id = t->nodes[i].id;
					int tier = topo_plan_get_tier(p, id);
					cr_assert_eq(tier < 0 ? -1 : tier, r.tier[i],
						     "run %lu kernel %s node %d: tier %d, reference %d",
						     run, models[m], id, tier, r.tier[i]);
					const int *v;
					size_t nv = topo_plan_get_preferred(p, id, &v);
					cr_assert(same_set(v, nv, r.pref[i], (size_t)r.npref[i]),
						  "run %lu kernel %s node %d: preferred differ from the "
						  "reference", run, models[m], id);
					nv = topo_plan_get_fallback(p, id, &v);
					cr_assert(same_set(v, nv, r.fb[i], (size_t)r.nfb[i]),
						  "run %lu kernel %s node %d: fallback differ", run,
						  models[m], id);
					edges += (size_t)r.npref[i];
					compared++;
				}
			}
			topo_plan_unref(p);
		}
		topo_unref(t);
	}
	topo_ctx_unref(ctx);
	cr_log_info("%lu machines, %lu node plans compared with the reference, %lu preferred "
		    "edges", runs, compared, edges);
	cr_assert_gt(edges, runs, "the generator makes too few demotion edges to test anything");
}
