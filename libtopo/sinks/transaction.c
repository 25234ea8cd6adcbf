/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The transaction the sinks fill and apply.c runs: the change list (each change with its
 * old and new value and how to compare them), reading a knob's current value, the commit
 * (write each change and read it back; on the first failure restore, newest first, every
 * value already changed) and the report that says what happened.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sinks/sinks.h"

int apply_add_change(struct apply *a, const char *sink, const char *path, const char *old_value,
		     const char *new_value, enum value_kind kind)
{
	struct topo_apply_report *rep = a->report;
	struct change *v = realloc(rep->changes, (rep->n_changes + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	rep->changes = v;
	v = &v[rep->n_changes];
	memset(v, 0, sizeof(*v));
	v->sink = sink;
	v->kind = kind;
	v->path = strdup(path);
	v->old_value = strdup(old_value);
	v->new_value = strdup(new_value);
	if (!v->path || !v->old_value || !v->new_value) {
		free(v->path);
		free(v->old_value);
		free(v->new_value);
		return -ENOMEM;
	}
	rep->n_changes++;
	return 0;
}

char *apply_read_value(struct apply *a, const char *path)
{
	char *b = NULL;
	size_t len;
	if (io_read_file(a->ctx, path, TOPO_ATTR_MAX, &b, &len) < 0)
		return NULL;
	while (len && isspace((unsigned char)b[len - 1]))
		b[--len] = '\0';
	return b;
}

static bool parse_long(const char *s, long long *v)
{
	char *end;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return end != s && !*end && !errno;
}

bool value_equal(enum value_kind kind, const char *x, const char *y)
{
	long long a, b;
	switch (kind) {
	case VALUE_BOOL: {
		static const char *const yes[] = {"true", "1", "y", "Y", "on"};
		bool bx = false, by = false;
		for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
			bx |= !strcmp(x, yes[i]);
			by |= !strcmp(y, yes[i]);
		}
		return bx == by;
	}
	case VALUE_INT:
		return parse_long(x, &a) && parse_long(y, &b) && a == b;
	case VALUE_TIER:
		/* "memory_tier22" or "22" */
		if (!strncmp(x, "memory_tier", 11))
			x += 11;
		if (!strncmp(y, "memory_tier", 11))
			y += 11;
		return parse_long(x, &a) && parse_long(y, &b) && a == b;
	case VALUE_NODELIST: {
		struct nodemask mx, my;
		return nodemask_parse(x, &mx) == 0 && nodemask_parse(y, &my) == 0 &&
		       !memcmp(&mx, &my, sizeof(mx));
	}
	case VALUE_STRING:
		break;
	}
	return !strcmp(x, y);
}

static void report_free_changes(struct topo_apply_report *r)
{
	for (size_t i = 0; i < r->n_changes; i++) {
		free(r->changes[i].path);
		free(r->changes[i].old_value);
		free(r->changes[i].new_value);
		free(r->changes[i].data);
	}
	free(r->changes);
}

void topo_apply_report_free(struct topo_apply_report *r)
{
	if (!r)
		return;
	report_free_changes(r);
	for (size_t i = 0; i < r->n_hooks; i++) {
		free(r->hooks[i].path);
		free(r->hooks[i].message);
	}
	free(r->hooks);
	free(r->error);
	free(r);
}

/* write one change and read it back */
static int write_change(struct apply *a, struct change *c, const char *value)
{
	if (c->atomic)
		return io_replace_file(a->ctx, c->path, c->data, c->len, 0644);
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s\n", value);
	int r = io_write_file(a->ctx, c->path, buf, (size_t)n);
	if (r < 0)
		return r;
	_cleanup_free_ char *back = apply_read_value(a, c->path);
	if (!back)
		return -EIO;
	/* a knob that accepts a write and keeps its old value refused it */
	return value_equal(c->kind, back, value) ? 0 : -EREMOTEIO;
}

int transaction_fail(struct topo_apply_report *rep, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(rep->error);
	if (vasprintf(&rep->error, fmt, ap) < 0)
		rep->error = NULL;
	va_end(ap);
	return 0;
}

int transaction_commit(struct apply *a)
{
	struct topo_apply_report *rep = a->report;
	for (size_t i = 0; i < rep->n_changes; i++) {
		struct change *c = &rep->changes[i];
		int r = write_change(a, c, c->new_value);
		if (r >= 0) {
			c->status = TOPO_CHANGE_WRITTEN;
			continue;
		}
		c->status = TOPO_CHANGE_FAILED;
		c->error = -r;
		for (size_t k = i + 1; k < rep->n_changes; k++)
			rep->changes[k].status = TOPO_CHANGE_NOT_ATTEMPTED;
		/* undo, newest first */
		size_t restored = 0, lost = 0;
		for (size_t k = i; k-- > 0;) {
			struct change *w = &rep->changes[k];
			int rr = w->atomic ? -EINVAL : write_change(a, w, w->old_value);
			w->status = rr >= 0 ? TOPO_CHANGE_RESTORED : TOPO_CHANGE_RESTORE_FAILED;
			w->error = rr >= 0 ? 0 : -rr;
			*(rr >= 0 ? &restored : &lost) += 1;
		}
		transaction_fail(rep, "writing /%s failed: %s%s; %zu change%s restored%s", c->path,
		     r == -EREMOTEIO ? "the kernel kept its old value" : strerror(-r),
		     c->atomic ? " (the old file is unchanged)" : "", restored,
		     restored == 1 ? "" : "s",
		     lost ? ", SOME COULD NOT BE RESTORED: see the changes" : "");
		return r;
	}
	return 0;
}

size_t topo_apply_report_get_change_count(const struct topo_apply_report *r)
{
	return r ? r->n_changes : 0;
}

int topo_apply_report_get_change(const struct topo_apply_report *r, size_t i, const char **sink,
				 const char **path, const char **old_value, const char **new_value,
				 enum topo_change_status *status, int *error)
{
	if (!r || i >= r->n_changes)
		return -EINVAL;
	const struct change *c = &r->changes[i];
	if (sink)
		*sink = c->sink;
	if (path)
		*path = c->path;
	if (old_value)
		*old_value = c->old_value;
	if (new_value)
		*new_value = c->new_value;
	if (status)
		*status = c->status;
	if (error)
		*error = c->error;
	return 0;
}

const char *topo_apply_report_get_error(const struct topo_apply_report *r)
{
	return r ? r->error : NULL;
}

size_t topo_apply_report_get_hook_count(const struct topo_apply_report *r)
{
	return r ? r->n_hooks : 0;
}

int topo_apply_report_get_hook(const struct topo_apply_report *r, size_t i, const char **path,
			       int *status, const char **message)
{
	if (!r || i >= r->n_hooks)
		return -EINVAL;
	if (path)
		*path = r->hooks[i].path;
	if (status)
		*status = r->hooks[i].status;
	if (message)
		*message = r->hooks[i].message;
	return 0;
}
