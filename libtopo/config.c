/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /etc/tiertopo/tiertopo.conf, in iniparser's syntax (as daxctl's own): [section], key = value
 * (quotes and ; or # comments as iniparser reads them, a trailing backslash continues a line).
 * The bytes read once are parsed here, line by line, into an iniparser dictionary: never the
 * file again by its name, and every line is known by its number. Every section and key is
 * checked; a bad file is refused as a whole, with the line and the reason, so that apply
 * never acts on half a configuration: a section or a key given twice (which one would win?),
 * a [node N] for a node this machine can never have (not in node/possible; a node that may
 * still come, by hotplug, is fine), a line over 1024 bytes (iniparser's own limit, and no
 * sensible setting needs more).
 *
 *   [sinks]      demotion numa_balancing promote_rate_limit weighted_interleave
 *                tier_files state hooks          (booleans)
 *   [plan]       exclude = NODELIST   kernel_model = RELEASE
 *   [node N]     kind = KIND   adistance = N   tier = N
 *   [hooks]      timeout = SECONDS
 *   [watch]      debounce = SECONDS   max_wait = SECONDS
 *   [check]      ignore = ID [node N[-M]], ...   (findings accepted: topo_check_suppress)
 *
 * An id of [check] ignore that the findings catalogue (docs/findings.txt) does not know is
 * not a reason to refuse the file (an id retired by a newer tiertopo must not stop apply):
 * topo_check_suppress() reports it as a finding, config-unknown-finding, with file:line.
 */
#include <ctype.h>
#include <errno.h>
#include <iniparser/dictionary.h>
#include <iniparser/iniparser.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings-catalogue.h"
#include "services.h"

#define CONFIG_PATH "etc/tiertopo/tiertopo.conf"
#define POSSIBLE_PATH "sys/devices/system/node/possible"
#define CONFIG_LINE_MAX 1024

static const char *const sink_names[] = {"demotion",	"numa_balancing", "promote_rate_limit",
					 "weighted_interleave", "tier_files",	  "state",
					 "hooks"};
/* weighted interleave weights are the one sink that is off unless asked for */
static const bool sink_defaults[] = {true, true, true, false, true, true, true};

struct topo_config {
	bool sinks[ELEMENTSOF(sink_names)];
	struct topo_plan_opts opts;
	char *kernel_model;
	unsigned int hook_timeout_ms, debounce_ms, max_wait_ms;
	struct config_ignore *ignores; /* [check] ignore */
	size_t n_ignores;
	char *path; /* the file read, for config-unknown-finding; NULL: none */
};

static void defaults(struct topo_config *c)
{
	memcpy(c->sinks, sink_defaults, sizeof(c->sinks));
	c->hook_timeout_ms = 10000;
	c->debounce_ms = 500;
	c->max_wait_ms = 5000;
}

/* the line of "key" in "[section]" (both lower case, as iniparser stores them), or 0 */
static int line_of(const char *text, const char *section, const char *key)
{
	char cur[256] = "";
	int line = 0;
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		line++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '[') {
			size_t n = strcspn(p + 1, "]\n");
			if (n >= sizeof(cur))
				n = sizeof(cur) - 1;
			for (size_t i = 0; i < n; i++)
				cur[i] = (char)tolower((unsigned char)p[1 + i]);
			cur[n] = '\0';
			if (!key && !strcmp(cur, section))
				return line;
			continue;
		}
		if (!key || strcmp(cur, section))
			continue;
		size_t kl = strlen(key);
		if (!strncasecmp(p, key, kl) && (p[kl] == ' ' || p[kl] == '\t' || p[kl] == '=' ||
						  p[kl] == ':'))
			return line;
	}
	return 0;
}

struct loader {
	const char *path, *text;
	char *error;
	char *possible; /* node/possible, or NULL: not known */
};

static int vfail_at(struct loader *l, int line, const char *fmt, va_list ap)
{
	if (l->error)
		return -EINVAL;
	char *why = NULL;
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL;
	if (asprintf(&l->error, "%s:%d: %s", l->path, line, why ? why : "invalid") < 0)
		l->error = NULL;
	free(why);
	return -EINVAL;
}

static int fail_at(struct loader *l, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_at(struct loader *l, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfail_at(l, line, fmt, ap);
	va_end(ap);
	return r;
}

static int fail(struct loader *l, const char *section, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct loader *l, const char *section, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfail_at(l, line_of(l->text, section, key), fmt, ap);
	va_end(ap);
	return r;
}

static int parse_bool(const char *v, bool *b)
{
	static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false",
										      "off", "0"};
	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (!strcasecmp(v, yes[i])) {
			*b = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*b = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_uint(const char *v, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)*v))
		return -EINVAL;
	unsigned long x = strtoul(v, &end, 10);
	if (errno || *end || x > max)
		return -EINVAL;
	*out = x;
	return 0;
}

static int parse_seconds(const char *v, unsigned int *ms)
{
	char *end;
	errno = 0;
	double s = strtod(v, &end);
	if (errno || end == v || *end || !(s >= 0) || s > 3600)
		return -EINVAL;
	*ms = (unsigned int)lround(s * 1000);
	return 0;
}

static void add_excluded(void *data, unsigned int v)
{
	topo_plan_opts_exclude(data, (int)v);
}

struct possible_probe {
	unsigned int node;
	bool found;
};

static void probe_node(void *data, unsigned int v)
{
	struct possible_probe *p = data;
	p->found |= v == p->node;
}

static bool node_possible(const char *possible, int node)
{
	struct possible_probe p = {.node = (unsigned int)node};
	/* a list the kernel would not print says nothing */
	return parse_list(possible, TOPO_MAX_NODES, probe_node, &p) < 0 || p.found;
}

static void trim(char **b, char **e)
{
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* one logical line (continuations joined), trimmed, at @line: into @d */
static int parse_line(struct loader *l, dictionary *d, dictionary *seen, char *sec, size_t seclen,
		      char *b, int line)
{
	char *e = b + strlen(b);
	trim(&b, &e);
	*e = '\0';
	if (!*b || *b == '#' || *b == ';')
		return 0;
	char where[16];
	snprintf(where, sizeof(where), "%d", line);
	if (*b == '[' && e[-1] == ']' && e - b > 2) {
		char *nb = b + 1, *ne = e - 1;
		trim(&nb, &ne);
		*ne = '\0';
		int node;
		char tail;
		lower(nb);
		/* [node 2] and [node  2] are one node */
		if (sscanf(nb, "node %d%c", &node, &tail) == 1)
			snprintf(sec, seclen, "node %d", node);
		else
			snprintf(sec, seclen, "%s", nb);
		const char *first = dictionary_get(seen, sec, NULL);
		if (first)
			return fail_at(l, line, "[%s] again (it began at line %s): give each section "
						"once", sec, first);
		if (iniparser_set(d, sec, NULL) < 0 || dictionary_set(seen, sec, where) < 0)
			return -ENOMEM;
		return 0;
	}
	char *eq = strchr(b, '=');
	if (!eq || eq == b)
		return fail_at(l, line, "syntax error: '%s' is not [section], key = value or a comment",
			       b);
	char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;
	trim(&kb, &ke);
	trim(&vb, &ve);
	*ke = '\0';
	if (!*kb)
		return fail_at(l, line, "syntax error: '%s' is not [section], key = value or a comment",
			       b);
	if (ve - vb >= 2 && (*vb == '"' || *vb == '\'') && strchr(vb + 1, *vb)) {
		/* quoted: up to the closing quote, comment characters and all */
		char *q = strchr(vb + 1, *vb);
		vb++;
		ve = q;
	} else {
		/* an unquoted value ends at a comment */
		ve = vb + strcspn(vb, ";#");
		trim(&vb, &ve);
	}
	*ve = '\0';
	lower(kb);
	if (!sec[0])
		return fail_at(l, line, "key '%s' is outside any section", kb);
	char *entry = NULL;
	if (asprintf(&entry, "%s:%s", sec, kb) < 0)
		return -ENOMEM;
	const char *first = dictionary_get(seen, entry, NULL);
	int r = 0;
	if (first)
		r = fail_at(l, line, "%s again in [%s] (first at line %s): which one would win?", kb,
			    sec, first);
	else if (iniparser_set(d, entry, vb) < 0 || dictionary_set(seen, entry, where) < 0)
		r = -ENOMEM;
	free(entry);
	return r;
}

/* the whole text into @d */
static int parse_text(struct loader *l, dictionary *d)
{
	dictionary *seen = dictionary_new(0);
	if (!seen)
		return -ENOMEM;
	char sec[CONFIG_LINE_MAX + 1] = "";
	char *logical = NULL;
	size_t llen = 0;
	int first_line = 0, line = 0, r = 0;
	for (const char *p = l->text; r >= 0 && *p;) {
		size_t n = strcspn(p, "\n");
		line++;
		if (n > CONFIG_LINE_MAX) {
			r = fail_at(l, line, "a line of %zu bytes; lines are at most %d bytes", n,
				    CONFIG_LINE_MAX);
			break;
		}
		/* a backslash at the end joins the next line, as iniparser does */
		size_t m = n;
		while (m && isspace((unsigned char)p[m - 1]))
			m--;
		bool more = m && p[m - 1] == '\\' && p[n] == '\n';
		if (more)
			m--;
		else
			m = n;
		if (!logical)
			first_line = line;
		char *nl = realloc(logical, llen + m + 1);
		if (!nl) {
			r = -ENOMEM;
			break;
		}
		logical = nl;
		memcpy(logical + llen, p, m);
		llen += m;
		logical[llen] = '\0';
		if (llen > 4 * CONFIG_LINE_MAX) {
			r = fail_at(l, first_line, "a line of over %d bytes, continuations joined",
				    4 * CONFIG_LINE_MAX);
			break;
		}
		if (!more) {
			r = parse_line(l, d, seen, sec, sizeof(sec), logical, first_line);
			free(logical);
			logical = NULL;
			llen = 0;
		}
		p += n + (p[n] == '\n');
	}
	if (r >= 0 && logical)
		r = parse_line(l, d, seen, sec, sizeof(sec), logical, first_line);
	free(logical);
	dictionary_del(seen);
	return r;
}

/* shaped like a finding id: lower-case words of letters and digits joined by dashes, the
 * first starting with a letter, at least two words ("slit-asymmetric") */
static bool id_shaped(const char *id)
{
	if (id[0] < 'a' || id[0] > 'z' || !strchr(id, '-'))
		return false;
	for (const char *p = id; *p; p++)
		if (*p == '-' && (p[1] == '-' || p[1] == '\0'))
			return false;
	return true;
}

static bool finding_known(const char *id)
{
	for (size_t i = 0; i < FINDING_DOCS_N; i++)
		if (!strcmp(finding_docs[i].id, id))
			return true;
	return false;
}

/*
 * [check] ignore = ID [node N[-M]], ...: each entry an id (lower case letters, digits and
 * dashes), optionally "node N" or "node N-M". A malformed entry refuses the file; an id the
 * catalogue does not know is kept (known = false) for topo_check_suppress() to report.
 */
static int parse_ignore(struct loader *l, const char *v, struct topo_config *c)
{
	int line = line_of(l->text, "check", "ignore");
	char *copy = strdup(v), *save = NULL;
	if (!copy)
		return -ENOMEM;
	int r = 0;
	for (char *e = strtok_r(copy, ",", &save); e && r >= 0; e = strtok_r(NULL, ",", &save)) {
		char id[128], word[8], nodes[32], extra;
		int lo, hi, k;
		k = sscanf(e, " %127[a-z0-9-] %7s %31s %c", id, word, nodes, &extra);
		bool ok = k == 1 || (k == 3 && !strcmp(word, "node"));
		if (ok && k == 3) {
			int used = 0;
			if (sscanf(nodes, "%d%n", &lo, &used) == 1 && !nodes[used])
				hi = lo;
			else if (sscanf(nodes, "%d-%d%n", &lo, &hi, &used) != 2 || nodes[used])
				ok = false;
			ok = ok && lo >= 0 && lo <= hi && hi < TOPO_MAX_NODES;
		} else {
			lo = hi = -1;
		}
		char *end = e + strlen(e);
		trim(&e, &end);
		if (!ok || e == end || !id_shaped(id)) {
			*end = '\0';
			r = fail_at(l, line, "ignore: '%s' is not a finding id, optionally followed by "
					     "node N or node N-M (entries separated by commas; several "
					     "nodes: one entry each, or a range)", e);
			break;
		}
		struct config_ignore *v2 = realloc(c->ignores, (c->n_ignores + 1) * sizeof(*v2));
		if (!v2) {
			r = -ENOMEM;
			break;
		}
		c->ignores = v2;
		struct config_ignore *g = &c->ignores[c->n_ignores];
		*g = (struct config_ignore){strdup(id), lo, hi, line, finding_known(id)};
		if (!g->id) {
			r = -ENOMEM;
			break;
		}
		c->n_ignores++;
	}
	free(copy);
	return r;
}

static int load_section(struct loader *l, dictionary *d, const char *sec, struct topo_config *c)
{
	int nkeys = iniparser_getsecnkeys(d, sec);
	const char **keys = nkeys > 0 ? calloc((size_t)nkeys, sizeof(char *)) : NULL;
	if (nkeys > 0 && (!keys || !iniparser_getseckeys(d, sec, keys))) {
		free(keys);
		return -ENOMEM;
	}
	int node = -1;
	char tail;
	bool is_node = sscanf(sec, "node %d%c", &node, &tail) == 1;
	int r = 0;

	if (!is_node && strcmp(sec, "sinks") && strcmp(sec, "plan") && strcmp(sec, "hooks") &&
	    strcmp(sec, "watch") && strcmp(sec, "check"))
		r = fail(l, sec, NULL,
			 "unknown section [%s]; sections are [sinks], [plan], [node N], [hooks], "
			 "[watch] and [check]",
			 sec);
	if (is_node && (node < 0 || node >= TOPO_MAX_NODES))
		r = fail(l, sec, NULL, "[%s]: node ids are 0 to %d", sec, TOPO_MAX_NODES - 1);
	else if (is_node && l->possible && !node_possible(l->possible, node))
		r = fail(l, sec, NULL,
			 "[%s]: this machine has no node %d and can have none (its possible nodes "
			 "are %s)",
			 sec, node, l->possible);

	for (int i = 0; r >= 0 && i < nkeys; i++) {
		const char *full = keys[i];
		const char *key = strchr(full, ':') ? strchr(full, ':') + 1 : full;
		const char *v = iniparser_getstring(d, full, "");
		unsigned long x;
		bool b;

		if (!strcmp(sec, "sinks")) {
			size_t k = 0;
			while (k < ELEMENTSOF(sink_names) && strcmp(key, sink_names[k]))
				k++;
			if (k == ELEMENTSOF(sink_names))
				r = fail(l, sec, key, "unknown sink '%s'", key);
			else if (parse_bool(v, &b) < 0)
				r = fail(l, sec, key, "%s = '%s' is not yes or no", key, v);
			else
				c->sinks[k] = b;
		} else if (!strcmp(sec, "plan")) {
			if (!strcmp(key, "exclude")) {
				if (parse_list(v, TOPO_MAX_NODES, NULL, NULL) < 0)
					r = fail(l, sec, key, "exclude = '%s' is not a node list such "
							      "as 2,4-5", v);
				else
					parse_list(v, TOPO_MAX_NODES, add_excluded, &c->opts);
			} else if (!strcmp(key, "kernel_model")) {
				int maj, min;
				if (kernel_release_parse(v, &maj, &min) < 0)
					r = fail(l, sec, key, "kernel_model = '%s' is not a kernel "
							      "release such as 6.12", v);
				else if (!(c->kernel_model = strdup(v)))
					r = -ENOMEM;
			} else {
				r = fail(l, sec, key, "unknown key '%s' in [plan]", key);
			}
		} else if (is_node) {
			enum topo_kind kind;
			if (!strcmp(key, "kind")) {
				if (topo_kind_from_string(v, &kind) < 0)
					r = fail(l, sec, key, "kind = '%s' is not DRAM, PMEM, HBM, "
							      "CXL-DRAM, CXL-PMEM, SPM or unknown", v);
				else
					r = topo_plan_opts_set_kind(&c->opts, node, kind);
			} else if (!strcmp(key, "adistance")) {
				if (parse_uint(v, INT32_MAX, &x) < 0)
					r = fail(l, sec, key, "adistance = '%s' is not a number", v);
				else
					r = topo_plan_opts_set_adistance(&c->opts, node,
									 (unsigned int)x);
			} else if (!strcmp(key, "tier")) {
				/* the middle of the tier's abstract-distance range */
				if (parse_uint(v, (INT32_MAX >> MEMTIER_CHUNK_BITS) - 1, &x) < 0)
					r = fail(l, sec, key, "tier = '%s' is not a tier id", v);
				else
					r = topo_plan_opts_set_adistance(
						&c->opts, node,
						(unsigned int)(x << MEMTIER_CHUNK_BITS) +
							(MEMTIER_CHUNK_SIZE >> 1));
			} else {
				r = fail(l, sec, key, "unknown key '%s' in [%s]", key, sec);
			}
		} else if (!strcmp(sec, "hooks")) {
			if (strcmp(key, "timeout"))
				r = fail(l, sec, key, "unknown key '%s' in [hooks]", key);
			else if (parse_seconds(v, &c->hook_timeout_ms) < 0 || !c->hook_timeout_ms)
				r = fail(l, sec, key, "timeout = '%s' is not a number of seconds", v);
		} else if (!strcmp(sec, "watch")) {
			unsigned int *dst = !strcmp(key, "debounce")   ? &c->debounce_ms
					    : !strcmp(key, "max_wait") ? &c->max_wait_ms
								       : NULL;
			if (!dst)
				r = fail(l, sec, key, "unknown key '%s' in [watch]", key);
			else if (parse_seconds(v, dst) < 0)
				r = fail(l, sec, key, "%s = '%s' is not a number of seconds", key, v);
		} else if (!strcmp(sec, "check")) {
			if (strcmp(key, "ignore"))
				r = fail(l, sec, key, "unknown key '%s' in [check]", key);
			else
				r = parse_ignore(l, v, c);
		}
	}
	free(keys);
	return r;
}

int topo_config_load(struct topo_ctx *ctx, const char *path, struct topo_config **ret,
		     char **error)
{
	if (!ctx || !ret)
		return -EINVAL;
	if (error)
		*error = NULL;
	struct topo_config *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	defaults(c);

	char *full = NULL;
	if (!path && asprintf(&full, "%s/" CONFIG_PATH,
			      strcmp(ctx->sysroot, "/") ? ctx->sysroot : "") < 0) {
		free(c);
		return -ENOMEM;
	}
	const char *file = path ? path : full;
	char *text = NULL;
	/* the default file is below the sysroot, resolved inside it; a named one is where it
	 * says; either must be a regular file that only root (or we) can change */
	int r = path ? io_read_trusted(ctx, path, false, TOPO_ATTR_MAX, &text, NULL)
		     : io_read_trusted(ctx, CONFIG_PATH, true, TOPO_ATTR_MAX, &text, NULL);
	if (r == -ENOENT && !path) {
		free(full);
		*ret = c; /* no file: the defaults */
		return 0;
	}
	if (r < 0) {
		if (error && asprintf(error, "%s: %s%s", file, io_strerror(r),
				      r == -IO_EUNTRUSTED ? " (the file, or its directory): "
							   "refused, it could steer a root process"
							 : "") < 0)
			*error = NULL;
		free(full);
		free(c);
		return r;
	}

	struct loader l = {.path = file, .text = text};
	/* the nodes this machine can ever have: [node N] for another is a mistake */
	if (io_read_file(ctx, POSSIBLE_PATH, TOPO_ATTR_MAX, &l.possible, NULL) == 0)
		l.possible[strcspn(l.possible, "\n")] = '\0';
	dictionary *d = dictionary_new(0);
	r = d ? parse_text(&l, d) : -ENOMEM;
	for (int i = 0; d && r >= 0 && i < iniparser_getnsec(d); i++)
		r = load_section(&l, d, iniparser_getsecname(d, i), c);
	if (d)
		iniparser_freedict(d);
	free(l.possible);
	free(text);
	if (r >= 0 && c->n_ignores && !(c->path = strdup(file)))
		r = -ENOMEM;
	free(full);
	if (r < 0) {
		if (error)
			*error = l.error;
		else
			free(l.error);
		topo_config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void topo_config_free(struct topo_config *c)
{
	if (!c)
		return;
	free(c->opts.kinds);
	free(c->opts.adists);
	free(c->opts.excluded);
	free(c->kernel_model);
	for (size_t i = 0; i < c->n_ignores; i++)
		free(c->ignores[i].id);
	free(c->ignores);
	free(c->path);
	free(c);
}

size_t config_ignores(const struct topo_config *c, const struct config_ignore **v,
		      const char **path)
{
	*v = c ? c->ignores : NULL;
	*path = c ? c->path : NULL;
	return c ? c->n_ignores : 0;
}

const struct topo_plan_opts *topo_config_get_plan_opts(const struct topo_config *c)
{
	return c ? &c->opts : NULL;
}

const char *topo_config_get_kernel_model(const struct topo_config *c)
{
	return c ? c->kernel_model : NULL;
}

bool topo_config_sink_enabled(const struct topo_config *c, const char *sink)
{
	for (size_t i = 0; sink && i < ELEMENTSOF(sink_names); i++)
		if (!strcmp(sink, sink_names[i]))
			return c ? c->sinks[i] : sink_defaults[i];
	return false;
}

unsigned int topo_config_get_hook_timeout_ms(const struct topo_config *c)
{
	return c ? c->hook_timeout_ms : 10000;
}

unsigned int topo_config_get_debounce_ms(const struct topo_config *c)
{
	return c ? c->debounce_ms : 500;
}

unsigned int topo_config_get_max_wait_ms(const struct topo_config *c)
{
	return c ? c->max_wait_ms : 5000;
}
