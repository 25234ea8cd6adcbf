/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CEDT, CXL Early Discovery Table (reference/acpi.md §1.5, §4). A bad CFMWS makes Linux
 * (cxl_acpi_cfmws_verify) skip that window, not the table: such windows are kept with
 * usable = false and an error finding.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"

#define CEDT_STRUCT_HEADER_SIZE 4
#define CEDT_CHBS_SIZE 32
#define CEDT_CFMWS_MIN 36
#define CEDT_CXIMS_MIN 8
#define CEDT_CHBS_RCRB_LENGTH 0x2000u
#define CEDT_CHBS_CHBCR_LENGTH 0x10000u
#define CEDT_CFMWS_ALIGN (256ull << 20)

struct cedt_walk {
	const uint8_t *buf;
	const char *origin;
	struct findings *f;
	struct acpi_cedt *out;
};

static void reserved_field(struct cedt_walk *w, size_t off, const uint8_t *p, size_t n,
			   const char *what)
{
	if (!acpi_all_zero(p, n))
		findings_add(w->f, "cedt-reserved-nonzero", TOPO_SEVERITY_WARNING, w->origin,
			     "CEDT: %s at offset 0x%zx: reserved field is not zero", what, off);
}

uint32_t acpi_cedt_eniw_to_ways(uint8_t eniw)
{
	if (eniw <= 4)
		return 1u << eniw;
	if (eniw >= 8 && eniw <= 10)
		return 3u << (eniw - 8);
	return 0;
}

static int parse_chbs(struct cedt_walk *w, size_t off, const uint8_t *p, uint16_t len)
{
	struct acpi_cedt *c = w->out;

	if (len != CEDT_CHBS_SIZE) {
		findings_add(w->f, "cedt-bad-length", TOPO_SEVERITY_ERROR, w->origin,
			     "CEDT: CHBS at offset 0x%zx has length %u, must be 32", off, len);
		if (len < CEDT_CHBS_SIZE)
			return 0;
	}
	struct acpi_cedt_chbs *h = acpi_array_add(&c->chbs, c->n_chbs, sizeof(*h));
	if (!h)
		return -ENOMEM;
	c->n_chbs++;
	h->offset = off;
	h->uid = acpi_get_u32(p + 4);
	h->cxl_version = acpi_get_u32(p + 8);
	h->base = acpi_get_u64(p + 16);
	h->length = acpi_get_u64(p + 24);
	reserved_field(w, off, p + 12, 4, "CHBS");
	if (h->cxl_version > 1) {
		findings_add(w->f, "cedt-chbs-bad-cxl-version", TOPO_SEVERITY_ERROR, w->origin,
			     "CEDT: CHBS at offset 0x%zx (UID %u) has CXL version %u (0 = CXL "
			     "1.1, 1 = CXL 2.0+)",
			     off, h->uid, h->cxl_version);
	} else {
		uint64_t want = h->cxl_version ? CEDT_CHBS_CHBCR_LENGTH : CEDT_CHBS_RCRB_LENGTH;

		if (h->length != want)
			findings_add(w->f, "cedt-chbs-bad-register-length", TOPO_SEVERITY_WARNING,
				     w->origin,
				     "CEDT: CHBS at offset 0x%zx (UID %u, version %u) has register "
				     "block length 0x%" PRIx64 ", must be 0x%" PRIx64,
				     off, h->uid, h->cxl_version, h->length, want);
	}
	return 0;
}

static void cfmws_bad(struct cedt_walk *w, struct acpi_cedt_cfmws *m, const char *id,
		      const char *what)
{
	findings_add(w->f, id, TOPO_SEVERITY_ERROR, w->origin,
		     "CEDT: CFMWS at offset 0x%zx [0x%" PRIx64 " size 0x%" PRIx64 "]: %s (Linux "
		     "skips the window)",
		     m->offset, m->base, m->size, what);
	m->usable = false;
}

static int parse_cfmws(struct cedt_walk *w, size_t off, const uint8_t *p, uint16_t len)
{
	struct acpi_cedt *c = w->out;

	if (len < CEDT_CFMWS_MIN) {
		findings_add(w->f, "cedt-bad-length", TOPO_SEVERITY_ERROR, w->origin,
			     "CEDT: CFMWS at offset 0x%zx has length %u, shorter than 36", off,
			     len);
		return 0;
	}
	struct acpi_cedt_cfmws *m = acpi_array_add(&c->cfmws, c->n_cfmws, sizeof(*m));
	if (!m)
		return -ENOMEM;
	c->n_cfmws++;
	m->offset = off;
	m->record_length = len;
	m->usable = true;
	m->base = acpi_get_u64(p + 8);
	m->size = acpi_get_u64(p + 16);
	m->eniw = p[24];
	m->ways = acpi_cedt_eniw_to_ways(m->eniw);
	m->arithmetic = p[25];
	m->hbig = acpi_get_u32(p + 28);
	m->granularity = m->hbig < 56 ? 256ull << m->hbig : 0;
	m->restrictions = acpi_get_u16(p + 32);
	m->qtg_id = acpi_get_u16(p + 34);
	reserved_field(w, off, p + 1, 1, "CFMWS");
	reserved_field(w, off, p + 4, 4, "CFMWS");
	reserved_field(w, off, p + 26, 2, "CFMWS");
	if (m->restrictions & ~0x3fu)
		findings_add(w->f, "cedt-reserved-bits", TOPO_SEVERITY_WARNING, w->origin,
			     "CEDT: CFMWS at offset 0x%zx: reserved restriction bits set (0x%04x)",
			     off, m->restrictions);

	uint32_t room = (uint32_t)(len - CEDT_CFMWS_MIN) / 4;
	m->n_targets = m->ways < room ? m->ways : room;
	if (m->n_targets) {
		m->targets = malloc(m->n_targets * sizeof(uint32_t));
		if (!m->targets)
			return -ENOMEM;
		for (uint32_t i = 0; i < m->n_targets; i++)
			m->targets[i] = acpi_get_u32(p + CEDT_CFMWS_MIN + 4u * i);
	}

	if (!m->ways) {
		char what[64];

		snprintf(what, sizeof(what), "encoded interleave ways %u is invalid", m->eniw);
		cfmws_bad(w, m, "cedt-cfmws-bad-eniw", what);
	} else if (room < m->ways) {
		char what[96];

		snprintf(what, sizeof(what), "length %u cannot hold the %u interleave targets", len,
			 m->ways);
		cfmws_bad(w, m, "cedt-cfmws-short-target-list", what);
	}
	if (m->base % CEDT_CFMWS_ALIGN || m->size % CEDT_CFMWS_ALIGN ||
	    (m->ways && m->size % (CEDT_CFMWS_ALIGN * m->ways)) || m->size == 0)
		cfmws_bad(w, m, "cedt-cfmws-misaligned",
			  "base and size must be 256 MiB aligned, size a multiple of 256 MiB x "
			  "ways");
	if (m->arithmetic > 1)
		cfmws_bad(w, m, "cedt-cfmws-bad-arithmetic",
			  "interleave arithmetic must be 0 (modulo) or 1 (XOR)");
	return 0;
}

static int parse_cxims(struct cedt_walk *w, size_t off, const uint8_t *p, uint16_t len)
{
	struct acpi_cedt *c = w->out;

	if (len < CEDT_CXIMS_MIN) {
		findings_add(w->f, "cedt-bad-length", TOPO_SEVERITY_ERROR, w->origin,
			     "CEDT: CXIMS at offset 0x%zx has length %u, shorter than 8", off, len);
		return 0;
	}
	struct acpi_cedt_cxims *x = acpi_array_add(&c->cxims, c->n_cxims, sizeof(*x));
	if (!x)
		return -ENOMEM;
	c->n_cxims++;
	x->offset = off;
	x->hbig = p[6];
	x->n_xormaps = p[7];
	reserved_field(w, off, p + 4, 2, "CXIMS");
	if (CEDT_CXIMS_MIN + 8u * x->n_xormaps != len)
		findings_add(w->f, "cedt-bad-length", TOPO_SEVERITY_ERROR, w->origin,
			     "CEDT: CXIMS at offset 0x%zx has length %u; %u XORMAPs need %u", off,
			     len, x->n_xormaps, CEDT_CXIMS_MIN + 8u * x->n_xormaps);
	uint32_t room = (uint32_t)(len - CEDT_CXIMS_MIN) / 8;
	if (room < x->n_xormaps)
		x->n_xormaps = (uint8_t)room;
	if (x->n_xormaps) {
		x->xormaps = malloc(x->n_xormaps * sizeof(uint64_t));
		if (!x->xormaps)
			return -ENOMEM;
		for (uint32_t i = 0; i < x->n_xormaps; i++)
			x->xormaps[i] = acpi_get_u64(p + CEDT_CXIMS_MIN + 8u * i);
	}
	return 0;
}

static void check_cross(struct cedt_walk *w)
{
	struct acpi_cedt *c = w->out;

	for (size_t i = 0; i < c->n_cfmws; i++) {
		struct acpi_cedt_cfmws *m = &c->cfmws[i];

		for (uint32_t k = 0; k < m->n_targets; k++) {
			bool found = false;

			for (size_t j = 0; j < c->n_chbs && !found; j++)
				found = c->chbs[j].uid == m->targets[k];
			if (!found)
				findings_add(
				    w->f, "cedt-cfmws-unknown-target", TOPO_SEVERITY_WARNING,
				    w->origin,
				    "CEDT: CFMWS at offset 0x%zx targets host bridge UID %u, "
				    "which no CHBS describes",
				    m->offset, m->targets[k]);
		}
		if (m->arithmetic == 1) {
			bool found = false;

			for (size_t j = 0; j < c->n_cxims && !found; j++)
				found = c->cxims[j].hbig == m->hbig;
			if (!found)
				cfmws_bad(w, m, "cedt-cfmws-xor-without-cxims",
					  "XOR interleave without a CXIMS of the same granularity");
		}
	}
}

int acpi_parse_cedt(const uint8_t *buf, size_t len, const char *origin, struct acpi_cedt *out,
		    struct findings *f)
{
	struct cedt_walk w = {.buf = buf, .origin = origin, .f = f, .out = out};
	size_t tlen;
	int r;

	memset(out, 0, sizeof(*out));
	r = acpi_table_header_parse(buf, len, "CEDT", origin, &out->hdr, &tlen, f);
	if (r < 0) {
		out->rejected = true;
		return r;
	}
	if (out->hdr.revision != 1)
		findings_add(f, "acpi-unexpected-revision", TOPO_SEVERITY_INFO, origin,
			     "CEDT: revision %u (known: 1)", out->hdr.revision);

	size_t off = ACPI_TABLE_HEADER_SIZE;
	while (off < tlen) {
		if (tlen - off < CEDT_STRUCT_HEADER_SIZE) {
			findings_add(f, "cedt-trailing-bytes", TOPO_SEVERITY_WARNING, origin,
				     "CEDT: %zu byte(s) at offset 0x%zx too short for a structure",
				     tlen - off, off);
			break;
		}
		const uint8_t *p = buf + off;
		uint8_t type = p[0];
		uint16_t slen = acpi_get_u16(p + 2);

		if (!acpi_struct_fits("CEDT", "structure", type, off, slen, tlen, origin, f)) {
			out->rejected = true;
			break;
		}
		switch (type) {
		case ACPI_CEDT_CHBS:
			reserved_field(&w, off, p + 1, 1, "CHBS");
			r = parse_chbs(&w, off, p, slen);
			break;
		case ACPI_CEDT_CFMWS:
			r = parse_cfmws(&w, off, p, slen);
			break;
		case ACPI_CEDT_CXIMS:
			reserved_field(&w, off, p + 1, 1, "CXIMS");
			r = parse_cxims(&w, off, p, slen);
			break;
		case ACPI_CEDT_RDPAS:
		case ACPI_CEDT_CSDS:
			out->n_other++;
			r = 0;
			break;
		default:
			findings_add(f, "cedt-unknown-type", TOPO_SEVERITY_WARNING, origin,
				     "CEDT: reserved structure type %u (length %u) at offset 0x%zx "
				     "skipped",
				     type, slen, off);
			out->n_other++;
			r = 0;
			break;
		}
		if (r < 0)
			return r;
		off += slen;
	}
	check_cross(&w);
	return out->rejected ? -EINVAL : 0;
}

void acpi_cedt_free(struct acpi_cedt *cedt)
{
	if (!cedt)
		return;
	for (size_t i = 0; i < cedt->n_cfmws; i++)
		free(cedt->cfmws[i].targets);
	for (size_t i = 0; i < cedt->n_cxims; i++)
		free(cedt->cxims[i].xormaps);
	free(cedt->chbs);
	free(cedt->cfmws);
	free(cedt->cxims);
	memset(cedt, 0, sizeof(*cedt));
}
