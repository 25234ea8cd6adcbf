/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every command starts with: its options (the global ones, the output ones, its own),
 * then the context, the snapshot, the configuration and the plan.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "tiertopo.h"

static void log_to_stderr(void *data, int priority, const char *file, int line, const char *fn,
			  const char *format, va_list args)
{
	fputs("tiertopo: ", stderr);
	vfprintf(stderr, format, args);
}

bool global_opt(struct global_opts *g, int c, const char *arg)
{
	switch (c) {
	case 's':
	case OPT_SYSROOT:
		g->sysroot = arg;
		return true;
	case OPT_ACPI_DIR:
		g->acpi_dir = arg;
		return true;
	case OPT_CONFIG:
		g->config = arg;
		return true;
	case 'v':
		g->verbose++;
		return true;
	case 'J':
		g->json = true;
		return true;
	}
	return false;
}

static bool output_opt(struct output_mode *m, int c, const char *arg)
{
	bool *flag = c == OPT_OUTPUT_ALL ? &m->all
		     : c == 'r'		 ? &m->raw
		     : c == 'P'		 ? &m->pairs
		     : c == 'n'		 ? &m->noheadings
		     : c == 'b'		 ? &m->bytes
					 : NULL;
	if (flag)
		*flag = true;
	else if (c == 'o')
		m->columns = arg;
	else
		return false;
	return true;
}

/* "Try 'tiertopo [CMD] --help' ...", for an unknown option; returns EXIT_USAGE. NULL: dump. */
static int usage_hint(const char *cmd)
{
	fprintf(stderr, "Try 'tiertopo %s%s--help' for more information.\n", cmd ? cmd : "",
		cmd ? " " : "");
	return EXIT_USAGE;
}

int no_operands(const char *cmd, int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "tiertopo: %s%sunexpected argument '%s'\n", cmd ? cmd : "", cmd ? ": " : "",
		argv[optind]);
	return EXIT_USAGE;
}

/* -J, -P and -r each choose the form of the whole output: one at a time (util-linux's habit) */
static int exclusive_modes(const struct global_opts *g, const struct output_mode *m)
{
	const char *given[3];
	size_t n = 0;
	if (g->json)
		given[n++] = "--json";
	if (m->pairs)
		given[n++] = "--pairs";
	if (m->raw)
		given[n++] = "--raw";
	if (n < 2)
		return OPTIONS_PARSED;
	fprintf(stderr, "tiertopo: %s and %s cannot be used together: each chooses the output form\n",
		given[0], given[1]);
	return EXIT_USAGE;
}

int parse_options(const struct command *cmd, struct global_opts *g, struct output_mode *out,
		  int argc, char **argv, int (*opt)(void *data, int c, const char *arg), void *data)
{
	int c;
	/*
	 * main() parsed the global options in order ("+"); optind 0 makes glibc start afresh,
	 * so that options may follow the operands of a command that takes some.
	 */
	if (cmd->operands)
		optind = 0;
	while ((c = getopt_long(argc, argv, cmd->shortopts, cmd->longopts, NULL)) != -1) {
		if (global_opt(g, c, optarg) || (out && output_opt(out, c, optarg)))
			continue;
		if (c == OPT_DUMP)
			continue;
		if (c == 'h') {
			cmd->usage(stdout);
			return EXIT_OK;
		}
		int r = opt && c != '?' ? opt(data, c, optarg) : -1;
		if (r < 0)
			return usage_hint(cmd->name);
		if (r > 0)
			return r;
	}
	if (!cmd->operands && no_operands(cmd->name, argc, argv))
		return EXIT_USAGE;
	return out ? exclusive_modes(g, out) : OPTIONS_PARSED;
}

int open_topo(const struct global_opts *g, bool record, bool lock, struct topo_ctx **ctxp,
	      struct topo **topop)
{
	struct topo_ctx *ctx = NULL;
	int r = topo_ctx_new(&ctx, g->sysroot);
	if (r < 0) {
		fprintf(stderr, "tiertopo: cannot use sysroot %s: %s\n",
			g->sysroot ? g->sysroot : "/", strerror(-r));
		return EXIT_ERROR;
	}
	topo_ctx_set_log_fn(ctx, log_to_stderr, NULL);
	topo_ctx_set_log_priority(ctx, g->verbose >= 2 ? LOG_DEBUG
				       : g->verbose    ? LOG_INFO
						       : LOG_ERR);
	topo_ctx_set_recording(ctx, record);
	if (g->acpi_dir) {
		r = topo_ctx_set_acpi_dir(ctx, g->acpi_dir);
		if (r < 0) {
			fprintf(stderr, "tiertopo: --acpi-dir %s: %s\n", g->acpi_dir, strerror(-r));
			topo_ctx_unref(ctx);
			return EXIT_ERROR;
		}
	}
	if (lock && (r = topo_ctx_lock(ctx)) < 0) {
		fprintf(stderr, "tiertopo: cannot take the lock %s/run/tiertopo/lock: %s\n",
			g->sysroot && strcmp(g->sysroot, "/") ? g->sysroot : "", topo_strerror(r));
		topo_ctx_unref(ctx);
		return EXIT_ERROR;
	}
	r = topo_discover(ctx, topop);
	if (r < 0) {
		fprintf(stderr, "tiertopo: cannot read the NUMA topology below %s: %s\n",
			g->sysroot ? g->sysroot : "/", strerror(-r));
		topo_ctx_unref(ctx);
		return EXIT_ERROR;
	}
	*ctxp = ctx;
	return 0;
}

int refuse_short_n(const char *cmd)
{
	fprintf(stderr, "tiertopo: %s: -n is --noheadings in tiertopo (as in util-linux); the dry "
			"run is --dry-run\n", cmd);
	return EXIT_USAGE;
}

int load_config(const struct global_opts *g, struct topo_ctx *ctx, struct topo_config **config)
{
	char *error = NULL;
	int r = topo_config_load(ctx, g->config, config, &error);
	if (r < 0) {
		fprintf(stderr, "tiertopo: %s%s\n", error ? error : strerror(-r),
			g->applies ? "; nothing was applied" : "");
		free(error);
		return EXIT_ERROR;
	}
	return 0;
}

/* open_topo() then load_config(); on failure nothing is left to free */
static int open_topo_config(const struct global_opts *g, bool lock, struct topo_ctx **ctx,
			    struct topo **topo, struct topo_config **config)
{
	int r = open_topo(g, false, lock, ctx, topo);
	if (r)
		return r;
	r = load_config(g, *ctx, config);
	if (r) {
		*topo = topo_unref(*topo);
		*ctx = topo_ctx_unref(*ctx);
	}
	return r;
}

int session_open(struct session *s, const struct global_opts *g, bool lock)
{
	*s = (struct session){0};
	return open_topo_config(g, lock, &s->ctx, &s->topo, &s->config);
}

int session_plan(struct session *s, const char *cmd)
{
	int r = topo_plan_new(s->topo, TOPO_PLAN_RECOMMENDED, NULL,
			      topo_config_get_plan_opts(s->config), &s->plan);
	if (r < 0) {
		fprintf(stderr, "tiertopo: %s%scannot plan: %s\n", cmd ? cmd : "", cmd ? ": " : "",
			strerror(-r));
		return EXIT_ERROR;
	}
	return 0;
}

void session_close(struct session *s)
{
	s->plan = topo_plan_unref(s->plan);
	topo_config_free(s->config);
	s->config = NULL;
	s->topo = topo_unref(s->topo);
	s->ctx = topo_ctx_unref(s->ctx);
}
