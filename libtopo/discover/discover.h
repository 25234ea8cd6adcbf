/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * discover/: topo_discover() runs the readers of sysfs/ into one snapshot, and the firmware
 * merge turns the raw tables into the snapshot's firmware view as Linux reads them
 * (acpi_numa_init, hmat). Calls sysfs/ and below; nothing below calls it.
 */
#ifndef TOPO_DISCOVER_H
#define TOPO_DISCOVER_H

#include "sysfs/sysfs.h"

/* ---- firmware.c ------------------------------------------------------------------------ */

/* Parse the snapshot's raw tables and merge them into topo->fw (freeing each table's bytes
 * once parsed), with the cross-checks against sysfs as findings. */
int firmware_merge(struct topo *topo);

#endif
