/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * acpi_hmat_normalize() follows Linux hmat_normalize() (reference/kernel.md §5):
 * value = entry x base; 0 and 0xFFFF mean "not provided"; a product that does not fit in
 * 32 bits is dropped; revision 2 latency is in ps (rounded up to ns), bandwidth in MB/s;
 * revision 1 products are tenths (< 10 -> no value, else rounded up / 10).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>

#include "acpi/acpi.h"

static uint32_t norm(uint16_t entry, uint64_t base, uint8_t rev, uint8_t type, int want_rc)
{
	uint32_t v = 12345;
	int r = acpi_hmat_normalize(entry, base, rev, type, &v);

	cr_assert_eq(r, want_rc, "entry %u base %llu rev %u type %u: rc %d", entry,
		     (unsigned long long)base, rev, type, r);
	if (r)
		cr_assert_eq(v, 0, "no value must read as 0");
	return v;
}

Test(normalize, rev2_latency_is_picoseconds_rounded_up_to_nanoseconds)
{
	cr_assert_eq(norm(80, 1000, 2, ACPI_HMAT_READ_LATENCY, 0), 80);
	cr_assert_eq(norm(0x038B, 100, 2, ACPI_HMAT_READ_LATENCY, 0), 91); /* 90.7 ns */
	cr_assert_eq(norm(1, 1, 2, ACPI_HMAT_ACCESS_LATENCY, 0), 1);	   /* 1 ps -> 1 ns */
	cr_assert_eq(norm(1000, 1, 2, ACPI_HMAT_WRITE_LATENCY, 0), 1);
	cr_assert_eq(norm(1001, 1, 2, ACPI_HMAT_WRITE_LATENCY, 0), 2);
}

Test(normalize, rev2_bandwidth_is_megabytes_per_second_unscaled)
{
	cr_assert_eq(norm(20, 1024, 2, ACPI_HMAT_ACCESS_BANDWIDTH, 0), 20480);
	cr_assert_eq(norm(0x0A3D, 100, 2, ACPI_HMAT_READ_BANDWIDTH, 0), 262100);
	cr_assert_eq(norm(7, 1, 2, ACPI_HMAT_WRITE_BANDWIDTH, 0), 7);
}

Test(normalize, rev1_values_are_tenths_for_latency_and_bandwidth)
{
	cr_assert_eq(norm(100, 10, 1, ACPI_HMAT_ACCESS_LATENCY, 0), 100);
	cr_assert_eq(norm(45, 1, 1, ACPI_HMAT_ACCESS_LATENCY, 0), 5); /* 4.5 -> 5 */
	cr_assert_eq(norm(20480, 10, 1, ACPI_HMAT_ACCESS_BANDWIDTH, 0), 20480);
	cr_assert_eq(norm(11, 1, 1, ACPI_HMAT_READ_BANDWIDTH, 0), 2);
	cr_assert_eq(norm(10, 1, 1, ACPI_HMAT_READ_BANDWIDTH, 0), 1);
	/* below one unit: Linux reports no value */
	norm(9, 1, 1, ACPI_HMAT_ACCESS_LATENCY, -ENODATA);
	norm(3, 3, 1, ACPI_HMAT_ACCESS_BANDWIDTH, -ENODATA);
}

Test(normalize, zero_and_ffff_mean_not_provided_in_both_revisions)
{
	for (uint8_t rev = 1; rev <= 2; rev++) {
		for (uint8_t type = 0; type <= ACPI_HMAT_WRITE_BANDWIDTH; type++) {
			norm(0, 1000, rev, type, -ENODATA);
			norm(0xFFFF, 1000, rev, type, -ENODATA);
		}
	}
	/* 0xFFFE and 0x7FFF are valid maxima (QEMU tests use them) */
	cr_assert_eq(norm(0xFFFE, 1000, 2, ACPI_HMAT_ACCESS_LATENCY, 0), 65534);
	cr_assert_eq(norm(0x7FFF, 1, 2, ACPI_HMAT_ACCESS_BANDWIDTH, 0), 32767);
}

Test(normalize, products_beyond_32_bits_are_dropped)
{
	/* largest product that fits: 0xFFFE * 65538 = 4294967292 <= UINT32_MAX */
	cr_assert_eq(norm(0xFFFE, 65538, 2, ACPI_HMAT_ACCESS_BANDWIDTH, 0), 4294967292u);
	norm(0xFFFE, 65539, 2, ACPI_HMAT_ACCESS_BANDWIDTH, -ERANGE);
	cr_assert_eq(norm(1, UINT32_MAX, 2, ACPI_HMAT_ACCESS_BANDWIDTH, 0), UINT32_MAX);
	norm(1, (uint64_t)UINT32_MAX + 1, 2, ACPI_HMAT_ACCESS_BANDWIDTH, -ERANGE);
	norm(2, 1ull << 63, 1, ACPI_HMAT_ACCESS_LATENCY, -ERANGE);
	/* overflow is decided on the product, before the ps -> ns division */
	norm(80, 0x10000000, 2, ACPI_HMAT_READ_LATENCY, -ERANGE);
}

Test(normalize, unknown_revision_or_data_type_has_no_unit)
{
	norm(10, 10, 0, ACPI_HMAT_ACCESS_LATENCY, -EINVAL);
	norm(10, 10, 3, ACPI_HMAT_ACCESS_LATENCY, -EINVAL);
	norm(10, 10, 2, 6, -EINVAL);
}

Test(normalize, latency_data_types_are_0_to_2)
{
	cr_assert(acpi_hmat_data_type_is_latency(ACPI_HMAT_ACCESS_LATENCY));
	cr_assert(acpi_hmat_data_type_is_latency(ACPI_HMAT_WRITE_LATENCY));
	cr_assert_not(acpi_hmat_data_type_is_latency(ACPI_HMAT_ACCESS_BANDWIDTH));
}

Test(normalize, cfmws_encoded_ways)
{
	static const uint32_t ways[16] = {1, 2, 4, 8, 16, 0, 0, 0, 3, 6, 12, 0, 0, 0, 0, 0};

	for (uint8_t e = 0; e < 16; e++)
		cr_assert_eq(acpi_cedt_eniw_to_ways(e), ways[e], "eniw %u", e);
	cr_assert_eq(acpi_cedt_eniw_to_ways(0xff), 0);
}

Test(normalize, nfit_guids_classify_ranges)
{
	/* 66F0D379-B4F3-4074-AC43-0D3318B78CDB as stored: first three fields little-endian */
	static const uint8_t pmem[16] = {0x79, 0xD3, 0xF0, 0x66, 0xF3, 0xB4, 0x74, 0x40,
					 0xAC, 0x43, 0x0D, 0x33, 0x18, 0xB7, 0x8C, 0xDB};
	static const uint8_t vol[16] = {0x4F, 0x94, 0x05, 0x73, 0xDA, 0xFD, 0xE3, 0x44,
					0xB1, 0x6C, 0x3F, 0x22, 0xD2, 0x52, 0xE5, 0xD0};
	uint8_t other[16] = {0};
	char s[37];

	cr_assert_eq(acpi_nfit_range_type_from_guid(pmem), ACPI_NFIT_RANGE_PERSISTENT);
	cr_assert_eq(acpi_nfit_range_type_from_guid(vol), ACPI_NFIT_RANGE_VOLATILE);
	cr_assert_eq(acpi_nfit_range_type_from_guid(other), ACPI_NFIT_RANGE_UNKNOWN);
	acpi_guid_format(pmem, s);
	cr_assert_str_eq(s, "66F0D379-B4F3-4074-AC43-0D3318B78CDB");
	cr_assert_str_eq(acpi_nfit_range_type_name(ACPI_NFIT_RANGE_PERSISTENT), "persistent");
}
