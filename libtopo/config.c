/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /etc/tiertopo/tiertopo.conf, parsed with iniparser (as daxctl parses its own). Every
 * section and key is checked; a bad file is refused as a whole, with the line and the reason,
 * so that apply never acts on half a configuration.
 *
 *   [sinks]      demotion numa_balancing promote_rate_limit weighted_interleave
 *                tier_files state hooks          (booleans)
 *   [plan]       exclude = NODELIST   kernel_model = RELEASE
 *   [node N]     kind = KIND   adistance = N   tier = N
 *   [hooks]      timeout = SECONDS
 *   [watch]      debounce = SECONDS   max_wait = SECONDS
 */
#include <ctype.h>
#include <errno.h>
#include <iniparser/iniparser.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"

#define CONFIG_PATH "etc/tiertopo/tiertopo.conf"

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
};

static int fail(struct loader *l, const char *section, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct loader *l, const char *section, const char *key, const char *fmt, ...)
{
	if (l->error)
		return -EINVAL;
	char *why = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL;
	va_end(ap);
	int line = line_of(l->text, section, key);
	if (asprintf(&l->error, "%s:%d: %s", l->path, line, why ? why : "invalid") < 0)
		l->error = NULL;
	free(why);
	return -EINVAL;
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
	    strcmp(sec, "watch"))
		r = fail(l, sec, NULL,
			 "unknown section [%s]; sections are [sinks], [plan], [node N], [hooks] and "
			 "[watch]",
			 sec);
	if (is_node && (node < 0 || node >= TOPO_MAX_NODES))
		r = fail(l, sec, NULL, "[%s]: node ids are 0 to %d", sec, TOPO_MAX_NODES - 1);

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
		}
	}
	free(keys);
	return r;
}

/* iniparser reports syntax errors through one global callback */
static __thread struct loader *current_loader;

static int ini_error(const char *fmt, ...)
{
	struct loader *l = current_loader;
	if (!l || l->error)
		return 0;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	/* "iniparser: syntax error in FILE (LINE):\n-> TEXT\n" */
	int line = 0;
	const char *p = msg ? strrchr(msg, '(') : NULL;
	if (p)
		line = atoi(p + 1);
	const char *text = msg ? strstr(msg, "-> ") : NULL;
	size_t tl = text ? strcspn(text + 3, "\n") : 0;
	if (asprintf(&l->error, "%s:%d: syntax error: '%.*s' is not [section], key = value or a "
				"comment",
		     l->path, line, (int)tl, text ? text + 3 : "") < 0)
		l->error = NULL;
	free(msg);
	return 0;
}

static int quiet_error(const char *fmt, ...)
{
	return 0;
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
	int r = io_read_file_abs(ctx, file, TOPO_ATTR_MAX, &text, NULL);
	if (r == -ENOENT && !path) {
		free(full);
		*ret = c; /* no file: the defaults */
		return 0;
	}
	if (r < 0) {
		if (error && asprintf(error, "%s: %s", file, strerror(-r)) < 0)
			*error = NULL;
		free(full);
		free(c);
		return r;
	}

	struct loader l = {.path = file, .text = text};
	current_loader = &l;
	iniparser_set_error_callback(ini_error);
	dictionary *d = iniparser_load(file);
	iniparser_set_error_callback(quiet_error);
	current_loader = NULL;
	if (!d) {
		r = -EINVAL;
		if (!l.error && asprintf(&l.error, "%s: cannot be parsed", file) < 0)
			l.error = NULL;
	}
	for (int i = 0; d && r >= 0 && i < iniparser_getnsec(d); i++)
		r = load_section(&l, d, iniparser_getsecname(d, i), c);
	/* keys before any section land in a nameless one iniparser does not list */
	if (d && r >= 0 && iniparser_getsecnkeys(d, "") > 0)
		r = fail(&l, "", NULL, "keys outside any section");
	if (d)
		iniparser_freedict(d);
	free(text);
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
	free(c);
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
