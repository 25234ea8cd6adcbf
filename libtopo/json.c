/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The snapshot as JSON through json-c, kept apart from the code that gathers the data
 * (ndctl's util/json.c habit). Keys are lower_snake_case, sizes in bytes, unknown values
 * null. The keys named in DESIGN.md are stable; others may be added.
 */
#include <errno.h>
#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"

static const char *const perf_keys[] = {"read_latency_ns", "write_latency_ns",
					"read_bandwidth_mbps", "write_bandwidth_mbps"};

static struct json_object *opt_json(const struct opt_u64 *o)
{
	return o->known ? json_object_new_uint64(o->v) : NULL;
}

/* HMAT figures: the kernel prints 0 for a value the firmware did not give, and for a 0 it
 * gave (zero_figures) */
static struct json_object *perf_value_json(const struct topo_perf_class *a, size_t k)
{
	const struct opt_u64 *o = &a->attr[k];
	return o->known && (o->v || (a->zero_figures >> k & 1)) ? json_object_new_uint64(o->v)
								 : NULL;
}

static struct json_object *opt_bool_json(const struct opt_u64 *o)
{
	return o->known ? json_object_new_boolean(o->v != 0) : NULL;
}

/*
 * Arrays of numbers printed straight from memory. A 1024-node machine has a million
 * distances and a million HMAT figures: as json-c objects (one per number) they took 280 MB
 * and most of the time of --dump --json. Such an array is an empty json-c array whose
 * serializer prints the numbers exactly as json-c prints an array of ints and nulls (same
 * commas, spaces, newlines and indentation for every flag; tests/json/test-json-render.c holds
 * it to that). Nothing reads these arrays back: they are only printed.
 */
enum num_type { NUM_INT, NUM_U8, NUM_U32, NUM_HMAT };

/* NUM_HMAT: figure @attr of matrix row @row, per target node (looked up when printed) */
struct hmat_row {
	const struct topo_fw *fw;
	size_t row;
	int attr;
};

struct num_array {
	const void *base; /* element i at base + i * stride elements; NUM_HMAT: a hmat_row */
	void *owned;	  /* a copy, when the source does not outlive the document */
	size_t n, stride;
	enum num_type type;
	bool zero_is_null;
};

static void num_array_free(struct json_object *jso, void *data)
{
	(void)jso;
	struct num_array *a = data;
	free(a->owned);
	free(a);
}

static void num_indent(struct printbuf *pb, int level, int flags)
{
	if (!(flags & JSON_C_TO_STRING_PRETTY))
		return;
	for (int i = 0; i < level; i++) {
		if (flags & JSON_C_TO_STRING_PRETTY_TAB)
			printbuf_strappend(pb, "\t");
		else
			printbuf_strappend(pb, "  ");
	}
}

static int num_array_print(struct json_object *jso, struct printbuf *pb, int level, int flags)
{
	const struct num_array *a = json_object_get_userdata(jso);
	bool pretty = flags & JSON_C_TO_STRING_PRETTY;
	bool spaced = (flags & JSON_C_TO_STRING_SPACED) && !pretty;

	/* what goes before each number ("," newline indentation, or a space), built once:
	 * one append per number instead of one per piece */
	char lead[160];
	size_t nl = 0;
	lead[nl++] = ',';
	if (pretty)
		lead[nl++] = '\n';
	if (spaced)
		lead[nl++] = ' ';
	for (int i = 0; pretty && i <= level && nl + 2 < sizeof(lead); i++) {
		if (flags & JSON_C_TO_STRING_PRETTY_TAB) {
			lead[nl++] = '\t';
		} else {
			lead[nl++] = ' ';
			lead[nl++] = ' ';
		}
	}
	if (nl + 2 >= sizeof(lead))
		return -1; /* a nesting no document of ours has */

	printbuf_strappend(pb, "[");
	if (pretty)
		printbuf_strappend(pb, "\n");
	for (size_t i = 0; i < a->n; i++) {
		char buf[sizeof(lead) + 24];
		size_t o = 0;
		/* the first number: the lead without its comma (and newline, printed above) */
		size_t skip = i ? 0 : 1 + (size_t)pretty;
		memcpy(buf, lead + skip, nl - skip);
		o = nl - skip;
		long long v;
		size_t k = i * a->stride;
		switch (a->type) {
		case NUM_U8:
			v = ((const uint8_t *)a->base)[k];
			break;
		case NUM_U32:
			v = ((const uint32_t *)a->base)[k];
			break;
		case NUM_HMAT: {
			const struct hmat_row *h = a->base;
			v = fw_perf_attr_at(h->fw, h->row, (int)i, h->attr);
			break;
		}
		default:
			v = ((const int *)a->base)[k];
			break;
		}
		if (a->zero_is_null && !v) {
			memcpy(buf + o, "null", 4);
			o += 4;
		} else {
			char digits[24], *d = digits + sizeof(digits);
			unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
			do
				*--d = (char)('0' + u % 10);
			while (u /= 10);
			if (v < 0)
				*--d = '-';
			size_t dl = (size_t)(digits + sizeof(digits) - d);
			memcpy(buf + o, d, dl);
			o += dl;
		}
		printbuf_memappend(pb, buf, (int)o);
	}
	if (pretty) {
		if (a->n)
			printbuf_strappend(pb, "\n");
		num_indent(pb, level, flags);
	}
	if (spaced)
		printbuf_strappend(pb, " ]");
	else
		printbuf_strappend(pb, "]");
	return 0;
}

static inline void json_object_putp(struct json_object **o)
{
	json_object_put(*o); /* NULL is fine */
}

/* @base must outlive the document unless @copy: then the numbers are copied (packed). */
static struct json_object *num_array_json(const void *base, size_t n, size_t stride,
					  enum num_type type, bool zero_is_null, bool copy)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_array();
	_cleanup_free_ struct num_array *a = calloc(1, sizeof(*a));
	if (!o || !a)
		return NULL;
	a->n = n;
	a->stride = stride;
	a->type = type;
	a->zero_is_null = zero_is_null;
	a->base = base;
	if (type == NUM_HMAT) {
		a->owned = malloc(sizeof(struct hmat_row));
		if (!a->owned)
			return NULL;
		memcpy(a->owned, base, sizeof(struct hmat_row));
		a->base = a->owned;
	} else if (copy && n) {
		size_t w = type == NUM_U8 ? 1 : type == NUM_U32 ? sizeof(uint32_t) : sizeof(int);
		a->owned = malloc(n * w);
		if (!a->owned)
			return NULL;
		for (size_t i = 0; i < n; i++)
			memcpy((char *)a->owned + i * w, (const char *)base + i * stride * w, w);
		a->base = a->owned;
		a->stride = 1;
	}
	json_object_set_serializer(o, num_array_print, TAKE_PTR(a), num_array_free);
	return TAKE_PTR(o);
}

static struct json_object *ints_json(const int *v, size_t n)
{
	return num_array_json(v, n, 1, NUM_INT, false, true);
}

static struct json_object *access_json(const struct topo_perf_class *a)
{
	if (!a->present)
		return NULL;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "initiators", ints_json(a->initiators, a->n_initiators));
	json_object_object_add(o, "targets", ints_json(a->targets, a->n_targets));
	for (size_t k = 0; k < ELEMENTSOF(perf_keys); k++)
		json_object_object_add(o, perf_keys[k], perf_value_json(a, k));
	return o;
}

/* perf: access1 (CPU initiators) when the kernel reports it, else access0 */
static struct json_object *perf_json(const struct topo_node *n)
{
	for (int c = 1; c >= 0; c--) {
		const struct topo_perf_class *a = &n->access[c];
		bool any = false;
		for (size_t k = 0; k < ELEMENTSOF(perf_keys); k++)
			any |= a->attr[k].known && a->attr[k].v;
		if (!any)
			continue;
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "access_class", json_object_new_int(c));
		json_object_object_add(o, "initiator",
				       a->n_initiators ? json_object_new_int(a->initiators[0])
						       : NULL);
		json_object_object_add(o, "initiators", ints_json(a->initiators, a->n_initiators));
		for (size_t k = 0; k < ELEMENTSOF(perf_keys); k++)
			json_object_object_add(o, perf_keys[k], perf_value_json(a, k));
		return o;
	}
	return NULL;
}

static struct json_object *fw_access_json(const struct fw_access *a)
{
	if (!a->valid)
		return NULL;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "initiators", ints_json(a->initiators, a->n_initiators));
	for (size_t k = 0; k < ELEMENTSOF(perf_keys); k++)
		json_object_object_add(o, perf_keys[k],
				       a->v[k] || (a->given >> k & 1) ? json_object_new_int64(a->v[k])
								     : NULL);
	return o;
}

static struct json_object *fw_node_json(const struct fw_node *f)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "node", json_object_new_int(f->node));
	json_object_object_add(o, "pxm", json_object_new_int64(f->pxm));
	/* has_cpu as in nodes[]: "cpus" is a list of CPU ids there */
	json_object_object_add(o, "has_cpu", json_object_new_boolean(f->cpu));
	json_object_object_add(o, "generic_initiator",
			       json_object_new_boolean(f->generic_initiator));
	struct json_object *ranges = json_object_new_array();
	for (size_t k = 0; k < f->n_ranges; k++) {
		const struct fw_range *r = &f->ranges[k];
		struct json_object *ro = json_object_new_object();
		json_object_object_add(ro, "base", json_object_new_uint64(r->base));
		json_object_object_add(ro, "length", json_object_new_uint64(r->length));
		json_object_object_add(ro, "hot_pluggable", json_object_new_boolean(r->hotplug));
		json_object_object_add(ro, "non_volatile", json_object_new_boolean(r->nonvolatile));
		json_object_object_add(ro, "specific_purpose",
				       json_object_new_boolean(r->specific_purpose));
		json_object_array_add(ranges, ro);
	}
	json_object_object_add(o, "memory_ranges", ranges);
	json_object_object_add(o, "nfit_persistent", json_object_new_boolean(f->nfit_pmem));
	json_object_object_add(o, "cxl_window", json_object_new_boolean(f->cxl_window));
	json_object_object_add(o, "cfmws_node", json_object_new_boolean(f->cfmws_fake));
	json_object_object_add(o, "hmat_access0", fw_access_json(&f->access[0]));
	json_object_object_add(o, "hmat_access1", fw_access_json(&f->access[1]));
	return o;
}

static bool table_used(const struct topo_fw *fw, const char *name)
{
	return fw && ((!strcmp(name, "SRAT") && fw->have_srat) ||
		      (!strcmp(name, "SLIT") && fw->have_slit) ||
		      (!strcmp(name, "HMAT") && fw->have_hmat) ||
		      (!strcmp(name, "CEDT") && fw->have_cedt) ||
		      (!strcmp(name, "NFIT") && fw->have_nfit));
}

static struct json_object *node_or_null(int node)
{
	return node >= 0 ? json_object_new_int(node) : NULL;
}

/* firmware{tables[], nodes[], hmat[], memory_side_caches[], cxl_windows[], nfit_ranges[]} */
static struct json_object *firmware_json(const struct topo *topo)
{
	const struct topo_fw *fw = topo->fw;
	struct json_object *o = json_object_new_object();
	struct json_object *tables = json_object_new_array();
	for (size_t i = 0; i < topo->n_tables; i++) {
		const struct topo_acpi_blob *b = &topo->tables[i];
		struct json_object *t = json_object_new_object();
		json_object_object_add(t, "signature", json_object_new_string(b->name));
		json_object_object_add(t, "length", json_object_new_uint64(b->len));
		json_object_object_add(t, "used", json_object_new_boolean(table_used(fw, b->name)));
		json_object_array_add(tables, t);
	}
	json_object_object_add(o, "tables", tables);

	struct json_object *nodes = json_object_new_array();
	for (size_t i = 0; fw && i < fw->n_nodes; i++)
		json_object_array_add(nodes, fw_node_json(&fw->nodes[i]));
	json_object_object_add(o, "nodes", nodes);

	/* the HMAT matrix, compact: a 1024-node machine has 256 x 1024 pairs */
	struct json_object *hmat = NULL;
	if (fw && fw->have_matrix) {
		hmat = json_object_new_object();
		int *rows = malloc((fw->n_inits + 1) * sizeof(int));
		int *cols = malloc((fw->n_nodes + 1) * sizeof(int));
		for (size_t k = 0; rows && k < fw->n_inits; k++)
			rows[k] = fw_pxm_to_node(fw, fw->init_pxm[k]);
		for (size_t t = 0; cols && t < fw->n_nodes; t++)
			cols[t] = (int)t;
		json_object_object_add(hmat, "initiators", ints_json(rows, rows ? fw->n_inits : 0));
		json_object_object_add(hmat, "targets", ints_json(cols, cols ? fw->n_nodes : 0));
		free(rows);
		free(cols);
		for (size_t a = 0; a < ELEMENTSOF(perf_keys); a++) {
			struct json_object *m = json_object_new_array_ext((int)fw->n_inits);
			for (size_t k = 0; k < fw->n_inits; k++) {
				struct hmat_row h = {fw, k, (int)a};
				json_object_array_add(
				    m, num_array_json(&h, fw->n_nodes, 1, NUM_HMAT, true, true));
			}
			json_object_object_add(hmat, perf_keys[a], m);
		}
	}
	json_object_object_add(o, "hmat", hmat);

	struct json_object *caches = json_object_new_array();
	for (size_t i = 0; fw && fw->have_hmat && i < fw->hmat.n_caches; i++) {
		const struct acpi_hmat_cache *c = &fw->hmat.caches[i];
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "node", node_or_null(fw_pxm_to_node(fw, c->memory_pd)));
		json_object_object_add(e, "pxm", json_object_new_int64(c->memory_pd));
		json_object_object_add(e, "level", json_object_new_int(c->level));
		json_object_object_add(e, "size_bytes", json_object_new_uint64(c->size));
		json_object_object_add(e, "line_size_bytes", json_object_new_int(c->line_size));
		json_object_object_add(e, "associativity", json_object_new_int(c->associativity));
		json_object_object_add(e, "write_policy", json_object_new_int(c->write_policy));
		json_object_array_add(caches, e);
	}
	json_object_object_add(o, "memory_side_caches", caches);

	struct json_object *windows = json_object_new_array();
	for (size_t i = 0; fw && fw->have_cedt && i < fw->cedt.n_cfmws; i++) {
		const struct acpi_cedt_cfmws *c = &fw->cedt.cfmws[i];
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "base", json_object_new_uint64(c->base));
		json_object_object_add(e, "size", json_object_new_uint64(c->size));
		json_object_object_add(e, "interleave_ways", json_object_new_int64(c->ways));
		json_object_object_add(e, "granularity", json_object_new_uint64(c->granularity));
		json_object_object_add(e, "restrictions", json_object_new_int(c->restrictions));
		json_object_object_add(e, "usable", json_object_new_boolean(c->usable));
		json_object_array_add(windows, e);
	}
	json_object_object_add(o, "cxl_windows", windows);

	struct json_object *spa = json_object_new_array();
	for (size_t i = 0; fw && fw->have_nfit && i < fw->nfit.n_spa; i++) {
		const struct acpi_nfit_spa *r = &fw->nfit.spa[i];
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "index", json_object_new_int(r->range_index));
		json_object_object_add(
			e, "type", json_object_new_string(acpi_nfit_range_type_name(r->range_type)));
		json_object_object_add(e, "pxm",
				       r->proximity_valid ? json_object_new_int64(r->pxm) : NULL);
		json_object_object_add(
			e, "node", node_or_null(r->proximity_valid ? fw_pxm_to_node(fw, r->pxm) : -1));
		json_object_object_add(e, "base", json_object_new_uint64(r->base));
		json_object_object_add(e, "length", json_object_new_uint64(r->length));
		json_object_array_add(spa, e);
	}
	json_object_object_add(o, "nfit_ranges", spa);
	return o;
}

static void plan_node_json(struct json_object *o, const struct topo_plan *plan, int id)
{
	const struct plan_node *pn = &plan->nodes[plan->topo->node_index[id]];
	json_object_object_add(o, "kind", json_object_new_string(topo_kind_to_string(pn->kind)));
	struct json_object *ev = json_object_new_array();
	for (size_t i = 0; i < pn->n_evidence; i++)
		json_object_array_add(ev, json_object_new_string(pn->evidence[i]));
	json_object_object_add(o, "evidence", ev);
	json_object_object_add(o, "adistance",
			       pn->has_adist && pn->member ? json_object_new_int64(pn->adist) : NULL);
	json_object_object_add(o, "tier",
			       pn->tier >= 0 && pn->member ? json_object_new_int(pn->tier) : NULL);
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "preferred", ints_json(pn->preferred, pn->n_preferred));
	json_object_object_add(d, "fallback", ints_json(pn->fallback, pn->n_fallback));
	json_object_object_add(o, "demotion", d);
	json_object_object_add(o, "excluded", json_object_new_boolean(pn->excluded));
}

static struct json_object *node_json(const struct topo *topo, const struct topo_node *n,
				     const struct topo_plan *plan)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "node", json_object_new_int(n->id));
	const struct fw_node *fwn = fw_node_by_id(topo->fw, n->id);
	json_object_object_add(o, "pxm", fwn ? json_object_new_int64(fwn->pxm) : NULL);
	json_object_object_add(o, "online", json_object_new_boolean(n->online));
	json_object_object_add(o, "has_cpu", json_object_new_boolean(n->has_cpu));
	json_object_object_add(o, "has_memory", json_object_new_boolean(n->has_memory));
	json_object_object_add(o, "has_normal_memory",
			       json_object_new_boolean(n->has_normal_memory));
	json_object_object_add(o, "generic_initiator",
			       json_object_new_boolean(n->generic_initiator));

	struct json_object *cpus = json_object_new_array_ext((int)n->n_cpus);
	for (size_t i = 0; i < n->n_cpus; i++)
		json_object_array_add(cpus, json_object_new_int64(n->cpus[i]));
	json_object_object_add(o, "cpus", cpus); /* the online ones */
	struct json_object *off = json_object_new_array_ext((int)n->n_cpus_offline);
	for (size_t i = 0; i < n->n_cpus_offline; i++)
		json_object_array_add(off, json_object_new_int64(n->cpus_offline[i]));
	json_object_object_add(o, "cpus_offline", off);
	json_object_object_add(o, "gpu", n->gpu ? json_object_new_string(n->gpu) : NULL);
	json_object_object_add(o, "memory_bytes", opt_json(&n->mem_total));
	json_object_object_add(o, "memory_free_bytes", opt_json(&n->mem_free));
	json_object_object_add(o, "memory_blocks",
			       n->present ? json_object_new_uint64(n->n_memory_blocks) : NULL);

	/* one distance per entry of the top-level nodes[], in the same order (null: unknown);
	 * a 1024-node machine has a million of them, so plain numbers, not objects */
	struct json_object *dist = NULL;
	if (n->distance)
		dist = num_array_json(n->distance, topo->n_nodes, 1, NUM_U8, true, false);
	json_object_object_add(o, "distances", dist);
	unsigned int nd;
	int cpu_node;
	if (topo_get_nearest_cpu_distance(topo, n->id, &nd, &cpu_node) == 0) {
		json_object_object_add(o, "nearest_cpu_node", json_object_new_int(cpu_node));
		json_object_object_add(o, "nearest_cpu_distance", json_object_new_int((int)nd));
	} else {
		json_object_object_add(o, "nearest_cpu_node", NULL);
		json_object_object_add(o, "nearest_cpu_distance", NULL);
	}

	json_object_object_add(o, "perf", perf_json(n));
	json_object_object_add(o, "access0", access_json(&n->access[0]));
	json_object_object_add(o, "access1", access_json(&n->access[1]));

	struct json_object *caches = json_object_new_array();
	for (size_t i = 0; i < n->n_caches; i++) {
		const struct topo_cache *c = &n->caches[i];
		struct json_object *co = json_object_new_object();
		json_object_object_add(co, "level", json_object_new_int((int)c->level));
		json_object_object_add(co, "size_bytes", opt_json(&c->size));
		json_object_object_add(co, "line_size_bytes", opt_json(&c->line_size));
		json_object_object_add(co, "indexing", opt_json(&c->indexing));
		json_object_object_add(co, "write_policy", opt_json(&c->write_policy));
		json_object_array_add(caches, co);
	}
	json_object_object_add(o, "memory_side_caches", caches);
	json_object_object_add(o, "kernel_tier",
			       n->kernel_tier >= 0 ? json_object_new_int(n->kernel_tier) : NULL);
	json_object_object_add(o, "interleave_weight", opt_json(&n->interleave_weight));
	struct json_object *kd = NULL;
	if (n->kernel_demotion_known) {
		kd = json_object_new_object();
		json_object_object_add(kd, "preferred",
				       ints_json(n->kernel_preferred, n->n_kernel_preferred));
		json_object_object_add(kd, "fallback",
				       ints_json(n->kernel_fallback, n->n_kernel_fallback));
	}
	json_object_object_add(o, "kernel_demotion", kd);
	if (plan)
		plan_node_json(o, plan, n->id);
	return o;
}

static struct json_object *kernel_json(const struct topo *topo)
{
	struct json_object *k = json_object_new_object();
	json_object_object_add(k, "release",
			       topo->release ? json_object_new_string(topo->release) : NULL);
	struct json_object *tiers = json_object_new_array();
	for (size_t i = 0; i < topo->n_tiers; i++) {
		struct json_object *t = json_object_new_object();
		json_object_object_add(t, "id", json_object_new_int(topo->tiers[i].id));
		json_object_object_add(t, "nodes",
				       ints_json(topo->tiers[i].nodes, topo->tiers[i].n_nodes));
		json_object_array_add(tiers, t);
	}
	json_object_object_add(k, "tiers", tiers);
	json_object_object_add(k, "demotion_enabled", opt_bool_json(&topo->demotion_enabled));
	json_object_object_add(k, "numa_balancing", opt_json(&topo->numa_balancing));
	json_object_object_add(k, "promote_rate_limit_mbps", opt_json(&topo->promote_rate_limit));
	json_object_object_add(k, "memory_block_size_bytes", opt_json(&topo->block_size));
	struct json_object *wi = json_object_new_object();
	json_object_object_add(wi, "auto", opt_bool_json(&topo->wi_auto));
	json_object_object_add(wi, "auto_file", topo->wi_auto_file
							? json_object_new_string(topo->wi_auto_file)
							: NULL);
	json_object_object_add(k, "weighted_interleave", wi);
	return k;
}

static struct json_object *dev_json(const struct topo_dev *d)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "device", json_object_new_string(d->name));
	json_object_object_add(o, "devpath", json_object_new_string(d->devpath));
	json_object_object_add(o, "driver", d->driver ? json_object_new_string(d->driver) : NULL);
	if (d->bus != TOPO_BUS_CXL) {
		json_object_object_add(o, "target_node", d->has_target_node
								 ? json_object_new_int(d->target_node)
								 : NULL);
		json_object_object_add(o, "numa_node", d->has_numa_node
							       ? json_object_new_int(d->numa_node)
							       : NULL);
	}
	json_object_object_add(o, "size", opt_json(&d->size));
	if (d->bus == TOPO_BUS_DAX) {
		json_object_object_add(o, "parent",
				       d->parent ? json_object_new_string(d->parent) : NULL);
		json_object_object_add(o, "parent_kind", d->parent_kind
								 ? json_object_new_string(d->parent_kind)
								 : NULL);
	} else {
		json_object_object_add(o, d->bus == TOPO_BUS_ND ? "type" : "mode",
				       d->mode ? json_object_new_string(d->mode) : NULL);
	}
	return o;
}

struct json_object *finding_json(const struct topo_finding *f)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(f->id));
	json_object_object_add(o, "severity",
			       json_object_new_string(topo_severity_to_string(f->severity)));
	json_object_object_add(o, "message", json_object_new_string(f->message));
	json_object_object_add(o, "path", f->path ? json_object_new_string(f->path) : NULL);
	return o;
}

static struct json_object *plan_tiers_json(const struct topo_plan *plan)
{
	struct json_object *tiers = json_object_new_array();
	for (size_t i = 0; i < plan->n_tiers; i++) {
		const struct plan_tier *t = &plan->tiers[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int(t->id));
		json_object_object_add(o, "adistance_start",
				       json_object_new_int64(t->adistance_start));
		json_object_object_add(o, "nodes", ints_json(t->nodes, t->n_nodes));
		json_object_array_add(tiers, o);
	}
	return tiers;
}

int json_to_string(struct json_object *root, unsigned int flags, char **out)
{
	int jflags = JSON_C_TO_STRING_NOSLASHESCAPE |
		     ((flags & TOPO_JSON_PRETTY) ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
						 : JSON_C_TO_STRING_PLAIN);
	const char *s = json_object_to_json_string_ext(root, jflags);
	*out = s ? strdup(s) : NULL;
	json_object_put(root);
	return *out ? 0 : -ENOMEM;
}

/* The snapshot, and with a plan the plan's decisions inside each node and tiers[]. */
static struct json_object *document_json(const struct topo *topo, const struct topo_plan *plan)
{
	struct json_object *root = json_object_new_object();
	if (!root)
		return NULL;
	json_object_object_add(root, "schema", json_object_new_string(TOPO_JSON_SCHEMA));
	if (plan) {
		struct json_object *p = json_object_new_object();
		json_object_object_add(p, "model",
				       json_object_new_string(plan->model == TOPO_PLAN_KERNEL
								      ? "kernel"
								      : "recommended"));
		json_object_object_add(p, "kernel_release",
				       plan->release ? json_object_new_string(plan->release) : NULL);
		json_object_object_add(p, "has_demotion",
				       json_object_new_boolean(topo_plan_has_demotion(plan)));
		json_object_object_add(root, "plan", p);
		json_object_object_add(root, "tiers", plan_tiers_json(plan));
	}
	json_object_object_add(root, "kernel", kernel_json(topo));

	struct json_object *nodes = json_object_new_array_ext((int)topo->n_nodes);
	for (size_t i = 0; i < topo->n_nodes; i++)
		json_object_array_add(nodes, node_json(topo, &topo->nodes[i], plan));
	json_object_object_add(root, "nodes", nodes);

	static const char *const bus_keys[] = {"dax", "nd_regions", "cxl_regions"};
	for (size_t b = 0; b < ELEMENTSOF(bus_keys); b++) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < topo->n_devs; i++)
			if ((size_t)topo->devs[i].bus == b)
				json_object_array_add(a, dev_json(&topo->devs[i]));
		json_object_object_add(root, bus_keys[b], a);
	}

	json_object_object_add(root, "firmware", firmware_json(topo));

	struct json_object *findings = json_object_new_array();
	for (size_t i = 0; i < topo->findings.n; i++)
		json_object_array_add(findings, finding_json(&topo->findings.v[i]));
	for (size_t i = 0; plan && i < plan->findings.n; i++)
		json_object_array_add(findings, finding_json(&plan->findings.v[i]));
	json_object_object_add(root, "findings", findings);
	return root;
}

int topo_to_json(const struct topo *topo, unsigned int flags, char **out)
{
	if (!topo || !out)
		return -EINVAL;
	struct json_object *root = document_json(topo, NULL);
	return root ? json_to_string(root, flags, out) : -ENOMEM;
}

struct json_object *plan_document_json(const struct topo_plan *plan)
{
	return document_json(plan->topo, plan);
}

int topo_plan_to_json(const struct topo_plan *plan, unsigned int flags, char **out)
{
	if (!plan || !out)
		return -EINVAL;
	struct json_object *root = document_json(plan->topo, plan);
	return root ? json_to_string(root, flags, out) : -ENOMEM;
}
