/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the ACPI tests: reading files, locating fixtures, and the iasl -d oracle
 * (an independent reading of a table: ACPICA's disassembler, parsed from its text output).
 */
#ifndef TOPO_TEST_ACPI_ORACLE_H
#define TOPO_TEST_ACPI_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whole file in a malloc'ed buffer; NULL if unreadable. */
uint8_t *read_file(const char *path, size_t *len);
/* $TOPO_ACPI_FIXTURES/<name> (the build-time fixtures), malloc'ed. */
char *fixture_path(const char *name);
/* $TOPO_SHARED_DIR, or NULL. */
const char *shared_dir(void);

struct ofield {
	unsigned off, len;
	char *name;   /* whitespace collapsed */
	char *value;  /* text after " : " */
	bool decoded; /* a "decoded below" line: no offset of its own, belongs to the line above */
};

struct oracle {
	struct ofield *f;
	size_t n;
	uint8_t *raw; /* the "Raw Table Data" hex dump */
	size_t raw_len;
	size_t compared, mismatches;
	const char *what; /* table being checked, for messages */
};

/* Run `iasl -d` on a copy of @path in a temporary directory and parse its output. */
int oracle_load(struct oracle *o, const char *path);
void oracle_free(struct oracle *o);

/* Number of lines with this name (e.g. "Subtable Type"). */
size_t oracle_count(const struct oracle *o, const char *name);
/* Compare the integer printed at @off under @name with @expected. */
void oracle_u64(struct oracle *o, unsigned off, const char *name, uint64_t expected);
/* Compare a decoded sub-line (e.g. "Enabled") of the line at @off with @expected. */
void oracle_sub(struct oracle *o, unsigned off, const char *sub, uint64_t expected);
/* Compare a quoted string, a GUID or any other text value. */
void oracle_str(struct oracle *o, unsigned off, const char *name, const char *expected);
/* Compare a line of hex bytes (Device Handle, SLIT rows). */
void oracle_bytes(struct oracle *o, unsigned off, const char *name, const uint8_t *expected,
		  size_t n);
/* Compare @n little-endian bytes of the raw hex dump (fields iasl cannot decode). */
void oracle_raw(struct oracle *o, unsigned off, unsigned n, uint64_t expected);

#endif
