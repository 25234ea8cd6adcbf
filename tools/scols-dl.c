/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsmartcols, loaded with dlopen() when the first table is made, not linked: the JSON
 * forms (--dump --json, -J) and apply, check and watch print no table, and a linked
 * library costs every run of tiertopo its mapping, relocation and page faults at start
 * (~0.5 ms of the ~4 ms a run takes here; docs/PERFORMANCE.md). The functions tiertopo
 * calls are defined here under their own names and forward to the library's; every table
 * starts with scols_new_table(), which loads it, so the others find it loaded.
 */
#include <dlfcn.h>
#include <errno.h>
#include <libsmartcols.h>
#include <stdio.h>

static struct {
	void *dl;
	struct libscols_table *(*new_table)(void);
	void (*unref_table)(struct libscols_table *);
	int (*enable_raw)(struct libscols_table *, int);
	int (*enable_noheadings)(struct libscols_table *, int);
	int (*enable_export)(struct libscols_table *, int);
	struct libscols_column *(*new_column)(struct libscols_table *, const char *, double, int);
	struct libscols_line *(*new_line)(struct libscols_table *, struct libscols_line *);
	struct libscols_cell *(*get_title)(struct libscols_table *);
	int (*cell_set_data)(struct libscols_cell *, const char *);
	int (*line_set_data)(struct libscols_line *, size_t, const char *);
	int (*line_refer_data)(struct libscols_line *, size_t, char *);
	int (*print_table)(struct libscols_table *);
} sc;

static int load(void)
{
	if (sc.dl)
		return 0;
	void *dl = dlopen("libsmartcols.so.1", RTLD_LAZY | RTLD_LOCAL | RTLD_NODELETE);
	if (!dl) {
		fprintf(stderr, "tiertopo: cannot load libsmartcols: %s\n", dlerror());
		return -ELIBACC;
	}
#define SC(field, name)                                                                            \
	if (!(*(void **)&sc.field = dlsym(dl, #name))) {                                           \
		fprintf(stderr, "tiertopo: libsmartcols.so.1 lacks %s\n", #name);                  \
		dlclose(dl);                                                                       \
		return -ELIBBAD;                                                                   \
	}
	SC(new_table, scols_new_table)
	SC(unref_table, scols_unref_table)
	SC(enable_raw, scols_table_enable_raw)
	SC(enable_noheadings, scols_table_enable_noheadings)
	SC(enable_export, scols_table_enable_export)
	SC(new_column, scols_table_new_column)
	SC(new_line, scols_table_new_line)
	SC(get_title, scols_table_get_title)
	SC(cell_set_data, scols_cell_set_data)
	SC(line_set_data, scols_line_set_data)
	SC(line_refer_data, scols_line_refer_data)
	SC(print_table, scols_print_table)
#undef SC
	sc.dl = dl;
	return 0;
}

/* NULL when the library cannot be loaded (said on stderr), as when it is out of memory */
struct libscols_table *scols_new_table(void)
{
	return load() < 0 ? NULL : sc.new_table();
}

/* a table exists only once the library is loaded: the rest forward */
void scols_unref_table(struct libscols_table *tb)
{
	if (sc.dl)
		sc.unref_table(tb);
}

int scols_table_enable_raw(struct libscols_table *tb, int enable)
{
	return sc.enable_raw(tb, enable);
}

int scols_table_enable_noheadings(struct libscols_table *tb, int enable)
{
	return sc.enable_noheadings(tb, enable);
}

int scols_table_enable_export(struct libscols_table *tb, int enable)
{
	return sc.enable_export(tb, enable);
}

struct libscols_column *scols_table_new_column(struct libscols_table *tb, const char *name,
					       double whint, int flags)
{
	return sc.new_column(tb, name, whint, flags);
}

struct libscols_line *scols_table_new_line(struct libscols_table *tb, struct libscols_line *parent)
{
	return sc.new_line(tb, parent);
}

struct libscols_cell *scols_table_get_title(struct libscols_table *tb)
{
	return sc.get_title(tb);
}

int scols_cell_set_data(struct libscols_cell *ce, const char *data)
{
	return sc.cell_set_data(ce, data);
}

int scols_line_set_data(struct libscols_line *ln, size_t n, const char *data)
{
	return sc.line_set_data(ln, n, data);
}

int scols_line_refer_data(struct libscols_line *ln, size_t n, char *data)
{
	return sc.line_refer_data(ln, n, data);
}

int scols_print_table(struct libscols_table *tb)
{
	return sc.print_table(tb);
}
