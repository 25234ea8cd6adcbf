/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo plan: the memory tiers and the demotion order, as tiertopo recommends them or
 * as a given kernel release computes them (--kernel-model).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"

static void usage(FILE *out)
{
	fputs("Usage: tiertopo plan [--kernel-model V] [-J] [-s DIR]\n"
	      "\n"
	      "Show the memory tiers and, per node, its kind, abstract distance, tier and\n"
	      "demotion targets: preferred (the nearest nodes of the next slower tier) and\n"
	      "fallback (every node of every slower tier).\n"
	      "\n"
	      "Options:\n"
	      "     --kernel-model V  what kernel V does with this machine instead of what\n"
	      "                       tiertopo recommends; V is any release from 5.15 on\n"
	      "                       (6.8.0-49-generic, 7.3.4+deb13-amd64), 'running' for\n"
	      "                       the sysroot's own, or 'list' to list the models\n"
	      " -J, --json            the snapshot with the plan, as JSON (not with -r)\n"
	      " -r, --raw             raw output\n"
	      " -n, --noheadings      no header lines\n"
	      " -s, --sysroot <dir>   read the machine below <dir>\n"
	      "     --acpi-dir <dir>  read ACPI tables from <dir>\n"
	      " -h, --help            show this help\n",
	      out);
}

/* the tiers, then the nodes: every column of each, always; the keys are those of -J
 * (the library's topo_plan_to_json: .tiers[] and .nodes[]) */
static const struct column tier_cols[] = {
    {"TIER", 0, SCOLS_FL_RIGHT, "id", "the tier's id (memory_tierN)"},
    {"ADISTANCE", 0, SCOLS_FL_RIGHT, "adistance_start", "its first abstract distance"},
    {"NODES", 0, 0, "nodes", "its nodes"},
};
static const struct listing tier_listing = {
    .cmd = "plan", .cols = tier_cols, .ncols = ARRAY_SIZE(tier_cols)};

static const struct column node_cols[] = {
    {"NODE", 0, SCOLS_FL_RIGHT, "node", "node id"},
    {"KIND", 0, 0, "kind", "DRAM, PMEM, HBM, CXL-DRAM, CXL-PMEM, SPM or unknown"},
    {"ADISTANCE", 0, SCOLS_FL_RIGHT, "adistance", "abstract distance"},
    {"TIER", 0, SCOLS_FL_RIGHT, "tier", "memory tier"},
    {"PREFERRED", 0, 0, "demotion.preferred", "preferred demotion targets"},
    {"FALLBACK", 0, 0, "demotion.fallback", "fallback demotion targets"},
};
static const struct listing node_listing = {
    .cmd = "plan", .cols = node_cols, .ncols = ARRAY_SIZE(node_cols)};

static char *int_cell(int v)
{
	char *s;
	return asprintf(&s, "%d", v) < 0 ? NULL : s;
}

static char *uint_cell(unsigned int v)
{
	char *s;
	return asprintf(&s, "%u", v) < 0 ? NULL : s;
}

static int print_tables(const struct topo *topo, const struct topo_plan *plan,
			const struct output_mode *m)
{
	struct libscols_table *tiers = columns_table(&tier_listing, NULL, m);
	struct libscols_table *nodes = columns_table(&node_listing, NULL, m);
	int r = EXIT_ERROR;
	if (!tiers || !nodes)
		goto out;
	for (size_t i = 0; i < topo_plan_get_tier_count(plan); i++) {
		uint32_t id;
		int32_t start;
		const int *tn;
		size_t nn;
		/* ids up to 4294967295 and the signed start: a tier of a distance past INT_MAX */
		topo_plan_get_tier_info(plan, i, NULL, NULL, &tn, &nn);
		topo_plan_get_tier_id_at(plan, i, &id, &start);
		struct libscols_line *ln = scols_table_new_line(tiers, NULL);
		if (!ln)
			goto out;
		cell_set(ln, 0, uint_cell(id));
		unsigned int a;
		/* node_demotion[] passes: no distance */
		bool passes = nn && topo_plan_get_adistance(plan, tn[0], &a) == -ENODATA;
		cell_set(ln, 1, passes ? NULL : int_cell(start));
		cell_set(ln, 2, format_node_list(tn, nn));
	}

	for (size_t i = 0; i < topo_get_node_count(topo); i++) {
		int id = topo_node_get_id(topo_get_node_by_index(topo, i));
		struct libscols_line *ln = scols_table_new_line(nodes, NULL);
		unsigned int a;
		const int *t;
		if (!ln)
			goto out;
		cell_set(ln, 0, int_cell(id));
		scols_line_set_data(ln, 1, topo_kind_to_string(topo_plan_get_kind(plan, id)));
		uint32_t tier;
		bool in_tier = topo_plan_get_tier_id(plan, id, &tier) == 0;
		bool adist = in_tier && topo_plan_get_adistance(plan, id, &a) == 0;
		cell_set(ln, 2, adist ? uint_cell(a) : NULL);
		cell_set(ln, 3, in_tier ? uint_cell(tier) : NULL);
		size_t n = topo_plan_get_preferred(plan, id, &t);
		cell_set(ln, 4, format_node_list(t, n));
		n = topo_plan_get_fallback(plan, id, &t);
		cell_set(ln, 5, format_node_list(t, n));
	}

	if (topo_plan_get_model(plan) == TOPO_PLAN_KERNEL)
		printf("Kernel %s (model %s)\n", topo_plan_get_kernel_release(plan),
		       topo_plan_get_kernel_model(plan));
	else
		printf("Recommended plan\n");
	scols_print_table(tiers);
	putchar('\n');
	scols_print_table(nodes);
	r = EXIT_OK;
out:
	scols_unref_table(tiers);
	scols_unref_table(nodes);
	return r;
}

static int plan_opt(void *data, int c, const char *arg)
{
	if (c != OPT_KERNEL_MODEL)
		return -1;
	*(const char **)data = arg;
	return 0;
}

int cmd_plan(struct global_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONGOPTS,
		{"kernel-model", required_argument, NULL, OPT_KERNEL_MODEL},
		{"raw", no_argument, NULL, 'r'},
		{"noheadings", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const struct command cmd = {"plan", "s:Jvrnh", longopts, usage, false};
	const char *model = g->kernel_model;
	struct output_mode m = {0};
	int r = parse_options(&cmd, g, &m, argc, argv, plan_opt, &model);
	if (r != OPTIONS_PARSED)
		return r;

	if (model && !strcmp(model, "list") && g->json) {
		fputs("tiertopo: plan: --kernel-model list is text only (no -J)\n", stderr);
		return EXIT_USAGE;
	}
	if (model && !strcmp(model, "list")) {
		/* the models, oldest first: the first release that behaves so, and what changed */
		for (size_t i = 0; i < topo_kernel_model_count(); i++) {
			const char *changes;
			const char *name = topo_kernel_model_get(i, &changes);
			printf("%-6s %s\n", name, changes);
		}
		return EXIT_OK;
	}

	struct session s;
	r = session_open(&s, g, false);
	if (r)
		return r;
	bool running = model && (!strcmp(model, "running") || !strcmp(model, "auto"));
	r = topo_plan_new(s.topo, model ? TOPO_PLAN_KERNEL : TOPO_PLAN_RECOMMENDED,
			  running ? NULL : model,
			  model ? NULL : topo_config_get_plan_opts(s.config), &s.plan);
	if (r < 0) {
		if (r == -ENODATA)
			fprintf(stderr, "tiertopo: plan: the sysroot does not say which kernel it "
					"runs (proc/sys/kernel/osrelease); name one with "
					"--kernel-model V\n");
		else if (!((r == -EINVAL || r == -EOPNOTSUPP) && model))
			/* else the library named the bad or pre-5.15 release */
			fprintf(stderr, "tiertopo: plan: %s\n", strerror(-r));
		r = (r == -EINVAL || r == -EOPNOTSUPP) && model && !running ? EXIT_USAGE
									     : EXIT_ERROR;
		goto out;
	}
	if (g->json) {
		r = topo_plan_print_json(s.plan, TOPO_JSON_PRETTY, stdout);
		if (r >= 0)
			putchar('\n');
		else
			fprintf(stderr, "tiertopo: cannot print JSON: %s\n", strerror(-r));
		r = r < 0 ? EXIT_ERROR : EXIT_OK;
	} else {
		size_t hidden = 0;
		r = print_tables(s.topo, s.plan, &m);
		print_findings(g, s.config, s.topo, stderr, &hidden);
		for (size_t i = 0; i < topo_plan_get_finding_count(s.plan); i++)
			print_finding(g, s.config, topo_plan_get_finding(s.plan, i), stderr,
				      &hidden);
		print_hidden(g, hidden, stderr);
	}
out:
	session_close(&s);
	return r;
}
