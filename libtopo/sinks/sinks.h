/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sinks/: where a plan goes. Each sink probes for its files, reads their current values
 * under the apply lock and adds a change for every value that differs from the plan's, to
 * the transaction (transaction.c); apply.c computes every plan the sinks need, runs them and
 * commits the transaction. Sinks call transaction.c and the layers below (services, model,
 * snapshot, base), never each other and never the planner. Prototypes grouped by the file
 * that defines them.
 */
#ifndef TOPO_SINKS_H
#define TOPO_SINKS_H

#include "services.h"

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
	/* the running kernel's own model of the same snapshot (apply.c makes it), or NULL */
	const struct topo_plan *kernel_model;
	struct topo_apply_report *report;
};

/* ---- transaction.c ------------------------------------------------------------------------ */

/* Add a change of @path from @old_value to @new_value (copied). */
int apply_add_change(struct apply *a, const char *sink, const char *path, const char *old_value,
		     const char *new_value, enum value_kind kind);
/* Read a file below the sysroot, trimmed; NULL when it cannot be read. */
char *apply_read_value(struct apply *a, const char *path);
/* Do two values mean the same? */
bool value_equal(enum value_kind kind, const char *a, const char *b);
/* Record why the apply failed in the report (the last reason wins); returns 0. */
int transaction_fail(struct topo_apply_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Write every change and read it back; on the first failure restore what was written. */
int transaction_commit(struct apply *a);

/* ---- kernel.c, tier-files.c, state.c, hooks.c: the sinks ----------------------------------- */

int sinks_kernel(struct apply *a);
int sinks_tier_files(struct apply *a);
int sink_state(struct apply *a);
/* Run the hooks; never fails the transaction. */
void sink_hooks(struct apply *a, const char *state_path);

#endif
