/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The published state: <sysroot>/run/tiertopo/state.json, the snapshot with the plan (the
 * document `tiertopo plan --json` prints, in the state file's shorter form: docs/json.md),
 * replaced atomically and world-readable, so that unprivileged tools read the plan without
 * rediscovering; topo_plan_load() reads it back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/sinks.h"


/* a knob's value as it is now (under the apply lock), for the document */
static struct state_knob knob_now(struct apply *a, const char *path, bool boolean)
{
	_cleanup_free_ char *v = apply_read_value(a, path);
	char *end;
	if (!v)
		return (struct state_knob){0};
	if (boolean)
		return (struct state_knob){true, true, value_equal(VALUE_BOOL, v, "true")};
	long long x = strtoll(v, &end, 10);
	return end != v && !*end ? (struct state_knob){true, false, x} : (struct state_knob){0};
}

static struct state_knob int_knob(const char *v)
{
	return (struct state_knob){true, false, strtoll(v, NULL, 10)};
}

/*
 * The document describes the machine as it will be once the transaction is through: the
 * knobs as they are now, under the lock (the snapshot may be older: another apply may have
 * run since), with the values the pending changes set put in. So the next apply, which reads
 * them back from the kernel, finds the same document and writes nothing.
 */
static int knobs_after(struct apply *a, struct state_knobs *k)
{
	const struct topo *topo = a->plan->topo;
	k->demotion_enabled = knob_now(a, "sys/kernel/mm/numa/demotion_enabled", true);
	k->numa_balancing = knob_now(a, "proc/sys/kernel/numa_balancing", false);
	k->promote_rate_limit =
		knob_now(a, "proc/sys/kernel/numa_balancing_promote_rate_limit_MBps", false);
	k->interleave_weight = calloc(topo->n_nodes + 1, sizeof(*k->interleave_weight));
	if (!k->interleave_weight)
		return -ENOMEM;
	for (size_t i = 0; i < topo->n_nodes; i++) {
		char path[128];
		snprintf(path, sizeof(path), "sys/kernel/mm/mempolicy/weighted_interleave/node%d",
			 topo->nodes[i].id);
		k->interleave_weight[i] = knob_now(a, path, false);
	}
	for (size_t i = 0; i < a->report->n_changes; i++) {
		const struct change *c = &a->report->changes[i];
		if (!strcmp(c->sink, "demotion"))
			k->demotion_enabled = (struct state_knob){true, true, 1};
		else if (!strcmp(c->sink, "numa_balancing"))
			k->numa_balancing = int_knob(c->new_value);
		else if (!strcmp(c->sink, "promote_rate_limit"))
			k->promote_rate_limit = int_knob(c->new_value);
		else if (!strcmp(c->sink, "weighted_interleave")) {
			int id;
			const char *base = strrchr(c->path, '/');
			if (!base || sscanf(base, "/node%d", &id) != 1 || id < 0 ||
			    id > topo->max_node_id || topo->node_index[id] < 0)
				continue;
			k->interleave_weight[topo->node_index[id]] = int_knob(c->new_value);
		}
	}
	return 0;
}

int sink_state(struct apply *a)
{
	if (!topo_config_sink_enabled(a->config, "state"))
		return 0;
	struct state_knobs k = {0};
	int r = knobs_after(a, &k);
	char *data = NULL;
	size_t len = 0;
	/* compact: a file for programs (jq prints it readably); pretty, a 1024-node machine's
	 * was 36 MB, and every apply printed and compared all of it. Printed as it is made:
	 * as a json-c tree (to patch the knobs into) it was a quarter of apply's CPU time. */
	if (r >= 0)
		r = state_document(a->plan, &k, &data, &len);
	free(k.interleave_weight);
	if (r < 0)
		return r;

	char *cur = NULL;
	size_t cur_len = 0;
	int rr = io_read_file(a->ctx, TOPO_STATE_PATH, TOPO_STATE_MAX, &cur, &cur_len);
	bool present = rr == 0 || rr == -EFBIG; /* too big to be ours: replaced all the same */
	bool same = rr == 0 && cur_len == len && !memcmp(cur, data, len);
	free(cur);
	if (same) {
		free(data);
		return 0;
	}
	r = apply_add_change(a, "state", TOPO_STATE_PATH, present ? "an older plan" : "absent",
			     "the plan", VALUE_STRING);
	if (r < 0) {
		free(data);
		return r;
	}
	struct change *c = &a->report->changes[a->report->n_changes - 1];
	c->atomic = true;
	c->data = data;
	c->len = len;
	return 0;
}
