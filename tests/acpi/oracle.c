/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oracle.h"

uint8_t *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!fp)
		return NULL;
	for (;;) {
		if (n == cap) {
			uint8_t *b = realloc(buf, cap ? cap * 2 : 4096);
			if (!b) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = b;
			cap = cap ? cap * 2 : 4096;
		}
		size_t r = fread(buf + n, 1, cap - n, fp);
		if (r == 0)
			break;
		n += r;
	}
	fclose(fp);
	*len = n;
	return buf;
}

char *fixture_path(const char *name)
{
	const char *dir = getenv("TOPO_ACPI_FIXTURES");
	char *p;

	cr_assert(dir, "TOPO_ACPI_FIXTURES is not set (run through meson test)");
	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

const char *shared_dir(void)
{
	const char *d = getenv("TOPO_SHARED_DIR");
	return d && *d ? d : NULL;
}

static char *collapse(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t k = 0;

	cr_assert(out);
	for (size_t i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i])) {
			if (k && out[k - 1] != ' ')
				out[k++] = ' ';
		} else {
			out[k++] = s[i];
		}
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
	return out;
}

/* Values keep their inner spaces (OEM ids are space padded): only the line end is trimmed. */
static char *trim(const char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	char *out = strndup(s, n);
	cr_assert(out);
	return out;
}

static void add_field(struct oracle *o, unsigned off, unsigned len, const char *name, size_t nlen,
		      const char *value, bool decoded)
{
	struct ofield *v = realloc(o->f, (o->n + 1) * sizeof(*v));

	cr_assert(v);
	o->f = v;
	v[o->n] = (struct ofield){.off = off,
				  .len = len,
				  .name = collapse(name, nlen),
				  .value = trim(value),
				  .decoded = decoded};
	o->n++;
}

static void parse_line(struct oracle *o, char *line, bool *in_raw)
{
	unsigned off, dec, len;
	int consumed = 0;

	line[strcspn(line, "\n")] = '\0';
	if (!strncmp(line, "Raw Table Data", 14)) {
		*in_raw = true;
		return;
	}
	if (*in_raw) {
		/* "    0010: 42 58 50 43 ...  // text" */
		char *colon = strchr(line, ':');
		if (!colon)
			return;
		char *end = strstr(line, "//");
		if (end)
			*end = '\0';
		char *p = colon + 1;
		for (;;) {
			char *q;
			unsigned long b = strtoul(p, &q, 16);
			if (q == p)
				break;
			uint8_t *r = realloc(o->raw, o->raw_len + 1);
			cr_assert(r);
			o->raw = r;
			o->raw[o->raw_len++] = (uint8_t)b;
			p = q;
		}
		return;
	}
	if (sscanf(line, "[%xh %u %u]%n", &off, &dec, &len, &consumed) == 3 && consumed) {
		char *rest = line + consumed;
		char *sep = strstr(rest, " : ");
		if (!sep)
			return;
		cr_assert_eq(off, dec, "iasl offset columns disagree: %s", line);
		add_field(o, off, len, rest, (size_t)(sep - rest), sep + 3, false);
		return;
	}
	/* decoded sub-line: "            Enabled : 1" (no offset) */
	char *sep = strstr(line, " : ");
	if (sep && isspace((unsigned char)line[0]) && o->n && !strchr(line, '[')) {
		const struct ofield *prev = &o->f[o->n - 1];
		add_field(o, prev->off, 0, line, (size_t)(sep - line), sep + 3, true);
	}
}

int oracle_load(struct oracle *o, const char *path)
{
	char dir[] = "/tmp/topo-oracle-XXXXXX";
	char *copy, *dsl, *line = NULL;
	size_t len, cap = 0;
	uint8_t *bytes;
	const char *iasl = getenv("IASL") ? getenv("IASL") : "iasl";

	memset(o, 0, sizeof(*o));
	cr_assert(mkdtemp(dir));
	bytes = read_file(path, &len);
	cr_assert(bytes, "cannot read %s", path);
	cr_assert(asprintf(&copy, "%s/t.dat", dir) > 0);
	cr_assert(asprintf(&dsl, "%s/t.dsl", dir) > 0);
	FILE *fp = fopen(copy, "wb");
	cr_assert(fp && fwrite(bytes, 1, len, fp) == len && fclose(fp) == 0);
	free(bytes);

	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		if (chdir(dir) == 0)
			execlp(iasl, iasl, "-d", "t.dat", (char *)NULL);
		_exit(127);
	}
	int status;
	cr_assert(waitpid(pid, &status, 0) == pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "iasl -d failed on %s", path);

	fp = fopen(dsl, "r");
	cr_assert(fp, "iasl -d wrote no %s", dsl);
	bool in_raw = false;
	while (getline(&line, &cap, fp) > 0)
		parse_line(o, line, &in_raw);
	free(line);
	fclose(fp);
	unlink(dsl);
	unlink(copy);
	rmdir(dir);
	free(dsl);
	free(copy);
	cr_assert_gt(o->n, 0, "no fields parsed from iasl -d output of %s", path);
	return 0;
}

void oracle_free(struct oracle *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->f[i].name);
		free(o->f[i].value);
	}
	free(o->f);
	free(o->raw);
	memset(o, 0, sizeof(*o));
}

size_t oracle_count(const struct oracle *o, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < o->n; i++)
		n += !o->f[i].decoded && !strcmp(o->f[i].name, name);
	return n;
}

static const struct ofield *find(struct oracle *o, unsigned off, const char *name, bool decoded)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->f[i].off == off && o->f[i].decoded == decoded && !strcmp(o->f[i].name, name))
			return &o->f[i];
	o->mismatches++;
	cr_expect(false, "%s: iasl -d shows no \"%s\" at offset 0x%x", o->what, name, off);
	return NULL;
}

static void check_u64(struct oracle *o, const struct ofield *f, uint64_t expected)
{
	char *end;
	uint64_t v;

	o->compared++;
	errno = 0;
	v = strtoull(f->value, &end, 16);
	if (end == f->value || errno || v != expected) {
		o->mismatches++;
		cr_expect(false, "%s: \"%s\" at 0x%x: iasl says %s, libtopo 0x%llx", o->what,
			  f->name, f->off, f->value, (unsigned long long)expected);
	}
}

void oracle_u64(struct oracle *o, unsigned off, const char *name, uint64_t expected)
{
	const struct ofield *f = find(o, off, name, false);
	if (f)
		check_u64(o, f, expected);
}

void oracle_sub(struct oracle *o, unsigned off, const char *sub, uint64_t expected)
{
	const struct ofield *f = find(o, off, sub, true);
	if (f)
		check_u64(o, f, expected);
}

void oracle_str(struct oracle *o, unsigned off, const char *name, const char *expected)
{
	const struct ofield *f = find(o, off, name, false);
	if (!f)
		return;
	o->compared++;
	/* quoted strings may be followed by a [description] */
	const char *v = f->value;
	size_t n = strlen(v);
	if (v[0] == '"') {
		const char *q = strchr(v + 1, '"');
		v++;
		n = q ? (size_t)(q - v) : strlen(v);
	}
	if (strlen(expected) != n || strncmp(v, expected, n) != 0) {
		o->mismatches++;
		cr_expect(false, "%s: \"%s\" at 0x%x: iasl says %s, libtopo \"%s\"", o->what, name,
			  off, f->value, expected);
	}
}

void oracle_bytes(struct oracle *o, unsigned off, const char *name, const uint8_t *expected,
		  size_t n)
{
	const struct ofield *f = find(o, off, name, false);
	if (!f)
		return;
	const char *p = f->value;
	for (size_t i = 0; i < n; i++) {
		char *q;
		unsigned long b = strtoul(p, &q, 16);

		o->compared++;
		if (q == p || b != expected[i]) {
			o->mismatches++;
			cr_expect(false,
				  "%s: \"%s\" at 0x%x byte %zu: iasl says %s, libtopo 0x%02x",
				  o->what, name, off, i, f->value, expected[i]);
			return;
		}
		p = q;
	}
}

void oracle_raw(struct oracle *o, unsigned off, unsigned n, uint64_t expected)
{
	uint64_t v = 0;

	o->compared++;
	if ((size_t)off + n > o->raw_len) {
		o->mismatches++;
		cr_expect(false, "%s: raw dump has no bytes at 0x%x+%u", o->what, off, n);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)o->raw[off + i] << (8 * i);
	if (v != expected) {
		o->mismatches++;
		cr_expect(false, "%s: raw bytes at 0x%x+%u are 0x%llx, libtopo 0x%llx", o->what,
			  off, n, (unsigned long long)v, (unsigned long long)expected);
	}
}
