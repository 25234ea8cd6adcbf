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
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "columns.h"

enum {
	COL_NODE,
	COL_TIER,
	COL_PTIER,
	COL_KIND,
	COL_FIRST_COUNTER, /* the counter columns follow */
};

/* the JSON keys and the other names -o takes are the kernel's counter names */
static const struct column coldescs[] = {
    {"NODE", 0, SCOLS_FL_RIGHT, NULL, "node id; 'machine': the whole machine (proc/vmstat)"},
    {"TIER", 0, SCOLS_FL_RIGHT, NULL, "the kernel's memory tier of the node (memory_tierN)"},
    {"PTIER", 0, SCOLS_FL_RIGHT, NULL, "the tier tiertopo recommends"},
    {"KIND", 0, 0, NULL, "DRAM, PMEM, HBM, CXL-DRAM, CXL-PMEM, SPM or unknown"},
    {"DEM_KSWAPD", 0, SCOLS_FL_RIGHT, "pgdemote_kswapd", "pages demoted by kswapd (5.15)"},
    {"DEM_DIRECT", 0, SCOLS_FL_RIGHT, "pgdemote_direct",
     "pages demoted by direct or node reclaim (5.15)"},
    {"DEM_KHUGE", 0, SCOLS_FL_RIGHT, "pgdemote_khugepaged", "pages demoted by khugepaged (6.2)"},
    {"DEM_PROACT", 0, SCOLS_FL_RIGHT, "pgdemote_proactive",
     "pages demoted by proactive reclaim (6.15)"},
    {"PRO_OK", 0, SCOLS_FL_RIGHT, "pgpromote_success", "pages promoted to the node (5.18)"},
    {"PRO_CAND", 0, SCOLS_FL_RIGHT, "pgpromote_candidate", "promotion candidates (6.1)"},
    {"PRO_NRL", 0, SCOLS_FL_RIGHT, "pgpromote_candidate_nrl",
     "candidates that bypassed the rate limit (6.17)"},
    {"MIG_OK", 0, SCOLS_FL_RIGHT, "pgmigrate_success", "pages migrated"},
    {"MIG_FAIL", 0, SCOLS_FL_RIGHT, "pgmigrate_fail", "pages that failed to migrate"},
    {"HINT", 0, SCOLS_FL_RIGHT, "numa_hint_faults", "NUMA hinting faults"},
    {"HINT_LOCAL", 0, SCOLS_FL_RIGHT, "numa_hint_faults_local", "hinting faults on the local node"},
    {"NUMA_MIGR", 0, SCOLS_FL_RIGHT, "numa_pages_migrated", "pages migrated by NUMA balancing"},
    {"PTE_UPD", 0, SCOLS_FL_RIGHT, "numa_pte_updates", "PTEs marked for NUMA hinting faults"},
    {"NUMA_HIT", 0, SCOLS_FL_RIGHT, "numa_hit", "allocations on the intended node"},
    {"NUMA_MISS", 0, SCOLS_FL_RIGHT, "numa_miss", "allocations here meant for another node"},
    {"NUMA_FOREIGN", 0, SCOLS_FL_RIGHT, "numa_foreign", "allocations meant here, made elsewhere"},
    {"NUMA_LOCAL", 0, SCOLS_FL_RIGHT, "numa_local", "allocations from a local CPU"},
    {"NUMA_OTHER", 0, SCOLS_FL_RIGHT, "numa_other", "allocations from a CPU of another node"},
};

#define N_COLS ARRAY_SIZE(coldescs)

static const int default_cols[] = {0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};

static const struct listing stat_listing = {
    .cmd = "stat",
    .cols = coldescs,
    .ncols = N_COLS,
    .defaults = default_cols,
    .ndefaults = ARRAY_SIZE(default_cols),
    .help_width = 12,
    .key_names = true,
};

static void usage(FILE *out)
{
	fputs("Usage: tiertopo stat [options] [INTERVAL [COUNT]]\n"
	      "\n"
	      "Show the demotion, promotion and migration counters of every node: since boot,\n"
	      "then with INTERVAL (seconds, may be fractional) the rate per second over each\n"
	      "interval, COUNT reports in all (default: until interrupted). Counters the kernel\n"
	      "keeps only for the whole machine (pgdemote_* before 6.8, numa_hint_faults,\n"
	      "pgmigrate_*) are shown in the 'machine' row only; counters this kernel does not\n"
	      "have are '-' (null in JSON). Without any vmstat file every counter is '-' and\n"
	      "there is one report.\n"
	      "\n"
	      "Options:\n"
	      " -J, --json            one JSON document per report; with -o or\n"
	      "                       --output-all, of those columns only\n"
	      " -o, --output <list>   columns to print (see below; kernel names work too)\n"
	      "     --output-all      print all columns\n"
	      " -r, --raw             raw output\n"
	      " -P, --pairs           key=\"value\" output\n"
	      " -n, --noheadings      no header line\n"
	      "                       (-J, -r and -P choose the output form: one at a time)\n"
	      " -s, --sysroot <dir>   read the machine below <dir>\n"
	      " -h, --help            show this help\n"
	      "\n"
	      "Columns:\n",
	      out);
	columns_usage(&stat_listing, out);
}

struct stat_out {
	struct colsel sel;
	struct output_mode m;
	bool json;
	const struct topo *topo;
	const struct topo_plan *plan;
	/* each counter's scope in the reading being printed: looked up once per report, not
	 * per cell (a machine-wide counter is looked for in every node's file) */
	enum topo_vmstat_scope scope[N_COLS];
};

static void set_scopes(struct stat_out *o, const struct topo_vmstat *now)
{
	for (size_t i = COL_FIRST_COUNTER; i < N_COLS; i++)
		o->scope[i] = now ? topo_vmstat_get_scope(now, coldescs[i].key) : TOPO_VMSTAT_ABSENT;
}

/* A counter of a row: the total of @now, or the rate since @before. false: unavailable. */
static bool counter_value(const struct stat_out *o, const struct topo_vmstat *before,
			  const struct topo_vmstat *now, int node, size_t col, double seconds,
			  double *value)
{
	if (!now) /* no vmstat files at all: every counter unknown */
		return false;
	/* a per-node row never shows a machine-wide figure, and the reverse */
	const char *name = coldescs[col].key;
	enum topo_vmstat_scope scope = o->scope[col];
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

/* the node rows: those of the vmstat files, or without any, the snapshot's nodes */
static size_t node_rows(const struct stat_out *o, const struct topo_vmstat *now)
{
	return now ? topo_vmstat_get_node_count(now) : topo_get_node_count(o->topo);
}

static int row_node(const struct stat_out *o, const struct topo_vmstat *now, size_t k)
{
	return now ? topo_vmstat_get_node_id(now, k)
		   : topo_node_get_id(topo_get_node_by_index(o->topo, k));
}

/* the kernel's u32 tier id (above INT_MAX for the tier of a negative abstract distance), or
 * a negative errno */
static int64_t node_tier(const struct stat_out *o, int node, bool plan)
{
	uint32_t id = 0;
	int r = -ENODATA;
	if (node >= 0 && plan && o->plan)
		r = topo_plan_get_tier_id(o->plan, node, &id);
	else if (node >= 0 && !plan) {
		const struct topo_node *n = topo_get_node(o->topo, node);
		r = n ? topo_node_get_kernel_tier_id(n, &id) : -ENODATA;
	}
	return r < 0 ? r : (int64_t)id;
}

/* "%" PRIu64 without printf's machinery: a report at 1024 nodes has 13,000 cells */
static char *u64_string(uint64_t v)
{
	char b[24], *p = b + sizeof(b);
	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return strdup(p);
}

/* A rate as "%.0f" prints it: to the nearest integer, a tie to even (the default rounding
 * mode, as printf rounds), through u64_string() where it fits exactly */
static char *rate_string(double v)
{
	char *s = NULL;
	double r = nearbyint(v);
	if (r >= 0 && r < 9007199254740992.0) /* 2^53: every integer below is a double */
		return u64_string((uint64_t)r);
	return asprintf(&s, "%.0f", v) < 0 ? NULL : s;
}

static char *cell(const struct stat_out *o, const struct topo_vmstat *before,
		  const struct topo_vmstat *now, int node, int col, double seconds)
{
	char *s = NULL;
	int r;
	int64_t t;
	switch (col) {
	case COL_NODE:
		if (node < 0)
			return strdup("machine");
		return u64_string((uint64_t)node);
	case COL_TIER:
	case COL_PTIER:
		t = node_tier(o, node, col == COL_PTIER);
		if (t < 0)
			return NULL;
		return u64_string((uint64_t)t);
		break;
	case COL_KIND:
		if (node < 0 || !o->plan || !topo_get_node(o->topo, node))
			return NULL;
		return strdup(topo_kind_to_string(topo_plan_get_kind(o->plan, node)));
	default: {
		double v;
		if (!counter_value(o, before, now, node, (size_t)col, seconds, &v))
			return NULL;
		return before ? rate_string(v) : u64_string((uint64_t)v);
	}
	}
	return r < 0 ? NULL : s;
}

static int print_table(const struct stat_out *o, const struct topo_vmstat *before,
		       const struct topo_vmstat *now, double seconds)
{
	int r = -ENOMEM;
	struct libscols_table *tb = columns_table(&stat_listing, &o->sel, &o->m);
	if (!tb)
		return -ENOMEM;
	if (!o->m.raw && !o->m.pairs && !o->m.noheadings) {
		char title[128];
		if (before)
			snprintf(title, sizeof(title), "per second over the last %.1f s", seconds);
		else
			snprintf(title, sizeof(title), "since boot");
		scols_cell_set_data(scols_table_get_title(tb), title);
	}
	size_t nn = node_rows(o, now);
	for (size_t k = 0; k <= nn; k++) {
		int node = k < nn ? row_node(o, now, k) : -1;
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (!ln)
			goto out;
		for (size_t i = 0; i < o->sel.n; i++)
			cell_set(ln, i, cell(o, before, now, node, o->sel.cols[i], seconds));
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

static struct json_object *json_counters(const struct stat_out *o,
					 const struct topo_vmstat *before,
					 const struct topo_vmstat *now, int node, double seconds)
{
	struct json_object *c = json_object_new_object();
	for (size_t i = COL_FIRST_COUNTER; c && i < N_COLS; i++) {
		double v;
		json_object_object_add(
		    c, coldescs[i].key,
		    counter_value(o, before, now, node, i, seconds, &v)
			? json_number(v, before != NULL)
			: NULL);
	}
	return c;
}

static struct json_object *json_int_or_null(int64_t v)
{
	return v < 0 ? NULL : json_object_new_int64(v);
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
		enum topo_vmstat_scope sc = o->scope[i];
		json_object_object_add(scope, coldescs[i].key,
				       sc == TOPO_VMSTAT_NODE ? json_object_new_string("node")
				       : sc == TOPO_VMSTAT_MACHINE
					   ? json_object_new_string("machine")
					   : NULL);
	}
	json_object_object_add(root, "scope", scope);

	struct json_object *nodes = json_object_new_array();
	for (size_t k = 0; nodes && k < node_rows(o, now); k++) {
		int node = row_node(o, now, k);
		struct json_object *n = json_object_new_object();
		if (!n)
			break;
		json_object_object_add(n, "node", json_object_new_int(node));
		json_object_object_add(n, "tier", json_int_or_null(node_tier(o, node, true)));
		json_object_object_add(n, "kernel_tier",
				       json_int_or_null(node_tier(o, node, false)));
		json_object_object_add(n, "counters", json_counters(o, before, now, node, seconds));
		json_object_array_add(nodes, n);
	}
	json_object_object_add(root, "nodes", nodes);
	struct json_object *machine = json_object_new_object();
	if (machine)
		json_object_object_add(machine, "counters",
				       json_counters(o, before, now, -1, seconds));
	json_object_object_add(root, "machine", machine);

	struct json_object *findings = json_object_new_array();
	for (size_t i = 0; findings && now && i < topo_vmstat_get_finding_count(now); i++) {
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

/* a column's key in a row of stat -J: where the whole document has its value */
static void row_key(int col, char *buf, size_t size)
{
	static const char *const keys[] = {[COL_NODE] = "node",
					   [COL_TIER] = "kernel_tier",
					   [COL_PTIER] = "tier",
					   [COL_KIND] = "kind"};
	if (col < COL_FIRST_COUNTER)
		snprintf(buf, size, "%s", keys[col]);
	else
		snprintf(buf, size, "counters.%s", coldescs[col].key);
}

/*
 * -J with -o or --output-all: the report's title (since_boot, seconds, unit) and its rows,
 * each the object of the whole document (-J) with the keys of the selected columns only, in
 * their order (KIND: the snapshot's "kind"); the last row, machine, holds the counters.
 */
static int print_json_rows(const struct stat_out *o, const struct topo_vmstat *before,
			   const struct topo_vmstat *now, double seconds)
{
	struct json_object *root = json_object_new_object();
	struct json_object *rows = json_object_new_array();
	struct json_object *machine = json_object_new_object();
	if (!root || !rows || !machine) {
		json_object_put(root);
		json_object_put(rows);
		json_object_put(machine);
		return -ENOMEM;
	}
	json_object_object_add(root, "schema", json_object_new_string(TOPO_JSON_SCHEMA));
	json_object_object_add(root, "since_boot", json_object_new_boolean(!before));
	json_object_object_add(root, "seconds", before ? json_number(seconds, true) : NULL);
	json_object_object_add(root, "unit",
			       json_object_new_string(before ? "per_second" : "count"));
	json_object_object_add(root, "nodes", rows);
	json_object_object_add(root, "machine", machine);
	int r = 0;
	size_t nn = node_rows(o, now);
	for (size_t k = 0; !r && k <= nn; k++) {
		int node = k < nn ? row_node(o, now, k) : -1;
		/* the row of the whole document, with the kind */
		struct json_object *src = json_object_new_object();
		struct json_object *row = node < 0 ? machine : json_object_new_object();
		if (!src || !row) {
			json_object_put(src);
			if (row != machine)
				json_object_put(row);
			r = -ENOMEM;
			break;
		}
		if (node >= 0) {
			json_object_array_add(rows, row);
			json_object_object_add(src, "node", json_object_new_int(node));
			json_object_object_add(src, "tier",
					       json_int_or_null(node_tier(o, node, true)));
			json_object_object_add(src, "kernel_tier",
					       json_int_or_null(node_tier(o, node, false)));
			char *kind = cell(o, before, now, node, COL_KIND, seconds);
			json_object_object_add(src, "kind",
					       kind ? json_object_new_string(kind) : NULL);
			free(kind);
		}
		json_object_object_add(src, "counters", json_counters(o, before, now, node, seconds));
		for (size_t i = 0; !r && i < o->sel.n; i++) {
			char key[80];
			if (node < 0 && o->sel.cols[i] < COL_FIRST_COUNTER)
				continue; /* the machine row has counters only */
			row_key(o->sel.cols[i], key, sizeof(key));
			r = json_project(row, src, key);
		}
		json_object_put(src);
	}
	if (r) {
		json_object_put(root);
		return r;
	}
	return json_print_listing(root) == EXIT_OK ? 0 : -ENOMEM;
}

/* -J: the whole document, or with -o / --output-all the rows of the columns */
static int report_json(const struct stat_out *o, const struct topo_vmstat *before,
		       const struct topo_vmstat *now, double seconds)
{
	return columns_chosen(&o->m) ? print_json_rows(o, before, now, seconds)
				     : print_json(o, before, now, seconds);
}

static void print_vmstat_findings(const struct global_opts *g, const struct topo_config *config,
				  const struct topo_vmstat *vs, size_t *hidden)
{
	for (size_t i = 0; i < topo_vmstat_get_finding_count(vs); i++)
		print_finding(g, config, topo_vmstat_get_finding(vs, i), stderr, hidden);
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
	static const struct option longopts[] = {
	    GLOBAL_LONGOPTS,
	    OUTPUT_LONGOPTS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct command cmd = {"stat", "s:Jvo:rPnh", longopts, usage, true};
	struct stat_out o = {0};
	int r = parse_options(&cmd, g, &o.m, argc, argv, NULL, NULL);
	if (r != OPTIONS_PARSED)
		return r;
	double interval = 0;
	long count = 0; /* 0: until interrupted */
	r = parse_args(argc, argv, &interval, &count);
	if (r)
		return r;
	if (interval == 0)
		count = 1;
	o.json = g->json;

	/* the topology once, for the tier columns; then only the counters */
	struct session s;
	r = listing_open(&stat_listing, &o.m, &o.sel, g, &s);
	if (r)
		return r;
	if (topo_plan_new(s.topo, TOPO_PLAN_RECOMMENDED, NULL, topo_config_get_plan_opts(s.config),
			  &s.plan) < 0)
		s.plan = NULL; /* PTIER and KIND unknown; the counters do not need it */
	o.topo = s.topo;
	o.plan = s.plan;
	size_t hidden = 0;
	print_findings(g, s.config, s.topo, stderr, &hidden);

	/* the reader keeps each vmstat file open between reports, up to half the fds this
	 * process may open: a machine of 1024 nodes needs more than the usual soft limit */
	struct rlimit rl;
	if (count != 1 && getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct topo_vmstat_reader *reader = NULL;
	if (topo_vmstat_reader_new(s.ctx, &reader) < 0) {
		fprintf(stderr, "tiertopo: stat: %s\n", strerror(ENOMEM));
		session_close(&s);
		return EXIT_ERROR;
	}
	/* discovery's threads are gone: from here on only this thread writes stdout, and the
	 * table's ~80,000 fputs() per report at 1024 nodes need not take its lock */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	struct topo_vmstat *before = NULL, *now = NULL;
	r = EXIT_OK;
	for (long i = 0; count == 0 || i < count; i++) {
		if (i)
			sleep_seconds(interval);
		int k = topo_vmstat_reader_read(reader, &now);
		if (k == -ENOENT && !i) {
			/* a kernel without the files (or a tree gathered without them): one report
			 * with every counter unknown, as for a counter this kernel does not have */
			fprintf(stderr, "tiertopo: stat: no vmstat counters below %s (proc/vmstat, "
					"nodeN/vmstat): every counter is unknown\n",
				g->sysroot ? g->sysroot : "/");
			print_hidden(g, hidden, stderr);
			set_scopes(&o, NULL);
			k = o.json ? report_json(&o, NULL, NULL, 0)
				   : print_table(&o, NULL, NULL, 0);
			r = k < 0 ? EXIT_ERROR : EXIT_OK;
			break;
		}
		if (k < 0) {
			fprintf(stderr, "tiertopo: cannot read the vmstat counters below %s: %s\n",
				g->sysroot ? g->sysroot : "/", strerror(-k));
			r = EXIT_ERROR;
			break;
		}
		if (!i) {
			print_vmstat_findings(g, s.config, now, &hidden);
			print_hidden(g, hidden, stderr);
			if (!o.json || columns_chosen(&o.m)) /* no "scope" in the rows */
				note_machine_wide(now);
		}
		double seconds =
		    before
			? (double)(topo_vmstat_get_time_ns(now) - topo_vmstat_get_time_ns(before)) /
			      1e9
			: 0;
		if (i && !o.json && !o.m.raw && !o.m.pairs)
			putchar('\n');
		set_scopes(&o, now);
		k = o.json ? report_json(&o, before, now, seconds)
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
	topo_vmstat_reader_free(reader);
	session_close(&s);
	return r;
}
