/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo apply as a transaction, on private copies of fixtures/sysfs/sparse5 (a 6.12
 * machine with a slow PMEM node, demotion off, NUMA balancing 1, the default rate limit).
 * Writes go through the library's I/O layer, whose hook the tests use to count writes and
 * to make the n-th write fail.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "sinks/sinks.h"

struct hook_state {
	int writes;
	int fail_at; /* -1: never */
	char failed_path[512];
};

static int write_hook(void *data, const char *path)
{
	struct hook_state *h = data;
	if (h->writes++ == h->fail_at) {
		snprintf(h->failed_path, sizeof(h->failed_path), "%s", path);
		return -EIO;
	}
	return 0;
}

/* discover, plan with the tree's configuration, apply */
static int apply_tree(const char *root, unsigned int flags, struct hook_state *h,
		      struct topo_apply_report **rep)
{
	return apply_tree_with(root, flags, h ? write_hook : NULL, h, rep, NULL);
}

static char *slurp(const char *root, const char *rel)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("(absent)");
	char *b = calloc(1, 1 << 20);
	size_t n = fread(b, 1, (1 << 20) - 1, f);
	b[n] = '\0';
	fclose(f);
	return b;
}

/* every regular file of the tree with its content, except the lock: "path\0content\n..." */
static void tree_digest(const char *root, const char *rel, char **out, size_t *len)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "lock"))
			continue;
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", root, sub);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			tree_digest(root, sub, out, len);
		} else if (S_ISREG(st.st_mode)) {
			char *c = slurp(root, sub);
			size_t add = strlen(sub) + strlen(c) + 4;
			*out = realloc(*out, *len + add + 1);
			*len += (size_t)sprintf(*out + *len, "%s=%s\n", sub, c);
			free(c);
		}
	}
	closedir(d);
}

static char *digest(const char *root)
{
	char *out = calloc(1, 1);
	size_t len = 0;
	tree_digest(root, "", &out, &len);
	return out;
}

Test(apply, sets_the_knobs_keeps_other_bits_and_publishes_the_state)
{
	char *root = copy_tree("sparse5");
	struct topo_apply_report *rep = NULL;
	struct hook_state h = {.fail_at = -1};
	cr_assert_eq(apply_tree(root, 0, &h, &rep), 0, "%s", topo_apply_report_get_error(rep));
	char *v = slurp(root, "sys/kernel/mm/numa/demotion_enabled");
	cr_expect_str_eq(v, "true\n");
	free(v);
	/* 1 (NUMA balancing on) keeps its bit and gains the tiering bit 2 */
	v = slurp(root, "proc/sys/kernel/numa_balancing");
	cr_expect_str_eq(v, "3\n");
	free(v);
	/* the slowest tier (node 2) writes at 2048 MB/s: a tenth */
	v = slurp(root, "proc/sys/kernel/numa_balancing_promote_rate_limit_MBps");
	cr_expect_str_eq(v, "204\n");
	free(v);
	/* the kernel's weighted-interleave auto mode is on: tiertopo leaves the weights alone */
	v = slurp(root, "sys/kernel/mm/mempolicy/weighted_interleave/node0");
	cr_expect_str_eq(v, "5\n");
	free(v);
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/run/tiertopo/state.json", root);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0644, "the state file is world-readable");
	cr_expect_eq(h.writes, 4, "demotion, balancing, rate limit, state: %d writes", h.writes);
	topo_apply_report_free(rep);
	remove_tree(root);
}

Test(apply, a_second_apply_writes_nothing)
{
	char *root = copy_tree("sparse5");
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree(root, 0, NULL, &rep), 0);
	topo_apply_report_free(rep);
	char *before = digest(root);

	struct hook_state h = {.fail_at = -1};
	cr_assert_eq(apply_tree(root, 0, &h, &rep), 0);
	cr_expect_eq(h.writes, 0, "the second apply wrote %d times", h.writes);
	cr_expect_eq(topo_apply_report_get_change_count(rep), 0);
	char *after = digest(root);
	cr_expect_str_eq(after, before);
	topo_apply_report_free(rep);
	free(before);
	free(after);
	remove_tree(root);
}

/* can another process take the tree's apply lock right now? */
static bool lock_is_free(const char *root)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/run/tiertopo/lock", root);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(path, O_RDWR | O_CLOEXEC);
		_exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

Test(apply, a_lock_taken_before_discovery_is_held_through_the_apply_and_released_after)
{
	char *root = copy_tree("sparse5");
	struct topo_ctx *ctx;
	cr_assert_eq(topo_ctx_new(&ctx, root), 0);
	topo_ctx_set_log_fn(ctx, NULL, NULL);
	cr_assert_eq(topo_ctx_lock(ctx), 0);
	cr_assert_eq(topo_ctx_lock(ctx), 0, "taking it again is a no-op");
	cr_expect(!lock_is_free(root), "another process can take the lock the context holds");

	struct topo *t = NULL;
	struct topo_config *config = NULL;
	struct topo_plan *p = NULL;
	char *error = NULL;
	cr_assert_eq(topo_discover(ctx, &t), 0);
	cr_assert_eq(topo_config_load(ctx, NULL, &config, &error), 0, "%s", error);
	cr_assert_eq(topo_plan_new(t, TOPO_PLAN_RECOMMENDED, NULL, topo_config_get_plan_opts(config),
				   &p),
		     0);
	/* under the held lock: no second flock on it, which would wait for ever */
	struct topo_apply_report *rep = NULL;
	cr_expect_eq(topo_apply(ctx, p, config, 0, &rep), 0);
	cr_expect_gt(topo_apply_report_get_change_count(rep), 0);
	cr_expect(!lock_is_free(root), "topo_apply released the caller's lock");

	topo_ctx_unlock(ctx);
	cr_expect(lock_is_free(root), "topo_ctx_unlock did not release the lock");
	cr_expect_eq(topo_ctx_lock(ctx), 0);
	topo_apply_report_free(rep);
	topo_plan_unref(p);
	topo_config_free(config);
	topo_unref(t);
	topo_ctx_unref(ctx); /* releases it */
	cr_expect(lock_is_free(root), "freeing the context did not release the lock");
	remove_tree(root);
}

Test(apply, dry_run_reports_and_writes_nothing)
{
	char *root = copy_tree("sparse5");
	char *before = digest(root);
	struct hook_state h = {.fail_at = -1};
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree(root, TOPO_APPLY_DRY_RUN, &h, &rep), 0);
	cr_expect_eq(h.writes, 0);
	cr_expect_eq(topo_apply_report_get_change_count(rep), 4);
	enum topo_change_status st;
	topo_apply_report_get_change(rep, 0, NULL, NULL, NULL, NULL, &st, NULL);
	cr_expect_eq(st, TOPO_CHANGE_PLANNED);
	char *after = digest(root);
	cr_expect_str_eq(after, before);
	char path[4096];
	snprintf(path, sizeof(path), "%s/run", root);
	cr_expect_neq(access(path, F_OK), 0, "a dry run does not even make the lock");
	topo_apply_report_free(rep);
	free(before);
	free(after);
	remove_tree(root);
}

Test(apply, a_failure_at_any_write_leaves_everything_as_before)
{
	/* how many writes does a full apply make? */
	char *probe = copy_tree("sparse5");
	struct hook_state h = {.fail_at = -1};
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree(probe, 0, &h, &rep), 0);
	topo_apply_report_free(rep);
	remove_tree(probe);
	int writes = h.writes;
	cr_assert_geq(writes, 4);

	for (int pos = 0; pos < writes; pos++) {
		char *root = copy_tree("sparse5");
		char *before = digest(root);
		struct hook_state f = {.fail_at = pos};
		int r = apply_tree(root, 0, &f, &rep);
		cr_expect_lt(r, 0, "failing write %d: apply succeeded", pos);
		const char *err = topo_apply_report_get_error(rep);
		cr_assert_not_null(err, "failing write %d: no error sentence", pos);
		cr_expect(strstr(err, f.failed_path) != NULL,
			  "failing write %d: \"%s\" does not name %s", pos, err, f.failed_path);
		char *after = digest(root);
		cr_expect_str_eq(after, before, "failing write %d changed the tree", pos);
		/* what was written before the failure is reported restored */
		for (size_t i = 0; i < topo_apply_report_get_change_count(rep); i++) {
			enum topo_change_status st;
			topo_apply_report_get_change(rep, i, NULL, NULL, NULL, NULL, &st, NULL);
			cr_expect_eq(st, (int)i < pos	? TOPO_CHANGE_RESTORED
					 : (int)i == pos ? TOPO_CHANGE_FAILED
							 : TOPO_CHANGE_NOT_ATTEMPTED,
				     "failing write %d: change %zu has status %d", pos, i, st);
		}
		topo_apply_report_free(rep);
		free(before);
		free(after);
		remove_tree(root);
	}
}

static int ignoring_hook(void *data, const char *path)
{
	/* numa_balancing takes the write and keeps its value, as a kernel refusing a mode */
	return strstr(path, "numa_balancing") && !strstr(path, "rate") ? 1 : 0;
}

Test(apply, a_knob_that_keeps_its_old_value_fails_the_transaction)
{
	char *root = copy_tree("sparse5");
	char *before = digest(root);
	struct topo_ctx *ctx;
	cr_assert_eq(topo_ctx_new(&ctx, root), 0);
	topo_ctx_set_log_fn(ctx, NULL, NULL);
	topo_ctx_set_write_hook(ctx, ignoring_hook, NULL);
	struct topo *t = NULL;
	cr_assert_eq(topo_discover(ctx, &t), 0);
	struct topo_plan *p = NULL;
	cr_assert_eq(topo_plan_new(t, TOPO_PLAN_RECOMMENDED, NULL, NULL, &p), 0);
	struct topo_apply_report *rep = NULL;
	cr_expect_lt(topo_apply(ctx, p, NULL, 0, &rep), 0);
	const char *err = topo_apply_report_get_error(rep);
	cr_expect(err && strstr(err, "proc/sys/kernel/numa_balancing failed: the kernel kept its "
				     "old value"),
		  "error: %s", err);
	char *after = digest(root);
	cr_expect_str_eq(after, before, "demotion_enabled was not restored");
	free(before);
	free(after);
	topo_apply_report_free(rep);
	topo_plan_unref(p);
	topo_unref(t);
	topo_ctx_unref(ctx);
	remove_tree(root);
}

static void write_hook_file(const char *root, const char *name, const char *body, mode_t mode)
{
	char rel[512], path[8192];
	snprintf(rel, sizeof(rel), "etc/tiertopo/hooks.d/%s", name);
	snprintf(path, sizeof(path), "%s/etc/tiertopo/hooks.d", root);
	run("mkdir -p '%s' && chmod 0755 '%s' '%s/etc/tiertopo' '%s/etc'", path, path, root, root);
	write_str(root, rel, body);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	cr_assert_eq(chmod(path, mode), 0);
}

Test(apply, hooks_run_in_name_order_with_the_state_path_and_the_changes)
{
	char *root = copy_tree("sparse5");
	char body[1024];
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = {"20-second", "10-first", "30-third"};
		snprintf(body, sizeof(body),
			 "#!/bin/sh\necho \"%s $1 $TIERTOPO_STATE ${TIERTOPO_CHANGES}\" >> %s/hooks.log\n",
			 names[i], root);
		write_hook_file(root, names[i], body, 0755);
	}
	write_hook_file(root, "README", "not a hook\n", 0644);
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree(root, 0, NULL, &rep), 0);
	cr_expect_eq(topo_apply_report_get_hook_count(rep), 3);
	char *log = slurp(root, "hooks.log");
	char want[16384];
	char state[4096];
	snprintf(state, sizeof(state), "%s/run/tiertopo/state.json", root);
	snprintf(want, sizeof(want), "10-first %s %s", state, state);
	cr_expect(!strncmp(log, want, strlen(want)), "first line: %s", log);
	const char *second = strchr(log, '\n');
	cr_assert_not_null(second);
	cr_expect(!strncmp(second + 1, "20-second", 9), "order: %s", log);
	cr_expect(strstr(log, "sys/kernel/mm/numa/demotion_enabled=true") != NULL,
		  "the change summary: %s", log);
	free(log);
	topo_apply_report_free(rep);

	/* nothing changed: the hooks are not run again */
	cr_assert_eq(apply_tree(root, 0, NULL, &rep), 0);
	cr_expect_eq(topo_apply_report_get_hook_count(rep), 0);
	topo_apply_report_free(rep);
	remove_tree(root);
}

Test(apply, a_group_writable_hook_or_directory_is_refused)
{
	char *root = copy_tree("sparse5");
	char body[1024];
	snprintf(body, sizeof(body), "#!/bin/sh\ntouch %s/ran\n", root);
	write_hook_file(root, "10-unsafe", body, 0775);
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree(root, 0, NULL, &rep), 0, "a refused hook does not fail apply");
	cr_assert_eq(topo_apply_report_get_hook_count(rep), 1);
	const char *msg;
	int status;
	topo_apply_report_get_hook(rep, 0, NULL, &status, &msg);
	cr_expect_eq(status, -1);
	cr_expect(msg && strstr(msg, "refused") && strstr(msg, "0775"), "message: %s", msg);
	char path[4096];
	snprintf(path, sizeof(path), "%s/ran", root);
	cr_expect_neq(access(path, F_OK), 0, "the unsafe hook ran");
	topo_apply_report_free(rep);
	remove_tree(root);

	root = copy_tree("sparse5");
	snprintf(body, sizeof(body), "#!/bin/sh\ntouch %s/ran\n", root);
	write_hook_file(root, "10-fine", body, 0755);
	snprintf(path, sizeof(path), "%s/etc/tiertopo/hooks.d", root);
	cr_assert_eq(chmod(path, 0777), 0);
	cr_assert_eq(apply_tree(root, 0, NULL, &rep), 0);
	cr_assert_eq(topo_apply_report_get_hook_count(rep), 1);
	topo_apply_report_get_hook(rep, 0, NULL, &status, &msg);
	cr_expect(msg && strstr(msg, "refused") && strstr(msg, "hooks.d"), "message: %s", msg);
	snprintf(path, sizeof(path), "%s/ran", root);
	cr_expect_neq(access(path, F_OK), 0, "a hook in a world-writable directory ran");
	topo_apply_report_free(rep);
	remove_tree(root);
}

Test(apply, a_hanging_hook_is_killed_at_the_timeout, .timeout = 30)
{
	char *root = copy_tree("sparse5");
	write_str(root, "etc/tiertopo/tiertopo.conf", "[hooks]\ntimeout = 0.5\n");
	char body[1024];
	snprintf(body, sizeof(body), "#!/bin/sh\nsleep 60 & wait\n");
	write_hook_file(root, "10-hang", body, 0755);
	snprintf(body, sizeof(body), "#!/bin/sh\nexit 7\n");
	write_hook_file(root, "20-fails", body, 0755);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree(root, 0, NULL, &rep), 0, "failing hooks do not undo the kernel");
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	cr_expect_lt(s, 10.0, "apply waited %.1f s for a hook with a 0.5 s timeout", s);
	cr_assert_eq(topo_apply_report_get_hook_count(rep), 2);
	const char *msg;
	int status;
	topo_apply_report_get_hook(rep, 0, NULL, &status, &msg);
	cr_expect(status == -1 && msg && strstr(msg, "killed"), "hang: %d %s", status, msg);
	topo_apply_report_get_hook(rep, 1, NULL, &status, &msg);
	cr_expect_eq(status, 7);
	char *v = slurp(root, "sys/kernel/mm/numa/demotion_enabled");
	cr_expect_str_eq(v, "true\n");
	free(v);
	topo_apply_report_free(rep);
	remove_tree(root);
}

Test(apply, proposed_per_node_tier_files_get_the_plan)
{
	char *root = copy_tree("sparse5");
	/* a patched kernel: the RFC files exist with the kernel's own values */
	write_str(root, "sys/devices/system/node/node2/memtier", "22\n");
	write_str(root, "sys/devices/system/node/node1/memtier_override", "memory_tier4\n");
	write_str(root, "sys/devices/system/node/node2/memtier_override", "memory_tier22\n");
	write_str(root, "sys/devices/system/node/node2/adistance_offset", "0\n");
	write_str(root, "sys/devices/system/node/demotion_targets", "0-2\n");
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree(root, 0, NULL, &rep), 0, "%s", topo_apply_report_get_error(rep));
	/* node 2: recommended adistance 38400 (tier 300); the 6.12 model gives it the same
	 * from its HMAT figures, so the offset stays 0 */
	char *v = slurp(root, "sys/devices/system/node/node2/memtier");
	cr_expect_str_eq(v, "300\n");
	free(v);
	v = slurp(root, "sys/devices/system/node/node2/memtier_override");
	cr_expect_str_eq(v, "300\n");
	free(v);
	v = slurp(root, "sys/devices/system/node/node1/memtier_override");
	cr_expect_str_eq(v, "memory_tier4\n", "an equal value is not rewritten");
	free(v);
	v = slurp(root, "sys/devices/system/node/node2/adistance_offset");
	cr_expect_str_eq(v, "0\n");
	free(v);
	v = slurp(root, "sys/devices/system/node/demotion_targets");
	cr_expect_str_eq(v, "2\n", "only node 2 is a demotion target");
	free(v);
	topo_apply_report_free(rep);

	/* with an override the offset is what moves the node */
	write_str(root, "etc/tiertopo/tiertopo.conf", "[node 2]\nadistance = 40000\n");
	cr_assert_eq(apply_tree(root, 0, NULL, &rep), 0);
	v = slurp(root, "sys/devices/system/node/node2/adistance_offset");
	cr_expect_str_eq(v, "1600\n");
	free(v);
	topo_apply_report_free(rep);
	remove_tree(root);
}

Test(apply, a_state_file_loads_back_to_the_same_plan)
{
	char *root = copy_tree("sparse5");
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree(root, 0, NULL, &rep), 0);
	topo_apply_report_free(rep);

	struct topo_ctx *ctx;
	cr_assert_eq(topo_ctx_new(&ctx, root), 0);
	struct topo_plan *loaded = NULL, *fresh = NULL;
	cr_assert_eq(topo_plan_load(ctx, NULL, &loaded), 0);
	struct topo *t = NULL;
	cr_assert_eq(topo_discover(ctx, &t), 0);
	cr_assert_eq(topo_plan_new(t, TOPO_PLAN_RECOMMENDED, NULL, NULL, &fresh), 0);
	cr_assert_eq(topo_plan_get_tier_count(loaded), topo_plan_get_tier_count(fresh));
	for (size_t i = 0; i < topo_get_node_count(t); i++) {
		int id = topo_node_get_id(topo_get_node_by_index(t, i));
		cr_expect_eq(topo_plan_get_kind(loaded, id), topo_plan_get_kind(fresh, id));
		cr_expect_eq(topo_plan_get_tier(loaded, id), topo_plan_get_tier(fresh, id));
		const int *a, *b;
		size_t na = topo_plan_get_preferred(loaded, id, &a);
		size_t nb = topo_plan_get_preferred(fresh, id, &b);
		cr_expect(na == nb && (!na || !memcmp(a, b, na * sizeof(int))), "node %d", id);
		na = topo_plan_get_fallback(loaded, id, &a);
		nb = topo_plan_get_fallback(fresh, id, &b);
		cr_expect(na == nb && (!na || !memcmp(a, b, na * sizeof(int))), "node %d", id);
		cr_expect_eq(topo_plan_get_evidence_count(loaded, id),
			     topo_plan_get_evidence_count(fresh, id));
	}
	/* garbage is refused, not half-loaded */
	write_str(root, "run/tiertopo/state.json", "{\"nodes\": [ {\"node\": -3} ]");
	topo_ctx_set_log_fn(ctx, NULL, NULL);
	struct topo_plan *bad = NULL;
	cr_expect_eq(topo_plan_load(ctx, NULL, &bad), -EINVAL);
	cr_expect_null(bad);
	topo_plan_unref(loaded);
	topo_plan_unref(fresh);
	topo_unref(t);
	topo_ctx_unref(ctx);
	remove_tree(root);
}

static const char *config_error(const char *text)
{
	static char buf[1024];
	char *root = copy_tree("sparse5");
	write_str(root, "etc/tiertopo/tiertopo.conf", text);
	struct topo_ctx *ctx;
	cr_assert_eq(topo_ctx_new(&ctx, root), 0);
	struct topo_config *c = NULL;
	char *error = NULL;
	int r = topo_config_load(ctx, NULL, &c, &error);
	snprintf(buf, sizeof(buf), "%d %s", r, error ? strstr(error, "tiertopo.conf:") : "(none)");
	free(error);
	topo_config_free(c);
	topo_ctx_unref(ctx);
	remove_tree(root);
	return buf;
}

Test(config, a_bad_file_names_its_line_and_reason)
{
	cr_expect_str_eq(config_error("[sinks]\ndemotion = yes\nbalancing = no\n"),
			 "-22 tiertopo.conf:3: unknown sink 'balancing'");
	cr_expect_str_eq(config_error("# c\n[node 2]\nkind = NVRAM\n"),
			 "-22 tiertopo.conf:3: kind = 'NVRAM' is not DRAM, PMEM, HBM, CXL-DRAM, "
			 "CXL-PMEM, SPM or unknown");
	cr_expect_str_eq(config_error("[plan]\nexclude = 1-\n"),
			 "-22 tiertopo.conf:2: exclude = '1-' is not a node list such as 2,4-5");
	cr_expect_str_eq(config_error("[sinks]\nthis line is wrong\n"),
			 "-22 tiertopo.conf:2: syntax error: 'this line is wrong' is not [section], "
			 "key = value or a comment");
	cr_expect_str_eq(config_error("[tiers]\nx = 1\n"),
			 "-22 tiertopo.conf:1: unknown section [tiers]; sections are [sinks], [plan], "
			 "[node N], [hooks], [watch] and [check]");
	cr_expect_str_eq(config_error("[hooks]\ntimeout = soon\n"),
			 "-22 tiertopo.conf:2: timeout = 'soon' is not a number of seconds");
	cr_expect_str_eq(config_error("[sinks]\ndemotion = no\n[node 3]\ntier = 22\n"), "0 (none)");
}

Test(config, a_key_or_section_given_twice_is_refused_with_both_lines)
{
	cr_expect_str_eq(config_error("[sinks]\ndemotion = yes\nstate = no\ndemotion = no\n"),
			 "-22 tiertopo.conf:4: demotion again in [sinks] (first at line 2): which one "
			 "would win?");
	cr_expect_str_eq(config_error("[sinks]\nstate = no\n[hooks]\ntimeout = 1\n[SINKS]\nhooks = no\n"),
			 "-22 tiertopo.conf:5: [sinks] again (it began at line 1): give each section "
			 "once");
	cr_expect_str_eq(config_error("[node 2]\nkind = HBM\n\n[node  2]\ntier = 3\n"),
			 "-22 tiertopo.conf:4: [node 2] again (it began at line 1): give each section "
			 "once");
	cr_expect_str_eq(config_error("# nothing yet\ndemotion = yes\n[sinks]\n"),
			 "-22 tiertopo.conf:2: key 'demotion' is outside any section");
}

Test(config, a_node_the_machine_can_never_have_is_refused_one_that_may_come_is_not)
{
	/* sparse5: node/possible is 0-4, node 3 absent (it may come by hotplug) */
	cr_expect_str_eq(config_error("[sinks]\nstate = yes\n[node 7]\nkind = HBM\n"),
			 "-22 tiertopo.conf:3: [node 7]: this machine has no node 7 and can have none "
			 "(its possible nodes are 0-4)");
	cr_expect_str_eq(config_error("[node 3]\nkind = CXL-DRAM\n"), "0 (none)");
	cr_expect_str_eq(config_error("[node 4]\ntier = 4\n"), "0 (none)");
}

Test(config, a_line_over_1024_bytes_is_refused_at_its_line)
{
	char text[4096];
	char pad[2048];
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	/* 1024 bytes: the longest line there may be */
	snprintf(text, sizeof(text), "[plan]\n# %.1022s\nkernel_model = 6.12\n", pad);
	cr_expect_str_eq(config_error(text), "0 (none)");
	snprintf(text, sizeof(text), "[plan]\nkernel_model = 6.12\n# %.1023s\n", pad);
	cr_expect_str_eq(config_error(text),
			 "-22 tiertopo.conf:3: a line of 1025 bytes; lines are at most 1024 bytes");
	/* a value past iniparser's line buffer was cut there, the rest a line of its own */
	snprintf(text, sizeof(text), "[plan]\nexclude = %.1100s\n", pad);
	cr_expect_str_eq(config_error(text),
			 "-22 tiertopo.conf:2: a line of 1110 bytes; lines are at most 1024 bytes");
}

Test(config, quotes_comments_and_case_as_iniparser_reads_them)
{
	cr_expect_str_eq(config_error("[Plan]\nKernel_Model = 6.12 ; the lab's kernel\n"
				      "[sinks]\nstate = \"no\"\nhooks = 'yes' # quoted\n"),
			 "0 (none)");
	/* unquoted, ';' starts a comment; quoted, it is part of the value */
	cr_expect_str_eq(config_error("[plan]\nexclude = 1;2\n"), "0 (none)");
	cr_expect_str_eq(config_error("[plan]\nexclude = \"1;2\"\n"),
			 "-22 tiertopo.conf:2: exclude = '1;2' is not a node list such as 2,4-5");
}

Test(config, overrides_and_exclusions_reach_the_plan)
{
	char *root = copy_tree("sparse5");
	write_str(root, "etc/tiertopo/tiertopo.conf",
		  "[node 2]\nkind = CXL-DRAM\ntier = 10\n[plan]\nexclude = 1\n[sinks]\nstate = no\n");
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree(root, TOPO_APPLY_DRY_RUN, NULL, &rep), 0);
	for (size_t i = 0; i < topo_apply_report_get_change_count(rep); i++) {
		const char *sink;
		topo_apply_report_get_change(rep, i, &sink, NULL, NULL, NULL, NULL, NULL);
		cr_expect_str_neq(sink, "state", "the state sink is off");
	}
	topo_apply_report_free(rep);
	struct topo_ctx *ctx;
	cr_assert_eq(topo_ctx_new(&ctx, root), 0);
	struct topo_config *c = NULL;
	cr_assert_eq(topo_config_load(ctx, NULL, &c, NULL), 0);
	struct topo *t = NULL;
	cr_assert_eq(topo_discover(ctx, &t), 0);
	struct topo_plan *p = NULL;
	cr_assert_eq(topo_plan_new(t, TOPO_PLAN_RECOMMENDED, NULL, topo_config_get_plan_opts(c), &p),
		     0);
	cr_expect_eq(topo_plan_get_kind(p, 2), TOPO_KIND_CXL_DRAM);
	cr_expect_eq(topo_plan_get_tier(p, 2), 10);
	cr_expect_eq(topo_plan_get_preferred(p, 1, NULL), 0, "excluded node 1 demotes nowhere");
	const int *v;
	cr_assert_eq(topo_plan_get_preferred(p, 0, &v), 1);
	cr_expect_eq(v[0], 2);
	topo_plan_unref(p);
	topo_unref(t);
	topo_config_free(c);
	topo_ctx_unref(ctx);
	remove_tree(root);
}
