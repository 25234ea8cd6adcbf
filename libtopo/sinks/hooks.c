/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hooks: the executables in <sysroot>/etc/tiertopo/hooks.d/, run in name order after a
 * transaction that changed something, with the state file's path as their argument and a
 * summary of the changes in TIERTOPO_CHANGES. A failing hook is reported; it does not undo
 * the kernel settings.
 *
 * Anyone who could change a hook could run code as root, so:
 * - the sysroot, etc, etc/tiertopo and etc/tiertopo/hooks.d are opened one by one (no links)
 *   and each must be a directory owned by root and not writable by group or others; so must
 *   every directory above the sysroot up to /, where sticky ones (/tmp) may be writable;
 * - every hook is opened (O_PATH|O_NOFOLLOW) and checked on that descriptor (a regular file,
 *   owned by root, not writable by group or others) before any of them runs, and is executed
 *   from that descriptor (fexecve): what runs is what was checked, whatever a hook, or
 *   anyone else, renames in the directory meanwhile;
 * - the hook starts clean: no blocked or ignored signal, default dispositions, stdin
 *   /dev/null, no other descriptor than its output and itself, cwd /, umask 022, the
 *   environment below and nothing else, its own process group;
 * - a small supervisor process, a child subreaper (PR_SET_CHILD_SUBREAPER), starts it: when
 *   the hook exits, or at the timeout, its process group and every process it left behind
 *   (a setsid() escape too: orphans are reparented to the supervisor) are killed;
 * - its output (stdout and stderr, one pipe) is read by the supervisor while it runs, the
 *   first HOOK_OUTPUT_MAX bytes kept for the report and the rest counted and dropped, so a
 *   hook that prints without end neither blocks nor grows memory.
 * Environment: PATH=/usr/sbin:/usr/bin:/sbin:/bin, TIERTOPO_STATE, TIERTOPO_CHANGES,
 * TIERTOPO_SYSROOT (man tiertopo.8, HOOKS).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

#define HOOK_OUTPUT_MAX 4096
#define HOOK_ENV_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

/* what the supervisor tells the library about one hook */
struct hook_outcome {
	int status;	  /* exit status, 128 + signal, or -1 */
	int timed_out;	  /* killed at the timeout */
	int exec_errno;	  /* fexecve failed with this */
	int leftovers;	  /* processes it left behind, killed */
	size_t out_total; /* bytes of output, of which the first out_kept follow */
	size_t out_kept;
};

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void close_from(int first)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned int)first, ~0U, 0) == 0)
		return;
#endif
	struct rlimit rl;
	int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
	for (int fd = first; fd < max; fd++)
		close(fd);
}

/* In the hook's process: a clean start, then fexecve of the checked descriptor. */
static _Noreturn void hook_child(int hookfd, int devnull, int outw, int errw, char **argv,
				 char **envp)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigemptyset(&dfl.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL); /* glibc's own (32, 33) refuse: fine */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* 0 /dev/null, 1 and 2 the output pipe, 3 the hook (scripts: the interpreter opens
	 * /dev/fd/3), 4 the exec error pipe (close-on-exec); nothing else */
	int h = fcntl(hookfd, F_DUPFD_CLOEXEC, 16), e = fcntl(errw, F_DUPFD_CLOEXEC, 16);
	if (h < 0 || e < 0 || dup2(devnull, 0) < 0 || dup2(outw, 1) < 0 || dup2(outw, 2) < 0 ||
	    dup2(h, 3) < 0 || dup3(e, 4, O_CLOEXEC) < 0)
		_exit(127);
	close_from(5);
	umask(022);
	if (chdir("/") < 0)
		_exit(127);
	fexecve(3, argv, envp);
	int err = errno;
	if (write(4, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

/* Kill every process left below the supervisor (a subreaper: orphans come to it) and reap
 * them. Returns how many were killed. */
static int kill_leftovers(void)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	int killed = 0;
	for (int round = 0; round < 1000; round++) {
		int any = 0;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		for (char *p = buf; n > 0 && p < buf + n;) {
			char *end;
			long pid = strtol(p, &end, 10);
			if (end == p)
				break;
			if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0) {
				kill(-(pid_t)pid, SIGKILL); /* and its group, if it leads one */
				killed++;
				any = 1;
			}
			p = end;
		}
		/* reap what died; without /proc the reaping alone says whether any are left */
		int st;
		pid_t r;
		while ((r = waitpid(-1, &st, any ? 0 : WNOHANG)) > 0)
			any = 1;
		if (r < 0 && errno == ECHILD)
			break;
		if (!any) {
			struct timespec nap = {0, 1000 * 1000};
			nanosleep(&nap, NULL);
		}
	}
	return killed;
}

/* The supervisor: start the hook, collect its output, enforce the timeout, kill what it
 * leaves, report on @resw. Never returns. */
static _Noreturn void hook_supervisor(int hookfd, char **argv, char **envp, unsigned int ms,
				      int resw)
{
	struct hook_outcome o = {.status = -1};
	static char kept[HOOK_OUTPUT_MAX];
	char scratch[65536];
	int out[2], err[2];
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		o.exec_errno = errno;
		goto report;
	}
	long long deadline = now_ms() + ms;
	pid_t pid = fork();
	if (pid < 0) {
		o.exec_errno = errno;
		goto report;
	}
	if (pid == 0)
		hook_child(hookfd, devnull, out[1], err[1], argv, envp);
	setpgid(pid, pid); /* before it runs anything, whichever of us is first */
	close(out[1]);
	close(err[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);

	bool open_out = true, exited = false;
	while (!exited) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			o.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			exited = true;
			break;
		}
		long long left = deadline - now_ms();
		if (left <= 0) {
			o.timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		/* wake for output, or every 10 ms to see whether it exited */
		struct pollfd pfd = {.fd = open_out ? out[0] : -1, .events = POLLIN};
		poll(&pfd, 1, left < 10 ? (int)left : 10);
		while (open_out) {
			ssize_t n = read(out[0], scratch, sizeof(scratch));
			if (n > 0) {
				size_t take = o.out_kept < sizeof(kept) ? sizeof(kept) - o.out_kept : 0;
				if (take > (size_t)n)
					take = (size_t)n;
				memcpy(kept + o.out_kept, scratch, take);
				o.out_kept += take;
				o.out_total += (size_t)n;
				continue;
			}
			if (n == 0)
				open_out = false; /* it still runs: keep waiting for it */
			break;
		}
	}
	/* its group, and whatever escaped the group */
	kill(-pid, SIGKILL);
	o.leftovers = kill_leftovers();
	/* what was written before they died */
	ssize_t n;
	while (open_out && (n = read(out[0], scratch, sizeof(scratch))) > 0) {
		size_t take = o.out_kept < sizeof(kept) ? sizeof(kept) - o.out_kept : 0;
		if (take > (size_t)n)
			take = (size_t)n;
		memcpy(kept + o.out_kept, scratch, take);
		o.out_kept += take;
		o.out_total += (size_t)n;
	}
	int e;
	if (read(err[0], &e, sizeof(e)) == sizeof(e))
		o.exec_errno = e;
report:
	if (write(resw, &o, sizeof(o)) == sizeof(o) && o.out_kept)
		if (write(resw, kept, o.out_kept) < 0)
			_exit(1);
	_exit(0);
}

/* Run one checked hook from its descriptor; the outcome, and the output it kept in *out. */
static int run_hook(int hookfd, char **argv, char **envp, unsigned int ms, struct hook_outcome *o,
		    char **out)
{
	int res[2];
	if (pipe2(res, O_CLOEXEC) < 0)
		return -errno;
	pid_t sup = fork();
	if (sup < 0) {
		int e = errno;
		close(res[0]);
		close(res[1]);
		return -e;
	}
	if (sup == 0) {
		close(res[0]);
		hook_supervisor(hookfd, argv, envp, ms, res[1]);
	}
	close(res[1]);
	/* the supervisor reports at most ms + its cleanup after it starts */
	size_t got = 0;
	char *buf = malloc(sizeof(*o) + HOOK_OUTPUT_MAX);
	long long deadline = now_ms() + ms + 10000;
	while (buf && got < sizeof(*o) + HOOK_OUTPUT_MAX) {
		long long left = deadline - now_ms();
		struct pollfd pfd = {.fd = res[0], .events = POLLIN};
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
			break;
		ssize_t n = read(res[0], buf + got, sizeof(*o) + HOOK_OUTPUT_MAX - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(res[0]);
	kill(sup, SIGKILL); /* a no-op unless it hung; it never runs the hook's code */
	while (waitpid(sup, NULL, 0) < 0 && errno == EINTR)
		;
	if (!buf || got < sizeof(*o)) {
		free(buf);
		return -EIO;
	}
	memcpy(o, buf, sizeof(*o));
	if (o->out_kept > got - sizeof(*o))
		o->out_kept = got - sizeof(*o);
	*out = NULL;
	if (o->out_kept) {
		*out = strndup(buf + sizeof(*o), o->out_kept);
		/* the last newline is the end of a line, not part of what it said */
		size_t l = *out ? strlen(*out) : 0;
		while (l && (*out)[l - 1] == '\n')
			(*out)[--l] = '\0';
	}
	free(buf);
	return 0;
}

/* Open etc/tiertopo/hooks.d, each directory from the sysroot down checked (base/trust.c), and
 * the directories above the sysroot up to /: the directory's fd, -ENOENT when there is none,
 * or a refusal (added to the report). */
static int open_hooks_dir(struct apply *a)
{
	struct io_distrust why = {0};
	int fd = io_open_trusted_dir(a->ctx, HOOKS_DIR, &why);
	if (fd == -ENOENT)
		return fd;
	if (fd >= 0) {
		int r = io_check_above_root(a->ctx, &why);
		if (r == 0)
			return fd;
		close(fd);
		if (r != -IO_EUNTRUSTED)
			return r;
		add_result(a, "/" HOOKS_DIR, -1,
			   "refused: the directory %s %s must be owned by root and not writable by "
			   "group or others unless sticky (uid %u, mode %04o); no hook was run",
			   why.path, a->ctx->sysroot, (unsigned int)why.st.st_uid,
			   (unsigned int)(why.st.st_mode & 07777));
		return -EPERM;
	}
	if (fd == -IO_EUNTRUSTED) {
		add_result(a, "/" HOOKS_DIR, -1,
			   "refused: %s must be a directory owned by root and not writable by "
			   "group or others (uid %u, mode %04o); no hook was run",
			   strcmp(why.path, "/") ? why.path : "/ (the sysroot)",
			   (unsigned int)why.st.st_uid, (unsigned int)(why.st.st_mode & 07777));
		return -EPERM;
	}
	add_result(a, "/" HOOKS_DIR, -1, "refused: %s is %s; no hook was run", why.path,
		   fd == -ELOOP ? "a link" : fd == -ENOTDIR ? "not a directory" : strerror(-fd));
	return fd;
}

void sink_hooks(struct apply *a, const char *state_path)
{
	if (!topo_config_sink_enabled(a->config, "hooks"))
		return;
	int dfd = open_hooks_dir(a);
	if (dfd < 0)
		return;
	int lfd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
	if (!d) {
		if (lfd >= 0)
			close(lfd);
		close(dfd);
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof(*v));
			if (!v)
				break;
			names = v;
		}
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (n > 1) /* name order, byte by byte, like run-parts */
		qsort(names, n, sizeof(*names), cmp_str);

	/* every hook opened and checked before any runs: a hook that renames another one
	 * changes nothing, the checked descriptor is what runs */
	int *fds = calloc(n ? n : 1, sizeof(*fds));
	const char *root = strcmp(a->ctx->sysroot, "/") ? a->ctx->sysroot : "";
	for (size_t i = 0; fds && i < n; i++) {
		char abs_path[4096];
		snprintf(abs_path, sizeof(abs_path), "%s/" HOOKS_DIR "/%s", root, names[i]);
		struct stat st;
		fds[i] = openat(dfd, names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fds[i] < 0)
			continue;
		if (fstat(fds[i], &st) < 0 || !S_ISREG(st.st_mode)) {
			add_result(a, abs_path, -1, "refused: not a regular file");
		} else if (!(st.st_mode & S_IXUSR)) {
			/* not executable: a README, a disabled hook */
		} else if (io_check_trusted(&st) < 0) {
			add_result(a, abs_path, -1,
				   "refused: a hook must be owned by root and not writable by group "
				   "or others (uid %u, mode %04o)",
				   (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
		} else {
			continue;
		}
		close(fds[i]);
		fds[i] = -1;
	}
	close(dfd);

	char *summary = changes_summary(a->report);
	char *env_state = NULL, *env_changes = NULL, *env_root = NULL;
	if (asprintf(&env_state, "TIERTOPO_STATE=%s", state_path) < 0)
		env_state = NULL;
	if (asprintf(&env_changes, "TIERTOPO_CHANGES=%s", summary ? summary : "") < 0)
		env_changes = NULL;
	if (asprintf(&env_root, "TIERTOPO_SYSROOT=%s", a->ctx->sysroot) < 0)
		env_root = NULL;
	unsigned int timeout = topo_config_get_hook_timeout_ms(a->config);
	for (size_t i = 0; fds && i < n; i++) {
		if (fds[i] < 0)
			continue;
		if (!env_state || !env_changes || !env_root) {
			close(fds[i]);
			continue;
		}
		char abs_path[4096];
		snprintf(abs_path, sizeof(abs_path), "%s/" HOOKS_DIR "/%s", root, names[i]);
		char *envp[] = {(char *)HOOK_ENV_PATH, env_state, env_changes, env_root, NULL};
		char *argv[] = {abs_path, (char *)state_path, NULL};
		struct hook_outcome o = {.status = -1};
		char *out = NULL;
		int r = run_hook(fds[i], argv, envp, timeout, &o, &out);
		close(fds[i]);
		char tail[HOOK_OUTPUT_MAX + 128] = "";
		if (out)
			snprintf(tail, sizeof(tail), "; output: %s%s", out,
				 o.out_total > o.out_kept ? " [...]" : "");
		if (r == 0 && o.out_total > o.out_kept) {
			size_t l = strlen(tail);
			snprintf(tail + l, sizeof(tail) - l, " (%zu bytes of output, the first %zu kept)",
				 o.out_total, o.out_kept);
		}
		if (r == 0 && o.leftovers) {
			size_t l = strlen(tail);
			snprintf(tail + l, sizeof(tail) - l,
				 "; %d process(es) it left behind were killed", o.leftovers);
		}
		if (r < 0)
			add_result(a, abs_path, -1, "cannot run: %s", strerror(-r));
		else if (o.exec_errno)
			add_result(a, abs_path, -1, "cannot run: %s", strerror(o.exec_errno));
		else if (o.timed_out)
			add_result(a, abs_path, -1, "killed after the %u ms timeout%s", timeout, tail);
		else if (o.status != 0)
			add_result(a, abs_path, o.status, "exited with status %d%s", o.status, tail);
		else if (tail[0])
			add_result(a, abs_path, 0, "ok%s", tail);
		else
			add_result(a, abs_path, 0, NULL);
		free(out);
	}
	free(env_state);
	free(env_changes);
	free(env_root);
	free(fds);
	free(summary);
	strv_free(names, n);
}
