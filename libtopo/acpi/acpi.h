/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pure ACPI table parsers: raw table bytes in, plain structs and findings out. No I/O.
 * Layouts, Linux's rejection rules and the fwts checks are in reference/acpi.md.
 *
 * Every parse function:
 *   - initialises *out first (so *_free(out) is always safe, even after an error),
 *   - reads every field bytewise (tables are unaligned, little-endian),
 *   - records every problem as a finding whose path is @origin (may be NULL),
 *   - returns 0, -EINVAL when Linux would reject / ignore the whole table (what could be
 *     read is still in *out, with out->rejected set), or -ENOMEM.
 * Severity says how bad a problem is; the return value says whether Linux would use the table.
 *
 * Finding ids (stable; lowercase-hyphenated; prefixed by table):
 *
 *   acpi-too-short                buffer smaller than the 36-byte table header (rejected)
 *   acpi-bad-signature            signature is not the one expected (rejected)
 *   acpi-bad-length               header Length < 36 (rejected)
 *   acpi-truncated                header Length larger than the bytes available (rejected)
 *   acpi-trailing-bytes           more bytes than header Length; the excess is ignored
 *   acpi-bad-checksum             byte sum of the table is not 0 (warning; Linux still uses it)
 *   acpi-unexpected-revision      table revision not one the parser knows (info)
 *
 *   srat-too-short                table shorter than the 48-byte SRAT header (rejected)
 *   srat-table-revision-field     "Table Revision" field at offset 36 is not 1 (fwts)
 *   srat-reserved-nonzero         a reserved field is not zero (fwts SRATReservedNonZero)
 *   srat-reserved-bits            reserved flag bits set (fwts SRATReservedBitsNonZero)
 *   srat-zero-length              subtable Length 0: walk stopped (rejected)
 *   srat-truncated                subtable runs past the table end: walk stopped (rejected)
 *   srat-trailing-bytes           1 byte left after the last subtable (too short for a header)
 *   srat-bad-length               subtable Length is not its structure size; rejected when
 *                                 Linux rejects it (type 0 != 16, type 1 < 40, type 2 < 24)
 *                                 or when it is too short to hold the fields
 *   srat-unknown-type             reserved subtable type (>= 8): skipped by Length
 *   srat-pxm-truncated            rev <= 1 table: Linux keeps only PXM bits 7:0 of memory
 *                                 entries (or bits 31:8 of type 0 are ignored) and they differ
 *   srat-pxm-out-of-range         enabled CPU/memory/GI entry PXM >= ACPI_MAX_PXM_DOMAINS:
 *                                 "Too many proximity domains" (rejected)
 *   srat-overlapping-ranges       boot RAM ranges of different PXMs overlap (rejected, as
 *                                 numa_cleanup_meminfo() fails on them)
 *   srat-overlap-set-aside        ranges that are not boot RAM (hot-pluggable, persistent,
 *                                 specific-purpose) overlap: info, Linux sets them aside
 *                                 first (numa_cleanup_meminfo()) and keeps the SRAT
 *   srat-overlapping-ranges-same-pxm  enabled ranges of the same PXM overlap (info; merged)
 *   srat-zero-length-range        enabled memory range of length 0
 *   srat-range-wraps              base + length overflows 64 bits (rejected)
 *   srat-duplicate-cpu            two enabled CPU entries of one type with the same id
 *   srat-bad-handle-type          GI/GP device handle type not 0 (ACPI) or 1 (PCI)
 *
 *   slit-too-short                table shorter than 44 bytes (rejected)
 *   slit-truncated                44 + N*N larger than the table (rejected)
 *   slit-too-many-localities      N > 0xFFFF (fwts; rejected)
 *   slit-diagonal-not-10          Entry[i][i] != 10 (Linux slit_valid: rejected)
 *   slit-off-diagonal-too-small   Entry[i][j] <= 10 for i != j (Linux slit_valid: rejected)
 *   slit-entry-reserved           an entry in 0..9 (reserved values, fwts SLITEntryReserved)
 *   slit-asymmetric               Entry[i][j] != Entry[j][i] (info: legal)
 *   slit-trailing-bytes           table longer than 44 + N*N
 *   slit-pxm-without-locality     (cross-check) an enabled SRAT PXM >= N: default distances
 *
 *   hmat-too-short                table shorter than the 40-byte HMAT header (rejected)
 *   hmat-unknown-revision         revision not 1 or 2: Linux ignores the table (rejected)
 *   hmat-reserved-nonzero         a reserved field is not zero (fwts HMATReservedNonZero)
 *   hmat-reserved-bits            reserved flag bits set (fwts HMATReservedBitsNonZero)
 *   hmat-zero-length              structure Length 0: walk stopped (rejected)
 *   hmat-truncated                structure runs past the table end: walk stopped (rejected)
 *   hmat-trailing-bytes           fewer than 8 bytes left after the last structure
 *   hmat-bad-length               type 0 != 40, SLLBI < 32+4s+4t+2st, cache < 32 (rejected)
 *   hmat-length-mismatch          SLLBI / cache Length larger than its content (warning)
 *   hmat-unknown-type             reserved structure type (>= 3): skipped by Length
 *   hmat-unknown-data-type        SLLBI data type > 5 (fwts HMATBadFDataType)
 *   hmat-bad-base-unit            SLLBI entry base unit 0 (fwts HMATBadBaseUnit)
 *   hmat-bad-hierarchy            SLLBI memory hierarchy > 3 (rev 2) or > 4 (rev 1)
 *   hmat-entry-overflow           entry * base unit does not fit in u32 (Linux drops it)
 *   hmat-duplicate-pd             a PD listed twice in one SLLBI initiator or target list
 *   hmat-bad-cache-attributes     cache levels > 3, level 0 or > total, associativity or
 *                                 write policy > 2 (fwts HMATBadCacheAttributeReserved)
 *   hmat-bad-smbios-count         cache Length != 32 + 2n (fwts HMATBadNumberOfSMBIOS)
 *   hmat-rev1-layout-in-rev2      rev 2 table with rev-1 fields (type 0 flag bits 1/2 or an
 *                                 address range in the reserved u64s): revision mix-up
 *   hmat-rev1-memory-pd-invalid   rev 1 type 0 without "Memory PD valid": Linux skips it
 *   hmat-pxm-not-in-srat          (cross-check) type 0 memory PD with initiator-valid flag is
 *                                 not an enabled SRAT memory PXM (Linux: HMAT ignored), or an
 *                                 SLLBI target / unflagged memory PD is unknown (warning)
 *   hmat-initiator-not-in-srat    (cross-check) type 0 attached initiator (flag set) has no
 *                                 SRAT node (Linux: HMAT ignored), or an SLLBI initiator is
 *                                 unknown to SRAT (warning)
 *
 *   cedt-zero-length              structure Record Length 0: walk stopped (rejected)
 *   cedt-truncated                structure runs past the table end: walk stopped (rejected)
 *   cedt-trailing-bytes           fewer than 4 bytes left after the last structure
 *   cedt-unknown-type             structure type > 4: skipped
 *   cedt-reserved-nonzero         a reserved field is not zero (fwts CEDTReservedNonZero)
 *   cedt-reserved-bits            CFMWS restriction bits 15:6 set (fwts)
 *   cedt-bad-length               CHBS != 32, CXIMS != 8+8n, CFMWS < 36 (structure skipped)
 *   cedt-chbs-bad-cxl-version     CHBS CXL version > 1
 *   cedt-chbs-bad-register-length CHBS Length != 0x2000 (v0) / 0x10000 (v1)
 *   cedt-cfmws-bad-eniw           encoded interleave ways not 0..4 or 8..10 (Linux: window
 *                                 rejected)
 *   cedt-cfmws-short-target-list  Length < 36 + 4 * ways (Linux: window rejected)
 *   cedt-cfmws-misaligned         base or size not 256 MiB aligned, or size not a multiple of
 *                                 256 MiB * ways (Linux: window rejected)
 *   cedt-cfmws-bad-arithmetic     interleave arithmetic > 1 (Linux: window rejected)
 *   cedt-cfmws-xor-without-cxims  XOR window with no CXIMS of the same granularity
 *   cedt-cfmws-unknown-target     target UID matches no CHBS
 *
 *   nfit-too-short                table shorter than the 40-byte NFIT header (rejected)
 *   nfit-zero-length              structure Length 0: walk stopped (rejected)
 *   nfit-truncated                structure runs past the table end: walk stopped (rejected)
 *   nfit-trailing-bytes           fewer than 4 bytes left after the last structure
 *   nfit-reserved-nonzero         a reserved field is not zero
 *   nfit-bad-length               SPA range structure shorter than 56 bytes (skipped)
 *   nfit-unknown-range-type       SPA range type GUID is not one ACPI defines (info)
 *   nfit-spa-index-zero           SPA range index 0 on a range that is not a virtual disk/CD
 *                                 (error; fwts NFITBadRangeIndexZero)
 *   nfit-virtual-region-fields    virtual disk/CD range with a non-zero index, flags, PXM or
 *                                 mapping attributes (fwts NFITBad*NonZero)
 *   nfit-reserved-bits            SPA range flag bits 15:3 set (fwts)
 *   nfit-bad-mapping-attributes   mapping attribute bits UEFI does not define (fwts
 *                                 NFITBadMemoryMappingAttribute)
 */
#ifndef TOPO_ACPI_H
#define TOPO_ACPI_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define ACPI_TABLE_HEADER_SIZE 36

/*
 * Linux MAX_PXM_DOMAINS = max(256, MAX_NUMNODES); Debian x86-64 kernels have
 * CONFIG_NODES_SHIFT=10, i.e. 1024 nodes.
 */
#define ACPI_MAX_PXM_DOMAINS 1024u

/* ---- common header (table.c) ---- */

struct acpi_table_header {
	char signature[5];
	uint32_t length; /* header Length field */
	uint8_t revision;
	uint8_t checksum;
	char oem_id[7];
	char oem_table_id[9];
	uint32_t oem_revision;
	char creator_id[5];
	uint32_t creator_revision;
	bool checksum_ok;
};

/*
 * Validate and decode the 36-byte header: size, signature (@sig, 4 chars, or NULL for any),
 * Length >= 36 and <= @len, checksum (warning only). On success *@table_len is the number of
 * bytes of the table proper (header Length). Returns 0 or -EINVAL.
 */
int acpi_table_header_parse(const uint8_t *buf, size_t len, const char *sig, const char *origin,
			    struct acpi_table_header *out, size_t *table_len, struct findings *f);

/* ---- SRAT (srat.c) ---- */

enum acpi_srat_type {
	ACPI_SRAT_CPU_APIC = 0,
	ACPI_SRAT_MEMORY = 1,
	ACPI_SRAT_CPU_X2APIC = 2,
	ACPI_SRAT_CPU_GICC = 3,
	ACPI_SRAT_GIC_ITS = 4,
	ACPI_SRAT_GENERIC_INITIATOR = 5,
	ACPI_SRAT_GENERIC_PORT = 6,
	ACPI_SRAT_CPU_RINTC = 7,
};

#define ACPI_SRAT_ENABLED (1u << 0)
#define ACPI_SRAT_MEM_HOT_PLUGGABLE (1u << 1)
#define ACPI_SRAT_MEM_NON_VOLATILE (1u << 2)
#define ACPI_SRAT_MEM_SPECIFIC_PURPOSE (1u << 3) /* ACPI 6.6 */
#define ACPI_SRAT_GI_ARCH_TRANSACTIONS (1u << 1)

/* Types 0, 2, 3 and 7 unified. */
struct acpi_srat_cpu {
	size_t offset;	   /* of the subtable in the table */
	uint8_t type;	   /* enum acpi_srat_type */
	uint32_t pxm;	   /* as Linux uses it (type 0: bits 31:8 only when SRAT rev >= 2) */
	uint32_t pxm_raw;  /* all 32 bits the table holds */
	uint32_t id;	   /* APIC id, x2APIC id, or ACPI processor UID (GICC, RINTC) */
	uint8_t sapic_eid; /* type 0 only */
	uint32_t flags;
	uint32_t clock_domain;
	bool enabled;
};

struct acpi_srat_mem {
	size_t offset;
	uint32_t pxm; /* as Linux uses it (rev <= 1: bits 7:0) */
	uint32_t pxm_raw;
	uint64_t base;
	uint64_t length;
	uint32_t flags;
	bool enabled, hotplug, nonvolatile, specific_purpose;
};

/* Types 5 (Generic Initiator) and 6 (Generic Port): one layout. */
struct acpi_srat_gi {
	size_t offset;
	uint8_t type;
	uint8_t handle_type; /* 0 ACPI (_HID[8] _UID u32), 1 PCI (segment u16, BDF u16) */
	uint32_t pxm;
	uint8_t handle[16];
	uint32_t flags;
	bool enabled;
	/* decoded handle */
	char acpi_hid[9];
	uint32_t acpi_uid;
	uint16_t pci_segment, pci_bdf;
};

struct acpi_srat_its {
	size_t offset;
	uint32_t pxm;
	uint32_t its_id;
};

struct acpi_srat {
	struct acpi_table_header hdr;
	uint32_t table_revision; /* the reserved "Table Revision" field at offset 36 */
	struct acpi_srat_cpu *cpus;
	size_t n_cpus;
	struct acpi_srat_mem *mems;
	size_t n_mems;
	struct acpi_srat_gi *gis; /* generic initiators and generic ports */
	size_t n_gis;
	struct acpi_srat_its *its;
	size_t n_its;
	size_t n_unknown; /* reserved-type subtables skipped */
	bool rejected;
};

int acpi_parse_srat(const uint8_t *buf, size_t len, const char *origin, struct acpi_srat *out,
		    struct findings *f);
void acpi_srat_free(struct acpi_srat *srat);
/* True if an enabled SRAT entry of any kind (CPU, memory, GI, GP) names @pxm. */
bool acpi_srat_has_pxm(const struct acpi_srat *srat, uint32_t pxm);
/* True if an enabled memory range names @pxm (a Linux HMAT memory target). */
bool acpi_srat_has_mem_pxm(const struct acpi_srat *srat, uint32_t pxm);

/* ---- SLIT (slit.c) ---- */

struct acpi_slit {
	struct acpi_table_header hdr;
	uint64_t localities; /* N as in the table */
	uint8_t *entries;    /* N*N, row-major; NULL if the table could not hold them */
	bool rejected;
};

int acpi_parse_slit(const uint8_t *buf, size_t len, const char *origin, struct acpi_slit *out,
		    struct findings *f);
void acpi_slit_free(struct acpi_slit *slit);
/* Distance from locality @i to @j, or 0 when out of range. */
uint8_t acpi_slit_distance(const struct acpi_slit *slit, uint64_t i, uint64_t j);
/* Cross-check against SRAT: every enabled PXM should have a locality. */
void acpi_slit_check_srat(const struct acpi_slit *slit, const struct acpi_srat *srat,
			  const char *origin, struct findings *f);

/* ---- HMAT (hmat.c) ---- */

enum acpi_hmat_type {
	ACPI_HMAT_PROXIMITY_DOMAIN = 0, /* rev 1: memory subsystem address range */
	ACPI_HMAT_LOCALITY = 1,
	ACPI_HMAT_CACHE = 2,
};

enum acpi_hmat_data_type {
	ACPI_HMAT_ACCESS_LATENCY = 0,
	ACPI_HMAT_READ_LATENCY = 1,
	ACPI_HMAT_WRITE_LATENCY = 2,
	ACPI_HMAT_ACCESS_BANDWIDTH = 3,
	ACPI_HMAT_READ_BANDWIDTH = 4,
	ACPI_HMAT_WRITE_BANDWIDTH = 5,
};

#define ACPI_HMAT_INITIATOR_PD_VALID (1u << 0) /* rev 1: processor PD valid */
#define ACPI_HMAT_MEMORY_PD_VALID (1u << 1)    /* rev 1 only */
#define ACPI_HMAT_RESERVATION_HINT (1u << 2)   /* rev 1 only */

struct acpi_hmat_proximity {
	size_t offset;
	uint16_t flags;
	uint32_t initiator_pd; /* rev 1: processor PD */
	uint32_t memory_pd;
	uint64_t range_base;   /* rev 1 only (reserved in rev 2) */
	uint64_t range_length; /* rev 1 only */
};

struct acpi_hmat_locality {
	size_t offset;
	uint8_t flags;
	uint8_t hierarchy;	   /* flags bits 3:0 */
	uint8_t access_attributes; /* flags bits 5:4 */
	uint8_t data_type;
	uint8_t min_transfer_size;
	uint64_t entry_base_unit;
	uint32_t n_initiators, n_targets;
	uint32_t *initiators; /* n_initiators PDs */
	uint32_t *targets;    /* n_targets PDs */
	uint16_t *entries;    /* n_initiators * n_targets, initiator-major */
};

struct acpi_hmat_cache {
	size_t offset;
	uint32_t memory_pd;
	uint64_t size;
	uint32_t attributes;
	uint8_t total_levels, level, associativity, write_policy;
	uint16_t line_size;
	uint16_t address_mode;
	uint16_t n_smbios;
	uint16_t *smbios_handles; /* the handles the Length actually holds (<= n_smbios) */
	uint16_t n_smbios_read;
};

struct acpi_hmat {
	struct acpi_table_header hdr;
	uint8_t revision;
	struct acpi_hmat_proximity *proximity;
	size_t n_proximity;
	struct acpi_hmat_locality *locality;
	size_t n_locality;
	struct acpi_hmat_cache *caches;
	size_t n_caches;
	size_t n_unknown;
	bool rejected;
};

int acpi_parse_hmat(const uint8_t *buf, size_t len, const char *origin, struct acpi_hmat *out,
		    struct findings *f);
void acpi_hmat_free(struct acpi_hmat *hmat);
/* Entry of a locality structure, or 0 when out of range. */
uint16_t acpi_hmat_entry(const struct acpi_hmat_locality *loc, uint32_t i, uint32_t t);
static inline bool acpi_hmat_data_type_is_latency(uint8_t data_type)
{
	return data_type <= ACPI_HMAT_WRITE_LATENCY;
}

#define HMAT_NO_VALUE 0xFFFFu
#define HMAT_LINUX_UNIT_ROUND 1000 /* rev 2 latency: ps -> ns */

/*
 * Linux hmat_normalize(): entry * base, then rev 2 latency ps -> ns (rounded up), rev 2
 * bandwidth MB/s as is, rev 1 both in tenths (< 10 -> no value, else rounded up / 10).
 * Returns 0 and *value; -ENODATA (*value = 0) for entry 0 / 0xFFFF (not provided) or a rev-1
 * product < 10; -ERANGE (*value = 0) when entry * base does not fit in u32 (Linux drops it);
 * -EINVAL for a revision other than 1/2 or a data type > 5. Inline: the merge normalizes
 * every entry of every matrix, a million on a 1024-node machine.
 */
static inline int acpi_hmat_normalize(uint16_t entry, uint64_t base, uint8_t revision,
				      uint8_t data_type, uint32_t *value)
{
	*value = 0;
	if ((revision != 1 && revision != 2) || data_type > ACPI_HMAT_WRITE_BANDWIDTH)
		return -EINVAL;
	if (entry == 0 || entry == HMAT_NO_VALUE)
		return -ENODATA;
	/* entry * base > UINT32_MAX, without a division */
	if (base > UINT32_MAX || (uint64_t)entry * base > UINT32_MAX)
		return -ERANGE;

	uint32_t v = (uint32_t)(entry * base);
	if (revision == 1) {
		/* Linux reads revision 1 products as tenths of the unit */
		if (v < 10)
			return -ENODATA;
		v = v / 10 + (v % 10 != 0);
	} else if (acpi_hmat_data_type_is_latency(data_type)) {
		v = v / HMAT_LINUX_UNIT_ROUND + (v % HMAT_LINUX_UNIT_ROUND != 0);
	}
	*value = v;
	return 0;
}
/*
 * Cross-check against SRAT the way Linux hmat.c does. Returns -EINVAL when Linux would
 * ignore the HMAT (type-0 structure with the initiator flag naming PDs SRAT lacks), else 0.
 */
int acpi_hmat_check_srat(const struct acpi_hmat *hmat, const struct acpi_srat *srat,
			 const char *origin, struct findings *f);

/* ---- CEDT (cedt.c) ---- */

enum acpi_cedt_type {
	ACPI_CEDT_CHBS = 0,
	ACPI_CEDT_CFMWS = 1,
	ACPI_CEDT_CXIMS = 2,
	ACPI_CEDT_RDPAS = 3,
	ACPI_CEDT_CSDS = 4,
};

#define ACPI_CEDT_CFMWS_TYPE2 (1u << 0)
#define ACPI_CEDT_CFMWS_TYPE3 (1u << 1)
#define ACPI_CEDT_CFMWS_VOLATILE (1u << 2)
#define ACPI_CEDT_CFMWS_PMEM (1u << 3)
#define ACPI_CEDT_CFMWS_FIXED (1u << 4)
#define ACPI_CEDT_CFMWS_BI (1u << 5)

struct acpi_cedt_chbs {
	size_t offset;
	uint32_t uid;
	uint32_t cxl_version;
	uint64_t base, length;
};

struct acpi_cedt_cfmws {
	size_t offset;
	uint16_t record_length;
	uint64_t base, size;
	uint8_t eniw;	      /* encoded */
	uint32_t ways;	      /* decoded; 0 if eniw is invalid */
	uint8_t arithmetic;   /* 0 modulo, 1 XOR */
	uint32_t hbig;	      /* encoded granularity */
	uint64_t granularity; /* 256 << hbig bytes; 0 if hbig is absurd */
	uint16_t restrictions;
	uint16_t qtg_id;
	uint32_t n_targets; /* targets the record actually holds (<= ways) */
	uint32_t *targets;  /* CHBS UIDs */
	bool usable;	    /* Linux cxl_acpi_cfmws_verify() would accept it */
};

struct acpi_cedt_cxims {
	size_t offset;
	uint8_t hbig;
	uint8_t n_xormaps;
	uint64_t *xormaps;
};

struct acpi_cedt {
	struct acpi_table_header hdr;
	struct acpi_cedt_chbs *chbs;
	size_t n_chbs;
	struct acpi_cedt_cfmws *cfmws;
	size_t n_cfmws;
	struct acpi_cedt_cxims *cxims;
	size_t n_cxims;
	size_t n_other; /* RDPAS, CSDS and unknown structures, skipped */
	bool rejected;
};

int acpi_parse_cedt(const uint8_t *buf, size_t len, const char *origin, struct acpi_cedt *out,
		    struct findings *f);
void acpi_cedt_free(struct acpi_cedt *cedt);
/* Decoded interleave ways for an ENIW value, 0 if invalid. */
uint32_t acpi_cedt_eniw_to_ways(uint8_t eniw);

/* ---- NFIT (nfit.c) ---- */

enum acpi_nfit_range_type {
	ACPI_NFIT_RANGE_UNKNOWN = 0,
	ACPI_NFIT_RANGE_VOLATILE,	  /* 7305944F-FDDA-44E3-B16C-3F22D252E5D0 */
	ACPI_NFIT_RANGE_PERSISTENT,	  /* 66F0D379-B4F3-4074-AC43-0D3318B78CDB */
	ACPI_NFIT_RANGE_CONTROL,	  /* 92F701F6-13B4-405D-910B-299367E8234C */
	ACPI_NFIT_RANGE_BLOCK_DATA,	  /* 91AF0530-5D86-470E-A6B0-0A2DB9408249 */
	ACPI_NFIT_RANGE_VOLATILE_VDISK,	  /* 77AB535A-45FC-624B-5560-F7B281D1F96E */
	ACPI_NFIT_RANGE_VOLATILE_VCD,	  /* 3D5ABD30-4175-87CE-6D64-D2ADE523C4BB */
	ACPI_NFIT_RANGE_PERSISTENT_VDISK, /* 5CEA02C9-4D07-69D3-269F-4496FBE096F9 */
	ACPI_NFIT_RANGE_PERSISTENT_VCD,	  /* 08018188-42CD-BB48-100F-5387D53DED3D */
};

#define ACPI_NFIT_SPA_ADD_ONLINE_ONLY (1u << 0)
#define ACPI_NFIT_SPA_PROXIMITY_VALID (1u << 1)
#define ACPI_NFIT_SPA_LOCATION_COOKIE_VALID (1u << 2)

struct acpi_nfit_spa {
	size_t offset;
	uint16_t range_index;
	uint16_t flags;
	bool proximity_valid;
	uint32_t pxm;
	uint8_t guid[16]; /* raw bytes as in the table */
	enum acpi_nfit_range_type range_type;
	uint64_t base, length;
	uint64_t memory_mapping;
};

struct acpi_nfit {
	struct acpi_table_header hdr;
	struct acpi_nfit_spa *spa;
	size_t n_spa;
	size_t n_other; /* structures of other types, skipped */
	bool rejected;
};

int acpi_parse_nfit(const uint8_t *buf, size_t len, const char *origin, struct acpi_nfit *out,
		    struct findings *f);
void acpi_nfit_free(struct acpi_nfit *nfit);
/* Classify a 16-byte GUID as stored in the table (mixed-endian). */
enum acpi_nfit_range_type acpi_nfit_range_type_from_guid(const uint8_t guid[16]);
const char *acpi_nfit_range_type_name(enum acpi_nfit_range_type type);
/* "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" (upper case, 37 bytes with NUL) */
void acpi_guid_format(const uint8_t guid[16], char out[37]);

/* ---- internal helpers shared by the parsers (table.c) ---- */

static inline uint16_t acpi_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t acpi_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t acpi_get_u64(const uint8_t *p)
{
	return (uint64_t)acpi_get_u32(p) | (uint64_t)acpi_get_u32(p + 4) << 32;
}

/* True if @n bytes at @p are all zero. */
bool acpi_all_zero(const uint8_t *p, size_t n);
/*
 * The Length of a subtable at @off of a table whose used length is @tlen: 0 would loop
 * forever and past the end would read bytes that are not the table's. Either is an error
 * finding, "<table>-zero-length" or "<table>-truncated", and the walk must stop (the table is
 * rejected). @what is "subtable" or "structure", as the table's specification calls them.
 */
bool acpi_struct_fits(const char *table, const char *what, unsigned int type, size_t off,
		      size_t slen, size_t tlen, const char *origin, struct findings *f);
/*
 * Make room for element @n of the array *@v (elements of @size bytes); capacity grows in
 * powers of two. Returns a pointer to the new (zeroed) element or NULL on -ENOMEM.
 */
void *acpi_array_add(void *v_ptr, size_t n, size_t size);

#endif
