/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The counters of tiertopo stat through the public API: fixtures/sysfs/stat-6.1 and
 * stat-6.12 hold node vmstat and proc/vmstat files as those kernels print them
 * (tests/stat/make-fixtures.py says which counter each has where).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "testutil.h"

static struct topo_ctx *ctx_for(const char *sysroot)
{
	struct topo_ctx *ctx;
	cr_assert_eq(topo_ctx_new(&ctx, sysroot), 0);
	topo_ctx_set_log_fn(ctx, NULL, NULL);
	return ctx;
}

static char *fixture(const char *name)
{
	char *p;
	cr_assert(asprintf(&p, "%s/sysfs/%s", fixtures_dir(), name) > 0);
	return p;
}

static struct topo_vmstat *read_fixture(const char *name, struct topo_ctx **ctxp)
{
	char *root = fixture(name);
	struct topo_ctx *ctx = ctx_for(root);
	free(root);
	struct topo_vmstat *vs = NULL;
	cr_assert_eq(topo_read_vmstat(ctx, &vs), 0);
	cr_assert_not_null(vs);
	*ctxp = ctx;
	return vs;
}

static uint64_t get(const struct topo_vmstat *vs, int node, const char *name)
{
	uint64_t v = 0;
	int r = topo_vmstat_get(vs, node, name, &v);
	cr_assert_eq(r, 0, "node %d %s: %s", node, name, strerror(-r));
	return v;
}

static void assert_nodata(const struct topo_vmstat *vs, int node, const char *name)
{
	uint64_t v = 12345;
	cr_assert_eq(topo_vmstat_get(vs, node, name, &v), -ENODATA, "node %d %s", node, name);
	cr_assert_eq(v, 12345, "an unavailable counter leaves the value alone");
}

Test(vmstat, nodes_of_a_reading_in_ascending_order)
{
	struct topo_ctx *ctx;
	struct topo_vmstat *vs = read_fixture("stat-6.12", &ctx);
	cr_assert_eq(topo_vmstat_get_node_count(vs), 3);
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(topo_vmstat_get_node_id(vs, i), (int)i);
	cr_assert_eq(topo_vmstat_get_node_id(vs, 3), -EINVAL);
	cr_assert_eq(topo_vmstat_get_finding_count(vs), 0);
	cr_assert_gt(topo_vmstat_get_time_ns(vs), 0);
	topo_vmstat_unref(vs);
	topo_ctx_unref(ctx);
}

Test(vmstat, kernel_6_1_counts_demotion_for_the_machine_only)
{
	struct topo_ctx *ctx;
	struct topo_vmstat *vs = read_fixture("stat-6.1", &ctx);
	/* pgdemote_* are vm events before 6.8: proc/vmstat only, never split over nodes */
	for (int n = 0; n < 3; n++) {
		assert_nodata(vs, n, "pgdemote_kswapd");
		assert_nodata(vs, n, "pgdemote_direct");
	}
	cr_assert_eq(get(vs, -1, "pgdemote_kswapd"), 200456);
	cr_assert_eq(get(vs, -1, "pgdemote_direct"), 2255);
	cr_assert_eq(topo_vmstat_get_scope(vs, "pgdemote_kswapd"), TOPO_VMSTAT_MACHINE);
	/* pgdemote_khugepaged is 6.2, pgdemote_proactive 6.15, pgpromote_candidate_nrl 6.17 */
	const char *absent[] = {"pgdemote_khugepaged", "pgdemote_proactive",
				"pgpromote_candidate_nrl"};
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(topo_vmstat_get_scope(vs, absent[i]), TOPO_VMSTAT_ABSENT);
		for (int n = -1; n < 3; n++)
			assert_nodata(vs, n, absent[i]);
	}
	/* promotion is a node statistic already, counted on the node pages are promoted to */
	cr_assert_eq(topo_vmstat_get_scope(vs, "pgpromote_success"), TOPO_VMSTAT_NODE);
	cr_assert_eq(get(vs, 0, "pgpromote_success"), 20000);
	cr_assert_eq(get(vs, 1, "pgpromote_success"), 13444);
	cr_assert_eq(get(vs, 2, "pgpromote_success"), 0);
	cr_assert_eq(get(vs, -1, "pgpromote_success"), 33444);
	cr_assert_eq(get(vs, 0, "pgpromote_candidate"), 30100);
	cr_assert_eq(get(vs, 1, "pgpromote_candidate"), 21100);
	/* vm events: machine-wide on every kernel */
	cr_assert_eq(topo_vmstat_get_scope(vs, "numa_hint_faults"), TOPO_VMSTAT_MACHINE);
	cr_assert_eq(get(vs, -1, "numa_hint_faults"), 456789);
	cr_assert_eq(get(vs, -1, "numa_hint_faults_local"), 400001);
	cr_assert_eq(get(vs, -1, "pgmigrate_success"), 233900);
	cr_assert_eq(get(vs, -1, "pgmigrate_fail"), 77);
	assert_nodata(vs, 0, "numa_hint_faults");
	assert_nodata(vs, 2, "pgmigrate_success");
	/* per-node NUMA allocation statistics */
	cr_assert_eq(get(vs, 0, "numa_hit"), 9876543);
	cr_assert_eq(get(vs, 2, "numa_miss"), 5221);
	cr_assert_eq(get(vs, 2, "numa_other"), 205721);
	/* a node the reading does not have */
	assert_nodata(vs, 7, "numa_hit");
	topo_vmstat_unref(vs);
	topo_ctx_unref(ctx);
}

Test(vmstat, kernel_6_12_counts_demotion_per_source_node)
{
	struct topo_ctx *ctx;
	struct topo_vmstat *vs = read_fixture("stat-6.12", &ctx);
	static const struct {
		const char *name;
		uint64_t v[3], machine;
	} want[] = {
		{"pgdemote_kswapd", {120345, 80111, 0}, 200456},
		{"pgdemote_direct", {2210, 45, 0}, 2255},
		{"pgdemote_khugepaged", {17, 3, 0}, 20},
		{"pgpromote_success", {20000, 13444, 0}, 33444},
		{"pgpromote_candidate", {30100, 21100, 0}, 51200},
		{"numa_hit", {9876543, 7654321, 200500}, 17731364},
		{"numa_foreign", {1234, 900, 0}, 2134},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_assert_eq(topo_vmstat_get_scope(vs, want[i].name), TOPO_VMSTAT_NODE, "%s",
			     want[i].name);
		for (int n = 0; n < 3; n++)
			cr_assert_eq(get(vs, n, want[i].name), want[i].v[n], "node %d %s", n,
				     want[i].name);
		cr_assert_eq(get(vs, -1, want[i].name), want[i].machine, "%s", want[i].name);
	}
	/* not yet on 6.12 */
	cr_assert_eq(topo_vmstat_get_scope(vs, "pgdemote_proactive"), TOPO_VMSTAT_ABSENT);
	cr_assert_eq(topo_vmstat_get_scope(vs, "pgpromote_candidate_nrl"), TOPO_VMSTAT_ABSENT);
	assert_nodata(vs, -1, "pgdemote_proactive");
	assert_nodata(vs, 0, "pgpromote_candidate_nrl");
	cr_assert_eq(get(vs, -1, "numa_pages_migrated"), 33500);
	cr_assert_eq(get(vs, -1, "numa_pte_updates"), 987654);
	topo_vmstat_unref(vs);
	topo_ctx_unref(ctx);
}

Test(vmstat, a_reading_reads_only_the_vmstat_files)
{
	char *root = fixture("stat-6.12");
	struct topo_ctx *ctx = ctx_for(root);
	free(root);
	topo_ctx_set_recording(ctx, true);
	struct topo_vmstat *vs = NULL;
	cr_assert_eq(topo_read_vmstat(ctx, &vs), 0);
	size_t n = topo_ctx_get_recorded_count(ctx);
	cr_assert_eq(n, 5, "proc/vmstat, the node directory and three node vmstat files");
	for (size_t i = 0; i < n; i++) {
		const char *p = topo_ctx_get_recorded_path(ctx, i);
		cr_assert(!strcmp(p, "sys/devices/system/node") ||
				  (strlen(p) > 6 && !strcmp(p + strlen(p) - 6, "vmstat")),
			  "%s", p);
	}
	topo_vmstat_unref(vs);
	topo_ctx_unref(ctx);
}

static void set_counter(const char *root, const char *file, const char *name, uint64_t value)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, file);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	char *out = NULL, line[256];
	size_t len = 0;
	FILE *o = open_memstream(&out, &len);
	size_t nl = strlen(name);
	bool found = false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, nl) && line[nl] == ' ') {
			fprintf(o, "%s %llu\n", name, (unsigned long long)value);
			found = true;
		} else {
			fputs(line, o);
		}
	}
	fclose(f);
	fclose(o);
	cr_assert(found, "%s has no %s", file, name);
	write_str(root, file, out);
	free(out);
}

#define NODE_VMSTAT(n) "sys/devices/system/node/node" #n "/vmstat"

Test(vmstat, two_readings_give_the_rate_per_second)
{
	char *src = fixture("stat-6.12");
	char *root = copy_tree(src);
	free(src);
	struct topo_ctx *ctx = ctx_for(root);
	struct topo_vmstat *a = NULL, *b = NULL;
	cr_assert_eq(topo_read_vmstat(ctx, &a), 0);

	/* two seconds of demotion from node 0 and promotion to node 1 */
	set_counter(root, NODE_VMSTAT(0), "pgdemote_kswapd", 120345 + 5000);
	set_counter(root, NODE_VMSTAT(0), "pgdemote_direct", 2210 + 3);
	set_counter(root, NODE_VMSTAT(1), "pgpromote_success", 13444 + 1000);
	set_counter(root, "proc/vmstat", "pgdemote_kswapd", 200456 + 5000);
	set_counter(root, "proc/vmstat", "numa_hint_faults", 456789 + 901);
	cr_assert_eq(topo_read_vmstat(ctx, &b), 0);

	double r = -1;
	cr_assert_eq(topo_vmstat_get_rate(a, b, 0, "pgdemote_kswapd", 2.0, &r), 0);
	cr_assert_float_eq(r, 2500.0, 1e-9);
	cr_assert_eq(topo_vmstat_get_rate(a, b, 0, "pgdemote_direct", 2.0, &r), 0);
	cr_assert_float_eq(r, 1.5, 1e-9);
	cr_assert_eq(topo_vmstat_get_rate(a, b, 1, "pgdemote_kswapd", 2.0, &r), 0);
	cr_assert_float_eq(r, 0.0, 1e-9);
	cr_assert_eq(topo_vmstat_get_rate(a, b, 1, "pgpromote_success", 2.0, &r), 0);
	cr_assert_float_eq(r, 500.0, 1e-9);
	cr_assert_eq(topo_vmstat_get_rate(a, b, -1, "pgdemote_kswapd", 2.0, &r), 0);
	cr_assert_float_eq(r, 2500.0, 1e-9);
	cr_assert_eq(topo_vmstat_get_rate(a, b, -1, "numa_hint_faults", 2.0, &r), 0);
	cr_assert_float_eq(r, 450.5, 1e-9);
	/* unavailable stays unavailable */
	cr_assert_eq(topo_vmstat_get_rate(a, b, 0, "numa_hint_faults", 2.0, &r), -ENODATA);
	cr_assert_eq(topo_vmstat_get_rate(a, b, 0, "pgdemote_proactive", 2.0, &r), -ENODATA);
	/* without a given time: the time between the readings */
	cr_assert_eq(topo_vmstat_get_rate(a, b, 0, "pgdemote_kswapd", 0, &r), 0);
	double secs = (double)(topo_vmstat_get_time_ns(b) - topo_vmstat_get_time_ns(a)) / 1e9;
	cr_assert_float_eq(r, 5000.0 / secs, 1e-6);
	/* a counter that went back: the node was removed and added again */
	cr_assert_eq(topo_vmstat_get_rate(b, a, 0, "pgdemote_kswapd", 2.0, &r), -ERANGE);

	topo_vmstat_unref(a);
	topo_vmstat_unref(b);
	topo_ctx_unref(ctx);
	remove_tree(root);
}

Test(vmstat, a_garbled_line_is_a_finding_and_the_rest_is_kept)
{
	char *src = fixture("stat-6.12");
	char *root = copy_tree(src);
	free(src);
	write_str(root, NODE_VMSTAT(1),
		  "numa_hit 7654321\npgdemote_kswapd 80x111\nthis is not a counter\n"
		  "pgdemote_direct 45\npgdemote_direct 46\npgdemote_khugepaged -3\n");
	struct topo_ctx *ctx = ctx_for(root);
	struct topo_vmstat *vs = NULL;
	cr_assert_eq(topo_read_vmstat(ctx, &vs), 0);
	cr_assert_eq(get(vs, 1, "numa_hit"), 7654321);
	cr_assert_eq(get(vs, 1, "pgdemote_direct"), 45, "the first of a repeated name counts");
	assert_nodata(vs, 1, "pgdemote_kswapd");
	assert_nodata(vs, 1, "pgdemote_khugepaged");
	cr_assert_eq(get(vs, 0, "pgdemote_kswapd"), 120345, "other nodes are untouched");

	size_t nf = topo_vmstat_get_finding_count(vs);
	cr_assert_eq(nf, 4);
	const struct topo_finding *f = topo_vmstat_get_finding(vs, 0);
	cr_assert_str_eq(topo_finding_get_id(f), "vmstat-garbled");
	cr_assert_str_eq(topo_finding_get_path(f), NODE_VMSTAT(1));
	cr_assert(strstr(topo_finding_get_message(f), "line 2 holds \"pgdemote_kswapd 80x111\""),
		  "%s", topo_finding_get_message(f));
	cr_assert_str_eq(topo_finding_get_id(topo_vmstat_get_finding(vs, 3)), "vmstat-duplicate");
	cr_assert_null(topo_vmstat_get_finding(vs, nf));
	topo_vmstat_unref(vs);
	topo_ctx_unref(ctx);
	remove_tree(root);
}

Test(vmstat, no_vmstat_file_at_all_is_enoent)
{
	char *root = fixture("sparse5");
	struct topo_ctx *ctx = ctx_for(root);
	free(root);
	struct topo_vmstat *vs = NULL;
	cr_assert_eq(topo_read_vmstat(ctx, &vs), -ENOENT);
	cr_assert_null(vs);
	cr_assert_eq(topo_read_vmstat(NULL, &vs), -EINVAL);
	cr_assert_eq(topo_vmstat_get(NULL, 0, "numa_hit", NULL), -EINVAL);
	cr_assert_null(topo_vmstat_unref(NULL));
	topo_ctx_unref(ctx);
}

Test(vmstat, only_proc_vmstat_gives_machine_wide_counters)
{
	char *src = fixture("stat-6.1");
	char *root = copy_tree(src);
	free(src);
	cr_assert_eq(run("rm -rf '%s/sys'", root), 0);
	struct topo_ctx *ctx = ctx_for(root);
	struct topo_vmstat *vs = NULL;
	cr_assert_eq(topo_read_vmstat(ctx, &vs), 0);
	cr_assert_eq(topo_vmstat_get_node_count(vs), 0);
	cr_assert_eq(get(vs, -1, "pgpromote_success"), 33444);
	cr_assert_eq(topo_vmstat_get_scope(vs, "pgpromote_success"), TOPO_VMSTAT_MACHINE);
	struct topo_vmstat *ref = topo_vmstat_ref(vs);
	cr_assert_eq(ref, vs);
	cr_assert_null(topo_vmstat_unref(ref));
	cr_assert_eq(get(vs, -1, "numa_hit"), 17731364, "still held by the first reference");
	topo_vmstat_unref(vs);
	topo_ctx_unref(ctx);
	remove_tree(root);
}

/* Rewrite FILE in place (same inode, as the kernel's counters change), NAME's value with as
 * many digits as before, so that the file keeps its length. */
static void set_in_place(const char *root, const char *file, const char *name, const char *value)
{
	char path[4096], buf[8192];
	snprintf(path, sizeof(path), "%s/%s", root, file);
	int fd = open(path, O_RDWR);
	cr_assert_geq(fd, 0, "%s", path);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	size_t nl = strlen(name);
	char *p = buf;
	while (p && (strncmp(p, name, nl) || p[nl] != ' '))
		p = (p = strchr(p, '\n')) ? p + 1 : NULL;
	cr_assert_not_null(p, "%s has no %s", file, name);
	char *v = p + nl + 1;
	cr_assert_eq(strcspn(v, "\n"), strlen(value), "%s: same number of digits", name);
	memcpy(v, value, strlen(value));
	cr_assert_eq(pwrite(fd, buf, (size_t)n, 0), n);
	close(fd);
}

Test(vmstat, a_reader_keeps_its_files_open_and_sees_nodes_come_and_go)
{
	char *src = fixture("stat-6.12");
	char *root = copy_tree(src);
	free(src);
	struct topo_ctx *ctx = ctx_for(root);
	topo_ctx_set_recording(ctx, true);
	struct topo_vmstat_reader *rd = NULL;
	cr_assert_eq(topo_vmstat_reader_new(ctx, &rd), 0);
	struct topo_vmstat *a = NULL, *b = NULL;
	cr_assert_eq(topo_vmstat_reader_read(rd, &a), 0);
	cr_assert_eq(topo_vmstat_get_node_count(a), 3);
	cr_assert_eq(topo_ctx_get_recorded_count(ctx), 5);

	/* the counters change in their files; node 2 goes away, node 3 comes (a copy of node 1's
	 * file: the same names in the same order, its own values) */
	set_in_place(root, NODE_VMSTAT(0), "pgdemote_kswapd", "125345");
	set_in_place(root, "proc/vmstat", "numa_hint_faults", "457690");
	char cmd[8192];
	snprintf(cmd, sizeof(cmd),
		 "cd '%s/sys/devices/system/node' && rm -r node2 && mkdir node3 && "
		 "sed 's/^pgpromote_success .*/pgpromote_success 777/' node1/vmstat >node3/vmstat",
		 root);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(topo_vmstat_reader_read(rd, &b), 0);

	cr_assert_eq(topo_vmstat_get_node_count(b), 3);
	cr_assert_eq(topo_vmstat_get_node_id(b, 0), 0);
	cr_assert_eq(topo_vmstat_get_node_id(b, 1), 1);
	cr_assert_eq(topo_vmstat_get_node_id(b, 2), 3);
	cr_assert_eq(get(b, 0, "pgdemote_kswapd"), 125345, "the kept file is read again");
	cr_assert_eq(get(b, -1, "numa_hint_faults"), 457690);
	cr_assert_eq(get(b, 1, "pgpromote_success"), 13444, "each node keeps its own values");
	cr_assert_eq(get(b, 3, "pgpromote_success"), 777);
	cr_assert_eq(get(b, 3, "pgdemote_kswapd"), get(a, 1, "pgdemote_kswapd"));
	assert_nodata(b, 2, "numa_hit");
	cr_assert_eq(topo_vmstat_get_finding_count(b), 0);
	/* only the directory and the new node's file were opened again */
	cr_assert_eq(topo_ctx_get_recorded_count(ctx), 7);
	cr_assert_str_eq(topo_ctx_get_recorded_path(ctx, 6), NODE_VMSTAT(3));

	/* a reading by topo_read_vmstat() sees the same */
	struct topo_vmstat *c = NULL;
	cr_assert_eq(topo_read_vmstat(ctx, &c), 0);
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(topo_vmstat_get_node_id(c, i), topo_vmstat_get_node_id(b, i));
	cr_assert_eq(get(c, 3, "pgpromote_success"), 777);
	topo_vmstat_unref(c);

	topo_vmstat_unref(a);
	topo_vmstat_unref(b);
	cr_assert_null(topo_vmstat_reader_free(rd));
	cr_assert_null(topo_vmstat_reader_free(NULL));
	cr_assert_eq(topo_vmstat_reader_new(NULL, &rd), -EINVAL);
	topo_ctx_unref(ctx);
	remove_tree(root);
}

Test(vmstat, a_reader_out_of_fds_gives_its_fds_back_and_keeps_reading)
{
	char *src = fixture("stat-6.12");
	char *root = copy_tree(src);
	free(src);
	struct topo_ctx *ctx = ctx_for(root);
	topo_ctx_set_recording(ctx, true);
	struct topo_vmstat_reader *rd = NULL;
	cr_assert_eq(topo_vmstat_reader_new(ctx, &rd), 0);
	struct topo_vmstat *a = NULL, *b = NULL, *c = NULL;
	cr_assert_eq(topo_vmstat_reader_read(rd, &a), 0);
	cr_assert_eq(topo_ctx_get_recorded_count(ctx), 5, "four files kept open");

	/* a new node, and the process left without a free fd: the node directory cannot be
	 * listed, nor node 3's file opened, unless the reader gives its four back */
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "cd '%s/sys/devices/system/node' && mkdir node3 && "
		 "cp node1/vmstat node3/vmstat", root);
	cr_assert_eq(system(cmd), 0);
	struct rlimit rl = {.rlim_cur = 256, .rlim_max = 256}; /* this test's worker only */
	struct rlimit was;
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &was), 0);
	if (was.rlim_max < rl.rlim_max)
		rl.rlim_cur = rl.rlim_max = was.rlim_max;
	rl.rlim_max = was.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	int spare[4096], n = 0;
	while (n < 4096 && (spare[n] = dup(0)) >= 0)
		n++;
	cr_assert_eq(errno, EMFILE);
	cr_assert_gt(n, 0);
	cr_assert_eq(topo_vmstat_reader_read(rd, &b), 0);
	cr_assert_eq(topo_vmstat_get_finding_count(b), 0, "%s",
		     topo_vmstat_get_finding_count(b)
			 ? topo_finding_get_message(topo_vmstat_get_finding(b, 0))
			 : "");
	cr_assert_eq(topo_vmstat_get_node_count(b), 4);
	cr_assert_eq(get(b, 3, "pgpromote_success"), 13444);
	cr_assert_eq(get(b, 0, "pgdemote_kswapd"), 120345);
	/* the four fds are back: the caller can open four files again */
	int back[4];
	for (int i = 0; i < 4; i++)
		cr_assert_geq(back[i] = dup(0), 0, "fd %d of 4: %s", i, strerror(errno));
	for (int i = 0; i < 4; i++)
		close(back[i]);
	while (n > 0)
		close(spare[--n]);
	/* from then on every file is opened at each reading, and closed after */
	size_t before = topo_ctx_get_recorded_count(ctx);
	cr_assert_eq(topo_vmstat_reader_read(rd, &c), 0);
	cr_assert_eq(topo_ctx_get_recorded_count(ctx), before + 6);
	cr_assert_eq(get(c, 3, "pgpromote_success"), 13444);

	topo_vmstat_unref(a);
	topo_vmstat_unref(b);
	topo_vmstat_unref(c);
	topo_vmstat_reader_free(rd);
	topo_ctx_unref(ctx);
	remove_tree(root);
}
