/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SLIT, System Locality Information Table (reference/acpi.md §1.3). Linux slit_valid()
 * discards the whole table if a diagonal entry is not 10 or an off-diagonal one is <= 10
 * (0xFF, "unreachable", is accepted). Asymmetric matrices are legal.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"

#define SLIT_HEADER_SIZE 44
#define SLIT_LOCAL_DISTANCE 10
#define SLIT_MAX_LOCALITIES 0xFFFFu
/* One finding per kind of bad entry is enough to act on; the rest is counted. */
#define SLIT_MAX_REPORTS 8

struct slit_report {
	const char *id;
	enum topo_severity severity;
	size_t seen;
};

static void report(struct slit_report *r, struct findings *f, const char *origin, uint64_t i,
		   uint64_t j, uint8_t v, const char *what)
{
	if (r->seen++ < SLIT_MAX_REPORTS)
		findings_add(f, r->id, r->severity, origin,
			     "SLIT: Entry[%" PRIu64 "][%" PRIu64 "] = %u: %s", i, j, v, what);
}

static void report_rest(struct slit_report *r, struct findings *f, const char *origin)
{
	if (r->seen > SLIT_MAX_REPORTS)
		findings_add(f, r->id, r->severity, origin, "SLIT: %zu more entries like these",
			     r->seen - SLIT_MAX_REPORTS);
}

int acpi_parse_slit(const uint8_t *buf, size_t len, const char *origin, struct acpi_slit *out,
		    struct findings *f)
{
	size_t tlen;
	int r;

	memset(out, 0, sizeof(*out));
	r = acpi_table_header_parse(buf, len, "SLIT", origin, &out->hdr, &tlen, f);
	if (r < 0) {
		out->rejected = true;
		return r;
	}
	if (out->hdr.revision != 1)
		findings_add(f, "acpi-unexpected-revision", TOPO_SEVERITY_INFO, origin,
			     "SLIT: revision %u (known: 1)", out->hdr.revision);
	if (tlen < SLIT_HEADER_SIZE) {
		findings_add(f, "slit-too-short", TOPO_SEVERITY_ERROR, origin,
			     "SLIT: %zu bytes, shorter than the 44-byte SLIT header", tlen);
		out->rejected = true;
		return -EINVAL;
	}

	uint64_t n = acpi_get_u64(buf + 36);
	out->localities = n;
	if (n > SLIT_MAX_LOCALITIES) {
		findings_add(f, "slit-too-many-localities", TOPO_SEVERITY_ERROR, origin,
			     "SLIT: %" PRIu64 " localities, more than the 65535 allowed", n);
		out->rejected = true;
		return -EINVAL;
	}
	if (n * n > tlen - SLIT_HEADER_SIZE) {
		findings_add(f, "slit-truncated", TOPO_SEVERITY_ERROR, origin,
			     "SLIT: %" PRIu64 " localities need %" PRIu64 " bytes of entries, the "
			     "table has %zu",
			     n, n * n, tlen - SLIT_HEADER_SIZE);
		out->rejected = true;
		return -EINVAL;
	}
	if (n * n < tlen - SLIT_HEADER_SIZE)
		findings_add(f, "slit-trailing-bytes", TOPO_SEVERITY_WARNING, origin,
			     "SLIT: %zu bytes after the %" PRIu64 "x%" PRIu64 " matrix",
			     (size_t)(tlen - SLIT_HEADER_SIZE - n * n), n, n);
	if (n == 0)
		return 0;

	out->entries = malloc(n * n);
	if (!out->entries)
		return -ENOMEM;
	memcpy(out->entries, buf + SLIT_HEADER_SIZE, n * n);

	struct slit_report diag = {"slit-diagonal-not-10", TOPO_SEVERITY_ERROR, 0};
	struct slit_report small = {"slit-off-diagonal-too-small", TOPO_SEVERITY_ERROR, 0};
	struct slit_report resv = {"slit-entry-reserved", TOPO_SEVERITY_WARNING, 0};
	struct slit_report asym = {"slit-asymmetric", TOPO_SEVERITY_INFO, 0};

	for (uint64_t i = 0; i < n; i++) {
		for (uint64_t j = 0; j < n; j++) {
			uint8_t v = out->entries[i * n + j];

			if (i == j && v != SLIT_LOCAL_DISTANCE)
				report(&diag, f, origin, i, j, v,
				       "the distance of a locality to itself must be 10 (Linux "
				       "ignores the SLIT)");
			if (i != j && v <= SLIT_LOCAL_DISTANCE)
				report(&small, f, origin, i, j, v,
				       "a distance between two localities must be > 10 (Linux "
				       "ignores the SLIT)");
			if (v < SLIT_LOCAL_DISTANCE)
				report(&resv, f, origin, i, j, v, "values 0-9 are reserved");
			if (i < j && v != out->entries[j * n + i])
				report(&asym, f, origin, i, j, v,
				       "differs from the reverse direction (legal, but unusual)");
		}
	}
	report_rest(&diag, f, origin);
	report_rest(&small, f, origin);
	report_rest(&resv, f, origin);
	report_rest(&asym, f, origin);
	if (diag.seen || small.seen)
		out->rejected = true;
	return out->rejected ? -EINVAL : 0;
}

void acpi_slit_free(struct acpi_slit *slit)
{
	if (!slit)
		return;
	free(slit->entries);
	memset(slit, 0, sizeof(*slit));
}

uint8_t acpi_slit_distance(const struct acpi_slit *slit, uint64_t i, uint64_t j)
{
	if (!slit->entries || i >= slit->localities || j >= slit->localities)
		return 0;
	return slit->entries[i * slit->localities + j];
}

static void check_one(const struct acpi_slit *slit, uint32_t pxm, const char *origin,
		      struct findings *f, uint32_t *last)
{
	if (pxm < slit->localities || pxm == *last)
		return;
	*last = pxm;
	findings_add(f, "slit-pxm-without-locality", TOPO_SEVERITY_WARNING, origin,
		     "SLIT: SRAT proximity domain %u has no locality (SLIT has %" PRIu64 "); "
		     "its distances default to 10/20",
		     pxm, slit->localities);
}

void acpi_slit_check_srat(const struct acpi_slit *slit, const struct acpi_srat *srat,
			  const char *origin, struct findings *f)
{
	uint32_t last = UINT32_MAX;

	if (!slit->entries)
		return;
	for (size_t i = 0; i < srat->n_cpus; i++)
		if (srat->cpus[i].enabled)
			check_one(slit, srat->cpus[i].pxm, origin, f, &last);
	for (size_t i = 0; i < srat->n_mems; i++)
		if (srat->mems[i].enabled)
			check_one(slit, srat->mems[i].pxm, origin, f, &last);
	for (size_t i = 0; i < srat->n_gis; i++)
		if (srat->gis[i].enabled && srat->gis[i].type == ACPI_SRAT_GENERIC_INITIATOR)
			check_one(slit, srat->gis[i].pxm, origin, f, &last);
}
