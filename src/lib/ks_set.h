/* SPDX-License-Identifier: BSD-2-Clause */
/* Maps from 32-bit keys to 64-bit counts, sized for millions of small
 * instances (one per source address): one entry inline, then an
 * open-addressing hash table that doubles up to a cap given on every
 * insert. A map that hits its cap stops taking new keys and is marked
 * saturated (counts of held keys stay exact). Also sorting and merging of
 * sorted 32-bit key arrays.
 *
 * The blob form used in the store: a set is its keys sorted ascending,
 * each 4 bytes little-endian; a map is (key u32 LE, count u64 LE) pairs
 * sorted by key. Blob readers validate lengths and order (stored blobs are
 * data, not trusted code). */
#ifndef KS_SET_H
#define KS_SET_H

#include <stddef.h>
#include <stdint.h>

struct ks_kv {
	uint32_t k;
	uint64_t v;
};

struct ks_u32map {
	uint32_t n, cap; /* cap 0: inline (one entry); keys must be non-zero */
	uint8_t saturated;
	union {
		struct {
			uint32_t k;
			uint32_t v; /* inline count; moved to the table past 2^32-1 */
		} inl;
		struct ks_kv *tab;
	} u;
};

/* Home slot of key k in a table of cap (a power of two) slots; exposed so
 * that hot loops can prefetch it. */
static inline uint32_t ks_set_slot(uint32_t k, uint32_t cap)
{
	return (uint32_t)(((uint64_t)k * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

/* A zero-initialised struct is an empty map. */
void ks_u32map_release(struct ks_u32map *m);
/* Adds v to the count of key k (k != 0). Returns 0, KS_ELIMIT (a new key past
 * max entries: not stored, saturated set) or KS_ENOMEM. */
int ks_u32map_add(struct ks_u32map *m, uint32_t k, uint64_t v, uint32_t max);
size_t ks_u32map_heap(const struct ks_u32map *m);
/* Writes the n entries sorted by key to out[0..n). */
void ks_u32map_sorted(const struct ks_u32map *m, struct ks_kv *out);

/* Sorts v[0..n) ascending: insertion sort up to KS_SORT_SMALL keys, else an
 * LSD radix sort that needs tmp with room for n keys. */
#define KS_SORT_SMALL 32
void ks_sort_u32(uint32_t *v, size_t n, uint32_t *tmp);
/* Removes adjacent duplicates of sorted v; returns the new count. */
size_t ks_unique_u32(uint32_t *v, size_t n);

/* Blob codecs. Encoders write exactly n*4 / n*12 bytes into out. */
void ks_blob_put_set(uint8_t *out, const uint32_t *keys, size_t n);
void ks_blob_put_map(uint8_t *out, const struct ks_kv *kv, size_t n);
/* Decoders: 0, or KS_EINVAL if len is not a multiple of the entry size or
 * keys are not strictly ascending. *out is malloc'ed (caller frees), *n set. */
int ks_blob_get_set(const void *blob, size_t len, uint32_t **out, size_t *n);
int ks_blob_get_map(const void *blob, size_t len, struct ks_kv **out, size_t *n);
/* Union of two sorted key arrays into out (room for na+nb); returns count. */
size_t ks_set_union(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *out);
/* Merge of two sorted maps, adding counts of equal keys; returns count. */
size_t ks_map_merge(const struct ks_kv *a, size_t na, const struct ks_kv *b, size_t nb,
		    struct ks_kv *out);

#endif
