/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo stat [INTERVAL [COUNT]]: the demotion, promotion and migration counters per node,
 * vmstat style. The first report is the counters since boot; with an INTERVAL each further
 * report is the per-second rate over the last interval, COUNT reports in all (none: until
 * interrupted). The topology (for the tier columns) is discovered once; each report reads
 * only the vmstat files.
 *
 * A counter the kernel keeps per node is shown per node; one it counts only for the whole
 * machine (pgdemote_* before 6.8, numa_hint_faults, pgmigrate_*) only in the "machine" row
 * (proc/vmstat); one it does not have at all is '-' (null in JSON), never 0.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <libsmartcols/libsmartcols.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tiertopo.h"

enum {
	COL_NODE,
	COL_TIER,
	COL_PTIER,
	COL_KIND,
	COL_FIRST_COUNTER, /* the counter columns follow */
};

struct coldesc {
	const char *name;
	const char *counter; /* the kernel's name, for the counter columns */
	int flags;
	const char *help;
};

static const struct coldesc coldescs[] = {
	{"NODE", NULL, SCOLS_FL_RIGHT, "node id; 'machine': the whole machine (proc/vmstat)"},
	{"TIER", NULL, SCOLS_FL_RIGHT, "the kernel's memory tier of the node (memory_tierN)"},
	{"PTIER", NULL, SCOLS_FL_RIGHT, "the tier tiertopo recommends"},
	{"KIND", NULL, 0, "DRAM, PMEM, HBM, CXL-DRAM, CXL-PMEM, SPM or unknown"},
	{"DEM_KSWAPD", "pgdemote_kswapd", SCOLS_FL_RIGHT, "pages demoted by kswapd (5.15)"},
	{"DEM_DIRECT", "pgdemote_direct", SCOLS_FL_RIGHT,
	 "pages demoted by direct or node reclaim (5.15)"},
	{"DEM_KHUGE", "pgdemote_khugepaged", SCOLS_FL_RIGHT, "pages demoted by khugepaged (6.2)"},
	{"DEM_PROACT", "pgdemote_proactive", SCOLS_FL_RIGHT,
	 "pages demoted by proactive reclaim (6.15)"},
	{"PRO_OK", "pgpromote_success", SCOLS_FL_RIGHT, "pages promoted to the node (5.18)"},
	{"PRO_CAND", "pgpromote_candidate", SCOLS_FL_RIGHT, "promotion candidates (6.1)"},
	{"PRO_NRL", "pgpromote_candidate_nrl", SCOLS_FL_RIGHT,
	 "candidates that bypassed the rate limit (6.17)"},
	{"MIG_OK", "pgmigrate_success", SCOLS_FL_RIGHT, "pages migrated"},
	{"MIG_FAIL", "pgmigrate_fail", SCOLS_FL_RIGHT, "pages that failed to migrate"},
	{"HINT", "numa_hint_faults", SCOLS_FL_RIGHT, "NUMA hinting faults"},
	{"HINT_LOCAL", "numa_hint_faults_local", SCOLS_FL_RIGHT, "hinting faults on the local node"},
	{"NUMA_MIGR", "numa_pages_migrated", SCOLS_FL_RIGHT, "pages migrated by NUMA balancing"},
	{"PTE_UPD", "numa_pte_updates", SCOLS_FL_RIGHT, "PTEs marked for NUMA hinting faults"},
	{"NUMA_HIT", "numa_hit", SCOLS_FL_RIGHT, "allocations on the intended node"},
	{"NUMA_MISS", "numa_miss", SCOLS_FL_RIGHT, "allocations here meant for another node"},
	{"NUMA_FOREIGN", "numa_foreign", SCOLS_FL_RIGHT, "allocations meant here, made elsewhere"},
	{"NUMA_LOCAL", "numa_local", SCOLS_FL_RIGHT, "allocations from a local CPU"},
	{"NUMA_OTHER", "numa_other", SCOLS_FL_RIGHT, "allocations from a CPU of another node"},
};
#define N_COLS (sizeof(coldescs) / sizeof(coldescs[0]))

static const int default_cols[] = {0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};

static int column_by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < N_COLS; i++) {
		const char *c = coldescs[i].counter;
		if ((strlen(coldescs[i].name) == len && !strncasecmp(name, coldescs[i].name, len)) ||
		    (c && strlen(c) == len && !strncmp(name, c, len)))
			return (int)i;
	}
	return -1;
}

static void usage(FILE *out)
{
	fputs("Usage: tiertopo stat [options] [INTERVAL [COUNT]]\n"
	      "\n"
	      "Show the demotion, promotion and migration counters of every node: since boot,\n"
	      "then with INTERVAL (seconds, may be fractional) the rate per second over each\n"
	      "interval, COUNT reports in all (default: until interrupted). Counters the kernel\n"
	      "keeps only for the whole machine (pgdemote_* before 6.8, numa_hint_faults,\n"
	      "pgmigrate_*) are shown in the 'machine' row only; counters this kernel does not\n"
	      "have are '-' (null in JSON).\n"
	      "\n"
	      "Options:\n"
	      " -J, --json            one JSON document per report\n"
	      " -o, --output <list>   columns to print (see below; kernel names work too)\n"
	      "     --output-all      print all columns\n"
	      " -r, --raw             raw output\n"
	      " -P, --pairs           key=\"value\" output\n"
	      " -n, --noheadings      no header line\n"
	      " -s, --sysroot <dir>   read the machine below <dir>\n"
	      " -h, --help            show this help\n"
	      "\n"
	      "Columns:\n",
	      out);
	for (size_t i = 0; i < N_COLS; i++)
		fprintf(out, " %12s  %s%s%s%s\n", coldescs[i].name, coldescs[i].help,
			coldescs[i].counter ? " [" : "",
			coldescs[i].counter ? coldescs[i].counter : "",
			coldescs[i].counter ? "]" : "");
}

struct stat_out {
	int cols[64];
	size_t ncols;
	bool raw, pairs, noheadings, json;
	const struct topo *topo;
	const struct topo_plan *plan;
};

/* A counter of a row: the total of @now, or the rate since @before. false: unavailable. */
static bool counter_value(const struct topo_vmstat *before, const struct topo_vmstat *now,
			  int node, const char *name, double seconds, double *value)
{
	/* a per-node row never shows a machine-wide figure, and the reverse */
	enum topo_vmstat_scope scope = topo_vmstat_get_scope(now, name);
	if (scope == TOPO_VMSTAT_ABSENT || (node >= 0 && scope != TOPO_VMSTAT_NODE))
		return false;
	if (before)
		return topo_vmstat_get_rate(before, now, node, name, seconds, value) == 0;
	uint64_t v;
	if (topo_vmstat_get(now, node, name, &v) < 0)
		return false;
	*value = (double)v;
	return true;
}

static int node_tier(const struct stat_out *o, int node, bool plan)
{
	if (node < 0)
		return -ENODATA;
	if (plan)
		return o->plan ? topo_plan_get_tier(o->plan, node) : -ENODATA;
	const struct topo_node *n = topo_get_node(o->topo, node);
	return n ? topo_node_get_kernel_tier(n) : -ENODATA;
}

static char *cell(const struct stat_out *o, const struct topo_vmstat *before,
		  const struct topo_vmstat *now, int node, int col, double seconds)
{
	char *s = NULL;
	int r, t;
	switch (col) {
	case COL_NODE:
		if (node < 0)
			return strdup("machine");
		r = asprintf(&s, "%d", node);
		break;
	case COL_TIER:
	case COL_PTIER:
		t = node_tier(o, node, col == COL_PTIER);
		if (t < 0)
			return NULL;
		r = asprintf(&s, "%d", t);
		break;
	case COL_KIND:
		if (node < 0 || !o->plan || !topo_get_node(o->topo, node))
			return NULL;
		return strdup(topo_kind_to_string(topo_plan_get_kind(o->plan, node)));
	default: {
		double v;
		if (!counter_value(before, now, node, coldescs[col].counter, seconds, &v))
			return NULL;
		if (before)
			r = asprintf(&s, "%.0f", v);
		else
			r = asprintf(&s, "%" PRIu64, (uint64_t)v);
		break;
	}
	}
	return r < 0 ? NULL : s;
}

static int print_table(const struct stat_out *o, const struct topo_vmstat *before,
		       const struct topo_vmstat *now, double seconds)
{
	int r = -ENOMEM;
	struct libscols_table *tb = scols_new_table();
	if (!tb)
		return -ENOMEM;
	scols_table_enable_raw(tb, o->raw);
	scols_table_enable_export(tb, o->pairs);
	scols_table_enable_noheadings(tb, o->noheadings);
	if (!o->raw && !o->pairs && !o->noheadings) {
		char title[128];
		if (before)
			snprintf(title, sizeof(title), "per second over the last %.1f s", seconds);
		else
			snprintf(title, sizeof(title), "since boot");
		scols_cell_set_data(scols_table_get_title(tb), title);
	}
	for (size_t i = 0; i < o->ncols; i++) {
		const struct coldesc *d = &coldescs[o->cols[i]];
		if (!scols_table_new_column(tb, d->name, 0, d->flags))
			goto out;
	}
	size_t nn = topo_vmstat_get_node_count(now);
	for (size_t k = 0; k <= nn; k++) {
		int node = k < nn ? topo_vmstat_get_node_id(now, k) : -1;
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (!ln)
			goto out;
		for (size_t i = 0; i < o->ncols; i++) {
			char *s = cell(o, before, now, node, o->cols[i], seconds);
			if (s)
				scols_line_refer_data(ln, i, s);
			else
				scols_line_set_data(ln, i, "-");
		}
	}
	r = scols_print_table(tb);
out:
	scols_unref_table(tb);
	return r;
}

static struct json_object *json_number(double v, bool rate)
{
	if (!rate)
		return json_object_new_uint64((uint64_t)v);
	char buf[64];
	snprintf(buf, sizeof(buf), "%.3f", round(v * 1000) / 1000);
	return json_object_new_double_s(v, buf);
}

static struct json_object *json_counters(const struct topo_vmstat *before,
					 const struct topo_vmstat *now, int node, double seconds)
{
	struct json_object *c = json_object_new_object();
	for (size_t i = COL_FIRST_COUNTER; c && i < N_COLS; i++) {
		double v;
		json_object_object_add(c, coldescs[i].counter,
				       counter_value(before, now, node, coldescs[i].counter, seconds,
						     &v)
					       ? json_number(v, before != NULL)
					       : NULL);
	}
	return c;
}

static struct json_object *json_int_or_null(int v)
{
	return v < 0 ? NULL : json_object_new_int(v);
}

static int print_json(const struct stat_out *o, const struct topo_vmstat *before,
		      const struct topo_vmstat *now, double seconds)
{
	struct json_object *root = json_object_new_object();
	if (!root)
		return -ENOMEM;
	json_object_object_add(root, "schema", json_object_new_string(TOPO_JSON_SCHEMA));
	/* kernel{release} and per node tier (recommended) and kernel_tier: the keys and
	 * meanings of the snapshot document */
	const char *release = o->topo ? topo_get_kernel_release(o->topo) : NULL;
	struct json_object *kernel = json_object_new_object();
	if (kernel)
		json_object_object_add(kernel, "release",
				       release ? json_object_new_string(release) : NULL);
	json_object_object_add(root, "kernel", kernel);
	json_object_object_add(root, "since_boot", json_object_new_boolean(!before));
	json_object_object_add(root, "seconds", before ? json_number(seconds, true) : NULL);
	json_object_object_add(root, "unit", json_object_new_string(before ? "per_second"
									   : "count"));
	/* where each counter is kept on this kernel: "node", "machine" or null (absent) */
	struct json_object *scope = json_object_new_object();
	for (size_t i = COL_FIRST_COUNTER; scope && i < N_COLS; i++) {
		enum topo_vmstat_scope sc = topo_vmstat_get_scope(now, coldescs[i].counter);
		json_object_object_add(scope, coldescs[i].counter,
				       sc == TOPO_VMSTAT_NODE	   ? json_object_new_string("node")
				       : sc == TOPO_VMSTAT_MACHINE ? json_object_new_string("machine")
								   : NULL);
	}
	json_object_object_add(root, "scope", scope);

	struct json_object *nodes = json_object_new_array();
	for (size_t k = 0; nodes && k < topo_vmstat_get_node_count(now); k++) {
		int node = topo_vmstat_get_node_id(now, k);
		struct json_object *n = json_object_new_object();
		if (!n)
			break;
		json_object_object_add(n, "node", json_object_new_int(node));
		json_object_object_add(n, "tier", json_int_or_null(node_tier(o, node, true)));
		json_object_object_add(n, "kernel_tier",
				       json_int_or_null(node_tier(o, node, false)));
		json_object_object_add(n, "counters", json_counters(before, now, node, seconds));
		json_object_array_add(nodes, n);
	}
	json_object_object_add(root, "nodes", nodes);
	struct json_object *machine = json_object_new_object();
	if (machine)
		json_object_object_add(machine, "counters",
				       json_counters(before, now, -1, seconds));
	json_object_object_add(root, "machine", machine);

	struct json_object *findings = json_object_new_array();
	for (size_t i = 0; findings && i < topo_vmstat_get_finding_count(now); i++) {
		const struct topo_finding *f = topo_vmstat_get_finding(now, i);
		struct json_object *x = json_object_new_object();
		if (!x)
			break;
		json_object_object_add(x, "id", json_object_new_string(topo_finding_get_id(f)));
		json_object_object_add(
			x, "severity",
			json_object_new_string(topo_severity_to_string(topo_finding_get_severity(f))));
		json_object_object_add(x, "message",
				       json_object_new_string(topo_finding_get_message(f)));
		json_object_array_add(findings, x);
	}
	json_object_object_add(root, "findings", findings);

	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return 0;
}

static void print_vmstat_findings(const struct topo_vmstat *vs)
{
	for (size_t i = 0; i < topo_vmstat_get_finding_count(vs); i++) {
		const struct topo_finding *x = topo_vmstat_get_finding(vs, i);
		fprintf(stderr, "%s: %s [%s]\n", topo_severity_to_string(topo_finding_get_severity(x)),
			topo_finding_get_message(x), topo_finding_get_id(x));
	}
}

/* Say once why the per-node demotion columns are '-' on a kernel before 6.8. */
static void note_machine_wide(const struct topo_vmstat *vs)
{
	static const char *const demote[] = {"pgdemote_kswapd", "pgdemote_direct",
					     "pgdemote_khugepaged", "pgdemote_proactive"};
	for (size_t i = 0; i < sizeof(demote) / sizeof(demote[0]); i++) {
		if (topo_vmstat_get_scope(vs, demote[i]) == TOPO_VMSTAT_MACHINE) {
			fputs("tiertopo: this kernel counts pgdemote_* for the whole machine only "
			      "(before 6.8): see the 'machine' row\n",
			      stderr);
			return;
		}
	}
}

static void sleep_seconds(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - floor(s)) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int parse_args(int argc, char **argv, double *interval, long *count)
{
	char *end;
	if (optind < argc) {
		errno = 0;
		*interval = strtod(argv[optind], &end);
		if (errno || end == argv[optind] || *end || !(*interval > 0) || *interval > 86400) {
			fprintf(stderr, "tiertopo: stat: bad interval '%s' (seconds, > 0)\n",
				argv[optind]);
			return EXIT_USAGE;
		}
		optind++;
	}
	if (optind < argc) {
		errno = 0;
		*count = strtol(argv[optind], &end, 10);
		if (errno || end == argv[optind] || *end || *count < 1) {
			fprintf(stderr, "tiertopo: stat: bad count '%s' (a number >= 1)\n",
				argv[optind]);
			return EXIT_USAGE;
		}
		optind++;
	}
	return no_operands("stat", argc, argv);
}

int cmd_stat(struct global_opts *g, int argc, char **argv)
{
	enum { OPT_OUTPUT_ALL = 0x200 };
	static const struct option longopts[] = {
		GLOBAL_LONGOPTS,
		{"output", required_argument, NULL, 'o'},
		{"output-all", no_argument, NULL, OPT_OUTPUT_ALL},
		{"raw", no_argument, NULL, 'r'},
		{"pairs", no_argument, NULL, 'P'},
		{"noheadings", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct stat_out o = {0};
	const char *outarg = NULL;
	bool all = false;
	int c;

	/*
	 * Options may follow INTERVAL and COUNT: getopt moves the operands to the end. main()
	 * parsed the global options in order ("+"); optind 0 makes glibc start afresh.
	 */
	optind = 0;
	while ((c = getopt_long(argc, argv, "s:Jvo:rPnh", longopts, NULL)) != -1) {
		if (global_opt(g, c, optarg))
			continue;
		switch (c) {
		case 'o':
			outarg = optarg;
			break;
		case OPT_OUTPUT_ALL:
			all = true;
			break;
		case 'r':
			o.raw = true;
			break;
		case 'P':
			o.pairs = true;
			break;
		case 'n':
			o.noheadings = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return usage_hint("stat");
		}
	}
	double interval = 0;
	long count = 0; /* 0: until interrupted */
	int r = parse_args(argc, argv, &interval, &count);
	if (r)
		return r;
	if (interval == 0)
		count = 1;
	o.json = g->json;

	if (all) {
		for (size_t i = 0; i < N_COLS; i++)
			o.cols[o.ncols++] = (int)i;
	} else if (outarg) {
		const char *p = outarg;
		if (*p == '+') { /* +LIST adds to the defaults */
			for (size_t i = 0; i < sizeof(default_cols) / sizeof(int); i++)
				o.cols[o.ncols++] = default_cols[i];
			p++;
		}
		while (*p) {
			size_t len = strcspn(p, ",");
			int col = column_by_name(p, len);
			if (col < 0 || o.ncols >= sizeof(o.cols) / sizeof(o.cols[0])) {
				fprintf(stderr, "tiertopo: unknown column '%.*s'; see stat --help\n",
					(int)len, p);
				return EXIT_USAGE;
			}
			o.cols[o.ncols++] = col;
			p += len + (p[len] == ',');
		}
	} else {
		for (size_t i = 0; i < sizeof(default_cols) / sizeof(int); i++)
			o.cols[o.ncols++] = default_cols[i];
	}

	/* the topology once, for the tier columns; then only the counters */
	struct topo_ctx *ctx = NULL;
	struct topo *topo = NULL;
	struct topo_plan *plan = NULL;
	struct topo_config *config = NULL;
	r = open_topo_config(g, false, &ctx, &topo, &config);
	if (r)
		return r;
	if (topo_plan_new(topo, TOPO_PLAN_RECOMMENDED, NULL, topo_config_get_plan_opts(config),
			  &plan) < 0)
		plan = NULL; /* PTIER and KIND unknown; the counters do not need it */
	topo_config_free(config);
	o.topo = topo;
	o.plan = plan;
	print_findings(topo, stderr);

	struct topo_vmstat *before = NULL, *now = NULL;
	r = EXIT_OK;
	for (long i = 0; count == 0 || i < count; i++) {
		if (i)
			sleep_seconds(interval);
		int k = topo_read_vmstat(ctx, &now);
		if (k < 0) {
			fprintf(stderr, "tiertopo: cannot read the vmstat counters below %s: %s\n",
				g->sysroot ? g->sysroot : "/", strerror(-k));
			r = EXIT_ERROR;
			break;
		}
		if (!i) {
			print_vmstat_findings(now);
			if (!o.json)
				note_machine_wide(now);
		}
		double seconds = before ? (double)(topo_vmstat_get_time_ns(now) -
						   topo_vmstat_get_time_ns(before)) /
						  1e9
					: 0;
		if (i && !o.json && !o.raw && !o.pairs)
			putchar('\n');
		k = o.json ? print_json(&o, before, now, seconds)
			   : print_table(&o, before, now, seconds);
		fflush(stdout);
		if (k < 0) {
			fprintf(stderr, "tiertopo: cannot print: %s\n", strerror(-k));
			r = EXIT_ERROR;
			break;
		}
		topo_vmstat_unref(before);
		before = now;
		now = NULL;
	}
	topo_vmstat_unref(before);
	topo_vmstat_unref(now);
	topo_plan_unref(plan);
	topo_unref(topo);
	topo_ctx_unref(ctx);
	return r;
}
