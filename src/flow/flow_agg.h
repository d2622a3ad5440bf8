/* SPDX-License-Identifier: BSD-2-Clause */
/* Sums of flows, packets and bytes per key, for the hourly aggregates the
 * collector stores and for `kansoku flow top`. Keys are fixed-length byte
 * strings (at most KS_FLOW_AGG_KEY bytes; the length is set per table):
 * e.g. hour+protocol+port, an address, an address pair.
 *
 * Entries live in one dense array (insertion order) indexed by an
 * open-addressing hash table that doubles at half load; a table grows
 * without limit, so callers bound what they put in (distinct keys). */
#ifndef KS_FLOW_AGG_H
#define KS_FLOW_AGG_H

#include <stddef.h>
#include <stdint.h>

#define KS_FLOW_AGG_KEY 32

struct ks_flow_agg_ent {
	uint8_t key[KS_FLOW_AGG_KEY]; /* bytes past the table's key length are zero */
	uint64_t flows, packets, bytes;
};

struct ks_flow_agg {
	size_t keylen;
	struct ks_flow_agg_ent *v; /* v[0..n) */
	size_t n, cap;
	uint32_t *idx; /* slots hold entry index + 1; 0 = empty */
	size_t nslots; /* power of two */
};

enum ks_flow_agg_by { KS_FLOW_AGG_FLOWS, KS_FLOW_AGG_PACKETS, KS_FLOW_AGG_BYTES };

/* keylen in 1..KS_FLOW_AGG_KEY. */
void ks_flow_agg_init(struct ks_flow_agg *a, size_t keylen);
/* Adds to key's sums (a new key starts at zero). 0 or KS_ENOMEM (nothing
 * changed). key has the table's key length. */
int ks_flow_agg_add(struct ks_flow_agg *a, const void *key, uint64_t flows, uint64_t packets,
		    uint64_t bytes);
/* Orders v[0..n) by the chosen sum descending, then key ascending, and
 * drops the index: call ks_flow_agg_clear before adding again. */
void ks_flow_agg_sort(struct ks_flow_agg *a, enum ks_flow_agg_by by);
/* Forgets every entry, keeps the memory. */
void ks_flow_agg_clear(struct ks_flow_agg *a);
void ks_flow_agg_release(struct ks_flow_agg *a);

#endif
