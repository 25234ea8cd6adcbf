/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The common ACPI table header (reference/acpi.md §1.1) and helpers shared by the parsers.
 * Validation order mirrors Linux/ACPICA: size >= 36, signature, Length >= 36 and <= bytes
 * available, then the checksum, which only warns (Linux and ACPICA still use the table).
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "acpi/acpi.h"

bool acpi_all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

void *acpi_array_add(void *v_ptr, size_t n, size_t size)
{
	void *v;

	memcpy(&v, v_ptr, sizeof(v));
	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
		size_t cap = n ? n * 2 : 4;

		if (cap > SIZE_MAX / size)
			return NULL;
		v = realloc(v, cap * size);
		if (!v)
			return NULL;
		memcpy(v_ptr, &v, sizeof(v));
	}
	void *e = (uint8_t *)v + n * size;
	memset(e, 0, size);
	return e;
}

/* Copy @n bytes as a printable C string (the fields are not NUL terminated). */
static void copy_ascii(char *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int acpi_table_header_parse(const uint8_t *buf, size_t len, const char *sig, const char *origin,
			    struct acpi_table_header *out, size_t *table_len, struct findings *f)
{
	const char *name = sig ? sig : "ACPI";

	memset(out, 0, sizeof(*out));
	*table_len = 0;
	if (!buf || len < ACPI_TABLE_HEADER_SIZE) {
		findings_add(f, "acpi-too-short", TOPO_SEVERITY_ERROR, origin,
			     "%s: %zu bytes, shorter than the 36-byte ACPI table header", name,
			     len);
		return -EINVAL;
	}

	copy_ascii(out->signature, buf, 4);
	out->length = acpi_get_u32(buf + 4);
	out->revision = buf[8];
	out->checksum = buf[9];
	copy_ascii(out->oem_id, buf + 10, 6);
	copy_ascii(out->oem_table_id, buf + 16, 8);
	out->oem_revision = acpi_get_u32(buf + 24);
	copy_ascii(out->creator_id, buf + 28, 4);
	out->creator_revision = acpi_get_u32(buf + 32);

	if (sig && memcmp(buf, sig, 4) != 0) {
		char shown[17];
		size_t k = 0;

		/* show the signature bytes safely even if they are not ASCII */
		for (size_t i = 0; i < 4; i++) {
			uint8_t c = buf[i];

			if (c >= 0x20 && c < 0x7f && c != '\\') {
				shown[k++] = (char)c;
			} else {
				static const char hex[] = "0123456789abcdef";

				shown[k++] = '\\';
				shown[k++] = 'x';
				shown[k++] = hex[c >> 4];
				shown[k++] = hex[c & 15];
			}
		}
		shown[k] = '\0';
		findings_add(f, "acpi-bad-signature", TOPO_SEVERITY_ERROR, origin,
			     "signature is \"%s\", expected \"%s\"", shown, sig);
		return -EINVAL;
	}
	if (out->length < ACPI_TABLE_HEADER_SIZE) {
		findings_add(f, "acpi-bad-length", TOPO_SEVERITY_ERROR, origin,
			     "%s: header Length %u is smaller than the 36-byte header", name,
			     out->length);
		return -EINVAL;
	}
	if (out->length > len) {
		findings_add(f, "acpi-truncated", TOPO_SEVERITY_ERROR, origin,
			     "%s: header Length %u but only %zu bytes available", name, out->length,
			     len);
		return -EINVAL;
	}
	if (out->length < len)
		findings_add(f, "acpi-trailing-bytes", TOPO_SEVERITY_WARNING, origin,
			     "%s: %zu bytes after the %u bytes of the table are ignored", name,
			     len - out->length, out->length);

	uint8_t sum = 0;
	for (size_t i = 0; i < out->length; i++)
		sum = (uint8_t)(sum + buf[i]);
	out->checksum_ok = sum == 0;
	if (!out->checksum_ok)
		findings_add(f, "acpi-bad-checksum", TOPO_SEVERITY_WARNING, origin,
			     "%s: checksum 0x%02x is wrong (byte sum 0x%02x, should be 0); the "
			     "kernel warns and uses the table anyway",
			     name, out->checksum, sum);
	*table_len = out->length;
	return 0;
}

bool acpi_struct_fits(const char *table, const char *what, unsigned int type, size_t off,
		      size_t slen, size_t tlen, const char *origin, struct findings *f)
{
	char id[32];
	size_t i;
	for (i = 0; table[i] && i < 8; i++)
		id[i] = (char)(table[i] | 0x20); /* "SRAT" -> "srat" */
	if (slen == 0) {
		snprintf(id + i, sizeof(id) - i, "-zero-length");
		findings_add(f, id, TOPO_SEVERITY_ERROR, origin,
			     "%s: %s type %u at offset 0x%zx has length 0; the rest of the table "
			     "cannot be walked",
			     table, what, type, off);
		return false;
	}
	if (slen > tlen - off) {
		snprintf(id + i, sizeof(id) - i, "-truncated");
		findings_add(f, id, TOPO_SEVERITY_ERROR, origin,
			     "%s: %s type %u at offset 0x%zx has length %zu but only %zu bytes "
			     "remain in the table",
			     table, what, type, off, slen, tlen - off);
		return false;
	}
	return true;
}
