/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo --dump: one row per node, lsmem style. The column table drives the header,
 * --help and libsmartcols; -J prints the whole snapshot as JSON instead.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"

enum {
	COL_NODE,
	COL_ONLINE,
	COL_CPUS,
	COL_MEMORY,
	COL_FREE,
	COL_BLOCKS,
	COL_TIER,
	COL_ACCESS,
	COL_INITIATOR,
	COL_RLAT,
	COL_WLAT,
	COL_RBW,
	COL_WBW,
	COL_DIST,
	COL_CACHE,
	COL_FLAGS,
	COL_KIND,
	COL_PTIER,
	COL_ADIST,
	COL_PREFERRED,
	COL_FALLBACK,
	COL_EVIDENCE,
	COL_ZONES,
	COL_BLK_ONLINE,
	COL_BLK_OFFLINE,
	COL_DAX,
	COL_AUTO_ONLINE,
	COL_MEMMAP,
};

static const struct column coldescs[] = {
    [COL_NODE] = {"NODE", 0, SCOLS_FL_RIGHT, "node", "node id"},
    [COL_ONLINE] = {"ONLINE", 0, SCOLS_FL_RIGHT, "online", "node is online"},
    [COL_CPUS] = {"CPUS", 0.1, 0, "cpus", "cpus of the node"},
    [COL_MEMORY] = {"MEMORY", 0, SCOLS_FL_RIGHT, "memory_bytes", "memory of the node (MemTotal)"},
    [COL_FREE] = {"FREE", 0, SCOLS_FL_RIGHT, "memory_free_bytes",
		  "free memory of the node (MemFree)"},
    [COL_BLOCKS] = {"BLOCKS", 0, SCOLS_FL_RIGHT, "memory_blocks", "memory blocks of the node"},
    [COL_TIER] = {"TIER", 0, SCOLS_FL_RIGHT, "kernel_tier",
		  "the kernel's memory tier (memory_tierN)"},
    [COL_ACCESS] = {"ACCESS", 0, SCOLS_FL_RIGHT, "perf.access_class",
		    "access class of the figures: 1 CPU initiators, 0 any initiator"},
    [COL_INITIATOR] = {"INITIATOR", 0, 0, "perf.initiators",
		       "best initiator nodes of that access class"},
    [COL_RLAT] = {"RLAT", 0, SCOLS_FL_RIGHT, "perf.read_latency_ns",
		  "read latency in ns (HMAT, as the kernel reports)"},
    [COL_WLAT] = {"WLAT", 0, SCOLS_FL_RIGHT, "perf.write_latency_ns", "write latency in ns"},
    [COL_RBW] = {"RBW", 0, SCOLS_FL_RIGHT, "perf.read_bandwidth_mbps", "read bandwidth in MB/s"},
    [COL_WBW] = {"WBW", 0, SCOLS_FL_RIGHT, "perf.write_bandwidth_mbps", "write bandwidth in MB/s"},
    [COL_DIST] = {"DIST", 0, SCOLS_FL_RIGHT, "nearest_cpu_distance",
		  "distance to the nearest node with cpus"},
    [COL_CACHE] = {"CACHE", 0, SCOLS_FL_RIGHT, "memory_side_caches", "memory-side cache size"},
    [COL_FLAGS] = {"FLAGS", 0, 0, NULL, "c cpus, m memory, n normal memory, g generic initiator"},
    [COL_KIND] = {"KIND", 0, 0, "kind", "DRAM, PMEM, HBM, CXL-DRAM, CXL-PMEM, SPM or unknown"},
    [COL_PTIER] = {"PTIER", 0, SCOLS_FL_RIGHT, "tier", "the tier tiertopo recommends"},
    [COL_ADIST] = {"ADIST", 0, SCOLS_FL_RIGHT, "adistance", "recommended abstract distance"},
    [COL_PREFERRED] = {"PREFERRED", 0, 0, "demotion.preferred",
		       "preferred demotion targets (recommended)"},
    [COL_FALLBACK] = {"FALLBACK", 0, 0, "demotion.fallback",
		      "fallback demotion targets (recommended)"},
    [COL_EVIDENCE] = {"EVIDENCE", 0, SCOLS_FL_WRAP, "evidence", "what decided the kind"},
    /* memory hotplug: sys/devices/system/memory, the dax devices (daxctl's view) */
    [COL_ZONES] = {"ZONES", 0, 0, "memory_zones", "zones of the node's online memory blocks"},
    [COL_BLK_ONLINE] = {"BLK_ONLINE", 0, SCOLS_FL_RIGHT, "memory_blocks_online",
			"memory blocks online"},
    [COL_BLK_OFFLINE] = {"BLK_OFFLINE", 0, SCOLS_FL_RIGHT, "memory_blocks_offline",
			 "memory blocks offline"},
    [COL_DAX] = {"DAX", 0, 0, NULL,
		 "dax devices targeting the node: name=mode (system-ram, devdax) and online/total "
		 "blocks"},
    [COL_AUTO_ONLINE] = {"AUTO_ONLINE", 0, 0, NULL,
			 "how hot-added blocks are onlined (auto_online_blocks; machine-wide)"},
    [COL_MEMMAP] = {"MEMMAP_ON_MEM", 0, 0, NULL,
		    "memory_hotplug memmap_on_memory parameter (machine-wide)"},
};

static const int default_cols[] = {COL_NODE, COL_CPUS, COL_MEMORY, COL_KIND, COL_TIER,
				   COL_PTIER, COL_RLAT, COL_WLAT,   COL_RBW,  COL_WBW,
				   COL_DIST,  COL_PREFERRED};

/* -J prints the library's snapshot (topo_plan_to_json); a column's key says where its value
 * is in a node's object (FLAGS: has_cpu, has_memory, has_normal_memory, generic_initiator) */
static const struct listing dump_listing = {
    .cols = coldescs,
    .ncols = ARRAY_SIZE(coldescs),
    .defaults = default_cols,
    .ndefaults = ARRAY_SIZE(default_cols),
    .help_width = 10,
};

static void usage(FILE *out)
{
	fputs("Usage: tiertopo [--dump] [options]\n"
	      "\n"
	      "Show the NUMA nodes with their cpus, memory, kind, the kernel's memory tier and\n"
	      "the recommended one, the HMAT performance the kernel reports and where each\n"
	      "node's cold pages should be demoted.\n"
	      "\n"
	      "Options:\n"
	      " -J, --json            print the whole snapshot as JSON; with -o or\n"
	      "                       --output-all, only those columns of each node\n"
	      " -o, --output <list>   columns to print (see below)\n"
	      "     --output-all      print all columns\n"
	      " -r, --raw             raw output\n"
	      " -P, --pairs           key=\"value\" output\n"
	      " -n, --noheadings      no header line\n"
	      " -b, --bytes           sizes in bytes\n"
	      "                       (-J, -r and -P choose the output form: one at a time)\n"
	      " -s, --sysroot <dir>   read the machine below <dir>\n"
	      "     --acpi-dir <dir>  read ACPI tables from <dir>\n"
	      " -v, --verbose         say more\n"
	      " -h, --help            show this help\n"
	      "\n"
	      "Columns:\n",
	      out);
	columns_usage(&dump_listing, out);
	fputs("\nValues the kernel does not report are shown as '-'. Notes (info findings)\n"
	      "are printed with -v only; tiertopo check lists them all.\n",
	      out);
}

/* lsmem-style size: 1K, 4.5G; with --bytes the plain number */
static char *fmt_size(uint64_t bytes, bool raw_bytes)
{
	if (raw_bytes) {
		char *s;
		return asprintf(&s, "%" PRIu64, bytes) < 0 ? NULL : s;
	}
	static const char units[] = "BKMGTPE";
	int u = 0;
	double v = (double)bytes;
	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	char *s;
	if (u == 0)
		return asprintf(&s, "%" PRIu64 "B", bytes) < 0 ? NULL : s;
	if (v - (double)(uint64_t)v < 0.05 || v - (double)(uint64_t)v >= 0.95)
		return asprintf(&s, "%.0f%c", v, units[u]) < 0 ? NULL : s;
	return asprintf(&s, "%.1f%c", v, units[u]) < 0 ? NULL : s;
}

static char *perf_cell(const struct topo_node *n, int access, enum topo_perf_attr a)
{
	uint32_t v;
	char *s;
	if (access < 0 || topo_node_get_perf(n, (unsigned int)access, a, &v) < 0)
		return NULL;
	return asprintf(&s, "%" PRIu32, v) < 0 ? NULL : s;
}

static char *cell(const struct topo *topo, const struct topo_plan *plan, const struct topo_node *n,
		  int col, bool bytes)
{
	char *s = NULL;
	uint64_t v;
	int r;
	/* figures: access1 when the kernel reports it, else access0 */
	int access = topo_node_get_perf(n, 1, TOPO_PERF_READ_LATENCY, NULL) == 0 ||
				     topo_node_get_perf(n, 1, TOPO_PERF_READ_BANDWIDTH, NULL) == 0
			     ? 1
		     : topo_node_get_perf(n, 0, TOPO_PERF_READ_LATENCY, NULL) == 0 ||
				     topo_node_get_perf(n, 0, TOPO_PERF_READ_BANDWIDTH, NULL) == 0
			     ? 0
			     : -1;

	switch (col) {
	case COL_NODE:
		r = asprintf(&s, "%d", topo_node_get_id(n));
		break;
	case COL_ONLINE:
		return strdup(topo_node_is_online(n) ? "yes" : "no");
	case COL_CPUS: {
		const unsigned int *cpus;
		size_t nc = topo_node_get_cpus(n, &cpus);
		return nc ? format_list(cpus, nc) : NULL;
	}
	case COL_MEMORY:
		return topo_node_get_mem_total(n, &v) == 0
			       ? fmt_size(v, bytes)
			       : NULL;
	case COL_FREE:
		return topo_node_get_mem_free(n, &v) == 0
			       ? fmt_size(v, bytes)
			       : NULL;
	case COL_BLOCKS:
		/* an offline node (no nodeN/ to count in): unknown, as -J's null, not 0 */
		if (!topo_node_is_online(n) && !topo_node_get_memory_block_count(n))
			return NULL;
		r = asprintf(&s, "%zu", topo_node_get_memory_block_count(n));
		break;
	case COL_TIER: {
		uint32_t t; /* up to 4294967295: a tier of a distance past INT_MAX */
		if (topo_node_get_kernel_tier_id(n, &t) < 0)
			return NULL;
		r = asprintf(&s, "%u", t);
		break;
	}
	case COL_ACCESS:
		if (access < 0)
			return NULL;
		r = asprintf(&s, "%d", access);
		break;
	case COL_INITIATOR: {
		const int *ini = NULL;
		size_t ni = access < 0 ? 0
				       : topo_node_get_perf_initiators(n, (unsigned int)access, &ini);
		return format_node_list(ini, ni);
	}
	case COL_KIND:
		return strdup(topo_kind_to_string(topo_plan_get_kind(plan, topo_node_get_id(n))));
	case COL_PTIER: {
		uint32_t t;
		if (topo_plan_get_tier_id(plan, topo_node_get_id(n), &t) < 0)
			return NULL;
		r = asprintf(&s, "%u", t);
		break;
	}
	case COL_ADIST: {
		unsigned int a;
		if (topo_plan_get_tier_id(plan, topo_node_get_id(n), NULL) < 0 ||
		    topo_plan_get_adistance(plan, topo_node_get_id(n), &a) < 0)
			return NULL;
		r = asprintf(&s, "%u", a);
		break;
	}
	case COL_PREFERRED: {
		const int *t = NULL;
		size_t nt = topo_plan_get_preferred(plan, topo_node_get_id(n), &t);
		return format_node_list(t, nt);
	}
	case COL_FALLBACK: {
		const int *t = NULL;
		size_t nt = topo_plan_get_fallback(plan, topo_node_get_id(n), &t);
		return format_node_list(t, nt);
	}
	case COL_EVIDENCE: {
		size_t ne = topo_plan_get_evidence_count(plan, topo_node_get_id(n));
		size_t len = 1;
		for (size_t i = 0; i < ne; i++)
			len += strlen(topo_plan_get_evidence(plan, topo_node_get_id(n), i)) + 2;
		if (!ne || !(s = calloc(1, len)))
			return NULL;
		for (size_t i = 0; i < ne; i++) {
			if (i)
				strcat(s, "; ");
			strcat(s, topo_plan_get_evidence(plan, topo_node_get_id(n), i));
		}
		return s;
	}
	case COL_RLAT:
		return perf_cell(n, access, TOPO_PERF_READ_LATENCY);
	case COL_WLAT:
		return perf_cell(n, access, TOPO_PERF_WRITE_LATENCY);
	case COL_RBW:
		return perf_cell(n, access, TOPO_PERF_READ_BANDWIDTH);
	case COL_WBW:
		return perf_cell(n, access, TOPO_PERF_WRITE_BANDWIDTH);
	case COL_DIST: {
		unsigned int d;
		if (topo_get_nearest_cpu_distance(topo, topo_node_get_id(n), &d, NULL) < 0)
			return NULL;
		r = asprintf(&s, "%u", d);
		break;
	}
	case COL_CACHE: {
		uint64_t total = 0;
		size_t nc = topo_node_get_cache_count(n);
		for (size_t i = 0; i < nc; i++)
			if (topo_node_get_cache(n, i, TOPO_CACHE_SIZE, &v) == 0)
				total += v;
		return nc ? fmt_size(total, bytes) : NULL;
	}
	case COL_ZONES: {
		const char *z[8];
		size_t nz = topo_node_get_memory_zones(n, z, ARRAY_SIZE(z));
		size_t len = 1;
		for (size_t i = 0; i < nz && i < ARRAY_SIZE(z); i++)
			len += strlen(z[i]) + 1;
		if (!nz || !(s = calloc(1, len)))
			return NULL;
		for (size_t i = 0; i < nz && i < ARRAY_SIZE(z); i++) {
			if (i)
				strcat(s, ",");
			strcat(s, z[i]);
		}
		return s;
	}
	case COL_BLK_ONLINE:
	case COL_BLK_OFFLINE: {
		size_t on, off;
		if (topo_node_get_memory_block_states(n, &on, &off) < 0)
			return NULL;
		r = asprintf(&s, "%zu", col == COL_BLK_ONLINE ? on : off);
		break;
	}
	case COL_DAX: {
		size_t len = 0;
		for (size_t i = 0; i < topo_get_dev_count(topo); i++) {
			const struct topo_dev *d = topo_get_dev(topo, i);
			int t;
			if (topo_dev_get_bus(d) != TOPO_BUS_DAX || topo_dev_get_target_node(d, &t) < 0 ||
			    t != topo_node_get_id(n))
				continue;
			const char *mode = topo_dev_get_dax_mode(d);
			size_t on, total;
			char *e = NULL;
			if (topo_dev_get_memory_blocks(d, &on, &total) == 0)
				r = asprintf(&e, "%s%s=%s %zu/%zu", s ? "," : "", topo_dev_get_name(d),
					     mode ? mode : "-", on, total);
			else
				r = asprintf(&e, "%s%s=%s", s ? "," : "", topo_dev_get_name(d),
					     mode ? mode : "-");
			char *ns = r < 0 ? NULL : realloc(s, len + strlen(e) + 1);
			if (!ns) {
				free(e);
				free(s);
				return NULL;
			}
			s = ns;
			memcpy(s + len, e, strlen(e) + 1);
			len += strlen(e);
			free(e);
		}
		return s;
	}
	case COL_AUTO_ONLINE:
	case COL_MEMMAP: {
		const char *pv;
		if ((col == COL_AUTO_ONLINE ? topo_get_auto_online_blocks(topo, &pv)
					    : topo_get_memmap_on_memory(topo, &pv)) < 0)
			return NULL;
		return strdup(pv);
	}
	case COL_FLAGS:
		r = asprintf(&s, "%s%s%s%s", topo_node_has_cpu(n) ? "c" : "",
			     topo_node_has_memory(n) ? "m" : "",
			     topo_node_has_normal_memory(n) ? "n" : "",
			     topo_node_is_generic_initiator(n) ? "g" : "");
		break;
	default:
		return NULL;
	}
	return r < 0 ? NULL : s;
}

/* the key of @col in a row of -J -o: its key in the snapshot's node, or for the columns
 * without one, the keys of the same values elsewhere in the snapshot */
static int json_cell(struct json_object *row, struct json_object *node, struct json_object *doc,
		     int col)
{
	static const char *const flags[] = {"has_cpu", "has_memory", "has_normal_memory",
					    "generic_initiator"};
	int r = 0;
	switch (col) {
	case COL_FLAGS:
		for (size_t i = 0; i < ARRAY_SIZE(flags) && !r; i++)
			r = json_project(row, node, flags[i]);
		return r;
	case COL_AUTO_ONLINE:
		return json_project(row, json_object_object_get(doc, "kernel"),
				    "auto_online_blocks");
	case COL_MEMMAP:
		return json_project(row, json_object_object_get(doc, "kernel"), "memmap_on_memory");
	case COL_DAX: {
		/* the snapshot's dax devices that target the node, as DAX lists them */
		struct json_object *all = json_object_object_get(doc, "dax");
		struct json_object *mine = json_object_new_array();
		int id = json_object_get_int(json_object_object_get(node, "node"));
		for (size_t i = 0; mine && i < json_object_array_length(all); i++) {
			struct json_object *d = json_object_array_get_idx(all, i);
			struct json_object *t = json_object_object_get(d, "target_node");
			if (json_object_is_type(t, json_type_int) && json_object_get_int(t) == id &&
			    json_object_array_add(mine, json_object_get(d)) < 0)
				json_object_put(d);
		}
		if (!mine || json_object_object_add(row, "dax", mine) < 0) {
			json_object_put(mine);
			return -ENOMEM;
		}
		return 0;
	}
	default:
		return json_project(row, node, coldescs[col].key);
	}
}

/*
 * -J with -o or --output-all: {"schema", "nodes": [rows]} as lsblk -J -o prints, each row
 * the snapshot's node object with the keys of the selected columns only, in their order.
 * The values are the snapshot's own (-J), so the two never differ.
 */
static int print_json_rows(const struct session *s, const struct colsel *sel)
{
	char *text = NULL;
	int r = topo_plan_to_json(s->plan, 0, &text);
	if (r < 0) {
		fprintf(stderr, "tiertopo: cannot make JSON: %s\n", strerror(-r));
		return EXIT_ERROR;
	}
	struct json_object *doc = json_tokener_parse(text);
	free(text);
	struct json_object *out = json_object_new_object();
	struct json_object *rows = json_object_new_array();
	struct json_object *nodes = json_object_object_get(doc, "nodes");
	r = doc && out && rows ? 0 : -ENOMEM;
	if (!r &&
	    (json_object_object_add(out, "schema", json_object_new_string(TOPO_JSON_SCHEMA)) < 0 ||
	     json_object_object_add(out, "nodes", rows) < 0))
		r = -ENOMEM;
	else if (r)
		json_object_put(rows);
	for (size_t k = 0; !r && k < json_object_array_length(nodes); k++) {
		struct json_object *node = json_object_array_get_idx(nodes, k);
		struct json_object *row = json_object_new_object();
		if (!row || json_object_array_add(rows, row) < 0) {
			json_object_put(row);
			r = -ENOMEM;
		}
		for (size_t i = 0; !r && i < sel->n; i++)
			r = json_cell(row, node, doc, sel->cols[i]);
	}
	json_object_put(doc);
	if (r) {
		json_object_put(out);
		fprintf(stderr, "tiertopo: cannot make JSON: %s\n", strerror(-r));
		return EXIT_ERROR;
	}
	return json_print_listing(out);
}

int cmd_dump(struct global_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
	    GLOBAL_LONGOPTS,
	    OUTPUT_LONGOPTS,
	    {"dump", no_argument, NULL, OPT_DUMP},
	    {"bytes", no_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct command cmd = {NULL, "s:Jvo:rPnbh", longopts, usage, false};
	struct output_mode m = {0};
	struct colsel sel;
	int r = parse_options(&cmd, g, &m, argc, argv, NULL, NULL);
	if (r != OPTIONS_PARSED)
		return r;
	struct session s;
	r = listing_open(&dump_listing, &m, &sel, g, &s);
	if (r)
		return r;
	r = session_plan(&s, NULL);
	if (r)
		goto out;

	if (g->json && columns_chosen(&m)) {
		/* the document has no findings: they go to stderr, as with the table */
		size_t hidden = 0;
		r = print_json_rows(&s, &sel);
		print_findings(g, s.config, s.topo, stderr, &hidden);
		print_hidden(g, hidden, stderr);
		goto out;
	}
	if (g->json) {
		/* printed as it is made: a 1024-node machine's document is 30 MB */
		r = topo_plan_print_json(s.plan, TOPO_JSON_PRETTY, stdout);
		if (r >= 0)
			putchar('\n');
		else
			fprintf(stderr, "tiertopo: cannot print JSON: %s\n", strerror(-r));
		r = r < 0 ? EXIT_ERROR : EXIT_OK;
		goto out;
	}

	r = EXIT_ERROR;
	struct libscols_table *tb = columns_table(&dump_listing, &sel, &m);
	if (!tb)
		goto out;
	for (size_t k = 0; k < topo_get_node_count(s.topo); k++) {
		const struct topo_node *n = topo_get_node_by_index(s.topo, k);
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (!ln)
			goto out_table;
		for (size_t i = 0; i < sel.n; i++)
			cell_set(ln, i, cell(s.topo, s.plan, n, sel.cols[i], m.bytes));
	}
	scols_print_table(tb);
	size_t hidden = 0;
	print_findings(g, s.config, s.topo, stderr, &hidden);
	print_hidden(g, hidden, stderr);
	r = EXIT_OK;
out_table:
	scols_unref_table(tb);
out:
	session_close(&s);
	return r;
}
