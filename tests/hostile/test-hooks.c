/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hooks written as an attacker, or a careless admin, would write them, on private copies of
 * fixtures/sysfs/sparse5 (an apply there changes demotion_enabled, so the hooks run): none
 * outlives its timeout, none runs code that was not checked, none starts with what the
 * caller had (blocked or ignored signals, descriptors, environment), and none can make
 * apply block or grow by printing.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

/* discover, plan with the tree's configuration, apply; *seconds: how long apply took */
static int apply_tree(const char *root, struct topo_apply_report **rep, double *seconds)
{
	return apply_tree_with(root, 0, NULL, NULL, rep, seconds);
}

static void hook_file(const char *root, const char *name, const char *body, mode_t mode)
{
	char rel[512], path[8192];
	snprintf(rel, sizeof(rel), "etc/tiertopo/hooks.d/%s", name);
	snprintf(path, sizeof(path), "%s/etc/tiertopo/hooks.d", root);
	run("mkdir -p '%s' && chmod 0755 '%s' '%s/etc/tiertopo' '%s/etc'", path, path, root, root);
	write_str(root, rel, body);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	cr_assert_eq(chmod(path, mode), 0);
}

static char *slurp(const char *root, const char *rel)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *s = calloc(1, 65536);
	size_t n = fread(s, 1, 65535, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

static bool exists(const char *root, const char *rel)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return access(path, F_OK) == 0;
}

/* a pid a hook wrote to @rel: gone (not even a zombie of ours) */
static bool pid_gone(const char *root, const char *rel)
{
	char *s = slurp(root, rel);
	cr_assert_not_null(s, "the hook did not write %s", rel);
	pid_t pid = (pid_t)atoi(s);
	free(s);
	cr_assert_gt(pid, 1);
	return kill(pid, 0) < 0 && errno == ESRCH;
}

Test(hooks, start_with_no_blocked_or_ignored_signal_no_inherited_fd_and_a_clean_environment)
{
	char *root = copy_tree("sparse5");
	char body[4096];
	snprintf(body, sizeof(body),
		 "#!/bin/sh\n"
		 "tr '\\0' '\\n' </proc/$$/environ >%s/environ\n"
		 "test -e /proc/$$/fd/42 && echo leaked >%s/fd42\n"
		 "cut -d' ' -f1,5 /proc/$$/stat >%s/pgid\n"
		 /* the shell blocks signals while it waits for a child: read the mask the hook
		  * started with in a program exec'd in its place (exec keeps mask and SIG_IGN) */
		 "exec grep -E '^Sig(Blk|Ign)' /proc/self/status >%s/signals\n",
		 root, root, root, root);
	hook_file(root, "10-report", body, 0755);

	/* what `watch` has while it runs a hook: the signals it reads from a signalfd blocked,
	 * and what a caller may have: an ignored signal, a descriptor without close-on-exec,
	 * its own environment */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_usr1;
	sigaction(SIGUSR1, &ign, &old_usr1);
	int fd = open("/dev/null", O_RDONLY);
	cr_assert_eq(dup2(fd, 42), 42);
	setenv("TIERTOPO_TEST_LEAK", "secret", 1);

	struct topo_apply_report *rep = NULL;
	int r = apply_tree(root, &rep, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGUSR1, &old_usr1, NULL);
	close(42);
	close(fd);
	unsetenv("TIERTOPO_TEST_LEAK");
	cr_assert_eq(r, 0);
	cr_assert_eq(topo_apply_report_get_hook_count(rep), 1);

	char *sig = slurp(root, "signals");
	cr_assert_not_null(sig, "the hook did not run");
	cr_expect_str_eq(sig, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
	char *env = slurp(root, "environ");
	cr_assert_not_null(env);
	/* exactly the documented list (man tiertopo.8, HOOKS) */
	char *save = NULL;
	int seen = 0;
	for (char *l = strtok_r(env, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		static const char *const allowed[] = {"PATH=", "TIERTOPO_STATE=",
						      "TIERTOPO_CHANGES=", "TIERTOPO_SYSROOT="};
		bool ok = false;
		for (size_t i = 0; i < 4; i++)
			ok |= !strncmp(l, allowed[i], strlen(allowed[i]));
		cr_expect(ok, "a variable that is not in the documented list: %s", l);
		seen++;
	}
	cr_expect_eq(seen, 4, "the four documented variables");
	cr_expect(!exists(root, "fd42"), "the hook inherited the caller's descriptor 42");
	char *pg = slurp(root, "pgid");
	cr_assert_not_null(pg);
	int pid = 0, pgid = -1;
	cr_assert_eq(sscanf(pg, "%d %d", &pid, &pgid), 2);
	cr_expect_eq(pid, pgid, "the hook leads its own process group");
	free(sig);
	free(env);
	free(pg);
	topo_apply_report_free(rep);
	remove_tree(root);
}

Test(hooks, one_that_ignores_sigterm_is_killed_at_its_timeout_with_what_it_started, .timeout = 60)
{
	char *root = copy_tree("sparse5");
	write_str(root, "etc/tiertopo/tiertopo.conf", "[hooks]\ntimeout = 0.5\n");
	char body[4096];
	snprintf(body, sizeof(body),
		 "#!/bin/sh\ntrap '' TERM HUP INT\nsleep 60 &\necho $! >%s/child.pid\nwait\nwait\n",
		 root);
	hook_file(root, "10-stubborn", body, 0755);
	struct topo_apply_report *rep = NULL;
	double s;
	cr_assert_eq(apply_tree(root, &rep, &s), 0);
	cr_expect_lt(s, 5.0, "apply waited %.1f s for a hook with a 0.5 s timeout", s);
	const char *msg;
	int status;
	cr_assert_eq(topo_apply_report_get_hook(rep, 0, NULL, &status, &msg), 0);
	cr_expect(status == -1 && msg && strstr(msg, "killed after the 500 ms timeout"), "%d %s",
		  status, msg);
	cr_expect(pid_gone(root, "child.pid"), "its child outlived the timeout");
	topo_apply_report_free(rep);
	remove_tree(root);
}

Test(hooks, a_setsid_grandchild_ignoring_sigterm_does_not_outlive_the_timeout, .timeout = 60)
{
	char *root = copy_tree("sparse5");
	write_str(root, "etc/tiertopo/tiertopo.conf", "[hooks]\ntimeout = 0.5\n");
	char body[4096];
	/* 10: escapes its process group and session, then hangs; 20: leaves one behind and
	 * exits at once, the escapee holding the hook's output open */
	snprintf(body, sizeof(body),
		 "#!/bin/sh\nsetsid sh -c 'trap \"\" TERM HUP INT; echo $$ >%s/gc10.pid; exec sleep 60' &\n"
		 "sleep 60\n",
		 root);
	hook_file(root, "10-escape-and-hang", body, 0755);
	snprintf(body, sizeof(body),
		 "#!/bin/sh\nsetsid sh -c 'trap \"\" TERM HUP INT; echo $$ >%s/gc20.pid; exec sleep 60' &\n"
		 "while [ ! -s %s/gc20.pid ]; do sleep 0.01; done\nexit 0\n",
		 root, root);
	hook_file(root, "20-escape-and-exit", body, 0755);
	struct topo_apply_report *rep = NULL;
	double s;
	cr_assert_eq(apply_tree(root, &rep, &s), 0);
	cr_expect_lt(s, 5.0, "apply took %.1f s with two 0.5 s hooks", s);
	cr_assert_eq(topo_apply_report_get_hook_count(rep), 2);
	const char *msg;
	int status;
	topo_apply_report_get_hook(rep, 0, NULL, &status, &msg);
	cr_expect(status == -1 && msg && strstr(msg, "killed"), "10: %d %s", status, msg);
	topo_apply_report_get_hook(rep, 1, NULL, &status, &msg);
	cr_expect(status == 0 && msg && strstr(msg, "left behind were killed"), "20: %d %s", status,
		  msg);
	cr_expect(pid_gone(root, "gc10.pid"), "the setsid grandchild of a hung hook survived");
	cr_expect(pid_gone(root, "gc20.pid"), "the setsid grandchild of a finished hook survived");
	topo_apply_report_free(rep);
	remove_tree(root);
}

Test(hooks, one_printing_100_mb_neither_blocks_nor_grows_apply, .timeout = 120)
{
	char *root = copy_tree("sparse5");
	write_str(root, "etc/tiertopo/tiertopo.conf", "[hooks]\ntimeout = 60\n");
	hook_file(root, "10-chatty",
		  "#!/bin/sh\nhead -c 100000000 /dev/zero | tr '\\0' x\necho done >&2\n", 0755);
	struct rusage before, after;
	getrusage(RUSAGE_SELF, &before);
	struct topo_apply_report *rep = NULL;
	double s;
	cr_assert_eq(apply_tree(root, &rep, &s), 0);
	getrusage(RUSAGE_SELF, &after);
	cr_expect_lt(s, 30.0, "100 MB of output took apply %.1f s", s);
	const char *msg;
	int status;
	topo_apply_report_get_hook(rep, 0, NULL, &status, &msg);
	cr_expect_eq(status, 0, "%s", msg);
	cr_assert_not_null(msg);
	cr_expect(strstr(msg, "100000005 bytes of output, the first 4096 kept"), "%.200s", msg);
	cr_expect_lt(strlen(msg), 8192, "the report keeps a bounded part of the output");
	cr_expect(!strncmp(msg, "ok; output: xxxx", 16), "%.40s", msg);
	/* ru_maxrss in KiB: the 100 MB went through, not into, apply */
	cr_expect_lt(after.ru_maxrss - before.ru_maxrss, 16 * 1024, "apply grew by %ld KiB",
		     after.ru_maxrss - before.ru_maxrss);
	struct rusage kids;
	getrusage(RUSAGE_CHILDREN, &kids);
	cr_expect_lt(kids.ru_maxrss, 32 * 1024, "a child (the supervisor?) grew to %ld KiB",
		     kids.ru_maxrss);
	topo_apply_report_free(rep);
	remove_tree(root);
}

Test(hooks, what_runs_is_what_was_checked_even_if_swapped_before_it_runs)
{
	char *root = copy_tree("sparse5");
	char body[4096];
	/* the unchecked code: world-writable, outside hooks.d until 10 moves it in */
	snprintf(body, sizeof(body), "#!/bin/sh\ntouch %s/unchecked-ran\n", root);
	write_str(root, "evil", body);
	char path[8192];
	snprintf(path, sizeof(path), "%s/evil", root);
	cr_assert_eq(chmod(path, 0777), 0);
	snprintf(body, sizeof(body), "#!/bin/sh\nmv -f %s/evil %s/etc/tiertopo/hooks.d/20-target\n",
		 root, root);
	hook_file(root, "10-swap", body, 0755);
	snprintf(body, sizeof(body), "#!/bin/sh\ntouch %s/checked-ran\n", root);
	hook_file(root, "20-target", body, 0755);
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree(root, &rep, NULL), 0);
	cr_assert_eq(topo_apply_report_get_hook_count(rep), 2);
	cr_expect(!exists(root, "evil"), "10-swap did not swap 20-target");
	cr_expect(!exists(root, "unchecked-ran"), "the swapped-in, unchecked file ran");
	cr_expect(exists(root, "checked-ran"), "the checked 20-target did not run");
	topo_apply_report_free(rep);
	remove_tree(root);
}

/* a refusal names the directory; no hook runs */
static void expect_refused(const char *root, const char *what)
{
	/* hooks run after an apply that changed something: undo the last one's change */
	write_str(root, "sys/kernel/mm/numa/demotion_enabled", "false\n");
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree(root, &rep, NULL), 0);
	cr_assert_eq(topo_apply_report_get_hook_count(rep), 1, "%s", what);
	const char *msg;
	int status;
	topo_apply_report_get_hook(rep, 0, NULL, &status, &msg);
	cr_expect(status == -1 && msg && strstr(msg, "refused") && strstr(msg, what), "%s: %s",
		  what, msg);
	cr_expect(!exists(root, "ran"), "a hook ran below an unsafe %s", what);
	topo_apply_report_free(rep);
}

Test(hooks, every_directory_from_the_sysroot_down_is_checked_and_links_are_refused)
{
	char body[8192];
	char *root = copy_tree("sparse5");
	snprintf(body, sizeof(body), "#!/bin/sh\ntouch %s/ran\n", root);
	hook_file(root, "10-fine", body, 0755);
	run("chmod 0775 '%s/etc'", root);
	expect_refused(root, "/etc must be");
	run("chmod 0755 '%s/etc' && chmod 0757 '%s/etc/tiertopo'", root, root);
	/* a configuration in a directory others may write is refused before any hook runs */
	write_str(root, "etc/tiertopo/tiertopo.conf", "[hooks]\ntimeout = 5\n");
	struct topo_ctx *ctx;
	cr_assert_eq(topo_ctx_new(&ctx, root), 0);
	topo_ctx_set_log_fn(ctx, NULL, NULL);
	struct topo_config *config = NULL;
	char *error = NULL;
	cr_expect_lt(topo_config_load(ctx, NULL, &config, &error), 0);
	cr_expect(error && strstr(error, "etc/tiertopo/tiertopo.conf") && strstr(error, "refused"),
		  "%s", error ? error : "(no error)");
	free(error);
	topo_config_free(config);
	topo_ctx_unref(ctx);
	/* and without a configuration, the hooks below it are refused */
	run("rm '%s/etc/tiertopo/tiertopo.conf'", root);
	expect_refused(root, "/etc/tiertopo must be");
	run("chmod 0755 '%s/etc/tiertopo' && chmod 0777 '%s'", root, root);
	expect_refused(root, "/ (the sysroot) must be");
	run("chmod 0755 '%s'", root);
	/* hooks.d a link to a safe-looking directory elsewhere */
	run("mv '%s/etc/tiertopo/hooks.d' '%s/elsewhere' && ln -s ../../elsewhere '%s/etc/tiertopo/hooks.d'",
	    root, root, root);
	expect_refused(root, "/etc/tiertopo/hooks.d is a link");
	remove_tree(root);

	/* a sysroot below a directory others may write: they could swap the whole tree */
	char *outer = copy_tree("sparse5");
	char inner[4096];
	snprintf(inner, sizeof(inner), "%s/wide/sysroot", outer);
	cr_assert_eq(run("mkdir -m 0777 '%s/wide' && chmod 0777 '%s/wide' && cp -a '%s/sysfs/sparse5' '%s'",
			 outer, outer, fixtures_dir(), inner),
		     0);
	snprintf(body, sizeof(body), "#!/bin/sh\ntouch %s/ran\n", inner);
	hook_file(inner, "10-fine", body, 0755);
	expect_refused(inner, "1 level(s) above the sysroot");
	/* ... unless sticky, as /tmp is (where these trees are) */
	run("chmod 1777 '%s/wide'", outer);
	write_str(inner, "sys/kernel/mm/numa/demotion_enabled", "false\n");
	struct topo_apply_report *rep = NULL;
	cr_assert_eq(apply_tree(inner, &rep, NULL), 0);
	const char *msg;
	int status;
	cr_assert_eq(topo_apply_report_get_hook(rep, 0, NULL, &status, &msg), 0);
	cr_expect(status == 0 && exists(inner, "ran"), "below a sticky directory: %d %s", status, msg);
	topo_apply_report_free(rep);
	remove_tree(outer);

	root = copy_tree("sparse5");
	snprintf(body, sizeof(body), "#!/bin/sh\ntouch %s/ran\n", root);
	hook_file(root, "real", body, 0644);
	run("ln -s real '%s/etc/tiertopo/hooks.d/10-link' && mkfifo -m 0755 '%s/etc/tiertopo/hooks.d/20-fifo'",
	    root, root);
	rep = NULL;
	double s;
	cr_assert_eq(apply_tree(root, &rep, &s), 0);
	cr_expect_lt(s, 5.0, "a FIFO in hooks.d held apply %.1f s", s);
	cr_assert_eq(topo_apply_report_get_hook_count(rep), 2);
	for (size_t i = 0; i < 2; i++) {
		topo_apply_report_get_hook(rep, i, NULL, &status, &msg);
		cr_expect(status == -1 && msg && strstr(msg, "not a regular file"), "%zu: %s", i, msg);
	}
	cr_expect(!exists(root, "ran"), "a hook ran through a link");
	topo_apply_report_free(rep);
	remove_tree(root);
}
