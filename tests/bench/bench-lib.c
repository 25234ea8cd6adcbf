/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The two libraries in one process, without process start-up: libtopo's discover + plan +
 * the JSON document `tiertopo --dump --json` prints, against hwloc's load + XML export
 * (what `lstopo-no-graphics --of xml` does), on the same sysroot, run alternately.
 *
 *   usage: bench-lib SYSROOT [RUNS]
 *   prints: libtopo_ms=M hwloc_ms=H   (medians)
 *
 * hwloc reads the sysroot through HWLOC_FSROOT and only its linux component
 * (HWLOC_COMPONENTS=linux,stop): its default would also ask this machine's CPU (CPUID),
 * which is not in the tree.
 */
#include <hwloc.h>
#include <libtopo.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void quiet(void *d, int p, const char *f, int l, const char *fn, const char *fmt,
		  va_list ap)
{
	(void)d, (void)p, (void)f, (void)l, (void)fn, (void)fmt, (void)ap;
}

static int libtopo_once(const char *sysroot)
{
	struct topo_ctx *ctx;
	struct topo *t;
	struct topo_plan *p;
	char *json;
	if (topo_ctx_new(&ctx, sysroot) < 0)
		return -1;
	topo_ctx_set_log_fn(ctx, quiet, NULL);
	if (topo_discover(ctx, &t) < 0)
		return -1;
	if (topo_plan_new(t, TOPO_PLAN_RECOMMENDED, NULL, NULL, &p) < 0 ||
	    topo_plan_to_json(p, TOPO_JSON_PRETTY, &json) < 0)
		return -1;
	free(json);
	topo_plan_unref(p);
	topo_unref(t);
	topo_ctx_unref(ctx);
	return 0;
}

static int hwloc_once(void)
{
	hwloc_topology_t t;
	char *xml;
	int len;
	if (hwloc_topology_init(&t) < 0 || hwloc_topology_load(t) < 0 ||
	    hwloc_topology_export_xmlbuffer(t, &xml, &len, 0) < 0)
		return -1;
	hwloc_free_xmlbuffer(t, xml);
	hwloc_topology_destroy(t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-lib SYSROOT [RUNS]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 101;
	if (runs < 1)
		runs = 1;
	setenv("HWLOC_FSROOT", argv[1], 1);
	setenv("HWLOC_COMPONENTS", "linux,stop", 1);
	double *a = calloc((size_t)runs, sizeof(double)), *b = calloc((size_t)runs, sizeof(double));
	if (!a || !b)
		return 1;
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		if (libtopo_once(argv[1]) < 0) {
			fprintf(stderr, "libtopo failed on %s\n", argv[1]);
			return 1;
		}
		double t1 = now_ms();
		if (hwloc_once() < 0) {
			fprintf(stderr, "hwloc failed on %s\n", argv[1]);
			return 1;
		}
		double t2 = now_ms();
		a[i] = t1 - t0;
		b[i] = t2 - t1;
	}
	qsort(a, (size_t)runs, sizeof(double), cmp);
	qsort(b, (size_t)runs, sizeof(double), cmp);
	printf("libtopo_ms=%.3f hwloc_ms=%.3f\n", a[runs / 2], b[runs / 2]);
	free(a);
	free(b);
	return 0;
}
