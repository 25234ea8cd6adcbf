/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo matrix: the firmware's node x node figures as tables, numactl --hardware style
 * but from the tables themselves: the SLIT distances (node x node, by the nodes' proximity
 * domains), and the HMAT read/write latency and bandwidth, initiator x target, either as the
 * firmware gives them (--access firmware, the default) or as the kernel reduced them to the
 * best initiators of each target (nodeN/access0 or access1). Rows are initiators (SLIT: the
 * from node), columns targets; "-" is a pair the source says nothing about.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <libsmartcols/libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiertopo.h"

enum { OPT_SLIT = OPT_COMMAND, OPT_HMAT, OPT_ACCESS };
enum { SOURCE_FIRMWARE = -1 }; /* else the access class, 0 or 1 */

static void usage(FILE *out)
{
	fputs("Usage: tiertopo matrix [--slit|--hmat] [--access 0|1|firmware] [options]\n"
	      "\n"
	      "Show the SLIT distances and the HMAT read/write latency and bandwidth as\n"
	      "node x node tables: rows are initiators (SLIT: from), columns targets (to);\n"
	      "'-' is a pair the source does not give.\n"
	      "\n"
	      "Options:\n"
	      "     --slit            only the SLIT distances (firmware table)\n"
	      "     --hmat            only the HMAT figures\n"
	      "     --access <src>    HMAT figures from: firmware (the table, default), 0 or 1\n"
	      "                       (the kernel's nodeN/accessC: the best initiators of each\n"
	      "                       target; 1 counts only initiators with CPUs)\n"
	      " -J, --json            print JSON\n"
	      " -r, --raw             raw output\n"
	      " -n, --noheadings      no titles or header lines\n"
	      "                       (-J and -r choose the output form: one at a time)\n"
	      " -s, --sysroot <dir>   read the machine below <dir>\n"
	      "     --acpi-dir <dir>  read ACPI tables from <dir>\n"
	      " -v, --verbose         say more\n"
	      " -h, --help            show this help\n"
	      "\n"
	      "Tables: SLIT distance (relative, 10 = local); RLAT and WLAT read and write\n"
	      "latency in ns; RBW and WBW read and write bandwidth in MB/s.\n"
	      "A missing or rejected table is named on stderr; exit status 1 when none of the\n"
	      "tables asked for could be shown.\n",
	      out);
}

struct matrix_opts {
	bool slit, hmat;
	int source; /* SOURCE_FIRMWARE, 0, 1 */
};

static int matrix_opt(void *data, int c, const char *arg)
{
	struct matrix_opts *o = data;
	switch (c) {
	case OPT_SLIT:
		o->slit = true;
		return 0;
	case OPT_HMAT:
		o->hmat = true;
		return 0;
	case OPT_ACCESS:
		if (!strcmp(arg, "firmware"))
			o->source = SOURCE_FIRMWARE;
		else if (!strcmp(arg, "0") || !strcmp(arg, "1"))
			o->source = arg[0] - '0';
		else {
			fprintf(stderr,
				"tiertopo: matrix: --access takes 0, 1 or firmware, not '%s'\n",
				arg);
			return EXIT_USAGE;
		}
		return 0;
	}
	return -1;
}

/* one matrix: rows x cols node ids, cells (-1: unknown) */
struct matrix {
	const char *title;  /* for people */
	const char *header; /* first column: quantity and unit */
	const char *key;    /* JSON */
	int *rows, *cols;
	size_t n_rows, n_cols;
	int64_t *cells; /* n_rows x n_cols */
};

static void matrix_free(struct matrix *m)
{
	free(m->rows);
	free(m->cols);
	free(m->cells);
	*m = (struct matrix){0};
}

/* The rows and columns of the nodes that have some figure, then the cells, via @get. */
static int matrix_build(struct matrix *m, const struct topo *topo, void *data,
			int (*get)(const struct topo *topo, void *data, int from, int to,
				   uint32_t *v))
{
	size_t n = topo_get_node_count(topo);
	bool *row = calloc(n + 1, 1), *col = calloc(n + 1, 1);
	m->rows = calloc(n + 1, sizeof(int));
	m->cols = calloc(n + 1, sizeof(int));
	if (!row || !col || !m->rows || !m->cols) {
		free(row);
		free(col);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int a = topo_node_get_id(topo_get_node_by_index(topo, i));
			int b = topo_node_get_id(topo_get_node_by_index(topo, j));
			if (get(topo, data, a, b, NULL) == 0)
				row[i] = col[j] = true;
		}
	for (size_t i = 0; i < n; i++) {
		int id = topo_node_get_id(topo_get_node_by_index(topo, i));
		if (row[i])
			m->rows[m->n_rows++] = id;
		if (col[i])
			m->cols[m->n_cols++] = id;
	}
	free(row);
	free(col);
	m->cells = calloc(m->n_rows * m->n_cols + 1, sizeof(int64_t));
	if (!m->cells)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_rows; i++)
		for (size_t j = 0; j < m->n_cols; j++) {
			uint32_t v;
			m->cells[i * m->n_cols + j] =
			    get(topo, data, m->rows[i], m->cols[j], &v) == 0 ? (int64_t)v : -1;
		}
	return 0;
}

static int get_slit(const struct topo *topo, void *data, int from, int to, uint32_t *v)
{
	unsigned int d;
	int r = topo_get_slit_distance(topo, from, to, &d);
	if (r == 0 && v)
		*v = d;
	return r;
}

struct perf_src {
	int source;
	enum topo_perf_attr attr;
};

/* the firmware's figure, or the kernel's for a target whose best initiators include @from */
static int get_perf(const struct topo *topo, void *data, int from, int to, uint32_t *v)
{
	const struct perf_src *p = data;
	uint32_t x;
	if (p->source == SOURCE_FIRMWARE) {
		/* every attribute decides the shape, so that the four tables match */
		int r = -ENODATA;
		for (int a = 0; a < 4 && r; a++)
			r = topo_get_hmat_perf(topo, from, to, (enum topo_perf_attr)a, NULL);
		if (r)
			return r;
		if (!v)
			return 0;
		r = topo_get_hmat_perf(topo, from, to, p->attr, &x);
		if (r == 0)
			*v = x;
		return r;
	}
	const struct topo_node *t = topo_get_node(topo, to);
	const int *ini = NULL;
	size_t ni = t ? topo_node_get_perf_initiators(t, (unsigned int)p->source, &ini) : 0;
	bool listed = false;
	for (size_t i = 0; i < ni && !listed; i++)
		listed = ini[i] == from;
	if (!listed)
		return -ENODATA;
	bool any = false;
	for (int a = 0; a < 4 && !any; a++)
		any = topo_node_get_perf(t, (unsigned int)p->source, (enum topo_perf_attr)a,
					 NULL) == 0;
	if (!any)
		return -ENODATA;
	if (!v)
		return 0;
	int r = topo_node_get_perf(t, (unsigned int)p->source, p->attr, &x);
	if (r == 0)
		*v = x;
	return r;
}

static int print_table(const struct matrix *m, const struct output_mode *om, bool first)
{
	struct libscols_table *tb = scols_new_table();
	if (!tb)
		return -ENOMEM;
	scols_table_enable_raw(tb, om->raw);
	scols_table_enable_noheadings(tb, om->noheadings);
	char name[32];
	int r = -ENOMEM;
	if (!scols_table_new_column(tb, m->header, 0, SCOLS_FL_RIGHT))
		goto out;
	for (size_t j = 0; j < m->n_cols; j++) {
		snprintf(name, sizeof(name), "%d", m->cols[j]);
		if (!scols_table_new_column(tb, name, 0, SCOLS_FL_RIGHT))
			goto out;
	}
	for (size_t i = 0; i < m->n_rows; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (!ln)
			goto out;
		snprintf(name, sizeof(name), "%d", m->rows[i]);
		scols_line_set_data(ln, 0, name);
		for (size_t j = 0; j < m->n_cols; j++) {
			int64_t v = m->cells[i * m->n_cols + j];
			if (v < 0)
				scols_line_set_data(ln, j + 1, "-");
			else {
				snprintf(name, sizeof(name), "%" PRId64, v);
				scols_line_set_data(ln, j + 1, name);
			}
		}
	}
	/* a blank line between tables, in every form: the only separator with -r -n */
	if (!first)
		putchar('\n');
	if (!om->raw && !om->noheadings)
		printf("%s:\n", m->title);
	scols_print_table(tb);
	r = 0;
out:
	scols_unref_table(tb);
	return r;
}

static struct json_object *matrix_json(const struct matrix *m)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < m->n_rows; i++) {
		struct json_object *row = json_object_new_array();
		for (size_t j = 0; j < m->n_cols; j++) {
			int64_t v = m->cells[i * m->n_cols + j];
			json_object_array_add(row, v < 0 ? NULL : json_object_new_int64(v));
		}
		json_object_array_add(a, row);
	}
	return a;
}

static struct json_object *ids_json(const int *v, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_int(v[i]));
	return a;
}

/* Why @table cannot be shown, or NULL when it can: a sentence for stderr and JSON. */
static char *table_missing(const struct topo *topo, const struct global_opts *g, const char *table)
{
	bool used = false;
	char *s = NULL;
	if (topo_get_acpi_table(topo, table, &used) < 0) {
		const char *root = g->sysroot && strcmp(g->sysroot, "/") ? g->sysroot : "";
		if (g->acpi_dir)
			return asprintf(&s, "no %s table: %s/%s.dat is absent", table, g->acpi_dir,
					table) < 0
				   ? NULL
				   : s;
		return asprintf(&s, "no %s table: %s/sys/firmware/acpi/tables/%s is absent", table,
				root, table) < 0
			   ? NULL
			   : s;
	}
	if (!used)
		return asprintf(&s, "the %s table was rejected (tiertopo check says why)", table) <
			       0
			   ? NULL
			   : s;
	return NULL;
}

int cmd_matrix(struct global_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
	    GLOBAL_LONGOPTS,
	    {"slit", no_argument, NULL, OPT_SLIT},
	    {"hmat", no_argument, NULL, OPT_HMAT},
	    {"access", required_argument, NULL, OPT_ACCESS},
	    {"raw", no_argument, NULL, 'r'},
	    {"noheadings", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct command cmd = {"matrix", "s:Jvrnh", longopts, usage, false};
	struct matrix_opts o = {.source = SOURCE_FIRMWARE};
	struct output_mode om = {0};
	int r = parse_options(&cmd, g, &om, argc, argv, matrix_opt, &o);
	if (r != OPTIONS_PARSED)
		return r;
	if (!o.slit && !o.hmat)
		o.slit = o.hmat = true;

	struct topo_ctx *ctx = NULL;
	struct topo *topo = NULL;
	r = open_topo(g, false, false, &ctx, &topo);
	if (r)
		return r;

	static const char *const perf_titles[4] = {
	    "HMAT read latency in ns", "HMAT write latency in ns", "HMAT read bandwidth in MB/s",
	    "HMAT write bandwidth in MB/s"};
	static const char *const perf_headers[4] = {"RLAT[ns]", "WLAT[ns]", "RBW[MB/s]",
						    "WBW[MB/s]"};
	static const char *const perf_keys[4] = {"read_latency_ns", "write_latency_ns",
						 "read_bandwidth_mbps", "write_bandwidth_mbps"};
	struct matrix slit = {0}, perf[4] = {{0}};
	char titles[4][160];
	char *missing[2] = {NULL, NULL}; /* SLIT, HMAT */
	bool have_slit = false, have_hmat = false;
	r = EXIT_ERROR;

	if (o.slit) {
		missing[0] = table_missing(topo, g, "SLIT");
		if (!missing[0]) {
			slit.title =
			    "SLIT distance (firmware; 10 = local), from node (rows) to node "
			    "(columns)";
			slit.header = "DISTANCE";
			if (matrix_build(&slit, topo, NULL, get_slit) < 0)
				goto out;
			have_slit = slit.n_rows > 0;
			if (!have_slit &&
			    asprintf(&missing[0],
				     "the SLIT gives no distance between the nodes "
				     "(its localities are no node's proximity domain)") < 0)
				missing[0] = NULL;
		}
	}
	if (o.hmat) {
		if (o.source == SOURCE_FIRMWARE)
			missing[1] = table_missing(topo, g, "HMAT");
		for (int a = 0; a < 4 && !missing[1]; a++) {
			struct perf_src p = {o.source, (enum topo_perf_attr)a};
			snprintf(titles[a], sizeof(titles[a]),
				 "%s (%s), initiator node (rows) x target node (columns)",
				 perf_titles[a],
				 o.source == SOURCE_FIRMWARE ? "firmware"
				 : o.source		     ? "kernel access1"
							     : "kernel access0");
			perf[a].title = titles[a];
			perf[a].header = perf_headers[a];
			perf[a].key = perf_keys[a];
			if (matrix_build(&perf[a], topo, &p, get_perf) < 0)
				goto out;
		}
		have_hmat = !missing[1] && perf[0].n_rows > 0;
		if (!missing[1] && !have_hmat) {
			int k =
			    o.source == SOURCE_FIRMWARE
				? asprintf(&missing[1], "the HMAT gives no latency or bandwidth "
							"between the nodes")
				: asprintf(&missing[1],
					   "the kernel reports no access%d figures "
					   "(sys/devices/system/node/nodeN/"
					   "access%d/initiators)",
					   o.source, o.source);
			if (k < 0)
				missing[1] = NULL;
		}
	}

	for (int i = 0; i < 2; i++)
		if (missing[i] && !g->json)
			fprintf(stderr, "tiertopo: matrix: %s\n", missing[i]);

	if (g->json) {
		struct json_object *root = json_object_new_object();
		json_object_object_add(root, "schema", json_object_new_string(TOPO_JSON_SCHEMA));
		struct json_object *js = NULL, *jh = NULL;
		if (have_slit) {
			js = json_object_new_object();
			json_object_object_add(js, "source", json_object_new_string("firmware"));
			json_object_object_add(js, "from", ids_json(slit.rows, slit.n_rows));
			json_object_object_add(js, "to", ids_json(slit.cols, slit.n_cols));
			json_object_object_add(js, "distances", matrix_json(&slit));
		}
		if (have_hmat) {
			jh = json_object_new_object();
			json_object_object_add(jh, "source",
					       json_object_new_string(o.source == SOURCE_FIRMWARE
									  ? "firmware"
								      : o.source ? "access1"
										 : "access0"));
			json_object_object_add(jh, "initiators",
					       ids_json(perf[0].rows, perf[0].n_rows));
			json_object_object_add(jh, "targets",
					       ids_json(perf[0].cols, perf[0].n_cols));
			for (int a = 0; a < 4; a++)
				json_object_object_add(jh, perf[a].key, matrix_json(&perf[a]));
		}
		json_object_object_add(root, "slit", js);
		json_object_object_add(root, "hmat", jh);
		struct json_object *jm = json_object_new_array();
		static const char *const names[2] = {"SLIT", "HMAT"};
		for (int i = 0; i < 2; i++) {
			if (!missing[i])
				continue;
			struct json_object *x = json_object_new_object();
			json_object_object_add(x, "table", json_object_new_string(names[i]));
			json_object_object_add(x, "reason", json_object_new_string(missing[i]));
			json_object_array_add(jm, x);
		}
		json_object_object_add(root, "missing", jm);
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	} else {
		bool first = true;
		if (have_slit) {
			if (print_table(&slit, &om, first) < 0)
				goto out;
			first = false;
		}
		for (int a = 0; a < 4 && have_hmat; a++) {
			if (print_table(&perf[a], &om, first) < 0)
				goto out;
			first = false;
		}
	}
	/* something asked for was shown: the rest is named on stderr or in missing[] */
	r = have_slit || have_hmat ? EXIT_OK : EXIT_ERROR;
out:
	matrix_free(&slit);
	for (int a = 0; a < 4; a++)
		matrix_free(&perf[a]);
	free(missing[0]);
	free(missing[1]);
	topo_unref(topo);
	topo_ctx_unref(ctx);
	return r;
}
