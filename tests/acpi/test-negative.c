/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Negative tests: each broken fixture (a good iasl-built table with one named mutation, see
 * tests/acpi/mutate.c and fixtures/acpi/meson.build) yields the finding it is about, with the
 * severity and the accept/reject verdict Linux would give, while the good table it was made
 * from does not. Plus: good tables are clean, every truncation of them is handled, and the
 * libFuzzer crashers in fixtures/acpi/crashers/ parse without crashing.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"
#include "oracle.h"

enum kind { SRAT, SLIT, HMAT, CEDT, NFIT, HMAT_X_SRAT };

/* Parse @buf as @kind, return the parser's result; findings go to @f. */
static int parse(enum kind kind, const uint8_t *buf, size_t len, const char *origin,
		 struct findings *f)
{
	int r;

	switch (kind) {
	case SRAT: {
		struct acpi_srat s;
		r = acpi_parse_srat(buf, len, origin, &s, f);
		acpi_srat_free(&s);
		return r;
	}
	case SLIT: {
		struct acpi_slit s;
		r = acpi_parse_slit(buf, len, origin, &s, f);
		acpi_slit_free(&s);
		return r;
	}
	case HMAT: {
		struct acpi_hmat h;
		r = acpi_parse_hmat(buf, len, origin, &h, f);
		acpi_hmat_free(&h);
		return r;
	}
	case CEDT: {
		struct acpi_cedt c;
		r = acpi_parse_cedt(buf, len, origin, &c, f);
		acpi_cedt_free(&c);
		return r;
	}
	case NFIT: {
		struct acpi_nfit n;
		r = acpi_parse_nfit(buf, len, origin, &n, f);
		acpi_nfit_free(&n);
		return r;
	}
	default: { /* the HMAT checked against the 4-node SRAT */
		struct acpi_hmat h;
		struct acpi_srat s;
		struct findings ignore = {0};
		char *sp = fixture_path("srat-4node.aml");
		size_t slen;
		uint8_t *sb = read_file(sp, &slen);

		cr_assert(sb);
		cr_assert_eq(acpi_parse_srat(sb, slen, sp, &s, &ignore), 0);
		r = acpi_parse_hmat(buf, len, origin, &h, f);
		if (r == 0)
			r = acpi_hmat_check_srat(&h, &s, origin, f);
		acpi_hmat_free(&h);
		acpi_srat_free(&s);
		findings_clear(&ignore);
		free(sb);
		free(sp);
		return r;
	}
	}
}

static enum topo_severity worst_of(const struct findings *f, const char *id)
{
	enum topo_severity s = TOPO_SEVERITY_INFO;

	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].id, id) && f->v[i].severity > s)
			s = f->v[i].severity;
	return s;
}

struct broken {
	const char *name; /* broken-<name>.dat */
	const char *from; /* the good fixture it was made from */
	enum kind kind;
	const char *ids[3];	     /* findings that must appear */
	enum topo_severity severity; /* of ids[0] */
	int rc;			     /* 0 or -EINVAL (Linux rejects/ignores the table) */
};

#define W TOPO_SEVERITY_WARNING
#define E TOPO_SEVERITY_ERROR
#define I TOPO_SEVERITY_INFO

static const struct broken broken[] = {
    {"acpi-truncated-file", "srat-4node", SRAT, {"acpi-truncated"}, E, -EINVAL},
    {"acpi-bad-checksum", "slit-4node", SLIT, {"acpi-bad-checksum"}, W, 0},
    {"acpi-length-past-file", "hmat-4node", HMAT, {"acpi-truncated"}, E, -EINVAL},
    {"acpi-wrong-signature", "srat-4node", SRAT, {"acpi-bad-signature"}, E, -EINVAL},
    {"acpi-short-header", "slit-4node", SLIT, {"acpi-too-short"}, E, -EINVAL},
    {"acpi-length-below-header", "nfit", NFIT, {"acpi-bad-length"}, E, -EINVAL},
    {"acpi-trailing-bytes", "cedt", CEDT, {"acpi-trailing-bytes"}, W, 0},
    {"srat-zero-length", "srat-4node", SRAT, {"srat-zero-length"}, E, -EINVAL},
    {"srat-short-memory", "srat-4node", SRAT, {"srat-bad-length"}, E, -EINVAL},
    {"srat-subtable-past-end", "srat-4node", SRAT, {"srat-truncated"}, E, -EINVAL},
    {"srat-reserved-bits", "srat-4node", SRAT, {"srat-reserved-bits"}, W, 0},
    {"srat-pxm-out-of-range", "srat-4node", SRAT, {"srat-pxm-out-of-range"}, E, -EINVAL},
    {"srat-overlapping-ranges", "srat-4node", SRAT, {"srat-overlapping-ranges"}, E, -EINVAL},
    {"srat-set-aside-into-ram", "srat-set-aside", SRAT, {"srat-overlapping-ranges"}, E, -EINVAL},
    {"srat-unknown-type", "srat-4node", SRAT, {"srat-unknown-type"}, W, 0},
    {"srat-table-revision-field", "srat-hotplug-nv", SRAT, {"srat-table-revision-field"}, W, 0},
    {"srat-rev1-pxm-truncated", "srat-gi-gp", SRAT, {"srat-pxm-truncated"}, W, 0},
    {"srat-bad-handle-type", "srat-gi-gp", SRAT, {"srat-bad-handle-type"}, W, 0},
    {"slit-diagonal-not-10", "slit-4node", SLIT, {"slit-diagonal-not-10"}, E, -EINVAL},
    {"slit-off-diagonal-small",
     "slit-4node",
     SLIT,
     {"slit-off-diagonal-too-small", "slit-entry-reserved"},
     E,
     -EINVAL},
    {"slit-off-diagonal-10", "slit-4node", SLIT, {"slit-off-diagonal-too-small"}, E, -EINVAL},
    {"slit-asymmetric", "slit-4node", SLIT, {"slit-asymmetric"}, I, 0},
    {"slit-too-many-localities", "slit-4node", SLIT, {"slit-truncated"}, E, -EINVAL},
    {"slit-huge-localities", "slit-4node", SLIT, {"slit-too-many-localities"}, E, -EINVAL},
    {"hmat-unknown-data-type", "hmat-4node", HMAT, {"hmat-unknown-data-type"}, E, 0},
    {"hmat-unknown-revision", "hmat-4node", HMAT, {"hmat-unknown-revision"}, E, -EINVAL},
    {"hmat-rev1-as-rev2", "hmat-rev1", HMAT, {"hmat-rev1-layout-in-rev2"}, W, 0},
    {"hmat-rev2-as-rev1", "hmat-4node", HMAT, {"hmat-rev1-memory-pd-invalid"}, I, 0},
    {"hmat-zero-base-unit", "hmat-4node", HMAT, {"hmat-bad-base-unit"}, E, 0},
    {"hmat-entry-overflow", "hmat-4node", HMAT, {"hmat-entry-overflow"}, W, 0},
    {"hmat-sllbi-short", "hmat-4node", HMAT, {"hmat-bad-length"}, E, -EINVAL},
    {"hmat-zero-length", "hmat-4node", HMAT, {"hmat-zero-length"}, E, -EINVAL},
    {"hmat-bad-smbios-count", "hmat-4node", HMAT, {"hmat-bad-smbios-count"}, E, 0},
    {"hmat-bad-cache-attributes", "hmat-cache", HMAT, {"hmat-bad-cache-attributes"}, E, 0},
    {"hmat-reserved-nonzero", "hmat-4node", HMAT, {"hmat-reserved-nonzero"}, W, 0},
    {"hmat-unknown-type", "hmat-4node", HMAT, {"hmat-unknown-type"}, W, 0},
    {"hmat-memory-pd-missing", "hmat-4node", HMAT_X_SRAT, {"hmat-pxm-not-in-srat"}, E, -EINVAL},
    {"hmat-initiator-missing",
     "hmat-4node",
     HMAT_X_SRAT,
     {"hmat-initiator-not-in-srat"},
     E,
     -EINVAL},
    {"cedt-zero-length", "cedt", CEDT, {"cedt-zero-length"}, E, -EINVAL},
    {"cedt-bad-eniw", "cedt", CEDT, {"cedt-cfmws-bad-eniw"}, E, 0},
    {"cedt-short-target-list", "cedt", CEDT, {"cedt-cfmws-short-target-list"}, E, 0},
    {"cedt-misaligned", "cedt", CEDT, {"cedt-cfmws-misaligned"}, E, 0},
    {"cedt-xor-without-cxims", "cedt", CEDT, {"cedt-cfmws-xor-without-cxims"}, E, 0},
    {"cedt-unknown-target", "cedt", CEDT, {"cedt-cfmws-unknown-target"}, W, 0},
    {"cedt-chbs-bad-version", "cedt", CEDT, {"cedt-chbs-bad-cxl-version"}, E, 0},
    {"cedt-unknown-type", "cedt", CEDT, {"cedt-unknown-type"}, W, 0},
    {"nfit-zero-length", "nfit", NFIT, {"nfit-zero-length"}, E, -EINVAL},
    {"nfit-unknown-range-type", "nfit", NFIT, {"nfit-unknown-range-type"}, I, 0},
    {"nfit-subtable-past-end", "nfit", NFIT, {"nfit-truncated"}, E, -EINVAL},
    {"srat-x2apic-reserved", "srat-4node", SRAT, {"srat-reserved-nonzero"}, W, 0},
    {"hmat-locality-reserved-bits", "hmat-4node", HMAT, {"hmat-reserved-bits"}, W, 0},
    {"cedt-restriction-bits", "cedt", CEDT, {"cedt-reserved-bits"}, W, 0},
    {"cedt-chbs-register-length", "cedt", CEDT, {"cedt-chbs-bad-register-length"}, W, 0},
    {"cedt-bad-arithmetic", "cedt", CEDT, {"cedt-cfmws-bad-arithmetic"}, E, 0},
    {"cedt-header-reserved", "cedt", CEDT, {"cedt-reserved-nonzero"}, W, 0},
    {"nfit-spa-index-zero", "nfit", NFIT, {"nfit-spa-index-zero"}, E, 0},
    {"nfit-spa-short", "nfit", NFIT, {"nfit-bad-length"}, E, 0},
    {"nfit-spa-reserved", "nfit", NFIT, {"nfit-reserved-nonzero"}, W, 0},
    {"nfit-reserved-bits", "nfit", NFIT, {"nfit-reserved-bits"}, W, 0},
    {"nfit-bad-mapping-attributes", "nfit", NFIT, {"nfit-bad-mapping-attributes"}, W, 0},
    {"nfit-virtual-region-fields", "nfit", NFIT, {"nfit-virtual-region-fields"}, W, 0},
};

Test(negative, each_broken_fixture_reports_its_finding_and_verdict)
{
	size_t checked = 0;

	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		const struct broken *b = &broken[i];
		char *name, *good;
		struct findings f = {0}, fg = {0};
		size_t len, glen;

		cr_assert(asprintf(&name, "broken-%s.dat", b->name) > 0);
		cr_assert(asprintf(&good, "%s.aml", b->from) > 0);
		char *path = fixture_path(name), *gpath = fixture_path(good);
		uint8_t *buf = read_file(path, &len), *gbuf = read_file(gpath, &glen);
		cr_assert(buf && gbuf, "missing fixture %s or %s", path, gpath);

		int r = parse(b->kind, buf, len, path, &f);
		int gr = parse(b->kind, gbuf, glen, gpath, &fg);
		cr_expect_eq(r, b->rc, "%s: parser returned %d, expected %d", b->name, r, b->rc);
		cr_expect_eq(gr, 0, "%s: the good table it comes from is rejected", b->from);
		for (size_t k = 0; k < 3 && b->ids[k]; k++) {
			cr_expect_geq(findings_count_id(&f, b->ids[k]), 1, "%s: no \"%s\" finding",
				      b->name, b->ids[k]);
			cr_expect_eq(findings_count_id(&fg, b->ids[k]), 0,
				     "%s: \"%s\" already reported for the good table %s", b->name,
				     b->ids[k], b->from);
		}
		cr_expect_eq(worst_of(&f, b->ids[0]), b->severity, "%s: severity of %s", b->name,
			     b->ids[0]);
		/* every finding names the table it came from */
		for (size_t k = 0; k < f.n; k++)
			cr_expect_str_eq(f.v[k].path, path);
		checked++;
		findings_clear(&f);
		findings_clear(&fg);
		free(buf);
		free(gbuf);
		free(path);
		free(gpath);
		free(name);
		free(good);
	}
	cr_assert_geq(checked, 20);
}

Test(negative, rev1_truncated_pxm_is_the_low_byte_as_linux_uses_it)
{
	char *path = fixture_path("broken-srat-rev1-pxm-truncated.dat");
	size_t len;
	uint8_t *buf = read_file(path, &len);
	struct findings f = {0};
	struct acpi_srat s;

	cr_assert(buf);
	cr_assert_eq(acpi_parse_srat(buf, len, path, &s, &f), 0);
	cr_assert_eq(s.hdr.revision, 1);
	cr_assert_eq(s.mems[1].pxm_raw, 0x102);
	cr_assert_eq(s.mems[1].pxm, 2);
	acpi_srat_free(&s);
	findings_clear(&f);
	free(buf);
	free(path);
}

Test(negative, unusable_cfmws_is_kept_but_marked)
{
	char *path = fixture_path("broken-cedt-bad-eniw.dat");
	size_t len;
	uint8_t *buf = read_file(path, &len);
	struct findings f = {0};
	struct acpi_cedt c;

	cr_assert(buf);
	cr_assert_eq(acpi_parse_cedt(buf, len, path, &c, &f), 0);
	cr_assert_eq(c.n_cfmws, 3);
	cr_assert_not(c.cfmws[0].usable);
	cr_assert(c.cfmws[1].usable);
	cr_assert_eq(c.cfmws[0].ways, 0);
	acpi_cedt_free(&c);
	findings_clear(&f);
	free(buf);
	free(path);
}

/*
 * numa_cleanup_meminfo() sets aside what is not boot RAM before its overlap check: EFI
 * specific-purpose memory inside a hot-pluggable window of another node is such a range
 * (srat-set-aside.dsl has the hot-pluggable and persistent classes).
 */
Test(negative, specific_purpose_memory_in_a_window_is_set_aside)
{
	char *path = fixture_path("broken-srat-sp-in-window.dat");
	size_t len;
	uint8_t *buf = read_file(path, &len);
	struct acpi_srat s;
	struct findings f = {0};
	cr_assert(buf);
	cr_assert_eq(acpi_parse_srat(buf, len, path, &s, &f), 0, "the SRAT must be kept");
	bool sp = false, said = false;
	for (size_t i = 0; i < s.n_mems; i++)
		sp |= s.mems[i].specific_purpose && s.mems[i].pxm == 2 &&
		      s.mems[i].base == 8ull << 30;
	for (size_t i = 0; i < f.n; i++) {
		cr_expect_lt(f.v[i].severity, TOPO_SEVERITY_WARNING, "%s: %s", f.v[i].id,
			     f.v[i].message);
		said |= !strcmp(f.v[i].id, "srat-overlap-set-aside") &&
			strstr(f.v[i].message, "[0x200000000-0x2ffffffff] of PXM 2") &&
			strstr(f.v[i].message, "numa_cleanup_meminfo()");
	}
	cr_expect(sp, "PXM 2's range at 8G is not specific-purpose");
	cr_expect(said, "no srat-overlap-set-aside names PXM 2's specific-purpose range");
	acpi_srat_free(&s);
	findings_clear(&f);
	free(buf);
	free(path);
}

static const struct {
	const char *file;
	enum kind kind;
} good[] = {
    {"srat-4node.aml", SRAT},
    {"srat-hotplug-nv.aml", SRAT},
    {"srat-set-aside.aml", SRAT},
    {"srat-gi-gp.aml", SRAT},
    {"slit-4node.aml", SLIT},
    {"hmat-4node.aml", HMAT_X_SRAT},
    {"hmat-rev1.aml", HMAT},
    {"hmat-cache.aml", HMAT},
    {"cedt.aml", CEDT},
    {"nfit.aml", NFIT},
};

Test(negative, good_fixtures_have_no_warning_or_error)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *path = fixture_path(good[i].file);
		size_t len;
		uint8_t *buf = read_file(path, &len);
		struct findings f = {0};

		cr_assert(buf);
		cr_expect_eq(parse(good[i].kind, buf, len, path, &f), 0, "%s", path);
		for (size_t k = 0; k < f.n; k++)
			cr_expect_eq(f.v[k].severity, TOPO_SEVERITY_INFO, "%s: %s: %s", path,
				     f.v[k].id, f.v[k].message);
		findings_clear(&f);
		free(buf);
		free(path);
	}
}

Test(negative, every_truncation_of_a_good_table_is_rejected_without_crash)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *path = fixture_path(good[i].file);
		size_t len;
		uint8_t *buf = read_file(path, &len);

		cr_assert(buf);
		for (size_t n = 0; n < len; n++) {
			/* a fresh copy of exactly n bytes, so ASan/valgrind see any over-read */
			uint8_t *cut = malloc(n ? n : 1);
			struct findings f = {0};

			cr_assert(cut);
			memcpy(cut, buf, n);
			cr_expect_eq(parse(good[i].kind, cut, n, path, &f), -EINVAL,
				     "%s cut to %zu", path, n);
			cr_expect_geq(
			    findings_count_id(&f, n < 36 ? "acpi-too-short" : "acpi-truncated"), 1,
			    "%s cut to %zu", path, n);
			findings_clear(&f);
			free(cut);
		}
		free(buf);
		free(path);
	}
}

Test(negative, fuzzer_crashers_parse_without_crash)
{
	const char *src = getenv("TOPO_ACPI_FIXTURES_SRC");
	char *dir;
	size_t n = 0;

	cr_assert(src);
	cr_assert(asprintf(&dir, "%s/crashers", src) > 0);
	DIR *d = opendir(dir);
	cr_assert(d, "cannot open %s", dir);
	for (struct dirent *e; (e = readdir(d));) {
		char *p;
		size_t len;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "README"))
			continue;
		cr_assert(asprintf(&p, "%s/%s", dir, e->d_name) > 0);
		uint8_t *buf = read_file(p, &len);
		cr_assert(buf, "cannot read %s", p);
		for (int k = SRAT; k <= NFIT; k++) {
			struct findings f = {0};
			int r = parse((enum kind)k, buf, len, p, &f);

			cr_expect(r == 0 || r == -EINVAL, "%s: %d", p, r);
			findings_clear(&f);
		}
		n++;
		free(buf);
		free(p);
	}
	closedir(d);
	free(dir);
	cr_log_info("%zu crasher inputs parsed", n);
}

Test(negative, srat_pxm_beyond_the_slit_localities_is_reported)
{
	char *path = fixture_path("slit-4node.aml");
	size_t len;
	uint8_t *buf = read_file(path, &len);
	struct findings f = { 0 };
	struct acpi_slit s;
	struct acpi_srat_mem mems[] = {
		{ .pxm = 3, .enabled = true, .length = 1 },
		{ .pxm = 4, .enabled = true, .length = 1 },
		{ .pxm = 9, .enabled = false, .length = 1 }, /* disabled: ignored */
	};
	struct acpi_srat srat = { .mems = mems, .n_mems = 3 };

	cr_assert(buf);
	cr_assert_eq(acpi_parse_slit(buf, len, path, &s, &f), 0);
	acpi_slit_check_srat(&s, &srat, path, &f);
	cr_assert_eq(findings_count_id(&f, "slit-pxm-without-locality"), 1);
	acpi_slit_free(&s);
	findings_clear(&f);
	free(buf);
	free(path);
}
