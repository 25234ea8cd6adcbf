/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: acpi_parse_hmat() on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Normalise every entry and cross-check against an SRAT made of the same bytes' PDs. */
static void exercise(const struct acpi_hmat *h, struct findings *f)
{
	struct acpi_srat_mem mem = {.pxm = 0, .enabled = true, .length = 1};
	struct acpi_srat srat = {.mems = &mem, .n_mems = 1};
	uint32_t v;

	for (size_t i = 0; i < h->n_locality; i++) {
		const struct acpi_hmat_locality *l = &h->locality[i];

		for (uint32_t a = 0; a < l->n_initiators; a++)
			for (uint32_t b = 0; b < l->n_targets; b++)
				acpi_hmat_normalize(acpi_hmat_entry(l, a, b), l->entry_base_unit,
						    h->revision, l->data_type, &v);
	}
	acpi_hmat_check_srat(h, &srat, "fuzz", f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings f = {0};
	struct acpi_hmat t;

	/*
	 * Also try the input with its signature forced to "HMAT", so the fuzzer does not have
	 * to find it before it reaches the subtable walk.
	 */
	acpi_parse_hmat(data, size, "fuzz", &t, &f);
	exercise(&t, &f);
	acpi_hmat_free(&t);
	if (size >= 4 && memcmp(data, "HMAT", 4) != 0) {
		uint8_t *copy = malloc(size);

		if (!copy)
			return 0;
		memcpy(copy, data, size);
		memcpy(copy, "HMAT", 4);
		acpi_parse_hmat(copy, size, "fuzz", &t, &f);
		exercise(&t, &f);
		acpi_hmat_free(&t);
		free(copy);
	}
	findings_clear(&f);
	return 0;
}
