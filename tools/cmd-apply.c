/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo apply: the recommended plan to the kernel's tiering knobs, the state file and the
 * hooks, as one transaction.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tiertopo.h"

enum { OPT_NO_HOOKS = OPT_COMMAND, OPT_DRY_RUN };

static const char *const status_names[] = {
	[TOPO_CHANGE_PLANNED] = "would write",
	[TOPO_CHANGE_WRITTEN] = "written",
	[TOPO_CHANGE_FAILED] = "FAILED",
	[TOPO_CHANGE_RESTORED] = "restored",
	[TOPO_CHANGE_RESTORE_FAILED] = "NOT RESTORED",
	[TOPO_CHANGE_NOT_ATTEMPTED] = "not attempted",
};

static void usage(FILE *out)
{
	fputs("Usage: tiertopo apply [--dry-run] [-J] [--config FILE] [-s DIR]\n"
	      "\n"
	      "Write the recommended plan to the kernel's tiering knobs (demotion_enabled, the\n"
	      "NUMA balancing tiering bit and promotion rate limit, optionally weighted\n"
	      "interleave, and the per-node tier files of patched kernels), publish it in\n"
	      "/run/tiertopo/state.json and run the hooks in /etc/tiertopo/hooks.d.\n"
	      "All or nothing: if a write fails, every value already changed is restored.\n"
	      "Values that are already right are not written. One apply runs at a time.\n"
	      "\n"
	      "Options:\n"
	      "     --dry-run         print the changes and make none\n"
	      " -J, --json            report as JSON\n"
	      "     --config <file>   the configuration (default /etc/tiertopo/tiertopo.conf)\n"
	      "     --no-hooks        do not run the hooks\n"
	      " -s, --sysroot <dir>   apply to the tree below <dir> (tests, images)\n"
	      " -h, --help            show this help\n"
	      "\n"
	      "Exit status: 0 applied (or nothing to change), 1 error (nothing left changed).\n"
	      "See tiertopo.conf(5).\n",
	      out);
}

static void print_json(const struct topo_apply_report *rep, bool dry)
{
	struct json_object *root = json_object_new_object();
	struct json_object *changes = json_object_new_array();
	for (size_t i = 0; i < topo_apply_report_get_change_count(rep); i++) {
		const char *sink, *path, *old, *new;
		enum topo_change_status st;
		int e;
		topo_apply_report_get_change(rep, i, &sink, &path, &old, &new, &st, &e);
		struct json_object *c = json_object_new_object();
		json_object_object_add(c, "sink", json_object_new_string(sink));
		json_object_object_add(c, "path", json_object_new_string(path));
		json_object_object_add(c, "old", json_object_new_string(old));
		json_object_object_add(c, "new", json_object_new_string(new));
		json_object_object_add(c, "status", json_object_new_string(status_names[st]));
		json_object_object_add(c, "error", e ? json_object_new_string(strerror(e)) : NULL);
		json_object_array_add(changes, c);
	}
	json_object_object_add(root, "dry_run", json_object_new_boolean(dry));
	json_object_object_add(root, "changes", changes);
	const char *err = topo_apply_report_get_error(rep);
	json_object_object_add(root, "error", err ? json_object_new_string(err) : NULL);
	struct json_object *hooks = json_object_new_array();
	for (size_t i = 0; i < topo_apply_report_get_hook_count(rep); i++) {
		const char *path, *msg;
		int st;
		topo_apply_report_get_hook(rep, i, &path, &st, &msg);
		struct json_object *h = json_object_new_object();
		json_object_object_add(h, "path", json_object_new_string(path));
		json_object_object_add(h, "status", json_object_new_int(st));
		json_object_object_add(h, "message", msg ? json_object_new_string(msg) : NULL);
		json_object_array_add(hooks, h);
	}
	json_object_object_add(root, "hooks", hooks);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

static void print_text(const struct topo_apply_report *rep, bool dry)
{
	size_t n = topo_apply_report_get_change_count(rep);
	if (!n)
		printf("nothing to change: the kernel and the state file already have the plan\n");
	for (size_t i = 0; i < n; i++) {
		const char *sink, *path, *old, *new;
		enum topo_change_status st;
		int e;
		topo_apply_report_get_change(rep, i, &sink, &path, &old, &new, &st, &e);
		printf("%-19s /%s: %s -> %s  %s%s%s\n", sink, path, old, new, status_names[st],
		       e ? ": " : "", e ? strerror(e) : "");
	}
	for (size_t i = 0; i < topo_apply_report_get_hook_count(rep); i++) {
		const char *path, *msg;
		int st;
		topo_apply_report_get_hook(rep, i, &path, &st, &msg);
		fprintf(st ? stderr : stdout, "hook %s: %s\n", path, msg ? msg : "ok");
	}
	if (dry && n)
		printf("(dry run: nothing was written)\n");
}

static int apply_opt(void *data, int c, const char *arg)
{
	unsigned int *flags = data;
	if (c == 'n')
		return refuse_short_n("apply");
	if (c == OPT_DRY_RUN)
		*flags |= TOPO_APPLY_DRY_RUN;
	else if (c == OPT_NO_HOOKS)
		*flags |= TOPO_APPLY_NO_HOOKS;
	else
		return -1;
	return 0;
}

int cmd_apply(struct global_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONGOPTS,
		{"dry-run", no_argument, NULL, OPT_DRY_RUN},
		{"no-hooks", no_argument, NULL, OPT_NO_HOOKS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const struct command cmd = {"apply", "s:Jvnh", longopts, usage, false};
	unsigned int flags = 0;
	g->applies = true;
	int r = parse_options(&cmd, g, NULL, argc, argv, apply_opt, &flags);
	if (r != OPTIONS_PARSED)
		return r;
	bool live = !g->sysroot || !strcmp(g->sysroot, "/");
	if (live && geteuid() != 0 && !(flags & TOPO_APPLY_DRY_RUN)) {
		fprintf(stderr, "tiertopo: apply changes kernel settings and must run as root; "
				"'tiertopo apply --dry-run' shows what it would change\n");
		return EXIT_ERROR;
	}

	struct topo_apply_report *rep = NULL;
	struct session s;
	r = session_open(&s, g, !(flags & TOPO_APPLY_DRY_RUN));
	if (r)
		return r;
	r = session_plan(&s, "apply");
	if (r)
		goto out;
	r = topo_apply(s.ctx, s.plan, s.config, flags, &rep);
	if (g->json)
		print_json(rep, flags & TOPO_APPLY_DRY_RUN);
	else
		print_text(rep, flags & TOPO_APPLY_DRY_RUN);
	if (r < 0) {
		fprintf(stderr, "tiertopo: apply: %s\n",
			topo_apply_report_get_error(rep) ? topo_apply_report_get_error(rep)
							 : strerror(-r));
		r = EXIT_ERROR;
	} else {
		r = EXIT_OK;
	}
out:
	topo_apply_report_free(rep);
	session_close(&s);
	return r;
}
