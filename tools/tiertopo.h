/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef TIERTOPO_H
#define TIERTOPO_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "libtopo.h"

/* exit status */
enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2, EXIT_PROBLEMS = 3 };

/* options every command understands */
struct global_opts {
	const char *sysroot;
	const char *acpi_dir;
	int verbose;
	bool json;
	const char *kernel_model;
	const char *config; /* --config FILE; NULL: <sysroot>/etc/tiertopo/tiertopo.conf */
};

/* getopt ids for the global long options, shared by every command's table */
enum {
	OPT_SYSROOT = 0x100,
	OPT_ACPI_DIR,
	OPT_DUMP,
	OPT_HELP_ALL,
	OPT_CONFIG,
};

/* "Try 'tiertopo [CMD] --help' ...", for an unknown option; returns EXIT_USAGE. NULL: dump. */
int usage_hint(const char *cmd);
/* Refuse the first operand a command does not take (argv[optind] when optind < argc):
 * returns EXIT_USAGE after saying so, 0 when there is none. NULL: dump. */
int no_operands(const char *cmd, int argc, char **argv);

/* The global options every planning command accepts, for its getopt_long() table. */
#define GLOBAL_LONGOPTS                                                                    \
	{"sysroot", required_argument, NULL, OPT_SYSROOT},                                 \
	{"acpi-dir", required_argument, NULL, OPT_ACPI_DIR},                               \
	{"config", required_argument, NULL, OPT_CONFIG},                                   \
	{"json", no_argument, NULL, 'J'},                                                  \
	{"verbose", no_argument, NULL, 'v'}

/* Handle a global option inside a command's getopt loop; true when it was one. */
bool global_opt(struct global_opts *g, int c, const char *arg);

/* Create the context and discover, reporting errors; returns 0 or an exit status. With
 * @lock, the apply lock is taken first (topo_ctx_lock): the snapshot is then not read while
 * another apply writes, and it is held until the context is freed. */
int open_topo(const struct global_opts *g, bool record, bool lock, struct topo_ctx **ctx,
	      struct topo **topo);
/*
 * Load the configuration (--config or the sysroot's), printing the reason and its line when
 * it is bad. Returns 0 or an exit status.
 */
int load_config(const struct global_opts *g, struct topo_ctx *ctx, struct topo_config **config);
/* open_topo() then load_config(), as the planning commands start; on failure nothing is
 * left to free. Returns 0 or an exit status. */
int open_topo_config(const struct global_opts *g, bool lock, struct topo_ctx **ctx,
		     struct topo **topo, struct topo_config **config);
/* "0-3,8" (malloc'd), or NULL for an empty list */
char *format_list(const unsigned int *v, size_t n);
char *format_node_list(const int *v, size_t n);
/* Print the snapshot's findings to stderr, one per line. */
void print_findings(const struct topo *topo, FILE *f);

int cmd_dump(struct global_opts *g, int argc, char **argv);
int cmd_gather(struct global_opts *g, int argc, char **argv);
int cmd_plan(struct global_opts *g, int argc, char **argv);
int cmd_check(struct global_opts *g, int argc, char **argv);
int cmd_apply(struct global_opts *g, int argc, char **argv);
int cmd_watch(struct global_opts *g, int argc, char **argv);
int cmd_stat(struct global_opts *g, int argc, char **argv);

#endif
