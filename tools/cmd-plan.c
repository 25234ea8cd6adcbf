/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo plan: the memory tiers and the demotion order, as tiertopo recommends them or
 * as a given kernel release computes them (--kernel-model).
 */
#include <getopt.h>
#include <libsmartcols/libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiertopo.h"

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
	      "                       tiertopo recommends; V is a release such as 6.1 or\n"
	      "                       6.12.117, or 'running' for the sysroot's own\n"
	      " -J, --json            the snapshot with the plan, as JSON\n"
	      " -r, --raw             raw output\n"
	      " -n, --noheadings      no header lines\n"
	      " -s, --sysroot <dir>   read the machine below <dir>\n"
	      "     --acpi-dir <dir>  read ACPI tables from <dir>\n"
	      " -h, --help            show this help\n",
	      out);
}

/* the cell's text (taken), or "-" */
static void add_cell(struct libscols_line *ln, size_t col, char *s)
{
	if (s)
		scols_line_refer_data(ln, col, s);
	else
		scols_line_set_data(ln, col, "-");
}

static int print_tables(const struct topo *topo, const struct topo_plan *plan, bool raw,
			bool noheadings)
{
	struct libscols_table *tiers = scols_new_table(), *nodes = scols_new_table();
	int r = EXIT_ERROR;
	if (!tiers || !nodes)
		goto out;
	scols_table_enable_raw(tiers, raw);
	scols_table_enable_raw(nodes, raw);
	scols_table_enable_noheadings(tiers, noheadings);
	scols_table_enable_noheadings(nodes, noheadings);

	const char *tcols[] = {"TIER", "ADISTANCE", "NODES"};
	for (size_t i = 0; i < 3; i++)
		if (!scols_table_new_column(tiers, tcols[i], 0, i < 2 ? SCOLS_FL_RIGHT : 0))
			goto out;
	for (size_t i = 0; i < topo_plan_get_tier_count(plan); i++) {
		int id;
		unsigned int start;
		const int *tn;
		size_t nn;
		topo_plan_get_tier_info(plan, i, &id, &start, &tn, &nn);
		struct libscols_line *ln = scols_table_new_line(tiers, NULL);
		char *s;
		if (!ln)
			goto out;
		add_cell(ln, 0, asprintf(&s, "%d", id) < 0 ? NULL : s);
		unsigned int a;
		if (nn && topo_plan_get_adistance(plan, tn[0], &a) == -ENODATA)
			scols_line_set_data(ln, 1, "-"); /* node_demotion[] passes: no distance */
		else
			add_cell(ln, 1, asprintf(&s, "%u", start) < 0 ? NULL : s);
		add_cell(ln, 2, format_node_list(tn, nn));
	}

	const char *ncols[] = {"NODE", "KIND", "ADISTANCE", "TIER", "PREFERRED", "FALLBACK"};
	for (size_t i = 0; i < 6; i++)
		if (!scols_table_new_column(nodes, ncols[i], 0,
					    i == 0 || i == 2 || i == 3 ? SCOLS_FL_RIGHT : 0))
			goto out;
	for (size_t i = 0; i < topo_get_node_count(topo); i++) {
		int id = topo_node_get_id(topo_get_node_by_index(topo, i));
		struct libscols_line *ln = scols_table_new_line(nodes, NULL);
		char *s;
		unsigned int a;
		const int *t;
		if (!ln)
			goto out;
		add_cell(ln, 0, asprintf(&s, "%d", id) < 0 ? NULL : s);
		scols_line_set_data(ln, 1, topo_kind_to_string(topo_plan_get_kind(plan, id)));
		int tier = topo_plan_get_tier(plan, id);
		if (tier >= 0 && topo_plan_get_adistance(plan, id, &a) == 0)
			add_cell(ln, 2, asprintf(&s, "%u", a) < 0 ? NULL : s);
		else
			scols_line_set_data(ln, 2, "-");
		if (tier >= 0)
			add_cell(ln, 3, asprintf(&s, "%d", tier) < 0 ? NULL : s);
		else
			scols_line_set_data(ln, 3, "-");
		size_t n = topo_plan_get_preferred(plan, id, &t);
		add_cell(ln, 4, format_node_list(t, n));
		n = topo_plan_get_fallback(plan, id, &t);
		add_cell(ln, 5, format_node_list(t, n));
	}

	if (topo_plan_get_model(plan) == TOPO_PLAN_KERNEL)
		printf("Kernel %s%s\n", topo_plan_get_kernel_release(plan),
		       topo_plan_get_tier_count(plan) ? "" : ": no demotion before 5.15");
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

int cmd_plan(struct global_opts *g, int argc, char **argv)
{
	enum { OPT_KERNEL_MODEL = 0x200 };
	static const struct option longopts[] = {
		GLOBAL_LONGOPTS,
		{"kernel-model", required_argument, NULL, OPT_KERNEL_MODEL},
		{"raw", no_argument, NULL, 'r'},
		{"noheadings", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *model = g->kernel_model;
	bool raw = false, noheadings = false;
	int c;

	while ((c = getopt_long(argc, argv, "s:Jvrnh", longopts, NULL)) != -1) {
		if (global_opt(g, c, optarg))
			continue;
		switch (c) {
		case OPT_KERNEL_MODEL:
			model = optarg;
			break;
		case 'r':
			raw = true;
			break;
		case 'n':
			noheadings = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return usage_hint("plan");
		}
	}
	if (no_operands("plan", argc, argv))
		return EXIT_USAGE;

	struct topo_ctx *ctx = NULL;
	struct topo *topo = NULL;
	struct topo_plan *plan = NULL;
	struct topo_config *config = NULL;
	int r = open_topo_config(g, false, &ctx, &topo, &config);
	if (r)
		return r;
	bool running = model && (!strcmp(model, "running") || !strcmp(model, "auto"));
	r = topo_plan_new(topo, model ? TOPO_PLAN_KERNEL : TOPO_PLAN_RECOMMENDED,
			  running ? NULL : model,
			  model ? NULL : topo_config_get_plan_opts(config), &plan);
	if (r < 0) {
		if (r == -ENODATA)
			fprintf(stderr, "tiertopo: plan: the sysroot does not say which kernel it "
					"runs (proc/sys/kernel/osrelease); name one with "
					"--kernel-model V\n");
		else if (!(r == -EINVAL && model)) /* the library named the bad release */
			fprintf(stderr, "tiertopo: plan: %s\n", strerror(-r));
		r = r == -EINVAL && model ? EXIT_USAGE : EXIT_ERROR;
		goto out;
	}
	if (g->json) {
		char *json = NULL;
		r = topo_plan_to_json(plan, TOPO_JSON_PRETTY, &json);
		if (r == 0)
			puts(json);
		free(json);
		r = r < 0 ? EXIT_ERROR : EXIT_OK;
	} else {
		r = print_tables(topo, plan, raw, noheadings);
		print_findings(topo, stderr);
		for (size_t i = 0; i < topo_plan_get_finding_count(plan); i++) {
			const struct topo_finding *f = topo_plan_get_finding(plan, i);
			fprintf(stderr, "%s: %s [%s]\n",
				topo_severity_to_string(topo_finding_get_severity(f)),
				topo_finding_get_message(f), topo_finding_get_id(f));
		}
	}
out:
	topo_config_free(config);
	topo_plan_unref(plan);
	topo_unref(topo);
	topo_ctx_unref(ctx);
	return r;
}
