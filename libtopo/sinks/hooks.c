/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hooks: the executables in <sysroot>/etc/tiertopo/hooks.d/, run in name order after a
 * transaction that changed something, with the state file's path as their argument and a
 * summary of the changes in TIERTOPO_CHANGES. Only when the directory and the file are
 * root-owned and not group- or world-writable (anyone who could write them could run code
 * as root); never through a shell; killed, with their process group, at the timeout. A
 * failing hook is reported; it does not undo the kernel settings.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sinks/sinks.h"

#define HOOKS_DIR "etc/tiertopo/hooks.d"

static int add_result(struct apply *a, const char *path, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int add_result(struct apply *a, const char *path, int status, const char *fmt, ...)
{
	struct topo_apply_report *rep = a->report;
	struct hook_result *v = realloc(rep->hooks, (rep->n_hooks + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	rep->hooks = v;
	v = &v[rep->n_hooks++];
	v->path = strdup(path);
	v->status = status;
	v->message = NULL;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&v->message, fmt, ap) < 0)
			v->message = NULL;
		va_end(ap);
	}
	return 0;
}

static bool unsafe(const struct stat *st)
{
	return st->st_uid != 0 || (st->st_mode & (S_IWGRP | S_IWOTH));
}

static char *changes_summary(const struct topo_apply_report *rep)
{
	size_t cap = 64, o = 0;
	for (size_t i = 0; i < rep->n_changes; i++)
		cap += strlen(rep->changes[i].path) + strlen(rep->changes[i].new_value) + 4;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < rep->n_changes; i++) {
		const struct change *c = &rep->changes[i];
		if (c->status != TOPO_CHANGE_WRITTEN)
			continue;
		o += (size_t)snprintf(s + o, cap - o, "%s/%s=%s", o ? " " : "", c->path,
				      c->atomic ? "new" : c->new_value);
	}
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* wait for @pid at most @ms; kill its process group after that. Returns the exit status. */
static int wait_hook(pid_t pid, unsigned int ms, bool *timed_out)
{
	struct timespec start, now, nap = {0, 5 * 1000 * 1000};
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0 && errno != EINTR)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long long el = (now.tv_sec - start.tv_sec) * 1000LL +
			       (now.tv_nsec - start.tv_nsec) / 1000000;
		if (el >= ms) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			*timed_out = true;
			return -1;
		}
		nanosleep(&nap, NULL);
	}
}

void sink_hooks(struct apply *a, const char *state_path)
{
	struct stat st;
	int rootfd = a->ctx->rootfd;
	if (!topo_config_sink_enabled(a->config, "hooks") ||
	    fstatat(rootfd, HOOKS_DIR, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode) || unsafe(&st)) {
		add_result(a, "/" HOOKS_DIR, -1,
			   "refused: /%s must be a directory owned by root and not writable by group "
			   "or others (it is %s, uid %u, mode %04o); no hook was run",
			   HOOKS_DIR, S_ISDIR(st.st_mode) ? "a directory" : "not a directory",
			   (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
		return;
	}
	char **names = NULL;
	size_t n = 0;
	if (io_list_dir(a->ctx, HOOKS_DIR, false, &names, &n) < 0)
		return;
	if (n > 1) /* name order, byte by byte, like run-parts */
		qsort(names, n, sizeof(*names), cmp_str);

	char *summary = changes_summary(a->report);
	const char *root = strcmp(a->ctx->sysroot, "/") ? a->ctx->sysroot : "";
	for (size_t i = 0; i < n; i++) {
		char rel[512], abs_path[4096];
		snprintf(rel, sizeof(rel), HOOKS_DIR "/%s", names[i]);
		snprintf(abs_path, sizeof(abs_path), "%s/%s", root, rel);
		if (names[i][0] == '.' || fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISREG(st.st_mode)) {
			add_result(a, abs_path, -1, "refused: not a regular file");
			continue;
		}
		if (!(st.st_mode & S_IXUSR))
			continue; /* not executable: a README, a disabled hook */
		if (unsafe(&st)) {
			add_result(a, abs_path, -1,
				   "refused: a hook must be owned by root and not writable by group "
				   "or others (uid %u, mode %04o)",
				   (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
			continue;
		}

		char *env_state, *env_changes, *env_root;
		if (asprintf(&env_state, "TIERTOPO_STATE=%s", state_path) < 0)
			break;
		if (asprintf(&env_changes, "TIERTOPO_CHANGES=%s", summary ? summary : "") < 0) {
			free(env_state);
			break;
		}
		if (asprintf(&env_root, "TIERTOPO_SYSROOT=%s", a->ctx->sysroot) < 0) {
			free(env_state);
			free(env_changes);
			break;
		}
		char *envp[] = {(char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", env_state, env_changes,
				env_root, NULL};
		char *argv[] = {abs_path, (char *)state_path, NULL};
		posix_spawn_file_actions_t fa;
		posix_spawnattr_t attr;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		posix_spawnattr_init(&attr);
		/* its own process group, so that the timeout kills what it started too */
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
		posix_spawnattr_setpgroup(&attr, 0);
		pid_t pid;
		int r = posix_spawn(&pid, abs_path, &fa, &attr, argv, envp);
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&attr);
		free(env_state);
		free(env_changes);
		free(env_root);
		if (r != 0) {
			add_result(a, abs_path, -1, "cannot run: %s", strerror(r));
			continue;
		}
		bool timed_out = false;
		unsigned int timeout = topo_config_get_hook_timeout_ms(a->config);
		int status = wait_hook(pid, timeout, &timed_out);
		if (timed_out)
			add_result(a, abs_path, -1, "killed after the %u ms timeout", timeout);
		else if (status != 0)
			add_result(a, abs_path, status, "exited with status %d", status);
		else
			add_result(a, abs_path, 0, NULL);
	}
	free(summary);
	strv_free(names, n);
}
