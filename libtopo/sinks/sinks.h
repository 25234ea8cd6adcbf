/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sinks: where a plan goes. Each sink probes for its files, reads their current values under
 * the apply lock and adds a change for every value that differs from the plan's; apply.c
 * writes the changes as one transaction.
 */
#ifndef TOPO_SINKS_H
#define TOPO_SINKS_H

#include "plan.h"

/* how a written value is read back and compared */
enum value_kind { VALUE_STRING, VALUE_BOOL, VALUE_INT, VALUE_TIER, VALUE_NODELIST };

struct change {
	const char *sink; /* static */
	char *path;	  /* below the sysroot */
	char *old_value, *new_value;
	enum value_kind kind;
	bool atomic; /* replaced whole through a temporary file (the state file) */
	char *data;  /* what an atomic change writes */
	size_t len;
	enum topo_change_status status;
	int error;
};

struct hook_result {
	char *path;
	int status;
	char *message;
};

struct topo_apply_report {
	struct change *changes;
	size_t n_changes;
	struct hook_result *hooks;
	size_t n_hooks;
	char *error;
};

struct apply {
	struct topo_ctx *ctx;
	const struct topo_plan *plan;
	const struct topo *topo;
	const struct topo_config *config;
	struct topo_apply_report *report;
};

/* Add a change of @path from @old_value to @new_value (copied). */
int apply_add_change(struct apply *a, const char *sink, const char *path, const char *old_value,
		     const char *new_value, enum value_kind kind);
/* Read a file below the sysroot, trimmed; NULL when it cannot be read. */
char *apply_read_value(struct apply *a, const char *path);
/* Do two values mean the same? */
bool value_equal(enum value_kind kind, const char *a, const char *b);

int sinks_kernel(struct apply *a);
int sinks_tier_files(struct apply *a);
int sink_state(struct apply *a);
/* Run the hooks; never fails the transaction. */
void sink_hooks(struct apply *a, const char *state_path);

#endif
