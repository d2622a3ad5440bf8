/* SPDX-License-Identifier: BSD-2-Clause */
#include "flow_agg.h"

#include <stdlib.h>
#include <string.h>

#include "ks_err.h"

void ks_flow_agg_init(struct ks_flow_agg *a, size_t keylen)
{
	memset(a, 0, sizeof(*a));
	a->keylen = keylen;
}

/* Hash of a zero-padded key: a multiply-xorshift mix of its 64-bit words
 * (keys are short and come from our own data; no need for a keyed hash). */
static inline uint64_t key_hash(const uint8_t *k)
{
	uint64_t w[4];
	memcpy(w, k, sizeof w);
	uint64_t h = w[0] * 0x9e3779b97f4a7c15u ^ w[1] * 0xc2b2ae3d27d4eb4fu ^ w[2] * 0x165667b19e3779f9u ^
		     w[3] * 0xd6e8feb86659fd93u;
	h ^= h >> 33; /* MurmurHash3's fmix64: every input bit reaches the low bits used */
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	return h ^ h >> 33;
}

static int grow_index(struct ks_flow_agg *a)
{
	size_t ns = a->nslots ? a->nslots * 2 : 1024;
	uint32_t *idx = calloc(ns, sizeof(*idx));
	if (!idx)
		return KS_ENOMEM;
	for (size_t i = 0; i < a->n; i++) {
		size_t h = (size_t)key_hash(a->v[i].key) & (ns - 1);
		while (idx[h])
			h = (h + 1) & (ns - 1);
		idx[h] = (uint32_t)(i + 1);
	}
	free(a->idx);
	a->idx = idx;
	a->nslots = ns;
	return 0;
}

/* Keys are compared as four 64-bit words of zero-padded bytes: cheaper
 * than a memcmp call of a short, variable length on the per-flow path. */
static inline int key_eq(const uint8_t *a, const uint8_t *b)
{
	uint64_t x[4], y[4];
	memcpy(x, a, sizeof x);
	memcpy(y, b, sizeof y);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

int ks_flow_agg_add(struct ks_flow_agg *a, const void *key_in, uint64_t flows, uint64_t packets,
		    uint64_t bytes)
{
	if ((a->n + 1) * 2 > a->nslots && grow_index(a) != 0)
		return KS_ENOMEM;
	uint8_t key[KS_FLOW_AGG_KEY] = {0};
	memcpy(key, key_in, a->keylen);
	size_t h = (size_t)key_hash(key) & (a->nslots - 1);
	for (; a->idx[h]; h = (h + 1) & (a->nslots - 1)) {
		struct ks_flow_agg_ent *e = &a->v[a->idx[h] - 1];
		if (key_eq(e->key, key)) {
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
	memcpy(e->key, key, sizeof key);
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
