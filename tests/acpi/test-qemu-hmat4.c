/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Exact values on a real QEMU capture (shared/qemu-lab/tables/hmat4): what libtopo reads from
 * the SRAT/SLIT/HMAT/NFIT QEMU built must be what the QEMU command line asked for
 * (linux-6.12/qemu.cmd, parsed here), and the HMAT values normalised like Linux must be what
 * that kernel published in sysfs (linux-6.12/state-boot.txt).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"
#include "oracle.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)
#define MAX_ARGS 256

static char *dir;
static char *args[MAX_ARGS]; /* the -numa / -object / -device / -m values, commas unescaped */
static char *opts[MAX_ARGS]; /* the option each value belongs to */
static size_t n_args;

static void load_cmd(void)
{
	const char *shared = shared_dir();
	char *path;
	size_t len;

	cr_assert(asprintf(&dir, "%s/qemu-lab/tables/hmat4", shared ? shared : "") > 0);
	cr_assert(asprintf(&path, "%s/linux-6.12/qemu.cmd", dir) > 0);
	char *text = (char *)read_file(path, &len);
	if (!shared || !text)
		cr_skip_test(
		    "QEMU capture not found: folder %s is absent (meson option shared_dir)", dir);
	free(path);
	text = realloc(text, len + 1);
	text[len] = '\0';

	/* words are separated by unescaped spaces; "\," and "\ " stand for "," and " " */
	char *word = NULL, *prev = NULL;
	size_t wl = 0;
	for (size_t i = 0; i <= len; i++) {
		char c = text[i];
		if (c == '\\' && i + 1 < len) {
			c = text[++i];
		} else if (c == ' ' || c == '\n' || c == '\0') {
			if (!word)
				continue;
			word[wl] = '\0';
			if (prev && prev[0] == '-' && word[0] != '-' && n_args < MAX_ARGS) {
				opts[n_args] = prev;
				args[n_args++] = word;
				prev = NULL;
			} else {
				free(prev);
				prev = word;
			}
			word = NULL;
			wl = 0;
			continue;
		}
		if (!word)
			word = calloc(1, len + 1);
		word[wl++] = c;
	}
	free(prev);
	free(text);
}

static void unload(void)
{
	for (size_t i = 0; i < n_args; i++) {
		free(args[i]);
		free(opts[i]);
	}
	n_args = 0;
	free(dir);
}

/* Value of key=... in a "kind,key=value,..." argument, or NULL. */
static const char *kv(const char *arg, const char *key, char *buf, size_t n)
{
	size_t kl = strlen(key);

	for (const char *p = arg; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t vl = strcspn(p + kl + 1, ",");
			snprintf(buf, n, "%.*s", (int)vl, p + kl + 1);
			return buf;
		}
	}
	return NULL;
}

static uint64_t size_of(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'K':
		return v * KiB;
	case 'M':
		return v * MiB;
	case 'G':
		return v * GiB;
	case 'T':
		return v * 1024 * GiB;
	default:
		return v;
	}
}

static bool is(size_t i, const char *opt, const char *kind)
{
	return !strcmp(opts[i], opt) && !strncmp(args[i], kind, strlen(kind)) &&
	       (args[i][strlen(kind)] == ',' || args[i][strlen(kind)] == '\0');
}

static uint8_t *table(const char *name, size_t *len)
{
	char *p;

	cr_assert(asprintf(&p, "%s/%s.dat", dir, name) > 0);
	uint8_t *b = read_file(p, len);
	cr_assert(b, "cannot read %s", p);
	free(p);
	return b;
}

/* Size of the memory backend @id. */
static uint64_t backend_size(const char *id)
{
	char v[64], s[64];

	for (size_t i = 0; i < n_args; i++)
		if (!strcmp(opts[i], "-object") && kv(args[i], "id", v, sizeof(v)) &&
		    !strcmp(v, id) && kv(args[i], "size", s, sizeof(s)))
			return size_of(s);
	cr_assert_fail("no backend %s", id);
	return 0;
}

TestSuite(qemu_hmat4, .init = load_cmd, .fini = unload);

Test(qemu_hmat4, srat_memory_per_pxm_is_what_qemu_was_given)
{
	size_t len;
	uint8_t *b = table("SRAT", &len);
	struct findings f = {0};
	struct acpi_srat s;
	char v[64], m[64];
	size_t nodes = 0;

	cr_assert_eq(acpi_parse_srat(b, len, "SRAT", &s, &f), 0);
	for (size_t i = 0; i < n_args; i++) {
		if (!is(i, "-numa", "node"))
			continue;
		uint32_t pxm = (uint32_t)strtoul(kv(args[i], "nodeid", v, sizeof(v)), NULL, 10);
		uint64_t want = kv(args[i], "memdev", m, sizeof(m)) ? backend_size(m) : 0;
		uint64_t got = 0;

		for (size_t k = 0; k < s.n_mems; k++)
			if (s.mems[k].pxm == pxm && s.mems[k].flags == ACPI_SRAT_ENABLED)
				got += s.mems[k].length;
		/* QEMU leaves the legacy VGA/BIOS hole 640 KiB - 1 MiB out of the first node */
		if (pxm == 0)
			want -= 1 * MiB - 640 * KiB;
		cr_expect_eq(got, want, "PXM %u: %llu bytes of plain RAM, qemu gave %llu", pxm,
			     (unsigned long long)got, (unsigned long long)want);
		nodes++;
	}
	cr_assert_eq(nodes, 4);

	/* the NVDIMM: one Enabled|Non-Volatile range of the backend's size on its node */
	for (size_t i = 0; i < n_args; i++) {
		if (!is(i, "-device", "nvdimm"))
			continue;
		uint32_t pxm = (uint32_t)strtoul(kv(args[i], "node", v, sizeof(v)), NULL, 10);
		uint64_t want = backend_size(kv(args[i], "memdev", m, sizeof(m)));
		size_t found = 0;

		for (size_t k = 0; k < s.n_mems; k++)
			if (s.mems[k].nonvolatile) {
				cr_expect_eq(s.mems[k].pxm, pxm);
				cr_expect_eq(s.mems[k].length, want);
				cr_expect_eq(s.mems[k].flags,
					     ACPI_SRAT_ENABLED | ACPI_SRAT_MEM_NON_VOLATILE);
				found++;
			}
		cr_expect_eq(found, 1);
	}

	/*
	 * the hot-plug window: Enabled|Hot-Pluggable, on the last node, sized
	 * maxmem - mem plus 1 GiB of alignment per slot (QEMU's device memory region)
	 */
	for (size_t i = 0; i < n_args; i++) {
		if (strcmp(opts[i], "-m"))
			continue;
		char sl[16], mx[16];
		uint64_t want = size_of(kv(args[i], "maxmem", mx, sizeof(mx))) - size_of(args[i]) +
				strtoull(kv(args[i], "slots", sl, sizeof(sl)), NULL, 10) * GiB;
		size_t found = 0;

		for (size_t k = 0; k < s.n_mems; k++)
			if (s.mems[k].hotplug) {
				cr_expect_eq(s.mems[k].flags,
					     ACPI_SRAT_ENABLED | ACPI_SRAT_MEM_HOT_PLUGGABLE);
				cr_expect_eq(s.mems[k].length, want);
				cr_expect_eq(s.mems[k].pxm, 3);
				cr_expect_eq(s.mems[k].base, 4 * GiB);
				found++;
			}
		cr_expect_eq(found, 1);
	}
	acpi_srat_free(&s);
	findings_clear(&f);
	free(b);
}

Test(qemu_hmat4, srat_cpus_sit_on_their_numa_cpu_node)
{
	size_t len;
	uint8_t *b = table("SRAT", &len);
	struct findings f = {0};
	struct acpi_srat s;
	char v[16], w[16];
	size_t checked = 0;

	cr_assert_eq(acpi_parse_srat(b, len, "SRAT", &s, &f), 0);
	for (size_t i = 0; i < n_args; i++) {
		if (!is(i, "-numa", "cpu"))
			continue;
		uint32_t node = (uint32_t)strtoul(kv(args[i], "node-id", v, sizeof(v)), NULL, 10);
		/* one core, one thread per socket: APIC id == socket id */
		uint32_t apic = (uint32_t)strtoul(kv(args[i], "socket-id", w, sizeof(w)), NULL, 10);
		size_t found = 0;

		for (size_t k = 0; k < s.n_cpus; k++)
			if (s.cpus[k].type == ACPI_SRAT_CPU_APIC && s.cpus[k].id == apic) {
				cr_expect_eq(s.cpus[k].pxm, node, "APIC %u", apic);
				cr_expect(s.cpus[k].enabled);
				found++;
			}
		cr_expect_eq(found, 1, "APIC %u", apic);
		checked++;
	}
	cr_assert_eq(checked, 2);
	acpi_srat_free(&s);
	findings_clear(&f);
	free(b);
}

Test(qemu_hmat4, slit_is_the_numa_dist_matrix)
{
	size_t len;
	uint8_t *b = table("SLIT", &len);
	struct findings f = {0};
	struct acpi_slit s;
	char a[8], c[8], d[8];
	size_t checked = 0;

	cr_assert_eq(acpi_parse_slit(b, len, "SLIT", &s, &f), 0);
	cr_assert_eq(s.localities, 4);
	for (size_t i = 0; i < n_args; i++) {
		if (!is(i, "-numa", "dist"))
			continue;
		unsigned src = (unsigned)atoi(kv(args[i], "src", a, sizeof(a)));
		unsigned dst = (unsigned)atoi(kv(args[i], "dst", c, sizeof(c)));
		unsigned val = (unsigned)atoi(kv(args[i], "val", d, sizeof(d)));

		/* QEMU mirrors a one-way -numa dist */
		cr_expect_eq(acpi_slit_distance(&s, src, dst), val);
		cr_expect_eq(acpi_slit_distance(&s, dst, src), val);
		checked++;
	}
	for (unsigned i = 0; i < 4; i++)
		cr_expect_eq(acpi_slit_distance(&s, i, i), 10);
	cr_assert_eq(checked, 6);
	acpi_slit_free(&s);
	findings_clear(&f);
	free(b);
}

/* Normalised value of (initiator, target) in the memory-hierarchy SLLBI of @type. */
static int hmat_value(const struct acpi_hmat *h, uint8_t type, uint32_t ini, uint32_t tgt,
		      uint32_t *value)
{
	for (size_t i = 0; i < h->n_locality; i++) {
		const struct acpi_hmat_locality *l = &h->locality[i];

		if (l->hierarchy != 0 || l->data_type != type)
			continue;
		for (uint32_t a = 0; a < l->n_initiators; a++)
			for (uint32_t t = 0; t < l->n_targets; t++)
				if (l->initiators[a] == ini && l->targets[t] == tgt)
					return acpi_hmat_normalize(acpi_hmat_entry(l, a, t),
								   l->entry_base_unit, h->revision,
								   type, value);
	}
	return -1;
}

Test(qemu_hmat4, hmat_latency_and_bandwidth_are_the_hmat_lb_values)
{
	size_t len;
	uint8_t *b = table("HMAT", &len);
	struct findings f = {0};
	struct acpi_hmat h;
	char ini[8], tgt[8], dt[32], val[32];
	size_t checked = 0;

	cr_assert_eq(acpi_parse_hmat(b, len, "HMAT", &h, &f), 0);
	cr_assert_eq(h.revision, 2);
	for (size_t i = 0; i < n_args; i++) {
		if (!is(i, "-numa", "hmat-lb"))
			continue;
		uint32_t a = (uint32_t)atoi(kv(args[i], "initiator", ini, sizeof(ini)));
		uint32_t t = (uint32_t)atoi(kv(args[i], "target", tgt, sizeof(tgt)));
		uint32_t got = 0, want;
		int r;

		kv(args[i], "data-type", dt, sizeof(dt));
		if (!strcmp(dt, "access-latency")) {
			/* latency=N is in ns */
			want = (uint32_t)atoi(kv(args[i], "latency", val, sizeof(val)));
			r = hmat_value(&h, ACPI_HMAT_ACCESS_LATENCY, a, t, &got);
		} else {
			cr_assert_str_eq(dt, "access-bandwidth");
			/* bandwidth=20G is 20 GiB/s; the kernel shows it as 20480 (MiB/s) */
			want =
			    (uint32_t)(size_of(kv(args[i], "bandwidth", val, sizeof(val))) / MiB);
			r = hmat_value(&h, ACPI_HMAT_ACCESS_BANDWIDTH, a, t, &got);
		}
		cr_expect_eq(r, 0, "%s %u->%u missing", dt, a, t);
		cr_expect_eq(got, want, "%s %u->%u: %u, qemu asked %u", dt, a, t, got, want);
		checked++;
	}
	cr_assert_eq(checked, 16);
	acpi_hmat_free(&h);
	findings_clear(&f);
	free(b);
}

Test(qemu_hmat4, hmat_attaches_each_memory_node_to_its_initiator)
{
	size_t len;
	uint8_t *b = table("HMAT", &len);
	struct findings f = {0};
	struct acpi_hmat h;
	char v[8], w[8];

	cr_assert_eq(acpi_parse_hmat(b, len, "HMAT", &h, &f), 0);
	cr_assert_eq(h.n_proximity, 4);
	for (size_t i = 0; i < n_args; i++) {
		if (!is(i, "-numa", "node"))
			continue;
		uint32_t node = (uint32_t)atoi(kv(args[i], "nodeid", v, sizeof(v)));
		/* initiator=X, or the node itself when it has CPUs (nodes 0 and 1 here) */
		uint32_t want = kv(args[i], "initiator", w, sizeof(w)) ? (uint32_t)atoi(w) : node;

		for (size_t k = 0; k < h.n_proximity; k++) {
			if (h.proximity[k].memory_pd != node)
				continue;
			cr_expect(h.proximity[k].flags & ACPI_HMAT_INITIATOR_PD_VALID);
			cr_expect_eq(h.proximity[k].initiator_pd, want, "node %u", node);
		}
	}
	acpi_hmat_free(&h);
	findings_clear(&f);
	free(b);
}

Test(qemu_hmat4, hmat_cache_is_the_hmat_cache_option)
{
	size_t len;
	uint8_t *b = table("HMAT", &len);
	struct findings f = {0};
	struct acpi_hmat h;
	char v[32];
	size_t checked = 0;

	cr_assert_eq(acpi_parse_hmat(b, len, "HMAT", &h, &f), 0);
	for (size_t i = 0; i < n_args; i++) {
		if (!is(i, "-numa", "hmat-cache"))
			continue;
		cr_assert_eq(h.n_caches, 1);
		const struct acpi_hmat_cache *c = &h.caches[0];
		cr_expect_eq(c->memory_pd, (uint32_t)atoi(kv(args[i], "node-id", v, sizeof(v))));
		cr_expect_eq(c->size, size_of(kv(args[i], "size", v, sizeof(v))));
		cr_expect_eq(c->level, atoi(kv(args[i], "level", v, sizeof(v))));
		cr_expect_eq(c->line_size, atoi(kv(args[i], "line", v, sizeof(v))));
		cr_expect_str_eq(kv(args[i], "associativity", v, sizeof(v)), "direct");
		cr_expect_eq(c->associativity, 1, "ACPI: 1 = direct mapped");
		cr_expect_str_eq(kv(args[i], "policy", v, sizeof(v)), "write-back");
		cr_expect_eq(c->write_policy, 1, "ACPI: 1 = write-back");
		cr_expect_eq(c->total_levels, 1);
		checked++;
	}
	cr_assert_eq(checked, 1);
	acpi_hmat_free(&h);
	findings_clear(&f);
	free(b);
}

Test(qemu_hmat4, nfit_spa_range_is_the_nvdimm)
{
	size_t len;
	uint8_t *b = table("NFIT", &len);
	struct findings f = {0};
	struct acpi_nfit n;
	char v[32], m[32];

	cr_assert_eq(acpi_parse_nfit(b, len, "NFIT", &n, &f), 0);
	cr_assert_eq(n.n_spa, 1);
	for (size_t i = 0; i < n_args; i++) {
		if (!is(i, "-device", "nvdimm"))
			continue;
		cr_expect_eq(n.spa[0].range_type, ACPI_NFIT_RANGE_PERSISTENT);
		cr_expect(n.spa[0].proximity_valid);
		cr_expect_eq(n.spa[0].pxm, (uint32_t)atoi(kv(args[i], "node", v, sizeof(v))));
		cr_expect_eq(n.spa[0].length, backend_size(kv(args[i], "memdev", m, sizeof(m))));
	}
	acpi_nfit_free(&n);
	findings_clear(&f);
	free(b);
}

/* The kernel's access0 files: libtopo's normalisation must give the same numbers. */
Test(qemu_hmat4, normalised_values_equal_the_kernel_access0_files)
{
	size_t len, slen;
	uint8_t *b = table("HMAT", &len);
	char *p;
	struct findings f = {0};
	struct acpi_hmat h;
	size_t checked = 0;

	cr_assert(asprintf(&p, "%s/linux-6.12/state-boot.txt", dir) > 0);
	char *state = (char *)read_file(p, &slen);
	cr_assert(state, "cannot read %s", p);
	state = realloc(state, slen + 1);
	state[slen] = '\0';
	cr_assert_eq(acpi_parse_hmat(b, len, "HMAT", &h, &f), 0);

	for (unsigned node = 0; node < 4; node++) {
		char key[128], *line;
		unsigned ini;

		/* PXM == node id here: QEMU numbers PXMs by nodeid, Linux maps them in order */
		snprintf(key, sizeof(key), "/node%u/access0/initiators: node", node);
		line = strstr(state, key);
		if (!line)
			continue; /* offline node: no access files */
		cr_assert_eq(sscanf(line + strlen(key), "%u", &ini), 1);

		static const struct {
			const char *file;
			uint8_t type;
		} files[] = {{"read_latency", ACPI_HMAT_ACCESS_LATENCY},
			     {"write_latency", ACPI_HMAT_ACCESS_LATENCY},
			     {"read_bandwidth", ACPI_HMAT_ACCESS_BANDWIDTH},
			     {"write_bandwidth", ACPI_HMAT_ACCESS_BANDWIDTH}};
		for (size_t k = 0; k < 4; k++) {
			unsigned want;
			uint32_t got = 0;

			snprintf(key, sizeof(key), "/node%u/access0/initiators/%s=", node,
				 files[k].file);
			line = strstr(state, key);
			cr_assert(line, "%s missing", key);
			cr_assert_eq(sscanf(line + strlen(key), "%u", &want), 1);
			cr_expect_eq(hmat_value(&h, files[k].type, ini, node, &got), 0);
			cr_expect_eq(got, want, "node%u %s: libtopo %u, kernel %u", node,
				     files[k].file, got, want);
			checked++;
		}
	}
	cr_assert_geq(checked, 12, "only %zu kernel values compared", checked);
	acpi_hmat_free(&h);
	findings_clear(&f);
	free(state);
	free(p);
	free(b);
}
