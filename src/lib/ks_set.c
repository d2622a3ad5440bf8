/* SPDX-License-Identifier: BSD-2-Clause */
/* Small-first count maps, key sorting and the blob codecs; see ks_set.h.
 * Tables use linear probing at a load factor of at most 1/2, keyed by a
 * multiplicative hash. */
#include "ks_set.h"

#include <stdlib.h>
#include <string.h>

#include "ks_err.h"

#define slot ks_set_slot

/* LSD radix sort, 8 bits a pass, for the large sets; tmp has room for n. */
static void radix_u32(uint32_t *v, uint32_t *tmp, size_t n)
{
	for (int shift = 0; shift < 32; shift += 8) {
		size_t count[257] = {0};
		for (size_t i = 0; i < n; i++)
			count[((v[i] >> shift) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			tmp[count[(v[i] >> shift) & 0xff]++] = v[i];
		uint32_t *sw = v;
		v = tmp;
		tmp = sw;
	}
	/* four passes: the result is back in the caller's v */
}

void ks_sort_u32(uint32_t *v, size_t n, uint32_t *tmp)
{
	if (n <= KS_SORT_SMALL) {
		for (size_t i = 1; i < n; i++) {
			uint32_t x = v[i];
			size_t j = i;
			for (; j > 0 && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	radix_u32(v, tmp, n);
}

size_t ks_unique_u32(uint32_t *v, size_t n)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || v[i] != v[m - 1])
			v[m++] = v[i];
	return m;
}

void ks_u32map_release(struct ks_u32map *m)
{
	if (m->cap)
		free(m->u.tab);
	memset(m, 0, sizeof *m);
}

static struct ks_kv *map_find(struct ks_kv *tab, uint32_t cap, uint32_t k)
{
	uint32_t i = slot(k, cap);
	while (tab[i].k && tab[i].k != k)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static int map_grow(struct ks_u32map *m)
{
	uint32_t ncap = m->cap ? m->cap * 2 : 4;
	struct ks_kv *t = calloc(ncap, sizeof *t);
	if (!t)
		return KS_ENOMEM;
	if (m->cap) {
		for (uint32_t i = 0; i < m->cap; i++)
			if (m->u.tab[i].k)
				*map_find(t, ncap, m->u.tab[i].k) = m->u.tab[i];
		free(m->u.tab);
	} else if (m->n) {
		struct ks_kv kv = {m->u.inl.k, m->u.inl.v};
		*map_find(t, ncap, kv.k) = kv;
	}
	m->u.tab = t;
	m->cap = ncap;
	return 0;
}

int ks_u32map_add(struct ks_u32map *m, uint32_t k, uint64_t v, uint32_t max)
{
	if (m->cap == 0) {
		if (m->n == 1 && m->u.inl.k == k && (uint64_t)m->u.inl.v + v <= UINT32_MAX) {
			m->u.inl.v += (uint32_t)v;
			return 0;
		}
		if (m->n == 0 && v <= UINT32_MAX && max > 0) {
			m->u.inl.k = k;
			m->u.inl.v = (uint32_t)v;
			m->n = 1;
			return 0;
		}
		if (m->n == 0 && max == 0)
			goto full;
		int r = map_grow(m);
		if (r != 0)
			return r;
	}
	struct ks_kv *e = map_find(m->u.tab, m->cap, k);
	if (e->k) {
		e->v += v;
		return 0;
	}
	if (m->n >= max)
		goto full;
	if ((m->n + 1) * 2 > m->cap) {
		int r = map_grow(m);
		if (r != 0)
			return r;
		e = map_find(m->u.tab, m->cap, k);
	}
	e->k = k;
	e->v = v;
	m->n++;
	return 0;
full:
	m->saturated = 1;
	return KS_ELIMIT;
}

size_t ks_u32map_heap(const struct ks_u32map *m)
{
	return (size_t)m->cap * sizeof(struct ks_kv);
}

static int cmp_kv(const void *a, const void *b)
{
	uint32_t x = ((const struct ks_kv *)a)->k, y = ((const struct ks_kv *)b)->k;
	return (x > y) - (x < y);
}

void ks_u32map_sorted(const struct ks_u32map *m, struct ks_kv *out)
{
	size_t n = 0;
	if (m->cap == 0) {
		if (m->n)
			out[n++] = (struct ks_kv){m->u.inl.k, m->u.inl.v};
	} else {
		for (uint32_t i = 0; i < m->cap; i++)
			if (m->u.tab[i].k)
				out[n++] = m->u.tab[i];
	}
	qsort(out, n, sizeof *out, cmp_kv);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void ks_blob_put_set(uint8_t *out, const uint32_t *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_le32(out + 4 * i, keys[i]);
}

void ks_blob_put_map(uint8_t *out, const struct ks_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		put_le32(out + 12 * i, kv[i].k);
		put_le32(out + 12 * i + 4, (uint32_t)kv[i].v);
		put_le32(out + 12 * i + 8, (uint32_t)(kv[i].v >> 32));
	}
}

int ks_blob_get_set(const void *blob, size_t len, uint32_t **out, size_t *n)
{
	const uint8_t *p = blob;
	*out = NULL;
	*n = 0;
	if (len % 4)
		return KS_EINVAL;
	uint32_t *v = malloc(len ? len : 1);
	if (!v)
		return KS_ENOMEM;
	for (size_t i = 0; i < len / 4; i++) {
		v[i] = get_le32(p + 4 * i);
		if (i && v[i] <= v[i - 1]) {
			free(v);
			return KS_EINVAL;
		}
	}
	*out = v;
	*n = len / 4;
	return 0;
}

int ks_blob_get_map(const void *blob, size_t len, struct ks_kv **out, size_t *n)
{
	const uint8_t *p = blob;
	*out = NULL;
	*n = 0;
	if (len % 12)
		return KS_EINVAL;
	size_t cnt = len / 12;
	struct ks_kv *v = malloc(cnt ? cnt * sizeof *v : 1);
	if (!v)
		return KS_ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		v[i].k = get_le32(p + 12 * i);
		v[i].v = get_le32(p + 12 * i + 4) | (uint64_t)get_le32(p + 12 * i + 8) << 32;
		if (i && v[i].k <= v[i - 1].k) {
			free(v);
			return KS_EINVAL;
		}
	}
	*out = v;
	*n = cnt;
	return 0;
}

size_t ks_set_union(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *out)
{
	size_t i = 0, j = 0, n = 0;
	while (i < na && j < nb) {
		if (a[i] < b[j])
			out[n++] = a[i++];
		else if (b[j] < a[i])
			out[n++] = b[j++];
		else
			out[n++] = a[i++], j++;
	}
	while (i < na)
		out[n++] = a[i++];
	while (j < nb)
		out[n++] = b[j++];
	return n;
}

size_t ks_map_merge(const struct ks_kv *a, size_t na, const struct ks_kv *b, size_t nb,
		    struct ks_kv *out)
{
	size_t i = 0, j = 0, n = 0;
	while (i < na && j < nb) {
		if (a[i].k < b[j].k)
			out[n++] = a[i++];
		else if (b[j].k < a[i].k)
			out[n++] = b[j++];
		else {
			out[n] = a[i++];
			out[n++].v += b[j++].v;
		}
	}
	while (i < na)
		out[n++] = a[i++];
	while (j < nb)
		out[n++] = b[j++];
	return n;
}
