/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The snapshot as JSON, kept apart from the code that gathers the data (ndctl's util/json.c
 * habit). Keys are lower_snake_case, sizes in bytes, unknown values null. The keys named in
 * DESIGN.md are stable; others may be added.
 *
 * One description of each document (the *_w functions below), written to a writer (struct
 * jw) that either prints the text as it goes (a FILE*: tiertopo -J, topo_plan_print_json(),
 * topo_plan_to_json()) or builds the json-c tree (the state file, which is patched before it
 * is printed, and the tests, which hold the printed text to json-c's printing of the tree).
 * The printed text is exactly json-c's: a 1024-node machine's document is 30 MB of text, and
 * as a tree it took 105 MB to print.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"

static const char *const perf_keys[] = {"read_latency_ns", "write_latency_ns",
					"read_bandwidth_mbps", "write_bandwidth_mbps"};

/* ---- arrays of numbers ---------------------------------------------------------------- */

/*
 * Arrays of numbers printed straight from memory. A 1024-node machine has a million
 * distances and a million HMAT figures: as json-c objects (one per number) they took 280 MB
 * and most of the time of --dump --json. In a tree, such an array is an empty json-c array
 * whose serializer prints the numbers exactly as json-c prints an array of ints and nulls
 * (same commas, spaces, newlines and indentation for every flag; tests/json/test-json-render.c
 * holds it to that); the stream prints them with the same function. Nothing reads these
 * arrays back: they are only printed.
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

/* where printed text goes: a json-c printbuf or the stream */
typedef void (*put_fn)(void *sink, const char *s, size_t len);

static void num_array_free(struct json_object *jso, void *data)
{
	(void)jso;
	struct num_array *a = data;
	free(a->owned);
	free(a);
}

static void indent(put_fn put, void *sink, int level, int flags)
{
	if (!(flags & JSON_C_TO_STRING_PRETTY))
		return;
	for (int i = 0; i < level; i++)
		put(sink, flags & JSON_C_TO_STRING_PRETTY_TAB ? "\t" : "  ",
		    flags & JSON_C_TO_STRING_PRETTY_TAB ? 1 : 2);
}

/* the array @a as json-c prints an array of ints and nulls at @level with @flags */
static int num_print(const struct num_array *a, int level, int flags, put_fn put, void *sink)
{
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

	put(sink, "[", 1);
	if (pretty)
		put(sink, "\n", 1);
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
		put(sink, buf, o);
	}
	if (pretty) {
		if (a->n)
			put(sink, "\n", 1);
		indent(put, sink, level, flags);
	}
	if (spaced)
		put(sink, " ]", 2);
	else
		put(sink, "]", 1);
	return 0;
}

static void put_printbuf(void *sink, const char *s, size_t len)
{
	printbuf_memappend(sink, s, (int)len);
}

static int num_array_print(struct json_object *jso, struct printbuf *pb, int level, int flags)
{
	return num_print(json_object_get_userdata(jso), level, flags, put_printbuf, pb);
}

static inline void json_object_putp(struct json_object **o)
{
	json_object_put(*o); /* NULL is fine */
}

/* @a->base must outlive the document unless @copy: then the numbers are copied (packed). */
static struct json_object *num_array_json(const struct num_array *src, bool copy)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_array();
	_cleanup_free_ struct num_array *a = calloc(1, sizeof(*a));
	if (!o || !a)
		return NULL;
	*a = *src;
	a->owned = NULL;
	if (a->type == NUM_HMAT) {
		a->owned = malloc(sizeof(struct hmat_row));
		if (!a->owned)
			return NULL;
		memcpy(a->owned, src->base, sizeof(struct hmat_row));
		a->base = a->owned;
	} else if (copy && a->n) {
		enum num_type type = a->type;
		size_t w = type == NUM_U8 ? 1 : type == NUM_U32 ? sizeof(uint32_t) : sizeof(int);
		a->owned = malloc(a->n * w);
		if (!a->owned)
			return NULL;
		for (size_t i = 0; i < a->n; i++)
			memcpy((char *)a->owned + i * w, (const char *)src->base + i * src->stride * w,
			       w);
		a->base = a->owned;
		a->stride = 1;
	}
	json_object_set_serializer(o, num_array_print, TAKE_PTR(a), num_array_free);
	return TAKE_PTR(o);
}

/* ---- the writer: a stream, or a json-c tree --------------------------------------------- */

#define JW_MAX_DEPTH 16 /* our documents nest 6 deep */
#define JW_BUF (64 * 1024)

struct jw {
	FILE *f;   /* print here; NULL: build a tree (root) */
	int flags; /* json-c's JSON_C_TO_STRING_*: the stream prints as json-c would */
	int depth; /* open containers */
	int lost;  /* containers opened past JW_MAX_DEPTH (an error) */
	struct jw_level {
		struct json_object *o; /* tree: the container */
		bool array, had;       /* had: a member is written */
	} lv[JW_MAX_DEPTH];
	struct json_object *root; /* tree: the document */
	int err;
	char *buf; /* stream: text not yet written */
	size_t n;
};

static void jw_flush(struct jw *w)
{
	if (w->n && fwrite(w->buf, 1, w->n, w->f) != w->n && !w->err)
		w->err = -EIO;
	w->n = 0;
}

static void jw_put(void *sink, const char *s, size_t len)
{
	struct jw *w = sink;
	if (len > JW_BUF - w->n) {
		jw_flush(w);
		if (len > JW_BUF) {
			if (fwrite(s, 1, len, w->f) != len && !w->err)
				w->err = -EIO;
			return;
		}
	}
	memcpy(w->buf + w->n, s, len);
	w->n += len;
}

static void jw_puts(struct jw *w, const char *s)
{
	jw_put(w, s, strlen(s));
}

/* a string as json-c escapes it with JSON_C_TO_STRING_NOSLASHESCAPE */
static void jw_quote(struct jw *w, const char *s)
{
	const char *run = s, *p;
	jw_put(w, "\"", 1);
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char u[8];
		const char *e;
		switch (c) {
		case '\b':
			e = "\\b";
			break;
		case '\t':
			e = "\\t";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\f':
			e = "\\f";
			break;
		case '\r':
			e = "\\r";
			break;
		case '"':
			e = "\\\"";
			break;
		case '\\':
			e = "\\\\";
			break;
		default:
			if (c >= 0x20)
				continue;
			snprintf(u, sizeof(u), "\\u%04x", c);
			e = u;
			break;
		}
		jw_put(w, run, (size_t)(p - run));
		jw_puts(w, e);
		run = p + 1;
	}
	jw_put(w, run, (size_t)(p - run));
	jw_put(w, "\"", 1);
}

/* stream: what goes before a member of the open container (separator, indentation, key) */
static void jw_lead(struct jw *w, const char *key)
{
	if (!w->depth)
		return;
	struct jw_level *l = &w->lv[w->depth - 1];
	bool pretty = w->flags & JSON_C_TO_STRING_PRETTY;
	if (l->had)
		jw_put(w, ",\n", pretty ? 2 : 1);
	if ((w->flags & JSON_C_TO_STRING_SPACED) && !pretty)
		jw_put(w, " ", 1);
	l->had = true;
	indent(jw_put, w, w->depth, w->flags);
	if (!l->array) {
		jw_quote(w, key);
		if (w->flags & JSON_C_TO_STRING_SPACED)
			jw_put(w, ": ", 2);
		else
			jw_put(w, ":", 1);
	}
}

/* tree: @o becomes the member @key of the open container (or the document) */
static void jw_add(struct jw *w, const char *key, struct json_object *o)
{
	if (!w->depth) {
		w->root = o;
		return;
	}
	struct jw_level *l = &w->lv[w->depth - 1];
	l->had = true;
	if (!l->o)
		json_object_put(o);
	else if (l->array)
		json_object_array_add(l->o, o);
	else
		json_object_object_add(l->o, key, o);
}

static void jw_open(struct jw *w, const char *key, bool array)
{
	if (w->lost || w->depth == JW_MAX_DEPTH) {
		w->lost++;
		w->err = -E2BIG;
		return;
	}
	struct json_object *o = NULL;
	if (w->f) {
		jw_lead(w, key);
		jw_put(w, array ? "[" : "{", 1);
		if (w->flags & JSON_C_TO_STRING_PRETTY)
			jw_put(w, "\n", 1);
	} else {
		o = array ? json_object_new_array() : json_object_new_object();
		if (!o)
			w->err = -ENOMEM;
		jw_add(w, key, o);
	}
	w->lv[w->depth++] = (struct jw_level){.o = o, .array = array};
}

static void jw_object(struct jw *w, const char *key)
{
	jw_open(w, key, false);
}

static void jw_array(struct jw *w, const char *key)
{
	jw_open(w, key, true);
}

static void jw_end(struct jw *w)
{
	if (w->lost) {
		w->lost--;
		return;
	}
	const struct jw_level *l = &w->lv[--w->depth];
	if (!w->f)
		return;
	bool pretty = w->flags & JSON_C_TO_STRING_PRETTY;
	if (pretty) {
		if (l->had)
			jw_put(w, "\n", 1);
		indent(jw_put, w, w->depth, w->flags);
	}
	if ((w->flags & JSON_C_TO_STRING_SPACED) && !pretty)
		jw_puts(w, l->array ? " ]" : " }");
	else
		jw_put(w, l->array ? "]" : "}", 1);
}

/* a scalar: @text printed, or @o added to the tree (NULL: null) */
static void jw_scalar(struct jw *w, const char *key, const char *text, struct json_object *o)
{
	if (w->lost)
		return;
	if (w->f) {
		jw_lead(w, key);
		jw_puts(w, text);
	} else {
		jw_add(w, key, o);
	}
}

static void jw_null(struct jw *w, const char *key)
{
	jw_scalar(w, key, "null", NULL);
}

static void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_scalar(w, key, v ? "true" : "false", w->f ? NULL : json_object_new_boolean(v));
}

static void jw_int(struct jw *w, const char *key, int64_t v)
{
	char s[24];
	if (w->f)
		snprintf(s, sizeof(s), "%" PRId64, v);
	jw_scalar(w, key, s, w->f ? NULL : json_object_new_int64(v));
}

static void jw_uint(struct jw *w, const char *key, uint64_t v)
{
	char s[24];
	if (w->f)
		snprintf(s, sizeof(s), "%" PRIu64, v);
	jw_scalar(w, key, s, w->f ? NULL : json_object_new_uint64(v));
}

/* a string, or null for NULL */
static void jw_string(struct jw *w, const char *key, const char *v)
{
	if (!v) {
		jw_null(w, key);
	} else if (w->lost) {
		return;
	} else if (w->f) {
		jw_lead(w, key);
		jw_quote(w, v);
	} else {
		jw_add(w, key, json_object_new_string(v));
	}
}

/* an array of numbers (see num_array_json for @copy) */
static void jw_nums(struct jw *w, const char *key, const struct num_array *a, bool copy)
{
	if (w->lost)
		return;
	if (w->f) {
		jw_lead(w, key);
		if (num_print(a, w->depth, w->flags, jw_put, w) < 0)
			w->err = -E2BIG;
	} else {
		struct json_object *o = num_array_json(a, copy);
		if (!o)
			w->err = -ENOMEM;
		jw_add(w, key, o);
	}
}

static void knob_w(struct jw *w, const char *key, const struct state_knob *k)
{
	if (!k->known)
		jw_null(w, key);
	else if (k->boolean)
		jw_bool(w, key, k->v != 0);
	else
		jw_int(w, key, k->v);
}

/* ---- the documents ------------------------------------------------------------------- */

static void ints_w(struct jw *w, const char *key, const int *v, size_t n)
{
	struct num_array a = {.base = v, .n = n, .stride = 1, .type = NUM_INT};
	jw_nums(w, key, &a, true);
}

static void opt_w(struct jw *w, const char *key, const struct opt_u64 *o)
{
	if (o->known)
		jw_uint(w, key, o->v);
	else
		jw_null(w, key);
}

/* HMAT figures: the kernel prints 0 for a value the firmware did not give, and for a 0 it
 * gave (zero_figures) */
static void perf_value_w(struct jw *w, const char *key, const struct topo_perf_class *a, size_t k)
{
	const struct opt_u64 *o = &a->attr[k];
	if (o->known && (o->v || (a->zero_figures >> k & 1)))
		jw_uint(w, key, o->v);
	else
		jw_null(w, key);
}

static void opt_bool_w(struct jw *w, const char *key, const struct opt_u64 *o)
{
	if (o->known)
		jw_bool(w, key, o->v != 0);
	else
		jw_null(w, key);
}

static void int_or_null(struct jw *w, const char *key, bool known, int64_t v)
{
	if (known)
		jw_int(w, key, v);
	else
		jw_null(w, key);
}

static void access_w(struct jw *w, const char *key, const struct topo_perf_class *a)
{
	if (!a->present) {
		jw_null(w, key);
		return;
	}
	jw_object(w, key);
	ints_w(w, "initiators", a->initiators, a->n_initiators);
	ints_w(w, "targets", a->targets, a->n_targets);
	for (size_t k = 0; k < ELEMENTSOF(perf_keys); k++)
		perf_value_w(w, perf_keys[k], a, k);
	jw_end(w);
}

/* perf: access1 (CPU initiators) when the kernel reports it, else access0 */
static void perf_w(struct jw *w, const char *key, const struct topo_node *n)
{
	for (int c = 1; c >= 0; c--) {
		const struct topo_perf_class *a = &n->access[c];
		bool any = false;
		for (size_t k = 0; k < ELEMENTSOF(perf_keys); k++)
			any |= a->attr[k].known && a->attr[k].v;
		if (!any)
			continue;
		jw_object(w, key);
		jw_int(w, "access_class", c);
		int_or_null(w, "initiator", a->n_initiators, a->n_initiators ? a->initiators[0] : 0);
		ints_w(w, "initiators", a->initiators, a->n_initiators);
		for (size_t k = 0; k < ELEMENTSOF(perf_keys); k++)
			perf_value_w(w, perf_keys[k], a, k);
		jw_end(w);
		return;
	}
	jw_null(w, key);
}

static void fw_access_w(struct jw *w, const char *key, const struct fw_access *a)
{
	if (!a->valid) {
		jw_null(w, key);
		return;
	}
	jw_object(w, key);
	ints_w(w, "initiators", a->initiators, a->n_initiators);
	for (size_t k = 0; k < ELEMENTSOF(perf_keys); k++)
		int_or_null(w, perf_keys[k], a->v[k] || (a->given >> k & 1), a->v[k]);
	jw_end(w);
}

static void fw_node_w(struct jw *w, const struct fw_node *f)
{
	jw_object(w, NULL);
	jw_int(w, "node", f->node);
	jw_int(w, "pxm", f->pxm);
	/* has_cpu as in nodes[]: "cpus" is a list of CPU ids there */
	jw_bool(w, "has_cpu", f->cpu);
	jw_bool(w, "generic_initiator", f->generic_initiator);
	jw_array(w, "memory_ranges");
	for (size_t k = 0; k < f->n_ranges; k++) {
		const struct fw_range *r = &f->ranges[k];
		jw_object(w, NULL);
		jw_uint(w, "base", r->base);
		jw_uint(w, "length", r->length);
		jw_bool(w, "hot_pluggable", r->hotplug);
		jw_bool(w, "non_volatile", r->nonvolatile);
		jw_bool(w, "specific_purpose", r->specific_purpose);
		jw_end(w);
	}
	jw_end(w);
	jw_bool(w, "nfit_persistent", f->nfit_pmem);
	jw_bool(w, "cxl_window", f->cxl_window);
	jw_bool(w, "cfmws_node", f->cfmws_fake);
	fw_access_w(w, "hmat_access0", &f->access[0]);
	fw_access_w(w, "hmat_access1", &f->access[1]);
	jw_end(w);
}

static bool table_used(const struct topo_fw *fw, const char *name)
{
	return fw && ((!strcmp(name, "SRAT") && fw->have_srat) ||
		      (!strcmp(name, "SLIT") && fw->have_slit) ||
		      (!strcmp(name, "HMAT") && fw->have_hmat) ||
		      (!strcmp(name, "CEDT") && fw->have_cedt) ||
		      (!strcmp(name, "NFIT") && fw->have_nfit));
}

static void node_or_null(struct jw *w, const char *key, int node)
{
	int_or_null(w, key, node >= 0, node);
}

/* the HMAT matrix, compact: a 1024-node machine has 256 x 1024 pairs */
static void hmat_w(struct jw *w, const struct topo_fw *fw)
{
	jw_object(w, "hmat");
	int *rows = malloc((fw->n_inits + 1) * sizeof(int));
	int *cols = malloc((fw->n_nodes + 1) * sizeof(int));
	for (size_t k = 0; rows && k < fw->n_inits; k++)
		rows[k] = fw_pxm_to_node(fw, fw->init_pxm[k]);
	for (size_t t = 0; cols && t < fw->n_nodes; t++)
		cols[t] = (int)t;
	ints_w(w, "initiators", rows, rows ? fw->n_inits : 0);
	ints_w(w, "targets", cols, cols ? fw->n_nodes : 0);
	free(rows);
	free(cols);
	for (size_t a = 0; a < ELEMENTSOF(perf_keys); a++) {
		jw_array(w, perf_keys[a]);
		for (size_t k = 0; k < fw->n_inits; k++) {
			struct hmat_row h = {fw, k, (int)a};
			struct num_array row = {.base = &h, .n = fw->n_nodes, .stride = 1,
						.type = NUM_HMAT, .zero_is_null = true};
			jw_nums(w, NULL, &row, true);
		}
		jw_end(w);
	}
	jw_end(w);
}

/*
 * firmware{tables[], nodes[], hmat[], memory_side_caches[], cxl_windows[], nfit_ranges[]};
 * the state file has no hmat
 */
static void firmware_w(struct jw *w, const struct topo *topo, bool state)
{
	const struct topo_fw *fw = topo->fw;
	jw_object(w, "firmware");
	jw_array(w, "tables");
	for (size_t i = 0; i < topo->n_tables; i++) {
		const struct topo_acpi_blob *b = &topo->tables[i];
		jw_object(w, NULL);
		jw_string(w, "signature", b->name);
		jw_uint(w, "length", b->len);
		jw_bool(w, "used", table_used(fw, b->name));
		jw_end(w);
	}
	jw_end(w);

	jw_array(w, "nodes");
	for (size_t i = 0; fw && i < fw->n_nodes; i++)
		fw_node_w(w, &fw->nodes[i]);
	jw_end(w);

	if (fw && fw->have_matrix && !state)
		hmat_w(w, fw);
	else if (!state)
		jw_null(w, "hmat");

	jw_array(w, "memory_side_caches");
	for (size_t i = 0; fw && fw->have_hmat && i < fw->hmat.n_caches; i++) {
		const struct acpi_hmat_cache *c = &fw->hmat.caches[i];
		jw_object(w, NULL);
		node_or_null(w, "node", fw_pxm_to_node(fw, c->memory_pd));
		jw_int(w, "pxm", c->memory_pd);
		jw_int(w, "level", c->level);
		jw_uint(w, "size_bytes", c->size);
		jw_int(w, "line_size_bytes", c->line_size);
		jw_int(w, "associativity", c->associativity);
		jw_int(w, "write_policy", c->write_policy);
		jw_end(w);
	}
	jw_end(w);

	jw_array(w, "cxl_windows");
	for (size_t i = 0; fw && fw->have_cedt && i < fw->cedt.n_cfmws; i++) {
		const struct acpi_cedt_cfmws *c = &fw->cedt.cfmws[i];
		jw_object(w, NULL);
		jw_uint(w, "base", c->base);
		jw_uint(w, "size", c->size);
		jw_int(w, "interleave_ways", c->ways);
		jw_uint(w, "granularity", c->granularity);
		jw_int(w, "restrictions", c->restrictions);
		jw_bool(w, "usable", c->usable);
		jw_end(w);
	}
	jw_end(w);

	jw_array(w, "nfit_ranges");
	for (size_t i = 0; fw && fw->have_nfit && i < fw->nfit.n_spa; i++) {
		const struct acpi_nfit_spa *r = &fw->nfit.spa[i];
		jw_object(w, NULL);
		jw_int(w, "index", r->range_index);
		jw_string(w, "type", acpi_nfit_range_type_name(r->range_type));
		int_or_null(w, "pxm", r->proximity_valid, r->pxm);
		node_or_null(w, "node", r->proximity_valid ? fw_pxm_to_node(fw, r->pxm) : -1);
		jw_uint(w, "base", r->base);
		jw_uint(w, "length", r->length);
		jw_end(w);
	}
	jw_end(w);
	jw_end(w);
}

/* the node's fallback is every node of every slower tier (the tiers[] after its own) */
static bool fallback_is_slower_tiers(const struct topo_plan *plan, const struct plan_node *pn)
{
	if (pn->tier < 0 || !pn->member)
		return false;
	for (size_t t = 0; t < plan->n_tiers; t++)
		if (plan->tiers[t].id == pn->tier)
			return plan->tiers[t].lower && pn->fallback == plan->tiers[t].lower &&
			       pn->n_fallback == plan->tiers[t].n_lower;
	return false;
}

static void plan_node_w(struct jw *w, const struct topo_plan *plan, int id, bool state)
{
	const struct plan_node *pn = &plan->nodes[plan->topo->node_index[id]];
	jw_string(w, "kind", topo_kind_to_string(pn->kind));
	jw_array(w, "evidence");
	for (size_t i = 0; i < pn->n_evidence; i++)
		jw_string(w, NULL, pn->evidence[i]);
	jw_end(w);
	int_or_null(w, "adistance", pn->has_adist && pn->member, pn->adist);
	int_or_null(w, "tier", pn->tier >= 0 && pn->member, pn->tier);
	jw_object(w, "demotion");
	ints_w(w, "preferred", pn->preferred, pn->n_preferred);
	/* the state file leaves out the fallback that tiers[] gives (topo_plan_load() puts it
	 * back): on a 1024-node machine the lists were 1.3 MB of the file */
	if (!state || !fallback_is_slower_tiers(plan, pn))
		ints_w(w, "fallback", pn->fallback, pn->n_fallback);
	jw_end(w);
	jw_bool(w, "excluded", pn->excluded);
	/* node_is_toptier() of the plan: NUMA balancing's tiering mode never promotes from it */
	int top = topo_plan_is_toptier(plan, id);
	if (top >= 0)
		jw_bool(w, "promotion_top_tier", top);
	else
		jw_null(w, "promotion_top_tier");
}

static void cpu_list_w(struct jw *w, const char *key, const unsigned int *cpus, size_t n)
{
	struct num_array a = {.base = cpus, .n = n, .stride = 1, .type = NUM_U32};
	jw_nums(w, key, &a, true);
}

/* node @idx of the snapshot; @knobs: the state file's (its weight, no MemFree) */
static void node_w(struct jw *w, const struct topo *topo, size_t idx,
		   const struct topo_plan *plan, bool state, const struct state_knobs *knobs)
{
	const struct topo_node *n = &topo->nodes[idx];
	jw_object(w, NULL);
	jw_int(w, "node", n->id);
	const struct fw_node *fwn = fw_node_by_id(topo->fw, n->id);
	int_or_null(w, "pxm", fwn, fwn ? fwn->pxm : 0);
	jw_bool(w, "online", n->online);
	jw_bool(w, "has_cpu", n->has_cpu);
	jw_bool(w, "has_memory", n->has_memory);
	jw_bool(w, "has_normal_memory", n->has_normal_memory);
	jw_bool(w, "generic_initiator", n->generic_initiator);
	cpu_list_w(w, "cpus", n->cpus, n->n_cpus); /* the online ones */
	cpu_list_w(w, "cpus_offline", n->cpus_offline, n->n_cpus_offline);
	jw_string(w, "gpu", n->gpu);
	opt_w(w, "memory_bytes", &n->mem_total);
	/* MemFree changes all the time: in the state file every apply would rewrite it */
	if (!knobs)
		opt_w(w, "memory_free_bytes", &n->mem_free);
	if (n->present)
		jw_uint(w, "memory_blocks", n->n_memory_blocks);
	else
		jw_null(w, "memory_blocks");
	size_t b_on = 0, b_off = 0;
	if (topo_node_get_memory_block_states(n, &b_on, &b_off) == 0) {
		jw_uint(w, "memory_blocks_online", b_on);
		jw_uint(w, "memory_blocks_offline", b_off);
	} else {
		jw_null(w, "memory_blocks_online");
		jw_null(w, "memory_blocks_offline");
	}
	const char *zv[8];
	size_t nz = topo_node_get_memory_zones(n, zv, ELEMENTSOF(zv));
	jw_array(w, "memory_zones");
	for (size_t i = 0; i < nz && i < ELEMENTSOF(zv); i++)
		jw_string(w, NULL, zv[i]);
	jw_end(w);

	/* one distance per entry of the top-level nodes[], in the same order (null: unknown);
	 * a 1024-node machine has a million of them, so plain numbers, not objects */
	if (n->distance && !state) {
		struct num_array d = {.base = n->distance, .n = topo->n_nodes, .stride = 1,
				      .type = NUM_U8, .zero_is_null = true};
		jw_nums(w, "distances", &d, false);
	} else if (!state) {
		jw_null(w, "distances");
	}
	unsigned int nd;
	int cpu_node;
	if (topo_get_nearest_cpu_distance(topo, n->id, &nd, &cpu_node) == 0) {
		jw_int(w, "nearest_cpu_node", cpu_node);
		jw_int(w, "nearest_cpu_distance", nd);
	} else {
		jw_null(w, "nearest_cpu_node");
		jw_null(w, "nearest_cpu_distance");
	}

	perf_w(w, "perf", n);
	access_w(w, "access0", &n->access[0]);
	access_w(w, "access1", &n->access[1]);

	jw_array(w, "memory_side_caches");
	for (size_t i = 0; i < n->n_caches; i++) {
		const struct topo_cache *c = &n->caches[i];
		jw_object(w, NULL);
		jw_int(w, "level", c->level);
		opt_w(w, "size_bytes", &c->size);
		opt_w(w, "line_size_bytes", &c->line_size);
		opt_w(w, "indexing", &c->indexing);
		opt_w(w, "write_policy", &c->write_policy);
		jw_end(w);
	}
	jw_end(w);
	int_or_null(w, "kernel_tier", n->kernel_tier >= 0, n->kernel_tier);
	if (knobs)
		knob_w(w, "interleave_weight", &knobs->interleave_weight[idx]);
	else
		opt_w(w, "interleave_weight", &n->interleave_weight);
	if (n->kernel_demotion_known) {
		jw_object(w, "kernel_demotion");
		ints_w(w, "preferred", n->kernel_preferred, n->n_kernel_preferred);
		ints_w(w, "fallback", n->kernel_fallback, n->n_kernel_fallback);
		jw_end(w);
	} else {
		jw_null(w, "kernel_demotion");
	}
	if (plan)
		plan_node_w(w, plan, n->id, state);
	jw_end(w);
}

/* the kernel's knobs: the snapshot's, or @knobs (the state file) */
static void kernel_w(struct jw *w, const struct topo *topo, const struct state_knobs *knobs)
{
	jw_object(w, "kernel");
	jw_string(w, "release", topo->release);
	jw_array(w, "tiers");
	for (size_t i = 0; i < topo->n_tiers; i++) {
		jw_object(w, NULL);
		jw_int(w, "id", topo->tiers[i].id);
		ints_w(w, "nodes", topo->tiers[i].nodes, topo->tiers[i].n_nodes);
		jw_end(w);
	}
	jw_end(w);
	if (knobs) {
		knob_w(w, "demotion_enabled", &knobs->demotion_enabled);
		knob_w(w, "numa_balancing", &knobs->numa_balancing);
		knob_w(w, "promote_rate_limit_mbps", &knobs->promote_rate_limit);
	} else {
		opt_bool_w(w, "demotion_enabled", &topo->demotion_enabled);
		opt_w(w, "numa_balancing", &topo->numa_balancing);
		opt_w(w, "promote_rate_limit_mbps", &topo->promote_rate_limit);
	}
	opt_w(w, "memory_block_size_bytes", &topo->block_size);
	jw_string(w, "auto_online_blocks", topo->auto_online_blocks);
	jw_string(w, "memmap_on_memory", topo->memmap_on_memory);
	jw_object(w, "weighted_interleave");
	opt_bool_w(w, "auto", &topo->wi_auto);
	jw_string(w, "auto_file", topo->wi_auto_file);
	jw_end(w);
	jw_end(w);
}

static void dev_w(struct jw *w, const struct topo_dev *d)
{
	jw_object(w, NULL);
	jw_string(w, "device", d->name);
	jw_string(w, "devpath", d->devpath);
	jw_string(w, "driver", d->driver);
	if (d->bus != TOPO_BUS_CXL) {
		int_or_null(w, "target_node", d->has_target_node, d->target_node);
		int_or_null(w, "numa_node", d->has_numa_node, d->numa_node);
	}
	opt_w(w, "size", &d->size);
	if (d->bus == TOPO_BUS_DAX) {
		jw_string(w, "parent", d->parent);
		jw_string(w, "parent_kind", d->parent_kind);
		/* as daxctl list names them: mode, online_memblocks, total_memblocks, movable */
		jw_string(w, "mode", topo_dev_get_dax_mode(d));
		opt_w(w, "resource", &d->resource);
		if (d->blocks_known) {
			jw_uint(w, "online_memblocks", d->blocks_online);
			jw_uint(w, "total_memblocks", d->blocks_total);
		} else {
			jw_null(w, "online_memblocks");
			jw_null(w, "total_memblocks");
		}
		if (d->movable >= 0)
			jw_bool(w, "movable", d->movable);
		else
			jw_null(w, "movable");
	} else {
		jw_string(w, d->bus == TOPO_BUS_ND ? "type" : "mode", d->mode);
	}
	jw_end(w);
}

static void finding_w(struct jw *w, const struct topo_finding *f)
{
	jw_object(w, NULL);
	jw_string(w, "id", f->id);
	jw_string(w, "severity", topo_severity_to_string(f->severity));
	jw_string(w, "message", f->message);
	jw_string(w, "path", f->path);
	if (f->suppressed) /* only a check's findings are ever marked */
		jw_bool(w, "suppressed", true);
	jw_end(w);
}

struct json_object *finding_json(const struct topo_finding *f)
{
	struct jw w = {0};
	finding_w(&w, f);
	if (w.err) {
		json_object_put(w.root);
		return NULL;
	}
	return w.root;
}

static void plan_tiers_w(struct jw *w, const struct topo_plan *plan)
{
	jw_array(w, "tiers");
	for (size_t i = 0; i < plan->n_tiers; i++) {
		const struct plan_tier *t = &plan->tiers[i];
		jw_object(w, NULL);
		jw_int(w, "id", t->id);
		/* the kernel's int: negative for a tier of a distance past INT_MAX */
		jw_int(w, "adistance_start",
		       t->adistance_start > INT32_MAX
			   ? (int64_t)t->adistance_start - (INT64_C(1) << 32)
			   : (int64_t)t->adistance_start);
		ints_w(w, "nodes", t->nodes, t->n_nodes);
		jw_end(w);
	}
	jw_end(w);
}

/*
 * The snapshot, and with a plan the plan's decisions inside each node and tiers[]. The
 * @state file's form (docs/json.md) leaves out the matrices (SLIT distances, HMAT: -J has
 * them) and the fallback lists that tiers[] gives.
 */
static void document_w(struct jw *w, const struct topo *topo, const struct topo_plan *plan,
		       bool state, const struct state_knobs *knobs)
{
	jw_object(w, NULL);
	jw_string(w, "schema", TOPO_JSON_SCHEMA);
	if (plan) {
		jw_object(w, "plan");
		jw_string(w, "model", plan->model == TOPO_PLAN_KERNEL ? "kernel" : "recommended");
		jw_string(w, "kernel_release", plan->release);
		jw_string(w, "kernel_model", plan->kmodel ? plan->kmodel->name : NULL);
		jw_bool(w, "has_demotion", topo_plan_has_demotion(plan));
		jw_end(w);
		plan_tiers_w(w, plan);
	}
	kernel_w(w, topo, knobs);

	jw_array(w, "nodes");
	for (size_t i = 0; i < topo->n_nodes; i++)
		node_w(w, topo, i, plan, state, knobs);
	jw_end(w);

	static const char *const bus_keys[] = {"dax", "nd_regions", "cxl_regions"};
	for (size_t b = 0; b < ELEMENTSOF(bus_keys); b++) {
		jw_array(w, bus_keys[b]);
		for (size_t i = 0; i < topo->n_devs; i++)
			if ((size_t)topo->devs[i].bus == b)
				dev_w(w, &topo->devs[i]);
		jw_end(w);
	}

	firmware_w(w, topo, state);

	jw_array(w, "findings");
	for (size_t i = 0; i < topo->findings.n; i++)
		finding_w(w, &topo->findings.v[i]);
	for (size_t i = 0; plan && i < plan->findings.n; i++)
		finding_w(w, &plan->findings.v[i]);
	jw_end(w);
	jw_end(w);
}

static int json_c_flags(unsigned int flags)
{
	return JSON_C_TO_STRING_NOSLASHESCAPE |
	       ((flags & TOPO_JSON_PRETTY) ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
					   : JSON_C_TO_STRING_PLAIN);
}

int json_to_string(struct json_object *root, unsigned int flags, char **out)
{
	const char *s = json_object_to_json_string_ext(root, json_c_flags(flags));
	*out = s ? strdup(s) : NULL;
	json_object_put(root);
	return *out ? 0 : -ENOMEM;
}

struct json_object *document_tree(const struct topo *topo, const struct topo_plan *plan,
				  bool state)
{
	struct jw w = {0};
	document_w(&w, topo, plan, state, NULL);
	if (w.err) {
		json_object_put(w.root);
		return NULL;
	}
	return w.root;
}

/* the document printed to @f as it is made; no newline after it */
static int document_print(const struct topo *topo, const struct topo_plan *plan,
			  unsigned int flags, FILE *f, const struct state_knobs *knobs)
{
	struct jw w = {.f = f, .flags = json_c_flags(flags), .buf = malloc(JW_BUF)};
	if (!w.buf)
		return -ENOMEM;
	document_w(&w, topo, plan, knobs != NULL, knobs);
	jw_flush(&w);
	free(w.buf);
	return w.err;
}

int state_document(const struct topo_plan *plan, const struct state_knobs *knobs, char **out,
		   size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	if (!f)
		return -errno;
	int r = document_print(plan->topo, plan, 0, f, knobs);
	if (r >= 0 && fputc('\n', f) == EOF)
		r = -ENOMEM;
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0) {
		free(text);
		return r;
	}
	*out = text;
	*len = n;
	return 0;
}

/* the document as one malloc'd string */
static int document_string(const struct topo *topo, const struct topo_plan *plan,
			   unsigned int flags, char **out)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	int r = document_print(topo, plan, flags, f, NULL);
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0) {
		free(text);
		return r;
	}
	*out = text;
	return 0;
}

int topo_to_json(const struct topo *topo, unsigned int flags, char **out)
{
	if (!topo || !out)
		return -EINVAL;
	return document_string(topo, NULL, flags, out);
}

int topo_plan_to_json(const struct topo_plan *plan, unsigned int flags, char **out)
{
	if (!plan || !out)
		return -EINVAL;
	return document_string(plan->topo, plan, flags, out);
}

int topo_plan_print_json(const struct topo_plan *plan, unsigned int flags, FILE *f)
{
	if (!plan || !f)
		return -EINVAL;
	return document_print(plan->topo, plan, flags, f, NULL);
}
