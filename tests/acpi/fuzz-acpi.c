/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for one pure ACPI parser on arbitrary bytes, chosen at build time with
 * -DFUZZ_TABLE=srat|slit|hmat|cedt|nfit (one binary per parser: each gets its own corpus).
 * The input is parsed as it is and again with its signature forced to the table's, so that
 * the fuzzer does not have to find the signature before it reaches the subtable walk. The
 * HMAT is also normalised entry by entry and cross-checked against an SRAT.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"

#ifndef FUZZ_TABLE
#error "build with -DFUZZ_TABLE=srat (or slit, hmat, cedt, nfit)"
#endif

#define CAT(a, b) a##b
#define XCAT(a, b) CAT(a, b)
#define STR(a) #a
#define XSTR(a) STR(a)
#define TABLE_T struct XCAT(acpi_, FUZZ_TABLE)
#define PARSE XCAT(acpi_parse_, FUZZ_TABLE)
#define FREE XCAT(XCAT(acpi_, FUZZ_TABLE), _free)

static void exercise(const TABLE_T *t, struct findings *f)
{
#define IS_hmat 1
#if XCAT(IS_, FUZZ_TABLE) == 1
	/* every entry normalised, and the cross-check against an SRAT of one memory domain */
	struct acpi_srat_mem mem = {.pxm = 0, .enabled = true, .length = 1};
	struct acpi_srat srat = {.mems = &mem, .n_mems = 1};
	uint32_t v;
	for (size_t i = 0; i < t->n_locality; i++) {
		const struct acpi_hmat_locality *l = &t->locality[i];
		for (uint32_t a = 0; a < l->n_initiators; a++)
			for (uint32_t b = 0; b < l->n_targets; b++)
				acpi_hmat_normalize(acpi_hmat_entry(l, a, b), l->entry_base_unit,
						    t->revision, l->data_type, &v);
	}
	acpi_hmat_check_srat(t, &srat, "fuzz", f);
#else
	(void)t;
	(void)f;
#endif
}

static void one(const uint8_t *data, size_t size, struct findings *f)
{
	TABLE_T t;
	PARSE(data, size, "fuzz", &t, f);
	exercise(&t, f);
	FREE(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the signature in capitals, as the table has it */
	char sig[5];
	const char *name = XSTR(FUZZ_TABLE);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)(name[i] - 'a' + 'A');
	sig[4] = '\0';

	struct findings f = {0};
	one(data, size, &f);
	if (size >= 4 && memcmp(data, sig, 4) != 0) {
		uint8_t *copy = malloc(size);
		if (!copy)
			return 0;
		memcpy(copy, data, size);
		memcpy(copy, sig, 4);
		one(copy, size, &f);
		free(copy);
	}
	findings_clear(&f);
	return 0;
}
