/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Whole hostile sysroot trees (issue 14): copies of a fixture box, each mutated at random
 * (garbage, empty, huge and NUL-filled files, FIFOs, links to /, to /dev/zero, in loops and
 * out of the tree, directories where files were, files removed), fed to discovery, both plan
 * models, check and the JSON writers. Each tree runs in a child with an alarm: a crash, a
 * sanitizer report or a hang fails it. A decoy outside the trees must never change.
 *
 * usage: fuzz-tree BOX [TREES]   (TOPO_FUZZ_TREES, TOPO_FUZZ_SEED override; TAP on stdout)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libtopo.h"

/*
 * A tree that spins is caught by its CPU time, one that blocks (a FIFO read, a lock) by the
 * wall clock. Neither limit depends on how loaded the machine is: a tree takes ~0.1 s of CPU
 * under ASan, and a sanitizer build on two busy cores once needed over 5 s of wall time for
 * one, so the wall limit is only there for what uses no CPU at all.
 */
#define TREE_CPU_LIMIT 10  /* seconds of CPU a tree may use */
#define TREE_WALL_LIMIT 120 /* seconds a tree may take, CPU or not */

#define STR_(x) #x
#define STR(x) STR_(x)

static uint64_t rng;

static uint64_t next(void)
{
	/* xorshift64*: the same trees for the same seed */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static size_t pick(size_t n)
{
	return n ? (size_t)(next() % n) : 0;
}

static char tmp[64];

static int run(const char *cmd)
{
	int r = system(cmd);
	if (r != 0) {
		fprintf(stderr, "# %s: status %d\n", cmd, r);
		exit(1);
	}
	return 0;
}

/* ---- the decoy: everything it holds, summed ------------------------------------------- */

static uint64_t sum;

static void mix(const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		sum = (sum ^ c[i]) * 1099511628211ull; /* FNV-1a */
}

static int sum_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)type;
	(void)ftw;
	mix(path, strlen(path) + 1);
	uint64_t meta[] = {st->st_mode,
			   st->st_uid,
			   (uint64_t)st->st_size,
			   st->st_ino,
			   (uint64_t)st->st_mtim.tv_sec,
			   (uint64_t)st->st_mtim.tv_nsec};
	mix(meta, sizeof(meta));
	if (S_ISREG(st->st_mode)) {
		char buf[4096];
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		for (ssize_t k; fd >= 0 && (k = read(fd, buf, sizeof(buf))) > 0;)
			mix(buf, (size_t)k);
		if (fd >= 0)
			close(fd);
	} else if (S_ISLNK(st->st_mode)) {
		char buf[4096];
		ssize_t k = readlink(path, buf, sizeof(buf));
		if (k > 0)
			mix(buf, (size_t)k);
	}
	return 0;
}

/* the decoy, and the names directly in tmp (a tree writing beside itself shows there) */
static uint64_t outside_sum(void)
{
	char decoy[128];
	snprintf(decoy, sizeof(decoy), "%s/decoy", tmp);
	sum = 14695981039346656037ull;
	if (nftw(decoy, sum_one, 16, FTW_PHYS) != 0) {
		fprintf(stderr, "# %s: %s\n", decoy, strerror(errno));
		exit(1);
	}
	DIR *d = opendir(tmp);
	if (!d)
		exit(1);
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, "tree"))
			mix(e->d_name, strlen(e->d_name) + 1);
	closedir(d);
	return sum;
}

/* ---- the mutations ---------------------------------------------------------------------- */

static char **paths;
static size_t n_paths, cap_paths;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	if (ftw->level == 0)
		return 0;
	if (n_paths == cap_paths) {
		cap_paths = cap_paths ? 2 * cap_paths : 1024;
		paths = realloc(paths, cap_paths * sizeof(*paths));
		if (!paths)
			exit(1);
	}
	paths[n_paths++] = strdup(path);
	return 0;
}

static void write_bytes(const char *path, size_t n, int kind)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return;
	char buf[4096];
	for (size_t done = 0; done < n;) {
		size_t k = n - done < sizeof(buf) ? n - done : sizeof(buf);
		for (size_t i = 0; i < k; i++)
			buf[i] = kind == 0   ? 0
				 : kind == 1 ? (char)next()
					     : "0123456789,-\n "[next() % 14];
		if (write(fd, buf, k) < 0)
			break;
		done += k;
	}
	close(fd);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT) {
		fprintf(stderr, "# remove %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return 0;
}

/* rm -rf, without a shell per call */
static void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return; /* gone with a directory an earlier mutation replaced */
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *copy_from, *copy_to;

/* cp -a of the box's directories, files and links (all it holds) */
static int copy_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)type;
	(void)ftw;
	char to[4200];
	snprintf(to, sizeof(to), "%s%s", copy_to, path + strlen(copy_from));
	int r = 0;
	if (S_ISDIR(st->st_mode))
		r = mkdir(to, st->st_mode & 07777);
	else if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t k = readlink(path, target, sizeof(target) - 1);
		if (k < 0)
			return -1;
		target[k] = '\0';
		r = symlink(target, to);
	} else if (S_ISREG(st->st_mode)) {
		int in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st->st_mode & 07777);
		char buf[65536];
		ssize_t k = 0;
		while (in >= 0 && out >= 0 && (k = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)k) != k)
				k = -1;
		r = in < 0 || out < 0 || k < 0 ? -1 : 0;
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
	}
	if (r < 0) {
		fprintf(stderr, "# copy %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return 0;
}

static void copy_tree(const char *from, const char *to)
{
	copy_from = from;
	copy_to = to;
	nftw(from, copy_one, 16, FTW_PHYS);
}

static void replace(const char *path)
{
	/* whatever was there goes, unless the mutation is a rewrite of a file */
	remove_tree(path);
}

static const char *const mutation_names[] = {
    "garbage",	 "digits",	 "empty",	    "huge",
    "nuls",	 "fifo",	 "link-root",	    "link-zero",
    "link-loop", "link-abs-out", "link-dotdot-out", "dir",
    "remove",
};
#define N_MUTATIONS (sizeof(mutation_names) / sizeof(mutation_names[0]))

/* is @path's directory inside the tree (no link an earlier mutation made on the way)? */
static bool inside(const char *path)
{
	char dir[4200], real[PATH_MAX], top[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	snprintf(top, sizeof(top), "%s/tree", tmp);
	if (!realpath(dir, real))
		return false;
	return !strncmp(real, top, strlen(top)) && (real[strlen(top)] == '/' || !real[strlen(top)]);
}

static void mutate(const char *path, size_t m, FILE *log)
{
	char buf[4200];
	struct stat st;
	if (!inside(path))
		return; /* the fuzzer itself must not write through its links */
	bool file = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
	fprintf(log, "%s %s\n", mutation_names[m], path + strlen(tmp) + strlen("/tree/"));
	switch (m) {
	case 0: /* garbage */
	case 1: /* digits, commas and dashes: parser-shaped garbage */
	case 2: /* empty */
	case 3: /* huge: above TOPO_ATTR_MAX */
	case 4: /* NUL bytes */
		if (!file)
			replace(path);
		write_bytes(path,
			    m == 2   ? 0
			    : m == 3 ? 64 * 1024 + 1 + pick(8192)
				     : 1 + pick(m == 1 ? 64 : 512),
			    m == 4   ? 0
			    : m == 0 ? 1
				     : 2);
		break;
	case 5:
		replace(path);
		mkfifo(path, 0644);
		break;
	case 6:
		replace(path);
		if (symlink("/", path)) {
		}
		break;
	case 7:
		replace(path);
		if (symlink("/dev/zero", path)) {
		}
		break;
	case 8: /* a -> a.loop -> a */
		replace(path);
		snprintf(buf, sizeof(buf), "%s.loop", path);
		const char *base = strrchr(path, '/') + 1;
		char target[512];
		snprintf(target, sizeof(target), "%s.loop", base);
		if (symlink(target, path) || symlink(base, buf)) {
		}
		break;
	case 9: /* absolute, to the decoy (a file or the directory) */
		replace(path);
		snprintf(buf, sizeof(buf), "%s/decoy%s", tmp, next() & 1 ? "/file" : "");
		if (symlink(buf, path)) {
		}
		break;
	case 10: { /* .. enough to leave the tree, then into the decoy */
		replace(path);
		char up[1024] = "";
		size_t depth = 0;
		for (const char *p = path + strlen(tmp) + strlen("/tree/"); *p; p++)
			depth += *p == '/';
		for (size_t i = 0; i < depth + 1 + pick(3); i++)
			strcat(up, "../");
		strcat(up, next() & 1 ? "decoy/file" : "decoy");
		if (symlink(up, path)) {
		}
		break;
	}
	case 11:
		replace(path);
		mkdir(path, 0755);
		break;
	default:
		replace(path);
		break;
	}
}

/* ---- one tree ----------------------------------------------------------------------------- */

static int exercise(const char *root)
{
	struct topo_ctx *ctx = NULL;
	struct topo *topo = NULL;
	int r = topo_ctx_new(&ctx, root);
	if (r < 0)
		return 0;
	if (topo_discover(ctx, &topo) >= 0) {
		char *json = NULL;
		if (topo_to_json(topo, 0, &json) >= 0)
			free(json);
		const char *releases[] = {NULL, "5.15", "6.1", "6.12"};
		for (size_t i = 0; i < 5; i++) {
			struct topo_plan *plan = NULL;
			if (topo_plan_new(topo, i ? TOPO_PLAN_KERNEL : TOPO_PLAN_RECOMMENDED,
					  i ? releases[i - 1] : NULL, NULL, &plan) >= 0) {
				if (topo_plan_to_json(plan, TOPO_JSON_PRETTY, &json) >= 0)
					free(json);
				topo_plan_unref(plan);
			}
		}
		struct topo_check *check = NULL;
		if (topo_check_new(topo, NULL, NULL, &check) >= 0) {
			if (topo_check_to_json(check, 0, &json) >= 0)
				free(json);
			topo_check_unref(check);
		}
		topo_unref(topo);
	}
	topo_ctx_unref(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: fuzz-tree BOX [TREES]\n");
		return 2;
	}
	const char *box = argv[1];
	unsigned long trees = argc > 2 ? strtoul(argv[2], NULL, 10) : 150;
	const char *e = getenv("TOPO_FUZZ_TREES");
	if (e && *e)
		trees = strtoul(e, NULL, 10);
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	e = getenv("TOPO_FUZZ_SEED");
	if (e && *e)
		seed = strtoull(e, NULL, 0);
	printf("# seed %" PRIu64 " (TOPO_FUZZ_SEED=%" PRIu64 " repeats it), %lu trees\n", seed,
	       seed, trees);
	fflush(stdout);

	/* tmpfs where there is one: a tree is ~200 creations, slow on a disk-backed /tmp */
	snprintf(tmp, sizeof(tmp), "%s/fuzz-tree-XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	if (!mkdtemp(tmp))
		return 1;
	char cmd[4200], tree[128], log_path[128];
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s/decoy/numa' && echo secret >'%s/decoy/file' && "
		 "echo false >'%s/decoy/numa/demotion_enabled'",
		 tmp, tmp, tmp);
	run(cmd);
	snprintf(tree, sizeof(tree), "%s/tree", tmp);
	snprintf(log_path, sizeof(log_path), "%s/mutations", tmp);
	FILE *log = fopen(log_path, "w+");
	if (!log)
		return 1;
	uint64_t before = outside_sum();

	unsigned long failed = 0;
	for (unsigned long t = 0; t < trees; t++) {
		rng = seed + t * 0x9E3779B97F4A7C15ull;
		if (!rng)
			rng = 1;
		remove_tree(tree);
		copy_tree(box, tree);
		n_paths = 0;
		nftw(tree, collect, 16, FTW_PHYS);
		if (ftruncate(fileno(log), 0) < 0)
			return 1;
		rewind(log);
		size_t n = 1 + pick(8);
		for (size_t i = 0; i < n && n_paths; i++) {
			size_t k = pick(n_paths);
			mutate(paths[k], pick(N_MUTATIONS), log);
		}
		for (size_t i = 0; i < n_paths; i++)
			free(paths[i]);

		fflush(stdout);
		fflush(log);
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			struct itimerval cpu = {.it_value = {.tv_sec = TREE_CPU_LIMIT}};
			if (setitimer(ITIMER_PROF, &cpu, NULL) < 0)
				_exit(3);
			alarm(TREE_WALL_LIMIT);
			exercise(tree);
			exit(0);
		}
		int status = 0;
		struct rusage ru = {0};
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long wall_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		long cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
			      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
		uint64_t after = outside_sum();
		const char *what = NULL;
		char why[64];
		if (after != before)
			what = "something outside the tree changed";
		else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGPROF)
			what = "spun: used " STR(TREE_CPU_LIMIT) " s of CPU";
		else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			what = "hung: still running after " STR(TREE_WALL_LIMIT) " s";
		else if (WIFSIGNALED(status)) {
			snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(status));
			what = why;
		} else if (WEXITSTATUS(status) != 0) {
			snprintf(why, sizeof(why), "exit status %d (a sanitizer report?)",
				 WEXITSTATUS(status));
			what = why;
		}
		if (what) {
			failed++;
			printf("not ok %lu - tree %lu: %s (%ld ms, %ld ms of CPU)\n", t + 1, t, what,
			       wall_ms, cpu_ms);
			rewind(log);
			for (char line[4200]; fgets(line, sizeof(line), log);)
				printf("# %s", line);
			if (after != before) {
				snprintf(cmd, sizeof(cmd), "ls -laR '%s/decoy' | sed 's/^/# /'",
					 tmp);
				if (system(cmd)) {
				}
				before = after;
			}
		} else {
			printf("ok %lu - tree %lu (%zu mutations, %ld ms, %ld ms of CPU)\n", t + 1, t, n,
			       wall_ms, cpu_ms);
		}
	}
	fclose(log);
	free(paths);
	printf("1..%lu\n", trees);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	run(cmd);
	return failed ? 1 : 0;
}
