/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo metrics [-O FILE]: the machine's tiering as OpenMetrics text, for node_exporter's
 * textfile collector (one file per host, scraped with the rest of the host's metrics).
 *
 * One command rather than a --format on stat and check: a fleet wants the drift (check),
 * the counters (stat), the plan, the applied state and the knobs in one file written by one
 * timer, and a file the collector may read at any moment: -O writes it atomically (a
 * temporary file in the same directory, then rename()).
 *
 * Names follow OpenMetrics: tiertopo_ prefix, counters end in _total, a unit in the name
 * (and a # UNIT line) where there is one, info metrics for the labels of a node.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tiertopo.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum { OPT_OUTPUT_FILE = OPT_COMMAND };

static void usage(FILE *out)
{
	fputs("Usage: tiertopo metrics [options]\n"
	      "\n"
	      "Print the memory tiering of this machine as OpenMetrics text, for the textfile\n"
	      "collector of node_exporter: per node its kind, recommended and kernel tier and\n"
	      "demotion targets; the findings and drift of check; the applied state; the\n"
	      "tiering knobs; the demotion, promotion and NUMA counters per node; the versions.\n"
	      "The tiertopo-metrics.timer writes it every minute to\n"
	      "/var/lib/prometheus/node-exporter/tiertopo.prom.\n"
	      "\n"
	      "Options:\n"
	      " -O, --output-file <file>  write to <file> atomically (a temporary file in its\n"
	      "                       directory, then renamed over it); '-': standard output\n"
	      "                       (the default); -o <file> is the same\n"
	      "     --kernel-model V  the drift against kernel V's model, not the running one's\n"
	      " -s, --sysroot <dir>   read the machine below <dir>\n"
	      "     --acpi-dir <dir>  read ACPI tables from <dir>\n"
	      "     --config <file>   configuration (default <sysroot>/etc/tiertopo/tiertopo.conf)\n"
	      " -v, --verbose         say more\n"
	      " -h, --help            show this help\n"
	      "\n"
	      "Exit status: 0 written, 1 error, 2 usage error.\n",
	      out);
}

/* the counters of tiertopo stat: per node where the kernel keeps them per node, else for
 * the whole machine */
static const struct {
	const char *name, *help;
} counters[] = {
    {"pgdemote_kswapd", "pages demoted by kswapd"},
    {"pgdemote_direct", "pages demoted by direct or node reclaim"},
    {"pgdemote_khugepaged", "pages demoted by khugepaged"},
    {"pgdemote_proactive", "pages demoted by proactive reclaim"},
    {"pgpromote_success", "pages promoted"},
    {"pgpromote_candidate", "promotion candidates"},
    {"pgpromote_candidate_nrl", "promotion candidates that bypassed the rate limit"},
    {"pgmigrate_success", "pages migrated"},
    {"pgmigrate_fail", "pages that failed to migrate"},
    {"numa_hint_faults", "NUMA hinting faults"},
    {"numa_hint_faults_local", "NUMA hinting faults on the local node"},
    {"numa_pages_migrated", "pages migrated by NUMA balancing"},
    {"numa_pte_updates", "PTEs marked for NUMA hinting faults"},
    {"numa_hit", "allocations on the intended node"},
    {"numa_miss", "allocations on this node meant for another"},
    {"numa_foreign", "allocations meant for this node made on another"},
    {"numa_local", "allocations from a CPU of this node"},
    {"numa_other", "allocations from a CPU of another node"},
};

/* a label value: backslash, double quote and newline escaped (OpenMetrics ABNF) */
static void label(FILE *f, const char *name, const char *value, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *unit,
		   const char *help)
{
	fprintf(f, "# TYPE %s %s\n", name, type);
	if (unit)
		fprintf(f, "# UNIT %s %s\n", name, unit);
	fprintf(f, "# HELP %s %s\n", name, help);
}

static char *int_text(int64_t v)
{
	char *s = NULL;
	if (v >= 0 && asprintf(&s, "%" PRId64, v) < 0)
		s = NULL;
	return s;
}

/* a tier id as the kernel names it (u32: above INT_MAX for a negative abstract distance), or
 * a negative errno */
static int64_t tier_of(int r, uint32_t id)
{
	return r < 0 ? r : (int64_t)id;
}

struct metrics {
	const struct global_opts *g;
	struct session s;
	struct topo_check *check;
	struct topo_vmstat *vmstat;
	struct topo_plan *applied; /* the published state, or NULL */
	int state_error;	   /* 0, or why it could not be loaded */
};

static void versions(FILE *f, const struct metrics *m)
{
	family(f, "tiertopo_build", "info", NULL, "the tiertopo that wrote these metrics");
	fputs("tiertopo_build_info{", f);
	label(f, "version", PACKAGE_VERSION, true);
	fputs("} 1\n", f);
	family(f, "tiertopo_kernel", "info", NULL, "the kernel release (empty: unknown)");
	fputs("tiertopo_kernel_info{", f);
	label(f, "release", topo_get_kernel_release(m->s.topo), true);
	fputs("} 1\n", f);
}

static void nodes(FILE *f, const struct metrics *m)
{
	const struct topo *topo = m->s.topo;
	const struct topo_plan *plan = m->s.plan;
	family(f, "tiertopo_node", "info", NULL,
	       "a NUMA node: kind, recommended tier, kernel tier, recommended demotion targets "
	       "(empty: none or unknown)");
	for (size_t i = 0; i < topo_get_node_count(topo); i++) {
		const struct topo_node *n = topo_get_node_by_index(topo, i);
		int id = topo_node_get_id(n);
		const int *pref, *fall;
		size_t np = topo_plan_get_preferred(plan, id, &pref);
		size_t nf = topo_plan_get_fallback(plan, id, &fall);
		const unsigned int *cpus;
		size_t nc = topo_node_get_cpus(n, &cpus);
		uint32_t pt = 0, kt = 0;
		int rp = topo_plan_get_tier_id(plan, id, &pt);
		int rk = topo_node_get_kernel_tier_id(n, &kt);
		int64_t ptier = tier_of(rp, pt), ktier_id = tier_of(rk, kt);
		char *sid = int_text(id), *tier = int_text(ptier), *ktier = int_text(ktier_id),
		     *p = format_node_list(pref, np), *fb = format_node_list(fall, nf),
		     *c = format_list(cpus, nc);
		fputs("tiertopo_node_info{", f);
		label(f, "node", sid, true);
		label(f, "kind", topo_kind_to_string(topo_plan_get_kind(plan, id)), false);
		label(f, "tier", tier, false);
		label(f, "kernel_tier", ktier, false);
		label(f, "demotion_preferred", p, false);
		label(f, "demotion_fallback", fb, false);
		label(f, "cpus", c, false);
		fputs("} 1\n", f);
		free(sid), free(tier), free(ktier), free(p), free(fb), free(c);
	}
	family(f, "tiertopo_node_memory_bytes", "gauge", "bytes", "memory of the node (MemTotal)");
	for (size_t i = 0; i < topo_get_node_count(topo); i++) {
		const struct topo_node *n = topo_get_node_by_index(topo, i);
		uint64_t bytes;
		if (topo_node_get_mem_total(n, &bytes) == 0)
			fprintf(f, "tiertopo_node_memory_bytes{node=\"%d\"} %" PRIu64 "\n",
				topo_node_get_id(n), bytes);
	}
}

/* the kernel's tiers and targets differ from what the model of that very kernel predicts:
 * drift that no configuration or firmware figure tiertopo knows explains */
static bool unexplained(const char *id)
{
	return !strncmp(id, "drift-kernel-model-", strlen("drift-kernel-model-"));
}

static void drift(FILE *f, const struct metrics *m)
{
	family(f, "tiertopo_check_ran", "gauge", NULL,
	       "1 when the findings and drift below were computed; 0 when the kernel release is "
	       "not one the models know (see the service's log)");
	fprintf(f, "tiertopo_check_ran %d\n", m->check != NULL);
	if (!m->check)
		return;
	size_t n = topo_check_get_finding_count(m->check);
	family(f, "tiertopo_findings", "gauge", NULL,
	       "findings of tiertopo check, by id and severity (see tiertopo-findings(7))");
	size_t unexpl = 0;
	for (size_t i = 0; i < n; i++) {
		const struct topo_finding *x = topo_check_get_finding(m->check, i);
		const char *id = topo_finding_get_id(x);
		enum topo_severity sev = topo_finding_get_severity(x);
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++) {
			const struct topo_finding *y = topo_check_get_finding(m->check, j);
			seen = !strcmp(topo_finding_get_id(y), id) &&
			       topo_finding_get_severity(y) == sev;
		}
		if (unexplained(id))
			unexpl++;
		if (seen)
			continue;
		size_t count = 0;
		for (size_t j = i; j < n; j++) {
			const struct topo_finding *y = topo_check_get_finding(m->check, j);
			count += !strcmp(topo_finding_get_id(y), id) &&
				 topo_finding_get_severity(y) == sev;
		}
		fputs("tiertopo_findings{", f);
		label(f, "id", id, true);
		label(f, "severity", topo_severity_to_string(sev), false);
		fprintf(f, "} %zu\n", count);
	}
	family(f, "tiertopo_drift_unexplained", "gauge", NULL,
	       "drift findings where the kernel's tiers or demotion targets differ from the "
	       "model of that kernel (drift-kernel-model-*)");
	fprintf(f, "tiertopo_drift_unexplained %zu\n", unexpl);
	family(f, "tiertopo_check_problems", "gauge", NULL,
	       "findings at this severity or worse (error: what makes check exit 3)");
	fprintf(f, "tiertopo_check_problems{severity=\"error\"} %zu\n",
		topo_check_count(m->check, TOPO_SEVERITY_ERROR));
	fprintf(f, "tiertopo_check_problems{severity=\"warning\"} %zu\n",
		topo_check_count(m->check, TOPO_SEVERITY_WARNING));
}

static bool same_nodes(const int *a, size_t na, const int *b, size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

/* the applied plan has the recommended tiers, with the same nodes, and the same targets */
static bool plans_equal(const struct topo_plan *a, const struct topo_plan *b)
{
	size_t n = topo_plan_get_tier_count(a);
	if (n != topo_plan_get_tier_count(b))
		return false;
	for (size_t i = 0; i < n; i++) {
		int ida, idb;
		unsigned int sa, sb;
		const int *na, *nb;
		size_t ca, cb;
		if (topo_plan_get_tier_info(a, i, &ida, &sa, &na, &ca) < 0 ||
		    topo_plan_get_tier_info(b, i, &idb, &sb, &nb, &cb) < 0 || ida != idb ||
		    !same_nodes(na, ca, nb, cb))
			return false;
		for (size_t k = 0; k < ca; k++) {
			const int *pa, *pb;
			size_t la = topo_plan_get_preferred(a, na[k], &pa);
			size_t lb = topo_plan_get_preferred(b, na[k], &pb);
			if (!same_nodes(pa, la, pb, lb))
				return false;
			la = topo_plan_get_fallback(a, na[k], &pa);
			lb = topo_plan_get_fallback(b, na[k], &pb);
			if (!same_nodes(pa, la, pb, lb))
				return false;
		}
	}
	return true;
}

static void state(FILE *f, const struct metrics *m)
{
	family(f, "tiertopo_state_loaded", "gauge", NULL,
	       "1 when the published state (run/tiertopo/state.json) was read, 0 when absent "
	       "or unreadable");
	fprintf(f, "tiertopo_state_loaded %d\n", m->applied != NULL);
	if (m->applied) {
		family(f, "tiertopo_applied_matches_recommended", "gauge", NULL,
		       "1 when the applied plan (the state file) has the tiers and demotion "
		       "targets tiertopo recommends now, 0 when apply would change them");
		fprintf(f, "tiertopo_applied_matches_recommended %d\n",
			plans_equal(m->applied, m->s.plan));
	}
	/* the state file is rewritten only when the plan or a knob changes: its time is that
	 * of the last apply that changed something */
	int root = open(m->g->sysroot ? m->g->sysroot : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (root >= 0 && fstatat(root, "run/tiertopo/state.json", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode)) {
		family(f, "tiertopo_state_modified_timestamp_seconds", "gauge", "seconds",
		       "when the last apply that changed something published the state file");
		fprintf(f, "tiertopo_state_modified_timestamp_seconds %lld.%03ld\n",
			(long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec / 1000000);
	}
	if (root >= 0)
		close(root);
}

static void knobs(FILE *f, const struct metrics *m)
{
	bool on;
	int mode;
	uint64_t mbps;
	if (topo_get_demotion_enabled(m->s.topo, &on) == 0) {
		family(f, "tiertopo_demotion_enabled", "gauge", NULL,
		       "sys/kernel/mm/numa/demotion_enabled (absent: no such file)");
		fprintf(f, "tiertopo_demotion_enabled %d\n", on);
	}
	if (topo_get_numa_balancing(m->s.topo, &mode) == 0) {
		family(f, "tiertopo_numa_balancing_mode", "gauge", NULL,
		       "kernel.numa_balancing: 0 off, 1 normal, 2 memory tiering, 3 both");
		fprintf(f, "tiertopo_numa_balancing_mode %d\n", mode);
	}
	if (topo_get_promote_rate_limit(m->s.topo, &mbps) == 0) {
		family(f, "tiertopo_promote_rate_limit_bytes_per_second", "gauge",
		       "bytes_per_second", "kernel.numa_balancing_promote_rate_limit_MBps");
		fprintf(f, "tiertopo_promote_rate_limit_bytes_per_second %" PRIu64 "\n",
			mbps * 1048576);
	}
	family(f, "tiertopo_has_demotion", "gauge", NULL,
	       "1 when the recommended plan has a demotion target");
	fprintf(f, "tiertopo_has_demotion %d\n", topo_plan_has_demotion(m->s.plan));
}

static void vmstat(FILE *f, const struct metrics *m)
{
	const struct topo_vmstat *vs = m->vmstat;
	if (!vs)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(counters); i++) {
		const char *name = counters[i].name;
		enum topo_vmstat_scope scope = topo_vmstat_get_scope(vs, name);
		char fam[128], help[256];
		if (scope == TOPO_VMSTAT_NODE) {
			snprintf(fam, sizeof(fam), "tiertopo_node_%s", name);
			snprintf(help, sizeof(help), "%s of the node (nodeN/vmstat %s)",
				 counters[i].help, name);
			family(f, fam, "counter", NULL, help);
			for (size_t k = 0; k < topo_vmstat_get_node_count(vs); k++) {
				int node = topo_vmstat_get_node_id(vs, k);
				uint64_t v;
				if (topo_vmstat_get(vs, node, name, &v) == 0)
					fprintf(f, "%s_total{node=\"%d\"} %" PRIu64 "\n", fam, node,
						v);
			}
		} else if (scope == TOPO_VMSTAT_MACHINE) {
			uint64_t v;
			if (topo_vmstat_get(vs, -1, name, &v) < 0)
				continue;
			snprintf(fam, sizeof(fam), "tiertopo_machine_%s", name);
			snprintf(help, sizeof(help),
				 "%s, whole machine: this kernel does not count it per node "
				 "(proc/vmstat %s)",
				 counters[i].help, name);
			family(f, fam, "counter", NULL, help);
			fprintf(f, "%s_total %" PRIu64 "\n", fam, v);
		}
	}
}

/*
 * Write @data to @path atomically: a new file (O_EXCL, O_NOFOLLOW: never through a link a
 * user of the directory planted) in the same directory, synced, then renamed over @path. The
 * collector sees the old file or the new one, never half of one; the temporary name does not
 * end in .prom, so the collector never reads it.
 */
static int write_atomic(const char *path, const char *data, size_t len)
{
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	char *slash = strrchr(copy, '/');
	const char *dir = slash ? (slash == copy ? "/" : copy) : ".";
	const char *base = slash ? slash + 1 : copy;
	if (slash)
		*slash = '\0';
	int r = 0;
	char tmp[256];
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..") ||
	    snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", base, (int)getpid()) >= (int)sizeof(tmp)) {
		free(copy);
		return -EINVAL;
	}
	/* root writes here: not through a directory that is a link (its parent may belong to
	 * another user: /var/lib/prometheus is prometheus's), nor into one that others may
	 * write without the sticky bit (they could rename our file away or replace it) */
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		r = errno == ENOTDIR ? -ELOOP : -errno;
		free(copy);
		return r;
	}
	struct stat st;
	if (fstat(dfd, &st) < 0 || ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))) {
		close(dfd);
		free(copy);
		return -EKEYREJECTED;
	}
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) { /* left by a killed run of the same pid: ours */
		unlinkat(dfd, tmp, 0);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	}
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	/* world-readable whatever the umask: node_exporter runs as its own user */
	if (fchmod(fd, 0644) < 0)
		r = -errno;
	for (size_t o = 0; !r && o < len;) {
		ssize_t k = write(fd, data + o, len - o);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			r = -errno;
		else
			o += (size_t)k;
	}
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && renameat(dfd, tmp, dfd, base) < 0)
		r = -errno;
	if (r)
		unlinkat(dfd, tmp, 0);
out:
	close(dfd);
	free(copy);
	return r;
}

struct metrics_opts {
	const char *output;
	const char *model;
};

static int metrics_opt(void *data, int c, const char *arg)
{
	struct metrics_opts *o = data;
	if (c == 'O' || c == 'o' || c == OPT_OUTPUT_FILE)
		o->output = arg;
	else if (c == OPT_KERNEL_MODEL)
		o->model = arg;
	else
		return -1;
	return 0;
}

int cmd_metrics(struct global_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
	    GLOBAL_LONGOPTS,
	    {"output-file", required_argument, NULL, OPT_OUTPUT_FILE},
	    {"kernel-model", required_argument, NULL, OPT_KERNEL_MODEL},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct command cmd = {"metrics", "s:vo:O:h", longopts, usage, false};
	struct metrics_opts o = {.model = g->kernel_model};
	int r = parse_options(&cmd, g, NULL, argc, argv, metrics_opt, &o);
	if (r != OPTIONS_PARSED)
		return r;
	if (g->json) {
		fprintf(stderr, "tiertopo: metrics: --json cannot be used: the output is "
				"OpenMetrics text\n");
		return EXIT_USAGE;
	}
	bool to_stdout = !o.output || !strcmp(o.output, "-");

	struct metrics m = {.g = g};
	r = session_open(&m.s, g, false);
	if (r)
		return r;
	r = session_plan(&m.s, "metrics");
	if (r)
		goto out;
	const char *model = o.model ? o.model : topo_config_get_kernel_model(m.s.config);
	if (model && (!strcmp(model, "running") || !strcmp(model, "auto")))
		model = NULL;
	int k = topo_check_new(m.s.topo, model, topo_config_get_plan_opts(m.s.config), &m.check);
	if (k < 0 && model) {
		fprintf(stderr, "tiertopo: metrics: %s\n", strerror(-k));
		r = k == -EINVAL ? EXIT_USAGE : EXIT_ERROR;
		goto out;
	}
	/* the running kernel's release unreadable to the models: the rest is still worth
	 * writing (a timer that stops writing hides everything); tiertopo_check_ran says so */
	if (k < 0)
		fprintf(stderr, "tiertopo: metrics: no drift: %s\n", strerror(-k));
	k = topo_read_vmstat(m.s.ctx, &m.vmstat);
	if (k < 0 && k != -ENOENT) /* no vmstat files: no counters, the rest stands */
		fprintf(stderr, "tiertopo: metrics: cannot read the vmstat counters: %s\n",
			strerror(-k));
	m.state_error = topo_plan_load(m.s.ctx, NULL, &m.applied);
	if (m.state_error < 0 && m.state_error != -ENOENT && g->verbose)
		fprintf(stderr, "tiertopo: metrics: state file: %s\n", topo_strerror(m.state_error));

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		r = EXIT_ERROR;
		goto out;
	}
	versions(f, &m);
	nodes(f, &m);
	drift(f, &m);
	state(f, &m);
	knobs(f, &m);
	vmstat(f, &m);
	fputs("# EOF\n", f);
	if (fclose(f) != 0) {
		free(text);
		r = EXIT_ERROR;
		goto out;
	}
	if (to_stdout) {
		r = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? EXIT_OK
									   : EXIT_ERROR;
	} else {
		k = write_atomic(o.output, text, len);
		if (k < 0)
			fprintf(stderr, "tiertopo: metrics: cannot write %s: %s\n", o.output,
				k == -EKEYREJECTED ? "refused: its directory is writable by "
						     "group or others (and not sticky)"
						   : topo_strerror(k));
		r = k < 0 ? EXIT_ERROR : EXIT_OK;
	}
	free(text);
out:
	topo_plan_unref(m.applied);
	topo_vmstat_unref(m.vmstat);
	topo_check_unref(m.check);
	session_close(&m.s);
	return r;
}
