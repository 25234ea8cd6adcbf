/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every command shares: the global options, the context, messages.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

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

int usage_hint(const char *cmd)
{
	fprintf(stderr, "Try 'tiertopo %s%s--help' for more information.\n", cmd ? cmd : "",
		cmd ? " " : "");
	return EXIT_USAGE;
}

int no_operands(const char *cmd, int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "tiertopo: %s%sunexpected argument '%s'\n", cmd ? cmd : "",
		cmd ? ": " : "", argv[optind]);
	return EXIT_USAGE;
}

int open_topo(const struct global_opts *g, bool record, bool lock, struct topo_ctx **ctxp,
	      struct topo **topop)
{
	struct topo_ctx *ctx = NULL;
	int r = topo_ctx_new(&ctx, g->sysroot);
	if (r < 0) {
		fprintf(stderr, "tiertopo: cannot use sysroot %s: %s\n", g->sysroot ? g->sysroot : "/",
			strerror(-r));
		return EXIT_ERROR;
	}
	topo_ctx_set_log_fn(ctx, log_to_stderr, NULL);
	topo_ctx_set_log_priority(ctx, g->verbose >= 2 ? LOG_DEBUG : g->verbose ? LOG_INFO : LOG_ERR);
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
			g->sysroot && strcmp(g->sysroot, "/") ? g->sysroot : "", strerror(-r));
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

void print_findings(const struct topo *topo, FILE *f)
{
	for (size_t i = 0; i < topo_get_finding_count(topo); i++) {
		const struct topo_finding *x = topo_get_finding(topo, i);
		fprintf(f, "%s: %s [%s]\n", topo_severity_to_string(topo_finding_get_severity(x)),
			topo_finding_get_message(x), topo_finding_get_id(x));
	}
}

int load_config(const struct global_opts *g, struct topo_ctx *ctx, struct topo_config **config)
{
	char *error = NULL;
	int r = topo_config_load(ctx, g->config, config, &error);
	if (r < 0) {
		fprintf(stderr, "tiertopo: %s; nothing was applied\n",
			error ? error : strerror(-r));
		free(error);
		return EXIT_ERROR;
	}
	return 0;
}

int open_topo_config(const struct global_opts *g, bool lock, struct topo_ctx **ctx,
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

char *format_list(const unsigned int *v, size_t n)
{
	if (!n)
		return NULL;
	size_t cap = 16 + n * 12, o = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		o += (size_t)snprintf(s + o, cap - o, "%s%u", o ? "," : "", v[i]);
		if (j > i)
			o += (size_t)snprintf(s + o, cap - o, "-%u", v[j]);
		i = j + 1;
	}
	return s;
}

char *format_node_list(const int *v, size_t n)
{
	if (!n)
		return NULL;
	unsigned int *u = malloc(n * sizeof(*u));
	if (!u)
		return NULL;
	for (size_t i = 0; i < n; i++)
		u[i] = (unsigned int)v[i]; /* node ids are never negative */
	char *s = format_list(u, n);
	free(u);
	return s;
}
