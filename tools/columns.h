/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One column table per listing, lsmem's coldescs[]: each column's name (the header and what
 * -o takes), its libsmartcols width hint and flags, its JSON key and its help line. The
 * table drives the header, -o and --output-all, the column list of --help and, where the
 * listing builds its own JSON, the keys.
 */
#ifndef TIERTOPO_COLUMNS_H
#define TIERTOPO_COLUMNS_H

#include <json-c/json.h>
#include <libsmartcols/libsmartcols.h>

#include "tiertopo.h"

struct column {
	const char *name; /* header; -o takes it in any case */
	double whint;	  /* libsmartcols width hint */
	int flags;	  /* SCOLS_FL_* */
	const char *key;  /* JSON key (NULL: none of its own); see listing.key_names */
	const char *help;
};

struct listing {
	const char *cmd; /* for messages: "see CMD --help"; NULL: dump */
	const struct column *cols;
	size_t ncols;
	const int *defaults; /* the columns without -o; NULL: all */
	size_t ndefaults;
	int help_width; /* of the names in --help */
	/* -o also takes the JSON keys (exact case), and --help shows them as "[key]" */
	bool key_names;
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The columns -o/--output-all/the defaults select, in order. */
struct colsel {
	int cols[64];
	size_t n;
};

/* The selection of @m (-o LIST, +LIST for the defaults and more, --output-all). Returns 0,
 * or EXIT_USAGE after naming the unknown column. */
int columns_select(const struct listing *l, const struct output_mode *m, struct colsel *sel);
/* -o or --output-all was given: with -J the listing's rows (the selected columns' JSON keys)
 * instead of the command's whole document, as lsblk -J -o does */
bool columns_chosen(const struct output_mode *m);
/* columns_select(), then session_open() (without the lock), as a listing starts. Returns 0
 * or an exit status (nothing to free). */
int listing_open(const struct listing *l, const struct output_mode *m, struct colsel *sel,
		 const struct global_opts *g, struct session *s);
/* The "Columns:" list of --help. */
void columns_usage(const struct listing *l, FILE *out);
/* A table in the mode of @m with the columns of @sel (NULL: every column), or NULL. */
struct libscols_table *columns_table(const struct listing *l, const struct colsel *sel,
				     const struct output_mode *m);
/* Set cell @col of @ln to @s, which it takes, or to "-" when @s is NULL (unknown). */
void cell_set(struct libscols_line *ln, size_t col, char *s);

/*
 * Copy into @row the value @key has in @src, the full document's object of the same row.
 * @key is a name ("node") or a path of two ("perf.read_latency_ns"): the second name goes
 * into @row's object of the first, made on its first use (null when it is null in @src), so
 * that a row holds its keys where the full document has them and a jq path works on both.
 * A key @src does not have is null. Returns 0 or -ENOMEM.
 */
int json_project(struct json_object *row, struct json_object *src, const char *key);
/* Print @doc (taken) as -J does, pretty; returns 0 or an exit status. */
int json_print_listing(struct json_object *doc);

#endif
