/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * acpi-mutate: make a broken ACPI table from a good (iasl-built) one, deterministically.
 *
 *   acpi-mutate MUTATION IN OUT
 *
 * Each mutation changes a few named fields of IN (located by walking the subtables, not by
 * hard-coded offsets) and writes OUT with the checksum fixed again, so that every broken
 * fixture is broken in exactly one way, except the mutations whose point is the checksum or
 * the size of the file. `acpi-mutate --list` prints the mutations.
 * Used at build time by fixtures/acpi/meson.build; independent of the parsers under test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct table {
	uint8_t *b;
	size_t len;
	int fix_checksum;
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "acpi-mutate: %s\n", what);
	exit(1);
}

/* Offset of the @nth (0-based) subtable of @type (-1: any type; nth -1: the last one). */
static size_t find(const struct table *t, int type, int nth)
{
	size_t off, found = 0;
	int seen = 0;
	const char *sig = (const char *)t->b;

	if (!memcmp(sig, "SRAT", 4))
		off = 48;
	else if (!memcmp(sig, "HMAT", 4) || !memcmp(sig, "NFIT", 4))
		off = 40;
	else if (!memcmp(sig, "CEDT", 4))
		off = 36;
	else
		die("no subtables in this table");
	while (off < t->len) {
		int ty;
		size_t l;

		if (!memcmp(sig, "SRAT", 4)) {
			ty = t->b[off];
			l = t->b[off + 1];
		} else if (!memcmp(sig, "HMAT", 4)) {
			ty = t->b[off] | t->b[off + 1] << 8;
			l = get32(t->b + off + 4);
		} else if (!memcmp(sig, "CEDT", 4)) {
			ty = t->b[off];
			l = t->b[off + 2] | t->b[off + 3] << 8;
		} else {
			ty = t->b[off] | t->b[off + 1] << 8;
			l = t->b[off + 2] | t->b[off + 3] << 8;
		}
		if (l == 0)
			die("zero-length subtable in the input");
		if (type < 0 || ty == type) {
			if (seen == nth)
				return off;
			found = off;
			seen++;
		}
		off += l;
	}
	if (nth == -1 && seen)
		return found;
	die("subtable not found");
}

static void set_length(struct table *t, size_t len)
{
	put32(t->b + 4, (uint32_t)len);
}

static int mutate(const char *m, struct table *t)
{
	uint8_t *b = t->b;
	size_t o;

	/* common header */
	if (!strcmp(m, "acpi-truncated-file")) {
		t->len = 100; /* Length still says the full size */
		t->fix_checksum = 0;
	} else if (!strcmp(m, "acpi-bad-checksum")) {
		b[9] ^= 0x5a;
		t->fix_checksum = 0;
	} else if (!strcmp(m, "acpi-length-past-file")) {
		set_length(t, t->len + 64);
		t->fix_checksum = 0;
	} else if (!strcmp(m, "acpi-wrong-signature")) {
		b[3] = 'X';
	} else if (!strcmp(m, "acpi-short-header")) {
		t->len = 20;
		t->fix_checksum = 0;
	} else if (!strcmp(m, "acpi-length-below-header")) {
		set_length(t, 20);
	} else if (!strcmp(m, "acpi-trailing-bytes")) {
		memset(b + t->len, 0, 4); /* buffer has room: see main() */
		t->len += 4;
		/* SRAT */
	} else if (!strcmp(m, "srat-zero-length")) {
		b[find(t, -1, 3) + 1] = 0;
	} else if (!strcmp(m, "srat-short-memory")) {
		o = find(t, -1, -1); /* the last subtable, a memory range: cut to 32 bytes */
		if (b[o] != 1)
			die("last subtable is not a memory range");
		b[o + 1] = 32;
		t->len -= 8;
		set_length(t, t->len);
	} else if (!strcmp(m, "srat-subtable-past-end")) {
		o = find(t, -1, -1);
		b[o + 1] = (uint8_t)(b[o + 1] + 8);
	} else if (!strcmp(m, "srat-reserved-bits")) {
		o = find(t, 1, 0);
		b[o + 29] |= 0x01; /* flags bit 8 */
	} else if (!strcmp(m, "srat-pxm-out-of-range")) {
		put32(b + find(t, 1, 0) + 2, 0x12345);
	} else if (!strcmp(m, "srat-overlapping-ranges")) {
		o = find(t, 1, 3); /* PXM 1 DRAM 10G-18G starts at 9G: inside PXM 0's 4G-10G */
		put64(b + o + 8, 9ull << 30);
	} else if (!strcmp(m, "srat-sp-in-window")) {
		o = find(t, 1, 3); /* PXM 2's NVDIMM 8G-12G becomes specific-purpose memory */
		put32(b + o + 28, 0x9);
	} else if (!strcmp(m, "srat-set-aside-into-ram")) {
		o = find(t, 1, 2); /* PXM 1's hot-pluggable window 4G-20G starts at 1G instead */
		put64(b + o + 8, 1ull << 30);
	} else if (!strcmp(m, "srat-unknown-type")) {
		o = find(t, 0, 7); /* the disabled APIC entry becomes a reserved type */
		b[o] = 0x0c;
	} else if (!strcmp(m, "srat-table-revision-field")) {
		put32(b + 36, 2);
	} else if (!strcmp(m, "srat-rev1-pxm-truncated")) {
		put32(b + find(t, 1, 1) + 2, 0x102); /* revision 1: Linux uses PXM 2 */
	} else if (!strcmp(m, "srat-bad-handle-type")) {
		b[find(t, 5, 0) + 3] = 2;
		/* SLIT (4 localities) */
	} else if (!strcmp(m, "slit-diagonal-not-10")) {
		b[44 + 1 * 4 + 1] = 11;
	} else if (!strcmp(m, "slit-off-diagonal-small")) {
		b[44 + 0 * 4 + 1] = 5;
		b[44 + 1 * 4 + 0] = 5;
	} else if (!strcmp(m, "slit-off-diagonal-10")) {
		b[44 + 2 * 4 + 3] = 10;
		b[44 + 3 * 4 + 2] = 10;
	} else if (!strcmp(m, "slit-asymmetric")) {
		b[44 + 0 * 4 + 3] = 30;
	} else if (!strcmp(m, "slit-too-many-localities")) {
		put64(b + 36, 5);
	} else if (!strcmp(m, "slit-huge-localities")) {
		put64(b + 36, 0x100000000ull);
		/* HMAT */
	} else if (!strcmp(m, "hmat-unknown-data-type")) {
		b[find(t, 1, 0) + 9] = 7;
	} else if (!strcmp(m, "hmat-unknown-revision")) {
		b[8] = 3;
	} else if (!strcmp(m, "hmat-set-revision-2")) {
		b[8] = 2;
	} else if (!strcmp(m, "hmat-set-revision-1")) {
		b[8] = 1;
	} else if (!strcmp(m, "hmat-zero-base-unit")) {
		put64(b + find(t, 1, 0) + 24, 0);
	} else if (!strcmp(m, "hmat-entry-overflow")) {
		put64(b + find(t, 1, 0) + 24, 0x10000000ull); /* 80 * 2^28 > 2^32 */
	} else if (!strcmp(m, "hmat-sllbi-short")) {
		o = find(t, 1, 0);
		put32(b + o + 16, get32(b + o + 16) + 1); /* one more target than the data holds */
	} else if (!strcmp(m, "hmat-zero-length")) {
		put32(b + find(t, -1, 0) + 4, 0);
	} else if (!strcmp(m, "hmat-bad-smbios-count")) {
		put16(b + find(t, 2, -1) + 30, 3);
	} else if (!strcmp(m, "hmat-bad-cache-attributes")) {
		o = find(t, 2, 0);
		b[o + 25] = (uint8_t)((b[o + 25] & 0xf0) | 3); /* associativity 3 */
	} else if (!strcmp(m, "hmat-reserved-nonzero")) {
		put32(b + 36, 1);
	} else if (!strcmp(m, "hmat-unknown-type")) {
		put16(b + find(t, 2, -1), 9);
	} else if (!strcmp(m, "hmat-memory-pd-missing")) {
		put32(b + find(t, 0, 2) + 16, 9);
	} else if (!strcmp(m, "hmat-initiator-missing")) {
		put32(b + find(t, 0, 3) + 12, 6);
		/* CEDT */
	} else if (!strcmp(m, "cedt-zero-length")) {
		put16(b + find(t, -1, 1) + 2, 0);
	} else if (!strcmp(m, "cedt-bad-eniw")) {
		b[find(t, 1, 0) + 24] = 5;
	} else if (!strcmp(m, "cedt-short-target-list")) {
		b[find(t, 1, 0) + 24] = 2; /* 4 ways, 2 targets */
	} else if (!strcmp(m, "cedt-misaligned")) {
		o = find(t, 1, 1);
		put64(b + o + 8, 0x3000000000ull + 0x100000);
	} else if (!strcmp(m, "cedt-xor-without-cxims")) {
		b[find(t, 2, 0) + 6] = 3;
	} else if (!strcmp(m, "cedt-unknown-target")) {
		put32(b + find(t, 1, 1) + 36, 9);
	} else if (!strcmp(m, "cedt-chbs-bad-version")) {
		put32(b + find(t, 0, 0) + 8, 2);
	} else if (!strcmp(m, "cedt-unknown-type")) {
		b[find(t, 2, 0)] = 9;
		/* NFIT */
	} else if (!strcmp(m, "nfit-zero-length")) {
		put16(b + find(t, -1, 1) + 2, 0);
	} else if (!strcmp(m, "nfit-unknown-range-type")) {
		b[find(t, 0, 0) + 16] ^= 0xff;
	} else if (!strcmp(m, "srat-x2apic-reserved")) {
		put16(b + find(t, 2, 0) + 2, 0x1); /* x2APIC Reserved1 (fwts SRATLocalx2apicReserved1) */
	} else if (!strcmp(m, "hmat-locality-reserved-bits")) {
		b[find(t, 1, 0) + 8] |= 0x40; /* SLLBI flags bit 6 (fwts HMAT Flags bits 4..7) */
	} else if (!strcmp(m, "cedt-restriction-bits")) {
		put16(b + find(t, 1, 0) + 32, 0x0046); /* CFMWS restrictions bit 6 (fwts) */
	} else if (!strcmp(m, "cedt-chbs-register-length")) {
		put64(b + find(t, 0, 0) + 24, 0x1000); /* CHBS Length (fwts CEDTBadCHBSLength) */
	} else if (!strcmp(m, "cedt-bad-arithmetic")) {
		b[find(t, 1, 0) + 25] = 2; /* interleave arithmetic (fwts CEDTBadInterleaveArithmetic) */
	} else if (!strcmp(m, "cedt-header-reserved")) {
		b[find(t, 0, 0) + 1] = 1; /* structure header Reserved (fwts CEDT Reserved) */
	} else if (!strcmp(m, "nfit-spa-index-zero")) {
		put16(b + find(t, 0, 0) + 4, 0);
	} else if (!strcmp(m, "nfit-reserved-bits")) {
		b[find(t, 0, 0) + 7] |= 0x80; /* flags bit 15 */
	} else if (!strcmp(m, "nfit-bad-mapping-attributes")) {
		put64(b + find(t, 0, 0) + 48, 0x8ull | 1ull << 40); /* WB and an undefined bit */
	} else if (!strcmp(m, "nfit-virtual-region-fields")) {
		/* the volatile range (index 3) becomes a virtual disk: GUID 77AB535A-45FC-624B-... */
		static const uint8_t vdisk[16] = {0x5a, 0x53, 0xab, 0x77, 0xfc, 0x45, 0x4b, 0x62,
						  0x55, 0x60, 0xf7, 0xb2, 0x81, 0xd1, 0xf9, 0x6e};
		memcpy(b + find(t, 0, 2) + 16, vdisk, 16);
	} else if (!strcmp(m, "nfit-spa-short")) {
		/* the first SPA range structure 48 bytes long instead of 56 (fwts
		 * NFITSubtableLength): its last 8 bytes cut out, the rest of the table moved up */
		o = find(t, 0, 0);
		put16(b + o + 2, 48);
		memmove(b + o + 48, b + o + 56, t->len - (o + 56));
		t->len -= 8;
		set_length(t, t->len);
	} else if (!strcmp(m, "nfit-spa-reserved")) {
		b[find(t, 0, 0) + 8] = 0x5a; /* SPA reserved bytes 8-11 (fwts NFIT reserved) */
	} else if (!strcmp(m, "nfit-subtable-past-end")) {
		o = find(t, -1, -1);
		put16(b + o + 2, (uint16_t)(b[o + 2] + 16));
	} else {
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		die("usage: acpi-mutate MUTATION IN OUT");

	FILE *in = fopen(argv[2], "rb");
	if (!in)
		die("cannot open input");
	static uint8_t buf[1 << 20];
	struct table t = {.b = buf, .fix_checksum = 1};
	t.len = fread(buf, 1, sizeof(buf) - 64, in);
	fclose(in);
	if (t.len < 36 || get32(buf + 4) != t.len)
		die("input is not a whole ACPI table");
	if (mutate(argv[1], &t) < 0)
		die("unknown mutation");
	if (t.fix_checksum) {
		size_t n = get32(buf + 4) < t.len ? get32(buf + 4) : t.len;
		uint8_t sum = 0;

		buf[9] = 0;
		for (size_t i = 0; i < n; i++)
			sum = (uint8_t)(sum + buf[i]);
		buf[9] = (uint8_t)-sum;
	}

	FILE *out = fopen(argv[3], "wb");
	if (!out || fwrite(buf, 1, t.len, out) != t.len || fclose(out) != 0)
		die("cannot write output");
	return 0;
}
