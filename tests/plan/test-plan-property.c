/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Property test over random machines (up to 64 nodes, sparse ids; random SLITs with ties
 * and asymmetry; offline, memoryless and cpu-less nodes; random HMAT figures including
 * missing and zero ones; dax/kmem nodes of every parent kind, some onlined into a node that
 * had memory of its own; CXL regions with and without their own figures, on nodes the HMAT
 * describes or not; sometimes a kernel log's fallback orders, hence node_load[];
 * random overrides and exclusions):
 *   - every plan, recommended or any kernel model, keeps the invariants, checked here
 *     independently of topo_plan_verify();
 *   - every kernel model of the library's table (topo_kernel_model_get) gives exactly the
 *     tiers and targets of the plain reference implementation below, written from
 *     mm/migrate.c (5.15-6.0), mm/memory-tiers.c, drivers/acpi/numa/hmat.c and
 *     drivers/dax/kmem.c without looking at libtopo's code;
 *   - every rule of the reference is exercised: each counts the machines where it decided
 *     something, and every count must be > 0 (a rule no machine exercises is untested);
 *   - a release before 5.15 is refused (-EOPNOTSUPP).
 * TOPO_PROPERTY_RUNS sets the number of machines (default 100000). The mutants test
 * (tests/plan/run-mutants.py) builds this against broken copies of libtopo/model and
 * requires each to fail.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
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
		/* now and then a bandwidth of a few MB/s: distances past INT_MAX */
		uint32_t lat = 5 + rnd(300), bw = rnd(40) == 0 ? 1 + rnd(3) : 100 + rnd(200000);
		uint32_t v[4] = {lat, lat + rnd(50), bw, bw / (1 + rnd(3))};
		for (int k = 0; k < 4; k++) {
			x->access[1].attr[k].known = true;
			x->access[1].attr[k].v = rnd(20) == 0 ? 0 : v[k];
		}
	}
	/* near-equal sockets: CPU nodes' figures within a few percent of the first's */
	const struct topo_node *first = NULL;
	bool near_equal = rnd(3) == 0;
	for (size_t i = 0; i < n && near_equal; i++) {
		struct topo_node *x = &t->nodes[i];
		if (!x->has_cpu || !x->access[1].present)
			continue;
		if (!first) {
			first = x;
			continue;
		}
		/* a few percent more latency and less bandwidth: 6.11+ may move it a tier down */
		uint64_t pct = rnd(10);
		for (int k = 0; k < 4; k++)
			x->access[1].attr[k].v = first->access[1].attr[k].v *
						 (k < 2 ? 100 + pct : 100 - pct) / 100;
	}
	/* a node whose HMAT latencies are all 0 (a zero-figure DRAM reference candidate) */
	if (rnd(6) == 0) {
		struct topo_node *x = &t->nodes[rnd((uint32_t)n)];
		if (x->access[1].present)
			x->access[1].attr[0].v = x->access[1].attr[1].v = 0;
	}
	/* dax/kmem nodes of every parent kind, and their CXL regions; 128 MiB blocks, and a
	 * node sometimes with more blocks than its kmem devices fill (it had boot memory) */
	static const char *const kinds[] = {"nd_region", "hmem", "cxl_region", NULL};
	t->block_size.known = true;
	t->block_size.v = UINT64_C(128) << 20;
	/* a machine as booted a quarter of the time: no dax/kmem memory, no hotplug rebuild */
	bool booted = rnd(4) == 0;
	for (size_t i = 0; i < n && !booted; i++) {
		struct topo_node *x = &t->nodes[i];
		bool boot_memory = rnd(4) == 0;
		if (!x->has_memory || (x->has_cpu && !boot_memory) || rnd(3) != 0)
			continue;
		uint64_t blocks = 1 + rnd(4);
		x->n_memory_blocks = (size_t)(blocks + (boot_memory ? 1 + rnd(3) : 0));
		t->devs = realloc(t->devs, (t->n_devs + 2) * sizeof(*t->devs));
		struct topo_dev *d = &t->devs[t->n_devs++];
		memset(d, 0, sizeof(*d));
		d->bus = TOPO_BUS_DAX;
		cr_assert_geq(asprintf(&d->name, "dax%zu.0", i), 0);
		d->devpath = strdup("sys/devices/x");
		d->driver = strdup("kmem");
		d->has_target_node = true;
		d->target_node = x->id;
		d->size.known = true;
		d->size.v = blocks * t->block_size.v;
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
			/*
			 * its own figures (regionN/access1: CDAT + Generic Port + link, 6.9+) most
			 * of the time, CXL-like (slow, narrow), sometimes with the 6.18 link
			 * latency in picoseconds (so the 32-bit arithmetic wraps), sometimes with
			 * a zero figure; the node then either has the HMAT's own figures (the
			 * firmware describes it: initiator links) or none, or a copy of the
			 * region's without initiator links (6.12's node access1)
			 */
			if (rnd(4) != 0) {
				r->figures_present[1] = true;
				/* a link of a few MB/s now and then: figures whose abstract
				 * distance passes INT_MAX */
				uint32_t lat = 100 + rnd(900),
					 bw = rnd(8) == 0 ? 1 + rnd(4) : 50 + rnd(20000);
				if (rnd(4) == 0)
					lat = lat * 1000 + rnd(1000);
				uint32_t v[4] = {lat, lat + rnd(200), bw, bw};
				for (int k = 0; k < 4; k++) {
					r->figures[1][k].known = true;
					r->figures[1][k].v = rnd(25) == 0 ? 0 : v[k];
				}
				uint32_t how = rnd(3);
				if (how == 0 && x->access[1].present) {
					x->access[1].initiators = malloc(sizeof(int));
					x->access[1].initiators[0] = 0;
					x->access[1].n_initiators = 1;
				} else if (how == 1) {
					x->access[1].present = true;
					for (int k = 0; k < 4; k++)
						x->access[1].attr[k] = r->figures[1][k];
				}
			}
		}
	}
	/* a kernel log's last complete block of "Fallback order for Node" lines: each online
	 * node's list of memory nodes (node_load[] is rebuilt from it) */
	if (rnd(3) == 0)
		for (size_t i = 0; i < n; i++) {
			struct topo_node *x = &t->nodes[i];
			if (!x->online)
				continue;
			x->fallback_order = calloc(n, sizeof(int));
			x->fallback_order_known = true;
			for (size_t j = 0; j < n; j++)
				if (t->nodes[j].online && t->nodes[j].has_memory && rnd(8))
					x->fallback_order[x->n_fallback_order++] = t->nodes[j].id;
			for (size_t j = x->n_fallback_order; j > 1; j--) {
				size_t k = rnd((uint32_t)j);
				int tmp = x->fallback_order[j - 1];
				x->fallback_order[j - 1] = x->fallback_order[k];
				x->fallback_order[k] = tmp;
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

/* the rules of the reference: each counts the machines where it decided something */
enum rule {
	R_PASS_ONE,	   /* 5.15: one target per node */
	R_PASS_SEVERAL,	   /* 5.17: several targets at the first distance */
	R_PASS_OUT_CLEAR,  /* 5.17: a candidate farther than the first is left free */
	R_PASS_CAP,	   /* 5.17: at most 15 targets (DEMOTION_TARGET_NODES) */
	R_PASS_LATER_PASS, /* a target of a target: a second pass */
	R_KMEM_DEFAULT,	   /* 6.1+: a dax/kmem node at 2880 */
	R_KMEM_FIRST_TYPE, /* kmem into a node with memory keeps the node's first type */
	R_HMAT_KMEM,	   /* 6.7+: a kmem node's HMAT abstract distance */
	R_REF_CPULESS,	   /* 6.7-6.9: a CPU-less node is the reference or breaks it */
	R_REF_ZERO,	   /* a zero figure of a candidate turns HMAT off */
	R_REF_MISMATCH,	   /* a candidate more than 10% off turns HMAT off */
	R_HMAT_CPULESS,	   /* 6.10+: a CPU-less boot node's HMAT abstract distance */
	R_HMAT_CPU,	   /* 6.11+: a CPU node's HMAT abstract distance, not 576 */
	R_CXL_REGION,	   /* 6.9+: a kmem node of a CXL region takes the region's figures */
	R_CXL_HMAT_FIRST,  /* 6.9+: ... unless the HMAT describes the node */
	R_ADIST_64,	   /* 6.17+: 64-bit arithmetic changes the tier */
	R_ADIST_BACKPORT,  /* 6.12.43, 6.15.11, 6.16.2: the same by a stable backport */
	R_ADIST_INT,	   /* the int the kernel keeps it in is negative: a tier before all */
	R_PREFERRED_TIE,   /* several preferred targets at one distance */
	R_NODE_LOAD,	   /* node_load[] changes the preferred targets */
	R_BOOT_NO_PENALTY, /* the boot build's node_load (no CPU penalty) decides a target */
	R_FALLBACK_WIDER,  /* the fallback holds more than the preferred targets */
	N_RULES,
};
static const char *const rule_names[N_RULES] = {
    "5.15 one target",
    "5.17 several targets",
    "5.17 out_clear",
    "5.17 15 targets at most",
    "a later pass",
    "kmem 2880",
    "kmem keeps the first memory type",
    "6.7 HMAT for kmem",
    "6.7-6.9 CPU-less reference candidate",
    "zero figure turns HMAT off",
    "10% mismatch turns HMAT off",
    "6.10 HMAT for CPU-less boot nodes",
    "6.11 HMAT for CPU nodes",
    "6.9 CXL region figures",
    "6.9 HMAT before the CXL region",
    "6.17 64-bit abstract distance",
    "64-bit by stable backport (6.12.43 ...)",
    "adistance negative as an int",
    "preferred tie",
    "node_load decides",
    "boot build without CPU penalty decides",
    "fallback wider",
};
static unsigned long coverage[N_RULES];
/* the reference being computed is a stable release that took the 64-bit fix */
static bool ref_backport;

/* dax/kmem onlined memory into the node; *first_type: the node had memory of its own */
static bool is_kmem(const struct topo *t, size_t i, bool *first_type)
{
	uint64_t bytes = 0;
	bool kmem = false;
	for (size_t k = 0; k < t->n_devs; k++)
		if (t->devs[k].bus == TOPO_BUS_DAX && t->devs[k].target_node == t->nodes[i].id &&
		    !strcmp(t->devs[k].driver, "kmem")) {
			kmem = true;
			bytes += t->devs[k].size.v;
		}
	uint64_t bs = t->block_size.v;
	if (first_type)
		*first_type = kmem && t->nodes[i].n_memory_blocks > (bytes + bs - 1) / bs;
	return kmem;
}

/* the reference's "no tier": tiers are kept as their signed order (the kernel's
 * adistance_start >> 7, negative for a distance past INT_MAX), so -1 is a tier */
#define NO_TIER INT_MIN

/* a plan tier id (the kernel's u32 name) as its signed order, NO_TIER when none */
static int plan_tier_order(const struct topo_plan *p, int node)
{
	uint32_t id;
	if (topo_plan_get_tier_id(p, node, &id) < 0)
		return NO_TIER;
	return id > INT32_MAX ? (int)((int64_t)id - (INT64_C(1) << 32)) : (int)id;
}

struct ref {
	int tier[64]; /* signed order (start >> 7), NO_TIER when none */
	long long negative_tier[64]; /* the kernel's memory_tierN of a negative int, else -1 */
	int pref[64][64], npref[64];
	int fb[64][64], nfb[64];
};

static bool member(const struct topo *t, size_t i)
{
	return t->nodes[i].online && t->nodes[i].has_memory;
}

/*
 * node_load[] of the kernel's last zonelist build (mm/page_alloc.c build_zonelists): from the
 * logged fallback orders when there are some (+1 to the first node of each distance);
 * otherwise each node's build simulated, in id order, for release @v (major * 100 + minor):
 * the nodes built are the online ones (5.18+: every possible one); the local node comes first
 * (6.7+: only when it has memory), then the memory node of least (distance + below-local +
 * cpu penalty) * 1024 + node_load; the penalty only at a hotplug rebuild (kmem onlined
 * memory), not at the x86 boot build; the first node of each distance gets +1 (5.17+) or the
 * countdown from the number of online nodes (5.15, 5.16).
 */
static bool ref_node_load(const struct topo *t, int v, long load[64], bool force_penalty)
{
	size_t n = t->n_nodes;
	memset(load, 0, 64 * sizeof(long));
	bool logged = false;
	for (size_t i = 0; i < n; i++)
		logged |= t->nodes[i].fallback_order_known;
	if (logged) {
		for (size_t i = 0; i < n; i++) {
			const struct topo_node *x = &t->nodes[i];
			size_t prev = i;
			for (size_t k = 0; x->fallback_order_known && k < x->n_fallback_order; k++) {
				size_t to = (size_t)t->node_index[x->fallback_order[k]];
				if (dist(t, i, to) != dist(t, i, prev))
					load[to]++;
				prev = to;
			}
		}
		return true;
	}
	bool penalty = force_penalty;
	long online = 0;
	for (size_t i = 0; i < n; i++) {
		penalty |= is_kmem(t, i, NULL);
		online += t->nodes[i].online;
	}
	for (size_t i = 0; i < n; i++) {
		const struct topo_node *li = &t->nodes[i];
		if (!li->online && !(v >= 518 && (!t->has_possible_file ||
						 nodemask_test(&t->possible, (unsigned int)li->id))))
			continue;
		bool used[64] = {false};
		size_t prev = i;
		long countdown = online;
		for (;;) {
			long best = -1, min = 0;
			if (!used[i] && (v < 607 || member(t, i))) {
				best = (long)i;
			} else {
				for (size_t j = 0; j < n; j++) {
					const struct topo_node *x = &t->nodes[j];
					if (used[j] || !member(t, j))
						continue;
					long val = (long)dist(t, i, j) + (x->id < li->id) +
						   (penalty && x->online && x->has_cpu);
					val = val * 1024 + load[j];
					if (best < 0 || val < min) {
						best = (long)j;
						min = val;
					}
				}
			}
			if (best < 0)
				break;
			used[best] = true;
			if (dist(t, i, (size_t)best) != dist(t, i, prev))
				load[best] = v >= 517 ? load[best] + 1 : countdown;
			prev = (size_t)best;
			countdown--;
		}
	}
	return false;
}

/* find_next_best_node over the member nodes not in @used, by index; -1 when none */
static int ref_best(const struct topo *t, size_t node, bool *used, const long *load)
{
	long best_val = 0;
	int best = -1;
	for (size_t j = 0; j < t->n_nodes; j++) {
		if (!member(t, j) || used[j])
			continue;
		long v = ((long)dist(t, node, j) + (t->nodes[j].id < t->nodes[node].id) +
			  (t->nodes[j].has_cpu ? 1 : 0)) * 1024 + (load ? load[j] : 0);
		if (best < 0 || v < best_val) {
			best_val = v;
			best = (int)j;
		}
	}
	if (best >= 0)
		used[best] = true;
	return best;
}

/* 5.15-6.0: node_demotion[] in passes from the nodes with CPUs */
static void ref_passes(const struct topo *t, bool several, const long *load, struct ref *r)
{
	size_t n = t->n_nodes;
	bool used[64] = {false}, next[64] = {false};
	for (size_t i = 0; i < n; i++) {
		r->tier[i] = NO_TIER;
		r->npref[i] = r->nfb[i] = 0;
		next[i] = t->nodes[i].online && t->nodes[i].has_cpu;
	}
	for (int pass = 0;; pass++) {
		bool this[64], any = false;
		memcpy(this, next, sizeof(this));
		memset(next, 0, sizeof(next));
		for (size_t i = 0; i < n; i++) {
			any |= this[i];
			used[i] |= this[i];
		}
		if (!any) {
			for (size_t i = 0; i < n; i++)
				if (!member(t, i))
					r->tier[i] = NO_TIER;
			break;
		}
		if (pass == 1)
			coverage[R_PASS_LATER_PASS]++;
		for (size_t i = 0; i < n; i++) {
			if (!this[i])
				continue;
			if (r->tier[i] == NO_TIER)
				r->tier[i] = pass;
			long first = -1;
			for (;;) {
				int c = ref_best(t, i, used, load);
				if (c < 0)
					break;
				if (several && first >= 0 && (long)dist(t, i, (size_t)c) > first) {
					used[c] = false;
					coverage[R_PASS_OUT_CLEAR]++;
					break;
				}
				if (several && r->npref[i] >= 15) {
					used[c] = false;
					coverage[R_PASS_CAP]++;
					break;
				}
				r->pref[i][r->npref[i]++] = t->nodes[c].id;
				if (first < 0)
					first = dist(t, i, (size_t)c);
				next[c] = true;
				if (r->tier[c] == NO_TIER)
					r->tier[c] = pass + 1;
				if (!several)
					break;
			}
			if (r->npref[i] == 1 && !several)
				coverage[R_PASS_ONE]++;
			if (r->npref[i] > 1)
				coverage[R_PASS_SEVERAL]++;
		}
	}
}

/* the four figures; false when the latency or bandwidth sum is 0 (mt_perf_to_adistance
 * returns -EINVAL and the notifier chain goes on) */
static bool figures(const struct opt_u64 *attr, uint32_t f[4])
{
	for (int k = 0; k < 4; k++)
		f[k] = attr[k].known ? (uint32_t)attr[k].v : 0;
	return f[0] + f[1] && f[2] + f[3];
}

/* the CXL region with figures whose memory dax/kmem onlined into node @id, lowest region id
 * first (the notifiers run in registration order); NULL when none */
static const struct topo_dev *ref_region(const struct topo *t, int id)
{
	const struct topo_dev *best = NULL;
	for (size_t k = 0; k < t->n_devs; k++) {
		const struct topo_dev *d = &t->devs[k];
		if (d->bus != TOPO_BUS_DAX || d->target_node != id || !d->parent_kind ||
		    strcmp(d->parent_kind, "cxl_region"))
			continue;
		for (size_t j = 0; j < t->n_devs; j++) {
			const struct topo_dev *r = &t->devs[j];
			if (r->bus == TOPO_BUS_CXL && !strcmp(r->name, d->parent) &&
			    r->figures_present[1] &&
			    (!best || atoi(r->name + 6) < atoi(best->name + 6)))
				best = r;
		}
	}
	return best;
}

/* mt_perf_to_adistance(): 576 * lat / ref lat * ref bw / bw, left to right, in unsigned
 * int until 6.16, in long (64 bits) from 6.17 (MEMTIER_ADISTANCE_DRAM 4L * ...; the models are
 * named by major.minor: the stable releases that took it are test-adistance's) */
static uint32_t ref_adist(const uint32_t f[4], const uint32_t ref[4], int v)
{
	uint32_t l = f[0] + f[1], b = f[2] + f[3];
	if (v >= 617) {
		uint64_t w = 576ull * l / (ref[0] + ref[1]);
		return (uint32_t)(w * (ref[2] + ref[3]) / b);
	}
	uint32_t a = 576u * l;
	a = a / (ref[0] + ref[1]);
	a = a * (ref[2] + ref[3]);
	return a / b;
}

/*
 * 6.1+: the abstract distance of each member node for model @v (major * 100 + minor): 576,
 * or 2880 for a dax/kmem node that had no memory before; with HMAT (6.7+) the figures against
 * the DRAM reference, for kmem nodes (6.7+), CPU-less boot nodes (6.10+) and CPU nodes (6.11+).
 */
static void ref_tiers(const struct topo *t, int v, struct ref *r)
{
	size_t n = t->n_nodes;
	/* hmat_set_default_dram_perf(): the candidates ascending; 6.7-6.9 every boot memory
	 * node (default_dram_type), 6.10+ those with CPUs; a zero latency or bandwidth sum, or
	 * a figure more than 10% off the first candidate's, and HMAT is never registered */
	uint32_t ref[4] = {0};
	bool have = false, broken = false;
	for (size_t i = 0; i < n && v >= 607; i++) {
		const struct topo_node *x = &t->nodes[i];
		bool first_type;
		bool kmem = is_kmem(t, i, &first_type);
		if (!member(t, i) || (kmem && !first_type) || !x->access[1].present ||
		    (!x->has_cpu && v >= 610))
			continue;
		uint32_t f[4];
		for (int k = 0; k < 4; k++)
			f[k] = (uint32_t)x->access[1].attr[k].v;
		if (!(f[0] + f[1]) || !(f[2] + f[3])) {
			broken = true;
			coverage[R_REF_ZERO]++;
			if (!x->has_cpu)
				coverage[R_REF_CPULESS]++;
			break;
		}
		if (!have) {
			memcpy(ref, f, sizeof(ref));
			have = true;
			if (!x->has_cpu)
				coverage[R_REF_CPULESS]++;
			continue;
		}
		for (int k = 0; k < 4; k++) {
			long long diff = (long long)f[k] - (long long)ref[k];
			if ((diff < 0 ? -diff : diff) * 10 > (long long)ref[k])
				broken = true;
		}
		if (broken) {
			coverage[R_REF_MISMATCH]++;
			if (!x->has_cpu)
				coverage[R_REF_CPULESS]++;
			break;
		}
	}
	have &= !broken;

	for (size_t i = 0; i < n; i++) {
		const struct topo_node *x = &t->nodes[i];
		r->tier[i] = NO_TIER;
		r->negative_tier[i] = -1;
		if (!member(t, i))
			continue;
		bool first_type;
		bool kmem = is_kmem(t, i, &first_type) && !first_type;
		if (first_type)
			coverage[R_KMEM_FIRST_TYPE]++;
		uint32_t adist = kmem ? 2880 : 576;
		bool hmat = have && ((kmem && v >= 607) || (!kmem && !x->has_cpu && v >= 610) ||
				     (!kmem && x->has_cpu && v >= 611));
		/*
		 * mt_calc_adistance() asks the HMAT first (hmat_calculate_adistance: the node is
		 * an HMAT memory target, i.e. has initiators, and its sums are not zero), then,
		 * 6.9+, the CXL region whose memory is on the node (cxl_region_calculate_adistance:
		 * regionN/access1); the first that computes a distance stops the chain
		 */
		uint32_t node_f[4], reg_f[4];
		bool node_ok = hmat && x->access[1].present && figures(x->access[1].attr, node_f);
		const struct topo_dev *rg = hmat && kmem && v >= 609 ? ref_region(t, x->id) : NULL;
		bool reg_ok = rg && figures(rg->figures[1], reg_f);
		const uint32_t *f = NULL;
		if (rg && x->access[1].n_initiators && node_ok)
			f = node_f;
		else if (reg_ok)
			f = reg_f;
		else if (!rg && node_ok)
			f = node_f;
		if (f) {
			uint32_t a = ref_adist(f, ref, v);
			if (a >> 7 != adist >> 7) /* it changed the tier */
				coverage[kmem	      ? R_HMAT_KMEM
					 : x->has_cpu ? R_HMAT_CPU
						      : R_HMAT_CPULESS]++;
			/* what the node's own figures alone would give (the rule before 6.9) */
			uint32_t without = node_ok ? ref_adist(node_f, ref, v) : adist;
			if (f == reg_f && a >> 7 != without >> 7)
				coverage[R_CXL_REGION]++;
			if (rg && reg_ok && f == node_f && a >> 7 != ref_adist(reg_f, ref, v) >> 7)
				coverage[R_CXL_HMAT_FIRST]++;
			if (v >= 617 && a >> 7 != ref_adist(f, ref, 611) >> 7)
				coverage[ref_backport ? R_ADIST_BACKPORT : R_ADIST_64]++;
			/* int *adist, memory_dev_type.adistance, memory_tier.adistance_start:
			 * round_down(adistance, 128), dev.id = adistance >> 7 (a u32) */
			int stored = (int)a;
			if (stored < 0) {
				int start = stored & ~127;
				r->negative_tier[i] = (long long)(uint32_t)(start >> 7);
				coverage[R_ADIST_INT]++;
			}
			adist = a;
		}
		if (kmem && adist == 2880)
			coverage[R_KMEM_DEFAULT]++;
		/* the tier's order: memory_tiers sorted by the signed adistance_start, so a
		 * negative int comes before every other tier (6.17+: the node is the top tier) */
		int stored_adist = (int)adist;
		r->tier[i] = stored_adist < 0 ? (stored_adist & ~127) / 128 : (int)(adist >> 7);
	}
}

/* the preferred targets of node @i among the nodes of tier @next, with @load or none */
static int ref_preferred(const struct topo *t, const struct ref *r, size_t i, int next,
			 const long *load, int *out)
{
	bool used[64];
	for (size_t j = 0; j < t->n_nodes; j++)
		used[j] = r->tier[j] != next;
	int np = 0;
	long d0 = -1;
	for (;;) {
		int c = ref_best(t, i, used, load);
		if (c < 0 || (d0 >= 0 && (long)dist(t, i, (size_t)c) != d0))
			break;
		d0 = dist(t, i, (size_t)c);
		out[np++] = t->nodes[c].id;
	}
	return np;
}

static int same_set(const int *a, size_t na, const int *b, size_t nb);

static void ref_targets(const struct topo *t, const long *load, struct ref *r)
{
	size_t n = t->n_nodes;
	for (size_t i = 0; i < n; i++) {
		r->npref[i] = r->nfb[i] = 0;
		if (r->tier[i] == NO_TIER)
			continue;
		/* the next slower tier that exists */
		int next = NO_TIER;
		for (size_t j = 0; j < n; j++)
			if (r->tier[j] != NO_TIER && r->tier[j] > r->tier[i] &&
			    (next == NO_TIER || r->tier[j] < next))
				next = r->tier[j];
		if (next == NO_TIER)
			continue;
		r->npref[i] = ref_preferred(t, r, i, next, load, r->pref[i]);
		if (r->npref[i] > 1)
			coverage[R_PREFERRED_TIE]++;
		int without[64];
		int nw = ref_preferred(t, r, i, next, NULL, without);
		if (!same_set(without, (size_t)nw, r->pref[i], (size_t)r->npref[i]))
			coverage[R_NODE_LOAD]++;
		for (size_t j = 0; j < n; j++)
			if (r->tier[j] != NO_TIER && r->tier[j] > r->tier[i])
				r->fb[i][r->nfb[i]++] = t->nodes[j].id;
		if (r->nfb[i] > r->npref[i])
			coverage[R_FALLBACK_WIDER]++;
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int same_set(const int *a, size_t na, const int *b, size_t nb)
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
	const char *km = topo_plan_get_kernel_model(p);
	bool pass_model = topo_plan_get_model(p) == TOPO_PLAN_KERNEL && km &&
			  strtol(km, NULL, 10) < 6;
	/* tiers in the kernel's order: by the signed start (a negative one first) */
	int last_tier = NO_TIER;
	for (size_t k = 0; k < topo_plan_get_tier_count(p); k++) {
		int32_t start;
		cr_assert_eq(topo_plan_get_tier_id_at(p, k, NULL, &start), 0);
		cr_assert(last_tier == NO_TIER || start / 128 > last_tier,
			  "run %lu %s: tiers out of order", run, what);
		last_tier = start / 128;
	}
	for (size_t i = 0; i < t->n_nodes; i++) {
		int id = t->nodes[i].id;
		const int *v;
		int tier = plan_tier_order(p, id);
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
				int tt = plan_tier_order(p, v[k]);
				cr_assert(tt != NO_TIER && (tier == NO_TIER ? pass_model : tt > tier),
					  "run %lu %s: node %d (tier %d) -> %d (tier %d) not slower", run,
					  what, id, tier, v[k], tt);
			}
		}
		/* a node of a tier that is not the slowest has somewhere to go */
		if (!pass_model && tier != NO_TIER && tier != last_tier && !excluded[i])
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
	unsigned long compared = 0, edges = 0;
	size_t n_models = topo_kernel_model_count();
	cr_assert_geq(n_models, 6, "the kernel model table is too short");

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

		/* before 5.15 there is nothing to model */
		if (run < 10)
			cr_assert_eq(topo_plan_new(t, TOPO_PLAN_KERNEL, "4.19", NULL, &p), -EOPNOTSUPP);

		long load[64], load_penalised[64];
		bool logged = false;
		int load_era = -1;
		/*
		 * every model, then one stable release of a branch that took the 64-bit fix
		 * (cce35103135c) before 6.17 merged it, at its first fixed sublevel or the one
		 * before: the 6.11 model, and the reference of 6.17 (64 bits) or 6.11 (32)
		 */
		static const struct {
			const char *before, *from;
		} backports[] = {{"6.12.42", "6.12.43+deb12-amd64"},
				 {"6.15.10", "6.15.11"},
				 {"6.16.1", "6.16.2"}};
		int pick_backport = (int)rnd(ELEMENTSOF(backports) * 2);
		for (size_t m = 0; m < n_models + 1; m++) {
			const char *name = m < n_models ? topo_kernel_model_get(m, NULL) : NULL;
			const char *model_name = name;
			ref_backport = false;
			if (!name) {
				name = pick_backport & 1 ? backports[pick_backport / 2].from
							 : backports[pick_backport / 2].before;
				model_name = "6.11";
				ref_backport = pick_backport & 1;
			}
			cr_assert_eq(topo_plan_new(t, TOPO_PLAN_KERNEL, name, NULL, &p), 0,
				     "run %lu kernel %s", run, name);
			cr_assert_str_eq(topo_plan_get_kernel_model(p), model_name);
			check_invariants(t, p, name, run, none);
			long major = strtol(name, NULL, 10), minor = strtol(strchr(name, '.') + 1, NULL, 10);
			int v = (int)(major * 100 + minor);
			if (m == n_models)
				v = ref_backport ? 617 : 611; /* the rules of 6.11, 32 or 64 bits */
			/* the simulation differs only at 5.17, 5.18 and 6.7: one per such era */
			int era = (v >= 517) + (v >= 518) + (v >= 607);
			if (era != load_era) {
				logged = ref_node_load(t, v, load, false);
				/* the same build with the CPU penalty (a hotplug rebuild's) */
				ref_node_load(t, v, load_penalised, true);
				load_era = era;
			}
			struct ref r;
			if (v < 601) {
				ref_passes(t, v >= 517, load, &r);
				for (size_t i = 0; i < t->n_nodes; i++)
					r.nfb[i] = 0;
			} else {
				ref_tiers(t, v, &r);
				ref_targets(t, load, &r);
			}
			/* a boot build (no log, no hotplug) whose node_load with the penalty would
			 * give other targets: the rule "no CPU penalty at the x86 boot build"
			 * decides */
			if (!logged && memcmp(load, load_penalised, sizeof(load))) {
				unsigned long saved[N_RULES];
				memcpy(saved, coverage, sizeof(saved));
				struct ref alt;
				if (v < 601) {
					ref_passes(t, v >= 517, load_penalised, &alt);
				} else {
					ref_tiers(t, v, &alt);
					ref_targets(t, load_penalised, &alt);
				}
				memcpy(coverage, saved, sizeof(saved));
				for (size_t i = 0; i < t->n_nodes; i++)
					if (!same_set(alt.pref[i], (size_t)alt.npref[i], r.pref[i],
						      (size_t)r.npref[i])) {
						coverage[R_BOOT_NO_PENALTY]++;
						break;
					}
			}
			for (size_t i = 0; i < t->n_nodes && v >= 601; i++) {
				/* a negative int: the model names the kernel's tier, for that node
				 * only */
				char prefix[32], tier_name[40];
				snprintf(prefix, sizeof(prefix), "node %d: ", t->nodes[i].id);
				snprintf(tier_name, sizeof(tier_name), "memory_tier%lld ",
					 r.negative_tier[i]);
				const char *msg = NULL;
				for (size_t k = 0; k < topo_plan_get_finding_count(p); k++) {
					const struct topo_finding *f = topo_plan_get_finding(p, k);
					if (!strcmp(topo_finding_get_id(f),
						    "plan-adistance-negative") &&
					    !strncmp(topo_finding_get_message(f), prefix,
						     strlen(prefix)))
						msg = topo_finding_get_message(f);
				}
				cr_assert(
				    (msg != NULL) == (r.negative_tier[i] >= 0),
				    "run %lu kernel %s node %d: the int is %snegative, finding: %s",
				    run, name, t->nodes[i].id,
				    r.negative_tier[i] >= 0 ? "" : "not ", msg ? msg : "none");
				cr_assert(!msg || strstr(msg, tier_name),
					  "run %lu kernel %s node %d: %s, not %s", run, name,
					  t->nodes[i].id, msg, tier_name);
			}
			for (size_t i = 0; i < t->n_nodes; i++) {
				int id = t->nodes[i].id;
				int tier = plan_tier_order(p, id);
				cr_assert_eq(tier, r.tier[i],
					     "run %lu kernel %s node %d: tier %d, reference %d", run,
					     name, id, tier, r.tier[i]);
				const int *vv;
				size_t nv = topo_plan_get_preferred(p, id, &vv);
				cr_assert(same_set(vv, nv, r.pref[i], (size_t)r.npref[i]),
					  "run %lu kernel %s node %d: preferred differ from the "
					  "reference", run, name, id);
				nv = topo_plan_get_fallback(p, id, &vv);
				cr_assert(same_set(vv, nv, r.fb[i], (size_t)r.nfb[i]),
					  "run %lu kernel %s node %d: fallback differ", run, name, id);
				edges += (size_t)r.npref[i];
				compared++;
			}
			topo_plan_unref(p);
		}
		topo_unref(t);
	}
	topo_ctx_unref(ctx);
	cr_log_info("%lu machines, %lu node plans compared with the reference, %lu preferred "
		    "edges", runs, compared, edges);
	cr_assert_gt(edges, runs, "the generator makes too few demotion edges to test anything");
	/* every rule decided something somewhere: a rule nothing exercises is not tested */
	for (int k = 0; k < N_RULES; k++) {
		cr_log_info("rule %-40s exercised %lu times", rule_names[k], coverage[k]);
		cr_expect_gt(coverage[k], 0, "rule '%s' was never exercised in %lu machines",
			     rule_names[k], runs);
	}
}
