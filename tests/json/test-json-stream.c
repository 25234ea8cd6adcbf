/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON documents are printed as they are made (topo_plan_print_json, and through it
 * topo_to_json and topo_plan_to_json), without a json-c tree. The text must be the tree's:
 * the same description built as a json-c tree (document_tree) and printed by json-c is the
 * oracle, byte for byte, plain and pretty, for every fixture tree, the corpus trees of the
 * json suite and a generated 1024-node machine (a million distances and HMAT figures),
 * whose published state file must also load back (check_state).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "services.h"
#include "testutil.h"

static void expect_same(const char *what, const char *form, const char *ours, const char *tree)
{
	if (!strcmp(ours, tree))
		return;
	size_t i = 0;
	while (ours[i] && ours[i] == tree[i])
		i++;
	cr_expect(false, "%s (%s): the printed document differs from the tree's at byte %zu: ours "
		"\"%.40s\", the tree's \"%.40s\"",
		what, form, i, ours + i, tree + i);
}

/* what topo_plan_print_json prints to a file */
static char *printed(const struct topo_plan *plan, unsigned int flags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	cr_assert_eq(topo_plan_print_json(plan, flags, f), 0);
	cr_assert_eq(fclose(f), 0);
	return text;
}

static void check_tree(const char *what, const char *sysroot)
{
	struct topo_ctx *ctx = NULL;
	struct topo *topo = discover(sysroot, &ctx);
	struct topo_plan *plan = NULL;
	cr_assert_eq(topo_plan_new(topo, TOPO_PLAN_RECOMMENDED, "6.12.0", NULL, &plan), 0);
	static const struct {
		unsigned int flags;
		const char *name;
	} forms[] = {{0, "plain"}, {TOPO_JSON_PRETTY, "pretty"}};
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		char *ours = NULL, *tree = NULL;
		/* the snapshot alone */
		cr_assert_eq(topo_to_json(topo, forms[f].flags, &ours), 0);
		cr_assert_eq(json_to_string(document_tree(topo, NULL, false), forms[f].flags, &tree),
			     0);
		expect_same(what, forms[f].name, ours, tree);
		free(ours);
		free(tree);
		/* with the plan: as a string and printed to a file */
		cr_assert_eq(json_to_string(document_tree(topo, plan, false), forms[f].flags, &tree),
			     0);
		cr_assert_eq(topo_plan_to_json(plan, forms[f].flags, &ours), 0);
		expect_same(what, forms[f].name, ours, tree);
		free(ours);
		ours = printed(plan, forms[f].flags);
		expect_same(what, forms[f].name, ours, tree);
		free(ours);
		free(tree);
	}
	topo_plan_unref(plan);
	topo_unref(topo);
	topo_ctx_unref(ctx);
}

static bool has_sys(const char *dir)
{
	char *p;
	struct stat st;
	cr_assert_geq(asprintf(&p, "%s/sys", dir), 0);
	bool r = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return r;
}

/* every tree of fixtures/@sub that holds a sys/ */
static size_t check_fixture_dir(const char *sub)
{
	char *dir;
	cr_assert_geq(asprintf(&dir, "%s/%s", fixtures_dir(), sub), 0);
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *root;
		if (e->d_name[0] == '.')
			continue;
		cr_assert_geq(asprintf(&root, "%s/%s", dir, e->d_name), 0);
		if (has_sys(root)) {
			check_tree(e->d_name, root);
			n++;
		}
		free(root);
	}
	closedir(d);
	free(dir);
	return n;
}

Test(json_stream, every_fixture_tree)
{
	size_t n = check_fixture_dir("sysfs") + check_fixture_dir("sysfs/vm");
	cr_expect_geq(n, 10, "only %zu fixture trees found", n);
}

Test(json_stream, strings_that_need_escaping)
{
	/* a GPU's name is a directory name of the tree: quotes, a backslash, control
	 * characters, DEL, UTF-8 */
	char *root = copy_tree("sparse5");
	const char *name = "\"q\" \\ \x01\x08\t\n\f\r\x1f\x7f \xc3\xa9";
	char *rel;
	cr_assert_geq(asprintf(&rel, "proc/driver/nvidia/gpus/%s/numa_status", name), 0);
	write_str(root, rel, "Node: 0\nStatus: online\n");
	free(rel);
	struct topo_ctx *ctx = NULL;
	struct topo *topo = discover(root, &ctx);
	const struct topo_node *n = topo_get_node_by_index(topo, 0);
	cr_assert_eq(topo_node_get_id(n), 0);
	char *json = NULL;
	cr_assert_eq(topo_to_json(topo, 0, &json), 0);
	cr_expect_not_null(strstr(json, "\"gpu\":\"\\\"q\\\" \\\\ \\u0001\\b\\t\\n\\f\\r\\u001f\x7f "
					"\xc3\xa9\""),
			   "the GPU's name is not in the document, escaped");
	free(json);
	topo_unref(topo);
	topo_ctx_unref(ctx);
	check_tree("sparse5 with a GPU of a strange name", root);
	remove_tree(root);
}

Test(json_stream, corpus_trees)
{
	static const char *const trees[] = {"fakememinitiators-1np2c+1npp+gi",
					    "fakeheteromemtiers",
					    "32em64t-2n8c+dax+nvme+mic+dimms"};
	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		char *root = unpack_corpus(trees[i]);
		check_tree(trees[i], root);
		free(root);
	}
}

static int count_writes(void *data, const char *path)
{
	(void)path;
	(*(int *)data)++;
	return 0;
}

static void expect_same_list(const char *what, int id, const int *a, size_t na, const int *b,
			     size_t nb)
{
	cr_expect(na == nb && (!na || !memcmp(a, b, na * sizeof(int))),
		  "node %d: the loaded %s (%zu nodes) differ from the plan's (%zu)", id, what, na,
		  nb);
}

/*
 * The state file of the 1024-node machine: small (the matrices stay in -J, the fallback
 * lists that tiers[] gives are left out), loaded back by topo_plan_load() to the plan that
 * was published, and a second apply finds nothing to write.
 */
static void check_state(const char *root)
{
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree_with(root, 0, NULL, NULL, &rep, NULL), 0, "%s",
		     topo_apply_report_get_error(rep));
	topo_apply_report_free(rep);
	char *path;
	struct stat st;
	cr_assert_geq(asprintf(&path, "%s/run/tiertopo/state.json", root), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_leq(st.st_size, 2 * 1024 * 1024, "the state file is %jd bytes",
		      (intmax_t)st.st_size);
	free(path);

	struct topo_ctx *ctx;
	cr_assert_eq(topo_ctx_new(&ctx, root), 0);
	struct topo_plan *loaded = NULL, *fresh = NULL;
	cr_assert_eq(topo_plan_load(ctx, NULL, &loaded), 0);
	struct topo_ctx *dctx = NULL;
	struct topo *t = discover(root, &dctx);
	cr_assert_eq(topo_plan_new(t, TOPO_PLAN_RECOMMENDED, NULL, NULL, &fresh), 0);
	cr_assert_eq(topo_plan_get_tier_count(loaded), topo_plan_get_tier_count(fresh));
	size_t with_fallback = 0;
	for (size_t i = 0; i < topo_get_node_count(t); i++) {
		int id = topo_node_get_id(topo_get_node_by_index(t, i));
		cr_expect_eq(topo_plan_get_kind(loaded, id), topo_plan_get_kind(fresh, id));
		cr_expect_eq(topo_plan_get_tier(loaded, id), topo_plan_get_tier(fresh, id));
		const int *a, *b;
		size_t na = topo_plan_get_preferred(loaded, id, &a);
		size_t nb = topo_plan_get_preferred(fresh, id, &b);
		expect_same_list("preferred targets", id, a, na, b, nb);
		na = topo_plan_get_fallback(loaded, id, &a);
		nb = topo_plan_get_fallback(fresh, id, &b);
		expect_same_list("fallback targets", id, a, na, b, nb);
		with_fallback += nb > 0;
		cr_expect_eq(topo_plan_get_evidence_count(loaded, id),
			     topo_plan_get_evidence_count(fresh, id));
	}
	cr_expect_geq(with_fallback, 512, "the machine has fallback lists to load back");
	topo_plan_unref(loaded);
	topo_plan_unref(fresh);
	topo_unref(t);
	topo_ctx_unref(dctx);
	topo_ctx_unref(ctx);

	int writes = 0;
	cr_assert_eq(apply_tree_with(root, 0, count_writes, &writes, &rep, NULL), 0);
	cr_expect_eq(writes, 0, "the second apply wrote %d times", writes);
	cr_expect_eq(topo_apply_report_get_change_count(rep), 0);
	topo_apply_report_free(rep);
}

Test(json_stream, a_1024_node_machine, .timeout = 1500)
{
	char tmpl[] = "/tmp/topo-test-json-XXXXXX";
	cr_assert_not_null(mkdtemp(tmpl));
	char *root;
	cr_assert_geq(asprintf(&root, "%s/m1024", tmpl), 0);
	cr_assert_eq(run("python3 '%s/tests/bench/gen-machine.py' 1024 '%s' --blocks 1 >/dev/null",
			 getenv("TOPO_SOURCE_DIR"), root),
		     0);
	check_tree("1024 nodes", root);
	check_state(root);
	free(root);
	remove_tree(strdup(tmpl));
}
