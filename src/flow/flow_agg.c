/* SPDX-License-Identifier: BSD-2-Clause */
#include "flow_agg.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "ks_err.h"

void ks_flow_agg_init(struct ks_flow_agg *a, size_t keylen)
{
	memset(a, 0, sizeof(*a));
	a->keylen = keylen;
}

static int grow_index(struct ks_flow_agg *a)
{
	size_t ns = a->nslots ? a->nslots * 2 : 1024;
	uint32_t *idx = calloc(ns, sizeof(*idx));
	if (!idx)
		return KS_ENOMEM;
	for (size_t i = 0; i < a->n; i++) {
		size_t h = (size_t)XXH3_64bits(a->v[i].key, a->keylen) & (ns - 1);
		while (idx[h])
			h = (h + 1) & (ns - 1);
		idx[h] = (uint32_t)(i + 1);
	}
	free(a->idx);
	a->idx = idx;
	a->nslots = ns;
	return 0;
}

int ks_flow_agg_add(struct ks_flow_agg *a, const void *key, uint64_t flows, uint64_t packets,
		    uint64_t bytes)
{
	if ((a->n + 1) * 2 > a->nslots && grow_index(a) != 0)
		return KS_ENOMEM;
	size_t h = (size_t)XXH3_64bits(key, a->keylen) & (a->nslots - 1);
	for (; a->idx[h]; h = (h + 1) & (a->nslots - 1)) {
		struct ks_flow_agg_ent *e = &a->v[a->idx[h] - 1];
		if (memcmp(e->key, key, a->keylen) == 0) {
			e->flows += flows;
			e->packets += packets;
			e->bytes += bytes;
			return 0;
		}
	}
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 512;
		struct ks_flow_agg_ent *v = realloc(a->v, nc * sizeof(*v));
		if (!v)
			return KS_ENOMEM;
		a->v = v;
		a->cap = nc;
	}
	struct ks_flow_agg_ent *e = &a->v[a->n];
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, a->keylen);
	e->flows = flows;
	e->packets = packets;
	e->bytes = bytes;
	a->idx[h] = (uint32_t)++a->n;
	return 0;
}

static uint64_t sum(const struct ks_flow_agg_ent *e, enum ks_flow_agg_by by)
{
	return by == KS_FLOW_AGG_BYTES ? e->bytes : by == KS_FLOW_AGG_PACKETS ? e->packets : e->flows;
}

static int cmp_ent(const void *pa, const void *pb, void *ctx)
{
	const struct ks_flow_agg_ent *a = pa, *b = pb;
	enum ks_flow_agg_by by = *(const enum ks_flow_agg_by *)ctx;
	uint64_t x = sum(a, by), y = sum(b, by);
	if (x != y)
		return x > y ? -1 : 1;
	return memcmp(a->key, b->key, KS_FLOW_AGG_KEY);
}

void ks_flow_agg_sort(struct ks_flow_agg *a, enum ks_flow_agg_by by)
{
	if (a->n > 1)
		qsort_r(a->v, a->n, sizeof(*a->v), cmp_ent, &by); /* glibc, _GNU_SOURCE */
	free(a->idx);
	a->idx = NULL;
	a->nslots = 0;
}

void ks_flow_agg_clear(struct ks_flow_agg *a)
{
	a->n = 0;
	if (a->idx)
		memset(a->idx, 0, a->nslots * sizeof(*a->idx));
}

void ks_flow_agg_release(struct ks_flow_agg *a)
{
	free(a->v);
	free(a->idx);
	ks_flow_agg_init(a, a->keylen);
}
