/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run a command RUNS times and report its wall time (median and best), CPU time (median)
 * and peak RSS, measured around posix_spawn() and wait4() of the command itself: no shell
 * and no /usr/bin/time in between, whose own start-up (half a millisecond or more here)
 * would be counted into a program that runs in one or two.
 *
 * usage: bench-run RUNS COMMAND [ARG...]      (stdout of the command goes to /dev/null)
 * prints: wall_ms=M best_ms=B cpu_ms=C maxrss_kb=K
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
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

int main(int argc, char **argv)
{
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
		struct timespec t0, t1;
		pid_t pid;
		int status;
		struct rusage ru;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ) != 0) {
			perror(argv[2]);
			return 1;
		}
		if (wait4(pid, &status, 0, &ru) < 0) {
			perror("wait4");
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* 0, or 3 (check's "findings") */
		if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3)) {
			fprintf(stderr, "%s: exit status %d\n", argv[2], status);
			return 1;
		}
		wall[i] = ms(&t0, &t1);
		cpu[i] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
		if (ru.ru_maxrss > maxrss)
			maxrss = ru.ru_maxrss;
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
