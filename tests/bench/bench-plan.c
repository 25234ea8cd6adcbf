/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * discover + plan, in process, on a sysroot: the median and best of RUNS runs in
 * milliseconds, and the peak RSS of the process.
 *   usage: bench-plan SYSROOT [RUNS]
 */
#include <libtopo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void quiet(void *d, int p, const char *f, int l, const char *fn, const char *fmt,
		  va_list ap)
{
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-plan SYSROOT [RUNS]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 20;
	double *ms = calloc((size_t)runs, sizeof(double));
	for (int i = 0; i < runs; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		struct topo_ctx *ctx;
		struct topo *t;
		struct topo_plan *p;
		if (topo_ctx_new(&ctx, argv[1]) < 0)
			return 1;
		topo_ctx_set_log_fn(ctx, quiet, NULL);
		if (topo_discover(ctx, &t) < 0 ||
		    topo_plan_new(t, TOPO_PLAN_RECOMMENDED, NULL, NULL, &p) < 0)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		topo_plan_unref(p);
		topo_unref(t);
		topo_ctx_unref(ctx);
	}
	qsort(ms, (size_t)runs, sizeof(double), cmp);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("median_ms=%.2f best_ms=%.2f maxrss_kb=%ld\n", ms[runs / 2], ms[0], ru.ru_maxrss);
	free(ms);
	return 0;
}
