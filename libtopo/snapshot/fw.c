/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The firmware view of a snapshot (struct topo_fw) as plain data: node by id, PXM -> node,
 * the HMAT figures of an initiator x target pair looked up in the locality structures, and
 * its release. discover/firmware.c fills it the way Linux reads the tables.
 */
#include <stdlib.h>

#include "snapshot/snapshot.h"

const struct fw_node *fw_node_by_id(const struct topo_fw *fw, int node)
{
	/* node ids are handed out densely in order of first appearance */
	return fw && node >= 0 && (size_t)node < fw->n_nodes ? &fw->nodes[node] : NULL;
}

int fw_pxm_to_node(const struct topo_fw *fw, uint32_t pxm)
{
	return fw && pxm < FW_PXM_MAP ? fw->pxm_node[pxm] : -1;
}

/* the fields a data type sets (hmat_update_target_access) */
void fw_set_attr(uint32_t v[4], uint8_t type, uint32_t value)
{
	switch (type) {
	case ACPI_HMAT_ACCESS_LATENCY:
		v[TOPO_PERF_READ_LATENCY] = v[TOPO_PERF_WRITE_LATENCY] = value;
		break;
	case ACPI_HMAT_READ_LATENCY:
		v[TOPO_PERF_READ_LATENCY] = value;
		break;
	case ACPI_HMAT_WRITE_LATENCY:
		v[TOPO_PERF_WRITE_LATENCY] = value;
		break;
	case ACPI_HMAT_ACCESS_BANDWIDTH:
		v[TOPO_PERF_READ_BANDWIDTH] = v[TOPO_PERF_WRITE_BANDWIDTH] = value;
		break;
	case ACPI_HMAT_READ_BANDWIDTH:
		v[TOPO_PERF_READ_BANDWIDTH] = value;
		break;
	case ACPI_HMAT_WRITE_BANDWIDTH:
		v[TOPO_PERF_WRITE_BANDWIDTH] = value;
		break;
	}
}

uint32_t fw_loc_cell(const struct topo_fw *fw, const struct fw_loc *x, int r, int c)
{
	const struct acpi_hmat_locality *l = x->l;
	uint32_t v = 0;
	acpi_hmat_normalize(l->entries[(size_t)r * l->n_targets + (size_t)c], l->entry_base_unit,
			    fw->hmat.revision, l->data_type, &v);
	return v;
}

/* does a structure of this data type give figure @attr (enum topo_perf_attr)? */
static bool type_gives(uint8_t type, int attr)
{
	uint32_t v[4] = {0};
	fw_set_attr(v, type, 1);
	return v[attr] != 0;
}

uint32_t fw_perf_attr_at(const struct topo_fw *fw, size_t row, int target, int attr)
{
	const struct fw_node *t = fw_node_by_id(fw, target);
	if (!fw->have_matrix || row >= fw->n_inits || !t || !t->hmat_target || attr < 0 ||
	    attr > 3)
		return 0;
	uint32_t ipxm = fw->init_pxm[row], out = 0;
	for (size_t k = 0; k < fw->n_locs; k++) {
		if (!type_gives(fw->locs[k].l->data_type, attr))
			continue;
		FW_FOR_EACH_CELL(&fw->locs[k], ipxm, t->pxm, r, c)
		{
			uint32_t v = fw_loc_cell(fw, &fw->locs[k], r, c);
			if (v)
				out = v; /* the last figure given wins */
		}
	}
	return out;
}

bool fw_perf_get(const struct topo_fw *fw, int initiator, int target, struct fw_perf *out)
{
	const struct fw_node *i = fw_node_by_id(fw, initiator), *t = fw_node_by_id(fw, target);
	if (!i || !t || !fw->have_matrix || i->pxm >= FW_PXM_MAP || fw->init_index[i->pxm] < 0)
		return false;
	for (int a = 0; a < 4; a++)
		out->v[a] = fw_perf_attr_at(fw, (size_t)fw->init_index[i->pxm], target, a);
	return true;
}

void firmware_free(struct topo_fw *fw)
{
	if (!fw)
		return;
	for (size_t i = 0; i < fw->n_nodes; i++) {
		free(fw->nodes[i].ranges);
		free(fw->nodes[i].access[0].initiators);
		free(fw->nodes[i].access[1].initiators);
		free(fw->nodes[i].slit_row);
	}
	free(fw->nodes);
	for (size_t k = 0; k < fw->n_locs; k++) {
		free(fw->locs[k].row_next);
		free(fw->locs[k].col_next);
	}
	free(fw->locs);
	free(fw->init_pxm);
	acpi_srat_free(&fw->srat);
	acpi_slit_free(&fw->slit);
	acpi_hmat_free(&fw->hmat);
	acpi_cedt_free(&fw->cedt);
	acpi_nfit_free(&fw->nfit);
	free(fw);
}
