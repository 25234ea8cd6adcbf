/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The snapshot: its life (new, ref, unref, the views worker threads read through), the
 * lookup of a node by id, and the read-only accessors of the public API. Every returned
 * pointer is owned by the snapshot.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snapshot.h"

struct topo *topo_new(struct topo_ctx *ctx)
{
	struct topo *topo = calloc(1, sizeof(*topo));
	if (!topo)
		return NULL;
	topo->refcount = 1;
	topo->ctx = topo_ctx_ref(ctx);
	topo->max_node_id = -1;
	return topo;
}

static void topo_free(struct topo *topo)
{
	for (size_t i = 0; i < topo->n_nodes; i++) {
		struct topo_node *n = &topo->nodes[i];
		free(n->cpus);
		free(n->distance);
		for (int c = 0; c < 2; c++) {
			free(n->access[c].initiators);
			free(n->access[c].targets);
		}
		free(n->caches);
		free(n->kernel_preferred);
		free(n->fallback_order);
		free(n->kernel_fallback);
		free(n->cpus_offline);
		free(n->gpu);
		free(n->blocks);
	}
	free(topo->cpu_present);
	free(topo->cpu_online);
	free(topo->cpu_offline);
	free(topo->cpu_dirs);
	free(topo->nodes);
	free(topo->node_index);
	for (size_t i = 0; i < topo->n_tiers; i++)
		free(topo->tiers[i].nodes);
	free(topo->tiers);
	for (size_t i = 0; i < topo->n_devs; i++) {
		struct topo_dev *d = &topo->devs[i];
		free(d->name);
		free(d->devpath);
		free(d->driver);
		free(d->parent);
		free(d->mode);
	}
	free(topo->devs);
	for (size_t i = 0; i < topo->n_tables; i++) {
		free(topo->tables[i].origin);
		free(topo->tables[i].data);
	}
	free(topo->tables);
	firmware_free(topo->fw);
	findings_clear(&topo->findings);
	free(topo->release);
	free(topo->wi_auto_file);
	free(topo->auto_online_blocks);
	free(topo->memmap_on_memory);
	topo_ctx_unref(topo->ctx);
	free(topo);
}

struct topo *topo_ref(struct topo *topo)
{
	if (topo)
		topo->refcount++;
	return topo;
}

struct topo *topo_unref(struct topo *topo)
{
	if (topo && --topo->refcount == 0)
		topo_free(topo);
	return NULL;
}

struct topo_node *topo_node_by_id(struct topo *topo, int id)
{
	if (id < 0 || id > topo->max_node_id || topo->node_index[id] < 0)
		return NULL;
	return &topo->nodes[topo->node_index[id]];
}

void topo_view_init(struct topo *view, struct topo_ctx *ctx, const struct topo *topo)
{
	*ctx = *topo->ctx;
	ctx->lockfd = -1; /* the caller's: never released through a view */
	ctx->watchfd = -1;
	ctx->n_dirs = 0;
	memset(ctx->dirs, 0, sizeof(ctx->dirs));
	*view = *topo;
	view->ctx = ctx;
	memset(&view->findings, 0, sizeof(view->findings));
}

static int opt_get(const struct opt_u64 *o, uint64_t *v)
{
	if (!o->known)
		return -ENODATA;
	if (v)
		*v = o->v;
	return 0;
}

const char *topo_get_kernel_release(const struct topo *topo)
{
	return topo ? topo->release : NULL;
}

int topo_get_max_node_id(const struct topo *topo)
{
	return topo ? topo->max_node_id : -EINVAL;
}

size_t topo_get_node_count(const struct topo *topo)
{
	return topo ? topo->n_nodes : 0;
}

const struct topo_node *topo_get_node_by_index(const struct topo *topo, size_t index)
{
	return topo && index < topo->n_nodes ? &topo->nodes[index] : NULL;
}

const struct topo_node *topo_get_node(const struct topo *topo, int node_id)
{
	if (!topo || node_id < 0 || node_id > topo->max_node_id ||
	    topo->node_index[node_id] < 0)
		return NULL;
	return &topo->nodes[topo->node_index[node_id]];
}

int topo_node_get_id(const struct topo_node *node)
{
	return node ? node->id : -EINVAL;
}

bool topo_node_is_online(const struct topo_node *node)
{
	return node && node->online;
}

bool topo_node_has_cpu(const struct topo_node *node)
{
	return node && node->has_cpu;
}

bool topo_node_has_memory(const struct topo_node *node)
{
	return node && node->has_memory;
}

bool topo_node_has_normal_memory(const struct topo_node *node)
{
	return node && node->has_normal_memory;
}

bool topo_node_is_generic_initiator(const struct topo_node *node)
{
	return node && node->generic_initiator;
}

size_t topo_node_get_cpus(const struct topo_node *node, const unsigned int **cpus)
{
	if (!node)
		return 0;
	if (cpus)
		*cpus = node->cpus;
	return node->n_cpus;
}

int topo_node_get_mem_total(const struct topo_node *node, uint64_t *bytes)
{
	return node ? opt_get(&node->mem_total, bytes) : -EINVAL;
}

int topo_node_get_mem_free(const struct topo_node *node, uint64_t *bytes)
{
	return node ? opt_get(&node->mem_free, bytes) : -EINVAL;
}

size_t topo_node_get_memory_block_count(const struct topo_node *node)
{
	return node ? node->n_memory_blocks : 0;
}

int topo_get_memory_block_size(const struct topo *topo, uint64_t *bytes)
{
	return topo ? opt_get(&topo->block_size, bytes) : -EINVAL;
}

int topo_get_distance(const struct topo *topo, int from, int to, unsigned int *distance)
{
	const struct topo_node *a = topo_get_node(topo, from);
	const struct topo_node *b = topo_get_node(topo, to);
	if (!a || !b)
		return -EINVAL;
	if (!a->distance || !a->distance[topo->node_index[to]])
		return -ENODATA;
	if (distance)
		*distance = a->distance[topo->node_index[to]];
	return 0;
}

int topo_node_get_perf(const struct topo_node *node, unsigned int access_class,
		       enum topo_perf_attr attr, uint32_t *value)
{
	if (!node || access_class > 1 || (unsigned int)attr > TOPO_PERF_WRITE_BANDWIDTH)
		return -EINVAL;
	uint64_t v;
	int r = opt_get(&node->access[access_class].attr[attr], &v);
	/* the kernel prints 0 for a figure HMAT did not give (and for a 0 it gave) */
	if (r == 0 && v == 0 && !(node->access[access_class].zero_figures >> attr & 1))
		return -ENODATA;
	if (r == 0 && value)
		*value = (uint32_t)v;
	return r;
}

size_t topo_node_get_perf_initiators(const struct topo_node *node, unsigned int access_class,
				     const int **initiators)
{
	if (!node || access_class > 1)
		return 0;
	if (initiators)
		*initiators = node->access[access_class].initiators;
	return node->access[access_class].n_initiators;
}

size_t topo_node_get_perf_targets(const struct topo_node *node, unsigned int access_class,
				  const int **targets)
{
	if (!node || access_class > 1)
		return 0;
	if (targets)
		*targets = node->access[access_class].targets;
	return node->access[access_class].n_targets;
}

size_t topo_node_get_cache_count(const struct topo_node *node)
{
	return node ? node->n_caches : 0;
}

int topo_node_get_cache(const struct topo_node *node, size_t index, enum topo_cache_attr attr,
			uint64_t *value)
{
	if (!node || index >= node->n_caches)
		return -EINVAL;
	const struct topo_cache *c = &node->caches[index];
	switch (attr) {
	case TOPO_CACHE_LEVEL:
		if (value)
			*value = c->level;
		return 0;
	case TOPO_CACHE_SIZE:
		return opt_get(&c->size, value);
	case TOPO_CACHE_LINE_SIZE:
		return opt_get(&c->line_size, value);
	case TOPO_CACHE_INDEXING:
		return opt_get(&c->indexing, value);
	case TOPO_CACHE_WRITE_POLICY:
		return opt_get(&c->write_policy, value);
	}
	return -EINVAL;
}

size_t topo_get_kernel_tier_count(const struct topo *topo)
{
	return topo ? topo->n_tiers : 0;
}

int topo_get_kernel_tier(const struct topo *topo, size_t index, int *tier_id, const int **nodes,
			 size_t *n_nodes)
{
	if (!topo || index >= topo->n_tiers)
		return -EINVAL;
	const struct topo_kernel_tier *t = &topo->tiers[index];
	if (tier_id)
		*tier_id = t->id <= INT_MAX ? (int)t->id : -1;
	if (nodes)
		*nodes = t->nodes;
	if (n_nodes)
		*n_nodes = t->n_nodes;
	return t->id <= INT_MAX ? 0 : -ERANGE;
}

int topo_get_kernel_tier_id(const struct topo *topo, size_t index, uint32_t *tier_id)
{
	if (!topo || index >= topo->n_tiers)
		return -EINVAL;
	if (tier_id)
		*tier_id = (uint32_t)topo->tiers[index].id;
	return 0;
}

int topo_node_get_kernel_tier(const struct topo_node *node)
{
	if (!node)
		return -EINVAL;
	if (node->kernel_tier < 0)
		return -ENODATA;
	return node->kernel_tier <= INT_MAX ? (int)node->kernel_tier : -ERANGE;
}

int topo_node_get_kernel_tier_id(const struct topo_node *node, uint32_t *tier_id)
{
	if (!node)
		return -EINVAL;
	if (node->kernel_tier < 0)
		return -ENODATA;
	if (tier_id)
		*tier_id = (uint32_t)node->kernel_tier;
	return 0;
}

int topo_get_demotion_enabled(const struct topo *topo, bool *enabled)
{
	uint64_t v;
	int r = topo ? opt_get(&topo->demotion_enabled, &v) : -EINVAL;
	if (r == 0 && enabled)
		*enabled = v;
	return r;
}

int topo_get_numa_balancing(const struct topo *topo, int *mode)
{
	uint64_t v;
	int r = topo ? opt_get(&topo->numa_balancing, &v) : -EINVAL;
	if (r == 0 && mode)
		*mode = (int)v;
	return r;
}

int topo_get_promote_rate_limit(const struct topo *topo, uint64_t *mbps)
{
	return topo ? opt_get(&topo->promote_rate_limit, mbps) : -EINVAL;
}

int topo_get_weighted_interleave_auto(const struct topo *topo, bool *automatic)
{
	uint64_t v;
	int r = topo ? opt_get(&topo->wi_auto, &v) : -EINVAL;
	if (r == 0 && automatic)
		*automatic = v;
	return r;
}

int topo_node_get_interleave_weight(const struct topo_node *node, unsigned int *weight)
{
	uint64_t v;
	int r = node ? opt_get(&node->interleave_weight, &v) : -EINVAL;
	if (r == 0 && weight)
		*weight = (unsigned int)v;
	return r;
}

size_t topo_get_dev_count(const struct topo *topo)
{
	return topo ? topo->n_devs : 0;
}

const struct topo_dev *topo_get_dev(const struct topo *topo, size_t index)
{
	return topo && index < topo->n_devs ? &topo->devs[index] : NULL;
}

enum topo_bus topo_dev_get_bus(const struct topo_dev *dev)
{
	return dev->bus;
}

const char *topo_dev_get_name(const struct topo_dev *dev)
{
	return dev ? dev->name : NULL;
}

const char *topo_dev_get_driver(const struct topo_dev *dev)
{
	return dev ? dev->driver : NULL;
}

const char *topo_dev_get_devpath(const struct topo_dev *dev)
{
	return dev ? dev->devpath : NULL;
}

const char *topo_dev_get_parent_kind(const struct topo_dev *dev)
{
	return dev ? dev->parent_kind : NULL;
}

const char *topo_dev_get_parent(const struct topo_dev *dev)
{
	return dev ? dev->parent : NULL;
}

int topo_dev_get_target_node(const struct topo_dev *dev, int *node)
{
	if (!dev)
		return -EINVAL;
	if (!dev->has_target_node)
		return -ENODATA;
	if (node)
		*node = dev->target_node;
	return 0;
}

int topo_dev_get_numa_node(const struct topo_dev *dev, int *node)
{
	if (!dev)
		return -EINVAL;
	if (!dev->has_numa_node)
		return -ENODATA;
	if (node)
		*node = dev->numa_node;
	return 0;
}

int topo_dev_get_size(const struct topo_dev *dev, uint64_t *bytes)
{
	return dev ? opt_get(&dev->size, bytes) : -EINVAL;
}

size_t topo_get_finding_count(const struct topo *topo)
{
	return topo ? topo->findings.n : 0;
}

const struct topo_finding *topo_get_finding(const struct topo *topo, size_t index)
{
	return topo && index < topo->findings.n ? &topo->findings.v[index] : NULL;
}

const char *topo_finding_get_id(const struct topo_finding *finding)
{
	return finding ? finding->id : NULL;
}

enum topo_severity topo_finding_get_severity(const struct topo_finding *finding)
{
	return finding ? finding->severity : TOPO_SEVERITY_INFO;
}

const char *topo_finding_get_message(const struct topo_finding *finding)
{
	return finding ? finding->message : NULL;
}

const char *topo_finding_get_path(const struct topo_finding *finding)
{
	return finding ? finding->path : NULL;
}

int topo_get_nearest_cpu_distance(const struct topo *topo, int node, unsigned int *distance,
				  int *cpu_node)
{
	if (!topo_get_node(topo, node))
		return -EINVAL;
	int best_node = -1;
	unsigned int best = 0;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		const struct topo_node *c = &topo->nodes[i];
		unsigned int d;
		if (!c->has_cpu || topo_get_distance(topo, node, c->id, &d) < 0)
			continue;
		if (best_node < 0 || d < best) {
			best = d;
			best_node = c->id;
		}
	}
	if (best_node < 0)
		return -ENODATA;
	if (distance)
		*distance = best;
	if (cpu_node)
		*cpu_node = best_node;
	return 0;
}

int topo_node_get_kernel_demotion(const struct topo_node *node, const int **preferred,
				  size_t *n_preferred, const int **fallback, size_t *n_fallback)
{
	if (!node)
		return -EINVAL;
	if (!node->kernel_demotion_known)
		return -ENODATA;
	if (preferred)
		*preferred = node->kernel_preferred;
	if (n_preferred)
		*n_preferred = node->n_kernel_preferred;
	if (fallback)
		*fallback = node->kernel_fallback;
	if (n_fallback)
		*n_fallback = node->n_kernel_fallback;
	return 0;
}

int topo_node_get_pxm(const struct topo_node *node, const struct topo *topo, unsigned int *pxm)
{
	if (!node || !topo)
		return -EINVAL;
	const struct fw_node *f = fw_node_by_id(topo->fw, node->id);
	if (!f)
		return -ENODATA;
	if (pxm)
		*pxm = f->pxm;
	return 0;
}

int topo_get_hmat_perf(const struct topo *topo, int initiator, int target,
		       enum topo_perf_attr attr, uint32_t *value)
{
	if (!topo || (unsigned int)attr > TOPO_PERF_WRITE_BANDWIDTH)
		return -EINVAL;
	struct fw_perf p;
	if (!fw_perf_get(topo->fw, initiator, target, &p) || !p.v[attr])
		return -ENODATA;
	if (value)
		*value = p.v[attr];
	return 0;
}


/* ---- memory hotplug, firmware tables (LIBTOPO_0.3) ------------------------------------ */

int topo_get_slit_distance(const struct topo *topo, int from, int to, unsigned int *distance)
{
	if (!topo)
		return -EINVAL;
	const struct topo_fw *fw = topo->fw;
	if (!fw || !fw->have_slit || !fw->slit.entries)
		return -ENODATA;
	const struct fw_node *a = fw_node_by_id(fw, from), *b = fw_node_by_id(fw, to);
	if (!a || !b)
		return -ENODATA;
	uint8_t d = acpi_slit_distance(&fw->slit, a->pxm, b->pxm);
	if (!d)
		return -ENODATA;
	if (distance)
		*distance = d;
	return 0;
}

int topo_get_acpi_table(const struct topo *topo, const char *signature, bool *used)
{
	if (!topo || !signature)
		return -EINVAL;
	for (size_t i = 0; i < topo->n_tables; i++) {
		if (strcmp(topo->tables[i].name, signature))
			continue;
		const struct topo_fw *fw = topo->fw;
		if (used)
			*used = fw && ((!strcmp(signature, "SRAT") && fw->have_srat) ||
				       (!strcmp(signature, "SLIT") && fw->have_slit) ||
				       (!strcmp(signature, "HMAT") && fw->have_hmat) ||
				       (!strcmp(signature, "CEDT") && fw->have_cedt) ||
				       (!strcmp(signature, "NFIT") && fw->have_nfit));
		return 0;
	}
	return -ENOENT;
}

int topo_node_get_memory_block_states(const struct topo_node *node, size_t *online,
				      size_t *offline)
{
	if (!node)
		return -EINVAL;
	size_t on = 0, off = 0;
	for (size_t i = 0; i < node->n_blocks; i++) {
		on += node->blocks[i].online == 1;
		off += node->blocks[i].online == 0;
	}
	if (!on && !off)
		return -ENODATA;
	if (online)
		*online = on;
	if (offline)
		*offline = off;
	return 0;
}

/* the kernel's zone order (enum zone_type), then the rest */
static int zone_rank(const char *z)
{
	static const char *const order[] = {"DMA", "DMA32", "Normal", "HighMem", "Movable",
					    "Device"};
	for (size_t i = 0; i < ELEMENTSOF(order); i++)
		if (!strcmp(z, order[i]))
			return (int)i;
	return (int)ELEMENTSOF(order);
}

size_t topo_node_get_memory_zones(const struct topo_node *node, const char **zones, size_t max)
{
	if (!node)
		return 0;
	/* every distinct zone, ranked: blocks are few kinds of zone, so a pass per rank */
	size_t n = 0;
	for (int rank = 0; rank <= 6; rank++) {
		for (size_t i = 0; i < node->n_blocks; i++) {
			const char *z = node->blocks[i].zone;
			if (!z[0] || zone_rank(z) != rank)
				continue;
			bool seen = false;
			for (size_t k = 0; k < i && !seen; k++)
				seen = !strcmp(node->blocks[k].zone, z);
			if (seen)
				continue;
			if (zones && n < max)
				zones[n] = z;
			n++;
		}
	}
	return n;
}

int topo_get_auto_online_blocks(const struct topo *topo, const char **policy)
{
	if (!topo)
		return -EINVAL;
	if (!topo->auto_online_blocks)
		return -ENODATA;
	if (policy)
		*policy = topo->auto_online_blocks;
	return 0;
}

int topo_get_memmap_on_memory(const struct topo *topo, const char **value)
{
	if (!topo)
		return -EINVAL;
	if (!topo->memmap_on_memory)
		return -ENODATA;
	if (value)
		*value = topo->memmap_on_memory;
	return 0;
}

const char *topo_dev_get_dax_mode(const struct topo_dev *dev)
{
	if (!dev || dev->bus != TOPO_BUS_DAX || !dev->driver)
		return NULL;
	if (!strcmp(dev->driver, "kmem"))
		return "system-ram";
	if (!strcmp(dev->driver, "device_dax"))
		return "devdax";
	return NULL;
}

int topo_dev_get_memory_blocks(const struct topo_dev *dev, size_t *online, size_t *total)
{
	if (!dev)
		return -EINVAL;
	if (dev->bus != TOPO_BUS_DAX || !dev->blocks_known)
		return -ENODATA;
	if (online)
		*online = dev->blocks_online;
	if (total)
		*total = dev->blocks_total;
	return 0;
}

int topo_dev_get_movable(const struct topo_dev *dev, bool *movable)
{
	if (!dev)
		return -EINVAL;
	if (dev->bus != TOPO_BUS_DAX || dev->movable < 0)
		return -ENODATA;
	if (movable)
		*movable = dev->movable;
	return 0;
}
