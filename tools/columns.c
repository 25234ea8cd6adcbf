/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The column tables of the listings: selection (-o), --help and libsmartcols tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"

static int column_by_name(const struct listing *l, const char *name, size_t len)
{
	for (size_t i = 0; i < l->ncols; i++) {
		const char *k = l->cols[i].key;
		if ((strlen(l->cols[i].name) == len && !strncasecmp(name, l->cols[i].name, len)) ||
		    (l->key_names && k && strlen(k) == len && !strncmp(name, k, len)))
			return (int)i;
	}
	return -1;
}

static void select_defaults(const struct listing *l, struct colsel *sel)
{
	if (!l->defaults) {
		for (size_t i = 0; i < l->ncols && sel->n < ARRAY_SIZE(sel->cols); i++)
			sel->cols[sel->n++] = (int)i;
		return;
	}
	for (size_t i = 0; i < l->ndefaults && sel->n < ARRAY_SIZE(sel->cols); i++)
		sel->cols[sel->n++] = l->defaults[i];
}

int columns_select(const struct listing *l, const struct output_mode *m, struct colsel *sel)
{
	sel->n = 0;
	if (m->all) {
		for (size_t i = 0; i < l->ncols; i++)
			sel->cols[sel->n++] = (int)i;
		return 0;
	}
	const char *p = m->columns;
	if (!p) {
		select_defaults(l, sel);
		return 0;
	}
	if (*p == '+') { /* +LIST adds to the defaults */
		select_defaults(l, sel);
		p++;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		int col = column_by_name(l, p, len);
		if (col < 0 || sel->n >= ARRAY_SIZE(sel->cols)) {
			fprintf(stderr, "tiertopo: unknown column '%.*s'; see %s%s--help\n",
				(int)len, p, l->cmd ? l->cmd : "", l->cmd ? " " : "");
			return EXIT_USAGE;
		}
		sel->cols[sel->n++] = col;
		p += len + (p[len] == ',');
	}
	return 0;
}

void columns_usage(const struct listing *l, FILE *out)
{
	for (size_t i = 0; i < l->ncols; i++) {
		const struct column *c = &l->cols[i];
		bool key = l->key_names && c->key;
		fprintf(out, " %*s  %s%s%s%s\n", l->help_width, c->name, c->help, key ? " [" : "",
			key ? c->key : "", key ? "]" : "");
	}
}

struct libscols_table *columns_table(const struct listing *l, const struct colsel *sel,
				     const struct output_mode *m)
{
	struct libscols_table *tb = scols_new_table();
	if (!tb)
		return NULL;
	scols_table_enable_raw(tb, m->raw);
	scols_table_enable_export(tb, m->pairs);
	scols_table_enable_noheadings(tb, m->noheadings);
	size_t n = sel ? sel->n : l->ncols;
	for (size_t i = 0; i < n; i++) {
		const struct column *c = &l->cols[sel ? sel->cols[i] : (int)i];
		if (!scols_table_new_column(tb, c->name, c->whint, c->flags)) {
			scols_unref_table(tb);
			return NULL;
		}
	}
	return tb;
}

void cell_set(struct libscols_line *ln, size_t col, char *s)
{
	if (s)
		scols_line_refer_data(ln, col, s);
	else
		scols_line_set_data(ln, col, "-");
}

int listing_open(const struct listing *l, const struct output_mode *m, struct colsel *sel,
		 const struct global_opts *g, struct session *s)
{
	int r = columns_select(l, m, sel);
	return r ? r : session_open(s, g, false);
}
