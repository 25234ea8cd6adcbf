/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SRAT, System Resource Affinity Table (reference/acpi.md §1.2, §1.6, §4).
 *
 * Subtables are walked by their Length whatever the table revision says: QEMU emits SRAT
 * revision 1 carrying Generic Initiator / Generic Port subtables. What Linux does with a bad
 * SRAT ("SRAT: SRAT not used") is mirrored as -EINVAL + an error finding.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"

#define SRAT_HEADER_SIZE 48

/* Structure size per subtable type (ACPI 6.6). */
static const uint8_t srat_sizes[] = {
    [ACPI_SRAT_CPU_APIC] = 16,	   [ACPI_SRAT_MEMORY] = 40,    [ACPI_SRAT_CPU_X2APIC] = 24,
    [ACPI_SRAT_CPU_GICC] = 18,	   [ACPI_SRAT_GIC_ITS] = 12,   [ACPI_SRAT_GENERIC_INITIATOR] = 32,
    [ACPI_SRAT_GENERIC_PORT] = 32, [ACPI_SRAT_CPU_RINTC] = 20,
};

static const char *const srat_names[] = {
    [ACPI_SRAT_CPU_APIC] = "Local APIC/SAPIC affinity",
    [ACPI_SRAT_MEMORY] = "Memory affinity",
    [ACPI_SRAT_CPU_X2APIC] = "Local x2APIC affinity",
    [ACPI_SRAT_CPU_GICC] = "GICC affinity",
    [ACPI_SRAT_GIC_ITS] = "GIC ITS affinity",
    [ACPI_SRAT_GENERIC_INITIATOR] = "Generic Initiator affinity",
    [ACPI_SRAT_GENERIC_PORT] = "Generic Port affinity",
    [ACPI_SRAT_CPU_RINTC] = "RINTC affinity",
};

struct srat_walk {
	const uint8_t *buf;
	const char *origin;
	struct findings *f;
	struct acpi_srat *out;
};

static void reserved_field(struct srat_walk *w, size_t off, const uint8_t *p, size_t n,
			   const char *what)
{
	if (!acpi_all_zero(p, n))
		findings_add(w->f, "srat-reserved-nonzero", TOPO_SEVERITY_WARNING, w->origin,
			     "SRAT: %s at offset 0x%zx: reserved field is not zero", what, off);
}

static void reserved_bits(struct srat_walk *w, size_t off, uint32_t flags, uint32_t known,
			  const char *what)
{
	if (flags & ~known)
		findings_add(w->f, "srat-reserved-bits", TOPO_SEVERITY_WARNING, w->origin,
			     "SRAT: %s at offset 0x%zx: reserved flag bits set (flags 0x%08x)",
			     what, off, flags);
}

static int add_cpu(struct srat_walk *w, size_t off, uint8_t type, const uint8_t *p)
{
	struct acpi_srat *s = w->out;
	struct acpi_srat_cpu *c = acpi_array_add(&s->cpus, s->n_cpus, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->offset = off;
	c->type = type;
	switch (type) {
	case ACPI_SRAT_CPU_APIC:
		c->pxm_raw =
		    p[2] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 | (uint32_t)p[11] << 24;
		/* Linux uses Proximity Domain [31:8] only from SRAT revision 2 on */
		c->pxm = s->hdr.revision >= 2 ? c->pxm_raw : p[2];
		c->id = p[3];
		c->flags = acpi_get_u32(p + 4);
		c->sapic_eid = p[8];
		c->clock_domain = acpi_get_u32(p + 12);
		break;
	case ACPI_SRAT_CPU_X2APIC:
		reserved_field(w, off, p + 2, 2, srat_names[type]);
		reserved_field(w, off, p + 20, 4, srat_names[type]);
		c->pxm = c->pxm_raw = acpi_get_u32(p + 4);
		c->id = acpi_get_u32(p + 8);
		c->flags = acpi_get_u32(p + 12);
		c->clock_domain = acpi_get_u32(p + 16);
		break;
	case ACPI_SRAT_CPU_GICC:
		c->pxm = c->pxm_raw = acpi_get_u32(p + 2);
		c->id = acpi_get_u32(p + 6);
		c->flags = acpi_get_u32(p + 10);
		c->clock_domain = acpi_get_u32(p + 14);
		break;
	default: /* ACPI_SRAT_CPU_RINTC */
		reserved_field(w, off, p + 2, 2, srat_names[type]);
		c->pxm = c->pxm_raw = acpi_get_u32(p + 4);
		c->id = acpi_get_u32(p + 8);
		c->flags = acpi_get_u32(p + 12);
		c->clock_domain = acpi_get_u32(p + 16);
		break;
	}
	c->enabled = c->flags & ACPI_SRAT_ENABLED;
	reserved_bits(w, off, c->flags, ACPI_SRAT_ENABLED, srat_names[type]);
	if (c->pxm != c->pxm_raw)
		findings_add(w->f, "srat-pxm-truncated", TOPO_SEVERITY_WARNING, w->origin,
			     "SRAT: revision %u table: CPU entry at offset 0x%zx has proximity "
			     "domain 0x%08x; Linux ignores bits 31:8 and uses %u",
			     s->hdr.revision, off, c->pxm_raw, c->pxm);
	s->n_cpus++;
	return 0;
}

static int add_mem(struct srat_walk *w, size_t off, const uint8_t *p)
{
	struct acpi_srat *s = w->out;
	struct acpi_srat_mem *m = acpi_array_add(&s->mems, s->n_mems, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->offset = off;
	m->pxm_raw = acpi_get_u32(p + 2);
	m->pxm = s->hdr.revision <= 1 ? (m->pxm_raw & 0xff) : m->pxm_raw;
	m->base = acpi_get_u64(p + 8);
	m->length = acpi_get_u64(p + 16);
	m->flags = acpi_get_u32(p + 28);
	m->enabled = m->flags & ACPI_SRAT_ENABLED;
	m->hotplug = m->flags & ACPI_SRAT_MEM_HOT_PLUGGABLE;
	m->nonvolatile = m->flags & ACPI_SRAT_MEM_NON_VOLATILE;
	m->specific_purpose = m->flags & ACPI_SRAT_MEM_SPECIFIC_PURPOSE;
	reserved_field(w, off, p + 6, 2, srat_names[ACPI_SRAT_MEMORY]);
	reserved_field(w, off, p + 24, 4, srat_names[ACPI_SRAT_MEMORY]);
	reserved_field(w, off, p + 32, 8, srat_names[ACPI_SRAT_MEMORY]);
	/* bit 3 Specific-Purpose is ACPI 6.6 (fwts still reports it as reserved) */
	reserved_bits(w, off, m->flags,
		      ACPI_SRAT_ENABLED | ACPI_SRAT_MEM_HOT_PLUGGABLE | ACPI_SRAT_MEM_NON_VOLATILE |
			  ACPI_SRAT_MEM_SPECIFIC_PURPOSE,
		      srat_names[ACPI_SRAT_MEMORY]);
	if (m->pxm != m->pxm_raw)
		findings_add(w->f, "srat-pxm-truncated", TOPO_SEVERITY_WARNING, w->origin,
			     "SRAT: revision %u table: memory entry at offset 0x%zx has proximity "
			     "domain 0x%08x; Linux uses only bits 7:0 (%u)",
			     s->hdr.revision, off, m->pxm_raw, m->pxm);
	if (m->enabled && m->length == 0)
		findings_add(w->f, "srat-zero-length-range", TOPO_SEVERITY_WARNING, w->origin,
			     "SRAT: enabled memory range at offset 0x%zx (PXM %u) has length 0",
			     off, m->pxm);
	if (m->enabled && m->length && m->base + m->length - 1 < m->base) {
		findings_add(w->f, "srat-range-wraps", TOPO_SEVERITY_ERROR, w->origin,
			     "SRAT: memory range at offset 0x%zx: base 0x%" PRIx64
			     " + length 0x%" PRIx64 " wraps around the address space",
			     off, m->base, m->length);
		s->rejected = true;
	}
	s->n_mems++;
	return 0;
}

static int add_gi(struct srat_walk *w, size_t off, uint8_t type, const uint8_t *p)
{
	struct acpi_srat *s = w->out;
	struct acpi_srat_gi *g = acpi_array_add(&s->gis, s->n_gis, sizeof(*g));
	const char *what = srat_names[type];

	if (!g)
		return -ENOMEM;
	g->offset = off;
	g->type = type;
	g->handle_type = p[3];
	g->pxm = acpi_get_u32(p + 4);
	memcpy(g->handle, p + 8, 16);
	g->flags = acpi_get_u32(p + 24);
	g->enabled = g->flags & ACPI_SRAT_ENABLED;
	reserved_field(w, off, p + 2, 1, what);
	reserved_field(w, off, p + 28, 4, what);
	reserved_bits(w, off, g->flags, ACPI_SRAT_ENABLED | ACPI_SRAT_GI_ARCH_TRANSACTIONS, what);
	if (g->handle_type == 0) {
		memcpy(g->acpi_hid, g->handle, 8);
		g->acpi_hid[8] = '\0';
		g->acpi_uid = acpi_get_u32(g->handle + 8);
		reserved_field(w, off, g->handle + 12, 4, what);
	} else if (g->handle_type == 1) {
		g->pci_segment = acpi_get_u16(g->handle);
		g->pci_bdf = acpi_get_u16(g->handle + 2);
		reserved_field(w, off, g->handle + 4, 12, what);
	} else {
		findings_add(w->f, "srat-bad-handle-type", TOPO_SEVERITY_WARNING, w->origin,
			     "SRAT: %s at offset 0x%zx: device handle type %u is reserved "
			     "(0 = ACPI, 1 = PCI)",
			     what, off, g->handle_type);
	}
	s->n_gis++;
	return 0;
}

static int add_its(struct srat_walk *w, size_t off, const uint8_t *p)
{
	struct acpi_srat *s = w->out;
	struct acpi_srat_its *t = acpi_array_add(&s->its, s->n_its, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->offset = off;
	t->pxm = acpi_get_u32(p + 2);
	t->its_id = acpi_get_u32(p + 8);
	reserved_field(w, off, p + 6, 2, srat_names[ACPI_SRAT_GIC_ITS]);
	s->n_its++;
	return 0;
}

/* Linux rejects the whole SRAT for these lengths; other types only need their fields. */
static bool srat_length_rejected(uint8_t type, uint8_t len)
{
	switch (type) {
	case ACPI_SRAT_CPU_APIC:
		return len != 16;
	default:
		return len < srat_sizes[type];
	}
}

static int parse_subtable(struct srat_walk *w, size_t off, uint8_t type, uint8_t len)
{
	const uint8_t *p = w->buf + off;

	if (type >= sizeof(srat_sizes)) {
		findings_add(w->f, "srat-unknown-type", TOPO_SEVERITY_WARNING, w->origin,
			     "SRAT: reserved subtable type %u (length %u) at offset 0x%zx skipped",
			     type, len, off);
		w->out->n_unknown++;
		return 0;
	}
	if (len != srat_sizes[type]) {
		bool rejected = srat_length_rejected(type, len);

		findings_add(w->f, "srat-bad-length",
			     rejected ? TOPO_SEVERITY_ERROR : TOPO_SEVERITY_WARNING, w->origin,
			     "SRAT: %s at offset 0x%zx has length %u, expected %u%s",
			     srat_names[type], off, len, srat_sizes[type],
			     rejected ? " (Linux discards the SRAT)" : "");
		if (rejected)
			w->out->rejected = true;
		if (len < srat_sizes[type])
			return 0; /* cannot read its fields */
	}

	switch (type) {
	case ACPI_SRAT_CPU_APIC:
	case ACPI_SRAT_CPU_X2APIC:
	case ACPI_SRAT_CPU_GICC:
	case ACPI_SRAT_CPU_RINTC:
		return add_cpu(w, off, type, p);
	case ACPI_SRAT_MEMORY:
		return add_mem(w, off, p);
	case ACPI_SRAT_GIC_ITS:
		return add_its(w, off, p);
	default:
		return add_gi(w, off, type, p);
	}
}

static void check_pxm(struct srat_walk *w, bool enabled, uint32_t pxm, size_t off)
{
	if (!enabled || pxm < ACPI_MAX_PXM_DOMAINS)
		return;
	findings_add(w->f, "srat-pxm-out-of-range", TOPO_SEVERITY_ERROR, w->origin,
		     "SRAT: entry at offset 0x%zx has proximity domain %u, beyond the %u the "
		     "kernel can map (\"Too many proximity domains\": SRAT not used)",
		     off, pxm, ACPI_MAX_PXM_DOMAINS);
	w->out->rejected = true;
}

/*
 * Boot RAM as numa_cleanup_meminfo() sees it (mm/numa_memblks.c; arch/x86/mm/numa.c before
 * 6.12): the blocks that overlap memblock.memory. The SRAT alone stands for the firmware
 * memory map here: a range that is hot-pluggable, non-volatile or specific-purpose is not
 * boot RAM (hotplug windows and persistent memory are not E820 RAM; EFI specific-purpose
 * memory is taken out of memblock), every other enabled range is.
 */
static bool boot_ram(const struct acpi_srat_mem *m)
{
	return !m->hotplug && !m->nonvolatile && !m->specific_purpose;
}

/*
 * The kernel's overlap rule, numa_cleanup_meminfo(): first every block that does not
 * overlap boot RAM is set aside (moved to numa_reserved_meminfo: hot-pluggable windows,
 * persistent memory, ranges outside memblock), and the others are trimmed to
 * [start of boot RAM, end of boot RAM), the part above set aside too; then two remaining
 * blocks of different nodes that overlap make NUMA initialisation fail ("node %d [mem ...]
 * overlaps with node %d"): Linux boots without the SRAT's nodes. Overlaps among the blocks
 * set aside are harmless. Enabled non-empty ranges are sorted by base; each is compared with
 * the furthest-reaching one before it. This is x86's rule (and, through mm/numa_memblks.c,
 * arm64's and loongarch's since 6.12; arm64 before that, drivers/base/arch_numa.c, did not
 * check overlaps at all): tiertopo applies it on every architecture.
 */
static int check_overlaps(struct srat_walk *w)
{
	struct acpi_srat *s = w->out;
	struct blk {
		uint64_t base, last;
		const struct acpi_srat_mem *m;
	} *v = calloc(s->n_mems ? 2 * s->n_mems : 1, sizeof(*v));
	size_t n = 0, n_aside = 0;
	uint64_t low = UINT64_MAX, high = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_mems; i++) {
		const struct acpi_srat_mem *m = &s->mems[i];
		if (m->enabled && m->length && m->base + m->length - 1 >= m->base && boot_ram(m)) {
			low = m->base < low ? m->base : low;
			high = m->base + m->length - 1 > high ? m->base + m->length - 1 : high;
		}
	}
	/* kept blocks first (trimmed to boot RAM), the set-aside ones after them */
	struct blk *aside = v + s->n_mems;
	for (size_t i = 0; i < s->n_mems; i++) {
		const struct acpi_srat_mem *m = &s->mems[i];
		if (!m->enabled || !m->length || m->base + m->length - 1 < m->base)
			continue;
		uint64_t last = m->base + m->length - 1;
		bool ram = false;
		for (size_t k = 0; k < s->n_mems && !ram; k++) {
			const struct acpi_srat_mem *r = &s->mems[k];
			ram = r->enabled && r->length && r->base + r->length - 1 >= r->base &&
			      boot_ram(r) && r->base <= last && m->base <= r->base + r->length - 1;
		}
		if (!ram) {
			aside[n_aside++] = (struct blk){m->base, last, m};
			continue;
		}
		uint64_t b = m->base > low ? m->base : low, e = last < high ? last : high;
		if (b <= e)
			v[n++] = (struct blk){b, e, m};
	}
	for (int pass = 0; pass < 2; pass++) {
		struct blk *x = pass ? aside : v;
		size_t nx = pass ? n_aside : n;
		for (size_t i = 1; i < nx; i++) /* by base, then table order: insertion sort */
			for (size_t j = i; j > 0 && (x[j].base < x[j - 1].base ||
						     (x[j].base == x[j - 1].base &&
						      x[j].m->offset < x[j - 1].m->offset)); j--) {
				struct blk t = x[j];
				x[j] = x[j - 1];
				x[j - 1] = t;
			}
		const struct blk *reach = NULL; /* block with the highest end so far */
		for (size_t i = 0; i < nx; i++) {
			const struct acpi_srat_mem *m = x[i].m;
			if (reach && x[i].base <= reach->last) {
				const struct acpi_srat_mem *r = reach->m;
				bool same = m->pxm == r->pxm;
				const char *id = pass ? "srat-overlap-set-aside"
					       : same ? "srat-overlapping-ranges-same-pxm"
						      : "srat-overlapping-ranges";
				findings_add(
				    w->f, id, pass || same ? TOPO_SEVERITY_INFO : TOPO_SEVERITY_ERROR,
				    w->origin,
				    "SRAT: memory range [0x%" PRIx64 "-0x%" PRIx64 "] of PXM %u "
				    "overlaps [0x%" PRIx64 "-0x%" PRIx64 "] of PXM %u%s",
				    m->base, m->base + m->length - 1, m->pxm, r->base,
				    r->base + r->length - 1, r->pxm,
				    pass ? ": neither is boot RAM (hot-pluggable, persistent or "
					   "specific-purpose), so Linux sets both aside before its "
					   "overlap check (numa_cleanup_meminfo()) and keeps the SRAT"
				    : same ? ""
					   : " (Linux discards the SRAT: numa_cleanup_meminfo() fails "
					     "on boot RAM of two nodes)");
				if (!pass && !same)
					s->rejected = true;
			}
			if (!reach || x[i].last > reach->last)
				reach = &x[i];
		}
	}
	free(v);
	return 0;
}

static int cmp_cpu_id(const void *a, const void *b)
{
	const struct acpi_srat_cpu *x = *(const struct acpi_srat_cpu *const *)a;
	const struct acpi_srat_cpu *y = *(const struct acpi_srat_cpu *const *)b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int check_duplicate_cpus(struct srat_walk *w)
{
	struct acpi_srat *s = w->out;
	const struct acpi_srat_cpu **v = calloc(s->n_cpus ? s->n_cpus : 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_cpus; i++)
		if (s->cpus[i].enabled)
			v[n++] = &s->cpus[i];
	qsort(v, n, sizeof(*v), cmp_cpu_id);
	for (size_t i = 1; i < n; i++)
		if (v[i]->type == v[i - 1]->type && v[i]->id == v[i - 1]->id)
			findings_add(w->f, "srat-duplicate-cpu", TOPO_SEVERITY_WARNING, w->origin,
				     "SRAT: %s entries at offsets 0x%zx and 0x%zx both describe "
				     "id 0x%x",
				     srat_names[v[i]->type], v[i - 1]->offset, v[i]->offset,
				     v[i]->id);
	free(v);
	return 0;
}

int acpi_parse_srat(const uint8_t *buf, size_t len, const char *origin, struct acpi_srat *out,
		    struct findings *f)
{
	struct srat_walk w = {.buf = buf, .origin = origin, .f = f, .out = out};
	size_t tlen;
	int r;

	memset(out, 0, sizeof(*out));
	r = acpi_table_header_parse(buf, len, "SRAT", origin, &out->hdr, &tlen, f);
	if (r < 0) {
		out->rejected = true;
		return r;
	}
	if (out->hdr.revision < 1 || out->hdr.revision > 3)
		findings_add(f, "acpi-unexpected-revision", TOPO_SEVERITY_INFO, origin,
			     "SRAT: revision %u (known: 1 to 3)", out->hdr.revision);
	if (tlen < SRAT_HEADER_SIZE) {
		findings_add(f, "srat-too-short", TOPO_SEVERITY_ERROR, origin,
			     "SRAT: %zu bytes, shorter than the 48-byte SRAT header", tlen);
		out->rejected = true;
		return -EINVAL;
	}
	out->table_revision = acpi_get_u32(buf + 36);
	if (out->table_revision != 1)
		findings_add(f, "srat-table-revision-field", TOPO_SEVERITY_WARNING, origin,
			     "SRAT: the \"Table Revision\" field at offset 36 is %u, must be 1",
			     out->table_revision);
	reserved_field(&w, 40, buf + 40, 8, "table header");

	size_t off = SRAT_HEADER_SIZE;
	while (off < tlen) {
		if (tlen - off < 2) {
			findings_add(f, "srat-trailing-bytes", TOPO_SEVERITY_WARNING, origin,
				     "SRAT: %zu byte(s) at offset 0x%zx too short for a subtable",
				     tlen - off, off);
			break;
		}
		uint8_t type = buf[off], slen = buf[off + 1];

		if (!acpi_struct_fits("SRAT", "subtable", type, off, slen, tlen, origin, f)) {
			out->rejected = true;
			break;
		}
		r = parse_subtable(&w, off, type, slen);
		if (r < 0)
			return r;
		off += slen;
	}

	for (size_t i = 0; i < out->n_cpus; i++)
		check_pxm(&w, out->cpus[i].enabled, out->cpus[i].pxm, out->cpus[i].offset);
	for (size_t i = 0; i < out->n_mems; i++)
		check_pxm(&w, out->mems[i].enabled, out->mems[i].pxm, out->mems[i].offset);
	for (size_t i = 0; i < out->n_gis; i++)
		if (out->gis[i].type == ACPI_SRAT_GENERIC_INITIATOR)
			check_pxm(&w, out->gis[i].enabled, out->gis[i].pxm, out->gis[i].offset);
	r = check_overlaps(&w);
	if (r < 0)
		return r;
	r = check_duplicate_cpus(&w);
	if (r < 0)
		return r;
	return out->rejected ? -EINVAL : 0;
}

void acpi_srat_free(struct acpi_srat *srat)
{
	if (!srat)
		return;
	free(srat->cpus);
	free(srat->mems);
	free(srat->gis);
	free(srat->its);
	memset(srat, 0, sizeof(*srat));
}

bool acpi_srat_has_mem_pxm(const struct acpi_srat *srat, uint32_t pxm)
{
	for (size_t i = 0; i < srat->n_mems; i++)
		if (srat->mems[i].enabled && srat->mems[i].pxm == pxm)
			return true;
	return false;
}

bool acpi_srat_has_pxm(const struct acpi_srat *srat, uint32_t pxm)
{
	if (acpi_srat_has_mem_pxm(srat, pxm))
		return true;
	for (size_t i = 0; i < srat->n_cpus; i++)
		if (srat->cpus[i].enabled && srat->cpus[i].pxm == pxm)
			return true;
	for (size_t i = 0; i < srat->n_gis; i++)
		if (srat->gis[i].enabled && srat->gis[i].pxm == pxm)
			return true;
	return false;
}
