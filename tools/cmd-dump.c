/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo --dump: one row per node, lsmem style. The column table drives the header,
 * --help and libsmartcols; -J prints the whole snapshot as JSON instead.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libsmartcols/libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiertopo.h"

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
};

struct coldesc {
	const char *name;
	double whint;
	int flags;
	const char *help;
};

static const struct coldesc coldescs[] = {
	[COL_NODE] = {"NODE", 0, SCOLS_FL_RIGHT, "node id"},
	[COL_ONLINE] = {"ONLINE", 0, SCOLS_FL_RIGHT, "node is online"},
	[COL_CPUS] = {"CPUS", 0.1, 0, "cpus of the node"},
	[COL_MEMORY] = {"MEMORY", 0, SCOLS_FL_RIGHT, "memory of the node (MemTotal)"},
	[COL_FREE] = {"FREE", 0, SCOLS_FL_RIGHT, "free memory of the node (MemFree)"},
	[COL_BLOCKS] = {"BLOCKS", 0, SCOLS_FL_RIGHT, "memory blocks of the node"},
	[COL_TIER] = {"TIER", 0, SCOLS_FL_RIGHT, "the kernel's memory tier (memory_tierN)"},
	[COL_ACCESS] = {"ACCESS", 0, SCOLS_FL_RIGHT,
			"access class of the figures: 1 CPU initiators, 0 any initiator"},
	[COL_INITIATOR] = {"INITIATOR", 0, 0, "best initiator nodes of that access class"},
	[COL_RLAT] = {"RLAT", 0, SCOLS_FL_RIGHT, "read latency in ns (HMAT, as the kernel reports)"},
	[COL_WLAT] = {"WLAT", 0, SCOLS_FL_RIGHT, "write latency in ns"},
	[COL_RBW] = {"RBW", 0, SCOLS_FL_RIGHT, "read bandwidth in MB/s"},
	[COL_WBW] = {"WBW", 0, SCOLS_FL_RIGHT, "write bandwidth in MB/s"},
	[COL_DIST] = {"DIST", 0, SCOLS_FL_RIGHT, "distance to the nearest node with cpus"},
	[COL_CACHE] = {"CACHE", 0, SCOLS_FL_RIGHT, "memory-side cache size"},
	[COL_FLAGS] = {"FLAGS", 0, 0,
		       "c cpus, m memory, n normal memory, g generic initiator"},
	[COL_KIND] = {"KIND", 0, 0, "DRAM, PMEM, HBM, CXL-DRAM, CXL-PMEM, SPM or unknown"},
	[COL_PTIER] = {"PTIER", 0, SCOLS_FL_RIGHT, "the tier tiertopo recommends"},
	[COL_ADIST] = {"ADIST", 0, SCOLS_FL_RIGHT, "recommended abstract distance"},
	[COL_PREFERRED] = {"PREFERRED", 0, 0, "preferred demotion targets (recommended)"},
	[COL_FALLBACK] = {"FALLBACK", 0, 0, "fallback demotion targets (recommended)"},
	[COL_EVIDENCE] = {"EVIDENCE", 0, SCOLS_FL_WRAP, "what decided the kind"},
};

static const int default_cols[] = {COL_NODE, COL_CPUS, COL_MEMORY, COL_KIND, COL_TIER,
				   COL_PTIER, COL_RLAT, COL_WLAT,   COL_RBW,  COL_WBW,
				   COL_DIST,  COL_PREFERRED};

static int column_by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(coldescs) / sizeof(coldescs[0]); i++)
		if (strlen(coldescs[i].name) == len && !strncasecmp(name, coldescs[i].name, len))
			return (int)i;
	return -1;
}

static void usage(FILE *out)
{
	fputs("Usage: tiertopo [--dump] [options]\n"
	      "\n"
	      "Show the NUMA nodes with their cpus, memory, kind, the kernel's memory tier and\n"
	      "the recommended one, the HMAT performance the kernel reports and where each\n"
	      "node's cold pages should be demoted.\n"
	      "\n"
	      "Options:\n"
	      " -J, --json            print the whole snapshot as JSON\n"
	      " -o, --output <list>   columns to print (see below)\n"
	      "     --output-all      print all columns\n"
	      " -r, --raw             raw output\n"
	      " -P, --pairs           key=\"value\" output\n"
	      " -n, --noheadings      no header line\n"
	      " -b, --bytes           sizes in bytes\n"
	      " -s, --sysroot <dir>   read the machine below <dir>\n"
	      "     --acpi-dir <dir>  read ACPI tables from <dir>\n"
	      " -v, --verbose         say more\n"
	      " -h, --help            show this help\n"
	      "\n"
	      "Columns:\n",
	      out);
	for (size_t i = 0; i < sizeof(coldescs) / sizeof(coldescs[0]); i++)
		fprintf(out, " %10s  %s\n", coldescs[i].name, coldescs[i].help);
	fputs("\nValues the kernel does not report are shown as '-'.\n", out);
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

static void set_data(struct libscols_line *ln, size_t col, char *s)
{
	if (s)
		scols_line_refer_data(ln, col, s);
	else
		scols_line_set_data(ln, col, "-");
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
		r = asprintf(&s, "%zu", topo_node_get_memory_block_count(n));
		break;
	case COL_TIER:
		r = topo_node_get_kernel_tier(n);
		if (r < 0)
			return NULL;
		r = asprintf(&s, "%d", r);
		break;
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
	case COL_PTIER:
		r = topo_plan_get_tier(plan, topo_node_get_id(n));
		if (r < 0)
			return NULL;
		r = asprintf(&s, "%d", r);
		break;
	case COL_ADIST: {
		unsigned int a;
		if (topo_plan_get_tier(plan, topo_node_get_id(n)) < 0 ||
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

int cmd_dump(struct global_opts *g, int argc, char **argv)
{
	enum { OPT_OUTPUT_ALL = 0x200 };
	static const struct option longopts[] = {
		GLOBAL_LONGOPTS,
		{"dump", no_argument, NULL, OPT_DUMP},
		{"output", required_argument, NULL, 'o'},
		{"output-all", no_argument, NULL, OPT_OUTPUT_ALL},
		{"raw", no_argument, NULL, 'r'},
		{"pairs", no_argument, NULL, 'P'},
		{"noheadings", no_argument, NULL, 'n'},
		{"bytes", no_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int cols[64];
	size_t ncols = 0;
	bool raw = false, pairs = false, noheadings = false, bytes = false;
	const char *outarg = NULL;
	bool all = false;
	int c;

	while ((c = getopt_long(argc, argv, "s:Jvo:rPnbh", longopts, NULL)) != -1) {
		if (global_opt(g, c, optarg))
			continue;
		switch (c) {
		case OPT_DUMP:
			break;
		case 'o':
			outarg = optarg;
			break;
		case OPT_OUTPUT_ALL:
			all = true;
			break;
		case 'r':
			raw = true;
			break;
		case 'P':
			pairs = true;
			break;
		case 'n':
			noheadings = true;
			break;
		case 'b':
			bytes = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return usage_hint(NULL);
		}
	}
	if (no_operands(NULL, argc, argv))
		return EXIT_USAGE;

	if (all) {
		for (size_t i = 0; i < sizeof(coldescs) / sizeof(coldescs[0]); i++)
			cols[ncols++] = (int)i;
	} else if (outarg) {
		const char *p = outarg;
		if (*p == '+') { /* +LIST adds to the defaults */
			for (size_t i = 0; i < sizeof(default_cols) / sizeof(int); i++)
				cols[ncols++] = default_cols[i];
			p++;
		}
		while (*p) {
			size_t len = strcspn(p, ",");
			int col = column_by_name(p, len);
			if (col < 0 || ncols >= sizeof(cols) / sizeof(cols[0])) {
				fprintf(stderr, "tiertopo: unknown column '%.*s'; see --help\n",
					(int)len, p);
				return EXIT_USAGE;
			}
			cols[ncols++] = col;
			p += len + (p[len] == ',');
		}
	} else {
		for (size_t i = 0; i < sizeof(default_cols) / sizeof(int); i++)
			cols[ncols++] = default_cols[i];
	}

	struct topo_ctx *ctx = NULL;
	struct topo *topo = NULL;
	struct topo_plan *plan = NULL;
	struct topo_config *config = NULL;
	int r = open_topo_config(g, false, &ctx, &topo, &config);
	if (r)
		return r;
	r = topo_plan_new(topo, TOPO_PLAN_RECOMMENDED, NULL, topo_config_get_plan_opts(config),
			  &plan);
	topo_config_free(config);
	if (r < 0) {
		fprintf(stderr, "tiertopo: cannot plan: %s\n", strerror(-r));
		topo_unref(topo);
		topo_ctx_unref(ctx);
		return EXIT_ERROR;
	}

	if (g->json) {
		char *json = NULL;
		r = topo_plan_to_json(plan, TOPO_JSON_PRETTY, &json);
		if (r < 0)
			fprintf(stderr, "tiertopo: cannot build JSON: %s\n", strerror(-r));
		else
			puts(json);
		free(json);
		topo_plan_unref(plan);
		topo_unref(topo);
		topo_ctx_unref(ctx);
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	}

	struct libscols_table *tb = scols_new_table();
	if (!tb) {
		r = EXIT_ERROR;
		goto out;
	}
	scols_table_enable_raw(tb, raw);
	scols_table_enable_export(tb, pairs);
	scols_table_enable_noheadings(tb, noheadings);
	for (size_t i = 0; i < ncols; i++) {
		const struct coldesc *d = &coldescs[cols[i]];
		if (!scols_table_new_column(tb, d->name, d->whint, d->flags)) {
			r = EXIT_ERROR;
			goto out;
		}
	}
	for (size_t k = 0; k < topo_get_node_count(topo); k++) {
		const struct topo_node *n = topo_get_node_by_index(topo, k);
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (!ln) {
			r = EXIT_ERROR;
			goto out;
		}
		for (size_t i = 0; i < ncols; i++)
			set_data(ln, i, cell(topo, plan, n, cols[i], bytes));
	}
	scols_print_table(tb);
	print_findings(topo, stderr);
	r = EXIT_OK;
out:
	scols_unref_table(tb);
	topo_plan_unref(plan);
	topo_unref(topo);
	topo_ctx_unref(ctx);
	return r;
}
