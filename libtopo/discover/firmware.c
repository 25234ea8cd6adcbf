/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Firmware -> snapshot, the way Linux reads it (drivers/acpi/numa/srat.c, hmat.c,
 * drivers/cxl/acpi.c, drivers/acpi/nfit/core.c):
 *
 *   - PXM -> node: one pass over the SRAT CPU, x2APIC, GICC, RINTC and Generic Initiator
 *     entries in table order (enabled ones only), then the enabled memory entries; nodes
 *     are numbered densely in order of first appearance. CEDT CFMWS windows that no SRAT
 *     memory covers get a node each, with fake PXMs after the last real one.
 *   - the HMAT memory hierarchy as an initiator x target matrix in ns and MB/s, and per
 *     memory target the best-initiator figures of access0 (any initiator) and access1
 *     (initiators with cpus), as hmat_update_target_attrs() derives them;
 *   - cross-checks: the tables against each other, and against what the kernel reports in
 *     sysfs (access0/access1, distance).
 *
 * Finding ids of this file (the parsers' own are listed in acpi/acpi.h):
 *   srat-disabled            error    Linux discards the whole SRAT: no NUMA from firmware
 *   cedt-cfmws-fake-node     info     a CXL window without SRAT memory gets a node of its own
 *   hmat-sysfs-mismatch      warning  the kernel's accessN figures or initiators are not the
 *                                     ones the HMAT gives
 *   slit-sysfs-mismatch      warning  the kernel's distance is not the SLIT's
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "discover/discover.h"

static struct fw_node *fw_node_by_pxm(struct topo_fw *fw, uint32_t pxm)
{
	int node = fw_pxm_to_node(fw, pxm);
	return node >= 0 ? &fw->nodes[node] : NULL;
}

/* acpi_map_pxm_to_node(): the first unused node id, in order of first appearance */
static struct fw_node *map_pxm(struct topo_fw *fw, uint32_t pxm)
{
	struct fw_node *n = fw_node_by_pxm(fw, pxm);
	if (n)
		return n;
	if (fw->n_nodes >= TOPO_MAX_NODES || pxm >= FW_PXM_MAP)
		return NULL;
	n = realloc(fw->nodes, (fw->n_nodes + 1) * sizeof(*n));
	if (!n)
		return NULL;
	fw->nodes = n;
	n = &n[fw->n_nodes];
	memset(n, 0, sizeof(*n));
	n->node = (int)fw->n_nodes++;
	n->pxm = pxm;
	fw->pxm_node[pxm] = n->node;
	n->processor_pxm = FW_NO_PXM;
	return n;
}

static const struct topo_acpi_blob *blob(const struct topo *topo, const char *name)
{
	for (size_t i = 0; i < topo->n_tables; i++)
		if (!strcmp(topo->tables[i].name, name))
			return &topo->tables[i];
	return NULL;
}

static int parse_tables(struct topo *topo, struct topo_fw *fw)
{
	const struct topo_acpi_blob *b;
	struct findings *f = &topo->findings;
	int r;

#define PARSE(NAME, fn, field, have)                                                               \
	if ((b = blob(topo, NAME))) {                                                              \
		r = fn(b->data, b->len, b->origin, &fw->field, f);                                 \
		/* parsed: the bytes are not read again (3 MB on a 1024-node machine) */          \
		free(((struct topo_acpi_blob *)b)->data);                                          \
		((struct topo_acpi_blob *)b)->data = NULL;                                         \
		if (r == -ENOMEM)                                                                  \
			return r;                                                                  \
		fw->have = r == 0;                                                                 \
	}
	PARSE("SRAT", acpi_parse_srat, srat, have_srat)
	PARSE("SLIT", acpi_parse_slit, slit, have_slit)
	PARSE("HMAT", acpi_parse_hmat, hmat, have_hmat)
	PARSE("CEDT", acpi_parse_cedt, cedt, have_cedt)
	PARSE("NFIT", acpi_parse_nfit, nfit, have_nfit)
#undef PARSE

	if (blob(topo, "SRAT") && !fw->have_srat)
		findings_add(
		    f, "srat-disabled", TOPO_SEVERITY_ERROR, blob(topo, "SRAT")->origin,
		    "Linux discards this SRAT: the machine boots as one NUMA node, with no "
		    "memory tiers from firmware");
	if (fw->have_srat && fw->have_slit)
		acpi_slit_check_srat(&fw->slit, &fw->srat, blob(topo, "SLIT")->origin, f);
	if (fw->have_srat && fw->have_hmat &&
	    acpi_hmat_check_srat(&fw->hmat, &fw->srat, blob(topo, "HMAT")->origin, f) < 0)
		fw->have_hmat = false; /* Linux ignores the HMAT then */
	return 0;
}

/* One SRAT pass for initiators (table order), one for memory: srat.c acpi_numa_init() */
static int map_srat(struct topo_fw *fw)
{
	const struct acpi_srat *s = &fw->srat;
	size_t ic = 0, ig = 0;
	while (ic < s->n_cpus || ig < s->n_gis) {
		bool take_cpu =
		    ig >= s->n_gis || (ic < s->n_cpus && s->cpus[ic].offset < s->gis[ig].offset);
		if (take_cpu) {
			const struct acpi_srat_cpu *c = &s->cpus[ic++];
			if (!c->enabled)
				continue;
			struct fw_node *n = map_pxm(fw, c->pxm);
			if (!n)
				return -ENOMEM;
			n->cpu = true;
		} else {
			const struct acpi_srat_gi *g = &s->gis[ig++];
			/* Generic Ports never make nodes; Generic Initiators do */
			if (g->type != ACPI_SRAT_GENERIC_INITIATOR || !g->enabled)
				continue;
			struct fw_node *n = map_pxm(fw, g->pxm);
			if (!n)
				return -ENOMEM;
			n->generic_initiator = true;
		}
	}
	for (size_t i = 0; i < s->n_mems; i++) {
		const struct acpi_srat_mem *m = &s->mems[i];
		if (!m->enabled)
			continue;
		struct fw_node *n = map_pxm(fw, m->pxm);
		if (!n)
			return -ENOMEM;
		struct fw_range *r = realloc(n->ranges, (n->n_ranges + 1) * sizeof(*r));
		if (!r)
			return -ENOMEM;
		n->ranges = r;
		r[n->n_ranges++] = (struct fw_range){m->base, m->length, m->hotplug, m->nonvolatile,
						     m->specific_purpose};
		n->memory = true;
		n->hmat_target = true;
	}
	return 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* CFMWS windows: within SRAT memory they belong to its nodes, otherwise to a node of their own */
static int map_cfmws(struct topo *topo, struct topo_fw *fw)
{
	uint32_t fake_pxm = 0;
	for (size_t i = 0; i < fw->n_nodes; i++)
		if (fw->nodes[i].pxm + 1 > fake_pxm)
			fake_pxm = fw->nodes[i].pxm + 1;
	for (size_t w = 0; w < fw->cedt.n_cfmws; w++) {
		const struct acpi_cedt_cfmws *c = &fw->cedt.cfmws[w];
		if (!c->usable)
			continue;
		bool covered = false;
		for (size_t i = 0; i < fw->n_nodes; i++)
			for (size_t k = 0; k < fw->nodes[i].n_ranges; k++)
				if (overlaps(c->base, c->size, fw->nodes[i].ranges[k].base,
					     fw->nodes[i].ranges[k].length)) {
					covered = true;
					fw->nodes[i].cxl_window = true;
					fw->nodes[i].cxl_restrictions |= c->restrictions;
				}
		if (covered)
			continue;
		struct fw_node *n = map_pxm(fw, fake_pxm++);
		if (!n)
			return -ENOMEM;
		n->cfmws_fake = n->cxl_window = true;
		n->cxl_restrictions = c->restrictions;
		findings_add(&topo->findings, "cedt-cfmws-fake-node", TOPO_SEVERITY_INFO,
			     blob(topo, "CEDT")->origin,
			     "CXL window %#llx-%#llx has no SRAT memory: Linux gives it node %d "
			     "(fake PXM %u), with default distances and no HMAT figures",
			     (unsigned long long)c->base,
			     (unsigned long long)(c->base + c->size - 1), n->node, n->pxm);
	}
	return 0;
}

static void map_nfit(struct topo_fw *fw)
{
	for (size_t i = 0; i < fw->nfit.n_spa; i++) {
		const struct acpi_nfit_spa *s = &fw->nfit.spa[i];
		if (s->range_type != ACPI_NFIT_RANGE_PERSISTENT || !s->proximity_valid)
			continue;
		/* since 5.10 only SRAT makes nodes: NFIT looks its domain up */
		struct fw_node *n = fw_node_by_pxm(fw, s->pxm);
		if (n)
			n->nfit_pmem = true;
	}
}

/* ---- HMAT ----------------------------------------------------------------------------- */

/* does the initiator's node have cpus (N_CPU)? the kernel's own view when sysfs has one */
static bool node_has_cpu(const struct topo *topo, const struct topo_fw *fw, int node)
{
	const struct topo_node *n = topo_node_by_id((struct topo *)topo, node);
	if (n && topo->has_cpu_file)
		return n->has_cpu;
	const struct fw_node *f = fw_node_by_id(fw, node);
	return f && f->cpu;
}

static bool better(uint8_t type, uint32_t value, uint32_t *best)
{
	if (!value)
		return false;
	if (acpi_hmat_data_type_is_latency(type) ? (!*best || *best > value)
						 : (!*best || *best < value)) {
		*best = value;
		return true;
	}
	return false;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/*
 * hmat.c: the matrix (hmat_parse_locality), the attached initiators (type 0 structures)
 * and, per target and access class, hmat_update_target_attrs(). Every lookup is by index
 * (PXM -> node, PXM -> row and column of a structure): a 1024-node machine has 4 structures
 * of 256 x 1024 entries.
 */
static int derive_hmat(struct topo *topo, struct topo_fw *fw)
{
	const struct acpi_hmat *h = &fw->hmat;
	enum { WRITE_LATENCY, READ_LATENCY, WRITE_BANDWIDTH, READ_BANDWIDTH, N_TYPES };
	const struct fw_loc *types[N_TYPES] = {NULL}; /* the structure each figure comes from */
	int r = 0;

	for (size_t i = 0; i < h->n_proximity; i++) {
		const struct acpi_hmat_proximity *p = &h->proximity[i];
		struct fw_node *t = fw_node_by_pxm(fw, p->memory_pd);
		if (h->revision == 1 && !(p->flags & ACPI_HMAT_MEMORY_PD_VALID))
			continue;
		if (t && t->hmat_target && (p->flags & ACPI_HMAT_INITIATOR_PD_VALID) &&
		    fw_pxm_to_node(fw, p->initiator_pd) >= 0)
			t->processor_pxm = p->initiator_pd;
	}

	/* the initiators: every PXM in any structure that has a node (alloc_memory_initiator),
	 * ascending, as the kernel sorts them */
	memset(fw->init_index, 0xff, sizeof(fw->init_index));
	bool seen[FW_PXM_MAP] = {false};
	size_t n_inits = 0;
	for (size_t k = 0; k < h->n_locality; k++)
		for (uint32_t i = 0; i < h->locality[k].n_initiators; i++) {
			uint32_t ipxm = h->locality[k].initiators[i];
			if (fw_pxm_to_node(fw, ipxm) >= 0 && !seen[ipxm]) {
				seen[ipxm] = true;
				n_inits++;
			}
		}
	fw->init_pxm = calloc(n_inits + 1, sizeof(*fw->init_pxm));
	fw->locs = calloc(h->n_locality + 1, sizeof(*fw->locs));
	if (!fw->init_pxm || !fw->locs)
		return -ENOMEM;
	for (size_t k = 0; k < h->n_locality; k++) {
		const struct acpi_hmat_locality *l = &h->locality[k];
		if (l->hierarchy != 0)
			continue; /* caches: not the memory's performance */
		struct fw_loc *lc = &fw->locs[fw->n_locs++];
		lc->l = l;
		memset(lc->row_first, 0xff, sizeof(lc->row_first));
		memset(lc->col_first, 0xff, sizeof(lc->col_first));
		lc->row_next = malloc((l->n_initiators + 1) * sizeof(int));
		lc->col_next = malloc((l->n_targets + 1) * sizeof(int));
		if (!lc->row_next || !lc->col_next)
			return -ENOMEM;
		/* built backwards: each chain ascends */
		for (uint32_t i = l->n_initiators; i-- > 0;) {
			uint32_t p = l->initiators[i];
			lc->row_next[i] = p < FW_PXM_MAP ? lc->row_first[p] : -1;
			if (p < FW_PXM_MAP)
				lc->row_first[p] = (int)i;
		}
		for (uint32_t t = l->n_targets; t-- > 0;) {
			uint32_t p = l->targets[t];
			lc->col_next[t] = p < FW_PXM_MAP ? lc->col_first[p] : -1;
			if (p < FW_PXM_MAP)
				lc->col_first[p] = (int)t;
		}
	}
	for (uint32_t p = 0; p < FW_PXM_MAP; p++)
		if (seen[p]) {
			fw->init_index[p] = (int)fw->n_inits;
			fw->init_pxm[fw->n_inits++] = p;
		}

	/* hmat_update_target(): a target with an attached initiator (type 0 structure) takes
	 * that initiator's own figures, every structure in table order, 0 included */
	for (size_t i = 0; i < fw->n_nodes; i++) {
		struct fw_node *tn = &fw->nodes[i];
		if (!tn->hmat_target || tn->processor_pxm == FW_NO_PXM)
			continue;
		bool cpu = node_has_cpu(topo, fw, fw_pxm_to_node(fw, tn->processor_pxm));
		for (size_t k = 0; k < fw->n_locs; k++)
			FW_FOR_EACH_CELL(&fw->locs[k], tn->processor_pxm, tn->pxm, row, col)
			{
				uint32_t v = fw_loc_cell(fw, &fw->locs[k], row, col);
				uint8_t type = fw->locs[k].l->data_type;
				fw_set_attr(tn->access[0].v, type, v);
				if (cpu)
					fw_set_attr(tn->access[1].v, type, v);
			}
	}

	/* the last structure of each type wins (hmat_update_target_attrs looks figures up by
	 * type); ACCESS_* structures give both the read and the write figure */
	for (size_t k = 0; k < fw->n_locs; k++) {
		const struct fw_loc *lc = &fw->locs[k];
		switch (lc->l->data_type) {
		case ACPI_HMAT_ACCESS_LATENCY:
			types[READ_LATENCY] = types[WRITE_LATENCY] = lc;
			break;
		case ACPI_HMAT_READ_LATENCY:
			types[READ_LATENCY] = lc;
			break;
		case ACPI_HMAT_WRITE_LATENCY:
			types[WRITE_LATENCY] = lc;
			break;
		case ACPI_HMAT_ACCESS_BANDWIDTH:
			types[READ_BANDWIDTH] = types[WRITE_BANDWIDTH] = lc;
			break;
		case ACPI_HMAT_READ_BANDWIDTH:
			types[READ_BANDWIDTH] = lc;
			break;
		case ACPI_HMAT_WRITE_BANDWIDTH:
			types[WRITE_BANDWIDTH] = lc;
			break;
		}
	}
	bool any_locality = fw->n_locs > 0;

	/* Per target and access class, the search of hmat_update_target_attrs(): the
	 * candidates are a bitmap over the initiators (index k into init_pxm), and each type
	 * walks the matrix row by row (k outer, targets inner) so that the entries are read in
	 * the order they are stored, each normalised once for both classes. */
	size_t words = (fw->n_inits + 63) / 64 + 1;
	enum { NONE, SEARCH };
	_cleanup_free_ int *mode = calloc(fw->n_nodes * 2 + 1, sizeof(*mode));
	_cleanup_free_ uint64_t *cands = calloc(fw->n_nodes * 2 * words + 1, sizeof(uint64_t));
	_cleanup_free_ uint32_t *best = calloc(fw->n_nodes * 2 + 1, sizeof(uint32_t));
	_cleanup_free_ bool *has_cpu = calloc(fw->n_inits + 1, sizeof(bool));
	_cleanup_free_ int *col_of = calloc(fw->n_nodes + 1, sizeof(int));
	if (!mode || !cands || !best || !has_cpu || !col_of)
		return -ENOMEM;
	for (size_t k = 0; k < fw->n_inits; k++)
		has_cpu[k] = node_has_cpu(topo, fw, fw_pxm_to_node(fw, fw->init_pxm[k]));

	bool searching = false;
	for (size_t i = 0; i < fw->n_nodes; i++) {
		struct fw_node *t = &fw->nodes[i];
		if (!t->hmat_target)
			continue;
		for (int c = 0; c < 2; c++) {
			struct fw_access *a = &t->access[c];
			if (t->processor_pxm != FW_NO_PXM &&
			    (c == 0 || node_has_cpu(topo, fw, fw_pxm_to_node(fw, t->processor_pxm)))) {
				/* the attached initiator alone, with the figures set above */
				a->valid = true;
				a->initiators = malloc(sizeof(int));
				if (!a->initiators) {
					return -ENOMEM;
				}
				a->initiators[0] = fw_pxm_to_node(fw, t->processor_pxm);
				a->n_initiators = 1;
			} else if (any_locality) {
				/* every initiator, but for access1 only those with cpus */
				memset(a->v, 0, sizeof(a->v));
				mode[i * 2 + (size_t)c] = SEARCH;
				uint64_t *b = &cands[(i * 2 + (size_t)c) * words];
				for (size_t k = 0; k < fw->n_inits; k++)
					if (c == 0 || has_cpu[k])
						b[k / 64] |= UINT64_C(1) << (k % 64);
				searching = true;
			}
		}
	}

	for (int ty = WRITE_LATENCY; ty < N_TYPES && searching; ty++) {
		if (!types[ty])
			continue;
		const struct fw_loc *lx = types[ty];
		const struct acpi_hmat_locality *l = lx->l;
		memset(best, 0, fw->n_nodes * 2 * sizeof(*best));
		/* node -> column of this structure; -1 for a node no class searches */
		for (size_t i = 0; i < fw->n_nodes; i++) {
			uint32_t tpxm = fw->nodes[i].pxm;
			col_of[i] = (mode[i * 2] == SEARCH || mode[i * 2 + 1] == SEARCH)
					? (tpxm < FW_PXM_MAP ? lx->col_first[tpxm] : -1)
					: -2;
		}
		for (size_t k = 0; k < fw->n_inits; k++) {
			uint32_t ipxm = fw->init_pxm[k];
			int row = ipxm < FW_PXM_MAP ? lx->row_first[ipxm] : -1;
			const uint16_t *e = row >= 0 ? &l->entries[(size_t)row * l->n_targets] : NULL;
			for (size_t i = 0; i < fw->n_nodes; i++) {
				int col = col_of[i];
				if (col == -2)
					continue;
				uint32_t v = 0;
				if (e && col >= 0)
					acpi_hmat_normalize(e[col], l->entry_base_unit, h->revision,
							    l->data_type, &v);
				for (size_t c = 0; c < 2; c++) {
					size_t s = i * 2 + c;
					uint64_t *b = &cands[s * words];
					if (mode[s] != SEARCH || !(b[k / 64] & (UINT64_C(1) << (k % 64))))
						continue;
					if (better(l->data_type, v, &best[s])) {
						/* bitmap_clear(0, pxm): only this one and later */
						memset(b, 0, (k / 64) * sizeof(*b));
						b[k / 64] &= ~((UINT64_C(1) << (k % 64)) - 1);
					}
					if (v != best[s])
						b[k / 64] &= ~(UINT64_C(1) << (k % 64));
				}
			}
		}
		for (size_t s = 0; s < fw->n_nodes * 2; s++)
			if (mode[s] == SEARCH && best[s])
				fw_set_attr(fw->nodes[s / 2].access[s % 2].v, l->data_type, best[s]);
	}

	for (size_t s = 0; s < fw->n_nodes * 2 && searching; s++) {
		if (mode[s] != SEARCH)
			continue;
		struct fw_access *a = &fw->nodes[s / 2].access[s % 2];
		const uint64_t *b = &cands[s * words];
		size_t n_cand = 0;
		for (size_t k = 0; k < fw->n_inits; k++)
			n_cand += (b[k / 64] >> (k % 64)) & 1;
		a->valid = true;
		a->initiators = malloc((n_cand + 1) * sizeof(int));
		if (!a->initiators) {
			return -ENOMEM;
		}
		for (size_t k = 0; k < fw->n_inits; k++)
			if ((b[k / 64] >> (k % 64)) & 1)
				a->initiators[a->n_initiators++] = fw_pxm_to_node(fw, fw->init_pxm[k]);
		if (a->n_initiators > 1)
			qsort(a->initiators, a->n_initiators, sizeof(int), cmp_int);
	}
	/* which figures the tables give at all: those print 0 as a figure, the others as none */
	uint8_t given = 0;
	static const int attr_of[N_TYPES] = {
	    [WRITE_LATENCY] = TOPO_PERF_WRITE_LATENCY, [READ_LATENCY] = TOPO_PERF_READ_LATENCY,
	    [WRITE_BANDWIDTH] = TOPO_PERF_WRITE_BANDWIDTH, [READ_BANDWIDTH] = TOPO_PERF_READ_BANDWIDTH};
	for (int ty = 0; ty < N_TYPES; ty++)
		if (types[ty])
			given |= (uint8_t)(1u << attr_of[ty]);
	for (size_t i = 0; i < fw->n_nodes; i++)
		for (int c = 0; c < 2; c++)
			if (fw->nodes[i].access[c].valid)
				fw->nodes[i].access[c].given = given;
	fw->have_matrix = true;
	return r;
}

/* ---- against sysfs ------------------------------------------------------------------- */

static void check_sysfs(struct topo *topo, struct topo_fw *fw)
{
	char path[256];
	/* the PXM of each snapshot node (UINT32_MAX: none); NULL skips the SLIT check */
	uint32_t *pxm_of = fw->have_slit ? malloc((topo->n_nodes + 1) * sizeof(uint32_t)) : NULL;
	for (size_t j = 0; pxm_of && j < topo->n_nodes; j++) {
		const struct fw_node *g = fw_node_by_id(fw, topo->nodes[j].id);
		pxm_of[j] = g ? g->pxm : UINT32_MAX;
	}

	for (size_t i = 0; i < topo->n_nodes; i++) {
		struct topo_node *n = &topo->nodes[i];
		const struct fw_node *f = fw_node_by_id(fw, n->id);
		if (!n->present || !f)
			continue;

		/* the HMAT figures the kernel derived, against the ones the tables give */
		for (int c = 0; c < 2 && fw->have_hmat && f->hmat_target; c++) {
			const struct topo_perf_class *k = &n->access[c];
			if (!k->present || !f->access[c].valid)
				continue;
			for (int a = 0; a < 4; a++) {
				uint32_t kv = k->attr[a].known ? (uint32_t)k->attr[a].v : 0;
				if (!k->attr[a].known || kv == f->access[c].v[a])
					continue;
				snprintf(path, sizeof(path),
					 "sys/devices/system/node/node%d/access%d/initiators/%s",
					 n->id, c, sysfs_access_attrs[a]);
				findings_add(&topo->findings, "hmat-sysfs-mismatch",
					     TOPO_SEVERITY_WARNING, path,
					     "/%s is %u but the HMAT gives %u for node %d (PXM %u)",
					     path, kv, f->access[c].v[a], n->id, f->pxm);
			}
			if (k->n_initiators != f->access[c].n_initiators ||
			    (k->n_initiators && memcmp(k->initiators, f->access[c].initiators,
						       k->n_initiators * sizeof(int)))) {
				snprintf(path, sizeof(path),
					 "sys/devices/system/node/node%d/access%d/initiators",
					 n->id, c);
				char *kl = nodelist_format(k->initiators, k->n_initiators);
				char *fl = nodelist_format(f->access[c].initiators,
							   f->access[c].n_initiators);
				findings_add(
				    &topo->findings, "hmat-sysfs-mismatch", TOPO_SEVERITY_WARNING,
				    path,
				    "/%s links initiator node(s) %s but the HMAT makes %s the "
				    "best for node %d",
				    path, kl ? kl : "?", fl ? fl : "?", n->id);
				free(kl);
				free(fl);
			}
		}

		/* the SLIT the kernel uses, against its distance file: the node's SLIT row, read
		 * at each column's PXM (a million pairs on a 1024-node machine) */
		if (!fw->have_slit || !n->distance || !pxm_of || !fw->slit.entries ||
		    f->pxm >= fw->slit.localities)
			continue;
		const uint8_t *srow = &fw->slit.entries[(size_t)f->pxm * fw->slit.localities];
		for (size_t j = 0; j < topo->n_nodes; j++) {
			uint32_t gp = pxm_of[j];
			if (!n->distance[j] || gp >= fw->slit.localities)
				continue;
			unsigned int want = srow[gp];
			if (want == n->distance[j])
				continue;
			snprintf(path, sizeof(path), "sys/devices/system/node/node%d/distance",
				 n->id);
			findings_add(&topo->findings, "slit-sysfs-mismatch", TOPO_SEVERITY_WARNING,
				     path,
				     "/%s gives %u to node %d but the SLIT says %u (PXM %u to %u)",
				     path, n->distance[j], topo->nodes[j].id, want, f->pxm, gp);
			break;
		}
	}
	free(pxm_of);
}

/* the SLIT rows of the nodes sysfs gives no distances for (offline possible nodes) */
static void keep_offline_slit_rows(struct topo *topo, struct topo_fw *fw)
{
	if (!fw->have_slit || !fw->slit.entries)
		return;
	for (size_t i = 0; i < fw->n_nodes; i++) {
		struct fw_node *f = &fw->nodes[i];
		const struct topo_node *n = topo_node_by_id(topo, f->node);
		if ((n && n->distance) || f->cfmws_fake || f->pxm >= fw->slit.localities)
			continue;
		f->slit_row = calloc(fw->n_nodes + 1, 1);
		if (!f->slit_row)
			return;
		const uint8_t *srow = &fw->slit.entries[(size_t)f->pxm * fw->slit.localities];
		for (size_t j = 0; j < fw->n_nodes; j++)
			if (fw->nodes[j].pxm < fw->slit.localities && !fw->nodes[j].cfmws_fake)
				f->slit_row[j] = srow[fw->nodes[j].pxm];
	}
}

int firmware_merge(struct topo *topo)
{
	if (!topo->n_tables)
		return 0;
	struct topo_fw *fw = calloc(1, sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	memset(fw->pxm_node, 0xff, sizeof(fw->pxm_node)); /* -1: not mapped */
	memset(fw->init_index, 0xff, sizeof(fw->init_index));
	topo->fw = fw;

	int r = parse_tables(topo, fw);
	if (r >= 0 && fw->have_srat)
		r = map_srat(fw);
	if (r >= 0 && fw->have_cedt)
		r = map_cfmws(topo, fw);
	if (r < 0)
		return r;
	if (fw->have_nfit)
		map_nfit(fw);
	if (fw->have_srat && fw->have_hmat) {
		r = derive_hmat(topo, fw);
		if (r < 0)
			return r;
	}
	check_sysfs(topo, fw);
	keep_offline_slit_rows(topo, fw);
	/* merged and checked: the SLIT (1 MB on a 1024-node machine) stays for
	 * topo_get_slit_distance (tiertopo matrix), as the HMAT structures stay for the HMAT
	 * matrix; firmware_free() frees it with the snapshot */
	return 0;
}
