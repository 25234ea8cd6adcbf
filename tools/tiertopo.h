/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef TIERTOPO_H
#define TIERTOPO_H

#include <errno.h>
#include <getopt.h>
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
	bool applies;	    /* the command writes (apply, watch): its errors say nothing was */
};

/* getopt ids of the long options without a short one, shared by every command's table;
 * a command's own start at OPT_COMMAND */
enum {
	OPT_SYSROOT = 0x100,
	OPT_ACPI_DIR,
	OPT_DUMP,
	OPT_HELP_ALL,
	OPT_CONFIG,
	OPT_OUTPUT_ALL,
	OPT_KERNEL_MODEL,
	OPT_COMMAND = 0x200,
};

/* How a listing prints: the options of lsmem (-o, --output-all, -r, -P, -n, -b). */
struct output_mode {
	const char *columns; /* -o LIST; NULL: the defaults */
	bool all;	     /* --output-all */
	bool raw, pairs, noheadings, bytes;
};

/* A command's options, for parse_options(). */
struct command {
	const char *name; /* for messages; NULL: dump, the default command */
	const char *shortopts;
	const struct option *longopts;
	void (*usage)(FILE *out);
	/* takes operands: options may follow them (getopt permutes), and they are left at
	 * argv[optind...]; otherwise an operand is a usage error */
	bool operands;
};

/* parse_options() result: the options are parsed, go on */
#define OPTIONS_PARSED (-1)

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

/* -n in apply and watch, once their --dry-run: refuse it, naming --dry-run. EXIT_USAGE. */
int refuse_short_n(const char *cmd);

/* Handle a global option inside a command's getopt loop; true when it was one. */
bool global_opt(struct global_opts *g, int c, const char *arg);

/* The output options of the listings, for their getopt_long() tables (dump adds --bytes). */
#define OUTPUT_LONGOPTS                                                                            \
	{"output", required_argument, NULL, 'o'},                                                  \
	    {"output-all", no_argument, NULL, OPT_OUTPUT_ALL}, {"raw", no_argument, NULL, 'r'},    \
	    {"pairs", no_argument, NULL, 'P'},                                                     \
	{                                                                                          \
		"noheadings", no_argument, NULL, 'n'                                               \
	}

/*
 * A command's getopt loop: the global options, the output options when @out is given, -h
 * (the command's usage), --dump (dump's own name) and, for the rest, @opt, which returns 0
 * when it took the option, -1 when it is none of the command's, or an exit status. Then
 * refuses operands unless the command takes them. Returns OPTIONS_PARSED to go on, or the
 * exit status to end with (EXIT_OK after --help).
 */
int parse_options(const struct command *cmd, struct global_opts *g, struct output_mode *out,
		  int argc, char **argv, int (*opt)(void *data, int c, const char *arg),
		  void *data);

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

/* What the planning commands work on; session_close() frees what is set. */
struct session {
	struct topo_ctx *ctx;
	struct topo *topo;
	struct topo_config *config;
	struct topo_plan *plan;
};
/* open_topo_config() into @s. Returns 0 or an exit status (nothing left to free). */
int session_open(struct session *s, const struct global_opts *g, bool lock);
/* The recommended plan of the configuration, into s->plan; says why it failed, as
 * "tiertopo: [CMD: ]cannot plan: ..." (NULL: dump). Returns 0 or an exit status. */
int session_plan(struct session *s, const char *cmd);
void session_close(struct session *s);

/* "0-3,8" (malloc'd), or NULL for an empty list */
char *format_list(const unsigned int *v, size_t n);
char *format_node_list(const int *v, size_t n);
/* strerror(), with what libtopo means by -EKEYREJECTED (untrusted), -EMEDIUMTYPE (not a
 * regular file) and -ELOOP (a link) below a sysroot (libtopo(3), ERRORS) */
const char *topo_strerror(int r);
/* A finding in a line, "severity: message [id]"; a note (info) only with -v. One that
 * [check] ignore of @config accepts is not printed but counted in *@hidden (may be NULL). */
void print_finding(const struct global_opts *g, const struct topo_config *config,
		   const struct topo_finding *x, FILE *f, size_t *hidden);
/* Print the snapshot's warnings and errors, one per line; with -v its notes (info) too;
 * those @config accepts counted in *@hidden instead. */
void print_findings(const struct global_opts *g, const struct topo_config *config,
		    const struct topo *topo, FILE *f, size_t *hidden);
/* With -v, "N findings suppressed by tiertopo.conf" when @hidden is not 0. */
void print_hidden(const struct global_opts *g, size_t hidden, FILE *f);

int cmd_dump(struct global_opts *g, int argc, char **argv);
int cmd_gather(struct global_opts *g, int argc, char **argv);
int cmd_plan(struct global_opts *g, int argc, char **argv);
int cmd_check(struct global_opts *g, int argc, char **argv);
int cmd_apply(struct global_opts *g, int argc, char **argv);
int cmd_watch(struct global_opts *g, int argc, char **argv);
int cmd_stat(struct global_opts *g, int argc, char **argv);
int cmd_matrix(struct global_opts *g, int argc, char **argv);
int cmd_metrics(struct global_opts *g, int argc, char **argv);
int cmd_diff(struct global_opts *g, int argc, char **argv);

#endif
