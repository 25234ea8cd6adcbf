/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HMAT, Heterogeneous Memory Attribute Table (reference/acpi.md §1.4, §1.6, §4;
 * reference/kernel.md §5). Revision 1 (ACPI 6.2) and 2 (ACPI 6.3+) share the structure
 * layouts but not the meaning of some fields nor the units; Linux ignores any other revision.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"

#define HMAT_HEADER_SIZE 40
#define HMAT_STRUCT_HEADER_SIZE 8
#define HMAT_PROXIMITY_SIZE 40
#define HMAT_LOCALITY_MIN 32
#define HMAT_CACHE_MIN 32

struct hmat_walk {
	const uint8_t *buf;
	const char *origin;
	struct findings *f;
	struct acpi_hmat *out;
};

static void reserved_field(struct hmat_walk *w, size_t off, const uint8_t *p, size_t n,
			   const char *what)
{
	if (!acpi_all_zero(p, n))
		findings_add(w->f, "hmat-reserved-nonzero", TOPO_SEVERITY_WARNING, w->origin,
			     "HMAT: %s at offset 0x%zx: reserved field is not zero", what, off);
}

static void bad_length(struct hmat_walk *w, size_t off, const char *what, uint32_t len,
		       const char *expected)
{
	findings_add(w->f, "hmat-bad-length", TOPO_SEVERITY_ERROR, w->origin,
		     "HMAT: %s at offset 0x%zx has length %u, %s (Linux ignores the HMAT)", what,
		     off, len, expected);
	w->out->rejected = true;
}

static int parse_proximity(struct hmat_walk *w, size_t off, const uint8_t *p, uint32_t len)
{
	struct acpi_hmat *h = w->out;
	static const char what[] = "memory proximity domain attributes";

	if (len != HMAT_PROXIMITY_SIZE) {
		bad_length(w, off, what, len, "must be 40");
		if (len < HMAT_PROXIMITY_SIZE)
			return 0;
	}

	struct acpi_hmat_proximity *x = acpi_array_add(&h->proximity, h->n_proximity, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->offset = off;
	x->flags = acpi_get_u16(p + 8);
	x->initiator_pd = acpi_get_u32(p + 12);
	x->memory_pd = acpi_get_u32(p + 16);
	x->range_base = acpi_get_u64(p + 24);
	x->range_length = acpi_get_u64(p + 32);
	reserved_field(w, off, p + 10, 2, what);
	reserved_field(w, off, p + 20, 4, what);

	if (h->revision == 1) {
		if (x->flags & ~(ACPI_HMAT_INITIATOR_PD_VALID | ACPI_HMAT_MEMORY_PD_VALID |
				 ACPI_HMAT_RESERVATION_HINT))
			findings_add(w->f, "hmat-reserved-bits", TOPO_SEVERITY_WARNING, w->origin,
				     "HMAT: %s at offset 0x%zx: reserved flag bits set (0x%04x)",
				     what, off, x->flags);
		if (!(x->flags & ACPI_HMAT_MEMORY_PD_VALID))
			findings_add(
			    w->f, "hmat-rev1-memory-pd-invalid", TOPO_SEVERITY_INFO, w->origin,
			    "HMAT: revision 1 address range at offset 0x%zx does not set "
			    "\"Memory PD valid\" (flags 0x%04x): Linux skips it (a revision "
			    "2 structure in a revision 1 table?)",
			    off, x->flags);
	} else {
		if (x->flags & (ACPI_HMAT_MEMORY_PD_VALID | ACPI_HMAT_RESERVATION_HINT) ||
		    x->range_base || x->range_length)
			findings_add(w->f, "hmat-rev1-layout-in-rev2", TOPO_SEVERITY_WARNING,
				     w->origin,
				     "HMAT: revision %u table: structure at offset 0x%zx uses "
				     "revision 1 fields (flags 0x%04x, address range 0x%" PRIx64
				     "+0x%" PRIx64 "); they are reserved since ACPI 6.3",
				     h->revision, off, x->flags, x->range_base, x->range_length);
		if (x->flags & ~(ACPI_HMAT_INITIATOR_PD_VALID | ACPI_HMAT_MEMORY_PD_VALID |
				 ACPI_HMAT_RESERVATION_HINT))
			findings_add(w->f, "hmat-reserved-bits", TOPO_SEVERITY_WARNING, w->origin,
				     "HMAT: %s at offset 0x%zx: reserved flag bits set (0x%04x)",
				     what, off, x->flags);
	}
	h->n_proximity++;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x, y;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x < y ? -1 : x > y;
}

static int check_duplicates(struct hmat_walk *w, size_t off, const uint32_t *v, uint32_t n,
			    const char *list)
{
	if (n < 2)
		return 0;
	uint32_t *s = malloc((size_t)n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u32);
	for (uint32_t i = 1; i < n; i++) {
		if (s[i] == s[i - 1]) {
			findings_add(w->f, "hmat-duplicate-pd", TOPO_SEVERITY_WARNING, w->origin,
				     "HMAT: locality structure at offset 0x%zx lists %s proximity "
				     "domain %u more than once",
				     off, list, s[i]);
			break;
		}
	}
	free(s);
	return 0;
}

static int parse_locality(struct hmat_walk *w, size_t off, const uint8_t *p, uint32_t len)
{
	struct acpi_hmat *h = w->out;
	static const char what[] = "locality structure";

	if (len < HMAT_LOCALITY_MIN) {
		bad_length(w, off, what, len, "shorter than 32");
		return 0;
	}
	uint32_t s = acpi_get_u32(p + 12), t = acpi_get_u32(p + 16);
	/* len < 2^32, so s, t <= 2^30 keep every product below 2^62 */
	uint64_t need = (uint64_t)-1;
	if (s <= len / 4 && t <= len / 4)
		need = HMAT_LOCALITY_MIN + 4ull * s + 4ull * t + 2ull * s * t;
	if (len < need) {
		char expected[96];

		snprintf(expected, sizeof(expected), "too short for %u initiators x %u targets", s,
			 t);
		bad_length(w, off, what, len, expected);
		return 0;
	}
	if (len > need)
		findings_add(w->f, "hmat-length-mismatch", TOPO_SEVERITY_WARNING, w->origin,
			     "HMAT: %s at offset 0x%zx has length %u, %" PRIu64 " expected for %u "
			     "initiators x %u targets",
			     what, off, len, need, s, t);

	struct acpi_hmat_locality *l = acpi_array_add(&h->locality, h->n_locality, sizeof(*l));
	if (!l)
		return -ENOMEM;
	h->n_locality++; /* counted now so that acpi_hmat_free() releases the lists */
	l->offset = off;
	l->flags = p[8];
	l->hierarchy = l->flags & 0x0f;
	l->access_attributes = (l->flags >> 4) & 0x03;
	l->data_type = p[9];
	l->min_transfer_size = p[10];
	l->n_initiators = s;
	l->n_targets = t;
	l->entry_base_unit = acpi_get_u64(p + 24);
	l->initiators = malloc(s ? (size_t)s * sizeof(uint32_t) : 1);
	l->targets = malloc(t ? (size_t)t * sizeof(uint32_t) : 1);
	l->entries = malloc(s && t ? (size_t)s * t * sizeof(uint16_t) : 1);
	if (!l->initiators || !l->targets || !l->entries)
		return -ENOMEM;
	const uint8_t *q = p + HMAT_LOCALITY_MIN;
	for (uint32_t i = 0; i < s; i++, q += 4)
		l->initiators[i] = acpi_get_u32(q);
	for (uint32_t i = 0; i < t; i++, q += 4)
		l->targets[i] = acpi_get_u32(q);
	for (uint64_t i = 0; i < (uint64_t)s * t; i++, q += 2)
		l->entries[i] = acpi_get_u16(q);

	if (l->flags & 0xc0)
		findings_add(w->f, "hmat-reserved-bits", TOPO_SEVERITY_WARNING, w->origin,
			     "HMAT: %s at offset 0x%zx: reserved flag bits 7:6 set (0x%02x)", what,
			     off, l->flags);
	reserved_field(w, off, p + 11, 1, what);
	reserved_field(w, off, p + 20, 4, what);
	if (l->data_type > ACPI_HMAT_WRITE_BANDWIDTH)
		findings_add(w->f, "hmat-unknown-data-type", TOPO_SEVERITY_ERROR, w->origin,
			     "HMAT: %s at offset 0x%zx has data type %u (0-5 defined); its values "
			     "cannot be interpreted",
			     what, off, l->data_type);
	if (l->entry_base_unit == 0)
		findings_add(w->f, "hmat-bad-base-unit", TOPO_SEVERITY_ERROR, w->origin,
			     "HMAT: %s at offset 0x%zx has entry base unit 0: every value is 0",
			     what, off);
	if (l->hierarchy > (h->revision == 1 ? 4 : 3))
		findings_add(w->f, "hmat-bad-hierarchy", TOPO_SEVERITY_WARNING, w->origin,
			     "HMAT: %s at offset 0x%zx has memory hierarchy %u (reserved)", what,
			     off, l->hierarchy);

	size_t overflow = 0;
	for (uint64_t i = 0; i < (uint64_t)s * t; i++) {
		uint16_t e = l->entries[i];

		if (e && e != HMAT_NO_VALUE && l->entry_base_unit > UINT32_MAX / e)
			overflow++;
	}
	if (overflow)
		findings_add(w->f, "hmat-entry-overflow", TOPO_SEVERITY_WARNING, w->origin,
			     "HMAT: %s at offset 0x%zx: %zu entries times base unit %" PRIu64
			     " exceed 32 bits; Linux treats them as not provided",
			     what, off, overflow, l->entry_base_unit);
	int r = check_duplicates(w, off, l->initiators, s, "initiator");
	if (r == 0)
		r = check_duplicates(w, off, l->targets, t, "target");
	return r;
}

static int parse_cache(struct hmat_walk *w, size_t off, const uint8_t *p, uint32_t len)
{
	struct acpi_hmat *h = w->out;
	static const char what[] = "memory side cache structure";

	if (len < HMAT_CACHE_MIN) {
		bad_length(w, off, what, len, "shorter than 32");
		return 0;
	}
	struct acpi_hmat_cache *c = acpi_array_add(&h->caches, h->n_caches, sizeof(*c));
	if (!c)
		return -ENOMEM;
	h->n_caches++;
	c->offset = off;
	c->memory_pd = acpi_get_u32(p + 8);
	c->size = acpi_get_u64(p + 16);
	c->attributes = acpi_get_u32(p + 24);
	c->total_levels = c->attributes & 0xf;
	c->level = (c->attributes >> 4) & 0xf;
	c->associativity = (c->attributes >> 8) & 0xf;
	c->write_policy = (c->attributes >> 12) & 0xf;
	c->line_size = (uint16_t)(c->attributes >> 16);
	c->address_mode = acpi_get_u16(p + 28);
	c->n_smbios = acpi_get_u16(p + 30);
	reserved_field(w, off, p + 12, 4, what);
	if (c->address_mode > 1)
		findings_add(w->f, "hmat-reserved-nonzero", TOPO_SEVERITY_WARNING, w->origin,
			     "HMAT: %s at offset 0x%zx: address mode %u is reserved", what, off,
			     c->address_mode);
	if ((uint64_t)HMAT_CACHE_MIN + 2ull * c->n_smbios != len)
		findings_add(w->f, "hmat-bad-smbios-count", TOPO_SEVERITY_ERROR, w->origin,
			     "HMAT: %s at offset 0x%zx: %u SMBIOS handles need length %u, the "
			     "structure has %u",
			     what, off, c->n_smbios, HMAT_CACHE_MIN + 2u * c->n_smbios, len);
	c->n_smbios_read = c->n_smbios;
	if ((len - HMAT_CACHE_MIN) / 2 < c->n_smbios)
		c->n_smbios_read = (uint16_t)((len - HMAT_CACHE_MIN) / 2);
	if (c->n_smbios_read) {
		c->smbios_handles = malloc(c->n_smbios_read * sizeof(uint16_t));
		if (!c->smbios_handles)
			return -ENOMEM;
		for (uint16_t i = 0; i < c->n_smbios_read; i++)
			c->smbios_handles[i] = acpi_get_u16(p + HMAT_CACHE_MIN + 2u * i);
	}
	if (c->total_levels > 3 || c->level == 0 || c->level > 3 || c->level > c->total_levels ||
	    c->associativity > 2 || c->write_policy > 2)
		findings_add(w->f, "hmat-bad-cache-attributes", TOPO_SEVERITY_ERROR, w->origin,
			     "HMAT: %s at offset 0x%zx: attributes 0x%08x (total levels %u, "
			     "level %u, associativity %u, write policy %u) out of range",
			     what, off, c->attributes, c->total_levels, c->level, c->associativity,
			     c->write_policy);
	return 0;
}

int acpi_parse_hmat(const uint8_t *buf, size_t len, const char *origin, struct acpi_hmat *out,
		    struct findings *f)
{
	struct hmat_walk w = {.buf = buf, .origin = origin, .f = f, .out = out};
	size_t tlen;
	int r;

	memset(out, 0, sizeof(*out));
	r = acpi_table_header_parse(buf, len, "HMAT", origin, &out->hdr, &tlen, f);
	if (r < 0) {
		out->rejected = true;
		return r;
	}
	out->revision = out->hdr.revision;
	if (out->revision != 1 && out->revision != 2) {
		findings_add(f, "hmat-unknown-revision", TOPO_SEVERITY_ERROR, origin,
			     "HMAT: revision %u; Linux knows 1 and 2 and ignores the table",
			     out->revision);
		out->rejected = true;
	}
	if (tlen < HMAT_HEADER_SIZE) {
		findings_add(f, "hmat-too-short", TOPO_SEVERITY_ERROR, origin,
			     "HMAT: %zu bytes, shorter than the 40-byte HMAT header", tlen);
		out->rejected = true;
		return -EINVAL;
	}
	reserved_field(&w, 36, buf + 36, 4, "table header");

	size_t off = HMAT_HEADER_SIZE;
	while (off < tlen) {
		if (tlen - off < HMAT_STRUCT_HEADER_SIZE) {
			findings_add(f, "hmat-trailing-bytes", TOPO_SEVERITY_WARNING, origin,
				     "HMAT: %zu byte(s) at offset 0x%zx too short for a structure",
				     tlen - off, off);
			break;
		}
		const uint8_t *p = buf + off;
		uint16_t type = acpi_get_u16(p);
		uint32_t slen = acpi_get_u32(p + 4);

		if (!acpi_struct_fits("HMAT", "structure", type, off, slen, tlen, origin, f)) {
			out->rejected = true;
			break;
		}
		reserved_field(&w, off, p + 2, 2, "structure header");
		switch (type) {
		case ACPI_HMAT_PROXIMITY_DOMAIN:
			r = parse_proximity(&w, off, p, slen);
			break;
		case ACPI_HMAT_LOCALITY:
			r = parse_locality(&w, off, p, slen);
			break;
		case ACPI_HMAT_CACHE:
			r = parse_cache(&w, off, p, slen);
			break;
		default:
			findings_add(f, "hmat-unknown-type", TOPO_SEVERITY_WARNING, origin,
				     "HMAT: reserved structure type %u (length %u) at offset 0x%zx "
				     "skipped",
				     type, slen, off);
			out->n_unknown++;
			r = 0;
			break;
		}
		if (r < 0)
			return r;
		if (slen < HMAT_STRUCT_HEADER_SIZE) {
			/* cannot even hold its own header: walking on would loop on garbage */
			findings_add(f, "hmat-bad-length", TOPO_SEVERITY_ERROR, origin,
				     "HMAT: structure at offset 0x%zx has length %u, shorter than "
				     "its 8-byte header",
				     off, slen);
			out->rejected = true;
		}
		off += slen;
	}
	return out->rejected ? -EINVAL : 0;
}

void acpi_hmat_free(struct acpi_hmat *hmat)
{
	if (!hmat)
		return;
	for (size_t i = 0; i < hmat->n_locality; i++) {
		free(hmat->locality[i].initiators);
		free(hmat->locality[i].targets);
		free(hmat->locality[i].entries);
	}
	for (size_t i = 0; i < hmat->n_caches; i++)
		free(hmat->caches[i].smbios_handles);
	free(hmat->proximity);
	free(hmat->locality);
	free(hmat->caches);
	memset(hmat, 0, sizeof(*hmat));
}

uint16_t acpi_hmat_entry(const struct acpi_hmat_locality *loc, uint32_t i, uint32_t t)
{
	if (i >= loc->n_initiators || t >= loc->n_targets)
		return 0;
	return loc->entries[(size_t)i * loc->n_targets + t];
}


/* Linux hmat.c targets: enabled SRAT memory ranges and Generic Ports with an ACPI handle. */
static bool srat_has_target(const struct acpi_srat *srat, uint32_t pd)
{
	if (acpi_srat_has_mem_pxm(srat, pd))
		return true;
	for (size_t i = 0; i < srat->n_gis; i++) {
		const struct acpi_srat_gi *g = &srat->gis[i];

		if (g->type == ACPI_SRAT_GENERIC_PORT && g->enabled && g->handle_type == 0 &&
		    g->pxm == pd)
			return true;
	}
	return false;
}

int acpi_hmat_check_srat(const struct acpi_hmat *hmat, const struct acpi_srat *srat,
			 const char *origin, struct findings *f)
{
	int ret = 0;

	for (size_t i = 0; i < hmat->n_proximity; i++) {
		const struct acpi_hmat_proximity *x = &hmat->proximity[i];

		if (hmat->revision == 1 && !(x->flags & ACPI_HMAT_MEMORY_PD_VALID))
			continue;
		if (!srat_has_target(srat, x->memory_pd)) {
			findings_add(
			    f, "hmat-pxm-not-in-srat", TOPO_SEVERITY_ERROR, origin,
			    "HMAT: structure at offset 0x%zx names memory proximity domain "
			    "%u, which has no enabled SRAT memory range (Linux ignores the "
			    "HMAT)",
			    x->offset, x->memory_pd);
			ret = -EINVAL;
			continue;
		}
		if ((x->flags & ACPI_HMAT_INITIATOR_PD_VALID) &&
		    !acpi_srat_has_pxm(srat, x->initiator_pd)) {
			findings_add(f, "hmat-initiator-not-in-srat", TOPO_SEVERITY_ERROR, origin,
				     "HMAT: structure at offset 0x%zx attaches initiator proximity "
				     "domain %u, which SRAT does not describe (Linux ignores the "
				     "HMAT)",
				     x->offset, x->initiator_pd);
			ret = -EINVAL;
		}
	}
	for (size_t i = 0; i < hmat->n_locality; i++) {
		const struct acpi_hmat_locality *l = &hmat->locality[i];

		for (uint32_t k = 0; k < l->n_initiators; k++)
			if (!acpi_srat_has_pxm(srat, l->initiators[k]))
				findings_add(f, "hmat-initiator-not-in-srat", TOPO_SEVERITY_WARNING,
					     origin,
					     "HMAT: locality structure at offset 0x%zx lists "
					     "initiator proximity domain %u, unknown to SRAT",
					     l->offset, l->initiators[k]);
		for (uint32_t k = 0; k < l->n_targets; k++)
			if (!srat_has_target(srat, l->targets[k]))
				findings_add(
				    f, "hmat-pxm-not-in-srat", TOPO_SEVERITY_WARNING, origin,
				    "HMAT: locality structure at offset 0x%zx lists target "
				    "proximity domain %u, which has no enabled SRAT memory "
				    "range",
				    l->offset, l->targets[k]);
	}
	return ret;
}
