/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run a command RUNS times and report its wall time (median and best), CPU time (median)
 * and peak RSS, measured around posix_spawn() and wait4() of the command itself: no shell
 * and no /usr/bin/time in between, whose own start-up (half a millisecond or more here)
 * would be counted into a program that runs in one or two.
 *
 * usage: bench-run RUNS COMMAND [ARG...]      (stdout of the command goes to /dev/null)
 * prints: wall_ms=M best_ms=B cpu_ms=C maxrss_kb=K
 *
 * usage: bench-run -a RUNS COMMAND [ARG...] ::: COMMAND [ARG...] [::: ...]
 * runs the commands alternately (A, B, C, A, B, C, ...), so that a machine that speeds up or
 * slows down during the run weighs on all alike, and prints one line per round:
 * "WALL_MS CPU_MS MAXRSS_KB" for each command in turn (the caller takes ratios per round).
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* one run of ARGV: wall and CPU time (ms), peak RSS (KiB); -1 on failure */
static int spawn(char **argv, const posix_spawn_file_actions_t *fa, double *wall, double *cpu,
		 long *maxrss)
{
	struct timespec t0, t1;
	pid_t pid;
	int status;
	struct rusage ru;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (posix_spawn(&pid, argv[0], fa, NULL, argv, environ) != 0) {
		perror(argv[0]);
		return -1;
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* 0, or 3 (check's "findings") */
	if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3)) {
		fprintf(stderr, "%s: exit status %d\n", argv[0], status);
		return -1;
	}
	*wall = ms(&t0, &t1);
	*cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	*maxrss = ru.ru_maxrss;
	return 0;
}

static int alternate(int runs, int argc, char **argv, const posix_spawn_file_actions_t *fa)
{
	char **cmd[16];
	int ncmd = 0;
	cmd[ncmd++] = argv;
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], ":::")) {
			argv[i] = NULL;
			if (ncmd == 16 || i + 1 >= argc)
				return 2;
			cmd[ncmd++] = argv + i + 1;
		}
	for (int r = 0; r < runs; r++) {
		for (int c = 0; c < ncmd; c++) {
			double wall, cpu;
			long rss;
			if (spawn(cmd[c], fa, &wall, &cpu, &rss) < 0)
				return 1;
			printf("%s%.4f %.3f %ld", c ? " " : "", wall, cpu, rss);
		}
		putchar('\n');
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "-a")) {
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		int r = alternate(atoi(argv[2]), argc - 3, argv + 3, &fa);
		posix_spawn_file_actions_destroy(&fa);
		if (r == 2)
			fprintf(stderr, "usage: %s -a RUNS COMMAND [ARG...] ::: COMMAND [ARG...]\n", argv[0]);
		return r;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: %s RUNS COMMAND [ARG...]\n", argv[0]);
		return 2;
	}
	int runs = atoi(argv[1]);
	if (runs < 1)
		runs = 1;
	double *wall = calloc((size_t)runs, sizeof(double));
	double *cpu = calloc((size_t)runs, sizeof(double));
	if (!wall || !cpu)
		return 1;
	long maxrss = 0;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);

	for (int i = 0; i < runs; i++) {
		long rss;
		if (spawn(argv + 2, &fa, &wall[i], &cpu[i], &rss) < 0)
			return 1;
		if (rss > maxrss)
			maxrss = rss;
	}
	double best = wall[0];
	for (int i = 1; i < runs; i++)
		if (wall[i] < best)
			best = wall[i];
	qsort(wall, (size_t)runs, sizeof(double), cmp);
	qsort(cpu, (size_t)runs, sizeof(double), cmp);
	printf("wall_ms=%.3f best_ms=%.3f cpu_ms=%.3f maxrss_kb=%ld\n", wall[runs / 2], best,
	       cpu[runs / 2], maxrss);
	posix_spawn_file_actions_destroy(&fa);
	free(wall);
	free(cpu);
	return 0;
}
