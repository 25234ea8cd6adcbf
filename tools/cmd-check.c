/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo check: findings (garbled files, firmware problems) and drift between what the
 * kernel did, what the model of that kernel predicts and what tiertopo recommends.
 * Exit status 3 when an error was found (with --strict, a warning too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings-catalogue.h"
#include "tiertopo.h"

enum { OPT_STRICT = OPT_COMMAND, OPT_EXPLAIN };

static void usage(FILE *out)
{
	fputs("Usage: tiertopo check [--kernel-model V] [--strict] [-J] [-s DIR]\n"
	      "       tiertopo check --explain [ID...]\n"
	      "\n"
	      "Report what is wrong with this machine's memory tiering, one finding a line:\n"
	      "files and firmware tables that hold garbage, and where the kernel's tiers and\n"
	      "demotion targets differ from the model of the running kernel or from the\n"
	      "recommended plan. Findings accepted in tiertopo.conf ([check] ignore) are\n"
	      "hidden and count for nothing.\n"
	      "\n"
	      "Options:\n"
	      "     --kernel-model V  compare with kernel V instead of the running one\n"
	      "     --strict          warnings count as problems too (exit status 3)\n"
	      "     --explain [ID...] what the findings ID mean, why they matter and what to\n"
	      "                       do (tiertopo-findings(7)); without ID, list every id\n"
	      " -J, --json            the findings as JSON (suppressed ones marked)\n"
	      " -v, --verbose         show the findings tiertopo.conf suppresses too\n"
	      " -s, --sysroot <dir>   read the machine below <dir>\n"
	      "     --acpi-dir <dir>  read ACPI tables from <dir>\n"
	      " -h, --help            show this help\n"
	      "\n"
	      "Exit status: 0 no problem, 1 error, 2 usage, 3 problems found.\n",
	      out);
}

struct check_opts {
	const char *model;
	bool strict;
	bool explain;
};

static const struct finding_doc *finding_doc(const char *id)
{
	for (size_t i = 0; i < FINDING_DOCS_N; i++)
		if (!strcmp(finding_docs[i].id, id))
			return &finding_docs[i];
	return NULL;
}

/* tiertopo check --explain [ID...]: the catalogue, without reading the machine */
static int explain(int argc, char **argv)
{
	if (optind >= argc) {
		for (size_t i = 0; i < FINDING_DOCS_N; i++)
			printf("%-34s %-15s %s\n", finding_docs[i].id, finding_docs[i].severity,
			       finding_docs[i].means);
		return EXIT_OK;
	}
	for (int i = optind; i < argc; i++)
		if (!finding_doc(argv[i])) {
			fprintf(stderr, "tiertopo: check: unknown finding id '%s'; tiertopo check "
					"--explain lists them\n", argv[i]);
			return EXIT_USAGE;
		}
	for (int i = optind; i < argc; i++) {
		const struct finding_doc *d = finding_doc(argv[i]);
		printf("%s%s (%s)\n  What it means: %s\n  Why it matters: %s\n  What to do: %s\n",
		       i > optind ? "\n" : "", d->id, d->severity, d->means, d->matters, d->action);
	}
	return EXIT_OK;
}

static int check_opt(void *data, int c, const char *arg)
{
	struct check_opts *o = data;
	if (c == OPT_KERNEL_MODEL)
		o->model = arg;
	else if (c == OPT_STRICT)
		o->strict = true;
	else if (c == OPT_EXPLAIN)
		o->explain = true;
	else
		return -1;
	return 0;
}

int cmd_check(struct global_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONGOPTS,
		{"kernel-model", required_argument, NULL, OPT_KERNEL_MODEL},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"explain", no_argument, NULL, OPT_EXPLAIN},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	/* operands: the ids of --explain; without it, no_operands() refuses them */
	static const struct command cmd = {"check", "s:Jvh", longopts, usage, true};
	struct check_opts o = {.model = g->kernel_model};
	int r = parse_options(&cmd, g, NULL, argc, argv, check_opt, &o);
	if (r != OPTIONS_PARSED)
		return r;
	if (o.explain && g->json) {
		fprintf(stderr, "tiertopo: check: --explain prints text; it cannot go with --json\n");
		return EXIT_USAGE;
	}
	if (o.explain)
		return explain(argc, argv);
	if (no_operands("check", argc, argv))
		return EXIT_USAGE;
	const char *model = o.model;
	struct topo_check *check = NULL;
	struct session s;
	r = session_open(&s, g, false);
	if (r)
		return r;
	if (!model)
		model = topo_config_get_kernel_model(s.config);
	if (model && (!strcmp(model, "running") || !strcmp(model, "auto")))
		model = NULL;
	r = topo_check_new(s.topo, model, topo_config_get_plan_opts(s.config), &check);
	if (r < 0) {
		fprintf(stderr, "tiertopo: check: %s\n", strerror(-r));
		r = r == -EINVAL && model ? EXIT_USAGE : EXIT_ERROR;
		goto out;
	}
	/* [check] ignore: accepted findings are marked, and count for nothing */
	int suppressed = topo_check_suppress(check, s.config);
	if (suppressed < 0) {
		fprintf(stderr, "tiertopo: check: %s\n", strerror(-suppressed));
		r = EXIT_ERROR;
		goto out;
	}
	if (g->json) {
		char *json = NULL;
		if (topo_check_to_json(check, TOPO_JSON_PRETTY, &json) == 0)
			puts(json);
		free(json);
	} else {
		/* the suppressed ones only with -v, marked */
		size_t n = topo_check_get_finding_count(check);
		for (size_t i = 0; i < n; i++) {
			const struct topo_finding *f = topo_check_get_finding(check, i);
			bool hidden = topo_finding_is_suppressed(f);
			if (hidden && !g->verbose)
				continue;
			printf("%-7s %s: %s%s\n",
			       topo_severity_to_string(topo_finding_get_severity(f)),
			       topo_finding_get_id(f), topo_finding_get_message(f),
			       hidden ? " (suppressed by tiertopo.conf)" : "");
		}
		size_t errors = topo_check_count(check, TOPO_SEVERITY_ERROR);
		size_t warnings = topo_check_count(check, TOPO_SEVERITY_WARNING) - errors;
		size_t notes = topo_check_count(check, TOPO_SEVERITY_INFO) - errors - warnings;
		printf("%zu error%s, %zu warning%s, %zu note%s", errors, errors == 1 ? "" : "s",
		       warnings, warnings == 1 ? "" : "s", notes, notes == 1 ? "" : "s");
		if (suppressed)
			printf(", %d suppressed%s", suppressed, g->verbose ? "" : " (-v shows them)");
		putchar('\n');
	}
	r = topo_check_count(check, o.strict ? TOPO_SEVERITY_WARNING : TOPO_SEVERITY_ERROR)
		? EXIT_PROBLEMS
		: EXIT_OK;
out:
	topo_check_unref(check);
	session_close(&s);
	return r;
}
