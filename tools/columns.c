/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The column tables of the listings: selection (-o), --help and libsmartcols tables.
 */
#include <errno.h>
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

bool columns_chosen(const struct output_mode *m)
{
	return m->columns || m->all;
}

static int json_set(struct json_object *o, const char *key, size_t len, struct json_object *v)
{
	char name[64];
	if (len >= sizeof(name)) {
		json_object_put(v);
		return -EINVAL;
	}
	memcpy(name, key, len);
	name[len] = '\0';
	return json_object_object_add(o, name, v) < 0 ? -ENOMEM : 0;
}

int json_project(struct json_object *row, struct json_object *src, const char *key)
{
	const char *dot = strchr(key, '.');
	if (!dot)
		return json_set(row, key, strlen(key),
				json_object_get(json_object_object_get(src, key)));
	char parent[64];
	size_t len = (size_t)(dot - key);
	if (len >= sizeof(parent))
		return -EINVAL;
	memcpy(parent, key, len);
	parent[len] = '\0';
	struct json_object *sp = json_object_object_get(src, parent);
	if (!json_object_is_type(sp, json_type_object))
		return json_set(row, parent, len, NULL); /* null there, null here */
	struct json_object *rp = json_object_object_get(row, parent);
	if (!json_object_is_type(rp, json_type_object)) {
		rp = json_object_new_object();
		if (!rp || json_set(row, parent, len, rp) < 0)
			return -ENOMEM;
	}
	return json_set(rp, dot + 1, strlen(dot + 1),
			json_object_get(json_object_object_get(sp, dot + 1)));
}

int json_print_listing(struct json_object *doc)
{
	if (!doc) {
		fputs("tiertopo: cannot print JSON: out of memory\n", stderr);
		return EXIT_ERROR;
	}
	puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return EXIT_OK;
}
