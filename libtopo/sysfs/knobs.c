/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tiering knobs and the kernel release: demotion_enabled (5.15+), numa_balancing and
 * its promote rate limit (6.1+), weighted interleave (6.9+; the auto file is "auto" on some
 * kernels and "__auto_type" on others), proc/sys/kernel/osrelease.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs/sysfs.h"

#define WI_DIR "sys/kernel/mm/mempolicy/weighted_interleave"

static void read_opt_bool(struct topo *topo, const char *path, struct opt_u64 *o)
{
	bool b;
	if (read_bool(topo, path, &b) == 0) {
		o->known = true;
		o->v = b;
	}
}

int sysfs_read_knobs(struct topo *topo)
{
	char path[PATH_MAX];
	int v;

	if (read_trimmed(topo, "proc/sys/kernel/osrelease", &topo->release) == 0 &&
	    !*topo->release) {
		finding_garbled(topo, "proc/sys/kernel/osrelease", "", "a kernel release");
		free(topo->release);
		topo->release = NULL;
	}

	read_opt_bool(topo, "sys/kernel/mm/numa/demotion_enabled", &topo->demotion_enabled);

	if (read_int(topo, "proc/sys/kernel/numa_balancing", &v) == 0) {
		if (v < 0)
			finding_garbled(topo, "proc/sys/kernel/numa_balancing", "(negative)",
					"a mode bitmask of 0, 1, 2 or 3");
		else {
			topo->numa_balancing.known = true;
			topo->numa_balancing.v = (uint64_t)v;
		}
	}
	uint64_t mbps;
	if (read_u64(topo, "proc/sys/kernel/numa_balancing_promote_rate_limit_MBps", 10, &mbps) ==
	    0) {
		topo->promote_rate_limit.known = true;
		topo->promote_rate_limit.v = mbps;
	}

	/* list the directory once: absent before 6.9, and a node file only for possible nodes */
	char **names = NULL;
	size_t nn = 0;
	if (io_list_dir(topo->ctx, WI_DIR, false, &names, &nn) < 0)
		return 0;
	for (size_t i = 0; i < nn; i++) {
		snprintf(path, sizeof(path), WI_DIR "/%s", names[i]);
		if (!strcmp(names[i], "auto") || !strcmp(names[i], "__auto_type")) {
			free(topo->wi_auto_file);
			topo->wi_auto_file = strdup(names[i]);
			read_opt_bool(topo, path, &topo->wi_auto);
			continue;
		}
		int id;
		char tail;
		if (sscanf(names[i], "node%d%c", &id, &tail) != 1)
			continue;
		struct topo_node *n = topo_node_by_id(topo, id);
		uint64_t w;
		if (read_u64(topo, path, 10, &w) < 0)
			continue;
		if (!n) {
			findings_add(&topo->findings, "sysfs-unknown-node", TOPO_SEVERITY_WARNING,
				     path, "/%s is for node %d, which is not a possible node", path,
				     id);
			continue;
		}
		if (w > 255) {
			findings_add(&topo->findings, "sysfs-garbled", TOPO_SEVERITY_WARNING, path,
				     "/%s is %llu; interleave weights are 1 to 255", path,
				     (unsigned long long)w);
			continue;
		}
		n->interleave_weight.known = true;
		n->interleave_weight.v = w;
	}
	strv_free(names, nn);
	return 0;
}
