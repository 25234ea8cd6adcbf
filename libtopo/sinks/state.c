/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The published state: <sysroot>/run/tiertopo/state.json, the snapshot with the plan (the
 * document `tiertopo plan --json` prints, in the state file's shorter form: docs/json.md),
 * replaced atomically and world-readable, so that unprivileged tools read the plan without
 * rediscovering; topo_plan_load() reads it back.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/sinks.h"


/* a knob's value as it is now (under the apply lock), for the document */
static struct json_object *knob_now(struct apply *a, const char *path, bool boolean)
{
	_cleanup_free_ char *v = apply_read_value(a, path);
	char *end;
	if (!v)
		return NULL;
	if (boolean)
		return json_object_new_boolean(value_equal(VALUE_BOOL, v, "true"));
	long long x = strtoll(v, &end, 10);
	return end != v && !*end ? json_object_new_int64(x) : NULL;
}

/*
 * The document describes the machine as it will be once the transaction is through: the
 * knobs as they are now, under the lock (the snapshot may be older: another apply may have
 * run since), with the values the pending changes set put in. So the next apply, which reads
 * them back from the kernel, finds the same document and writes nothing.
 */
static void patch_knobs(struct apply *a, struct json_object *doc)
{
	struct json_object *kernel = NULL, *nodes = NULL;
	json_object_object_get_ex(doc, "kernel", &kernel);
	json_object_object_get_ex(doc, "nodes", &nodes);
	if (kernel) {
		json_object_object_add(kernel, "demotion_enabled",
				       knob_now(a, "sys/kernel/mm/numa/demotion_enabled", true));
		json_object_object_add(kernel, "numa_balancing",
				       knob_now(a, "proc/sys/kernel/numa_balancing", false));
		json_object_object_add(
			kernel, "promote_rate_limit_mbps",
			knob_now(a, "proc/sys/kernel/numa_balancing_promote_rate_limit_MBps", false));
	}
	for (size_t k = 0; nodes && k < json_object_array_length(nodes); k++) {
		struct json_object *n = json_object_array_get_idx(nodes, k), *id;
		char path[128];
		if (!json_object_object_get_ex(n, "node", &id))
			continue;
		snprintf(path, sizeof(path), "sys/kernel/mm/mempolicy/weighted_interleave/node%d",
			 json_object_get_int(id));
		json_object_object_add(n, "interleave_weight", knob_now(a, path, false));
	}
	/* MemFree is a measurement that changes all the time, not part of the published
	 * state: with it, every apply would rewrite the file (and wake every consumer) */
	for (size_t k = 0; nodes && k < json_object_array_length(nodes); k++)
		json_object_object_del(json_object_array_get_idx(nodes, k), "memory_free_bytes");
	for (size_t i = 0; i < a->report->n_changes; i++) {
		const struct change *c = &a->report->changes[i];
		if (!strcmp(c->sink, "demotion") && kernel)
			json_object_object_add(kernel, "demotion_enabled", json_object_new_boolean(1));
		else if (!strcmp(c->sink, "numa_balancing") && kernel)
			json_object_object_add(kernel, "numa_balancing",
					       json_object_new_int64(strtoll(c->new_value, NULL, 10)));
		else if (!strcmp(c->sink, "promote_rate_limit") && kernel)
			json_object_object_add(kernel, "promote_rate_limit_mbps",
					       json_object_new_int64(strtoll(c->new_value, NULL, 10)));
		else if (!strcmp(c->sink, "weighted_interleave") && nodes) {
			int id;
			const char *base = strrchr(c->path, '/');
			if (!base || sscanf(base, "/node%d", &id) != 1)
				continue;
			for (size_t k = 0; k < json_object_array_length(nodes); k++) {
				struct json_object *n = json_object_array_get_idx(nodes, k), *v;
				if (json_object_object_get_ex(n, "node", &v) &&
				    json_object_get_int(v) == id)
					json_object_object_add(
						n, "interleave_weight",
						json_object_new_int64(strtoll(c->new_value, NULL, 10)));
			}
		}
	}
}

int sink_state(struct apply *a)
{
	if (!topo_config_sink_enabled(a->config, "state"))
		return 0;
	struct json_object *doc = plan_document_json(a->plan);
	if (!doc)
		return -ENOMEM;
	patch_knobs(a, doc);
	char *json = NULL;
	/* compact: a file for programs (jq prints it readably); pretty, a 1024-node machine's
	 * was 36 MB, and every apply printed and compared all of it */
	int r = json_to_string(doc, 0, &json);
	if (r < 0)
		return r;
	size_t len = strlen(json);
	char *data = realloc(json, len + 2);
	if (!data) {
		free(json);
		return -ENOMEM;
	}
	data[len++] = '\n';
	data[len] = '\0';

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
