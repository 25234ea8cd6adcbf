/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo diff A B: what changed between two machines' states ("after the BIOS update",
 * "after the kernel upgrade"). A and B are each a gathered tree (a directory for --sysroot),
 * a `tiertopo gather` tarball, or a published state file (run/tiertopo/state.json, or the
 * output of `tiertopo plan -J`). A tree or tarball is discovered and planned (recommended,
 * with the tree's own configuration) into the document a state file holds; then the two
 * documents are compared key by key: nodes added and removed, and per node what the kernel
 * and the firmware say of it and what tiertopo recommends.
 *
 * Exit status as diff(1): 0 the same, 1 different, 2 trouble (usage, unreadable input).
 * It runs in tiertopo-gather, which links libarchive for the tarballs.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tiertopo.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* a tarball is untrusted: bounds on what it may unpack */
#define MAX_ENTRIES 1000000
#define MAX_BYTES (1024LL * 1024 * 1024)
#define MAX_STATE (256 * 1024 * 1024)

enum { DIFF_SAME = 0, DIFF_DIFFERENT = 1, DIFF_TROUBLE = 2 };

static void usage(FILE *out)
{
	fputs("Usage: tiertopo diff [options] A B\n"
	      "\n"
	      "Show what changed from A to B, each a gathered tree (a directory holding sys/\n"
	      "and proc/), a tarball of tiertopo gather, or a state file (run/tiertopo/\n"
	      "state.json, or what tiertopo plan -J printed): nodes added or removed, and per\n"
	      "node its kind, CPUs, memory, SLIT distances and HMAT figures, kernel tier,\n"
	      "recommended tier and demotion targets; the kernel release, the kernel's and the\n"
	      "recommended tiers, the tiering knobs and the firmware tables.\n"
	      "\n"
	      "Options:\n"
	      " -J, --json            the changes as JSON\n"
	      " -v, --verbose         say more\n"
	      " -h, --help            show this help\n"
	      "\n"
	      "Exit status: 0 the same, 1 different, 2 trouble (as diff(1)).\n",
	      out);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

/* "a/b/../c", "/etc": not below the directory it is unpacked in */
static bool unsafe_name(const char *name)
{
	if (!name || !*name || name[0] == '/')
		return true;
	for (const char *p = name; p;) {
		if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2]))
			return true;
		p = strchr(p, '/');
		p = p ? p + 1 : NULL;
	}
	return false;
}

/* Unpack @file into the new directory @dir. Returns 0 or -errno, saying why. */
static int unpack(const char *file, const char *dir)
{
	struct archive *a = archive_read_new(), *w = archive_write_disk_new();
	struct archive_entry *e;
	long long bytes = 0;
	size_t entries = 0;
	int r = -ENOMEM;
	if (!a || !w)
		goto out;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_SECURE_SYMLINKS |
					      ARCHIVE_EXTRACT_SECURE_NODOTDOT |
					      ARCHIVE_EXTRACT_NO_OVERWRITE);
	if (archive_read_open_filename(a, file, 65536) != ARCHIVE_OK) {
		fprintf(stderr, "tiertopo: diff: %s: %s\n", file, archive_error_string(a));
		r = -EINVAL;
		goto out;
	}
	int k;
	while ((k = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		mode_t type = archive_entry_filetype(e);
		bytes += archive_entry_size(e);
		if (unsafe_name(name) || archive_entry_hardlink(e) ||
		    (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) ||
		    ++entries > MAX_ENTRIES || bytes > MAX_BYTES) {
			fprintf(stderr, "tiertopo: diff: %s: refusing entry '%s' (outside the "
					"tree, not a file, directory or symlink, or too much)\n",
				file, name ? name : "");
			r = -EINVAL;
			goto out;
		}
		char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, name) < 0)
			goto out;
		archive_entry_set_pathname(e, path);
		free(path);
		/* below the unpacking directory, untrusted modes never apply */
		archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
		if (archive_write_header(w, e) != ARCHIVE_OK) {
			fprintf(stderr, "tiertopo: diff: %s: %s\n", file, archive_error_string(w));
			r = -EINVAL;
			goto out;
		}
		const void *buf;
		size_t len;
		la_int64_t off;
		while ((k = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK)
			if (archive_write_data_block(w, buf, len, off) != ARCHIVE_OK)
				break;
		if (k != ARCHIVE_EOF || archive_write_finish_entry(w) != ARCHIVE_OK) {
			fprintf(stderr, "tiertopo: diff: %s: %s\n", file,
				archive_error_string(k != ARCHIVE_EOF ? a : w));
			r = -EINVAL;
			goto out;
		}
	}
	if (k != ARCHIVE_EOF) {
		fprintf(stderr, "tiertopo: diff: %s: %s\n", file, archive_error_string(a));
		r = -EINVAL;
		goto out;
	}
	r = 0;
out:
	if (a)
		archive_read_free(a);
	if (w)
		archive_write_free(w);
	return r;
}

/* the tree inside an unpacked tarball: its one top directory (gather's), else itself */
static char *tree_root(const char *dir)
{
	char *only = NULL;
	int n = 0;
	struct dirent **list = NULL;
	int k = scandir(dir, &list, NULL, alphasort);
	for (int i = 0; i < k; i++) {
		if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, "..")) {
			n++;
			if (list[i]->d_type == DT_DIR && strcmp(list[i]->d_name, "sys") &&
			    strcmp(list[i]->d_name, "proc")) {
				free(only);
				if (asprintf(&only, "%s/%s", dir, list[i]->d_name) < 0)
					only = NULL;
			}
		}
		free(list[i]);
	}
	free(list);
	if (n == 1 && only)
		return only;
	free(only);
	return strdup(dir);
}

/* the document of a tree: the recommended plan with the snapshot (`plan -J`) */
static struct json_object *tree_document(const struct global_opts *g0, const char *root)
{
	struct global_opts g = *g0;
	g.sysroot = root;
	g.config = NULL;
	struct session s;
	if (session_open(&s, &g, false))
		return NULL;
	struct json_object *doc = NULL;
	char *json = NULL;
	if (session_plan(&s, "diff") == 0 && topo_plan_to_json(s.plan, 0, &json) == 0)
		doc = json_tokener_parse(json);
	free(json);
	session_close(&s);
	return doc;
}

/* a state file: the same document, read back; refused when it is not one */
static struct json_object *state_document(const char *file)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return NULL;
	char *data = malloc(MAX_STATE + 1);
	size_t len = data ? fread(data, 1, MAX_STATE + 1, f) : 0;
	fclose(f);
	struct json_object *doc = NULL, *schema = NULL, *nodes = NULL;
	if (data && len <= MAX_STATE) {
		data[len] = '\0';
		doc = json_tokener_parse(data);
	}
	free(data);
	if (!doc || !json_object_object_get_ex(doc, "schema", &schema) ||
	    strcmp(json_object_get_string(schema), TOPO_JSON_SCHEMA) ||
	    !json_object_object_get_ex(doc, "nodes", &nodes) ||
	    !json_object_is_type(nodes, json_type_array)) {
		fprintf(stderr, "tiertopo: diff: %s is not a tiertopo state document (schema "
				"%s, from run/tiertopo/state.json or plan -J)\n",
			file, TOPO_JSON_SCHEMA);
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

static struct json_object *load(const struct global_opts *g, const char *operand)
{
	struct stat st;
	if (stat(operand, &st) < 0) {
		fprintf(stderr, "tiertopo: diff: %s: %s\n", operand, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode))
		return tree_document(g, operand);
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "tiertopo: diff: %s: not a directory, tarball or state file\n",
			operand);
		return NULL;
	}
	/* JSON starts with '{' (after blanks); a tarball never does */
	FILE *f = fopen(operand, "re");
	int c = EOF;
	while (f && (c = fgetc(f)) != EOF && (c == ' ' || c == '\n' || c == '\t' || c == '\r'))
		;
	if (f)
		fclose(f);
	if (c == '{')
		return state_document(operand);
	char tmpl[] = "/tmp/tiertopo-diff.XXXXXX";
	const char *tmpdir = getenv("TMPDIR");
	char *dir = NULL;
	if (asprintf(&dir, "%s/tiertopo-diff.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp") < 0)
		dir = strdup(tmpl);
	if (!dir || !mkdtemp(dir)) {
		fprintf(stderr, "tiertopo: diff: cannot make a directory to unpack %s: %s\n",
			operand, strerror(errno));
		free(dir);
		return NULL;
	}
	struct json_object *doc = NULL;
	mode_t old = umask(022); /* libtopo refuses files writable by others */
	if (unpack(operand, dir) == 0) {
		char *root = tree_root(dir);
		if (root)
			doc = tree_document(g, root);
		free(root);
	}
	umask(old);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
	return doc;
}

static int cmp_ints(const void *a, const void *b)
{
	int x = json_object_get_int(*(struct json_object *const *)a);
	int y = json_object_get_int(*(struct json_object *const *)b);
	return (x > y) - (x < y);
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* the element of an array of objects whose @key is @id */
static struct json_object *by_id(struct json_object *array, const char *key, int id)
{
	for (size_t i = 0; array && i < json_object_array_length(array); i++) {
		struct json_object *x = json_object_array_get_idx(array, i), *v = get(x, key);
		if (v && json_object_is_type(v, json_type_int) && json_object_get_int(v) == id)
			return x;
	}
	return NULL;
}

struct differ {
	bool json;
	struct json_object *changes; /* JSON: the array */
	size_t n;
};

static const char *text(struct json_object *v)
{
	return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE)
		 : "null";
}

static bool equal(struct json_object *a, struct json_object *b)
{
	return !strcmp(text(a), text(b));
}

/* One change: @node (-1: the machine), @key, the value in A and in B (NULL: absent). */
static void change(struct differ *d, int node, const char *key, struct json_object *a,
		   struct json_object *b)
{
	d->n++;
	if (d->json) {
		struct json_object *c = json_object_new_object();
		json_object_object_add(c, "node", node >= 0 ? json_object_new_int(node) : NULL);
		json_object_object_add(c, "key", json_object_new_string(key));
		json_object_object_add(c, "a", a ? json_object_get(a) : NULL);
		json_object_object_add(c, "b", b ? json_object_get(b) : NULL);
		json_object_array_add(d->changes, c);
		return;
	}
	char *ta = strdup(text(a));
	if (node >= 0)
		printf("node %d %s: %s -> %s\n", node, key, ta ? ta : "?", text(b));
	else
		printf("%s: %s -> %s\n", key, ta ? ta : "?", text(b));
	free(ta);
}

static void compare(struct differ *d, int node, const char *key, struct json_object *a,
		    struct json_object *b)
{
	if (!equal(a, b))
		change(d, node, key, a, b);
}

/* what is compared of each node: the kernel's facts, the firmware's, tiertopo's plan */
static const char *const node_keys[] = {
    "online",	    "has_cpu",	     "has_memory",     "generic_initiator", "cpus",
    "memory_bytes", "memory_blocks", "pxm",	       "distances",	    "access0",
    "access1",	    "memory_side_caches", "kernel_tier", "kernel_demotion", "kind",
    "adistance",    "tier",	     "demotion",       "excluded",
};
static const char *const kernel_keys[] = {
    "release",		     "tiers", "demotion_enabled", "numa_balancing",
    "promote_rate_limit_mbps", "memory_block_size_bytes",
};
static const char *const firmware_node_keys[] = {"memory_ranges", "hmat_access0", "hmat_access1",
						 "nfit_persistent", "cxl_window"};

/* the node ids of both documents' @array, ascending, each once */
static size_t node_ids(struct json_object *a, struct json_object *b, int **ids)
{
	size_t na = a ? json_object_array_length(a) : 0, nb = b ? json_object_array_length(b) : 0;
	size_t n = 0;
	*ids = calloc(na + nb + 1, sizeof(int));
	if (!*ids)
		return 0;
	for (size_t side = 0; side < 2; side++) {
		struct json_object *arr = side ? b : a;
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			struct json_object *v = get(json_object_array_get_idx(arr, i), "node");
			if (!v || !json_object_is_type(v, json_type_int))
				continue;
			int id = json_object_get_int(v);
			size_t j = 0;
			while (j < n && (*ids)[j] < id)
				j++;
			if (j < n && (*ids)[j] == id)
				continue;
			memmove(*ids + j + 1, *ids + j, (n - j) * sizeof(int));
			(*ids)[j] = id;
			n++;
		}
	}
	return n;
}

/* A state file leaves a node's demotion.fallback out when it is every node of the tiers[]
 * after the node's own (docs/json.md, "The state file"): put it back, as topo_plan_load()
 * does, so that a state file and a tree compare alike. */
static void restore_fallbacks(struct json_object *doc)
{
	struct json_object *tiers = get(doc, "tiers"), *nodes = get(doc, "nodes");
	for (size_t i = 0; tiers && nodes && i < json_object_array_length(nodes); i++) {
		struct json_object *n = json_object_array_get_idx(nodes, i);
		struct json_object *dem = get(n, "demotion"), *tier = get(n, "tier");
		if (!dem || get(dem, "fallback") || !tier || !json_object_is_type(tier, json_type_int))
			continue;
		struct json_object *fb = json_object_new_array();
		bool below = false;
		for (size_t t = 0; t < json_object_array_length(tiers); t++) {
			struct json_object *x = json_object_array_get_idx(tiers, t);
			struct json_object *tn = get(x, "nodes");
			if (below)
				for (size_t k = 0; tn && k < json_object_array_length(tn); k++)
					json_object_array_add(fb, json_object_get(json_object_array_get_idx(tn, k)));
			below |= json_object_get_int(get(x, "id")) == json_object_get_int(tier);
		}
		/* ascending ids, as the plan keeps them */
		json_object_array_sort(fb, cmp_ints);
		json_object_object_add(dem, "fallback", fb);
	}
}

/* a node key is compared only when both documents have it: a state file leaves the matrices
 * (distances) out, and the key is then unknown on that side, not changed */
static void compare_node_key(struct differ *d, int node, const char *key, struct json_object *a,
			     struct json_object *b)
{
	struct json_object *va, *vb;
	bool ha = json_object_object_get_ex(a, key, &va), hb = json_object_object_get_ex(b, key, &vb);
	if (ha && hb)
		compare(d, node, key, va, vb);
}

static void diff_documents(struct differ *d, struct json_object *a, struct json_object *b)
{
	restore_fallbacks(a);
	restore_fallbacks(b);
	struct json_object *ka = get(a, "kernel"), *kb = get(b, "kernel");
	for (size_t i = 0; i < ARRAY_SIZE(kernel_keys); i++) {
		char key[64];
		snprintf(key, sizeof(key), "kernel.%s", kernel_keys[i]);
		compare(d, -1, key, get(ka, kernel_keys[i]), get(kb, kernel_keys[i]));
	}
	compare(d, -1, "tiers", get(a, "tiers"), get(b, "tiers"));
	struct json_object *fa = get(a, "firmware"), *fb = get(b, "firmware");
	compare(d, -1, "firmware.tables", get(fa, "tables"), get(fb, "tables"));

	struct json_object *na = get(a, "nodes"), *nb = get(b, "nodes");
	int *ids;
	size_t n = node_ids(na, nb, &ids);
	for (size_t i = 0; i < n; i++) {
		struct json_object *xa = by_id(na, "node", ids[i]), *xb = by_id(nb, "node", ids[i]);
		if (!xa || !xb) {
			struct json_object *t = json_object_new_boolean(1);
			change(d, ids[i], xa ? "removed" : "added", xa ? t : NULL, xb ? t : NULL);
			json_object_put(t);
			continue;
		}
		for (size_t k = 0; k < ARRAY_SIZE(node_keys); k++)
			compare_node_key(d, ids[i], node_keys[k], xa, xb);
	}
	free(ids);
	struct json_object *fna = get(fa, "nodes"), *fnb = get(fb, "nodes");
	n = node_ids(fna, fnb, &ids);
	for (size_t i = 0; i < n; i++) {
		struct json_object *xa = by_id(fna, "node", ids[i]), *xb = by_id(fnb, "node", ids[i]);
		for (size_t k = 0; k < ARRAY_SIZE(firmware_node_keys); k++) {
			char key[64];
			snprintf(key, sizeof(key), "firmware.%s", firmware_node_keys[k]);
			compare(d, ids[i], key, get(xa, firmware_node_keys[k]),
				get(xb, firmware_node_keys[k]));
		}
	}
	free(ids);
}

int cmd_diff(struct global_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'J'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct command cmd = {"diff", "Jvh", longopts, usage, true};
	int r = parse_options(&cmd, g, NULL, argc, argv, NULL, NULL);
	if (r == EXIT_OK)
		return EXIT_OK;
	if (r != OPTIONS_PARSED)
		return DIFF_TROUBLE;
	if (argc - optind != 2) {
		fprintf(stderr, "tiertopo: diff: needs two operands, A and B (trees, tarballs or "
				"state files)\n");
		return DIFF_TROUBLE;
	}
	if (g->sysroot) {
		fprintf(stderr, "tiertopo: diff: --sysroot cannot be used: A and B name the trees\n");
		return DIFF_TROUBLE;
	}
	const char *pa = argv[optind], *pb = argv[optind + 1];
	struct json_object *a = load(g, pa);
	struct json_object *b = a ? load(g, pb) : NULL;
	if (!a || !b) {
		json_object_put(a);
		return DIFF_TROUBLE;
	}
	struct differ d = {.json = g->json};
	if (d.json)
		d.changes = json_object_new_array();
	diff_documents(&d, a, b);
	if (d.json) {
		struct json_object *root = json_object_new_object();
		json_object_object_add(root, "schema", json_object_new_string(TOPO_JSON_SCHEMA));
		json_object_object_add(root, "a", json_object_new_string(pa));
		json_object_object_add(root, "b", json_object_new_string(pb));
		json_object_object_add(root, "same", json_object_new_boolean(d.n == 0));
		json_object_object_add(root, "changes", d.changes);
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	}
	json_object_put(a);
	json_object_put(b);
	if (fflush(stdout) != 0)
		return DIFF_TROUBLE;
	return d.n ? DIFF_DIFFERENT : DIFF_SAME;
}
