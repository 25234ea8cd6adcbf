/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: acpi_parse_nfit() on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings f = {0};
	struct acpi_nfit t;

	/*
	 * Also try the input with its signature forced to "NFIT", so the fuzzer does not have
	 * to find it before it reaches the subtable walk.
	 */
	acpi_parse_nfit(data, size, "fuzz", &t, &f);
	acpi_nfit_free(&t);
	if (size >= 4 && memcmp(data, "NFIT", 4) != 0) {
		uint8_t *copy = malloc(size);

		if (!copy)
			return 0;
		memcpy(copy, data, size);
		memcpy(copy, "NFIT", 4);
		acpi_parse_nfit(copy, size, "fuzz", &t, &f);
		acpi_nfit_free(&t);
		free(copy);
	}
	findings_clear(&f);
	return 0;
}
