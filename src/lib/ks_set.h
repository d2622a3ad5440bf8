/* SPDX-License-Identifier: BSD-2-Clause */
/* Compact sets of 32-bit keys and maps from 32-bit keys to 64-bit counts,
 * sized for millions of small instances (one per source address). A set
 * holds up to two keys inline, then up to KS_U32SET_SORTED_MAX keys in a
 * sorted array (cheap to insert into at that size, and already in blob
 * order), then an open-addressing hash table; a map holds one entry inline,
 * then a hash table. Tables double up to a cap given on every insert. A set or map that
 * hits its cap stops growing and is marked saturated (counts stay exact,
 * membership becomes a lower bound).
 *
 * Also the blob form used in the store: a set is its keys sorted ascending,
 * each 4 bytes little-endian; a map is (key u32 LE, count u64 LE) pairs
 * sorted by key. Blob readers validate lengths and order (stored blobs are
 * data, not trusted code). */
#ifndef KS_SET_H
#define KS_SET_H

#include <stddef.h>
#include <stdint.h>

struct ks_u32set {
	uint32_t n;   /* keys held */
	uint32_t cap; /* 0: inline (up to 2 keys); else slots of u.tab */
	uint8_t hashed;    /* u.tab is a hash table (else a sorted array) */
	uint8_t has_zero;  /* hashed: key 0 is held (tables use 0 as the empty slot) */
	uint8_t saturated; /* an insert was refused by the cap */
	union {
		uint32_t inl[2]; /* sorted */
		uint32_t *tab;
	} u;
};

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

#define KS_U32SET_SORTED_MAX 32

/* Home slot of key k in a table of cap (a power of two) slots; exposed so
 * that hot loops can prefetch it. */
static inline uint32_t ks_set_slot(uint32_t k, uint32_t cap)
{
	return (uint32_t)(((uint64_t)k * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

/* Zero-initialised structs are empty sets/maps. */
void ks_u32set_release(struct ks_u32set *s);
/* Adds k. Returns 1 if new, 0 if present, KS_ELIMIT if the set holds max keys
 * already (then saturated is set), KS_ENOMEM if growing failed. */
int ks_u32set_add(struct ks_u32set *s, uint32_t k, uint32_t max);
/* Heap bytes owned. */
size_t ks_u32set_heap(const struct ks_u32set *s);
/* Writes the n keys, sorted, to out[0..n). */
void ks_u32set_sorted(const struct ks_u32set *s, uint32_t *out);

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
