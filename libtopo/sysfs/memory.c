/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sys/devices/system/memory: the memory block size. Blocks per node are counted from the
 * node directories' memoryN links (node.c), which needs no file per block.
 */
#include "sysfs/sysfs.h"

int sysfs_read_memory(struct topo *topo)
{
	const char *path = "sys/devices/system/memory/block_size_bytes";
	uint64_t v;

	/* printed in hex without 0x, e.g. 8000000 for 128 MiB */
	if (read_u64(topo, path, 16, &v) == 0) {
		if (v == 0 || (v & (v - 1))) {
			findings_add(&topo->findings, "sysfs-garbled", TOPO_SEVERITY_WARNING, path,
				     "/%s is %#llx, not a power of two", path,
				     (unsigned long long)v);
			return 0;
		}
		topo->block_size.known = true;
		topo->block_size.v = v;
	}
	return 0;
}
