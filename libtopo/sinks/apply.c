/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo apply as one transaction (DESIGN.md, Sinks), and the only caller of the sinks:
 *   lock <sysroot>/run/tiertopo/lock (one apply at a time);
 *   every plan the sinks need is computed first and handed down (no sink plans);
 *   every sink: probe -> read current -> compute desired; values already right are dropped;
 *   write each change and read it back (transaction.c); on the first failure restore, newest
 *   first, every value already changed, and leave the state file as it was;
 *   the state file last, replaced atomically; then the hooks (their failure undoes nothing).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/sinks.h"

int topo_apply(struct topo_ctx *ctx, const struct topo_plan *plan,
	       const struct topo_config *config, unsigned int flags,
	       struct topo_apply_report **ret)
{
	if (!ctx || !plan || !ret)
		return -EINVAL;
	struct topo_apply_report *rep = calloc(1, sizeof(*rep));
	if (!rep)
		return -ENOMEM;
	*ret = rep;
	struct apply a = {.ctx = ctx, .plan = plan, .topo = plan->topo, .config = config,
			  .report = rep};
	/* every plan a sink needs is made here, before any sink runs: the sinks only compare
	 * and write. tier_files sets adistance offsets relative to the running kernel's own
	 * choice, which is its kernel model (none when the release is unknown) */
	_cleanup_(topo_plan_unrefp) struct topo_plan *kernel_model = NULL;
	if (topo_config_sink_enabled(config, "tier_files") && a.topo->release)
		topo_plan_new(a.topo, TOPO_PLAN_KERNEL, NULL, NULL, &kernel_model);
	a.kernel_model = kernel_model;
	bool dry = flags & TOPO_APPLY_DRY_RUN;

	/* one apply at a time: read, decide and write under the lock (a dry run writes
	 * nothing, not even the lock); the caller's, when it took it before discovering */
	bool own_lock = !dry && ctx->lockfd < 0;
	int r = 0;
	if (own_lock) {
		r = topo_ctx_lock(ctx);
		if (r < 0) {
			transaction_fail(rep, "cannot take the lock /%s: %s", TOPO_LOCK_PATH, strerror(-r));
			return r;
		}
	}

	r = sinks_kernel(&a);
	if (r >= 0)
		r = sinks_tier_files(&a);
	if (r >= 0)
		r = sink_state(&a); /* last: it is published only when the kernel took the rest */
	if (r < 0)
		transaction_fail(rep, "cannot compute the changes: %s", strerror(-r));
	else if (dry)
		for (size_t i = 0; i < rep->n_changes; i++)
			rep->changes[i].status = TOPO_CHANGE_PLANNED;
	else
		r = transaction_commit(&a);

	if (r >= 0 && !dry && rep->n_changes && !(flags & TOPO_APPLY_NO_HOOKS)) {
		char state[4096];
		snprintf(state, sizeof(state), "%s/" TOPO_STATE_PATH,
			 strcmp(ctx->sysroot, "/") ? ctx->sysroot : "");
		sink_hooks(&a, state);
	}
	if (own_lock)
		topo_ctx_unlock(ctx);
	return r;
}
