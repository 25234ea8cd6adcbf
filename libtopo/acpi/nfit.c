/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NFIT, NVDIMM Firmware Interface Table (ACPI 6.x §5.2.26). Only the System Physical Address
 * (SPA) Range structures matter for topology: they say which ranges are persistent memory and
 * which proximity domain they belong to. The other structures are skipped by Length.
 *
 * Table: 36-byte header, u32 reserved, structures from offset 40 (u16 Type, u16 Length).
 * SPA range (type 0, 56 bytes; 64 with the ACPI 6.4 location cookie):
 *   4 Range Index u16, 6 Flags u16 (bit0 add/online only, bit1 proximity domain valid,
 *   bit2 location cookie valid), 8 Reserved u32, 12 Proximity Domain u32,
 *   16 Range Type GUID, 32 Base u64, 40 Length u64, 48 Memory Mapping Attributes u64.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"

#define NFIT_HEADER_SIZE 40
#define NFIT_STRUCT_HEADER_SIZE 4
#define NFIT_SPA_MIN 56
#define NFIT_TYPE_SPA 0

/* GUIDs in their textual form; compared after formatting the table bytes. */
static const struct {
	const char *guid;
	enum acpi_nfit_range_type type;
	const char *name;
} nfit_guids[] = {
    {"7305944F-FDDA-44E3-B16C-3F22D252E5D0", ACPI_NFIT_RANGE_VOLATILE, "volatile"},
    {"66F0D379-B4F3-4074-AC43-0D3318B78CDB", ACPI_NFIT_RANGE_PERSISTENT, "persistent"},
    {"92F701F6-13B4-405D-910B-299367E8234C", ACPI_NFIT_RANGE_CONTROL, "control-region"},
    {"91AF0530-5D86-470E-A6B0-0A2DB9408249", ACPI_NFIT_RANGE_BLOCK_DATA, "block-data"},
    {"77AB535A-45FC-624B-5560-F7B281D1F96E", ACPI_NFIT_RANGE_VOLATILE_VDISK,
     "volatile-virtual-disk"},
    {"3D5ABD30-4175-87CE-6D64-D2ADE523C4BB", ACPI_NFIT_RANGE_VOLATILE_VCD, "volatile-virtual-cd"},
    {"5CEA02C9-4D07-69D3-269F-4496FBE096F9", ACPI_NFIT_RANGE_PERSISTENT_VDISK,
     "persistent-virtual-disk"},
    {"08018188-42CD-BB48-100F-5387D53DED3D", ACPI_NFIT_RANGE_PERSISTENT_VCD,
     "persistent-virtual-cd"},
};

void acpi_guid_format(const uint8_t g[16], char out[37])
{
	snprintf(out, 37, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", acpi_get_u32(g),
		 acpi_get_u16(g + 4), acpi_get_u16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13],
		 g[14], g[15]);
}

enum acpi_nfit_range_type acpi_nfit_range_type_from_guid(const uint8_t guid[16])
{
	char s[37];

	acpi_guid_format(guid, s);
	for (size_t i = 0; i < sizeof(nfit_guids) / sizeof(nfit_guids[0]); i++)
		if (strcmp(s, nfit_guids[i].guid) == 0)
			return nfit_guids[i].type;
	return ACPI_NFIT_RANGE_UNKNOWN;
}

const char *acpi_nfit_range_type_name(enum acpi_nfit_range_type type)
{
	for (size_t i = 0; i < sizeof(nfit_guids) / sizeof(nfit_guids[0]); i++)
		if (nfit_guids[i].type == type)
			return nfit_guids[i].name;
	return "unknown";
}

static int parse_spa(const uint8_t *p, size_t off, uint16_t len, const char *origin,
		     struct acpi_nfit *out, struct findings *f)
{
	if (len < NFIT_SPA_MIN) {
		findings_add(f, "nfit-bad-length", TOPO_SEVERITY_ERROR, origin,
			     "NFIT: SPA range structure at offset 0x%zx has length %u, shorter "
			     "than 56",
			     off, len);
		return 0;
	}
	struct acpi_nfit_spa *s = acpi_array_add(&out->spa, out->n_spa, sizeof(*s));
	if (!s)
		return -ENOMEM;
	out->n_spa++;
	s->offset = off;
	s->range_index = acpi_get_u16(p + 4);
	s->flags = acpi_get_u16(p + 6);
	s->proximity_valid = s->flags & ACPI_NFIT_SPA_PROXIMITY_VALID;
	s->pxm = acpi_get_u32(p + 12);
	memcpy(s->guid, p + 16, 16);
	s->range_type = acpi_nfit_range_type_from_guid(s->guid);
	s->base = acpi_get_u64(p + 32);
	s->length = acpi_get_u64(p + 40);
	s->memory_mapping = acpi_get_u64(p + 48);
	if (!acpi_all_zero(p + 8, 4))
		findings_add(f, "nfit-reserved-nonzero", TOPO_SEVERITY_WARNING, origin,
			     "NFIT: SPA range at offset 0x%zx: reserved field is not zero", off);
	/* fwts (src/acpi/nfit): the SPA range checks that concern the ranges themselves */
	bool virt = s->range_type >= ACPI_NFIT_RANGE_VOLATILE_VDISK;
	if (!virt && s->range_index == 0)
		findings_add(f, "nfit-spa-index-zero", TOPO_SEVERITY_ERROR, origin,
			     "NFIT: SPA range at offset 0x%zx has structure index 0, which only "
			     "virtual disk and CD regions may have: memory device structures "
			     "cannot refer to it (fwts NFITBadRangeIndexZero)", off);
	if (virt && (s->range_index || s->flags || s->pxm || s->memory_mapping))
		findings_add(f, "nfit-virtual-region-fields", TOPO_SEVERITY_WARNING, origin,
			     "NFIT: SPA range at offset 0x%zx is a virtual disk or CD region, whose "
			     "index, flags, proximity domain and memory mapping attributes must "
			     "be 0 (here %u, 0x%x, %u, 0x%" PRIx64 ") (fwts NFITBadRangeIndexNonZero, "
			     "NFITBadFlagsNonZero, NFITBadProximityDomainNonZero, "
			     "NFITBadMemoryAttributeNonZero)", off, s->range_index, s->flags, s->pxm,
			     s->memory_mapping);
	if (s->flags & 0xfff8)
		findings_add(f, "nfit-reserved-bits", TOPO_SEVERITY_WARNING, origin,
			     "NFIT: SPA range at offset 0x%zx sets reserved flag bits (0x%x; bits "
			     "15:3 are reserved) (fwts NFITFlagsReservedNonZero)", off, s->flags);
	/* the UEFI memory attributes: UC WC WT WB UCE, WP RP XP NV MORE_RELIABLE RO SP */
	if (s->memory_mapping & ~UINT64_C(0x7f01f))
		findings_add(f, "nfit-bad-mapping-attributes", TOPO_SEVERITY_WARNING, origin,
			     "NFIT: SPA range at offset 0x%zx has memory mapping attributes "
			     "0x%" PRIx64 ", with bits UEFI does not define (fwts "
			     "NFITBadMemoryMappingAttribute)", off, s->memory_mapping);
	if (s->range_type == ACPI_NFIT_RANGE_UNKNOWN) {
		char g[37];

		acpi_guid_format(s->guid, g);
		findings_add(f, "nfit-unknown-range-type", TOPO_SEVERITY_INFO, origin,
			     "NFIT: SPA range at offset 0x%zx has range type GUID %s, not one "
			     "ACPI defines",
			     off, g);
	}
	return 0;
}

int acpi_parse_nfit(const uint8_t *buf, size_t len, const char *origin, struct acpi_nfit *out,
		    struct findings *f)
{
	size_t tlen;
	int r;

	memset(out, 0, sizeof(*out));
	r = acpi_table_header_parse(buf, len, "NFIT", origin, &out->hdr, &tlen, f);
	if (r < 0) {
		out->rejected = true;
		return r;
	}
	if (out->hdr.revision != 1)
		findings_add(f, "acpi-unexpected-revision", TOPO_SEVERITY_INFO, origin,
			     "NFIT: revision %u (known: 1)", out->hdr.revision);
	if (tlen < NFIT_HEADER_SIZE) {
		findings_add(f, "nfit-too-short", TOPO_SEVERITY_ERROR, origin,
			     "NFIT: %zu bytes, shorter than the 40-byte NFIT header", tlen);
		out->rejected = true;
		return -EINVAL;
	}
	if (!acpi_all_zero(buf + 36, 4))
		findings_add(f, "nfit-reserved-nonzero", TOPO_SEVERITY_WARNING, origin,
			     "NFIT: reserved field at offset 0x24 is not zero");

	size_t off = NFIT_HEADER_SIZE;
	while (off < tlen) {
		if (tlen - off < NFIT_STRUCT_HEADER_SIZE) {
			findings_add(f, "nfit-trailing-bytes", TOPO_SEVERITY_WARNING, origin,
				     "NFIT: %zu byte(s) at offset 0x%zx too short for a structure",
				     tlen - off, off);
			break;
		}
		const uint8_t *p = buf + off;
		uint16_t type = acpi_get_u16(p), slen = acpi_get_u16(p + 2);

		if (!acpi_struct_fits("NFIT", "structure", type, off, slen, tlen, origin, f)) {
			out->rejected = true;
			break;
		}
		if (type == NFIT_TYPE_SPA) {
			r = parse_spa(p, off, slen, origin, out, f);
			if (r < 0)
				return r;
		} else {
			out->n_other++;
		}
		off += slen;
	}
	return out->rejected ? -EINVAL : 0;
}

void acpi_nfit_free(struct acpi_nfit *nfit)
{
	if (!nfit)
		return;
	free(nfit->spa);
	memset(nfit, 0, sizeof(*nfit));
}
