/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Firmware tables merged into the snapshot: the parsed tables, Linux's PXM -> node
 * mapping, per node the SRAT ranges, NFIT persistent ranges and CXL windows, the whole HMAT
 * initiator x target matrix, and the best-initiator figures the kernel derives from it.
 */
#ifndef TOPO_FIRMWARE_H
#define TOPO_FIRMWARE_H

#include "acpi/acpi.h"
#include "topo-private.h"

struct fw_range {
	uint64_t base, length;
	bool hotplug, nonvolatile, specific_purpose;
};

struct fw_access {
	bool valid;
	uint32_t v[4]; /* enum topo_perf_attr; 0 = none */
	int *initiators; /* node ids, ascending */
	size_t n_initiators;
};

struct fw_node {
	int node;
	uint32_t pxm;
	bool cpu, generic_initiator, memory;
	bool cfmws_fake; /* a node Linux made for a CXL window without SRAT memory */
	struct fw_range *ranges;
	size_t n_ranges;
	bool nfit_pmem;	 /* an NFIT SPA range of persistent memory in this domain */
	bool cxl_window; /* memory of the node is in a CEDT CFMWS window */
	uint16_t cxl_restrictions;
	bool hmat_target; /* SRAT memory the HMAT may describe */
	uint32_t processor_pxm; /* HMAT type 0 attached initiator, or UINT32_MAX */
	struct fw_access access[2]; /* as hmat_update_target_attrs() derives them */
};

/* one initiator x target pair of the HMAT memory hierarchy, normalised to ns and MB/s */
struct fw_perf {
	uint32_t v[4]; /* enum topo_perf_attr; 0 = not given */
};

/* proximity domains Linux can map: MAX_PXM_DOMAINS, plus fake CFMWS ones after them */
#define FW_PXM_MAP 2048

struct topo_fw {
	bool have_srat, have_slit, have_hmat, have_cedt, have_nfit; /* parsed, not rejected */
	struct acpi_srat srat;
	struct acpi_slit slit;
	struct acpi_hmat hmat;
	struct acpi_cedt cedt;
	struct acpi_nfit nfit;
	struct fw_node *nodes; /* by node id: nodes[i].node == i */
	size_t n_nodes;
	int pxm_node[FW_PXM_MAP]; /* pxm -> node id, -1 */
	/* the HMAT matrix: initiators (ascending PXMs that have a node) x every node, looked up
	 * in the locality structures when asked (256 x 1024 x 4 figures would be 4 MB) */
	uint32_t *init_pxm;
	size_t n_inits;
	int init_index[FW_PXM_MAP]; /* pxm -> row, -1 */
	bool have_matrix;	    /* the HMAT was merged: the figures below can be asked */
	struct fw_loc *locs;	    /* the memory-hierarchy locality structures, in table order */
	size_t n_locs;
};

/* a locality structure with, per PXM, its first row and column and the next duplicates */
struct fw_loc {
	const struct acpi_hmat_locality *l;
	int row_first[FW_PXM_MAP], col_first[FW_PXM_MAP]; /* -1: not listed */
	int *row_next, *col_next;			  /* the next row / column of the same PXM */
};

/*
 * The HMAT figures of initiator node -> target node as hmat_parse_locality() leaves them
 * (every structure in table order, the last figure given wins). False when there is no
 * matrix or the initiator is not in it.
 */
bool fw_perf_get(const struct topo_fw *fw, int initiator, int target, struct fw_perf *out);
/* One figure (enum topo_perf_attr) by matrix row (index into init_pxm) and target node; 0
 * when not given or outside the matrix. */
uint32_t fw_perf_attr_at(const struct topo_fw *fw, size_t row, int target, int attr);

int firmware_merge(struct topo *topo);
void firmware_free(struct topo_fw *fw);
const struct fw_node *fw_node_by_id(const struct topo_fw *fw, int node);
/* the node Linux gives @pxm, or -1 */
int fw_pxm_to_node(const struct topo_fw *fw, uint32_t pxm);

#endif
